//! The HTTP JSON client every registry adapter is built on.
//!
//! One request is a `POST` of a JSON body to `{endpoint}{path}` with the API key in its
//! header. Its ending decides what follows:
//!
//! | reply | meaning | retried |
//! |---|---|---|
//! | 200 with the agreed JSON | an answer | – |
//! | 404 | the registry knows nothing under this key | – |
//! | 429 | rate-limited: wait `Retry-After` (or the backoff) | yes |
//! | 5xx, timeout, connection failure | the registry is unwell | yes |
//! | 200 with a body that is not the agreed JSON | a broken proxy or server | yes |
//! | other 4xx (400, 401, 403 …) | the request or the key is wrong | no |
//!
//! Retries wait an exponential backoff with jitter. A request that fails for good counts
//! against the circuit breaker; while it is open requests are refused at once. Every
//! ending without an answer becomes an "unavailable" reason in Chinese, which the checks
//! turn into an inconclusive finding. The API key never appears in a message, a log or a
//! `Debug` output.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use beian_checks::registry_evidence::{Answer, Outcome};
use chrono::{FixedOffset, Utc};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use url::Url;

use crate::resilience::{Breaker, RateLimit, TtlCache, backoff, retry_after};

/// An API key: sent in a header, never shown.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(key.into())
    }

    /// The key itself, for the request header only.
    fn expose(&self) -> &str {
        &self.0
    }
}

impl<'de> serde::Deserialize<'de> for ApiKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(ApiKey)
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

/// 接口配置 — where a registry is and how patiently to ask it.
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    /// Base URL; request paths are joined to it.
    pub endpoint: Url,
    /// The API key, if the registry wants one.
    pub api_key: Option<ApiKey>,
    /// The header the key goes in.
    pub api_key_header: String,
    /// Connection timeout.
    pub connect_timeout: Duration,
    /// Timeout of one attempt, from sending to the whole body.
    pub timeout: Duration,
    /// Retries after the first attempt.
    pub retries: u32,
    /// First backoff; it doubles per retry.
    pub backoff: Duration,
    /// Longest backoff.
    pub backoff_max: Duration,
    /// The longest `Retry-After` honoured; a registry asking for more is unavailable.
    pub retry_after_max: Duration,
    /// Failed requests in a row that open the breaker (0: never).
    pub breaker_failures: u32,
    /// How long the breaker stays open before one probe.
    pub breaker_cooldown: Duration,
    /// How long answers are cached (0: not at all).
    pub cache_ttl: Duration,
    /// How many answers are cached at most.
    pub cache_capacity: usize,
    /// Requests per second on average (0: no limit).
    pub rate_per_second: f64,
    /// Requests allowed in a burst.
    pub burst: u32,
    /// Requests to this registry at once, at most; the others wait their turn. It also
    /// bounds the connections kept open to it: a sweep with a thousand filings in flight
    /// would otherwise open a connection per filing and keep them all.
    pub max_in_flight: usize,
    /// Extra trusted root certificates (PEM) for an https endpoint.
    pub extra_root_certs_pem: Vec<Vec<u8>>,
}

/// Requests at once to one registry unless configured otherwise.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;

impl EndpointConfig {
    /// The defaults for `endpoint`: 1 s to connect, 5 s per attempt, 2 retries from
    /// 200 ms, a breaker at 5 failures for 30 s, a day's cache of 10,000 answers, 20
    /// requests a second, 64 at once.
    pub fn new(endpoint: Url) -> Self {
        EndpointConfig {
            endpoint,
            api_key: None,
            api_key_header: "X-Api-Key".to_owned(),
            connect_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(5),
            retries: 2,
            backoff: Duration::from_millis(200),
            backoff_max: Duration::from_secs(5),
            retry_after_max: Duration::from_secs(30),
            breaker_failures: 5,
            breaker_cooldown: Duration::from_secs(30),
            cache_ttl: Duration::from_secs(24 * 3600),
            cache_capacity: 10_000,
            rate_per_second: 20.0,
            burst: 20,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            extra_root_certs_pem: Vec::new(),
        }
    }
}

/// The client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// An extra root certificate could not be read.
    #[error("根证书无效：{0}")]
    RootCertificate(String),
    /// The HTTP client could not be built.
    #[error("无法创建 HTTP 客户端：{0}")]
    Client(String),
}

/// Largest reply body read.
const MAX_BODY: usize = 1024 * 1024;

/// One attempt's failure.
struct AttemptError {
    reason: String,
    retry: bool,
    wait: Option<Duration>,
}

