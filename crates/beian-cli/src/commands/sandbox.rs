//! `beian sandbox`: a simulated internet on loopback.
//!
//! Generates the world (filings with known faults, their homepages, DNS, WHOIS and RDAP
//! data, the four outside registries, and with `--black-hole-percent` sites on addresses
//! where a connect hangs), writes `filings.jsonl`, `truth.jsonl`, `ca.pem`, `beian.toml`
//! (the registries, for `--config`) and `flags.txt` into `--out`, prints the flags that
//! point `check` and `sweep` at it, and serves until Ctrl-C (or for `--for-seconds`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use beian_sandbox::{Sandbox, ServeConfig, World, WorldConfig, default_check_date};
use chrono::NaiveDate;
use clap::CommandFactory;

use crate::Outcome;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 生成的网站数量（1–1000000）
    #[arg(long, default_value_t = 1000, value_parser = super::whole_number::<usize>(1, 1_000_000))]
    sites: usize,
    /// 随机种子：同一种子生成完全相同的数据
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// 每个 HTTP、WHOIS 和 RDAP 请求在应答前的延迟（毫秒，0–600000），使批量核查像真实网络一样以等待为主
    #[arg(long, value_name = "MS", default_value_t = 0, value_parser = super::whole_number::<u64>(0, 600_000))]
    latency: u64,
    /// 输出目录：filings.jsonl、truth.jsonl、ca.pem、flags.txt
    #[arg(long, value_name = "DIR", default_value = "sandbox")]
    out: PathBuf,
    /// DNS 端口（UDP 和 TCP，127.0.0.1）；0 表示自动选择空闲端口
    #[arg(long, value_name = "P", default_value_t = 0)]
    dns_port: u16,
    /// HTTP 端口（所有沙箱地址）；0 表示自动选择
    #[arg(long, value_name = "P", default_value_t = 0)]
    http_port: u16,
    /// HTTPS 端口（所有沙箱地址）；0 表示自动选择
    #[arg(long, value_name = "P", default_value_t = 0)]
    https_port: u16,
    /// WHOIS 端口（127.0.0.1）；0 表示自动选择
    #[arg(long, value_name = "P", default_value_t = 0)]
    whois_port: u16,
    /// RDAP 端口（HTTP，127.0.0.1，回答 .com 域名）；0 表示自动选择
    #[arg(long, value_name = "P", default_value_t = 0)]
    rdap_port: u16,
    /// 放在“黑洞”地址上的网站百分比（0–100）：连接既不被接受也不被拒绝，一直等到客户端的连接超时
    #[arg(long, value_name = "P", default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
    black_hole_percent: u8,
    /// 核查日期（YYYY-MM-DD）：域名和证件的到期日以它为准，默认 2026-11-29
    #[arg(long, value_parser = super::lint::parse_date)]
    date: Option<NaiveDate>,
    /// 前几个网站和备案各带一种问题，保证每种问题至少出现一次（用于演示和小规模测试）
    #[arg(long)]
    showcase: bool,
    /// 运行指定秒数后退出（用于脚本）；默认一直运行到 Ctrl-C
    #[arg(long, value_name = "S")]
    for_seconds: Option<u64>,
}

