//! 域名解析 (DNS resolution) — what a filed domain and its `www` host resolve to.
//!
//! Built on hickory-resolver as a stub resolver: it asks the configured servers (or those
//! of `/etc/resolv.conf`) and does not recurse itself. Every way a lookup can end is a
//! [`HostLookup`] value, because "the domain does not exist" and "the server failed" lead
//! to different findings (未解析 versus inconclusive), and a failure is evidence, not an
//! error.
//!
//! Nothing is cached for long: a check must see what the servers say now, not what they said
//! an hour ago. Instead each answer is kept for a few seconds ([`DnsConfig::reuse_for`]),
//! because one site's check asks for the same host several times within a second (its DNS
//! evidence, then the https fetch, the http fetch and their redirects): reusing the answer
//! halves the queries of a sweep, and the pages are fetched from exactly the addresses the
//! DNS evidence shows. Concurrency is capped by a semaphore, so a sweep cannot flood the
//! servers with more questions than they can take.
//!
//! The questions go out through `stub`: hickory-proto's messages on a few shared UDP
//! sockets, TCP on truncation, following a CNAME chain that the answer leaves unfinished, as
//! hickory-resolver would. hickory-resolver itself only reads `/etc/resolv.conf` here.

mod stub;

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hickory_resolver::config::ProtocolConfig;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use tokio::sync::Semaphore;

use self::stub::{Failure, StubClient};

/// How many CNAME hops a lookup follows with further questions (hickory-resolver's limit).
const MAX_CNAME_HOPS: usize = 8;

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

/// 解析器 — a stub resolver with a concurrency cap. Cheap to clone.
#[derive(Clone)]
pub struct DnsResolver {
    client: StubClient,
    permits: Arc<Semaphore>,
    recent: Arc<RecentAnswers>,
}

/// Answers of the last [`DnsConfig::reuse_for`], by host.
struct RecentAnswers {
    reuse_for: Duration,
    answers: Mutex<Answers>,
}

/// The answers, and the order they were kept in, so that the expired ones are dropped from
/// the front in constant time per answer (a scan of the whole map on every insert was 6% of
/// a sweep's CPU once a sweep kept more than a few thousand hosts).
#[derive(Default)]
struct Answers {
    by_host: HashMap<String, (Instant, HostLookup)>,
    kept: VecDeque<(Instant, String)>,
}

impl RecentAnswers {
    fn get(&self, host: &str) -> Option<HostLookup> {
        if self.reuse_for.is_zero() {
            return None;
        }
        let answers = lock(&self.answers);
        let (at, lookup) = answers.by_host.get(host)?;
        (at.elapsed() < self.reuse_for).then(|| lookup.clone())
    }

    fn keep(&self, host: &str, lookup: &HostLookup) {
        let reusable = !matches!(lookup, HostLookup::Timeout | HostLookup::Failed { .. });
        if self.reuse_for.is_zero() || !reusable {
            return;
        }
        let now = Instant::now();
        let mut guard = lock(&self.answers);
        let answers = &mut *guard;
        while let Some((at, _)) = answers.kept.front()
            && now.duration_since(*at) >= self.reuse_for
        {
            let Some((at, old)) = answers.kept.pop_front() else {
                break;
            };
            // The host may have been kept again since; only its own expired entry goes.
            if answers
                .by_host
                .get(&old)
                .is_some_and(|(kept, _)| *kept == at)
            {
                answers.by_host.remove(&old);
            }
        }
        answers
            .by_host
            .insert(host.to_owned(), (now, lookup.clone()));
        answers.kept.push_back((now, host.to_owned()));
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock only means a panic elsewhere; the data itself is intact.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl std::fmt::Debug for DnsResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DnsResolver")
            .field("available_permits", &self.permits.available_permits())
            .finish_non_exhaustive()
    }
}

