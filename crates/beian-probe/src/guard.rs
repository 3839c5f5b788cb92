//! 访问地址防护 (SSRF guard) — which addresses the prober may connect to.
//!
//! The prober fetches whatever domains customers filed, so a filing can point it at our own
//! network: `127.0.0.1`, the cloud metadata service at `169.254.169.254`, a neighbour in
//! `10.0.0.0/8`. This module is the single judge of "may we open a TCP connection to this
//! address". It is applied in two places and nowhere else:
//!
//! - inside the resolver the HTTP client connects with ([`crate::http`]), so the addresses
//!   that were checked are exactly the addresses that get connected to (no second lookup,
//!   so no DNS rebinding);
//! - to IP-literal URL hosts, on the first request and on every redirect hop, because an
//!   HTTP client never asks a resolver about a literal.
//!
//! The judgement is about what we *connect to*, not about what a filing may contain: the
//! project's example filings list TEST-NET addresses as filed IPs, and that is fine, because
//! filed IPs are only compared, never dialled.
//!
//! Decisions worth knowing:
//! - Documentation ranges (TEST-NET-1/2/3 and `2001:db8::/32`) are refused. No real site
//!   lives there, so a name resolving to them is a misconfiguration at best, and inside some
//!   networks they are routed to internal hosts.
//! - IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is judged by the embedded IPv4 address, because
//!   connecting to it reaches that IPv4 host. The deprecated IPv4-compatible form (`::/96`),
//!   NAT64 (`64:ff9b::/96`, `64:ff9b:1::/48`), 6to4 (`2002::/16`) and Teredo (`2001::/32`) are
//!   refused whole: each can carry an IPv4 address to somewhere we cannot judge from here.
//! - [`AddressPolicy::allow_private`] (the `--allow-private` flag, for the sandbox and the
//!   tests) lifts every rule except those for addresses that are never a single host:
//!   "this network" (`0.0.0.0/8`, whose `0.0.0.0` reaches the local host on Linux),
//!   unspecified (`::`), broadcast and multicast.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// 地址策略 — what the prober may connect to.
///
/// The default refuses every non-public address. There is deliberately no allow list of
/// ranges: the two ways to open the guard are `allow_private` (everything but non-host
/// addresses) and `allowed` (exact addresses, e.g. one sandbox host), and both are spelled
/// out at the call site.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    /// Lift the rules for private, loopback, link-local and other non-public ranges.
    pub allow_private: bool,
    /// Exact addresses allowed even though their range is refused (like smokescreen's allow
    /// list). Tests use it to run an "allowed" server on one loopback address while the
    /// guard keeps refusing the rest of 127.0.0.0/8.
    pub allowed: Vec<IpAddr>,
}

impl AddressPolicy {
    /// The policy that refuses every non-public address.
    pub fn strict() -> Self {
        Self::default()
    }

    /// The policy of `--allow-private`.
    pub fn allow_private() -> Self {
        Self {
            allow_private: true,
            allowed: Vec::new(),
        }
    }

    /// May we connect to `ip`?
    pub fn check(&self, ip: IpAddr) -> Result<(), Blocked> {
        let Some(blocked) = classify(ip) else {
            return Ok(());
        };
        if self.allowed.contains(&ip) {
            return Ok(());
        }
        if self.allow_private && blocked.range.lifted_by_allow_private() {
            return Ok(());
        }
        Err(blocked)
    }

    /// May we send a request to `url`? Checks the scheme and, for an IP-literal host, the
    /// address. A host name passes here; its addresses are judged when it is resolved.
    ///
    /// `url` must already be parsed by the `url` crate, which normalises odd literal
    /// encodings (`http://2130706433/`, `http://0x7f.1/`, `http://127.1/`) to the address
    /// they denote, the WHATWG way, so that they are judged as that address.
    pub fn check_url(&self, url: &Url) -> Result<(), UrlRefused> {
        match url.scheme() {
            "http" | "https" => {}
            other => return Err(UrlRefused::Scheme(other.to_owned())),
        }
        match url.host() {
            None => Err(UrlRefused::NoHost),
            Some(Host::Ipv4(v4)) => self.check(IpAddr::V4(v4)).map_err(UrlRefused::Blocked),
            Some(Host::Ipv6(v6)) => self.check(IpAddr::V6(v6)).map_err(UrlRefused::Blocked),
            Some(Host::Domain(name)) => {
                // RFC 6761: `localhost` and its subdomains are the local host by definition,
                // whatever a resolver says. Refuse them by name unless private is allowed.
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                if !self.allow_private && (name == "localhost" || name.ends_with(".localhost")) {
                    return Err(UrlRefused::LocalhostName(name));
                }
                Ok(())
            }
        }
    }
}

