//! 核验接口配置 — the TOML file where a provider names its registries.
//!
//! One table per registry, each optional: `[business_registry]`, `[identity]`, `[phone]`,
//! `[domain_real_name]`. A table names an HTTP `endpoint` (the business registry may name
//! an offline `snapshot` file instead) and may set the API key (`api_key`, or better
//! `api_key_env`, the environment variable holding it), its header, timeouts, retries,
//! backoff, the breaker, the cache and the rate limit. `examples/beian.toml` shows every
//! key with its default.
//!
//! An unknown key or a bad value refuses the file with its path, line and key: a typo in a
//! timeout must not silently become the default. Keys are never printed.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use toml::Spanned;
use url::Url;

use crate::http::{ApiKey, EndpointConfig};
use crate::{
    HttpBusinessRegistry, HttpIdentityVerifier, HttpPhoneVerifier, HttpRealNameRegistrar,
    Registries, SnapshotRegistry,
};

/// The file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("配置文件 {path}{}{}：{message}", line.map(|l| format!(" 第 {l} 行")).unwrap_or_default(), key.as_ref().map(|k| format!(" 键 {k}")).unwrap_or_default())]
pub struct ConfigError {
    /// The file.
    pub path: String,
    /// The line, when known.
    pub line: Option<usize>,
    /// The key, when known.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// The whole file.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RegistryConfig {
    /// 工商登记.
    #[serde(default)]
    pub business_registry: Option<Spanned<Section>>,
    /// 身份核验.
    #[serde(default)]
    pub identity: Option<Spanned<Section>>,
    /// 号码核验.
    #[serde(default)]
    pub phone: Option<Spanned<Section>>,
    /// 注册商实名信息.
    #[serde(default)]
    pub domain_real_name: Option<Spanned<Section>>,
    #[serde(skip)]
    path: String,
    #[serde(skip)]
    text: FileText,
}

/// The file's text, kept for line numbers; not shown by `Debug` (it holds the keys).
#[derive(Clone, Default)]
struct FileText(String);

impl std::fmt::Debug for FileText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FileText({} bytes)", self.0.len())
    }
}

/// One registry's table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// The HTTP endpoint (base URL).
    #[serde(default, deserialize_with = "endpoint")]
    pub endpoint: Option<Url>,
    /// A vendor export to answer from (business registry only).
    #[serde(default)]
    pub snapshot: Option<PathBuf>,
    /// The API key, written in the file (shown as `***`).
    #[serde(default)]
    pub api_key: Option<ApiKey>,
    /// The environment variable holding the API key.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// The header the key goes in (default `X-Api-Key`).
    #[serde(default)]
    pub api_key_header: Option<String>,
    /// Extra trusted root certificate (PEM) for an https endpoint.
    #[serde(default)]
    pub ca_cert: Option<PathBuf>,
    /// Per-attempt timeout, ms.
    #[serde(default, deserialize_with = "within::<_, u64, 1, MAX_WAIT_MS>")]
    pub timeout_ms: Option<u64>,
    /// Connect timeout, ms.
    #[serde(default, deserialize_with = "within::<_, u64, 1, MAX_WAIT_MS>")]
    pub connect_timeout_ms: Option<u64>,
    /// Retries after the first attempt (at most 10).
    #[serde(default, deserialize_with = "retries")]
    pub retries: Option<u32>,
    /// First backoff, ms.
    #[serde(default, deserialize_with = "within::<_, u64, 0, MAX_WAIT_MS>")]
    pub backoff_ms: Option<u64>,
    /// Longest backoff, ms.
    #[serde(default, deserialize_with = "within::<_, u64, 0, MAX_WAIT_MS>")]
    pub backoff_max_ms: Option<u64>,
    /// Longest `Retry-After` honoured, s.
    #[serde(default, deserialize_with = "within::<_, u64, 0, MAX_PAUSE_S>")]
    pub retry_after_max_s: Option<u64>,
    /// Failures in a row that open the breaker (0: never).
    #[serde(default)]
    pub breaker_failures: Option<u32>,
    /// How long the breaker stays open, s.
    #[serde(default, deserialize_with = "within::<_, u64, 0, MAX_PAUSE_S>")]
    pub breaker_cooldown_s: Option<u64>,
    /// Cache time to live, s (0: no cache).
    #[serde(default, deserialize_with = "within::<_, u64, 0, MAX_CACHE_TTL_S>")]
    pub cache_ttl_s: Option<u64>,
    /// Cache capacity, answers.
    #[serde(
        default,
        deserialize_with = "within::<_, usize, 1, MAX_CACHE_CAPACITY>"
    )]
    pub cache_capacity: Option<usize>,
    /// Requests per second (0: no limit).
    #[serde(default, deserialize_with = "rate")]
    pub rate_per_second: Option<f64>,
    /// Burst size.
    #[serde(default)]
    pub burst: Option<u32>,
    /// Requests at once, at most (1 to [`MAX_IN_FLIGHT`]).
    #[serde(default, deserialize_with = "within::<_, usize, 1, MAX_IN_FLIGHT>")]
    pub max_in_flight: Option<usize>,
}

