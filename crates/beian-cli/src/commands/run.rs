//! `beian run start|list|show|diff`: verification runs in the store.
//!
//! `start` only queues a job per filing; `beian worker` processes (any number, on any
//! machine sharing the database) do them.

use beian_service::{RETRY_RUN, RunOf, Spread, requeue_run, run_is_stalled, start_run};
use beian_store::{Actor, FindingRecord, Run, Scope};
use chrono::Utc;
use serde_json::json;

use crate::commands::db_args::{DbArgs, beijing, block_on};
use crate::output::{Format, print_json};
use crate::{FormatArg, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// 新建一次核查：为每份备案（或某一状态的备案）排入一个核查任务，由 beian worker 执行
    Start {
        /// 只核查这一状态的备案：normal（正常）、rectification（备案整改）等
        #[arg(long, value_name = "S")]
        status: Option<String>,
        /// 只重新核查批次 N 中有“无法判断”项的备案（站点超时、外部数据源未应答等）
        #[arg(long, value_name = "N", conflicts_with = "status")]
        inconclusive_of: Option<i64>,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        format: FormatArg,
    },
    /// 补排任务：为批次中尚未核查、也不在队列中的备案补排核查任务（排队时进程被中断，或任务进入死信）
    Requeue {
        /// 批次编号
        id: i64,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        format: FormatArg,
    },
    /// 列出核查批次（最新的在前）
    List {
        /// 最多列出多少个（1–1000）
        #[arg(long, default_value_t = 20, value_parser = super::whole_number::<i64>(1, 1000))]
        limit: i64,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        format: FormatArg,
    },
    /// 显示一个核查批次：进度和各核查项的不通过数量
    Show {
        /// 批次编号
        id: i64,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        format: FormatArg,
    },
    /// 比较两个批次：新出现、仍存在、已解决和无法判断（后一批次未能得出结论）的不通过项
    Diff {
        /// 较早的批次编号
        a: i64,
        /// 较晚的批次编号
        b: i64,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        format: FormatArg,
    },
}

fn run_json(run: &Run) -> serde_json::Value {
    json!({
        "id": run.id,
        "kind": run.kind,
        "status": run.status,
        "started_at": run.started_at.to_rfc3339(),
        "finished_at": run.finished_at.map(|t| t.to_rfc3339()),
        "total": run.total,
        "done": run.done,
        "failed": run.failed,
        "inconclusive": run.inconclusive,
    })
}

fn run_status_label(status: &str) -> &str {
    match status {
        "running" => "进行中",
        "finished" => "已完成",
        "failed" => "失败",
        other => other,
    }
}

fn run_line(run: &Run) -> String {
    format!(
        "批次 {}（{}）{}：{}/{} 份已核查，其中 {} 份有不通过项，{} 份有无法判断项；开始于 {}{}",
        run.id,
        run.kind,
        run_status_label(&run.status),
        run.done,
        run.total,
        run.failed,
        run.inconclusive,
        beijing(run.started_at),
        run.finished_at
            .map(|t| format!("，完成于 {}", beijing(t)))
            .unwrap_or_default()
    )
}

