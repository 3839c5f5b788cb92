//! `beian lint FILING.json`: every rule that the filed data alone can decide.

use std::path::PathBuf;

use beian_checks::Settings;
use beian_domain::finding::any_failed;
use chrono::NaiveDate;
use serde_json::json;

use crate::output::{Format, Painter, print_findings, print_json};
use crate::{FormatArg, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 备案数据文件（JSON，可带 // 注释），格式见 examples/
    filing: PathBuf,
    /// 核查日期（YYYY-MM-DD），默认今天（北京时间）；证件有效期按这一天判断
    #[arg(long, value_parser = parse_date)]
    date: Option<NaiveDate>,
    #[command(flatten)]
    format: FormatArg,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let filing = super::read_filing(&args.filing)?;
    let today = args.date.unwrap_or_else(super::today_in_china);
    let findings = beian_checks::lint(&filing, today, &Settings::default());
    match args.format.format {
        Format::Json => print_json(&json!({
            "file": args.filing.display().to_string(),
            "date": today.format("%Y-%m-%d").to_string(),
            "entity": filing.entity.name,
            "findings": findings,
        }))?,
        Format::Text => {
            let paint = Painter::stdout();
            println!(
                "{}  {}（{}，{} 个网站）  核查日期 {}\n",
                paint.bold("备案数据检查"),
                filing.entity.name,
                filing.entity.kind,
                filing.websites.len(),
                today.format("%Y-%m-%d")
            );
            print_findings(&findings, paint, None);
        }
    }
    Ok(if any_failed(&findings) {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("“{s}”不是有效日期，应为 YYYY-MM-DD"))
}