/// A JSON-over-HTTP client with retries, a breaker, a rate limit and a cache of `T`.
pub(crate) struct JsonClient<T> {
    client: reqwest::Client,
    config: EndpointConfig,
    /// What answers are stamped with: the registry's name and endpoint.
    label: String,
    breaker: Mutex<Breaker>,
    limit: Mutex<RateLimit>,
    /// One permit per request on the wire ([`EndpointConfig::max_in_flight`]).
    in_flight: tokio::sync::Semaphore,
    cache: Mutex<TtlCache<Outcome<T>>>,
}

impl<T> std::fmt::Debug for JsonClient<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonClient")
            .field("label", &self.label)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn lock<V>(mutex: &Mutex<V>) -> std::sync::MutexGuard<'_, V> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Now in Beijing, RFC 3339.
pub(crate) fn now_rfc3339() -> String {
    let now = Utc::now();
    match FixedOffset::east_opt(8 * 3600) {
        Some(china) => now
            .with_timezone(&china)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        None => now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

fn tls_config(extra_pem: &[Vec<u8>]) -> Result<rustls::ClientConfig, SetupError> {
    let mut roots: rustls::RootCertStore = webpki_roots::TLS_SERVER_ROOTS.iter().cloned().collect();
    for pem in extra_pem {
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| SetupError::RootCertificate(e.to_string()))?;
            roots
                .add(cert)
                .map_err(|e| SetupError::RootCertificate(e.to_string()))?;
        }
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SetupError::Client(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// "outer: inner", without repeats.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if parts.last().is_none_or(|last| !last.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

impl<T: Clone> JsonClient<T> {
    /// Builds the client. `name` is the registry's Chinese name, for answers.
    pub(crate) fn new(name: &str, config: EndpointConfig) -> Result<Self, SetupError> {
        let tls = tls_config(&config.extra_root_certs_pem)?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .retry(reqwest::retry::never())
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(config.connect_timeout)
            .http1_only()
            .pool_max_idle_per_host(config.max_in_flight)
            .user_agent(concat!("beian-registry/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SetupError::Client(error_chain(&e)))?;
        Ok(JsonClient {
            client,
            label: format!("{name} {}", config.endpoint),
            breaker: Mutex::new(Breaker::new(
                config.breaker_failures,
                config.breaker_cooldown,
            )),
            limit: Mutex::new(RateLimit::new(config.rate_per_second, config.burst)),
            // Clamped: the struct is public, and a semaphore panics above its maximum.
            in_flight: tokio::sync::Semaphore::new(
                config
                    .max_in_flight
                    .clamp(1, tokio::sync::Semaphore::MAX_PERMITS),
            ),
            cache: Mutex::new(TtlCache::new(config.cache_ttl, config.cache_capacity)),
            config,
        })
    }

    /// The breaker's state, for tests and status displays.
    pub(crate) fn breaker_state(&self) -> crate::resilience::BreakerState {
        lock(&self.breaker).state()
    }

    /// Asks `path` with `body` (cached under `key`): `decode` reads a 200 body into `T`,
    /// or says why it is not the agreed JSON.
    pub(crate) async fn ask(
        &self,
        path: &str,
        key: &str,
        body: &serde_json::Value,
        decode: impl Fn(&[u8]) -> Result<T, String>,
    ) -> Answer<T> {
        let cache_key = format!("{path} {key}");
        if let Some(outcome) = lock(&self.cache).get(&cache_key, Instant::now()) {
            return self.answer(outcome);
        }
        let outcome = self.request(path, body, decode).await;
        if !matches!(outcome, Outcome::Unavailable(_)) {
            lock(&self.cache).put(cache_key, outcome.clone(), Instant::now());
        }
        self.answer(outcome)
    }

    fn answer(&self, outcome: Outcome<T>) -> Answer<T> {
        Answer {
            outcome,
            source: self.label.clone(),
            observed_at: now_rfc3339(),
        }
    }

    async fn request(
        &self,
        path: &str,
        body: &serde_json::Value,
        decode: impl Fn(&[u8]) -> Result<T, String>,
    ) -> Outcome<T> {
        if let Err(wait) = lock(&self.breaker).allow(Instant::now()) {
            return Outcome::Unavailable(format!(
                "熔断中：接口连续失败，约 {} 秒后再试",
                wait.as_secs().max(1)
            ));
        }
        let Ok(url) = self.config.endpoint.join(path.trim_start_matches('/')) else {
            lock(&self.breaker).failure(Instant::now());
            return Outcome::Unavailable(format!("接口地址无效：{}{path}", self.config.endpoint));
        };
        let mut last = String::new();
        let mut made = 0;
        for attempt in 0..=self.config.retries {
            made += 1;
            // A place on the wire first, then the rate's slot: reserved the other way
            // round, slots that passed while waiting for a place would go out together,
            // faster than the rate. Held for the attempt only, not for the backoff after
            // it. The semaphore is never closed, so the error arm cannot happen; it would
            // only lift the cap.
            let permit = self.in_flight.acquire().await;
            let wait = lock(&self.limit).reserve(Instant::now());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            let result = self.attempt(&url, body, &decode).await;
            drop(permit);
            match result {
                Ok(outcome) => {
                    lock(&self.breaker).success();
                    return outcome;
                }
                Err(error) => {
                    last = error.reason;
                    if !error.retry || attempt == self.config.retries {
                        break;
                    }
                    let pause = backoff(attempt, self.config.backoff, self.config.backoff_max);
                    let pause = match error.wait {
                        Some(asked) if asked > self.config.retry_after_max => {
                            last = format!(
                                "{last}；接口要求 {} 秒后再试，超过了允许的等待",
                                asked.as_secs()
                            );
                            break;
                        }
                        Some(asked) => asked.max(pause),
                        None => pause,
                    };
                    tokio::time::sleep(pause).await;
                }
            }
        }
        lock(&self.breaker).failure(Instant::now());
        Outcome::Unavailable(if made == 1 {
            last
        } else {
            format!("共尝试 {made} 次仍未得到有效应答：{last}")
        })
    }

    async fn attempt(
        &self,
        url: &Url,
        body: &serde_json::Value,
        decode: &impl Fn(&[u8]) -> Result<T, String>,
    ) -> Result<Outcome<T>, AttemptError> {
        let transient = |reason: String| AttemptError {
            reason,
            retry: true,
            wait: None,
        };
        let mut request = self
            .client
            .post(url.clone())
            .timeout(self.config.timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body.to_string());
        if let Some(key) = &self.config.api_key {
            request = request.header(self.config.api_key_header.as_str(), key.expose());
        }
        let response = request.send().await.map_err(|e| {
            if e.is_timeout() {
                transient(format!(
                    "{} 毫秒内没有应答（超时）",
                    self.config.timeout.as_millis()
                ))
            } else {
                transient(format!("连接失败：{}", error_chain(&e)))
            }
        })?;
        let status = response.status().as_u16();
        let retry_after = retry_after(
            response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
        );
        let bytes = match tokio::time::timeout(self.config.timeout, read_capped(response)).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(reason)) => return Err(transient(reason)),
            Err(_) => {
                return Err(transient(format!(
                    "{} 毫秒内没有读完应答（超时）",
                    self.config.timeout.as_millis()
                )));
            }
        };
        match status {
            200 => decode(&bytes)
                .map(Outcome::Found)
                .map_err(|why| transient(format!("应答不是约定的 JSON：{why}"))),
            404 => Ok(Outcome::NotFound),
            429 => Err(AttemptError {
                reason: "被限流（HTTP 429）".to_owned(),
                retry: true,
                wait: retry_after,
            }),
            500..=599 => Err(AttemptError {
                reason: format!("接口出错（HTTP {status}）"),
                retry: true,
                wait: retry_after,
            }),
            401 | 403 => Err(AttemptError {
                reason: format!("接口拒绝访问（HTTP {status}），请检查 API 密钥"),
                retry: false,
                wait: None,
            }),
            // The body is not quoted: a registry may echo the ID or phone number asked about.
            _ => Err(AttemptError {
                reason: format!("接口拒绝请求（HTTP {status}）"),
                retry: false,
                wait: None,
            }),
        }
    }
}

async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("读取应答失败：{}", error_chain(&e)))?
    {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(format!("应答超过 {} KiB", MAX_BODY / 1024));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_never_shows_in_debug_output() {
        let mut config = EndpointConfig::new(Url::parse("http://127.0.0.1:9/").expect("url"));
        config.api_key = Some(ApiKey::new("sk-very-secret"));
        let text = format!("{config:?}");
        assert!(!text.contains("sk-very-secret"), "{text}");
        assert!(text.contains("***"), "{text}");
    }

    #[test]
    fn any_cap_on_requests_at_once_builds_a_client() {
        for cap in [0, 1, usize::MAX] {
            let mut config = EndpointConfig::new(Url::parse("http://127.0.0.1:9/").expect("url"));
            config.max_in_flight = cap;
            let client = JsonClient::<()>::new("测试", config).expect("client");
            assert!(client.in_flight.available_permits() >= 1);
        }
    }
}