fn endpoint<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Url>, D::Error> {
    let text = String::deserialize(d)?;
    let url = Url::parse(text.trim())
        .map_err(|e| serde::de::Error::custom(format!("“{text}”不是有效的网址：{e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(serde::de::Error::custom(format!(
            "“{text}”不是 http 或 https 网址"
        )));
    }
    // Paths are joined to it: make sure it ends in a slash.
    let mut url = url;
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(Some(url))
}

/// The most requests at once a configuration may allow one registry: far above what any
/// registry accepts, and far below what would exhaust the machine's sockets.
pub const MAX_IN_FLIGHT: u64 = 10_000;
/// The longest timeout or backoff, ms: ten minutes.
const MAX_WAIT_MS: u64 = 600_000;
/// The longest breaker pause or honoured `Retry-After`, s: a day.
const MAX_PAUSE_S: u64 = 86_400;
/// The longest time an answer is cached, s: a year.
const MAX_CACHE_TTL_S: u64 = 365 * 86_400;
/// The most answers cached per registry.
const MAX_CACHE_CAPACITY: u64 = 10_000_000;
/// The highest rate limit, requests a second; a positive rate below the lowest would make
/// a request wait for days.
const MAX_RATE: f64 = 1_000_000.0;
const MIN_RATE: f64 = 0.001;

/// A whole number from `MIN` to `MAX`. Every number of the file has bounds: a duration or
/// count far beyond any sane use would otherwise overflow a clock or a semaphore deep
/// inside the client, which panics instead of naming the key.
fn within<'de, D, T, const MIN: u64, const MAX: u64>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    let value = u64::deserialize(d)?;
    if !(MIN..=MAX).contains(&value) {
        return Err(serde::de::Error::custom(format!(
            "{value} 不在 {MIN} 到 {MAX} 之间"
        )));
    }
    T::try_from(value)
        .map(Some)
        .map_err(|_| serde::de::Error::custom(format!("{value} 太大")))
}

fn retries<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let value = u32::deserialize(d)?;
    if value > 10 {
        return Err(serde::de::Error::custom(format!(
            "{value} 次太多，最多 10 次"
        )));
    }
    Ok(Some(value))
}

fn rate<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let value = f64::deserialize(d)?;
    if value != 0.0 && !(MIN_RATE..=MAX_RATE).contains(&value) {
        return Err(serde::de::Error::custom(format!(
            "{value} 不是 0（不限），也不在 {MIN_RATE} 到 {MAX_RATE} 之间"
        )));
    }
    Ok(Some(value))
}

/// The line of byte `offset` in `text`, 1-based.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(0, |t| t.matches('\n').count()) + 1
}

/// The key written on the line of `span`: the text before `=`, or the table header.
fn key_at(text: &str, span: &Range<usize>) -> Option<String> {
    let start = text.get(..span.start)?.rfind('\n').map_or(0, |i| i + 1);
    let end = text
        .get(start..)?
        .find('\n')
        .map_or(text.len(), |i| start + i);
    let line = text.get(start..end)?.trim();
    match line.split_once('=') {
        Some((key, _)) => Some(key.trim().to_owned()),
        None if line.starts_with('[') => Some(line.trim_matches(['[', ']', ' ']).to_owned()),
        None => None,
    }
}

