//! `beian demo`: the whole system from one command.
//!
//! Starts the sandbox world on loopback, fills a SQLite store with its filings (split
//! between two demo customers), sweeps them with the live engine, issues the
//! rectification orders, and serves the console with a worker and a scheduler running
//! behind it, so that a change approved in the browser is re-checked and the row goes
//! back to 正常 by itself. Prints the address and the demo accounts.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use beian_domain::workflow::{WorkflowPolicy, WorkingCalendar};
use beian_sandbox::{Sandbox, ServeConfig, World, WorldConfig, default_check_date};
use beian_server::app::{AppState, ServerConfig, start};
use beian_service::scheduler::{SchedulerOptions, tick};
use beian_service::{Orders, RunOf, Spread, Who, Worker, WorkerOptions, start_run};
use beian_store::{Actor, Role, Scope, Store};
use chrono::Utc;
use clap::Parser;

use crate::Outcome;

/// The demo accounts and their password, printed at start.
const PASSWORD: &str = "beian-demo";
const CUSTOMERS: [(&str, &str); 2] = [("云帆客户", "yunfan"), ("星河客户", "xinghe")];
const OPERATOR: &str = "operator";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 控制台监听地址
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// 演示数据目录（数据库和沙箱文件；每次启动重新生成）
    #[arg(long, value_name = "DIR", default_value = "beian-demo")]
    dir: PathBuf,
    /// 沙箱中的网站数量（1–100000）
    #[arg(long, default_value_t = 60, value_parser = super::whole_number::<usize>(1, 100_000))]
    sites: usize,
    /// 随机种子
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// 运行指定秒数后退出（用于脚本和测试）；默认一直运行到 Ctrl-C
    #[arg(long, value_name = "S")]
    for_seconds: Option<u64>,
}

/// Parses the flags the sandbox prints into the engine's settings, exactly as
/// `beian check` would take them.
#[derive(Debug, Parser)]
struct EngineFlags {
    #[command(flatten)]
    engine: super::engine_args::EngineArgs,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")?;
    runtime.block_on(demo(args))?;
    Ok(Outcome::Clean)
}

