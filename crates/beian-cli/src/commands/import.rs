//! `beian import FILE`: filings from JSON Lines, CSV or XLSX into the store.
//!
//! Reading (`beian_io`) runs on a thread of its own and hands batches of about 1,000
//! filings to the store, one transaction each, so parsing and writing overlap. A bad line
//! is reported with its file, line and field and nothing of it is stored; the good lines
//! around it are. Importing the same file twice changes nothing the second time.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use beian_io::{ImportError, ImportedFiling};
use beian_store::{Actor, UpsertChange};
use chrono::Utc;
use serde::Serialize;

use crate::commands::db_args::{DbArgs, block_on, customer_named};
use crate::output::{Format, print_json};
use crate::{FormatArg, Outcome};

/// Filings per transaction.
const BATCH: usize = 1_000;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 备案数据文件：.jsonl / .ndjson（每行一份备案 JSON）、.csv 或 .xlsx（每个网站一行）
    file: PathBuf,
    /// 这些备案所属的客户名称（不存在时创建）
    #[arg(long, value_name = "NAME")]
    customer: Option<String>,
    /// 只读取和校验文件，不写入数据库（检查文件，或测量解析速度）
    #[arg(long)]
    dry_run: bool,
    /// 最多列出多少条错误（其余只计数）
    #[arg(long, default_value_t = 100)]
    max_errors: usize,
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    format: FormatArg,
}

/// What an import did.
#[derive(Debug, Default, Serialize)]
struct Summary {
    file: String,
    read: u64,
    created: u64,
    updated: u64,
    unchanged: u64,
    refused: u64,
    seconds: f64,
    errors: Vec<LineError>,
}

/// One refused line, as JSON.
#[derive(Debug, Serialize)]
struct LineError {
    file: String,
    line: u64,
    field: Option<String>,
    value: Option<String>,
    reason: String,
}

impl From<&ImportError> for LineError {
    fn from(e: &ImportError) -> Self {
        LineError {
            file: e.file.clone(),
            line: e.line,
            field: e.field.clone(),
            value: e.value.clone(),
            reason: e.reason.clone(),
        }
    }
}