/// 禁止访问的地址 — an address the guard refused, with the range it fell in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct Blocked {
    /// The address as it was asked about.
    pub ip: IpAddr,
    /// The refused range it belongs to.
    pub range: BlockedRange,
    /// For `::ffff:a.b.c.d`: the embedded IPv4 address that was judged.
    pub embedded: Option<Ipv4Addr>,
}

impl Blocked {
    /// Chinese first, then the English name and the range, e.g.
    /// `127.0.0.1 属于回环地址 (loopback 127.0.0.0/8)`.
    pub fn describe(&self) -> String {
        let r = self.range;
        match self.embedded {
            Some(v4) => format!(
                "{} 是 IPv4 映射地址，内嵌的 {v4} 属于{} ({} {})",
                self.ip,
                r.zh(),
                r.en(),
                r.cidr()
            ),
            None => format!("{} 属于{} ({} {})", self.ip, r.zh(), r.en(), r.cidr()),
        }
    }
}

/// 禁止的地址段 — the ranges the guard refuses, each with its Chinese and English name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BlockedRange {
    /// 0.0.0.0/8, "this network"; 0.0.0.0 itself reaches the local host on Linux.
    ThisNetwork,
    /// 10.0.0.0/8.
    Private10,
    /// 100.64.0.0/10, carrier-grade NAT.
    Cgnat,
    /// 127.0.0.0/8.
    Loopback4,
    /// 169.254.0.0/16, including the cloud metadata service 169.254.169.254.
    LinkLocal4,
    /// 172.16.0.0/12.
    Private172,
    /// 192.0.0.0/24, IETF protocol assignments.
    IetfAssignments,
    /// 192.0.2.0/24, TEST-NET-1.
    TestNet1,
    /// 192.88.99.0/24, the deprecated 6to4 relay anycast.
    Relay6to4,
    /// 192.168.0.0/16.
    Private192,
    /// 198.18.0.0/15, benchmarking.
    Benchmarking,
    /// 198.51.100.0/24, TEST-NET-2.
    TestNet2,
    /// 203.0.113.0/24, TEST-NET-3.
    TestNet3,
    /// 224.0.0.0/4.
    Multicast4,
    /// 255.255.255.255.
    Broadcast,
    /// 240.0.0.0/4 (less the broadcast address).
    Reserved4,
    /// `::`.
    Unspecified6,
    /// `::1`.
    Loopback6,
    /// `::/96`, the deprecated IPv4-compatible form.
    V4Compatible,
    /// `64:ff9b::/96` and `64:ff9b:1::/48`.
    Nat64,
    /// `100::/64`, discard-only.
    Discard6,
    /// `2001::/32`.
    Teredo,
    /// `2001:db8::/32`.
    Documentation6,
    /// `2002::/16`.
    SixToFour,
    /// `fc00::/7`, unique local addresses.
    UniqueLocal,
    /// `fe80::/10`.
    LinkLocal6,
    /// `fec0::/10`, the deprecated site-local range.
    SiteLocal6,
    /// `ff00::/8`.
    Multicast6,
}

