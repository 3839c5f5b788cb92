//! 核查引擎 — runs every check on one filing that the configured sources allow.
//!
//! Gathering and judging stay apart: this crate asks `beian-probe` what the world shows
//! (DNS for every filed domain and its `www` host, the homepage over https and http),
//! converts each answer into the plain evidence of `beian_checks::live`, and hands it to
//! the judges together with the filed data. The registration of every filed domain's
//! registrable domain is asked once over WHOIS or RDAP when that source is configured
//! ([`EngineConfig::registration`]). The outside registries configured in
//! [`EngineConfig::registries`] (business registry, identity, carrier, registrar real-name)
//! are asked once per filing, at the same time as the websites are checked. Sources that
//! are not configured are reported as skipped, with the checks that need them, rather than
//! silently passing.

use std::sync::Arc;

use beian_checks::live::{
    DomainDns, FetchEvidence, HostEvidence, Lookup, ProviderNetwork, RegistrationEvidence,
};
use beian_checks::registry_evidence::{RegistryContext, RegistryKind};
use beian_checks::{LiveContext, PageSubject, Settings};
use beian_domain::ident::DomainName;
use beian_domain::{CheckId, EvidenceSource, Filing, Finding};
use beian_probe::{
    AddressPolicy, DnsConfig, DnsResolver, FetchConfig, FetchOutcome, Fetcher, HostLookup,
    RegistrationClient, RegistrationConfig, RegistrationLookup,
};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Utc};

/// 引擎配置 — where to look and how patiently.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// DNS servers and timeouts.
    pub dns: DnsConfig,
    /// Which addresses may be connected to (`--allow-private` lifts the guard for tests).
    pub policy: AddressPolicy,
    /// TCP connect and TLS handshake timeout.
    pub connect_timeout: std::time::Duration,
    /// The whole fetch of one homepage, redirects and body included.
    pub fetch_deadline: std::time::Duration,
    /// Port for `http://` homepages (80 in the world; the sandbox may use another).
    pub http_port: u16,
    /// Port for `https://` homepages.
    pub https_port: u16,
    /// The provider's own network, for `site.not_served_by_provider`.
    pub provider: ProviderNetwork,
    /// Province and provider strictness.
    pub settings: Settings,
    /// Extra trusted root certificates (PEM), e.g. the sandbox's CA.
    pub extra_root_certs_pem: Vec<Vec<u8>>,
    /// The registration source (WHOIS/RDAP servers, bootstrap, rate limit, cache); `None`
    /// leaves it off and `site.domain_expired` skipped. Off by default, so that building
    /// an engine never queries registries by surprise; `beian check` turns it on unless
    /// `--no-registration` is given.
    pub registration: Option<RegistrationConfig>,
    /// At most this many homepage fetches to one server address at once (0: no limit).
    /// Many filed sites share a server; a sweep must not hammer it.
    pub per_ip_concurrency: usize,
    /// The outside registries (none by default): their checks are skipped without them.
    pub registries: beian_registry::Registries,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            dns: DnsConfig::default(),
            policy: AddressPolicy::strict(),
            connect_timeout: std::time::Duration::from_secs(5),
            fetch_deadline: std::time::Duration::from_secs(20),
            http_port: 80,
            https_port: 443,
            provider: ProviderNetwork::default(),
            settings: Settings::default(),
            extra_root_certs_pem: Vec::new(),
            registration: None,
            per_ip_concurrency: 8,
            registries: beian_registry::Registries::default(),
        }
    }
}

/// The engine could not be set up.
#[derive(Debug)]
pub struct SetupError(pub String);

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SetupError {}

/// 核查报告 — every finding on one filing, and what could not be checked.
#[derive(Debug, Clone)]
pub struct Report {
    /// Findings of the filing, live and page checks.
    pub findings: Vec<Finding>,
    /// Checks not run, each with the reason (a source that is not configured).
    pub skipped: Vec<(CheckId, String)>,
}

/// One website's findings and the registrations asked for it.
type SiteResult = (Vec<Finding>, Vec<RegistrationEvidence>);

/// 核查引擎.
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    resolver: DnsResolver,
    fetcher: Fetcher,
    registration: Option<RegistrationClient>,
    config: EngineConfig,
    dns_label: String,
    per_ip: PerIpLimit,
}

