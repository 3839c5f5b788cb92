//! `beian worker`: take verification jobs from the store's queue and do them.
//!
//! Any number of workers, on any number of machines, may share one PostgreSQL database:
//! the queue leases each job to one of them, and a job whose worker dies is taken again
//! when its lease runs out. Ctrl-C or SIGTERM stops taking jobs and finishes the ones in
//! flight.

use anyhow::Context;
use beian_checks::Settings;
use beian_domain::workflow::{WorkflowPolicy, WorkingCalendar};
use beian_domain::{Filing, Finding};
use beian_engine::Engine;
use beian_service::{Orders, Verifier, Worker, WorkerOptions};
use chrono::NaiveDate;

use crate::commands::db_args::{DbArgs, runtime};
use crate::output::{Format, print_json};
use crate::{FormatArg, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 同时执行的核查任务数（1–65536；核查主要在等待网络，可远大于 CPU 核数）
    #[arg(long, default_value_t = 16, value_parser = super::whole_number::<usize>(1, 65_536))]
    concurrency: usize,
    /// 队列为空时退出，而不是等待新任务
    #[arg(long)]
    drain: bool,
    /// 本工作进程的名称（任务租约和审计日志中使用）；默认 主机名:进程号
    #[arg(long, value_name = "NAME")]
    id: Option<String>,
    /// 任务租约（秒，5–86400）：工作进程中断后，其任务在租约到期后由其他进程接手
    #[arg(long, default_value_t = 120, value_parser = super::whole_number::<i64>(5, 86_400))]
    lease_seconds: i64,
    /// 复查无法判断（网站或数据源无应答）后，再次复查前等待的秒数（0–86400）；
    /// 连续无法判断时每次加倍，最长 6 小时
    #[arg(long, value_name = "S", default_value_t = 300, value_parser = super::whole_number::<i64>(0, 86_400))]
    recheck_backoff: i64,
    /// 核查日期（YYYY-MM-DD），默认北京时间今天
    #[arg(long, value_parser = super::lint::parse_date)]
    date: Option<NaiveDate>,
    /// 只做离线规则检查，不联网（用于测试）
    #[arg(long, hide = true)]
    offline: bool,
    /// 离线检查时每份备案额外等待的毫秒数，模拟网络等待（用于中断测试）
    #[arg(
        long,
        hide = true,
        value_name = "MS",
        default_value_t = 0,
        requires = "offline"
    )]
    offline_delay_ms: u64,
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    format: FormatArg,
    #[command(flatten)]
    engine: super::engine_args::EngineArgs,
}

/// The offline judges as a verifier: no network, the same answer every time; `delay`
/// stands in for the time a live check waits on the network.
struct Offline {
    delay: std::time::Duration,
}

impl Verifier for Offline {
    fn verify(
        &self,
        filing: &Filing,
        today: NaiveDate,
    ) -> impl std::future::Future<Output = Vec<Finding>> + Send {
        let findings = beian_checks::lint(filing, today, &Settings::default());
        let delay = self.delay;
        async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            findings
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub(crate) async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => ctrl_c.await,
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}

fn default_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{host}:{}", std::process::id())
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let runtime = runtime()?;
    let options = WorkerOptions {
        id: args.id.clone().unwrap_or_else(default_id),
        concurrency: args.concurrency,
        lease: chrono::Duration::seconds(args.lease_seconds),
        poll: std::time::Duration::from_millis(500),
        drain: args.drain,
        today: args.date,
        recheck_backoff: chrono::Duration::seconds(args.recheck_backoff),
    };
    let stats = runtime.block_on(async {
        let store = args.db.open().await?;
        let calendar = WorkingCalendar::bundled().context("节假日日历有误")?;
        let orders = Orders::new(store.clone(), WorkflowPolicy::default(), calendar);
        let stats = if args.offline {
            let offline = Offline {
                delay: std::time::Duration::from_millis(args.offline_delay_ms),
            };
            Worker::new(orders, offline, options.clone())
                .run(stop_signal())
                .await?
        } else {
            let (config, registry_connections) = args.engine.config_and_registry_connections()?;
            let engine = Engine::new(config).context("无法启动核查引擎")?;
            super::warn_if_short_of_files(args.concurrency, registry_connections);
            Worker::new(orders, engine, options.clone())
                .run(stop_signal())
                .await?
        };
        store.close().await;
        anyhow::Ok(stats)
    })?;
    match args.format.format {
        Format::Json => print_json(&stats)?,
        Format::Text => println!(
            "工作进程 {} 结束：完成 {} 个任务，失败 {} 次，下发整改单 {} 张，复查通过 {} 张，复查未通过 {} 张，复查无法判断（待重查） {} 张",
            options.id,
            stats.done,
            stats.failed,
            stats.issued,
            stats.passed,
            stats.still_failing,
            stats.undecided
        ),
    }
    Ok(Outcome::Clean)
}
