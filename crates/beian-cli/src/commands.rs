//! One module per subcommand, and what they share: reading a filing, today's date.

pub mod account;
pub mod audit;
pub mod check;
pub mod checks;
pub mod db;
pub mod db_args;
pub mod demo;
pub mod engine_args;
pub mod export;
pub mod import;
pub mod inspect;
pub mod lint;
pub mod order;
pub mod orders;
pub mod registration;
pub mod run;
pub mod sandbox;
pub mod scheduler;
pub mod score;
pub mod serve;
pub mod sweep;
pub mod validate;
pub mod worker;

use std::path::Path;

use anyhow::Context;
use beian_domain::Filing;
use chrono::{FixedOffset, NaiveDate, Utc};

/// Reads and parses a filing file; the error names the file, the JSON path, the line and
/// the reason.
pub fn read_filing(path: &Path) -> anyhow::Result<Filing> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("无法读取备案数据文件 {}", path.display()))?;
    Filing::from_json(&text)
        .map_err(|e| anyhow::anyhow!("备案数据文件 {} 有误：{e}", path.display()))
}

/// China Standard Time: filings, deadlines and validity dates are all judged in it.
fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// Today's date in Beijing.
pub fn today_in_china() -> NaiveDate {
    Utc::now().with_timezone(&china()).date_naive()
}

/// Now in Beijing, RFC 3339 with seconds.
pub fn now_in_china() -> String {
    Utc::now()
        .with_timezone(&china())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}
