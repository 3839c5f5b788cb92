//! WHOIS 查询 (WHOIS over TCP port 43) — ask a registry's WHOIS server about a domain.
//!
//! The protocol (RFC 3912) is one line out (`name\r\n`) and text back until the server
//! closes. The text is parsed by `beian-registration`; this module only talks.
//!
//! How the guard ([`crate::guard`]) is kept: the server's name is resolved by our own
//! [`DnsResolver`], every address is judged by the [`AddressPolicy`], and exactly an
//! address that passed is dialled (no second lookup). A server address given as an IP is
//! judged the same way. So a filing or a referral cannot point the prober at our network.
//!
//! Limits against hostile or broken servers: a connect timeout, one deadline for the whole
//! query (connect, send and read), and a cap on the reply (a real reply is a few KiB). A
//! server that accepts and never answers ends at the deadline as a [`WhoisFailure`], an
//! outcome, not an error of the program.
//!
//! Politeness: registries limit queries per client and some blacklist clients that ask too
//! fast, so queries to one server are spaced by a minimum interval ([`RateLimiter`]).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::dns::{DnsResolver, HostLookup};
use crate::guard::AddressPolicy;

/// 256 KiB: a real reply is a few KiB; a longer one is cut here.
pub const DEFAULT_MAX_REPLY: usize = 256 * 1024;

/// The WHOIS port.
pub const WHOIS_PORT: u16 = 43;

/// WHOIS 服务器表 — the registry WHOIS server of a top-level domain, as data.
///
/// Only servers we are sure of; a TLD that is not here is asked over RDAP when the
/// bootstrap knows it, else reported as "no server known" (inconclusive), never guessed.
/// IDN TLDs are listed in their punycode form (`xn--fiqs8s` is 中国).
pub const WHOIS_SERVERS: &[(&str, &str)] = &[
    ("cn", "whois.cnnic.cn"),
    ("xn--fiqs8s", "whois.cnnic.cn"),
    ("xn--fiqz9s", "whois.cnnic.cn"),
    ("com", "whois.verisign-grs.com"),
    ("net", "whois.verisign-grs.com"),
    ("org", "whois.pir.org"),
    ("hk", "whois.hkirc.hk"),
    ("tw", "whois.twnic.net.tw"),
    ("top", "whois.nic.top"),
    ("xyz", "whois.nic.xyz"),
    ("info", "whois.nic.info"),
    ("io", "whois.nic.io"),
    ("me", "whois.nic.me"),
    ("cc", "ccwhois.verisign-grs.com"),
    ("tv", "tvwhois.verisign-grs.com"),
    ("jp", "whois.jprs.jp"),
    ("uk", "whois.nic.uk"),
    ("de", "whois.denic.de"),
];

/// The registry WHOIS server for the last label of `domain`, if we know one.
pub fn whois_server_for(domain: &str) -> Option<&'static str> {
    let tld = top_level(domain);
    WHOIS_SERVERS
        .iter()
        .find(|(t, _)| *t == tld)
        .map(|(_, server)| *server)
}

/// The last label, lower-case, without the root dot.
pub(crate) fn top_level(domain: &str) -> String {
    domain
        .trim_end_matches('.')
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// WHOIS 服务器地址 — a host (name or IP) and a port, as `--whois-server HOST:PORT` gives it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerAddr {
    /// A host name or an IP address (without brackets).
    pub host: String,
    /// The TCP port, 43 in the world.
    pub port: u16,
}

/// `--whois-server` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "“{0}”不是有效的 WHOIS 服务器地址，应写成 主机:端口，例如 whois.cnnic.cn:43 或 127.0.0.1:4343"
)]
pub struct ServerAddrError(pub String);

impl ServerAddr {
    /// A host on port 43.
    pub fn on_port_43(host: &str) -> Self {
        ServerAddr {
            host: host.trim().trim_end_matches('.').to_ascii_lowercase(),
            port: WHOIS_PORT,
        }
    }

