//! 首页抓取 (homepage fetch) — what a site serves, fetched safely from hostile servers.
//!
//! Every fetch ends in a [`FetchOutcome`]; network trouble is data ([`FetchOutcome::Failed`]
//! with the stage it happened at), never an `Err` and never a panic, because "the site is
//! unreachable" is itself a finding.
//!
//! How the SSRF guard ([`crate::guard`]) is kept, in one place:
//! - The client resolves names only through `GuardedResolve`: our [`DnsResolver`], then
//!   the [`AddressPolicy`] filter. The connector connects to exactly the addresses that
//!   passed, so there is no second lookup and no DNS rebinding. A name whose addresses are
//!   all refused fails with [`FailureStage::Blocked`], not with a timeout.
//! - An HTTP client never asks a resolver about an IP-literal host, so every URL (the first
//!   and each redirect target) is checked with [`AddressPolicy::check_url`] before it is
//!   requested.
//! - Redirects are followed here, not by reqwest, so that each hop is re-checked, counted
//!   and recorded with its status (the chain is evidence, also when the fetch fails).
//! - Proxies from the environment are ignored (`no_proxy`), so `HTTP_PROXY` cannot route
//!   around the guard.
//!
//! Limits against hostile servers: a connect timeout, an idle-read timeout, one deadline
//! for the whole fetch (all hops and the body), at most `max_redirects` hops, and a cap on
//! the *decoded* body. reqwest decompresses gzip, brotli and deflate as a stream, so the
//! cap also bounds a decompression bomb: we stop pulling after `max_body` bytes.

use std::error::Error as StdError;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use url::Url;

use crate::dns::{DnsResolver, HostLookup};
use crate::guard::{AddressPolicy, Blocked, UrlRefused};

/// 2 MiB: enough for any real homepage; the footer of a larger page is reported as unseen.
pub const DEFAULT_MAX_BODY: usize = 2 * 1024 * 1024;

/// 抓取配置 — limits and the resolver of a [`Fetcher`].
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// For the TCP connect and the TLS handshake.
    pub connect_timeout: Duration,
    /// Longest silence while reading; a trickling server is ended by `deadline` instead.
    pub read_timeout: Duration,
    /// The whole fetch: every hop and the body.
    pub deadline: Duration,
    /// Redirects followed at most; the next one fails the fetch.
    pub max_redirects: usize,
    /// Decoded body bytes kept at most; the rest is not read.
    pub max_body: usize,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// What may be connected to.
    pub policy: AddressPolicy,
    /// The only resolver the client uses.
    pub dns: DnsResolver,
    /// PEM certificates trusted besides the bundled web PKI roots (the sandbox's own CA).
    pub extra_root_certs_pem: Vec<Vec<u8>>,
}

impl FetchConfig {
    /// The recommended limits (reliability notes §2): connect 5 s, idle read 10 s, whole
    /// fetch 20 s, 5 redirects, 2 MiB, strict address policy.
    pub fn new(dns: DnsResolver) -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(10),
            deadline: Duration::from_secs(20),
            max_redirects: 5,
            max_body: DEFAULT_MAX_BODY,
            user_agent: concat!("beian-probe/", env!("CARGO_PKG_VERSION")).to_owned(),
            policy: AddressPolicy::strict(),
            dns,
            extra_root_certs_pem: Vec::new(),
        }
    }
}

/// The fetcher could not be built (a bad certificate, a TLS setup error).
#[derive(Debug, thiserror::Error)]
pub enum FetchSetupError {
    /// An extra root certificate could not be read.
    #[error("根证书无法读取: {0}")]
    RootCertificate(String),
    /// rustls or reqwest refused the configuration.
    #[error("HTTP 客户端无法建立: {0}")]
    Client(String),
}

/// 抓取结果 — how a fetch ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchOutcome {
    /// A final response (any status) and its body.
    Fetched(Fetched),
    /// No final response.
    Failed(FetchFailure),
}

/// 抓取到的页面 — the final response of a fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The URL that gave the final response.
    pub final_url: Url,
    /// Its status code (a 404 or 500 is a fetched page, judged by the checks).
    pub status: u16,
    /// Each redirect followed: the URL that answered and its status.
    pub redirects: Vec<Redirect>,
    /// The `Content-Type` header, for the charset sniffing of the page analysis.
    pub content_type: Option<String>,
    /// The decoded body, at most `max_body` bytes.
    pub body: Vec<u8>,
    /// Whether the body was longer than `max_body` and cut there.
    pub truncated: bool,
    /// The address actually connected to.
    pub remote_addr: Option<SocketAddr>,
}

