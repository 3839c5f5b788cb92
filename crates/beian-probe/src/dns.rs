//! 域名解析 (DNS resolution) — what a filed domain and its `www` host resolve to.
//!
//! Built on hickory-resolver as a stub resolver: it asks the configured servers (or those
//! of `/etc/resolv.conf`) and does not recurse itself. Every way a lookup can end is a
//! [`HostLookup`] value, because "the domain does not exist" and "the server failed" lead
//! to different findings (未解析 versus inconclusive), and a failure is evidence, not an
//! error.
//!
//! hickory's cache is off: a check must see what the servers say now, not what they said
//! an hour ago. Instead each answer is kept for a few seconds ([`DnsConfig::reuse_for`]),
//! because one site's check asks for the same host several times within a second (its DNS
//! evidence, then the https fetch, the http fetch and their redirects): reusing the answer
//! halves the queries of a sweep, and the pages are fetched from exactly the addresses the
//! DNS evidence shows. Concurrency is capped by a semaphore because hickory has no cap of
//! its own and loses queries when flooded (hickory-dns #2613).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};
use tokio::sync::Semaphore;

/// 解析配置 — where and how to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsConfig {
    /// The servers to ask (`--dns-server IP:PORT`, repeatable). Empty means the system
    /// resolver's servers from `/etc/resolv.conf`.
    pub servers: Vec<SocketAddr>,
    /// How long to wait for one answer.
    pub timeout: Duration,
    /// How many times to ask before giving up.
    pub attempts: usize,
    /// At most this many host lookups (each an A and an AAAA query) at once.
    pub max_concurrent: usize,
    /// How long a host's answer is reused by later lookups of the same host (zero: every
    /// lookup asks). Timeouts and errors are never reused.
    pub reuse_for: Duration,
}

impl Default for DnsConfig {
    fn default() -> Self {
        Self {
            servers: Vec::new(),
            timeout: Duration::from_secs(3),
            attempts: 2,
            max_concurrent: 256,
            reuse_for: Duration::from_secs(10),
        }
    }
}

/// The resolver could not be set up (bad system configuration).
#[derive(Debug, thiserror::Error)]
#[error("无法建立 DNS 解析器: {0}")]
pub struct DnsSetupError(String);

/// 单个主机的解析结果 — how the lookup of one host name ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostLookup {
    /// At least one A or AAAA record. `cnames` is the CNAME chain from the queried name
    /// to the name holding the addresses, in order.
    Resolved {
        addresses: Vec<IpAddr>,
        cnames: Vec<String>,
    },
    /// NXDOMAIN: the name does not exist.
    NxDomain,
    /// The name exists but has neither A nor AAAA records.
    NoRecords,
    /// The server answered SERVFAIL.
    ServFail,
    /// No answer within the timeout, after every attempt.
    Timeout,
    /// The server answered REFUSED.
    Refused,
    /// Anything else (another response code, a malformed name, an IO error).
    Failed { detail: String },
}

impl HostLookup {
    /// The addresses, if the host resolved.
    pub fn addresses(&self) -> &[IpAddr] {
        match self {
            HostLookup::Resolved { addresses, .. } => addresses,
            _ => &[],
        }
    }

    /// A short Chinese description with the DNS term, for findings and logs.
    pub fn describe(&self) -> String {
        match self {
            HostLookup::Resolved { addresses, cnames } => {
                let addrs: Vec<String> = addresses.iter().map(ToString::to_string).collect();
                if cnames.is_empty() {
                    format!("解析到 {}", addrs.join(", "))
                } else {
                    format!(
                        "经 CNAME {} 解析到 {}",
                        cnames.join(" → "),
                        addrs.join(", ")
                    )
                }
            }
            HostLookup::NxDomain => "域名不存在 (NXDOMAIN)".into(),
            HostLookup::NoRecords => "域名没有 A 或 AAAA 记录 (NOERROR, no data)".into(),
            HostLookup::ServFail => "DNS 服务器解析失败 (SERVFAIL)".into(),
            HostLookup::Timeout => "DNS 查询超时 (timeout)".into(),
            HostLookup::Refused => "DNS 服务器拒绝查询 (REFUSED)".into(),
            HostLookup::Failed { detail } => format!("DNS 查询出错: {detail}"),
        }
    }
}

