//! RDAP 查询 (RDAP over HTTPS) — the JSON successor of WHOIS, and its bootstrap file.
//!
//! Which server answers for a TLD is published by IANA as a bootstrap file
//! (<https://data.iana.org/rdap/dns.json>, RFC 9224). A copy ships with the crate
//! (`data/rdap-dns.json`, hand-made and partial: see `data/README.md`), and
//! [`refresh_bootstrap`] replaces it with IANA's current file (`beian registration
//! refresh-bootstrap`). A query is `GET {base}domain/{name}` (RFC 9082).
//!
//! The guard is kept as in [`crate::http`]: names are resolved by our resolver and
//! filtered by the [`AddressPolicy`] (the connector dials exactly what passed), every URL
//! (the first and each redirect hop) is checked with [`AddressPolicy::check_url`], proxies
//! from the environment are ignored. Redirects are few in RDAP (a registry redirecting to
//! itself or to a registrar): at most three are followed. The body is capped (a domain
//! object is a few KiB), and one deadline bounds the whole query.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header;
use serde::Deserialize;
use url::Url;

use crate::dns::DnsResolver;
use crate::guard::AddressPolicy;
use crate::http::{
    BlockedDestination, DnsFailure, FetchSetupError, GuardedResolve, error_chain, find_in_chain,
    tls_config,
};

/// The bundled bootstrap, IANA's `dns.json` format.
pub const BUNDLED_BOOTSTRAP: &str = include_str!("../data/rdap-dns.json");

/// IANA's published bootstrap for domain names.
pub const IANA_BOOTSTRAP_URL: &str = "https://data.iana.org/rdap/dns.json";

/// 1 MiB: a domain object is a few KiB; IANA's whole bootstrap is about 100 KiB.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// RDAP 引导文件 — which RDAP server answers for which TLD.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bootstrap {
    by_tld: HashMap<String, Url>,
    /// The file's `publication` time, as written.
    pub publication: Option<String>,
}

/// A bootstrap file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BootstrapError {
    /// Not JSON of the bootstrap's shape.
    #[error("RDAP 引导文件格式不对（应为 IANA dns.json 格式）: {0}")]
    Format(String),
    /// JSON of the right shape without a single usable service.
    #[error("RDAP 引导文件中没有可用的服务条目")]
    Empty,
}

#[derive(Deserialize)]
struct BootstrapFile {
    #[serde(default)]
    publication: Option<String>,
    services: Vec<(Vec<String>, Vec<String>)>,
}

impl Bootstrap {
    /// The copy that ships with the crate.
    pub fn bundled() -> Bootstrap {
        // The bundled file is tested to parse; an empty bootstrap (everything by WHOIS)
        // is the safe reading should it ever not.
        Bootstrap::parse(BUNDLED_BOOTSTRAP).unwrap_or_default()
    }

    /// Reads a file in IANA's `dns.json` format. Per service, the first https URL is used
    /// (else the first URL); URLs that do not parse are skipped.
    pub fn parse(json: &str) -> Result<Bootstrap, BootstrapError> {
        let json = json.strip_prefix('\u{feff}').unwrap_or(json);
        let file: BootstrapFile =
            serde_json::from_str(json).map_err(|e| BootstrapError::Format(e.to_string()))?;
        let mut by_tld = HashMap::new();
        for (tlds, urls) in file.services {
            let parsed: Vec<Url> = urls
                .iter()
                .filter_map(|u| Url::parse(&with_slash(u)).ok())
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .collect();
            let Some(base) = parsed
                .iter()
                .find(|u| u.scheme() == "https")
                .or_else(|| parsed.first())
            else {
                continue;
            };
            for tld in tlds {
                let tld = tld.trim().trim_matches('.').to_ascii_lowercase();
                if !tld.is_empty() {
                    by_tld.entry(tld).or_insert_with(|| base.clone());
                }
            }
        }
        if by_tld.is_empty() {
            return Err(BootstrapError::Empty);
        }
        Ok(Bootstrap {
            by_tld,
            publication: file.publication,
        })
    }

