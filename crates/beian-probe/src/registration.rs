//! 注册信息查询 (registration lookup) — WHOIS or RDAP for one registrable domain, cached
//! and rate-limited.
//!
//! Which protocol: `.cn` and `.中国` always go to CNNIC's WHOIS (CNNIC publishes no RDAP);
//! otherwise RDAP when an `--rdap-url` override is given or the bootstrap knows the TLD,
//! else WHOIS by the server table ([`crate::whois::WHOIS_SERVERS`]). A `--whois-server`
//! override without an `--rdap-url` turns the bundled bootstrap off: the override points
//! at a test world (the sandbox), and the real RDAP servers are not part of it.
//!
//! Thin registries (Verisign's `.com`/`.net` WHOIS) name the registrar's WHOIS server in
//! `Registrar WHOIS Server:`; ONE such referral is followed, and the registrar's reply
//! fills in what the registry's lacks (the registrant). The registry's own dates and
//! statuses win, because the registry is the authority on expiry. Under a WHOIS override
//! no referral is followed: every query would go to the same server again.
//!
//! Politeness and memory: queries to one server are spaced by `min_interval`; the answer
//! for a registrable domain is cached for `cache_ttl` (failures are not cached, so the next
//! check asks again), and concurrent lookups of one domain share one query.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use beian_registration::{Outcome, Registration};
use tokio::sync::OnceCell;
use url::Url;

use crate::dns::DnsResolver;
use crate::guard::AddressPolicy;
use crate::http::FetchSetupError;
use crate::rdap::{Bootstrap, RdapClient, RdapConfig};
use crate::whois::{RateLimiter, ServerAddr, WhoisClient, WhoisConfig, whois_server_for};

/// 注册信息来源配置 — the `--whois-server`, `--rdap-url`, `--rdap-bootstrap` and
/// `--whois-interval-ms` of `beian check`, and the limits.
#[derive(Debug, Clone)]
pub struct RegistrationConfig {
    /// Send every WHOIS query here instead of the server table.
    pub whois_server: Option<ServerAddr>,
    /// Ask this RDAP base URL for every TLD but `.cn` (`{base}domain/{name}`).
    pub rdap_url: Option<Url>,
    /// Which RDAP server answers for which TLD; the bundled copy by default.
    pub bootstrap: Bootstrap,
    /// Minimum interval between two queries to the same server.
    pub min_interval: Duration,
    /// How long an answer is reused for the same registrable domain.
    pub cache_ttl: Duration,
    /// At most this many cached domains; expired ones are dropped first, then all. A sweep
    /// meets a domain's sites together (its www host and apex, the filing's websites), so
    /// a window of 10,000 keeps the reuse while memory stays flat however many filings
    /// it checks.
    pub cache_capacity: usize,
    /// TCP connect (and TLS handshake) timeout.
    pub connect_timeout: Duration,
    /// One query (WHOIS or RDAP, excluding the wait for the rate limiter).
    pub deadline: Duration,
}

impl Default for RegistrationConfig {
    /// The table and the bundled bootstrap, 1 s between queries to one server, answers
    /// kept for an hour (at most 10,000 domains), connect 5 s, query 15 s.
    fn default() -> Self {
        RegistrationConfig {
            whois_server: None,
            rdap_url: None,
            bootstrap: Bootstrap::bundled(),
            min_interval: Duration::from_secs(1),
            cache_ttl: Duration::from_secs(3600),
            cache_capacity: 10_000,
            connect_timeout: Duration::from_secs(5),
            deadline: Duration::from_secs(15),
        }
    }
}

/// 注册信息查询结果 — what was asked, of whom, when, and what came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationLookup {
    /// The registrable domain asked about (`www.example.com.cn` → `example.com.cn`).
    pub domain: String,
    /// The parsed reply, or why there is none (in Chinese, with the detail).
    pub outcome: Result<Registration, String>,
    /// Who answered: `whois.cnnic.cn:43`, `whois.verisign-grs.com:43 → whois.markmonitor.com:43`
    /// or the RDAP URL.
    pub server: String,
    /// When the query was made (a cached answer keeps its original time).
    pub queried_at: SystemTime,
}

/// 注册信息客户端 — WHOIS and RDAP behind one `lookup`. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RegistrationClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    whois: WhoisClient,
    rdap: RdapClient,
    limiter: RateLimiter,
    config: RegistrationConfig,
    cache: Mutex<HashMap<String, Arc<Slot>>>,
}