/// 站点解析结果 — a filed domain and its `www` host, both looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteResolution {
    /// The domain as filed, e.g. `example.cn`.
    pub apex: HostLookup,
    /// `www.` plus the domain.
    pub www: HostLookup,
}

/// 解析器 — a hickory stub resolver with a concurrency cap. Cheap to clone.
#[derive(Clone)]
pub struct DnsResolver {
    inner: Arc<TokioResolver>,
    permits: Arc<Semaphore>,
    recent: Arc<RecentAnswers>,
}

/// Answers of the last [`DnsConfig::reuse_for`], by host.
struct RecentAnswers {
    reuse_for: Duration,
    answers: Mutex<HashMap<String, (Instant, HostLookup)>>,
}

impl RecentAnswers {
    /// Above this many hosts, expired answers are dropped before another is kept.
    const TIDY_ABOVE: usize = 16_384;

    fn get(&self, host: &str) -> Option<HostLookup> {
        if self.reuse_for.is_zero() {
            return None;
        }
        // A poisoned lock only means a panic elsewhere; the map itself is intact.
        let answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        let (at, lookup) = answers.get(host)?;
        (at.elapsed() < self.reuse_for).then(|| lookup.clone())
    }

    fn keep(&self, host: &str, lookup: &HostLookup) {
        let reusable = !matches!(lookup, HostLookup::Timeout | HostLookup::Failed { .. });
        if self.reuse_for.is_zero() || !reusable {
            return;
        }
        let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        if answers.len() >= Self::TIDY_ABOVE {
            let reuse_for = self.reuse_for;
            answers.retain(|_, (at, _)| at.elapsed() < reuse_for);
        }
        answers.insert(host.to_owned(), (Instant::now(), lookup.clone()));
    }
}

impl std::fmt::Debug for DnsResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DnsResolver")
            .field("available_permits", &self.permits.available_permits())
            .finish_non_exhaustive()
    }
}