impl BlockedRange {
    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        use BlockedRange::*;
        match self {
            ThisNetwork => "本网络地址",
            Private10 | Private172 | Private192 => "私有地址",
            Cgnat => "运营商级 NAT 共享地址",
            Loopback4 | Loopback6 => "回环地址",
            LinkLocal4 | LinkLocal6 => "链路本地地址",
            IetfAssignments => "IETF 协议保留地址",
            TestNet1 | TestNet2 | TestNet3 | Documentation6 => "文档示例地址",
            Relay6to4 => "6to4 中继地址",
            Benchmarking => "基准测试地址",
            Multicast4 | Multicast6 => "组播地址",
            Broadcast => "广播地址",
            Reserved4 => "保留地址",
            Unspecified6 => "未指定地址",
            V4Compatible => "IPv4 兼容地址",
            Nat64 => "NAT64 转换地址",
            Discard6 => "丢弃前缀地址",
            Teredo => "Teredo 隧道地址",
            SixToFour => "6to4 隧道地址",
            UniqueLocal => "唯一本地地址",
            SiteLocal6 => "站点本地地址",
        }
    }

    /// The English name.
    pub fn en(self) -> &'static str {
        use BlockedRange::*;
        match self {
            ThisNetwork => "this network",
            Private10 | Private172 | Private192 => "private",
            Cgnat => "CGNAT shared",
            Loopback4 | Loopback6 => "loopback",
            LinkLocal4 | LinkLocal6 => "link-local",
            IetfAssignments => "IETF protocol assignments",
            TestNet1 | TestNet2 | TestNet3 | Documentation6 => "documentation",
            Relay6to4 => "6to4 relay anycast",
            Benchmarking => "benchmarking",
            Multicast4 | Multicast6 => "multicast",
            Broadcast => "broadcast",
            Reserved4 => "reserved",
            Unspecified6 => "unspecified",
            V4Compatible => "IPv4-compatible",
            Nat64 => "NAT64",
            Discard6 => "discard-only",
            Teredo => "Teredo",
            SixToFour => "6to4",
            UniqueLocal => "unique local",
            SiteLocal6 => "site-local",
        }
    }

    /// The range in CIDR notation.
    pub fn cidr(self) -> &'static str {
        use BlockedRange::*;
        match self {
            ThisNetwork => "0.0.0.0/8",
            Private10 => "10.0.0.0/8",
            Cgnat => "100.64.0.0/10",
            Loopback4 => "127.0.0.0/8",
            LinkLocal4 => "169.254.0.0/16",
            Private172 => "172.16.0.0/12",
            IetfAssignments => "192.0.0.0/24",
            TestNet1 => "192.0.2.0/24",
            Relay6to4 => "192.88.99.0/24",
            Private192 => "192.168.0.0/16",
            Benchmarking => "198.18.0.0/15",
            TestNet2 => "198.51.100.0/24",
            TestNet3 => "203.0.113.0/24",
            Multicast4 => "224.0.0.0/4",
            Broadcast => "255.255.255.255/32",
            Reserved4 => "240.0.0.0/4",
            Unspecified6 => "::/128",
            Loopback6 => "::1/128",
            V4Compatible => "::/96",
            Nat64 => "64:ff9b::/96, 64:ff9b:1::/48",
            Discard6 => "100::/64",
            Teredo => "2001::/32",
            Documentation6 => "2001:db8::/32",
            SixToFour => "2002::/16",
            UniqueLocal => "fc00::/7",
            LinkLocal6 => "fe80::/10",
            SiteLocal6 => "fec0::/10",
            Multicast6 => "ff00::/8",
        }
    }

    /// Whether `--allow-private` opens this range. Not for addresses that are never one
    /// host: a sandbox needs loopback, but nothing needs to "connect" to a group or to
    /// "any address".
    pub fn lifted_by_allow_private(self) -> bool {
        !matches!(
            self,
            BlockedRange::ThisNetwork
                | BlockedRange::Unspecified6
                | BlockedRange::Broadcast
                | BlockedRange::Multicast4
                | BlockedRange::Multicast6
        )
    }
}

/// 拒绝的网址 — why a URL may not be requested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefused {
    /// Only http and https are fetched.
    #[error("不支持的协议 {0}（只抓取 http 与 https）")]
    Scheme(String),
    /// A URL without a host (cannot happen for http/https once parsed, kept for safety).
    #[error("网址没有主机名")]
    NoHost,
    /// An IP-literal host in a refused range.
    #[error("{0}")]
    Blocked(Blocked),
    /// `localhost` or a name under it.
    #[error("{0} 是本机名称 (localhost, RFC 6761)")]
    LocalhostName(String),
}