/// 重定向 — one redirect hop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The URL that answered with a redirect.
    pub url: Url,
    /// The redirect status (301, 302, 303, 307 or 308).
    pub status: u16,
}

/// 抓取失败 — where and why a fetch ended without a final response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchFailure {
    /// The step that failed.
    pub stage: FailureStage,
    /// Chinese, then the technical detail.
    pub message: String,
    /// The URL being requested when it failed (None if the input was not a URL).
    pub url: Option<Url>,
    /// The redirects followed before the failure.
    pub redirects: Vec<Redirect>,
}

/// 失败环节 — the step of a fetch that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureStage {
    /// The input or a `Location` is not an http(s) URL.
    InvalidUrl,
    /// The SSRF guard refused the destination.
    Blocked,
    /// The name did not resolve (NXDOMAIN, no records, SERVFAIL, DNS timeout …).
    Dns,
    /// TCP connect failed (refused, unreachable, connect timeout).
    Connect,
    /// The TLS handshake failed (bad certificate, not TLS at all).
    Tls,
    /// The server did not speak HTTP properly.
    Http,
    /// The body broke off or could not be decoded.
    Body,
    /// The whole-fetch deadline or the idle-read timeout passed.
    Timeout,
    /// More than `max_redirects` redirects.
    TooManyRedirects,
    /// This machine ran out of something it needs to ask (file descriptors, ephemeral
    /// ports, memory): nothing is known about the site, so no check may fail on it.
    LocalResources,
}

impl FailureStage {
    /// A stable lower-case name for JSON and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureStage::InvalidUrl => "invalid_url",
            FailureStage::Blocked => "blocked_destination",
            FailureStage::Dns => "dns",
            FailureStage::Connect => "connect",
            FailureStage::Tls => "tls",
            FailureStage::Http => "http",
            FailureStage::Body => "body",
            FailureStage::Timeout => "timeout",
            FailureStage::TooManyRedirects => "too_many_redirects",
            FailureStage::LocalResources => "local_resources",
        }
    }
}

/// The resolver error when every address of a name is refused by the guard.
#[derive(Debug, thiserror::Error)]
#[error("{host} 的地址全部被拒绝: {}", list_blocked(.blocked))]
pub(crate) struct BlockedDestination {
    host: String,
    blocked: Vec<Blocked>,
}

fn list_blocked(blocked: &[Blocked]) -> String {
    let parts: Vec<String> = blocked.iter().map(ToString::to_string).collect();
    parts.join("; ")
}

/// The resolver error when a name does not resolve.
#[derive(Debug, thiserror::Error)]
#[error("{host}: {}", .lookup.describe())]
pub(crate) struct DnsFailure {
    host: String,
    lookup: HostLookup,
}

/// 受防护的解析 — reqwest's resolver: our DNS, then the guard. The addresses it returns
/// are the only ones the connector will dial.
pub(crate) struct GuardedResolve {
    pub(crate) dns: DnsResolver,
    pub(crate) policy: Arc<AddressPolicy>,
}

impl Resolve for GuardedResolve {
    fn resolve(&self, name: Name) -> Resolving {
        let dns = self.dns.clone();
        let policy = Arc::clone(&self.policy);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            match dns.lookup_host(&host).await {
                HostLookup::Resolved { addresses, .. } => {
                    let mut allowed = Vec::new();
                    let mut blocked = Vec::new();
                    for ip in addresses {
                        match policy.check(ip) {
                            // The port is filled in by the connector.
                            Ok(()) => allowed.push(SocketAddr::new(ip, 0)),
                            Err(b) => blocked.push(b),
                        }
                    }
                    if allowed.is_empty() {
                        Err(Box::new(BlockedDestination { host, blocked }) as _)
                    } else {
                        Ok(Box::new(allowed.into_iter()) as Addrs)
                    }
                }
                lookup => Err(Box::new(DnsFailure { host, lookup }) as _),
            }
        })
    }
}

/// 抓取器 — fetches homepages under a [`FetchConfig`]. Cheap to share by reference.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    policy: AddressPolicy,
    deadline: Duration,
    max_redirects: usize,
    max_body: usize,
}

impl Fetcher {
    /// Builds the client. Connections are not pooled: a sweep meets each host once, and an
    /// idle pool per host grows without bound over many hosts (reqwest #2424).
    pub fn new(config: FetchConfig) -> Result<Self, FetchSetupError> {
        let tls = tls_config(&config.extra_root_certs_pem)?;
        let resolver = GuardedResolve {
            dns: config.dns.clone(),
            policy: Arc::new(config.policy.clone()),
        };
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .dns_resolver(resolver)
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .no_proxy()
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            .pool_max_idle_per_host(0)
            .http1_only()
            .user_agent(config.user_agent.clone())
            .build()
            .map_err(|e| FetchSetupError::Client(error_chain(&e)))?;
        Ok(Self {
            client,
            policy: config.policy,
            deadline: config.deadline,
            max_redirects: config.max_redirects,
            max_body: config.max_body,
        })
    }