impl DnsResolver {
    /// Builds the resolver, reading `/etc/resolv.conf` when no servers are configured. The
    /// sockets are bound by the first lookup, in the runtime that runs it.
    pub fn new(config: &DnsConfig) -> Result<Self, DnsSetupError> {
        let servers = if config.servers.is_empty() {
            system_servers()?
        } else {
            config.servers.clone()
        };
        let client = StubClient::new(servers, config.timeout, config.attempts);
        Ok(Self {
            client,
            permits: Arc::new(Semaphore::new(config.max_concurrent.max(1))),
            recent: Arc::new(RecentAnswers {
                reuse_for: config.reuse_for,
                answers: Mutex::new(Answers::default()),
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

    /// One record type for `name`, following the CNAME chain with further questions when
    /// an answer ends in a name it does not resolve.
    async fn query(&self, name: &str, record_type: RecordType) -> QueryResult {
        let mut current = match Name::from_utf8(name) {
            Ok(name) => name,
            Err(e) => {
                return QueryResult::Outcome(HostLookup::Failed {
                    detail: e.to_string(),
                });
            }
        };
        let mut cnames: Vec<String> = Vec::new();
        for _ in 0..MAX_CNAME_HOPS {
            let message = match self.client.ask(&current, record_type).await {
                Ok(message) => message,
                Err(failure) => return QueryResult::Outcome(outcome_of_failure(failure)),
            };
            match message.metadata.response_code {
                ResponseCode::NoError => {}
                code => return QueryResult::Outcome(outcome_of_code(code)),
            }
            let mut addresses = Vec::new();
            // Walk the chain from the asked name: each CNAME owned by the current end of
            // the chain moves it on; addresses count when owned by a name on the chain.
            let mut chain = vec![current.clone()];
            let mut moved = true;
            while moved {
                moved = false;
                for record in &message.answers {
                    if let RData::CNAME(target) = &record.data
                        && chain.last() == Some(&record.name)
                        && !chain.contains(&target.0)
                    {
                        chain.push(target.0.clone());
                        moved = true;
                    }
                }
            }
            for record in &message.answers {
                if !chain.contains(&record.name) {
                    continue;
                }
                match &record.data {
                    RData::A(a) if record_type == RecordType::A => {
                        addresses.push(IpAddr::V4(a.0));
                    }
                    RData::AAAA(aaaa) if record_type == RecordType::AAAA => {
                        addresses.push(IpAddr::V6(aaaa.0));
                    }
                    _ => {}
                }
            }
            for target in chain.iter().skip(1) {
                let target = target.to_string().trim_end_matches('.').to_owned();
                if !cnames.contains(&target) {
                    cnames.push(target);
                }
            }
            if !addresses.is_empty() {
                return QueryResult::Found { addresses, cnames };
            }
            match chain.pop() {
                // The chain goes on past this answer: ask for its end.
                Some(end) if !chain.is_empty() => current = end,
                _ => return QueryResult::Outcome(HostLookup::NoRecords),
            }
        }
        QueryResult::Outcome(HostLookup::Failed {
            detail: format!("CNAME chain longer than {MAX_CNAME_HOPS} hops"),
        })
    }
}

/// The name servers of `/etc/resolv.conf` (their UDP ports).
fn system_servers() -> Result<Vec<SocketAddr>, DnsSetupError> {
    let (config, _) = hickory_resolver::system_conf::read_system_conf()
        .map_err(|e| DnsSetupError(e.to_string()))?;
    let mut servers = Vec::new();
    for server in config.name_servers() {
        let port = server
            .connections
            .iter()
            .find(|c| matches!(c.protocol, ProtocolConfig::Udp))
            .map_or(53, |c| c.port);
        let address = SocketAddr::new(server.ip, port);
        if !servers.contains(&address) {
            servers.push(address);
        }
    }
    if servers.is_empty() {
        return Err(DnsSetupError("/etc/resolv.conf 中没有 DNS 服务器".into()));
    }
    Ok(servers)
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

fn outcome_of_code(code: ResponseCode) -> HostLookup {
    match code {
        ResponseCode::ServFail => HostLookup::ServFail,
        ResponseCode::Refused => HostLookup::Refused,
        ResponseCode::NXDomain => HostLookup::NxDomain,
        other => HostLookup::Failed {
            detail: format!("response code {other}"),
        },
    }
}

fn outcome_of_failure(failure: Failure) -> HostLookup {
    match failure {
        Failure::Timeout => HostLookup::Timeout,
        Failure::BadName(detail) | Failure::Other(detail) => HostLookup::Failed { detail },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recent(reuse_for: Duration) -> RecentAnswers {
        RecentAnswers {
            reuse_for,
            answers: Mutex::new(Answers::default()),
        }
    }

    #[test]
    fn expired_answers_are_dropped_as_new_ones_come() {
        let recent = recent(Duration::from_millis(200));
        for i in 0..100 {
            recent.keep(&format!("h{i}.cn"), &HostLookup::NxDomain);
        }
        assert_eq!(recent.get("h7.cn"), Some(HostLookup::NxDomain));
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(recent.get("h7.cn"), None, "expired answers are not reused");
        recent.keep("fresh.cn", &HostLookup::NoRecords);
        let answers = lock(&recent.answers);
        assert_eq!(answers.by_host.len(), 1, "the expired ones went");
        assert_eq!(answers.kept.len(), 1);
    }

    #[test]
    fn a_host_kept_again_outlives_its_first_answer() {
        let recent = recent(Duration::from_millis(300));
        recent.keep("a.cn", &HostLookup::NxDomain);
        std::thread::sleep(Duration::from_millis(200));
        recent.keep("a.cn", &HostLookup::NoRecords);
        std::thread::sleep(Duration::from_millis(150));
        // The first entry has expired and leaves the queue; the second is still fresh.
        recent.keep("b.cn", &HostLookup::NxDomain);
        assert_eq!(recent.get("a.cn"), Some(HostLookup::NoRecords));
        assert_eq!(lock(&recent.answers).by_host.len(), 2);
    }
}
