//! `beian export filings|findings|orders --out FILE.csv|.xlsx`: the store out to files an
//! operator opens in Excel. ID numbers and phones are masked unless `--unmasked`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use beian_domain::{CheckId, Filing};
use beian_io::{CsvExport, FilingRow, FindingRow, OrderRow, Privacy, Table, XlsxExport};
use beian_store::{FilingQuery, OrderQuery, Scope, Store};

use crate::Outcome;
use crate::commands::db_args::{DbArgs, beijing, block_on, state_label};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 导出什么：filings（备案）、findings（一次核查的结果）、orders（整改单）
    #[arg(value_enum)]
    what: What,
    /// 输出文件：.csv（UTF-8，带 BOM）或 .xlsx
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// 导出 findings 时的核查批次编号；默认最近一次
    #[arg(long, value_name = "ID")]
    run: Option<i64>,
    /// 不脱敏：导出完整的证件号码和手机号码（仅用于再次导入，注意保管）
    #[arg(long)]
    unmasked: bool,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum What {
    /// 备案（每个网站一行）
    Filings,
    /// 核查结果
    Findings,
    /// 整改单
    Orders,
}

/// One of the two file kinds, writing rows of one table.
enum Sink<T: Table> {
    Csv(Box<CsvExport<std::io::BufWriter<std::fs::File>, T>>),
    Xlsx(Box<XlsxExport<T>>, PathBuf),
}

impl<T: Table> Sink<T> {
    fn create(path: &Path, sheet: &str, privacy: Privacy) -> anyhow::Result<Sink<T>> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("csv") => {
                let file = std::fs::File::create(path)
                    .with_context(|| format!("无法创建文件 {}", path.display()))?;
                Ok(Sink::Csv(Box::new(CsvExport::new(
                    std::io::BufWriter::new(file),
                    privacy,
                )?)))
            }
            Some("xlsx") => Ok(Sink::Xlsx(
                Box::new(XlsxExport::new(sheet, privacy).map_err(|e| anyhow::anyhow!("{e}"))?),
                path.to_owned(),
            )),
            _ => anyhow::bail!(
                "无法识别导出文件 {} 的格式：扩展名应为 .csv 或 .xlsx",
                path.display()
            ),
        }
    }

    fn write(&mut self, row: &T) -> anyhow::Result<()> {
        match self {
            Sink::Csv(csv) => csv.write(row)?,
            Sink::Xlsx(xlsx, _) => xlsx.write(row).map_err(|e| anyhow::anyhow!("{e}"))?,
        }
        Ok(())
    }

    fn finish(self) -> anyhow::Result<()> {
        match self {
            Sink::Csv(csv) => {
                use std::io::Write;
                csv.finish()?.flush()?;
            }
            Sink::Xlsx(xlsx, path) => xlsx
                .save(&path)
                .map_err(|e| anyhow::anyhow!("无法写入 {}：{e}", path.display()))?,
        }
        Ok(())
    }
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let privacy = if args.unmasked {
        Privacy::Unmasked
    } else {
        Privacy::Masked
    };
    block_on(async {
        let store = args.db.open().await?;
        let rows = match args.what {
            What::Filings => filings(&store, &args.out, privacy).await?,
            What::Findings => findings(&store, &args.out, privacy, args.run).await?,
            What::Orders => orders(&store, &args.out, privacy).await?,
        };
        store.close().await;
        println!("已导出 {rows} 行到 {}", args.out.display());
        Ok(Outcome::Clean)
    })
}

async fn filings(store: &Store, out: &Path, privacy: Privacy) -> anyhow::Result<u64> {
    let mut sink = Sink::<FilingRow>::create(out, "备案", privacy)?;
    let mut rows = 0;
    let mut query = FilingQuery {
        scope: Scope::All,
        status: None,
        after_id: None,
        limit: 1_000,
    };
    loop {
        let page = store.list_filings(&query).await?;
        for record in &page.items {
            if let Some(filing) = store.filing_body(Scope::All, record.id).await? {
                for row in FilingRow::from_filing(&filing) {
                    sink.write(&row)?;
                    rows += 1;
                }
            }
        }
        match page.next_after_id {
            Some(next) => query.after_id = Some(next),
            None => break,
        }
    }
    sink.finish()?;
    Ok(rows)
}