/// Whether `beian check` has the long flag `name` (the WHOIS flags came later).
fn check_has_flag(name: &str) -> bool {
    let cli = crate::Cli::command();
    cli.find_subcommand("check").is_some_and(|check| {
        check
            .get_arguments()
            .any(|arg| arg.get_long() == Some(name))
    })
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let config = WorldConfig {
        sites: args.sites,
        seed: args.seed,
        check_date: args.date.unwrap_or_else(default_check_date),
        showcase: args.showcase,
        black_hole_percent: args.black_hole_percent,
    };
    let world = World::generate(&config);
    let serve = ServeConfig {
        latency: Duration::from_millis(args.latency),
        dns_port: args.dns_port,
        http_port: args.http_port,
        https_port: args.https_port,
        whois_port: args.whois_port,
        rdap_port: args.rdap_port,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")?;
    runtime.block_on(serve_until_stopped(world, serve, args))?;
    Ok(Outcome::Clean)
}

async fn serve_until_stopped(world: World, serve: ServeConfig, args: &Args) -> anyhow::Result<()> {
    let sandbox = Sandbox::start(world, &serve).await?;
    let out = &args.out;
    sandbox
        .write_files(out)
        .with_context(|| format!("无法写入沙箱目录 {}", out.display()))?;
    let ca_path = out.join("ca.pem");
    let with_whois = check_has_flag("whois-server");
    let with_rdap = check_has_flag("rdap-url");
    let mut flags = sandbox.flags(Some(&ca_path), with_whois, with_rdap);
    let config_path = out.join("beian.toml");
    if check_has_flag("config") {
        flags.extend(["--config".to_owned(), config_path.display().to_string()]);
    }
    let flags = flags.join(" ");
    std::fs::write(out.join("flags.txt"), format!("{flags}\n"))
        .with_context(|| format!("无法写入 {}", out.join("flags.txt").display()))?;

    let world = sandbox.world();
    let ips = beian_sandbox::world::listening_ips();
    let first = ips.first().map(ToString::to_string).unwrap_or_default();
    let last = ips.last().map(ToString::to_string).unwrap_or_default();
    println!(
        "沙箱已启动：{} 个网站，{} 份备案（种子 {}，核查日期 {}）",
        world.sites.len(),
        world.filings.len(),
        world.config.seed,
        world.config.check_date.format("%Y-%m-%d")
    );
    println!(
        "  DNS    {}（UDP 和 TCP，{} 个 UDP 套接字，每个接收缓冲 {} KiB）",
        sandbox.dns_addr(),
        beian_sandbox::dns::UDP_SOCKETS,
        sandbox.dns_recv_buffer() / 1024
    );
    println!(
        "  HTTP   {} 个地址（{first} 至 {last}）端口 {}",
        ips.len(),
        sandbox.http_port()
    );
    println!(
        "  HTTPS  同上，端口 {}，证书由沙箱 CA 签发：{}",
        sandbox.https_port(),
        ca_path.display()
    );
    println!("  WHOIS  {}", sandbox.whois_addr());
    println!("  RDAP   {}（.com 域名）", sandbox.rdap_url());
    {
        use beian_checks::registry_evidence::RegistryKind;
        let servers = sandbox.registries();
        println!("  核验接口（配置见 {}）：", config_path.display());
        for kind in RegistryKind::ALL {
            println!(
                "    {:<18} {}  {}",
                kind.name(),
                servers.url(kind),
                kind.label()
            );
        }
    }
    if sandbox.black_hole_listeners() > 0 {
        let holes = beian_sandbox::world::black_hole_ips();
        println!(
            "  黑洞   {} 个监听（{} 至 {} 中用到的地址，HTTP 和 HTTPS 端口）：连接无应答",
            sandbox.black_hole_listeners(),
            holes.first().map(ToString::to_string).unwrap_or_default(),
            holes.last().map(ToString::to_string).unwrap_or_default(),
        );
    }
    println!(
        "已写出 {}：filings.jsonl（备案）、truth.jsonl（每份备案应得的核查结果）、ca.pem、beian.toml（核验接口配置）、flags.txt",
        out.display()
    );
    println!("注入的问题（个数，占网站或备案的比例）：");
    for (fault, count) in world.fault_counts() {
        if count == 0 {
            continue;
        }
        let per_filing = beian_sandbox::FILING_FAULTS
            .iter()
            .chain(beian_sandbox::registry::REGISTRY_FAULTS)
            .any(|(f, _)| *f == fault);
        let base = if per_filing {
            world.filings.len()
        } else {
            world.sites.len()
        };
        println!(
            "  {:<28} {count:>6}  {:>5.1}%  {}",
            fault.name(),
            count as f64 * 100.0 / base.max(1) as f64,
            fault.label()
        );
    }
    if !with_whois {
        println!(
            "（本版本的 beian check 还没有 --whois-server，WHOIS 服务器 {} 可单独使用）",
            sandbox.whois_addr()
        );
    }
    println!("核查参数（已写入 {}）：", out.join("flags.txt").display());
    println!("  {flags}");
    println!("例如：");
    println!(
        "  beian sweep --filings {} --out results.jsonl $(cat {})",
        out.join("filings.jsonl").display(),
        out.join("flags.txt").display()
    );
    match args.for_seconds {
        Some(seconds) => println!("{seconds} 秒后停止。"),
        None => println!("按 Ctrl-C 停止。"),
    }

    match args.for_seconds {
        Some(seconds) => tokio::time::sleep(Duration::from_secs(seconds)).await,
        None => {
            beian_sandbox::ctrl_c()
                .await
                .context("无法等待 Ctrl-C 信号")?;
        }
    }
    sandbox.shutdown().await;
    Ok(())
}
