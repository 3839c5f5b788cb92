//! The flags that configure the live-check engine, shared by `check` and `sweep`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use beian_checks::live::{Cidr, ProviderNetwork};
use beian_engine::EngineConfig;
use beian_probe::{AddressPolicy, Bootstrap, DnsConfig, RegistrationConfig, ServerAddr};

/// 联网核查的设置.
#[derive(Debug, Clone, clap::Args)]
pub struct EngineArgs {
    /// 使用的 DNS 服务器 IP:端口（可重复）；不给出时使用系统解析器
    #[arg(long = "dns-server", value_name = "IP:PORT")]
    pub dns_servers: Vec<SocketAddr>,
    /// 允许访问内网、回环等地址（仅用于沙箱和测试）
    #[arg(long)]
    pub allow_private: bool,
    /// 本接入商的地址段（可重复），用于判断网站是否在本接入商处接入
    #[arg(long = "provider-range", value_name = "CIDR", value_parser = parse_cidr)]
    pub provider_ranges: Vec<Cidr>,
    /// 本接入商 CDN 的 CNAME 后缀（可重复）
    #[arg(long = "provider-cdn", value_name = "SUFFIX")]
    pub provider_cdn: Vec<String>,
    /// 连接超时（秒，1–600）
    #[arg(long, default_value_t = 5, value_parser = super::whole_number::<u64>(1, 600))]
    pub connect_timeout: u64,
    /// 抓取一个首页的总时限（秒，1–3600）
    #[arg(long, default_value_t = 20, value_parser = super::whole_number::<u64>(1, 3600))]
    pub deadline: u64,
    /// http 首页使用的端口（沙箱可用其他端口）
    #[arg(long, default_value_t = 80)]
    pub http_port: u16,
    /// https 首页使用的端口
    #[arg(long, default_value_t = 443)]
    pub https_port: u16,
    /// 额外信任的根证书（PEM 文件，可重复），例如沙箱的 CA
    #[arg(long = "ca-cert", value_name = "PEM")]
    pub ca_certs: Vec<PathBuf>,
    /// 对同一服务器地址同时进行的首页抓取上限（0–65536，0 表示不限）
    #[arg(long, default_value_t = 8, value_parser = super::whole_number::<usize>(0, 65_536))]
    pub per_ip: usize,
    /// 所有 WHOIS 查询都发往这台服务器（主机:端口），代替按顶级域选择的注册局服务器
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_whois_server)]
    pub whois_server: Option<ServerAddr>,
    /// RDAP 服务地址（基础网址，查询 {基础网址}domain/{域名}），用于 .cn 以外的全部域名
    #[arg(long, value_name = "URL", value_parser = parse_rdap_url)]
    pub rdap_url: Option<url::Url>,
    /// RDAP 引导文件（IANA dns.json 格式，可用 beian registration refresh-bootstrap 下载），代替内置的部分副本
    #[arg(long, value_name = "FILE")]
    pub rdap_bootstrap: Option<PathBuf>,
    /// 不查询 WHOIS/RDAP（域名到期核查项列为未执行）
    #[arg(long, conflicts_with_all = ["whois_server", "rdap_url", "rdap_bootstrap"])]
    pub no_registration: bool,
    /// 向同一台 WHOIS/RDAP 服务器两次查询之间至少间隔的毫秒数（0–600000）
    #[arg(long, value_name = "MS", default_value_t = 1000, value_parser = super::whole_number::<u64>(0, 600_000))]
    pub whois_interval_ms: u64,
    /// 外部核验接口的配置文件（TOML，示例见 examples/beian.toml）：工商登记、身份核验、运营商号码核验、注册商实名；未配置的接口对应的核查项列为未执行
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

fn parse_cidr(s: &str) -> Result<Cidr, String> {
    Cidr::parse(s).map_err(|e| e.to_string())
}

fn parse_whois_server(s: &str) -> Result<ServerAddr, String> {
    ServerAddr::parse(s).map_err(|e| e.to_string())
}

fn parse_rdap_url(s: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(s.trim()).map_err(|e| format!("“{s}”不是有效的网址：{e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("“{s}”不是 http 或 https 网址"));
    }
    Ok(url)
}

impl EngineArgs {
    /// The engine configuration these flags describe.
    pub fn config(&self) -> anyhow::Result<EngineConfig> {
        self.config_and_registry_connections()
            .map(|(config, _)| config)
    }

    /// The engine configuration, and the most connections the registries of `--config`
    /// may hold at once (0 without it), from one reading of the file.
    pub fn config_and_registry_connections(&self) -> anyhow::Result<(EngineConfig, usize)> {
        let mut extra_root_certs_pem = Vec::new();
        for path in &self.ca_certs {
            extra_root_certs_pem.push(
                std::fs::read(path)
                    .with_context(|| format!("无法读取根证书文件 {}", path.display()))?,
            );
        }
        let (registries, registry_connections) = self.registries()?;
        let config = EngineConfig {
            dns: DnsConfig {
                servers: self.dns_servers.clone(),
                ..DnsConfig::default()
            },
            policy: if self.allow_private {
                AddressPolicy::allow_private()
            } else {
                AddressPolicy::strict()
            },
            connect_timeout: Duration::from_secs(self.connect_timeout),
            fetch_deadline: Duration::from_secs(self.deadline),
            http_port: self.http_port,
            https_port: self.https_port,
            provider: ProviderNetwork {
                ranges: self.provider_ranges.clone(),
                cdn_suffixes: self.provider_cdn.clone(),
            },
            extra_root_certs_pem,
            per_ip_concurrency: self.per_ip,
            registration: self.registration()?,
            registries,
            ..EngineConfig::default()
        };
        Ok((config, registry_connections))
    }

    /// The outside registries named in `--config` (none without it) and the most
    /// connections they may hold at once. A bad file is refused with its path, line and
    /// key; keys are never shown.
    fn registries(&self) -> anyhow::Result<(beian_registry::Registries, usize)> {
        let Some(path) = &self.config else {
            return Ok((beian_registry::Registries::default(), 0));
        };
        let config = beian_registry::RegistryConfig::load(path).map_err(anyhow::Error::new)?;
        let registries = config.build().map_err(anyhow::Error::new)?;
        Ok((registries, config.connections_at_most()))
    }

    /// The registration source (WHOIS/RDAP) these flags describe, or `None` with
    /// `--no-registration`. The WHOIS and RDAP queries share `--connect-timeout` and
    /// `--deadline` with the homepage fetch.
    fn registration(&self) -> anyhow::Result<Option<RegistrationConfig>> {
        if self.no_registration {
            return Ok(None);
        }
        let bootstrap = match &self.rdap_bootstrap {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("无法读取 RDAP 引导文件 {}", path.display()))?;
                Bootstrap::parse(&text)
                    .map_err(|e| anyhow::anyhow!("RDAP 引导文件 {} 有误：{e}", path.display()))?
            }
            None => Bootstrap::bundled(),
        };
        Ok(Some(RegistrationConfig {
            whois_server: self.whois_server.clone(),
            rdap_url: self.rdap_url.clone(),
            bootstrap,
            min_interval: Duration::from_millis(self.whois_interval_ms),
            connect_timeout: Duration::from_secs(self.connect_timeout),
            deadline: Duration::from_secs(self.deadline),
            ..RegistrationConfig::default()
        }))
    }
}