fn finding_json(f: &FindingRecord) -> serde_json::Value {
    json!({
        "filing_id": f.filing_id,
        "check": f.check_id,
        "field": f.field,
        "message": f.message,
        "fingerprint": f.fingerprint,
    })
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    match &args.action {
        Action::Start {
            status,
            inconclusive_of,
            db,
            format,
        } => block_on(async {
            let store = db.open().await?;
            if let Some(s) = status
                && !beian_store::FILING_STATUSES.contains(&s.as_str())
            {
                anyhow::bail!(
                    "未知的备案状态“{s}”：可用 {}",
                    beian_store::FILING_STATUSES.join("、")
                );
            }
            let (kind, of) = match inconclusive_of {
                Some(earlier) => {
                    if store.run(*earlier).await?.is_none() {
                        anyhow::bail!("核查批次 {earlier} 不存在");
                    }
                    (RETRY_RUN, RunOf::InconclusiveIn(*earlier))
                }
                None => (
                    "sweep",
                    RunOf::Filings {
                        status: status.clone(),
                    },
                ),
            };
            let actor = Actor::system("beian run");
            let (run_id, queued) =
                start_run(&store, &actor, kind, of, Spread::Now, Utc::now()).await?;
            store.close().await;
            match format.format {
                Format::Json => print_json(&json!({ "run": run_id, "queued": queued }))?,
                Format::Text => println!(
                    "已新建核查批次 {run_id}，排入 {queued} 个核查任务；用 beian worker 执行"
                ),
            }
            Ok(Outcome::Clean)
        }),
        Action::Requeue { id, db, format } => block_on(async {
            let store = db.open().await?;
            let queued = requeue_run(&store, *id, Utc::now()).await?;
            store.close().await;
            match format.format {
                Format::Json => print_json(&json!({ "run": id, "queued": queued }))?,
                Format::Text if queued == 0 => {
                    println!("核查批次 {id} 没有需要补排的任务")
                }
                Format::Text => println!("核查批次 {id}：补排 {queued} 个核查任务"),
            }
            Ok(Outcome::Clean)
        }),
        Action::List { limit, db, format } => block_on(async {
            let store = db.open().await?;
            let runs = store.list_runs(None, *limit).await?;
            store.close().await;
            match format.format {
                Format::Json => print_json(&runs.items.iter().map(run_json).collect::<Vec<_>>())?,
                Format::Text => {
                    if runs.items.is_empty() {
                        println!("还没有核查批次");
                    }
                    for run in &runs.items {
                        println!("{}", run_line(run));
                    }
                }
            }
            Ok(Outcome::Clean)
        }),
        Action::Show { id, db, format } => block_on(async {
            let store = db.open().await?;
            let run = store
                .run(*id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("核查批次 {id} 不存在"))?;
            let failures = store.failures_by_check(Scope::All, *id).await?;
            let undecided = store.inconclusive_filing_count(*id).await?;
            let stalled = run_is_stalled(&store, &run).await?;
            store.close().await;
            match format.format {
                Format::Json => {
                    let mut value = run_json(&run);
                    value["inconclusive_filings"] = json!(undecided);
                    value["stalled"] = json!(stalled);
                    value["failures_by_check"] = json!(
                        failures
                            .iter()
                            .map(|c| json!({ "check": c.key, "count": c.count }))
                            .collect::<Vec<_>>()
                    );
                    print_json(&value)?;
                }
                Format::Text => {
                    println!("{}", run_line(&run));
                    for count in &failures {
                        println!("  {}：{} 项不通过", count.key, count.count);
                    }
                    if stalled {
                        println!(
                            "  还有 {} 份备案既未核查、也不在任务队列中（排队时进程被中断，或任务多次失败进入死信）；可用 beian run requeue {id} 补排",
                            run.total - run.done
                        );
                    }
                    if undecided > 0 {
                        println!(
                            "  {undecided} 份备案有无法判断项；原因消除后可用 beian run start --inconclusive-of {id} 重新核查"
                        );
                    }
                }
            }
            Ok(Outcome::Clean)
        }),
        Action::Diff { a, b, db, format } => block_on(async {
            let store = db.open().await?;
            for id in [a, b] {
                if store.run(*id).await?.is_none() {
                    anyhow::bail!("核查批次 {id} 不存在");
                }
            }
            let diff = store.diff_runs(Scope::All, *a, *b).await?;
            store.close().await;
            match format.format {
                Format::Json => print_json(&json!({
                    "new": diff.new.iter().map(finding_json).collect::<Vec<_>>(),
                    "persisting": diff.persisting.iter().map(finding_json).collect::<Vec<_>>(),
                    "resolved": diff.resolved.iter().map(finding_json).collect::<Vec<_>>(),
                    "undecided": diff.undecided.iter().map(finding_json).collect::<Vec<_>>(),
                }))?,
                Format::Text => {
                    println!(
                        "批次 {a} → {b}：新出现 {} 项，仍存在 {} 项，已解决 {} 项，无法判断 {} 项",
                        diff.new.len(),
                        diff.persisting.len(),
                        diff.resolved.len(),
                        diff.undecided.len()
                    );
                    for (label, list) in [
                        ("新出现", &diff.new),
                        ("仍存在", &diff.persisting),
                        ("已解决", &diff.resolved),
                        ("无法判断", &diff.undecided),
                    ] {
                        for f in list {
                            println!(
                                "  [{label}] 备案 {} {}：{}",
                                f.filing_id, f.check_id, f.message
                            );
                        }
                    }
                }
            }
            Ok(Outcome::Clean)
        }),
    }
}