    /// Reads `HOST:PORT`, `[IPv6]:PORT`, or a bare `HOST` (port 43).
    pub fn parse(text: &str) -> Result<Self, ServerAddrError> {
        let err = || ServerAddrError(text.to_owned());
        let text = text.trim();
        if let Ok(addr) = text.parse::<SocketAddr>() {
            return Ok(ServerAddr {
                host: addr.ip().to_string(),
                port: addr.port(),
            });
        }
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(ServerAddr {
                host: ip.to_string(),
                port: WHOIS_PORT,
            });
        }
        let (host, port) = match text.rsplit_once(':') {
            Some((host, port)) => (host, port.parse::<u16>().map_err(|_| err())?),
            None => (text, WHOIS_PORT),
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let plausible = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_');
        if !plausible || port == 0 {
            return Err(err());
        }
        Ok(ServerAddr { host, port })
    }
}

impl std::fmt::Display for ServerAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// 限速器 — a minimum interval between queries to the same server.
///
/// Each caller takes the next free slot for its server and sleeps until then, so queries
/// to one server are spaced by `interval` however many tasks ask at once, while queries to
/// different servers do not wait for each other. Cheap to clone (shared state).
#[derive(Debug, Clone)]
pub struct RateLimiter {
    interval: Duration,
    next: Arc<Mutex<HashMap<String, Instant>>>,
}