/// The refused range `ip` falls in, if any, regardless of policy.
pub fn classify(ip: IpAddr) -> Option<Blocked> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4).map(|range| Blocked {
            ip,
            range,
            embedded: None,
        }),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return classify_v4(v4).map(|range| Blocked {
                    ip,
                    range,
                    embedded: Some(v4),
                });
            }
            classify_v6(v6).map(|range| Blocked {
                ip,
                range,
                embedded: None,
            })
        }
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    (u32::from(ip) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

fn in_v6(ip: Ipv6Addr, net: [u16; 8], prefix: u32) -> bool {
    let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
    (u128::from(ip) & mask) == (u128::from(Ipv6Addr::from(net)) & mask)
}

fn classify_v4(ip: Ipv4Addr) -> Option<BlockedRange> {
    use BlockedRange::*;
    // Most specific first: the broadcast address sits inside 240/4.
    const TABLE: &[([u8; 4], u32, BlockedRange)] = &[
        ([255, 255, 255, 255], 32, Broadcast),
        ([0, 0, 0, 0], 8, ThisNetwork),
        ([10, 0, 0, 0], 8, Private10),
        ([100, 64, 0, 0], 10, Cgnat),
        ([127, 0, 0, 0], 8, Loopback4),
        ([169, 254, 0, 0], 16, LinkLocal4),
        ([172, 16, 0, 0], 12, Private172),
        ([192, 0, 0, 0], 24, IetfAssignments),
        ([192, 0, 2, 0], 24, TestNet1),
        ([192, 88, 99, 0], 24, Relay6to4),
        ([192, 168, 0, 0], 16, Private192),
        ([198, 18, 0, 0], 15, Benchmarking),
        ([198, 51, 100, 0], 24, TestNet2),
        ([203, 0, 113, 0], 24, TestNet3),
        ([224, 0, 0, 0], 4, Multicast4),
        ([240, 0, 0, 0], 4, Reserved4),
    ];
    TABLE
        .iter()
        .find(|(net, prefix, _)| in_v4(ip, *net, *prefix))
        .map(|(_, _, range)| *range)
}

fn classify_v6(ip: Ipv6Addr) -> Option<BlockedRange> {
    use BlockedRange::*;
    // Most specific first: `::` and `::1` sit inside ::/96, 2001:db8::/32 beside Teredo.
    const TABLE: &[([u16; 8], u32, BlockedRange)] = &[
        ([0, 0, 0, 0, 0, 0, 0, 0], 128, Unspecified6),
        ([0, 0, 0, 0, 0, 0, 0, 1], 128, Loopback6),
        ([0, 0, 0, 0, 0, 0, 0, 0], 96, V4Compatible),
        ([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96, Nat64),
        ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48, Nat64),
        ([0x100, 0, 0, 0, 0, 0, 0, 0], 64, Discard6),
        ([0x2001, 0, 0, 0, 0, 0, 0, 0], 32, Teredo),
        ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32, Documentation6),
        ([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, SixToFour),
        ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, UniqueLocal),
        ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, LinkLocal6),
        ([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10, SiteLocal6),
        ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, Multicast6),
    ];
    TABLE
        .iter()
        .find(|(net, prefix, _)| in_v6(ip, *net, *prefix))
        .map(|(_, _, range)| *range)
}

impl fmt::Display for BlockedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} {})", self.zh(), self.en(), self.cidr())
    }
}

#[cfg(test)]
mod tests {
    use super::BlockedRange::{self, *};
    use super::*;