async fn demo(args: &Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let dir = &args.dir;
    std::fs::create_dir_all(dir).with_context(|| format!("无法创建目录 {}", dir.display()))?;

    // 1. The world: filings with known faults, and the servers that answer for them.
    let config = WorldConfig {
        sites: args.sites,
        seed: args.seed,
        check_date: default_check_date(),
        showcase: true,
        black_hole_percent: 0,
    };
    let world = World::generate(&config);
    let sandbox = Sandbox::start(world, &ServeConfig::default())
        .await
        .context("无法启动沙箱")?;
    let sandbox_dir = dir.join("sandbox");
    sandbox
        .write_files(&sandbox_dir)
        .with_context(|| format!("无法写入 {}", sandbox_dir.display()))?;
    let ca_path = sandbox_dir.join("ca.pem");
    let mut flags = vec!["demo".to_owned()];
    // `--date` is for `check`; the worker below takes the date itself.
    let mut printed = sandbox.flags(Some(&ca_path), true, true).into_iter();
    while let Some(flag) = printed.next() {
        if flag == "--date" || flag == "--whois-interval-ms" {
            printed.next();
        } else {
            flags.push(flag);
        }
    }
    // The sandbox's WHOIS server is ours: no need to be polite to it.
    // Some sandbox sites are built to stall; a demo waits seconds for them, not minutes.
    flags.extend(
        [
            "--whois-interval-ms",
            "0",
            "--connect-timeout",
            "2",
            "--deadline",
            "4",
        ]
        .map(str::to_owned),
    );
    flags.extend([
        "--config".to_owned(),
        sandbox_dir.join("beian.toml").display().to_string(),
    ]);
    let engine_args = EngineFlags::try_parse_from(&flags)
        .context("沙箱给出的核查参数无法解析")?
        .engine;
    let engine_config = engine_args.config()?;
    eprintln!(
        "① 沙箱已启动：{} 个网站，{} 份备案",
        sandbox.world().sites.len(),
        sandbox.world().filings.len()
    );

    // 2. A fresh store with two customers, an operator and the filings.
    let db_path = dir.join("demo.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
    }
    let db_url = format!("sqlite://{}", db_path.display());
    let store = Store::open(&db_url).await.context("无法打开演示数据库")?;
    let mut customer_ids = Vec::new();
    for (name, login) in CUSTOMERS {
        let (customer, _) =
            beian_server::accounts::create_customer(&store, name, login, PASSWORD).await?;
        customer_ids.push(customer);
    }
    beian_server::accounts::create(&store, OPERATOR, PASSWORD, Role::Operator, None, "审核员")
        .await?;
    let importer = Actor::system("demo-import");
    let filings: Vec<(Option<i64>, &beian_domain::Filing)> = sandbox
        .world()
        .filings
        .iter()
        .enumerate()
        .map(|(i, f)| (Some(customer_ids[i % customer_ids.len()]), &f.filing))
        .collect();
    store
        .upsert_filings(&filings, &importer, Utc::now())
        .await
        .context("无法导入演示备案")?;
    eprintln!("② 已导入 {} 份备案（{}）", filings.len(), db_path.display());

    // 3. A sweep with the live engine against the sandbox; orders are issued as it goes.
    let orders = Orders::new(
        store.clone(),
        WorkflowPolicy::default(),
        WorkingCalendar::bundled().context("节假日数据有误")?,
    );
    let engine = beian_engine::Engine::new(engine_config.clone()).context("无法启动核查引擎")?;
    let worker_options = WorkerOptions {
        id: "demo-worker".to_owned(),
        concurrency: 32,
        lease: chrono::Duration::minutes(2),
        poll: Duration::from_millis(500),
        drain: true,
        today: Some(config.check_date),
        recheck_backoff: beian_service::worker::DEFAULT_RECHECK_BACKOFF,
    };
    let (run_id, queued) = start_run(
        &store,
        &Actor::system("demo"),
        "sweep",
        RunOf::all(),
        Spread::Now,
        Utc::now(),
    )
    .await?;
    let stats = Worker::new(orders.clone(), engine, worker_options.clone())
        .run(std::future::pending())
        .await?;
    let open = store.order_counts(Scope::All).await?;
    eprintln!(
        "③ 核查批次 #{run_id}：{queued} 份备案已核查，签发整改单 {} 张（{:.1} 秒）",
        stats.issued,
        started.elapsed().as_secs_f64()
    );
    for count in &open {
        eprintln!("     {:<22} {}", count.key, count.count);
    }

    // 4. The console, with a worker and a scheduler behind it.
    let mut server_config = ServerConfig::new(db_url.clone(), args.listen);
    server_config.engine = Some(engine_config.clone());
    let state = AppState::with_store(server_config, store.clone())?;
    let running = start(state).await.context("无法启动控制台")?;
    let background_engine = beian_engine::Engine::new(engine_config).context("无法启动核查引擎")?;
    let background = Worker::new(
        orders.clone(),
        background_engine,
        WorkerOptions {
            drain: false,
            ..worker_options
        },
    );
    let worker_task = tokio::spawn(async move { background.run(std::future::pending()).await });
    let scheduler_orders = orders.clone();
    let scheduler_task = tokio::spawn(async move {
        let who = Who::system("demo-scheduler");
        let options = SchedulerOptions {
            period: None,
            batch: 200,
        };
        loop {
            if let Err(error) = tick(&scheduler_orders, &options, &who, Utc::now()).await {
                tracing::warn!(%error, "scheduler tick failed");
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    });

    let addr = running.addr;
    println!();
    println!("beian 演示已就绪：http://{addr}/");
    println!(
        "  客户账号   {}（{}）、{}（{}），密码 {PASSWORD}",
        CUSTOMERS[0].1, CUSTOMERS[0].0, CUSTOMERS[1].1, CUSTOMERS[1].0
    );
    println!("  审核员账号 {OPERATOR}，密码 {PASSWORD}");
    println!("  API 文档   http://{addr}/api/docs");
    println!("  网站自查   http://{addr}/selfcheck");
    println!("  数据库     {}", db_path.display());
    println!("按 Ctrl-C 退出。");

    let stop = async {
        match args.for_seconds {
            Some(seconds) => tokio::time::sleep(Duration::from_secs(seconds)).await,
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    };
    tokio::select! {
        _ = stop => {}
        result = running.task => {
            result.context("控制台异常退出")?.context("控制台异常退出")?;
        }
    }
    worker_task.abort();
    scheduler_task.abort();
    drop(sandbox);
    Ok(())
}
