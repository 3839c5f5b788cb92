//! 在线证据 — what the live probes saw, as plain values the judges can take.
//!
//! The probes (DNS, HTTP, WHOIS/RDAP) live in `beian-probe`, which does IO; the judges here stay pure.
//! The engine converts each probe result into these types, stamped with where and when
//! it was seen, so that a finding can say "resolved to X by server S at T".

use std::net::IpAddr;

/// 解析结果 — how the lookup of one host ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// At least one address; `cnames` is the chain from the name to the address holder.
    Resolved {
        /// A and AAAA addresses.
        addresses: Vec<IpAddr>,
        /// CNAME chain, in order.
        cnames: Vec<String>,
    },
    /// NXDOMAIN.
    NxDomain,
    /// The name exists but has no address records.
    NoRecords,
    /// SERVFAIL.
    ServFail,
    /// No answer in time.
    Timeout,
    /// Any other failure, with its description.
    Failed(String),
}

impl Lookup {
    /// Whether the name is known not to resolve (as opposed to "could not ask").
    pub fn is_unresolved(&self) -> bool {
        matches!(self, Lookup::NxDomain | Lookup::NoRecords)
    }

    /// The addresses, if any.
    pub fn addresses(&self) -> &[IpAddr] {
        match self {
            Lookup::Resolved { addresses, .. } => addresses,
            _ => &[],
        }
    }

    /// The CNAME chain, if any.
    pub fn cnames(&self) -> &[String] {
        match self {
            Lookup::Resolved { cnames, .. } => cnames,
            _ => &[],
        }
    }

    /// In Chinese, for messages and evidence.
    pub fn describe(&self) -> String {
        match self {
            Lookup::Resolved { addresses, cnames } => {
                let addresses: Vec<String> = addresses.iter().map(ToString::to_string).collect();
                if cnames.is_empty() {
                    format!("解析到 {}", addresses.join("、"))
                } else {
                    format!(
                        "经 CNAME {} 解析到 {}",
                        cnames.join(" → "),
                        addresses.join("、")
                    )
                }
            }
            Lookup::NxDomain => "域名不存在（NXDOMAIN）".to_owned(),
            Lookup::NoRecords => "没有 A/AAAA 记录".to_owned(),
            Lookup::ServFail => "DNS 服务器解析失败（SERVFAIL）".to_owned(),
            Lookup::Timeout => "DNS 查询超时".to_owned(),
            Lookup::Failed(detail) => format!("DNS 查询出错：{detail}"),
        }
    }
}

/// One host looked up: which, how it ended, from which server, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostEvidence {
    /// The host name asked for.
    pub host: String,
    /// The answer.
    pub lookup: Lookup,
    /// The DNS server(s) asked, as shown to people.
    pub server: String,
    /// When, RFC 3339.
    pub observed_at: String,
}

/// A filed domain and its `www` host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainDns {
    /// The filed domain.
    pub domain: String,
    /// The domain itself.
    pub apex: HostEvidence,
    /// `www.` + the domain.
    pub www: HostEvidence,
}

impl DomainDns {
    /// Both lookups.
    pub fn hosts(&self) -> [&HostEvidence; 2] {
        [&self.apex, &self.www]
    }

    /// Every address either host resolved to.
    pub fn addresses(&self) -> Vec<IpAddr> {
        let mut all: Vec<IpAddr> = Vec::new();
        for host in self.hosts() {
            for address in host.lookup.addresses() {
                if !all.contains(address) {
                    all.push(*address);
                }
            }
        }
        all
    }

    /// Whether both hosts are known not to resolve.
    pub fn unresolved(&self) -> bool {
        self.hosts().iter().all(|h| h.lookup.is_unresolved())
    }

    /// Whether some host resolved.
    pub fn resolved(&self) -> bool {
        self.hosts()
            .iter()
            .any(|h| !h.lookup.addresses().is_empty())
    }
}

/// 抓取证据 — how fetching a homepage ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchEvidence {
    /// A final response.
    Fetched {
        /// The URL asked for.
        url: String,
        /// The URL that answered last.
        final_url: String,
        /// Its status.
        status: u16,
        /// Each redirect: the URL and its status.
        redirects: Vec<(String, u16)>,
        /// The address connected to.
        remote_addr: Option<String>,
        /// Whether the body was cut at the size cap.
        truncated: bool,
        /// When, RFC 3339.
        observed_at: String,
    },
    /// No final response.
    Failed {
        /// The URL asked for.
        url: String,
        /// Where it failed: `dns`, `connect`, `tls`, `timeout`, `blocked_destination` …
        stage: String,
        /// What happened, in Chinese with the technical detail.
        message: String,
        /// Redirects followed before the failure.
        redirects: Vec<(String, u16)>,
        /// When, RFC 3339.
        observed_at: String,
    },
}

