//! The flags that configure the live-check engine, shared by `check` and `sweep`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use beian_checks::live::{Cidr, ProviderNetwork};
use beian_engine::EngineConfig;
use beian_probe::{AddressPolicy, DnsConfig};

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
    /// 连接超时（秒）
    #[arg(long, default_value_t = 5)]
    pub connect_timeout: u64,
    /// 抓取一个首页的总时限（秒）
    #[arg(long, default_value_t = 20)]
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
}

fn parse_cidr(s: &str) -> Result<Cidr, String> {
    Cidr::parse(s).map_err(|e| e.to_string())
}

impl EngineArgs {
    /// The engine configuration these flags describe.
    pub fn config(&self) -> anyhow::Result<EngineConfig> {
        let mut extra_root_certs_pem = Vec::new();
        for path in &self.ca_certs {
            extra_root_certs_pem.push(
                std::fs::read(path)
                    .with_context(|| format!("无法读取根证书文件 {}", path.display()))?,
            );
        }
        Ok(EngineConfig {
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
            ..EngineConfig::default()
        })
    }
}