impl RegistryConfig {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<RegistryConfig, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: shown.clone(),
            line: None,
            key: None,
            message: format!("无法读取：{e}"),
        })?;
        let mut config = RegistryConfig::parse(&text, &shown)?;
        // Relative files are relative to the configuration file.
        let base = path.parent().unwrap_or(Path::new(""));
        for section in config.sections_mut() {
            let section = section.get_mut();
            if let Some(snapshot) = &mut section.snapshot
                && snapshot.is_relative()
            {
                *snapshot = base.join(&*snapshot);
            }
            if let Some(ca) = &mut section.ca_cert
                && ca.is_relative()
            {
                *ca = base.join(&*ca);
            }
        }
        Ok(config)
    }

    /// Reads and checks `text`, naming `path` in errors.
    pub fn parse(text: &str, path: &str) -> Result<RegistryConfig, ConfigError> {
        let mut config: RegistryConfig = toml::from_str(text).map_err(|e| {
            let span = e.span();
            ConfigError {
                path: path.to_owned(),
                line: span.as_ref().map(|s| line_of(text, s.start)),
                key: span.as_ref().and_then(|s| key_at(text, s)),
                message: e.message().trim().to_owned(),
            }
        })?;
        config.path = path.to_owned();
        config.text = FileText(text.to_owned());
        for (name, section) in config.named_sections() {
            let s = section.get_ref();
            let err = |message: &str| ConfigError {
                path: path.to_owned(),
                line: Some(line_of(text, section.span().start)),
                key: Some(name.to_owned()),
                message: message.to_owned(),
            };
            match (&s.endpoint, &s.snapshot) {
                (None, None) => {
                    return Err(err(if name == "business_registry" {
                        "需要 endpoint（HTTP 接口）或 snapshot（离线快照文件）之一"
                    } else {
                        "需要 endpoint（HTTP 接口）"
                    }));
                }
                (Some(_), Some(_)) => {
                    return Err(err("endpoint 和 snapshot 只能二选一"));
                }
                (None, Some(_)) if name != "business_registry" => {
                    return Err(err("只有 business_registry 支持 snapshot"));
                }
                _ => {}
            }
            if s.api_key.is_some() && s.api_key_env.is_some() {
                return Err(err("api_key 和 api_key_env 只能二选一"));
            }
        }
        Ok(config)
    }

    /// The most connections the HTTP registries of this file may hold at once: the sum of
    /// their `max_in_flight`. An offline snapshot holds none.
    pub fn connections_at_most(&self) -> usize {
        self.named_sections()
            .iter()
            .filter(|(_, s)| s.get_ref().endpoint.is_some())
            .map(|(_, s)| {
                s.get_ref()
                    .max_in_flight
                    .unwrap_or(crate::http::DEFAULT_MAX_IN_FLIGHT)
            })
            .sum()
    }

    fn named_sections(&self) -> Vec<(&'static str, &Spanned<Section>)> {
        [
            ("business_registry", &self.business_registry),
            ("identity", &self.identity),
            ("phone", &self.phone),
            ("domain_real_name", &self.domain_real_name),
        ]
        .into_iter()
        .filter_map(|(name, s)| s.as_ref().map(|s| (name, s)))
        .collect()
    }

    fn sections_mut(&mut self) -> impl Iterator<Item = &mut Spanned<Section>> {
        [
            &mut self.business_registry,
            &mut self.identity,
            &mut self.phone,
            &mut self.domain_real_name,
        ]
        .into_iter()
        .flatten()
    }

    /// The endpoint settings of one section, with its key read from the file or the
    /// environment.
    fn endpoint_config(
        &self,
        name: &str,
        section: &Spanned<Section>,
    ) -> Result<EndpointConfig, ConfigError> {
        let s = section.get_ref();
        let err = |message: String| ConfigError {
            path: self.path.clone(),
            line: Some(line_of(&self.text.0, section.span().start)),
            key: Some(name.to_owned()),
            message,
        };
        let Some(endpoint) = s.endpoint.clone() else {
            return Err(err("缺少 endpoint".to_owned()));
        };
        let mut config = EndpointConfig::new(endpoint);
        config.api_key = match (&s.api_key, &s.api_key_env) {
            (Some(key), _) => Some(key.clone()),
            (None, Some(var)) => {
                Some(ApiKey::new(std::env::var(var).map_err(|_| {
                    err(format!("api_key_env 指定的环境变量 {var} 没有设置"))
                })?))
            }
            (None, None) => None,
        };
        if let Some(header) = &s.api_key_header {
            config.api_key_header = header.clone();
        }
        if let Some(ca) = &s.ca_cert {
            config.extra_root_certs_pem.push(
                std::fs::read(ca)
                    .map_err(|e| err(format!("无法读取根证书 {}：{e}", ca.display())))?,
            );
        }
        let ms = Duration::from_millis;
        let secs = Duration::from_secs;
        if let Some(v) = s.timeout_ms {
            config.timeout = ms(v);
        }
        if let Some(v) = s.connect_timeout_ms {
            config.connect_timeout = ms(v);
        }
        if let Some(v) = s.retries {
            config.retries = v;
        }
        if let Some(v) = s.backoff_ms {
            config.backoff = ms(v);
        }
        if let Some(v) = s.backoff_max_ms {
            config.backoff_max = ms(v);
        }
        if let Some(v) = s.retry_after_max_s {
            config.retry_after_max = secs(v);
        }
        if let Some(v) = s.breaker_failures {
            config.breaker_failures = v;
        }
        if let Some(v) = s.breaker_cooldown_s {
            config.breaker_cooldown = secs(v);
        }
        if let Some(v) = s.cache_ttl_s {
            config.cache_ttl = secs(v);
        }
        if let Some(v) = s.cache_capacity {
            config.cache_capacity = v;
        }
        if let Some(v) = s.rate_per_second {
            config.rate_per_second = v;
        }
        if let Some(v) = s.burst {
            config.burst = v;
        }
        if let Some(v) = s.max_in_flight {
            config.max_in_flight = v;
        }
        Ok(config)
    }

    /// Builds every configured adapter.
    pub fn build(&self) -> Result<Registries, ConfigError> {
        let setup = |name: &str, section: &Spanned<Section>, e: String| ConfigError {
            path: self.path.clone(),
            line: Some(line_of(&self.text.0, section.span().start)),
            key: Some(name.to_owned()),
            message: e,
        };
        let mut registries = Registries::default();
        if let Some(section) = &self.business_registry {
            let name = "business_registry";
            registries.business = Some(match &section.get_ref().snapshot {
                Some(path) => Arc::new(
                    SnapshotRegistry::load(path)
                        .map_err(|e| setup(name, section, e.to_string()))?,
                ),
                None => Arc::new(
                    HttpBusinessRegistry::new(self.endpoint_config(name, section)?)
                        .map_err(|e| setup(name, section, e.to_string()))?,
                ),
            });
        }
        if let Some(section) = &self.identity {
            let name = "identity";
            registries.identity = Some(Arc::new(
                HttpIdentityVerifier::new(self.endpoint_config(name, section)?)
                    .map_err(|e| setup(name, section, e.to_string()))?,
            ));
        }
        if let Some(section) = &self.phone {
            let name = "phone";
            registries.phone = Some(Arc::new(
                HttpPhoneVerifier::new(self.endpoint_config(name, section)?)
                    .map_err(|e| setup(name, section, e.to_string()))?,
            ));
        }
        if let Some(section) = &self.domain_real_name {
            let name = "domain_real_name";
            registries.real_name = Some(Arc::new(
                HttpRealNameRegistrar::new(self.endpoint_config(name, section)?)
                    .map_err(|e| setup(name, section, e.to_string()))?,
            ));
        }
        Ok(registries)
    }
}