/// One cached answer; empty while its query runs, so concurrent callers wait for it.
#[derive(Debug, Default)]
struct Slot {
    cell: OnceCell<(Instant, RegistrationLookup)>,
}

impl Slot {
    fn expired(&self, ttl: Duration) -> bool {
        self.cell.get().is_some_and(|(at, _)| at.elapsed() >= ttl)
    }
}

/// Which protocol and server a domain is asked over.
enum Route {
    Whois(ServerAddr),
    Rdap(Url),
    Unknown,
}

impl RegistrationClient {
    /// Builds the WHOIS and RDAP clients on `dns` under `policy`.
    pub fn new(
        config: RegistrationConfig,
        dns: DnsResolver,
        policy: AddressPolicy,
        extra_root_certs_pem: Vec<Vec<u8>>,
    ) -> Result<Self, FetchSetupError> {
        let mut whois = WhoisConfig::new(dns.clone());
        whois.connect_timeout = config.connect_timeout;
        whois.deadline = config.deadline;
        whois.policy = policy.clone();
        let mut rdap = RdapConfig::new(dns);
        rdap.connect_timeout = config.connect_timeout;
        rdap.deadline = config.deadline;
        rdap.policy = policy;
        rdap.extra_root_certs_pem = extra_root_certs_pem;
        Ok(RegistrationClient {
            inner: Arc::new(Inner {
                whois: WhoisClient::new(whois),
                rdap: RdapClient::new(rdap)?,
                limiter: RateLimiter::new(config.min_interval),
                config,
                cache: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The registration of the registrable domain `domain` belongs to. Never fails: a
    /// query that could not be made is an `Err` outcome inside the lookup.
    pub async fn lookup(&self, domain: &str) -> RegistrationLookup {
        let key = registrable(domain);
        let slot = self.slot(&key);
        let (_, lookup) = slot
            .cell
            .get_or_init(|| async { (Instant::now(), self.query(&key).await) })
            .await;
        let lookup = lookup.clone();
        if lookup.outcome.is_err() {
            let mut cache = self.inner.cache.lock().unwrap_or_else(|e| e.into_inner());
            if cache.get(&key).is_some_and(|s| Arc::ptr_eq(s, &slot)) {
                cache.remove(&key);
            }
        }
        lookup
    }

    fn slot(&self, key: &str) -> Arc<Slot> {
        let ttl = self.inner.config.cache_ttl;
        let mut cache = self.inner.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = cache.get(key)
            && !slot.expired(ttl)
        {
            return Arc::clone(slot);
        }
        if cache.len() >= self.inner.config.cache_capacity.max(1) {
            cache.retain(|_, slot| !slot.expired(ttl));
            if cache.len() >= self.inner.config.cache_capacity.max(1) {
                cache.clear();
            }
        }
        let slot = Arc::new(Slot::default());
        cache.insert(key.to_owned(), Arc::clone(&slot));
        slot
    }

    fn route(&self, domain: &str) -> Route {
        let config = &self.inner.config;
        let tld = crate::whois::top_level(domain);
        let cnnic = matches!(tld.as_str(), "cn" | "xn--fiqs8s" | "xn--fiqz9s");
        if !cnnic {
            if let Some(base) = &config.rdap_url {
                return Route::Rdap(base.clone());
            }
            if config.whois_server.is_none()
                && let Some(base) = config.bootstrap.base_for(domain)
            {
                return Route::Rdap(base.clone());
            }
        }
        if let Some(server) = &config.whois_server {
            return Route::Whois(server.clone());
        }
        match whois_server_for(domain) {
            Some(host) => Route::Whois(ServerAddr::on_port_43(host)),
            None => Route::Unknown,
        }
    }

    async fn query(&self, domain: &str) -> RegistrationLookup {
        let queried_at = SystemTime::now();
        let (outcome, server) = match self.route(domain) {
            Route::Whois(server) => self.whois(domain, &server).await,
            Route::Rdap(base) => self.rdap(domain, &base).await,
            Route::Unknown => (
                Err(format!(
                    "不知道 .{} 的 WHOIS 服务器，RDAP 引导文件中也没有它（可用 --whois-server 或 --rdap-url 指定）",
                    crate::whois::top_level(domain)
                )),
                String::new(),
            ),
        };
        RegistrationLookup {
            domain: domain.to_owned(),
            outcome,
            server,
            queried_at,
        }
    }

    async fn whois(
        &self,
        domain: &str,
        server: &ServerAddr,
    ) -> (Result<Registration, String>, String) {
        let label = server.to_string();
        let limiter = Some(&self.inner.limiter);
        let reply = match self.inner.whois.query_paced(server, domain, limiter).await {
            Ok(reply) => reply,
            Err(failure) => return (Err(failure.message), label),
        };
        let registry = match beian_registration::parse_whois(&reply.text, Some(domain)) {
            Ok(r) => r,
            Err(e) => return (Err(format!("WHOIS 回复无法解析: {e}")), label),
        };
        let referral = registry
            .referral
            .as_deref()
            .map(ServerAddr::on_port_43)
            .filter(|r| {
                self.inner.config.whois_server.is_none()
                    && registry.outcome == Outcome::Found
                    && r.host != server.host
            });
        let Some(referral) = referral else {
            return (Ok(registry), label);
        };
        let chain = format!("{label} → {referral}");
        // The registrar's reply only adds to the registry's; when it fails, the registry's
        // answer (with the expiry) stands.
        let merged = match self
            .inner
            .whois
            .query_paced(&referral, domain, limiter)
            .await
        {
            Ok(reply) => match beian_registration::parse_whois(&reply.text, Some(domain)) {
                Ok(registrar) if registrar.outcome == Outcome::Found => merge(registry, registrar),
                _ => registry,
            },
            Err(_) => registry,
        };
        (Ok(merged), chain)
    }

    async fn rdap(&self, domain: &str, base: &Url) -> (Result<Registration, String>, String) {
        let label = crate::rdap::domain_url(base, domain)
            .map(String::from)
            .unwrap_or_else(|| base.to_string());
        self.inner
            .limiter
            .wait(base.host_str().unwrap_or_default())
            .await;
        let reply = match self.inner.rdap.query(base, domain).await {
            Ok(reply) => reply,
            Err(failure) => return (Err(failure.message), label),
        };
        let outcome = match reply.status {
            // RFC 7480: 404 is "no such object"; its body need not be JSON.
            404 => beian_registration::parse_rdap(r#"{"errorCode":404}"#, Some(domain))
                .map_err(|e| e.to_string()),
            200..=299 => beian_registration::parse_rdap(&reply.body, Some(domain))
                .map_err(|e| format!("RDAP 回复无法解析: {e}")),
            status => Err(format!("RDAP 服务器返回 HTTP {status}")),
        };
        (outcome, label)
    }
}

/// The registry's answer, completed by the registrar's where the registry says nothing.
fn merge(mut registry: Registration, registrar: Registration) -> Registration {
    macro_rules! fill {
        ($($field:ident),*) => {
            $(if registry.$field.is_none() {
                registry.$field = registrar.$field;
            })*
        };
    }
    fill!(
        registrar,
        registrar_iana_id,
        registrant,
        registrant_id,
        registrant_email,
        created,
        expires,
        updated
    );
    if registry.name_servers.is_empty() {
        registry.name_servers = registrar.name_servers;
    }
    registry
}

/// The registrable domain (`www.example.com.cn` → `example.com.cn`) by the public suffix
/// list, lower-case; the name itself when it has none.
pub fn registrable(domain: &str) -> String {
    let name = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    psl::domain_str(&name).unwrap_or(&name).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains() {
        assert_eq!(registrable("www.Example.com.cn."), "example.com.cn");
        assert_eq!(registrable("a.b.google.cn"), "google.cn");
        assert_eq!(registrable("google.com"), "google.com");
        assert_eq!(registrable("com.cn"), "com.cn");
    }

    fn parsed(text: &str) -> Registration {
        beian_registration::parse_whois(text, None).expect("parses")
    }

    #[test]
    fn the_registry_wins_and_the_registrar_fills_in() {
        let registry = parsed(
            "Domain Name: A.COM\nRegistrar: R\nRegistrar WHOIS Server: whois.r.example\nRegistry Expiry Date: 2030-01-01T00:00:00Z\nDomain Status: ok\n",
        );
        let registrar = parsed(
            "Domain Name: a.com\nRegistrar: R Inc.\nRegistrant Organization: Holder Ltd\nRegistrar Registration Expiration Date: 2031-01-01T00:00:00Z\n",
        );
        let merged = merge(registry.clone(), registrar);
        assert_eq!(merged.registrant.as_deref(), Some("Holder Ltd"));
        assert_eq!(merged.expires, registry.expires);
        assert_eq!(merged.registrar, registry.registrar);
        assert_eq!(merged.statuses, registry.statuses);
    }
}