enum Piece {
    Batch(Vec<ImportedFiling>),
    Refused(ImportError),
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let reader = beian_io::open(&args.file).map_err(|e| anyhow::anyhow!("{e}"))?;
    let file_name = args.file.display().to_string();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Piece>(4);
    let producer = std::thread::spawn(move || -> Result<(), ImportError> {
        let mut batch = Vec::with_capacity(BATCH);
        for item in reader {
            match item {
                Ok(filing) => {
                    batch.push(filing);
                    if batch.len() == BATCH
                        && tx
                            .blocking_send(Piece::Batch(std::mem::take(&mut batch)))
                            .is_err()
                    {
                        return Ok(());
                    }
                }
                Err(error) if error.fatal => return Err(error),
                Err(error) => {
                    if tx.blocking_send(Piece::Refused(error)).is_err() {
                        return Ok(());
                    }
                }
            }
        }
        if !batch.is_empty() {
            let _ = tx.blocking_send(Piece::Batch(batch));
        }
        Ok(())
    });
    let started = Instant::now();
    let stored = block_on(async {
        let store = match args.dry_run {
            true => None,
            false => Some(args.db.open().await?),
        };
        let now = Utc::now();
        let customer = match (&args.customer, &store) {
            (Some(name), Some(store)) => Some(customer_named(store, name, now).await?),
            _ => None,
        };
        let actor = Actor::system("import");
        let mut summary = Summary {
            file: file_name.clone(),
            ..Summary::default()
        };
        let mut last_progress = Instant::now();
        let mut stderr = std::io::stderr().lock();
        while let Some(piece) = rx.recv().await {
            match piece {
                Piece::Refused(error) => {
                    summary.refused += 1;
                    if summary.errors.len() < args.max_errors {
                        summary.errors.push(LineError::from(&error));
                    }
                    if args.format.format == Format::Text
                        && (summary.refused as usize) <= args.max_errors
                    {
                        writeln!(stderr, "已拒绝：{error}")?;
                    }
                }
                Piece::Batch(batch) => {
                    let mut items = Vec::with_capacity(batch.len());
                    for imported in &batch {
                        summary.read += 1;
                        let has_number = imported
                            .filing
                            .entity
                            .filing_number
                            .as_deref()
                            .is_some_and(|n| !n.trim().is_empty());
                        if has_number {
                            items.push((customer, &imported.filing));
                        } else {
                            summary.refused += 1;
                            let error = LineError {
                                file: file_name.clone(),
                                line: imported.line,
                                field: Some("entity.filing_number".to_owned()),
                                value: None,
                                reason: "缺少主体备案号：备案按主体备案号入库，尚未取得备案号的主体不能导入"
                                    .to_owned(),
                            };
                            if args.format.format == Format::Text
                                && (summary.refused as usize) <= args.max_errors
                            {
                                writeln!(
                                    stderr,
                                    "已拒绝：{} 第 {} 行，主体备案号：{}",
                                    error.file, error.line, error.reason
                                )?;
                            }
                            if summary.errors.len() < args.max_errors {
                                summary.errors.push(error);
                            }
                        }
                    }
                    let Some(store) = &store else {
                        // A dry run counts what would be stored.
                        summary.created += items.len() as u64;
                        continue;
                    };
                    let outcomes = store
                        .upsert_filings(&items, &actor, Utc::now())
                        .await
                        .with_context(|| {
                            format!(
                                "写入 {} 第 {}–{} 行的备案失败",
                                file_name,
                                batch.first().map_or(0, |f| f.line),
                                batch.last().map_or(0, |f| f.last_line)
                            )
                        })?;
                    for outcome in outcomes {
                        match outcome.change {
                            UpsertChange::Created => summary.created += 1,
                            UpsertChange::Updated => summary.updated += 1,
                            UpsertChange::Unchanged => summary.unchanged += 1,
                        }
                    }
                    if last_progress.elapsed() >= Duration::from_secs(2) {
                        last_progress = Instant::now();
                        let rate = summary.read as f64 / started.elapsed().as_secs_f64();
                        writeln!(
                            stderr,
                            "已导入 {} 份备案（每秒 {:.0} 份）…",
                            summary.read, rate
                        )?;
                    }
                }
            }
        }
        if let Some(store) = store {
            store.close().await;
        }
        Ok(summary)
    });
    // The reader may be waiting to hand over a batch nobody will take (the store failed).
    drop(rx);
    let read_result = producer
        .join()
        .map_err(|_| anyhow::anyhow!("读取 {file_name} 的线程异常退出"))?;
    let mut summary = stored?;
    read_result.map_err(|e| anyhow::anyhow!("{e}"))?;
    summary.seconds = started.elapsed().as_secs_f64();
    match args.format.format {
        Format::Json => print_json(&summary)?,
        Format::Text if args.dry_run => println!(
            "{}（仅检查，未写入）：读取 {} 份备案，可导入 {}，拒绝 {} 行（用时 {:.1} 秒）",
            summary.file, summary.read, summary.created, summary.refused, summary.seconds
        ),
        Format::Text => {
            println!(
                "{}：读取 {} 份备案，新增 {}，更新 {}，未变 {}，拒绝 {} 行（用时 {:.1} 秒）",
                summary.file,
                summary.read,
                summary.created,
                summary.updated,
                summary.unchanged,
                summary.refused,
                summary.seconds
            );
            if summary.refused as usize > args.max_errors {
                println!(
                    "另有 {} 行错误未列出（--max-errors 可调整）",
                    summary.refused as usize - args.max_errors
                );
            }
        }
    }
    if summary.refused > 0 {
        anyhow::bail!(
            "{} 有 {} 行未能导入（见上方的逐行原因），其余已导入",
            summary.file,
            summary.refused
        );
    }
    Ok(Outcome::Clean)
}
