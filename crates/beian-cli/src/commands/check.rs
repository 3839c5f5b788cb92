//! `beian check FILING.json`: every check the configured sources allow, live.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use beian_checks::live::{Cidr, ProviderNetwork};
use beian_domain::finding::any_failed;
use beian_engine::{Engine, EngineConfig};
use beian_probe::{AddressPolicy, DnsConfig};
use chrono::NaiveDate;
use serde_json::json;

use crate::output::{Format, Painter, print_findings, print_json};
use crate::{FormatArg, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 备案数据文件（JSON，可带 // 注释）
    filing: PathBuf,
    /// 使用的 DNS 服务器 IP:端口（可重复）；不给出时使用系统解析器
    #[arg(long = "dns-server", value_name = "IP:PORT")]
    dns_servers: Vec<SocketAddr>,
    /// 允许访问内网、回环等地址（仅用于沙箱和测试）
    #[arg(long)]
    allow_private: bool,
    /// 本接入商的地址段（可重复），用于判断网站是否在本接入商处接入
    #[arg(long = "provider-range", value_name = "CIDR", value_parser = parse_cidr)]
    provider_ranges: Vec<Cidr>,
    /// 本接入商 CDN 的 CNAME 后缀（可重复）
    #[arg(long = "provider-cdn", value_name = "SUFFIX")]
    provider_cdn: Vec<String>,
    /// 连接超时（秒）
    #[arg(long, default_value_t = 5)]
    connect_timeout: u64,
    /// 抓取一个首页的总时限（秒）
    #[arg(long, default_value_t = 20)]
    deadline: u64,
    /// http 首页使用的端口（沙箱可用其他端口）
    #[arg(long, default_value_t = 80)]
    http_port: u16,
    /// https 首页使用的端口
    #[arg(long, default_value_t = 443)]
    https_port: u16,
    /// 额外信任的根证书（PEM 文件，可重复），例如沙箱的 CA
    #[arg(long = "ca-cert", value_name = "PEM")]
    ca_certs: Vec<PathBuf>,
    /// 核查日期（YYYY-MM-DD），默认今天（北京时间）
    #[arg(long, value_parser = super::lint::parse_date)]
    date: Option<NaiveDate>,
    #[command(flatten)]
    format: FormatArg,
}

fn parse_cidr(s: &str) -> Result<Cidr, String> {
    Cidr::parse(s).map_err(|e| e.to_string())
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let filing = super::read_filing(&args.filing)?;
    let today = args.date.unwrap_or_else(super::today_in_china);
    let mut extra_root_certs_pem = Vec::new();
    for path in &args.ca_certs {
        extra_root_certs_pem.push(
            std::fs::read(path)
                .with_context(|| format!("无法读取根证书文件 {}", path.display()))?,
        );
    }
    let config = EngineConfig {
        dns: DnsConfig {
            servers: args.dns_servers.clone(),
            ..DnsConfig::default()
        },
        policy: if args.allow_private {
            AddressPolicy::allow_private()
        } else {
            AddressPolicy::strict()
        },
        connect_timeout: Duration::from_secs(args.connect_timeout),
        fetch_deadline: Duration::from_secs(args.deadline),
        http_port: args.http_port,
        https_port: args.https_port,
        provider: ProviderNetwork {
            ranges: args.provider_ranges.clone(),
            cdn_suffixes: args.provider_cdn.clone(),
        },
        extra_root_certs_pem,
        ..EngineConfig::default()
    };
    let engine = Engine::new(config).context("无法启动核查引擎")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")?;
    let report = runtime.block_on(engine.check(&filing, today));

    match args.format.format {
        Format::Json => print_json(&json!({
            "file": args.filing.display().to_string(),
            "date": today.format("%Y-%m-%d").to_string(),
            "entity": filing.entity.name,
            "findings": report.findings,
            "skipped": report.skipped.iter().map(|(id, reason)| json!({
                "check": id.as_str(),
                "title": id.def().title,
                "reason": reason,
            })).collect::<Vec<_>>(),
        }))?,
        Format::Text => {
            let paint = Painter::stdout();
            println!(
                "{}  {}（{}，{} 个网站）  核查日期 {}\n",
                paint.bold("备案核查"),
                filing.entity.name,
                filing.entity.kind,
                filing.websites.len(),
                today.format("%Y-%m-%d")
            );
            print_findings(&report.findings, paint, None);
            if !report.skipped.is_empty() {
                println!("\n{}", paint.bold("未执行的核查项"));
                for (id, reason) in &report.skipped {
                    println!(
                        "  - {}  {}：{reason}",
                        paint.dim(id.as_str()),
                        id.def().title
                    );
                }
            }
        }
    }
    Ok(if any_failed(&report.findings) {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}