async fn findings(
    store: &Store,
    out: &Path,
    privacy: Privacy,
    run: Option<i64>,
) -> anyhow::Result<u64> {
    let run_id = match run {
        Some(id) => id,
        None => store
            .list_runs(None, 1)
            .await?
            .items
            .first()
            .map(|r| r.id)
            .context("数据库中还没有核查批次，无从导出核查结果")?,
    };
    store
        .run(run_id)
        .await?
        .with_context(|| format!("核查批次 {run_id} 不存在"))?;
    let mut sink = Sink::<FindingRow>::create(out, "核查结果", privacy)?;
    let mut bodies: HashMap<i64, Option<Filing>> = HashMap::new();
    let mut rows = 0;
    for record in store.run_findings(Scope::All, run_id, None).await? {
        if let std::collections::hash_map::Entry::Vacant(slot) = bodies.entry(record.filing_id) {
            slot.insert(store.filing_body(Scope::All, record.filing_id).await?);
        }
        let filing = bodies.get(&record.filing_id).and_then(Option::as_ref);
        let def = record.check_id.parse::<CheckId>().ok().map(CheckId::def);
        let evidence = match &record.evidence {
            serde_json::Value::Array(facts) => facts
                .iter()
                .map(|fact| {
                    let label = fact["label"].as_str().unwrap_or_default();
                    let value = match &fact["value"] {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    match fact["source"].as_str() {
                        Some(source) => format!("{label}：{value}（{source}）"),
                        None => format!("{label}：{value}"),
                    }
                })
                .collect::<Vec<_>>()
                .join("；"),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        let row = FindingRow {
            entity_filing_number: filing
                .and_then(|f| f.entity.filing_number.clone())
                .unwrap_or_default(),
            entity_name: filing.map(|f| f.entity.name.clone()).unwrap_or_default(),
            website_name: record.target["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            check_id: record.check_id.clone(),
            check_title: def.map(|d| d.title.to_owned()).unwrap_or_default(),
            status: status_label(&record.status),
            field: record.field.clone().unwrap_or_default(),
            message: record.message.clone(),
            remedy: def.map(|d| d.remedy.to_owned()).unwrap_or_default(),
            evidence,
            checked_at: beijing(record.created_at),
        };
        sink.write(&row)?;
        rows += 1;
    }
    sink.finish()?;
    Ok(rows)
}

fn status_label(code: &str) -> String {
    match code {
        "pass" => "通过",
        "warn" => "提示",
        "fail" => "不通过",
        "inconclusive" => "无法判断",
        "skipped" => "未执行",
        other => other,
    }
    .to_owned()
}

async fn orders(store: &Store, out: &Path, privacy: Privacy) -> anyhow::Result<u64> {
    let mut sink = Sink::<OrderRow>::create(out, "整改单", privacy)?;
    let mut rows = 0;
    let mut query = OrderQuery::new(Scope::All, 1_000);
    loop {
        let page = store.list_orders(&query).await?;
        for order in &page.items {
            let items = store.order_items(Scope::All, order.id).await?;
            let filing = store.filing_body(Scope::All, order.filing_id).await?;
            let principal = filing.as_ref().map(|f| &f.entity.principal);
            let row = OrderRow {
                order_id: order.id.to_string(),
                entity_filing_number: order.filing_number.clone(),
                entity_name: order.entity_name.clone(),
                status: state_label(&order.state),
                item_count: u32::try_from(items.len()).unwrap_or(u32::MAX),
                items: items
                    .iter()
                    .map(|i| i.message.as_str())
                    .collect::<Vec<_>>()
                    .join("；"),
                issued_at: beijing(order.created_at),
                deadline: format!("{}（北京时间）", beijing(order.deadline_at)),
                contact_name: principal.map(|p| p.name.clone()).unwrap_or_default(),
                contact_mobile: principal.map(|p| p.mobile.clone()).unwrap_or_default(),
                contact_email: principal.and_then(|p| p.email.clone()).unwrap_or_default(),
                updated_at: beijing(order.updated_at),
            };
            sink.write(&row)?;
            rows += 1;
        }
        match page.next_after_id {
            Some(next) => query.after_id = Some(next),
            None => break,
        }
    }
    sink.finish()?;
    Ok(rows)
}