impl Engine {
    /// Builds the resolver and the HTTP client.
    pub fn new(config: EngineConfig) -> Result<Engine, SetupError> {
        let resolver = DnsResolver::new(&config.dns).map_err(|e| SetupError(e.to_string()))?;
        let mut fetch = FetchConfig::new(resolver.clone());
        fetch.connect_timeout = config.connect_timeout;
        fetch.deadline = config.fetch_deadline;
        fetch.policy = config.policy.clone();
        fetch.extra_root_certs_pem = config.extra_root_certs_pem.clone();
        let fetcher = Fetcher::new(fetch).map_err(|e| SetupError(e.to_string()))?;
        let registration = match &config.registration {
            Some(registration) => Some(
                RegistrationClient::new(
                    registration.clone(),
                    resolver.clone(),
                    config.policy.clone(),
                    config.extra_root_certs_pem.clone(),
                )
                .map_err(|e| SetupError(e.to_string()))?,
            ),
            None => None,
        };
        let dns_label = if config.dns.servers.is_empty() {
            "系统解析器".to_owned()
        } else {
            config
                .dns
                .servers
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        Ok(Engine {
            inner: Arc::new(Inner {
                resolver,
                fetcher,
                registration,
                per_ip: PerIpLimit::new(config.per_ip_concurrency),
                config,
                dns_label,
            }),
        })
    }

    /// Runs every check the configuration allows on `filing`, judged on `today`. The
    /// websites are checked concurrently.
    ///
    /// Expiry is judged at a moment, not a day: the current time when `today` is today in
    /// Beijing, else noon of `today` in Beijing (so `--date` moves the expiry check too).
    pub async fn check(&self, filing: &Filing, today: NaiveDate) -> Report {
        let now = moment_of(today);
        let settings = &self.inner.config.settings;
        let mut findings = beian_checks::lint(filing, today, settings);
        let filing = Arc::new(filing.clone());
        // The registries are asked while the websites are checked.
        let registry = {
            let registries = self.inner.config.registries.clone();
            let filing = Arc::clone(&filing);
            tokio::spawn(async move { beian_registry::gather(&registries, &filing).await })
        };
        let mut tasks = tokio::task::JoinSet::new();
        for index in 0..filing.websites.len() {
            let engine = self.clone();
            let filing = Arc::clone(&filing);
            tasks.spawn(async move { (index, engine.check_website(&filing, index, now).await) });
        }
        let mut per_site: Vec<(usize, SiteResult)> = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            // A panicking task is a bug; its site is then reported without live findings
            // rather than taking the whole report down.
            if let Ok(site) = joined {
                per_site.push(site);
            }
        }
        per_site.sort_by_key(|(index, _)| *index);
        let mut registrations: Vec<RegistrationEvidence> = Vec::new();
        let mut site_findings = Vec::new();
        for (_, (found, seen)) in per_site {
            site_findings.extend(found);
            for registration in seen {
                if !registrations
                    .iter()
                    .any(|r| r.domain == registration.domain)
                {
                    registrations.push(registration);
                }
            }
        }
        // A panicking gather is a bug too: the registry checks then report nothing.
        let evidence = registry.await.unwrap_or_default();
        findings.extend(beian_checks::judge_registry(&RegistryContext {
            filing: &filing,
            today,
            evidence: &evidence,
            registrations: &registrations,
        }));
        findings.extend(site_findings);
        Report {
            findings,
            skipped: self.skipped_checks(),
        }
    }

    /// The checks this engine cannot run, with why: those of sources it is not configured
    /// for.
    pub fn skipped_checks(&self) -> Vec<(CheckId, String)> {
        skipped_checks_for(
            self.inner.registration.is_some(),
            &self.inner.config.registries.configured(),
        )
    }

    /// The outside registries this engine asks.
    pub fn registries(&self) -> Vec<RegistryKind> {
        self.inner.config.registries.configured()
    }