impl DnsResolver {
    /// Builds the resolver. Must be called inside a tokio runtime.
    pub fn new(config: &DnsConfig) -> Result<Self, DnsSetupError> {
        let mut builder = if config.servers.is_empty() {
            TokioResolver::builder_tokio().map_err(|e| DnsSetupError(e.to_string()))?
        } else {
            let servers = config
                .servers
                .iter()
                .map(|server| {
                    let mut udp = ConnectionConfig::udp();
                    udp.port = server.port();
                    let mut tcp = ConnectionConfig::tcp();
                    tcp.port = server.port();
                    NameServerConfig::new(server.ip(), true, vec![udp, tcp])
                })
                .collect();
            TokioResolver::builder_with_config(
                ResolverConfig::from_name_servers(servers),
                TokioRuntimeProvider::default(),
            )
        };
        let opts: &mut ResolverOpts = builder.options_mut();
        opts.timeout = config.timeout;
        opts.attempts = config.attempts.max(1);
        opts.cache_size = 0;
        // What the servers say, not what this machine's hosts file says.
        opts.use_hosts_file = ResolveHosts::Never;
        opts.preserve_intermediates = true;
        opts.ndots = 0;
        let inner = builder.build().map_err(|e| DnsSetupError(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(inner),
            permits: Arc::new(Semaphore::new(config.max_concurrent.max(1))),
            recent: Arc::new(RecentAnswers {
                reuse_for: config.reuse_for,
                answers: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// Looks up one host: A and AAAA at once, with the CNAME chain. An answer of the last
    /// [`DnsConfig::reuse_for`] is reused.
    pub async fn lookup_host(&self, host: &str) -> HostLookup {
        let key = host.trim_end_matches('.').to_ascii_lowercase();
        if let Some(lookup) = self.recent.get(&key) {
            return lookup;
        }
        let lookup = self.ask(host).await;
        self.recent.keep(&key, &lookup);
        lookup
    }

    async fn ask(&self, host: &str) -> HostLookup {
        let Ok(_permit) = self.permits.acquire().await else {
            return HostLookup::Failed {
                detail: "resolver closed".into(),
            };
        };
        // A trailing dot makes the name absolute, so no search domain is appended.
        let name = if host.ends_with('.') {
            host.to_owned()
        } else {
            format!("{host}.")
        };
        let (v4, v6) = tokio::join!(
            self.query(&name, RecordType::A),
            self.query(&name, RecordType::AAAA)
        );
        combine(v4, v6)
    }

    /// Looks up a filed domain and its `www` host, concurrently.
    pub async fn resolve_site(&self, domain: &str) -> SiteResolution {
        let domain = domain.trim_end_matches('.');
        let www = format!("www.{domain}");
        let (apex, www) = tokio::join!(self.lookup_host(domain), self.lookup_host(&www));
        SiteResolution { apex, www }
    }

    async fn query(&self, name: &str, record_type: RecordType) -> QueryResult {
        match self.inner.lookup(name, record_type).await {
            Ok(lookup) => {
                let mut addresses = Vec::new();
                let mut cnames = Vec::new();
                for record in lookup.answers() {
                    match &record.data {
                        RData::A(a) => addresses.push(IpAddr::V4(a.0)),
                        RData::AAAA(aaaa) => addresses.push(IpAddr::V6(aaaa.0)),
                        RData::CNAME(target) => {
                            let target = target.0.to_string();
                            let target = target.trim_end_matches('.').to_owned();
                            if !cnames.contains(&target) {
                                cnames.push(target);
                            }
                        }
                        _ => {}
                    }
                }
                if addresses.is_empty() {
                    QueryResult::Outcome(HostLookup::NoRecords)
                } else {
                    QueryResult::Found { addresses, cnames }
                }
            }
            Err(err) => QueryResult::Outcome(outcome_of(&err)),
        }
    }
}

enum QueryResult {
    Found {
        addresses: Vec<IpAddr>,
        cnames: Vec<String>,
    },
    Outcome(HostLookup),
}

/// One outcome for the two queries: any address wins; NXDOMAIN from either means the
/// name is gone; "no records" needs both to say so; otherwise the A query's failure, then
/// the AAAA query's (a timeout on AAAA leaves AAAA unknown, so it is not "no records").
fn combine(v4: QueryResult, v6: QueryResult) -> HostLookup {
    match (v4, v6) {
        (
            QueryResult::Found {
                mut addresses,
                mut cnames,
            },
            other,
        )
        | (
            other,
            QueryResult::Found {
                mut addresses,
                mut cnames,
            },
        ) => {
            if let QueryResult::Found {
                addresses: more,
                cnames: more_cnames,
            } = other
            {
                addresses.extend(more);
                for c in more_cnames {
                    if !cnames.contains(&c) {
                        cnames.push(c);
                    }
                }
            }
            HostLookup::Resolved { addresses, cnames }
        }
        (QueryResult::Outcome(a), QueryResult::Outcome(b)) => {
            if a == HostLookup::NxDomain || b == HostLookup::NxDomain {
                HostLookup::NxDomain
            } else if a == HostLookup::NoRecords {
                b
            } else {
                a
            }
        }
    }
}

fn outcome_of(err: &NetError) -> HostLookup {
    match err {
        NetError::Dns(DnsError::NoRecordsFound(no)) => {
            if no.response_code == ResponseCode::NXDomain {
                HostLookup::NxDomain
            } else {
                HostLookup::NoRecords
            }
        }
        NetError::Dns(DnsError::ResponseCode(code)) => match *code {
            ResponseCode::ServFail => HostLookup::ServFail,
            ResponseCode::Refused => HostLookup::Refused,
            ResponseCode::NXDomain => HostLookup::NxDomain,
            other => HostLookup::Failed {
                detail: format!("response code {other}"),
            },
        },
        NetError::Timeout => HostLookup::Timeout,
        NetError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => HostLookup::Timeout,
        other => HostLookup::Failed {
            detail: other.to_string(),
        },
    }
}