    /// Fetches `url`, following redirects. Never fails: every ending is an outcome.
    pub async fn fetch(&self, url: &str) -> FetchOutcome {
        let mut state = State::default();
        let result = tokio::time::timeout(self.deadline, self.run(url, &mut state)).await;
        let failure = |stage, message| {
            FetchOutcome::Failed(FetchFailure {
                stage,
                message,
                url: state.current.clone(),
                redirects: state.redirects.clone(),
            })
        };
        match result {
            Ok(Ok(done)) => FetchOutcome::Fetched(Fetched {
                redirects: state.redirects.clone(),
                ..done
            }),
            Ok(Err((stage, message))) => failure(stage, message),
            Err(_elapsed) => failure(
                FailureStage::Timeout,
                format!(
                    "抓取超过总时限 {} 秒 (deadline exceeded)",
                    self.deadline.as_secs_f64()
                ),
            ),
        }
    }

    async fn run(&self, input: &str, state: &mut State) -> Result<Fetched, (FailureStage, String)> {
        let mut url = Url::parse(input.trim()).map_err(|e| {
            (
                FailureStage::InvalidUrl,
                format!("网址无效 (invalid URL): {e}"),
            )
        })?;
        loop {
            state.current = Some(url.clone());
            self.policy.check_url(&url).map_err(refusal)?;
            let response = self
                .client
                .get(url.clone())
                .header(
                    header::ACCEPT,
                    "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
                )
                .header(header::ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9,en;q=0.5")
                .send()
                .await
                .map_err(|e| classify(&e))?;
            let status = response.status();
            // A redirect without a Location has nowhere to go: it is the final response.
            if status.is_redirection()
                && status.as_u16() != 304
                && let Some(location) = response.headers().get(header::LOCATION)
            {
                state.redirects.push(Redirect {
                    url: url.clone(),
                    status: status.as_u16(),
                });
                if state.redirects.len() > self.max_redirects {
                    return Err((
                        FailureStage::TooManyRedirects,
                        format!("重定向超过 {} 次 (too many redirects)", self.max_redirects),
                    ));
                }
                let next = location
                    .to_str()
                    .ok()
                    .and_then(|loc| url.join(loc).ok())
                    .ok_or_else(|| {
                        (
                            FailureStage::InvalidUrl,
                            format!(
                                "重定向地址无效 (bad Location): {}",
                                String::from_utf8_lossy(location.as_bytes())
                            ),
                        )
                    })?;
                // Drop the response before the next hop so its connection closes.
                drop(response);
                url = next;
                continue;
            }
            return self.read_final(url, response).await;
        }
    }

    async fn read_final(
        &self,
        url: Url,
        mut response: reqwest::Response,
    ) -> Result<Fetched, (FailureStage, String)> {
        let status = response.status().as_u16();
        let remote_addr = response.remote_addr();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
            let room = self.max_body.saturating_sub(body.len());
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            final_url: url,
            status,
            redirects: Vec::new(),
            content_type,
            body,
            truncated,
            remote_addr,
        })
    }
}

#[derive(Default)]
struct State {
    current: Option<Url>,
    redirects: Vec<Redirect>,
}

fn refusal(refused: UrlRefused) -> (FailureStage, String) {
    match refused {
        UrlRefused::Scheme(_) | UrlRefused::NoHost => (
            FailureStage::InvalidUrl,
            format!("网址无效 (invalid URL): {refused}"),
        ),
        UrlRefused::Blocked(_) | UrlRefused::LocalhostName(_) => (
            FailureStage::Blocked,
            format!("禁止访问的地址 (blocked destination): {refused}"),
        ),
    }
}