    async fn check_website(
        &self,
        filing: &Filing,
        index: usize,
        now: DateTime<FixedOffset>,
    ) -> SiteResult {
        let Some(website) = filing.websites.get(index) else {
            return (Vec::new(), Vec::new());
        };
        let domains: Vec<DomainName> = website
            .domains
            .iter()
            .filter_map(|d| DomainName::parse(d).ok())
            .collect();
        let registrations = self.registrations(&domains);
        let mut dns = Vec::new();
        for domain in &domains {
            dns.push(self.resolve(domain.as_str()).await);
        }
        let mut fetches = Vec::new();
        let mut page_findings = Vec::new();
        if let Some(domain) = domains.first() {
            let (https_url, http_url) = (self.url("https", domain), self.url("http", domain));
            // Politeness: the server this domain resolved to takes a bounded number of
            // our fetches at once, however many filed sites it hosts.
            let server = dns.first().and_then(|d| d.addresses().first().copied());
            let _permit = self.inner.per_ip.acquire(server).await;
            let (https, http) = tokio::join!(self.fetch(&https_url), self.fetch(&http_url));
            // The https page wins when it works; otherwise the http one.
            let page = [&https, &http]
                .into_iter()
                .find(|(evidence, body)| evidence.ok() && body.is_some())
                .and_then(|(evidence, body)| {
                    body.as_ref()
                        .map(|(bytes, content_type)| (evidence, bytes, content_type))
                });
            if let Some((evidence, bytes, content_type)) = page {
                let analysis = beian_page::analyze(bytes, content_type.as_deref());
                let source = match evidence {
                    FetchEvidence::Fetched { final_url, .. } => final_url.clone(),
                    FetchEvidence::Failed { url, .. } => url.clone(),
                };
                page_findings = beian_checks::inspect(
                    &analysis,
                    Some(PageSubject { filing, index }),
                    &self.inner.config.settings,
                    &source,
                    evidence.observed_at(),
                );
            }
            fetches.push(https.0);
            fetches.push(http.0);
        }
        let registrations = registrations.await;
        let ctx = LiveContext {
            filing,
            index,
            dns: &dns,
            fetches: &fetches,
            provider: &self.inner.config.provider,
            registrations: &registrations,
            now,
        };
        let mut findings = beian_checks::judge_live(&ctx);
        findings.extend(page_findings);
        (findings, registrations)
    }

    /// The registration of each registrable domain among `domains`, asked once each and
    /// concurrently with the DNS and HTTP work (the returned future is awaited last).
    fn registrations(
        &self,
        domains: &[DomainName],
    ) -> impl std::future::Future<Output = Vec<RegistrationEvidence>> + use<> {
        let client = self.inner.registration.clone();
        let mut registrable: Vec<String> = Vec::new();
        for domain in domains {
            let name = domain.registrable().as_str().to_owned();
            if !registrable.contains(&name) {
                registrable.push(name);
            }
        }
        let task = tokio::spawn(async move {
            let Some(client) = client else {
                return Vec::new();
            };
            let mut evidence = Vec::new();
            for name in registrable {
                evidence.push(convert_registration(client.lookup(&name).await));
            }
            evidence
        });
        async move { task.await.unwrap_or_default() }
    }

    fn url(&self, scheme: &str, domain: &DomainName) -> String {
        let (default, port) = match scheme {
            "https" => (443, self.inner.config.https_port),
            _ => (80, self.inner.config.http_port),
        };
        if port == default {
            format!("{scheme}://{}/", domain.as_str())
        } else {
            format!("{scheme}://{}:{port}/", domain.as_str())
        }
    }

    async fn resolve(&self, domain: &str) -> DomainDns {
        let resolution = self.inner.resolver.resolve_site(domain).await;
        let observed_at = now();
        let host = |host: String, lookup: HostLookup| HostEvidence {
            host,
            lookup: convert(lookup),
            server: self.inner.dns_label.clone(),
            observed_at: observed_at.clone(),
        };
        DomainDns {
            domain: domain.to_owned(),
            apex: host(domain.to_owned(), resolution.apex),
            www: host(format!("www.{domain}"), resolution.www),
        }
    }

