//! `beian check FILING.json`: every check the configured sources allow, live.
//!
//! `beian check --site DOMAIN --icp NUMBER --name NAME` is the site owner's self-check, the
//! same as the console's 网站自查: the website checks of one site, from three facts
//! instead of a whole filing.

use std::path::PathBuf;

use anyhow::Context;
use beian_checks::selfcheck::SelfCheckFacts;
use beian_domain::filing::EntityKind;
use beian_domain::finding::any_failed;
use beian_engine::Engine;
use chrono::NaiveDate;
use serde_json::json;

use crate::output::{Format, Painter, print_findings, print_json};
use crate::{FormatArg, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 备案数据文件（JSON，可带 // 注释）
    #[arg(required_unless_present = "site")]
    filing: Option<PathBuf>,
    /// 网站自查：只给域名、备案号和网站名称，核查这个网站（不需要备案数据文件）
    #[arg(long, value_name = "DOMAIN", conflicts_with = "filing", requires_all = ["icp", "name"])]
    site: Option<String>,
    /// 网站自查的备案号（主体备案号或网站备案号，如 京ICP备2024012345号-1）
    #[arg(long, value_name = "NUMBER", requires = "site")]
    icp: Option<String>,
    /// 网站自查的网站名称（备案时填写的名称）
    #[arg(long, value_name = "NAME", requires = "site")]
    name: Option<String>,
    /// 网站自查：主体性质（企业、个人、政府机关、其他组织），决定网站名称和内容按哪类规则核对
    #[arg(long, value_name = "KIND", default_value = "企业", requires = "site", value_parser = parse_kind)]
    kind: EntityKind,
    /// 网站自查：主办单位名称（可选），给出时核对首页版权声明
    #[arg(long, value_name = "NAME", requires = "site")]
    owner: Option<String>,
    /// 网站自查：备案的接入 IP（可重复，可选），给出时核对域名解析结果
    #[arg(long = "ip", value_name = "IP", requires = "site")]
    ips: Vec<String>,
    #[command(flatten)]
    engine: super::engine_args::EngineArgs,
    /// 核查日期（YYYY-MM-DD），默认今天（北京时间）；域名到期按这一天北京时间中午判断
    #[arg(long, value_parser = super::lint::parse_date)]
    date: Option<NaiveDate>,
    #[command(flatten)]
    format: FormatArg,
}

/// What is checked: a filing from its file, or one site from a few facts.
enum Subject {
    File(PathBuf),
    Site(SelfCheckFacts),
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let subject = match (&args.filing, &args.site) {
        (Some(path), _) => Subject::File(path.clone()),
        (None, Some(domain)) => Subject::Site(SelfCheckFacts {
            kind: args.kind,
            owner: args.owner.clone(),
            ips: args.ips.clone(),
            ..SelfCheckFacts::new(
                domain,
                args.icp.as_deref().unwrap_or_default(),
                args.name.as_deref().unwrap_or_default(),
            )
        }),
        (None, None) => {
            anyhow::bail!("请给出备案数据文件，或用 --site、--icp、--name 自查一个网站")
        }
    };
    let filing = match &subject {
        Subject::File(path) => super::read_filing(path)?,
        Subject::Site(facts) => facts.filing()?,
    };
    let today = args.date.unwrap_or_else(super::today_in_china);
    let config = args.engine.config()?;
    let engine = Engine::new(config).context("无法启动核查引擎")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")?;
    let mut report = runtime.block_on(engine.check(&filing, today));
    if let Subject::Site(facts) = &subject {
        report.findings.retain(|f| facts.shown(f));
        report
            .skipped
            .retain(|(id, _)| id.def().scope == beian_domain::catalogue::Scope::Website);
        let missing = facts.not_judged();
        report.skipped.splice(
            0..0,
            missing
                .into_iter()
                .map(|(id, reason)| (id, reason.to_owned())),
        );
    }

    match args.format.format {
        Format::Json => {
            let mut value = json!({
                "date": today.format("%Y-%m-%d").to_string(),
                "findings": report.findings,
                "skipped": report.skipped.iter().map(|(id, reason)| json!({
                    "check": id.as_str(),
                    "title": id.def().title,
                    "reason": reason,
                })).collect::<Vec<_>>(),
            });
            match &subject {
                Subject::File(path) => {
                    value["file"] = json!(path.display().to_string());
                    value["entity"] = json!(filing.entity.name);
                }
                Subject::Site(facts) => {
                    let site = &filing.websites[0];
                    value["site"] = json!({
                        "domain": site.domains[0],
                        "kind": facts.kind.code(),
                        "filing_number": facts.filing_number.trim(),
                        "name": site.name,
                        "owner": facts.owner.is_some().then(|| filing.entity.name.clone()),
                        "ips": site.ips,
                    });
                }
            }
            print_json(&value)?;
        }
        Format::Text => {
            let paint = Painter::stdout();
            match &subject {
                Subject::File(_) => println!(
                    "{}  {}（{}，{} 个网站）  核查日期 {}\n",
                    paint.bold("备案核查"),
                    filing.entity.name,
                    filing.entity.kind,
                    filing.websites.len(),
                    today.format("%Y-%m-%d")
                ),
                Subject::Site(facts) => {
                    let site = &filing.websites[0];
                    println!(
                        "{}  {}（备案号 {}，网站名称 {}，按{}规则）  核查日期 {}\n",
                        paint.bold("网站自查"),
                        site.domains[0],
                        facts.filing_number.trim(),
                        site.name,
                        facts.kind.label(),
                        today.format("%Y-%m-%d")
                    );
                }
            }
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

/// `--kind`: the Chinese label or the English code of an entity kind.
fn parse_kind(text: &str) -> Result<EntityKind, String> {
    beian_checks::selfcheck::parse_kind(text).map_err(|e| e.to_string())
}