    /// The RDAP base URL for `domain`'s TLD, if the bootstrap knows it.
    pub fn base_for(&self, domain: &str) -> Option<&Url> {
        self.by_tld.get(&crate::whois::top_level(domain))
    }

    /// How many TLDs it covers.
    pub fn len(&self) -> usize {
        self.by_tld.len()
    }

    /// Whether it covers none.
    pub fn is_empty(&self) -> bool {
        self.by_tld.is_empty()
    }
}

fn with_slash(url: &str) -> String {
    let url = url.trim();
    if url.ends_with('/') {
        url.to_owned()
    } else {
        format!("{url}/")
    }
}

/// `{base}domain/{name}`; the base is given a trailing slash first, so that `join` keeps
/// its path.
pub fn domain_url(base: &Url, domain: &str) -> Option<Url> {
    let base = Url::parse(&with_slash(base.as_str())).ok()?;
    base.join(&format!("domain/{domain}")).ok()
}

/// RDAP 查询配置 — limits and the guard of an [`RdapClient`].
#[derive(Debug, Clone)]
pub struct RdapConfig {
    /// For the TCP connect and the TLS handshake.
    pub connect_timeout: Duration,
    /// The whole query, redirects and body included.
    pub deadline: Duration,
    /// Redirects followed at most.
    pub max_redirects: usize,
    /// Body bytes read at most; a longer body is refused.
    pub max_body: usize,
    /// What may be connected to.
    pub policy: AddressPolicy,
    /// The only resolver the client uses.
    pub dns: DnsResolver,
    /// PEM certificates trusted besides the web PKI roots (a sandbox CA).
    pub extra_root_certs_pem: Vec<Vec<u8>>,
}

impl RdapConfig {
    /// Connect 5 s, whole query 15 s, 3 redirects, 1 MiB, strict address policy.
    pub fn new(dns: DnsResolver) -> Self {
        RdapConfig {
            connect_timeout: Duration::from_secs(5),
            deadline: Duration::from_secs(15),
            max_redirects: 3,
            max_body: DEFAULT_MAX_BODY,
            policy: AddressPolicy::strict(),
            dns,
            extra_root_certs_pem: Vec::new(),
        }
    }
}

/// RDAP 回复 — the final response of one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RdapReply {
    /// The URL asked.
    pub url: String,
    /// The HTTP status (404 means "no such domain" in RDAP).
    pub status: u16,
    /// The body, decoded as UTF-8 (RDAP is JSON, which is UTF-8).
    pub body: String,
}

/// RDAP 查询失败 — why no usable response came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RdapFailure {
    /// The URL asked.
    pub url: String,
    /// The step that failed: `invalid_url`, `blocked_destination`, `dns`, `connect`,
    /// `timeout`, `body`, `http`.
    pub stage: &'static str,
    /// What happened, in Chinese with the technical detail.
    pub message: String,
}

/// RDAP 客户端. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RdapClient {
    client: reqwest::Client,
    policy: AddressPolicy,
    deadline: Duration,
    max_body: usize,
}