    /// Fetches one URL: the evidence, and the body with its content type when there is one.
    async fn fetch(&self, url: &str) -> (FetchEvidence, Option<(Vec<u8>, Option<String>)>) {
        let outcome = self.inner.fetcher.fetch(url).await;
        let observed_at = now();
        match outcome {
            FetchOutcome::Fetched(page) => (
                FetchEvidence::Fetched {
                    url: url.to_owned(),
                    final_url: page.final_url.to_string(),
                    status: page.status,
                    redirects: page
                        .redirects
                        .iter()
                        .map(|r| (r.url.to_string(), r.status))
                        .collect(),
                    remote_addr: page.remote_addr.map(|a| a.to_string()),
                    truncated: page.truncated,
                    observed_at,
                },
                Some((page.body, page.content_type)),
            ),
            FetchOutcome::Failed(failure) => (
                FetchEvidence::Failed {
                    url: url.to_owned(),
                    stage: failure.stage.as_str().to_owned(),
                    message: failure.message,
                    redirects: failure
                        .redirects
                        .iter()
                        .map(|r| (r.url.to_string(), r.status))
                        .collect(),
                    observed_at,
                },
                None,
            ),
        }
    }
}

fn convert(lookup: HostLookup) -> Lookup {
    match lookup {
        HostLookup::Resolved { addresses, cnames } => Lookup::Resolved { addresses, cnames },
        HostLookup::NxDomain => Lookup::NxDomain,
        HostLookup::NoRecords => Lookup::NoRecords,
        HostLookup::ServFail => Lookup::ServFail,
        HostLookup::Timeout => Lookup::Timeout,
        other => Lookup::Failed(other.describe()),
    }
}

fn convert_registration(lookup: RegistrationLookup) -> RegistrationEvidence {
    let observed_at: DateTime<Utc> = lookup.queried_at.into();
    RegistrationEvidence {
        domain: lookup.domain,
        outcome: lookup.outcome,
        server: lookup.server,
        observed_at: observed_at
            .with_timezone(&china())
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
    }
}

/// The checks an engine without any registration source cannot run, with why.
pub fn skipped_checks() -> Vec<(CheckId, String)> {
    skipped_checks_with(false)
}

/// The checks whose sources are not configured, with why, when no outside registry is.
pub fn skipped_checks_with(registration: bool) -> Vec<(CheckId, String)> {
    skipped_checks_for(registration, &[])
}

/// The registry a check needs, if it needs one.
fn registry_of(id: CheckId) -> Option<RegistryKind> {
    match id {
        CheckId::EntityBusinessStatus
        | CheckId::EntityCertificateMismatch
        | CheckId::EntityLegalRepMismatch => Some(RegistryKind::BusinessRegistry),
        CheckId::EntityPrincipalIdMismatch => Some(RegistryKind::Identity),
        CheckId::EntityDomainOwnerMismatch => Some(RegistryKind::DomainRealName),
        CheckId::EntityContactInvalid => Some(RegistryKind::Phone),
        _ => None,
    }
}

/// The checks whose sources are not configured, with why: the registration source
/// (WHOIS/RDAP) is on or off, and `registries` are the outside registries configured.
///
/// Two checks run in part without their registry: `entity.contact_invalid` checks the
/// format of the numbers without the carrier, and `entity.domain_owner_mismatch` takes the
/// WHOIS/RDAP registrant as weaker evidence without the registrar's real-name data. They
/// are listed with what was left out.
pub fn skipped_checks_for(
    registration: bool,
    registries: &[RegistryKind],
) -> Vec<(CheckId, String)> {
    CheckId::ALL
        .iter()
        .filter_map(|id| {
            let main = *id.def().sources.first()?;
            if let Some(kind) = registry_of(*id) {
                if registries.contains(&kind) {
                    return None;
                }
                let reason = match *id {
                    CheckId::EntityContactInvalid => format!(
                        "部分未执行：未配置{}，只核对了号码格式，没有核验空号、停机和机主",
                        kind.label()
                    ),
                    CheckId::EntityDomainOwnerMismatch if registration => format!(
                        "部分未执行：未配置{}，只用 WHOIS/RDAP 公开的持有人作为较弱的证据核对（不一致时只作提示）",
                        kind.label()
                    ),
                    _ => format!("未配置{}", kind.label()),
                };
                return Some((*id, reason));
            }
            match main {
                EvidenceSource::Registration if !registration => {
                    Some((*id, "未配置 WHOIS/RDAP 查询（域名注册信息）".to_owned()))
                }
                _ => None,
            }
        })
        .collect()
}

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The moment a check on `today` is judged at: now when `today` is today in Beijing,
/// else noon of `today` in Beijing.
pub fn moment_of(today: NaiveDate) -> DateTime<FixedOffset> {
    let now = Utc::now().with_timezone(&china());
    if now.date_naive() == today {
        return now;
    }
    let noon = today.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default());
    noon.and_local_timezone(china()).single().unwrap_or(now)
}