#[cfg(test)]
mod tests {
    use beian_checks::registry_evidence::RegistryKind;

    use super::*;

    const GOOD: &str = r#"
# 工商登记走 HTTP，其余接口同理
[business_registry]
endpoint = "http://127.0.0.1:18001"
api_key = "sk-business-secret"
timeout_ms = 1500
retries = 3
rate_per_second = 50

[phone]
endpoint = "https://carrier.example.com/api/"
api_key_header = "Authorization"
api_key = "Bearer sk-phone-secret"
"#;

    #[test]
    fn a_good_file_builds_the_adapters_it_names() {
        let config = RegistryConfig::parse(GOOD, "beian.toml").expect("config");
        let business = config
            .business_registry
            .as_ref()
            .expect("business")
            .get_ref();
        assert_eq!(
            business.endpoint.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:18001/")
        );
        let registries = config.build().expect("adapters");
        assert_eq!(
            registries.configured(),
            [RegistryKind::BusinessRegistry, RegistryKind::Phone]
        );
        // Two HTTP registries at the default of 64 requests at once.
        assert_eq!(config.connections_at_most(), 128);
        let more = GOOD.replace("retries = 3", "retries = 3\nmax_in_flight = 200");
        let config = RegistryConfig::parse(&more, "beian.toml").expect("config");
        assert_eq!(config.connections_at_most(), 264);
        let shown = format!("{config:?} {registries:?}");
        assert!(!shown.contains("sk-business-secret"), "{shown}");
        assert!(!shown.contains("sk-phone-secret"), "{shown}");
    }