impl RdapClient {
    /// Builds the guarded client.
    pub fn new(config: RdapConfig) -> Result<Self, FetchSetupError> {
        let tls = tls_config(&config.extra_root_certs_pem)?;
        let resolver = GuardedResolve {
            dns: config.dns.clone(),
            policy: Arc::new(config.policy.clone()),
        };
        // Names are judged by the resolver; literal hosts of each hop here.
        let hop_policy = config.policy.clone();
        let max_redirects = config.max_redirects;
        let redirect = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max_redirects {
                attempt.error(format!(
                    "重定向超过 {max_redirects} 次 (too many redirects)"
                ))
            } else if let Err(refused) = hop_policy.check_url(attempt.url()) {
                attempt.error(format!("禁止访问的地址 (blocked destination): {refused}"))
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .dns_resolver(resolver)
            .redirect(redirect)
            .retry(reqwest::retry::never())
            .no_proxy()
            .connect_timeout(config.connect_timeout)
            .pool_max_idle_per_host(0)
            .http1_only()
            .user_agent(concat!("beian-probe/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FetchSetupError::Client(error_chain(&e)))?;
        Ok(RdapClient {
            client,
            policy: config.policy,
            deadline: config.deadline,
            max_body: config.max_body,
        })
    }

    /// `GET {base}domain/{name}`. Any HTTP status is a reply (404 is "not found"); only
    /// a missing response is a failure.
    pub async fn query(&self, base: &Url, domain: &str) -> Result<RdapReply, RdapFailure> {
        let Some(url) = domain_url(base, domain) else {
            return Err(RdapFailure {
                url: base.to_string(),
                stage: "invalid_url",
                message: format!("RDAP 地址无效: {base}"),
            });
        };
        self.get(&url, "application/rdap+json, application/json;q=0.9")
            .await
    }

    /// Downloads `url` (the bootstrap file). A non-2xx status is a failure.
    pub async fn download(&self, url: &str) -> Result<String, RdapFailure> {
        let parsed = Url::parse(url.trim()).map_err(|e| RdapFailure {
            url: url.to_owned(),
            stage: "invalid_url",
            message: format!("网址无效 (invalid URL): {e}"),
        })?;
        let reply = self.get(&parsed, "application/json").await?;
        if !(200..300).contains(&reply.status) {
            return Err(RdapFailure {
                url: reply.url,
                stage: "http",
                message: format!("服务器返回 HTTP {}", reply.status),
            });
        }
        Ok(reply.body)
    }

    async fn get(&self, url: &Url, accept: &str) -> Result<RdapReply, RdapFailure> {
        let shown = url.to_string();
        let fail = |stage, message| RdapFailure {
            url: shown.clone(),
            stage,
            message,
        };
        if let Err(refused) = self.policy.check_url(url) {
            let stage = match refused {
                crate::guard::UrlRefused::Blocked(_)
                | crate::guard::UrlRefused::LocalhostName(_) => "blocked_destination",
                _ => "invalid_url",
            };
            return Err(fail(stage, format!("不能访问 {url}: {refused}")));
        }
        let work = async {
            let mut response = self
                .client
                .get(url.clone())
                .header(header::ACCEPT, accept)
                .send()
                .await
                .map_err(|e| classify(&e))?;
            let status = response.status().as_u16();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
                if body.len() + chunk.len() > self.max_body {
                    return Err((
                        "body",
                        format!("回复超过 {} 字节上限 (body too large)", self.max_body),
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            Ok((status, body))
        };
        match tokio::time::timeout(self.deadline, work).await {
            Ok(Ok((status, body))) => Ok(RdapReply {
                url: shown.clone(),
                status,
                body: String::from_utf8_lossy(&body).into_owned(),
            }),
            Ok(Err((stage, message))) => Err(fail(stage, message)),
            Err(_) => Err(fail(
                "timeout",
                format!(
                    "RDAP 查询超过总时限 {} 秒 (deadline exceeded)",
                    self.deadline.as_secs_f64()
                ),
            )),
        }
    }
}

fn classify(err: &reqwest::Error) -> (&'static str, String) {
    let detail = error_chain(err);
    if let Some(blocked) = find_in_chain::<BlockedDestination>(err) {
        return (
            "blocked_destination",
            format!("禁止访问的地址 (blocked destination): {blocked}"),
        );
    }
    if detail.contains("blocked destination") {
        return ("blocked_destination", detail);
    }
    if let Some(dns) = find_in_chain::<DnsFailure>(err) {
        return ("dns", format!("域名解析失败: {dns}"));
    }
    if err.is_redirect() {
        return ("http", format!("重定向失败: {detail}"));
    }
    if err.is_timeout() {
        return ("timeout", format!("超时: {detail}"));
    }
    if err.is_connect() {
        return ("connect", format!("无法连接: {detail}"));
    }
    if err.is_body() || err.is_decode() {
        return ("body", format!("回复读取失败: {detail}"));
    }
    ("http", format!("HTTP 通信失败: {detail}"))
}

/// 引导文件更新结果 — what [`refresh_bootstrap`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshedBootstrap {
    /// How many TLDs the new file covers.
    pub tlds: usize,
    /// Its `publication` time.
    pub publication: Option<String>,
    /// Bytes written.
    pub bytes: usize,
}

/// Why the bootstrap could not be refreshed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The download failed.
    #[error("下载 RDAP 引导文件失败: {0}")]
    Download(RdapFailure),
    /// The download is not a bootstrap file (it is not written).
    #[error("下载的内容不是 RDAP 引导文件: {0}")]
    Invalid(BootstrapError),
    /// The file could not be written.
    #[error("无法写入 {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Downloads a bootstrap file from `url`, checks that it reads as one, and writes it to
/// `out` (through a temporary file beside it, so a failed refresh leaves the old file).
pub async fn refresh_bootstrap(
    client: &RdapClient,
    url: &str,
    out: &Path,
) -> Result<RefreshedBootstrap, RefreshError> {
    let body = client.download(url).await.map_err(RefreshError::Download)?;
    let bootstrap = Bootstrap::parse(&body).map_err(RefreshError::Invalid)?;
    let write_err = |source| RefreshError::Write {
        path: out.display().to_string(),
        source,
    };
    let mut tmp = out.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, body.as_bytes()).map_err(write_err)?;
    std::fs::rename(&tmp, out).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        write_err(e)
    })?;
    Ok(RefreshedBootstrap {
        tlds: bootstrap.len(),
        publication: bootstrap.publication,
        bytes: body.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_bootstrap_reads() {
        let b = Bootstrap::parse(BUNDLED_BOOTSTRAP).expect("bundled bootstrap parses");
        assert_eq!(
            b.base_for("google.com").map(Url::as_str),
            Some("https://rdap.verisign.com/com/v1/")
        );
        assert_eq!(
            b.base_for("EXAMPLE.NET.").map(Url::as_str),
            Some("https://rdap.verisign.com/net/v1/")
        );
        assert_eq!(
            b.base_for("wikipedia.org").map(Url::as_str),
            Some("https://rdap.publicinterestregistry.org/rdap/")
        );
        assert!(b.base_for("google.cn").is_none(), "CNNIC publishes no RDAP");
        assert_eq!(Bootstrap::bundled(), b);
    }

    #[test]
    fn bootstrap_files_are_read_strictly() {
        let b = Bootstrap::parse(
            r#"{"version":"1.0","publication":"2024-01-01T00:00:00Z","services":[
                [["a","B"],["http://x.example/rdap","https://x.example/rdap"]],
                [["c"],["not a url"]]]}"#,
        )
        .expect("parses");
        assert_eq!(
            b.base_for("n.b").map(Url::as_str),
            Some("https://x.example/rdap/")
        );
        assert!(b.base_for("n.c").is_none());
        assert_eq!(b.publication.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert!(matches!(
            Bootstrap::parse("[]"),
            Err(BootstrapError::Format(_))
        ));
        assert_eq!(
            Bootstrap::parse(r#"{"services":[]}"#),
            Err(BootstrapError::Empty)
        );
    }

    #[test]
    fn query_urls() {
        let base = Url::parse("https://rdap.verisign.com/com/v1").expect("url");
        assert_eq!(
            domain_url(&base, "google.com").map(String::from),
            Some("https://rdap.verisign.com/com/v1/domain/google.com".to_owned())
        );
        let base = Url::parse("http://127.0.0.1:8080/").expect("url");
        assert_eq!(
            domain_url(&base, "a.cn").map(String::from),
            Some("http://127.0.0.1:8080/domain/a.cn".to_owned())
        );
    }
}