/// Now in Beijing, RFC 3339.
fn now() -> String {
    Utc::now()
        .with_timezone(&china())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Above this many servers, [`PerIpLimit`] drops the idle ones before adding another.
const PER_IP_TIDY_ABOVE: usize = 4096;

/// 单服务器并发上限 — a semaphore per server address, created on first use and dropped
/// again once idle (a semaphore whose only holder is the map has no fetch and no waiter).
#[derive(Debug)]
struct PerIpLimit {
    limit: usize,
    semaphores:
        std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, Arc<tokio::sync::Semaphore>>>,
}

impl PerIpLimit {
    /// `limit` fetches at once per server (0: no limit); more than a semaphore can count
    /// is the same as no limit in practice, so it is clamped rather than left to panic.
    fn new(limit: usize) -> Self {
        PerIpLimit {
            limit: limit.min(tokio::sync::Semaphore::MAX_PERMITS),
            semaphores: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// Waits for a slot on `ip`'s server; no address or no limit means no wait.
    async fn acquire(
        &self,
        ip: Option<std::net::IpAddr>,
    ) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let ip = ip?;
        if self.limit == 0 {
            return None;
        }
        let semaphore = {
            let mut map = self
                .semaphores
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if map.len() >= PER_IP_TIDY_ABOVE && !map.contains_key(&ip) {
                // Forget the servers nobody is waiting on or fetching from: a sweep meets
                // most hosts once, and the map would otherwise grow with the filings.
                map.retain(|_, semaphore| Arc::strong_count(semaphore) > 1);
            }
            Arc::clone(
                map.entry(ip)
                    .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(self.limit))),
            )
        };
        semaphore.acquire_owned().await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn idle_servers_are_forgotten_and_busy_ones_kept() {
        let limit = PerIpLimit::new(1);
        let busy: std::net::IpAddr = "203.0.113.7".parse().expect("ip");
        let held = limit.acquire(Some(busy)).await;
        assert!(held.is_some());
        for k in 0..PER_IP_TIDY_ABOVE as u32 + 10 {
            let ip = std::net::IpAddr::from(std::net::Ipv4Addr::from(0x0A00_0000 + k));
            drop(limit.acquire(Some(ip)).await);
        }
        let size = limit
            .semaphores
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len();
        assert!(size < 100, "idle servers were kept: {size}");
        // The busy server is still limited: its one slot is taken.
        let again = tokio::time::timeout(
            std::time::Duration::from_millis(50),
            limit.acquire(Some(busy)),
        )
        .await;
        assert!(again.is_err(), "the busy server lost its limit");
        drop(held);
    }

    #[tokio::test]
    async fn a_server_gets_at_most_its_share_of_fetches() {
        let limit = PerIpLimit::new(2);
        let ip: std::net::IpAddr = "203.0.113.7".parse().expect("ip");
        let first = limit.acquire(Some(ip)).await;
        let second = limit.acquire(Some(ip)).await;
        assert!(first.is_some() && second.is_some());
        let third = tokio::time::timeout(
            std::time::Duration::from_millis(50),
            limit.acquire(Some(ip)),
        )
        .await;
        assert!(third.is_err(), "a third fetch to the same server must wait");
        let other: std::net::IpAddr = "203.0.113.8".parse().expect("ip");
        assert!(
            limit.acquire(Some(other)).await.is_some(),
            "another server does not wait"
        );
        drop(first);
        let third = tokio::time::timeout(
            std::time::Duration::from_millis(50),
            limit.acquire(Some(ip)),
        )
        .await;
        assert!(third.is_ok(), "a freed slot is taken");
        assert!(PerIpLimit::new(0).acquire(Some(ip)).await.is_none());
    }

    #[tokio::test]
    async fn a_limit_beyond_what_a_semaphore_counts_does_not_panic() {
        let limit = PerIpLimit::new(usize::MAX);
        let ip: std::net::IpAddr = "203.0.113.7".parse().expect("ip");
        assert!(limit.acquire(Some(ip)).await.is_some());
    }
}