    #[test]
    fn mistakes_name_the_file_line_and_key() {
        let cases = [
            (
                "[identity]\nendpoint = \"http://a/\"\ntimout_ms = 5\n",
                3,
                "timout_ms",
            ),
            (
                "[identity]\nendpoint = \"http://a/\"\ntimeout_ms = 0\n",
                3,
                "timeout_ms",
            ),
            (
                "[identity]\nendpoint = \"http://a/\"\ntimeout_ms = \"fast\"\n",
                3,
                "timeout_ms",
            ),
            ("[identity]\nendpoint = \"ftp://a/\"\n", 2, "endpoint"),
            (
                "[identity]\nendpoint = \"http://a/\"\nretries = 99\n",
                3,
                "retries",
            ),
            (
                "[identity]\nendpoint = \"http://a/\"\nrate_per_second = -1.0\n",
                3,
                "rate_per_second",
            ),
            (
                "[identity]\nendpoint = \"http://a/\"\nmax_in_flight = 0\n",
                3,
                "max_in_flight",
            ),
            (
                "[identity]\nendpoint = \"http://a/\"\nmax_in_flight = 9223372036854775807\n",
                3,
                "max_in_flight",
            ),
            (
                "[identity]\nendpoint = \"http://a/\"\ncache_ttl_s = 18446744073709551615\n",
                3,
                "cache_ttl_s",
            ),
            (
                "[identity]\nendpoint = \"http://a/\"\nbreaker_cooldown_s = 18446744073709551615\n",
                3,
                "breaker_cooldown_s",
            ),
            (
                "[identity]\nendpoint = \"http://a/\"\ntimeout_ms = 600001\n",
                3,
                "timeout_ms",
            ),
            (
                "[identity]\nendpoint = \"http://a/\"\nbackoff_max_ms = 18446744073709551615\n",
                3,
                "backoff_max_ms",
            ),
            (
                "[identity]\nendpoint = \"http://a/\"\nretry_after_max_s = 86401\n",
                3,
                "retry_after_max_s",
            ),
            (
                "[identity]\nendpoint = \"http://a/\"\ncache_capacity = 18446744073709551615\n",
                3,
                "cache_capacity",
            ),
            (
                "[identity]\nendpoint = \"http://a/\"\nrate_per_second = 1e-300\n",
                3,
                "rate_per_second",
            ),
            (
                "[identity]\nendpoint = \"http://a/\"\nrate_per_second = nan\n",
                3,
                "rate_per_second",
            ),
            ("\n[identity]\napi_key = \"x\"\n", 2, "identity"),
            ("[phone]\nsnapshot = \"x.csv\"\n", 1, "phone"),
            ("[carrier]\nendpoint = \"http://a/\"\n", 1, "carrier"),
            (
                "[business_registry]\nendpoint = \"http://a/\"\nsnapshot = \"x.csv\"\n",
                1,
                "business_registry",
            ),
        ];
        for (text, line, key) in cases {
            let err = RegistryConfig::parse(text, "beian.toml").expect_err(text);
            assert_eq!(err.line, Some(line), "{text}: {err}");
            assert_eq!(err.key.as_deref(), Some(key), "{text}: {err}");
            let shown = err.to_string();
            assert!(
                shown.contains("beian.toml") && shown.contains(key),
                "{shown}"
            );
        }
    }

    #[test]
    fn the_shipped_example_reads() {
        let text = include_str!("../../../examples/beian.toml");
        let config = RegistryConfig::parse(text, "examples/beian.toml").expect("example");
        assert!(config.business_registry.is_some() && config.domain_real_name.is_some());
    }

    #[test]
    fn a_missing_key_variable_is_named() {
        let text =
            "[identity]\nendpoint = \"http://a/\"\napi_key_env = \"BEIAN_TEST_NO_SUCH_VARIABLE\"\n";
        let config = RegistryConfig::parse(text, "beian.toml").expect("parses");
        let err = config.build().expect_err("no variable");
        assert!(err.message.contains("BEIAN_TEST_NO_SUCH_VARIABLE"), "{err}");
    }
}
