//! `beian check FILING.json`: every check the configured sources allow, live.

use std::path::PathBuf;

use anyhow::Context;
use beian_domain::finding::any_failed;
use beian_engine::Engine;
use chrono::NaiveDate;
use serde_json::json;

use crate::output::{Format, Painter, print_findings, print_json};
use crate::{FormatArg, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 备案数据文件（JSON，可带 // 注释）
    filing: PathBuf,
    #[command(flatten)]
    engine: super::engine_args::EngineArgs,
    /// 核查日期（YYYY-MM-DD），默认今天（北京时间）；域名到期按这一天北京时间中午判断
    #[arg(long, value_parser = super::lint::parse_date)]
    date: Option<NaiveDate>,
    #[command(flatten)]
    format: FormatArg,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let filing = super::read_filing(&args.filing)?;
    let today = args.date.unwrap_or_else(super::today_in_china);
    let config = args.engine.config()?;
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
