//! `beian registration parse (--whois FILE | --rdap FILE)`: a saved WHOIS or RDAP reply,
//! read offline into the registration model the domain checks use.
//!
//! `beian registration refresh-bootstrap [--url URL] [--out FILE]`: downloads IANA's RDAP
//! bootstrap (which RDAP server answers for which TLD) into a file that `beian check
//! --rdap-bootstrap FILE` then uses instead of the partial copy built into the binary.
//!
//! Useful on its own to see what a registry says, and to check the parser on a reply
//! that a live check could not read. Any reply that parses exits 0, whatever it says
//! (registered, unregistered, reserved): judging it is the checks' job.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use beian_registration::{Outcome as RegOutcome, ParseError, Registration};
use chrono::{DateTime, FixedOffset, Utc};

use crate::output::{Format, Painter, print_json};
use crate::{FormatArg, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// 解析保存下来的 WHOIS 或 RDAP 回复：注册商、持有人、注册与到期时间、状态
    Parse(ParseArgs),
    /// 下载 IANA 的 RDAP 引导文件（各顶级域的 RDAP 服务地址），供 beian check --rdap-bootstrap 使用
    RefreshBootstrap(RefreshArgs),
}

#[derive(Debug, clap::Args)]
struct RefreshArgs {
    /// 引导文件的下载地址
    #[arg(long, value_name = "URL", default_value = beian_probe::rdap::IANA_BOOTSTRAP_URL)]
    url: String,
    /// 保存到的文件（先写临时文件再替换，下载失败时保留原文件）
    #[arg(long, value_name = "FILE", default_value = "rdap-dns.json")]
    out: PathBuf,
    /// 使用的 DNS 服务器 IP:端口（可重复）；不给出时使用系统解析器
    #[arg(long = "dns-server", value_name = "IP:PORT")]
    dns_servers: Vec<SocketAddr>,
    /// 允许访问内网、回环等地址（仅用于沙箱和测试）
    #[arg(long)]
    allow_private: bool,
    /// 下载的总时限（秒，1–3600）
    #[arg(long, default_value_t = 30, value_parser = super::whole_number::<u64>(1, 3600))]
    deadline: u64,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("reply").required(true).args(["whois", "rdap"])))]
struct ParseArgs {
    /// WHOIS 回复文本文件（端口 43 的原样输出）
    #[arg(long, value_name = "FILE")]
    whois: Option<PathBuf>,
    /// RDAP 回复 JSON 文件
    #[arg(long, value_name = "FILE")]
    rdap: Option<PathBuf>,
    /// 查询的域名；回复中没有写明域名时（如“未注册”“保留”）用它补上
    #[arg(long, value_name = "D")]
    domain: Option<String>,
    #[command(flatten)]
    format: FormatArg,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    match &args.command {
        Command::Parse(args) => parse(args),
        Command::RefreshBootstrap(args) => refresh(args),
    }
}

fn refresh(args: &RefreshArgs) -> anyhow::Result<Outcome> {
    use beian_probe::{AddressPolicy, DnsConfig, DnsResolver, RdapClient, RdapConfig};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")?;
    let refreshed = runtime.block_on(async {
        let dns = DnsResolver::new(&DnsConfig {
            servers: args.dns_servers.clone(),
            ..DnsConfig::default()
        })?;
        let client = RdapClient::new(RdapConfig {
            deadline: Duration::from_secs(args.deadline),
            policy: if args.allow_private {
                AddressPolicy::allow_private()
            } else {
                AddressPolicy::strict()
            },
            max_body: 8 * 1024 * 1024,
            ..RdapConfig::new(dns)
        })?;
        anyhow::Ok(beian_probe::refresh_bootstrap(&client, &args.url, &args.out).await?)
    })?;
    println!(
        "已将 RDAP 引导文件写入 {}（{} 字节，{} 个顶级域{}）",
        args.out.display(),
        refreshed.bytes,
        refreshed.tlds,
        refreshed
            .publication
            .map(|p| format!("，发布时间 {p}"))
            .unwrap_or_default()
    );
    println!(
        "使用方法：beian check 备案.json --rdap-bootstrap {}",
        args.out.display()
    );
    Ok(Outcome::Clean)
}

/// `parse_whois` or `parse_rdap`.
type Parser = fn(&str, Option<&str>) -> Result<Registration, ParseError>;