/// Sorts a reqwest error into a stage. The guard's and the resolver's own error types are
/// found by walking the source chain, so the stage does not depend on reqwest's wording.
fn classify(err: &reqwest::Error) -> (FailureStage, String) {
    let detail = error_chain(err);
    if out_of_local_resources(err) {
        return (
            FailureStage::LocalResources,
            format!("本机资源不足，请求没有发出（不是网站的问题）: {detail}"),
        );
    }
    if let Some(blocked) = find_in_chain::<BlockedDestination>(err) {
        return (
            FailureStage::Blocked,
            format!("禁止访问的地址 (blocked destination): {blocked}"),
        );
    }
    if let Some(dns) = find_in_chain::<DnsFailure>(err) {
        return (FailureStage::Dns, format!("域名解析失败: {dns}"));
    }
    if find_in_chain::<rustls::Error>(err).is_some() {
        return (FailureStage::Tls, format!("TLS 握手失败: {detail}"));
    }
    if err.is_timeout() {
        let what = if err.is_connect() {
            "连接超时"
        } else {
            "读取超时"
        };
        return (FailureStage::Timeout, format!("{what}: {detail}"));
    }
    if err.is_connect() {
        return (FailureStage::Connect, format!("无法连接: {detail}"));
    }
    if err.is_body() || err.is_decode() {
        return (FailureStage::Body, format!("响应正文读取失败: {detail}"));
    }
    (FailureStage::Http, format!("HTTP 通信失败: {detail}"))
}

/// Whether an OS error in `err`'s chain says this machine, not the site, is the trouble:
/// too many open files (a sweep at high concurrency under a low `ulimit -n`), no free
/// ephemeral port, no buffer space or memory. Such a failure was once reported as the
/// site being unreachable.
pub(crate) fn out_of_local_resources(err: &(dyn StdError + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if is_local_shortage(io) {
                return true;
            }
            if let Some(inner) = io.get_ref()
                && out_of_local_resources(inner)
            {
                return true;
            }
        }
        current = e.source();
    }
    false
}

/// Whether an I/O error is a shortage on this machine (see `out_of_local_resources`).
pub fn is_local_shortage(err: &std::io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM | libc::EADDRNOTAVAIL)
    )
}

pub(crate) fn find_in_chain<'a, T: StdError + 'static>(
    err: &'a (dyn StdError + 'static),
) -> Option<&'a T> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        // io::Error::source() skips the error it wraps, so look inside it explicitly
        // (tokio-rustls reports handshake failures as io::Error wrapping rustls::Error).
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(found) = find_in_chain::<T>(inner)
        {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// "outer: inner: innermost", skipping repeats.
pub(crate) fn error_chain(err: &(dyn StdError + 'static)) -> String {
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

/// rustls on the ring provider (no aws-lc), the bundled web PKI roots plus any extra roots,
/// HTTP/1.1 only: the client of every https fetch and RDAP query (public so that the
/// sandbox's `fetch_floor` bench measures this very client).
pub fn tls_config(extra_pem: &[Vec<u8>]) -> Result<rustls::ClientConfig, FetchSetupError> {
    let mut roots: rustls::RootCertStore = webpki_roots::TLS_SERVER_ROOTS.iter().cloned().collect();
    for pem in extra_pem {
        let mut added = 0usize;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| FetchSetupError::RootCertificate(e.to_string()))?;
            roots
                .add(cert)
                .map_err(|e| FetchSetupError::RootCertificate(e.to_string()))?;
            added += 1;
        }
        if added == 0 {
            return Err(FetchSetupError::RootCertificate(
                "PEM 中没有证书 (no certificate in PEM)".into(),
            ));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| FetchSetupError::Client(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shortage_on_this_machine_is_told_from_a_fault_of_the_site() {
        use std::io::Error;
        #[derive(Debug, thiserror::Error)]
        #[error("tcp open error")]
        struct Wrapper(#[source] Error);
        for code in [
            libc::EMFILE,
            libc::ENFILE,
            libc::EADDRNOTAVAIL,
            libc::ENOBUFS,
        ] {
            let plain = Error::from_raw_os_error(code);
            assert!(out_of_local_resources(&plain), "{plain}");
            let wrapped = Wrapper(Error::from_raw_os_error(code));
            assert!(out_of_local_resources(&wrapped), "{wrapped}");
            let inside = Error::other(Wrapper(Error::from_raw_os_error(code)));
            assert!(out_of_local_resources(&inside), "{inside}");
        }
        for code in [libc::ECONNREFUSED, libc::ETIMEDOUT, libc::EHOSTUNREACH] {
            let site = Wrapper(Error::from_raw_os_error(code));
            assert!(!out_of_local_resources(&site), "{site}");
        }
    }

    #[test]
    fn a_pem_without_certificates_is_refused() {
        assert!(matches!(
            tls_config(&[b"not a certificate".to_vec()]),
            Err(FetchSetupError::RootCertificate(_))
        ));
        assert!(tls_config(&[]).is_ok());
    }

    #[test]
    fn stage_names_are_stable() {
        assert_eq!(FailureStage::Blocked.as_str(), "blocked_destination");
        assert_eq!(
            FailureStage::TooManyRedirects.as_str(),
            "too_many_redirects"
        );
    }
}
