//! `beian scheduler`: the periodic duties — overdue orders, escalation to an operator,
//! re-checks that must run, reminders and the periodic re-verification of every filing.
//!
//! Safe to run on several machines at once (every change is a conditional transition and
//! every job is queued under a dedupe key), though one is enough.

use std::time::Duration;

use anyhow::Context;
use beian_domain::workflow::{WorkflowPolicy, WorkingCalendar};
use beian_service::Orders;
use beian_service::Who;
use beian_service::scheduler::{SchedulerOptions, TickReport, tick};
use chrono::{DateTime, Utc};

use crate::commands::db_args::{DbArgs, runtime};
use crate::output::{Format, print_json};
use crate::{FormatArg, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 只执行一轮后退出（供 cron 等外部定时器调用）
    #[arg(long)]
    once: bool,
    /// 全部备案的定期复核周期（天，0–3650），任务均匀分布在周期内；0 表示不做定期复核
    #[arg(long, value_name = "N", default_value_t = 30, value_parser = super::whole_number::<i64>(0, 3650))]
    period_days: i64,
    /// 两轮之间的间隔（秒，1–86400）
    #[arg(long, value_name = "S", default_value_t = 60, value_parser = super::whole_number::<u64>(1, 86_400))]
    interval: u64,
    /// 每轮每类事务最多处理的整改单数（1–1000）
    #[arg(long, default_value_t = 500, value_parser = super::whole_number::<i64>(1, 1000))]
    batch: i64,
    /// 以此时刻（RFC 3339）代替当前时间，只与 --once 一起使用（用于演练逾期处理）
    #[arg(long, hide = true, requires = "once", value_name = "TIME")]
    now: Option<DateTime<Utc>>,
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    format: FormatArg,
}

fn print_report(report: &TickReport, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => print_json(report)?,
        Format::Text => println!(
            "调度：{} 张整改单逾期，{} 张转入待处置，{} 张仅含关键词问题待人工判断，排入复查 {} 个{}",
            report.overdue,
            report.escalated,
            report.awaiting_review,
            report.rechecks_queued,
            report
                .run_started
                .map(|id| format!("，开始定期复核批次 {id}"))
                .unwrap_or_default()
        ),
    }
    Ok(())
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let options = SchedulerOptions {
        period: (args.period_days > 0).then(|| chrono::Duration::days(args.period_days)),
        batch: args.batch,
    };
    runtime()?.block_on(async {
        let store = args.db.open().await?;
        let calendar = WorkingCalendar::bundled().context("节假日日历有误")?;
        let orders = Orders::new(store.clone(), WorkflowPolicy::default(), calendar);
        let who = Who::system("scheduler");
        if args.once {
            let report = tick(&orders, &options, &who, args.now.unwrap_or_else(Utc::now)).await?;
            print_report(&report, args.format.format)?;
        } else {
            let stop = super::worker::stop_signal();
            tokio::pin!(stop);
            loop {
                let report = tick(&orders, &options, &who, Utc::now()).await?;
                print_report(&report, args.format.format)?;
                tokio::select! {
                    _ = &mut stop => break,
                    _ = tokio::time::sleep(Duration::from_secs(args.interval.max(1))) => {}
                }
            }
        }
        store.close().await;
        Ok(Outcome::Clean)
    })
}