fn parse(args: &ParseArgs) -> anyhow::Result<Outcome> {
    let (path, kind, parser): (&Path, &str, Parser) = match (&args.whois, &args.rdap) {
        (Some(path), _) => (path, "WHOIS", beian_registration::parse_whois),
        (None, Some(path)) => (path, "RDAP", beian_registration::parse_rdap),
        (None, None) => anyhow::bail!("请用 --whois 或 --rdap 指定回复文件"),
    };
    let bytes = std::fs::read(path)
        .with_context(|| format!("无法读取{kind}回复文件 {}", path.display()))?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            eprintln!(
                "提示：{kind}回复文件 {} 不是有效的 UTF-8，无法识别的字节已替换为 �",
                path.display()
            );
            String::from_utf8_lossy(error.as_bytes()).into_owned()
        }
    };
    let registration = parser(&text, args.domain.as_deref())
        .map_err(|e| anyhow::anyhow!("{kind}回复文件 {} 无法解析：{e}", path.display()))?;
    let now = Utc::now();
    let file = path.display().to_string();
    match args.format.format {
        Format::Json => print_json(&to_json(&registration, &file, now)?)?,
        Format::Text => print_text(&registration, &file, kind, now),
    }
    Ok(Outcome::Clean)
}

/// The documented JSON: the model's fields, `statuses` named `status`, plus the file,
/// whether the domain is on hold and the days left at the time of the run.
fn to_json(
    registration: &Registration,
    file: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<serde_json::Value> {
    let mut value = serde_json::to_value(registration)?;
    if let Some(object) = value.as_object_mut() {
        if let Some(statuses) = object.remove("statuses") {
            object.insert("status".to_owned(), statuses);
        }
        object.insert("file".to_owned(), file.into());
        object.insert("on_hold".to_owned(), registration.is_on_hold().into());
        object.insert(
            "days_until_expiry".to_owned(),
            registration.days_until_expiry(&now).into(),
        );
    }
    Ok(value)
}

fn print_text(registration: &Registration, file: &str, kind: &str, now: DateTime<Utc>) {
    let paint = Painter::stdout();
    let none = "（无）";
    println!("{}  {file}（{kind}）", paint.bold("域名注册信息"));
    println!(
        "  域名：{}",
        registration.domain.as_deref().unwrap_or("（回复中未写明）")
    );
    let outcome = match registration.outcome {
        RegOutcome::Found => paint.green(RegOutcome::Found.label()),
        RegOutcome::NotFound => paint.yellow("未注册（注册局没有这个域名的记录）"),
        RegOutcome::Reserved => paint.yellow("保留或禁止注册（注册局不允许注册这个域名）"),
    };
    println!("  结果：{outcome}");
    if registration.outcome != RegOutcome::Found {
        return;
    }
    println!(
        "  注册商：{}",
        registration.registrar.as_deref().unwrap_or(none)
    );
    println!(
        "  持有人：{}",
        registration.registrant.as_deref().unwrap_or(none)
    );
    if let Some(id) = &registration.registrant_id {
        println!("  持有人编号：{id}");
    }
    if let Some(email) = &registration.registrant_email {
        println!("  持有人邮箱：{email}");
    }
    println!("  注册时间：{}", time(registration.created));
    let expiry = match registration.days_until_expiry(&now) {
        None => paint.yellow("（回复中没有到期时间，视为未知）"),
        Some(days) if days < 0 => paint.red(&format!("（已过期 {} 天）", -days)),
        Some(days) => format!("（还有 {days} 天到期）"),
    };
    println!("  到期时间：{}{expiry}", time(registration.expires));
    if registration.updated.is_some() {
        println!("  更新时间：{}", time(registration.updated));
    }
    let statuses = if registration.statuses.is_empty() {
        none.to_owned()
    } else {
        registration.statuses.join("、")
    };
    println!("  状态：{statuses}");
    if registration.is_on_hold() {
        println!(
            "  {}",
            paint.red("域名已被暂停解析（clientHold / serverHold），网站无法访问")
        );
    }
    let servers = if registration.name_servers.is_empty() {
        none.to_owned()
    } else {
        registration.name_servers.join("、")
    };
    println!("  域名服务器：{servers}");
    if let Some(referral) = &registration.referral {
        println!("  注册商查询地址：{referral}");
    }
}

/// A time as the registry meant it, with its offset.
fn time(time: Option<DateTime<FixedOffset>>) -> String {
    match time {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S（UTC%:z）").to_string(),
        None => "（无）".to_owned(),
    }
}