    /// Addresses: `None` means allowed under the strict policy.
    const ADDRESSES: &[(&str, Option<BlockedRange>)] = &[
        // Public addresses pass.
        ("8.8.8.8", None),
        ("1.1.1.1", None),
        ("114.114.114.114", None),
        ("223.5.5.5", None),
        ("100.63.255.255", None),
        ("100.128.0.0", None),
        ("172.15.255.255", None),
        ("172.32.0.0", None),
        ("192.0.1.1", None),
        ("198.17.255.255", None),
        ("198.20.0.0", None),
        ("223.255.255.255", None),
        ("2400:3200::1", None),
        ("2001:4860:4860::8888", None),
        ("::ffff:8.8.8.8", None),
        // IPv4 ranges.
        ("0.0.0.0", Some(ThisNetwork)),
        ("0.1.2.3", Some(ThisNetwork)),
        ("10.0.0.1", Some(Private10)),
        ("10.255.255.255", Some(Private10)),
        ("100.64.0.1", Some(Cgnat)),
        ("100.127.255.255", Some(Cgnat)),
        ("127.0.0.1", Some(Loopback4)),
        ("127.255.255.254", Some(Loopback4)),
        ("169.254.169.254", Some(LinkLocal4)),
        ("172.16.0.1", Some(Private172)),
        ("172.31.255.255", Some(Private172)),
        ("192.0.0.8", Some(IetfAssignments)),
        ("192.0.2.10", Some(TestNet1)),
        ("192.88.99.1", Some(Relay6to4)),
        ("192.168.1.1", Some(Private192)),
        ("198.18.0.1", Some(Benchmarking)),
        ("198.19.255.255", Some(Benchmarking)),
        ("198.51.100.7", Some(TestNet2)),
        ("203.0.113.9", Some(TestNet3)),
        ("224.0.0.1", Some(Multicast4)),
        ("239.255.255.250", Some(Multicast4)),
        ("240.0.0.1", Some(Reserved4)),
        ("255.255.255.254", Some(Reserved4)),
        ("255.255.255.255", Some(Broadcast)),
        // IPv6 ranges.
        ("::", Some(Unspecified6)),
        ("::1", Some(Loopback6)),
        ("0:0:0:0:0:0:0:1", Some(Loopback6)),
        ("::127.0.0.1", Some(V4Compatible)),
        ("::8.8.8.8", Some(V4Compatible)),
        ("::ffff:127.0.0.1", Some(Loopback4)),
        ("::ffff:169.254.169.254", Some(LinkLocal4)),
        ("::ffff:10.1.2.3", Some(Private10)),
        ("64:ff9b::7f00:1", Some(Nat64)),
        ("64:ff9b::808:808", Some(Nat64)),
        ("64:ff9b:1::1", Some(Nat64)),
        ("100::1", Some(Discard6)),
        ("2001::1", Some(Teredo)),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", Some(Teredo)),
        ("2001:db8::1", Some(Documentation6)),
        ("2002:7f00:1::1", Some(SixToFour)),
        ("2002:808:808::1", Some(SixToFour)),
        ("fc00::1", Some(UniqueLocal)),
        ("fd12:3456::1", Some(UniqueLocal)),
        ("fe80::1", Some(LinkLocal6)),
        ("febf::1", Some(LinkLocal6)),
        ("fec0::1", Some(SiteLocal6)),
        ("ff02::1", Some(Multicast6)),
        ("ff05::1:3", Some(Multicast6)),
    ];

    #[test]
    fn address_table() {
        let strict = AddressPolicy::strict();
        for (text, expected) in ADDRESSES {
            let ip: IpAddr = text.parse().expect("test address parses");
            let got = strict.check(ip).err().map(|b| b.range);
            assert_eq!(got, *expected, "{text}");
        }
        assert!(ADDRESSES.len() >= 50);
    }

    /// URLs: odd literal encodings must be normalised (WHATWG) and then judged.
    const URLS: &[(&str, Option<BlockedRange>)] = &[
        ("http://example.com/", None),
        ("https://beian.example.cn:8443/index.html", None),
        ("http://8.8.8.8/", None),
        ("http://[2400:3200::1]/", None),
        ("http://127.0.0.1/", Some(Loopback4)),
        ("http://127.1/", Some(Loopback4)),
        ("http://127.0.1/", Some(Loopback4)),
        ("http://2130706433/", Some(Loopback4)),
        ("http://0x7f000001/", Some(Loopback4)),
        ("http://0x7f.1/", Some(Loopback4)),
        ("http://0x7F.0x0.0x0.0x1/", Some(Loopback4)),
        ("http://017700000001/", Some(Loopback4)),
        ("http://0177.0.0.1/", Some(Loopback4)),
        ("http://127.0.0.1./", Some(Loopback4)),
        ("http://0/", Some(ThisNetwork)),
        ("http://0.0.0.0:8080/", Some(ThisNetwork)),
        ("http://169.254.169.254/latest/meta-data/", Some(LinkLocal4)),
        ("http://2852039166/", Some(LinkLocal4)),
        ("http://0xa9fea9fe/", Some(LinkLocal4)),
        ("http://10.1/", Some(Private10)),
        ("http://user:pw@192.168.0.1/", Some(Private192)),
        ("https://%31%32%37.0.0.1/", Some(Loopback4)),
        ("http://１２７.０.０.１/", Some(Loopback4)),
        ("http://[::1]/", Some(Loopback6)),
        ("http://[0:0:0:0:0:0:0:1]:80/", Some(Loopback6)),
        ("http://[::ffff:127.0.0.1]/", Some(Loopback4)),
        ("http://[::ffff:7f00:1]/", Some(Loopback4)),
        ("http://[::]/", Some(Unspecified6)),
        ("http://[fe80::1]/", Some(LinkLocal6)),
        ("http://[fd00::1]/", Some(UniqueLocal)),
        ("http://[64:ff9b::a9fe:a9fe]/", Some(Nat64)),
        ("http://[2002:a9fe:a9fe::]/", Some(SixToFour)),
    ];