impl RateLimiter {
    /// A limiter spacing queries to one server by `interval` (zero: no limit).
    pub fn new(interval: Duration) -> Self {
        RateLimiter {
            interval,
            next: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Waits for the next slot of `server`.
    pub async fn wait(&self, server: &str) {
        if self.interval.is_zero() {
            return;
        }
        let now = Instant::now();
        let slot = {
            // A poisoned lock only means another task panicked while holding it; the map
            // of times is still usable.
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            // Forget servers whose slot has long passed, so the map stays small in a sweep.
            if next.len() > 4096 {
                next.retain(|_, at| *at > now);
            }
            let slot = next
                .get(server)
                .copied()
                .filter(|at| *at > now)
                .unwrap_or(now);
            next.insert(server.to_owned(), slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// WHOIS 查询配置 — limits and the guard of a [`WhoisClient`].
#[derive(Debug, Clone)]
pub struct WhoisConfig {
    /// For the TCP connect to one address.
    pub connect_timeout: Duration,
    /// The whole exchange: connecting, sending and reading the reply. Resolving the
    /// server is bounded by the resolver's timeouts, and the wait for the rate limiter is
    /// not part of it.
    pub deadline: Duration,
    /// Reply bytes kept at most; the rest is not read.
    pub max_reply: usize,
    /// What may be connected to.
    pub policy: AddressPolicy,
    /// The only resolver used for server names.
    pub dns: DnsResolver,
}

impl WhoisConfig {
    /// Connect 5 s, whole query 15 s, 256 KiB, strict address policy.
    pub fn new(dns: DnsResolver) -> Self {
        WhoisConfig {
            connect_timeout: Duration::from_secs(5),
            deadline: Duration::from_secs(15),
            max_reply: DEFAULT_MAX_REPLY,
            policy: AddressPolicy::strict(),
            dns,
        }
    }
}

/// WHOIS 回复 — what one server sent back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhoisReply {
    /// The server asked, `host:port`.
    pub server: String,
    /// The address connected to.
    pub remote_addr: SocketAddr,
    /// The decoded text.
    pub text: String,
    /// Whether the reply was longer than the cap and cut there.
    pub truncated: bool,
    /// How it was decoded: `utf-8`, `gbk` or `utf-8-lossy`.
    pub encoding: &'static str,
}

/// WHOIS 查询失败 — why no reply came back, in Chinese with the technical detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct WhoisFailure {
    /// The server asked, `host:port`.
    pub server: String,
    /// The step that failed: `dns`, `blocked_destination`, `connect`, `io` or `timeout`.
    pub stage: &'static str,
    /// What happened.
    pub message: String,
}

/// WHOIS 客户端 — queries servers under a [`WhoisConfig`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct WhoisClient {
    config: Arc<WhoisConfig>,
}

impl WhoisClient {
    /// A client under `config`.
    pub fn new(config: WhoisConfig) -> Self {
        WhoisClient {
            config: Arc::new(config),
        }
    }

    /// Sends `query` to `server` and reads the reply to the end. Never panics; every
    /// failure is a [`WhoisFailure`].
    pub async fn query(
        &self,
        server: &ServerAddr,
        query: &str,
    ) -> Result<WhoisReply, WhoisFailure> {
        self.query_paced(server, query, None).await
    }

    /// Like [`WhoisClient::query`], waiting for `limiter`'s slot for this server after the
    /// server is resolved and judged and before connecting: a server that cannot be
    /// resolved or is refused by the guard costs no slot, so it does not hold up others.
    pub async fn query_paced(
        &self,
        server: &ServerAddr,
        query: &str,
        limiter: Option<&RateLimiter>,
    ) -> Result<WhoisReply, WhoisFailure> {
        let label = server.to_string();
        let fail = |stage, message: String| WhoisFailure {
            server: label.clone(),
            stage,
            message,
        };
        // One line, no control characters: a name cannot smuggle a second query.
        if query.is_empty() || query.chars().any(|c| c.is_control()) {
            return Err(fail("query", format!("查询内容无效: {query:?}")));
        }
        // Resolving is bounded by the resolver's own timeouts.
        let addresses = self
            .addresses(server)
            .await
            .map_err(|(stage, m)| fail(stage, m))?;
        if let Some(limiter) = limiter {
            limiter.wait(&label).await;
        }
        let deadline = self.config.deadline;
        match tokio::time::timeout(
            deadline,
            self.exchange(&addresses, server.port, &label, query),
        )
        .await
        {
            Ok(result) => result,
            Err(_elapsed) => Err(fail(
                "timeout",
                format!(
                    "WHOIS 查询超过总时限 {} 秒 (deadline exceeded)",
                    deadline.as_secs_f64()
                ),
            )),
        }
    }

    /// Connects to the first address that answers, sends the query, reads the reply.
    async fn exchange(
        &self,
        addresses: &[IpAddr],
        port: u16,
        label: &str,
        query: &str,
    ) -> Result<WhoisReply, WhoisFailure> {
        let fail = |stage, message: String| WhoisFailure {
            server: label.to_owned(),
            stage,
            message,
        };
        let mut stream = None;
        let mut errors = Vec::new();
        for ip in addresses {
            let addr = SocketAddr::new(*ip, port);
            match tokio::time::timeout(self.config.connect_timeout, TcpStream::connect(addr)).await
            {
                Ok(Ok(s)) => {
                    stream = Some((s, addr));
                    break;
                }
                Ok(Err(e)) => errors.push(format!("{addr}: {e}")),
                Err(_) => errors.push(format!("{addr}: 连接超时")),
            }
        }
        let Some((mut stream, remote_addr)) = stream else {
            return Err(fail(
                "connect",
                format!("无法连接 WHOIS 服务器 {label}: {}", errors.join("; ")),
            ));
        };
        let io = |e: std::io::Error| fail("io", format!("WHOIS 通信失败 ({label}): {e}"));
        stream
            .write_all(format!("{query}\r\n").as_bytes())
            .await
            .map_err(io)?;
        let mut reply = Vec::new();
        let mut buf = vec![0u8; 16 * 1024];
        let mut truncated = false;
        loop {
            let n = stream.read(&mut buf).await.map_err(io)?;
            if n == 0 {
                break;
            }
            let room = self.config.max_reply.saturating_sub(reply.len());
            if n > room {
                reply.extend_from_slice(&buf[..room]);
                truncated = true;
                break;
            }
            reply.extend_from_slice(&buf[..n]);
        }
        let (text, encoding) = decode(&reply, truncated);
        Ok(WhoisReply {
            server: label.to_owned(),
            remote_addr,
            text,
            truncated,
            encoding,
        })
    }

    /// The server's addresses that the guard allows, in the resolver's order.
    async fn addresses(&self, server: &ServerAddr) -> Result<Vec<IpAddr>, (&'static str, String)> {
        let policy = &self.config.policy;
        let candidates = match server.host.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => {
                let name = server.host.as_str();
                if !policy.allow_private && (name == "localhost" || name.ends_with(".localhost")) {
                    return Err((
                        "blocked_destination",
                        format!("禁止访问的地址 (blocked destination): {name} 是本机名称"),
                    ));
                }
                match self.config.dns.lookup_host(name).await {
                    HostLookup::Resolved { addresses, .. } => addresses,
                    other => {
                        return Err((
                            "dns",
                            format!("WHOIS 服务器 {name} 解析失败: {}", other.describe()),
                        ));
                    }
                }
            }
        };
        let mut allowed = Vec::new();
        let mut blocked = Vec::new();
        for ip in candidates {
            match policy.check(ip) {
                Ok(()) => allowed.push(ip),
                Err(b) => blocked.push(b.to_string()),
            }
        }
        if allowed.is_empty() {
            return Err((
                "blocked_destination",
                format!(
                    "禁止访问的地址 (blocked destination): WHOIS 服务器 {} 的地址全部被拒绝: {}",
                    server.host,
                    blocked.join("; ")
                ),
            ));
        }
        Ok(allowed)
    }
}

/// UTF-8 when it is (an incomplete character cut off by the cap is dropped), else GBK when
/// it decodes cleanly (older Chinese registrars), else UTF-8 with replacement characters.
pub fn decode(bytes: &[u8], truncated: bool) -> (String, &'static str) {
    let bytes = match std::str::from_utf8(bytes) {
        Ok(text) => return (text.to_owned(), "utf-8"),
        // Cut by the cap in the middle of a character: the rest is valid UTF-8.
        Err(e) if truncated && e.error_len().is_none() => {
            return (
                String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned(),
                "utf-8",
            );
        }
        Err(_) => bytes,
    };
    if let Some(text) = encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return (text.into_owned(), "gbk");
    }
    (String::from_utf8_lossy(bytes).into_owned(), "utf-8-lossy")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_by_tld() {
        assert_eq!(whois_server_for("google.cn"), Some("whois.cnnic.cn"));
        assert_eq!(whois_server_for("people.com.cn."), Some("whois.cnnic.cn"));
        assert_eq!(
            whois_server_for("xn--fiq228c.xn--fiqs8s"),
            Some("whois.cnnic.cn")
        );
        assert_eq!(
            whois_server_for("GOOGLE.COM"),
            Some("whois.verisign-grs.com")
        );
        assert_eq!(whois_server_for("google.com.hk"), Some("whois.hkirc.hk"));
        assert_eq!(whois_server_for("example.invalid"), None);
        assert_eq!(whois_server_for(""), None);
    }

    #[test]
    fn server_addresses() {
        let cases = [
            ("127.0.0.1:4343", Some(("127.0.0.1", 4343))),
            ("[::1]:43", Some(("::1", 43))),
            ("::1", Some(("::1", 43))),
            ("whois.cnnic.cn", Some(("whois.cnnic.cn", 43))),
            ("Whois.CNNIC.cn.:43", Some(("whois.cnnic.cn", 43))),
            ("whois.example:0", None),
            ("whois.example:x", None),
            ("", None),
            ("bad host:43", None),
        ];
        for (text, expected) in cases {
            let parsed = ServerAddr::parse(text).ok();
            let got = parsed.as_ref().map(|s| (s.host.as_str(), s.port));
            assert_eq!(got, expected, "{text}");
        }
        assert_eq!(
            ServerAddr::parse("[::1]:43").map(|s| s.to_string()),
            Ok("[::1]:43".to_owned())
        );
    }

    #[test]
    fn decoding() {
        assert_eq!(
            decode("注册商".as_bytes(), false),
            ("注册商".to_owned(), "utf-8")
        );
        let (gbk, _, _) = encoding_rs::GBK.encode("注册商：万网");
        assert_eq!(decode(&gbk, false), ("注册商：万网".to_owned(), "gbk"));
        // A UTF-8 character cut by the cap is dropped, not turned into GBK.
        let bytes = "域名".as_bytes();
        assert_eq!(decode(&bytes[..4], true), ("域".to_owned(), "utf-8"));
        let (text, encoding) = decode(&[0xff, 0xfe, b'a'], false);
        assert_eq!(encoding, "utf-8-lossy");
        assert!(text.ends_with('a'));
    }
}