impl FetchEvidence {
    /// The URL asked for.
    pub fn url(&self) -> &str {
        match self {
            FetchEvidence::Fetched { url, .. } | FetchEvidence::Failed { url, .. } => url,
        }
    }

    /// When it was seen.
    pub fn observed_at(&self) -> &str {
        match self {
            FetchEvidence::Fetched { observed_at, .. }
            | FetchEvidence::Failed { observed_at, .. } => observed_at,
        }
    }

    /// Whether it got a successful (2xx) page.
    pub fn ok(&self) -> bool {
        matches!(self, FetchEvidence::Fetched { status, .. } if (200..300).contains(status))
    }
}

/// 注册信息证据 — what WHOIS or RDAP said about one registrable domain, from which
/// server, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationEvidence {
    /// The registrable domain asked about.
    pub domain: String,
    /// The parsed reply, or why the query failed (in Chinese, with the detail).
    pub outcome: Result<beian_registration::Registration, String>,
    /// Who answered: a WHOIS `host:port` (with the registrar it referred to) or an RDAP URL.
    pub server: String,
    /// When, RFC 3339.
    pub observed_at: String,
}

/// 接入商网络 — the addresses and CDN names that mean "served by this provider".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderNetwork {
    /// The provider's own address ranges.
    pub ranges: Vec<Cidr>,
    /// CNAME suffixes of the provider's CDN/WAF (e.g. `cdn.example-cloud.com`).
    pub cdn_suffixes: Vec<String>,
}

impl ProviderNetwork {
    /// Whether the provider has told us anything about its network.
    pub fn is_configured(&self) -> bool {
        !self.ranges.is_empty() || !self.cdn_suffixes.is_empty()
    }

    /// Whether an address is the provider's.
    pub fn owns_address(&self, ip: IpAddr) -> bool {
        self.ranges.iter().any(|range| range.contains(ip))
    }

    /// The provider CDN suffix a CNAME ends in, if any.
    pub fn cdn_of(&self, cname: &str) -> Option<&str> {
        let cname = cname.trim_end_matches('.').to_ascii_lowercase();
        self.cdn_suffixes.iter().map(String::as_str).find(|suffix| {
            let suffix = suffix.trim_end_matches('.').trim_start_matches('.');
            cname == suffix || cname.ends_with(&format!(".{suffix}"))
        })
    }
}

/// An address range such as `203.0.113.0/24` or `2001:db8::/32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// A range that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}”不是有效的地址段，应写成 203.0.113.0/24 或 2001:db8::/32 的形式")]
pub struct CidrError(pub String);

impl Cidr {
    /// Reads `ADDRESS/PREFIX` (a bare address is a single-address range).
    pub fn parse(text: &str) -> Result<Cidr, CidrError> {
        let err = || CidrError(text.to_owned());
        let (address, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text.trim(), None),
        };
        let network: IpAddr = address.parse().map_err(|_| err())?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().map_err(|_| err())?,
            None => max,
        };
        if prefix > max {
            return Err(err());
        }
        Ok(Cidr { network, prefix })
    }

    /// Whether `ip` lies in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_contain_their_addresses() {
        let cases = [
            ("203.0.113.0/24", "203.0.113.77", true),
            ("203.0.113.0/24", "203.0.114.1", false),
            ("0.0.0.0/0", "8.8.8.8", true),
            ("198.51.100.7", "198.51.100.7", true),
            ("198.51.100.7", "198.51.100.8", false),
            ("2001:db8::/32", "2001:db8:1::1", true),
            ("2001:db8::/32", "203.0.113.1", false),
        ];
        for (range, ip, expected) in cases {
            let cidr = Cidr::parse(range).expect("range");
            assert_eq!(
                cidr.contains(ip.parse().expect("ip")),
                expected,
                "{range} {ip}"
            );
        }
        for bad in ["203.0.113.0/33", "example.com/24", "", "1.2.3.4/x"] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cdn_suffixes_match_whole_labels() {
        let provider = ProviderNetwork {
            ranges: vec![],
            cdn_suffixes: vec!["cdn.cloud.example".into()],
        };
        assert!(provider.cdn_of("site.cdn.cloud.example.").is_some());
        assert!(provider.cdn_of("CDN.CLOUD.EXAMPLE").is_some());
        assert!(provider.cdn_of("evilcdn.cloud.example").is_none());
    }
}