    #[test]
    fn url_table() {
        let strict = AddressPolicy::strict();
        for (text, expected) in URLS {
            let url = Url::parse(text).expect("test URL parses");
            let got = match strict.check_url(&url) {
                Ok(()) => None,
                Err(UrlRefused::Blocked(b)) => Some(b.range),
                Err(other) => panic!("{text}: unexpected refusal {other}"),
            };
            assert_eq!(got, *expected, "{text} (host {:?})", url.host_str());
        }
    }

    #[test]
    fn bracketed_names_and_other_schemes_are_refused() {
        // The smokescreen advisory: a name in brackets must not slip past the guard.
        assert!(Url::parse("http://[example.com]/").is_err());
        let strict = AddressPolicy::strict();
        for (text, want) in [
            ("ftp://8.8.8.8/", "ftp"),
            ("file:///etc/passwd", "file"),
            ("gopher://127.0.0.1/", "gopher"),
        ] {
            let url = Url::parse(text).expect("parses");
            assert_eq!(strict.check_url(&url), Err(UrlRefused::Scheme(want.into())));
        }
        for text in [
            "http://localhost/",
            "http://LOCALHOST./",
            "http://a.localhost/",
        ] {
            let url = Url::parse(text).expect("parses");
            assert!(
                matches!(strict.check_url(&url), Err(UrlRefused::LocalhostName(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn allow_private_lifts_host_ranges_only() {
        let open = AddressPolicy::allow_private();
        for ok in ["127.0.0.1", "10.0.0.1", "::1", "fd00::1", "169.254.169.254"] {
            assert_eq!(open.check(ok.parse().expect("ip")), Ok(()), "{ok}");
        }
        for refused in ["0.0.0.0", "255.255.255.255", "224.0.0.1", "::", "ff02::1"] {
            assert!(
                open.check(refused.parse().expect("ip")).is_err(),
                "{refused}"
            );
        }
        let url = Url::parse("http://localhost:8080/").expect("parses");
        assert_eq!(open.check_url(&url), Ok(()));
    }

    #[test]
    fn exact_allowed_address_opens_only_itself() {
        let policy = AddressPolicy {
            allow_private: false,
            allowed: vec!["127.0.0.2".parse().expect("ip")],
        };
        assert_eq!(policy.check("127.0.0.2".parse().expect("ip")), Ok(()));
        assert!(policy.check("127.0.0.1".parse().expect("ip")).is_err());
    }

    #[test]
    fn blocked_names_the_range_in_chinese_and_english() {
        let b = AddressPolicy::strict()
            .check("127.0.0.1".parse().expect("ip"))
            .expect_err("loopback is refused");
        assert_eq!(
            b.to_string(),
            "127.0.0.1 属于回环地址 (loopback 127.0.0.0/8)"
        );
        let b = AddressPolicy::strict()
            .check("::ffff:10.0.0.1".parse().expect("ip"))
            .expect_err("mapped private is refused");
        assert!(
            b.to_string().contains("内嵌的 10.0.0.1 属于私有地址"),
            "{b}"
        );
    }
}
