//! Store benchmark: importing filings and listing orders, on SQLite and PostgreSQL.
//!
//! ```text
//! cargo bench -p beian-store                          # 20,000 filings
//! BENCH_FILINGS=1000000 cargo bench -p beian-store    # the full figure
//! BENCH_BACKENDS=sqlite cargo bench -p beian-store    # one backend
//! ```
//!
//! For each backend, in a fresh SQLite file or PostgreSQL schema:
//! - import: `upsert_filings` in batches of 1,000 (one transaction each); the baseline is a
//!   bare multi-row INSERT of the same rows (number and JSON body) into a table without
//!   indexes, in the same batches, so the figure shows what versioning costs on top of
//!   writing the bytes;
//! - re-import of the same filings (every one unchanged: nothing written);
//! - issuing orders for one filing in ten through `issue_order` (four concurrent issuers),
//!   then moving a third of them to `submitted`;
//! - listing: pages of 50 orders by state (`issued`, deep keyset paging), by customer and
//!   state, and the overdue list, each p50/p99 over 200 requests; the baseline is a
//!   primary-key lookup of one order through the same pool.

use std::str::FromStr;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use sqlx::postgres::PgConnectOptions;

use beian_domain::Filing;
use beian_store::*;

const BATCH: usize = 1_000;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0)
        .single()
        .expect("valid time")
}

fn filing(template: &Filing, n: usize) -> Filing {
    let mut f = template.clone();
    f.entity.filing_number = Some(format!("京ICP备{:010}号", n));
    f.entity.name = format!("示例科技有限公司{n}");
    for (i, w) in f.websites.iter_mut().enumerate() {
        w.filing_number = Some(format!("京ICP备{:010}号-{}", n, i + 1));
        w.domains = vec![format!("site{n}-{i}.example.cn")];
    }
    f
}

fn pct(samples: &mut [Duration], p: usize) -> Duration {
    samples.sort();
    samples[(samples.len() * p / 100).min(samples.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

async fn timed<F, Fut, T>(n: usize, mut f: F) -> (Duration, Duration)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let start = Instant::now();
        f(i).await;
        samples.push(start.elapsed());
    }
    (pct(&mut samples, 50), pct(&mut samples, 99))
}

async fn baseline_insert(store: &Store, template: &Filing, n: usize) -> Duration {
    let start = Instant::now();
    for chunk_start in (0..n).step_by(BATCH) {
        let end = (chunk_start + BATCH).min(n);
        let rows: Vec<(String, String)> = (chunk_start..end)
            .map(|i| {
                let f = filing(template, i);
                (
                    f.entity.filing_number.clone().unwrap_or_default(),
                    serde_json::to_string(&f).expect("serialise"),
                )
            })
            .collect();
        if let Some(pool) = store.sqlite_pool() {
            let mut tx = pool.begin().await.expect("begin");
            for part in rows.chunks(500) {
                let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                    "INSERT INTO bench_baseline (number, body) ",
                );
                qb.push_values(part, |mut b, (num, body)| {
                    b.push_bind(num.clone()).push_bind(body.clone());
                });
                qb.build().execute(&mut *tx).await.expect("insert");
            }
            tx.commit().await.expect("commit");
        } else {
            let pool = store.postgres_pool().expect("pg");
            let mut tx = pool.begin().await.expect("begin");
            for part in rows.chunks(500) {
                let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new(
                    "INSERT INTO bench_baseline (number, body) ",
                );
                qb.push_values(part, |mut b, (num, body)| {
                    b.push_bind(num.clone()).push_bind(sqlx::types::Json(
                        serde_json::from_str::<serde_json::Value>(body).expect("json"),
                    ));
                });
                qb.build().execute(&mut *tx).await.expect("insert");
            }
            tx.commit().await.expect("commit");
        }
    }
    start.elapsed()
}

async fn run(store: Store, label: &str, n: usize) {
    let template =
        Filing::from_json(include_str!("../../../examples/company.jsonc")).expect("example filing");
    let actor = Actor::system("bench");
    println!("== {label}: {n} filings");

    // Baseline: bare multi-row inserts of the same rows.
    if let Some(pool) = store.sqlite_pool() {
        sqlx::raw_sql("CREATE TABLE bench_baseline (number TEXT, body TEXT)")
            .execute(pool)
            .await
            .expect("baseline table");
    } else if let Some(pool) = store.postgres_pool() {
        sqlx::raw_sql("CREATE TABLE bench_baseline (number TEXT, body JSONB)")
            .execute(pool)
            .await
            .expect("baseline table");
    }
    let base = baseline_insert(&store, &template, n).await;

    let mut customers = Vec::new();
    for c in 0..100 {
        customers.push(
            store
                .create_customer(
                    &NewCustomer {
                        name: format!("客户{c}"),
                        ..Default::default()
                    },
                    t0(),
                )
                .await
                .expect("customer"),
        );
    }
    let owner = |i: usize| Some(customers[i % customers.len()]);

    let start = Instant::now();
    for chunk_start in (0..n).step_by(BATCH) {
        let end = (chunk_start + BATCH).min(n);
        let filings: Vec<Filing> = (chunk_start..end).map(|i| filing(&template, i)).collect();
        let items: Vec<(Option<i64>, &Filing)> = filings
            .iter()
            .enumerate()
            .map(|(k, f)| (owner(chunk_start + k), f))
            .collect();
        store
            .upsert_filings(&items, &actor, t0())
            .await
            .expect("import");
    }
    let import = start.elapsed();
    println!(
        "import        {:>9.0} filings/s ({:.1} s)   baseline bare INSERT {:>9.0} rows/s ({:.1} s)",
        n as f64 / import.as_secs_f64(),
        import.as_secs_f64(),
        n as f64 / base.as_secs_f64(),
        base.as_secs_f64()
    );

    let re_n = n.min(100_000);
    let start = Instant::now();
    for chunk_start in (0..re_n).step_by(BATCH) {
        let end = (chunk_start + BATCH).min(re_n);
        let filings: Vec<Filing> = (chunk_start..end).map(|i| filing(&template, i)).collect();
        let items: Vec<(Option<i64>, &Filing)> = filings
            .iter()
            .enumerate()
            .map(|(k, f)| (owner(chunk_start + k), f))
            .collect();
        let out = store
            .upsert_filings(&items, &actor, t0())
            .await
            .expect("re-import");
        assert!(out.iter().all(|o| o.change == UpsertChange::Unchanged));
    }
    let reimport = start.elapsed();
    println!(
        "re-import     {:>9.0} filings/s ({re_n} unchanged, nothing written)",
        re_n as f64 / reimport.as_secs_f64()
    );

    // Orders for one filing in ten, four issuers at once.
    let orders = n / 10;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        let actor = actor.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = w;
            while i < orders {
                let order = NewOrder {
                    filing_id: (i * 10 + 1) as i64,
                    run_id: None,
                    deadline_at: t0() + chrono::Duration::hours((i % 500) as i64),
                    keyword_only: i % 7 == 0,
                    items: vec![OrderItem {
                        position: 0,
                        check_id: "site.title_mismatch".into(),
                        target: json!({"kind": "website", "index": 0, "name": "云帆数据"}),
                        field: Some("网站名称".into()),
                        message: "首页标题不含网站名称".into(),
                        reason: "网站名称与首页标题不一致".into(),
                        remedy: "修改首页标题或变更网站名称".into(),
                        actions: vec!["变更网站".into(), "修改网站内容".into()],
                        evidence: json!([{"label": "首页标题", "value": "欢迎"}]),
                        fingerprint: "bench".into(),
                    }],
                    actor: actor.clone(),
                    outbox: Vec::new(),
                    inbox: Vec::new(),
                };
                store.issue_order(&order, t0()).await.expect("issue");
                i += 4;
            }
        }));
    }
    for t in tasks {
        t.await.expect("issuer");
    }
    let issue = start.elapsed();
    println!(
        "issue orders  {:>9.0} orders/s ({orders} orders, 4 issuers, each with its audit row)",
        orders as f64 / issue.as_secs_f64()
    );
    let mut q = OrderQuery::new(Scope::All, 1000);
    q.states = vec!["issued".into()];
    let mut moved = 0;
    'outer: loop {
        let page = store.list_orders(&q).await.expect("page");
        for (k, o) in page.items.iter().enumerate() {
            if k % 3 == 0 {
                let t = Transition::new(o, Scope::All, "submitted", "submit", actor.clone(), t0());
                store.transition(&t).await.expect("submit");
                moved += 1;
                if moved >= orders / 3 {
                    break 'outer;
                }
            }
        }
        match page.next_after_id {
            Some(a) => q.after_id = Some(a),
            None => break,
        }
    }

    // Listing.
    let reps = 200;
    let (b50, b99) = timed(reps, |i| {
        let store = store.clone();
        async move {
            store
                .order(Scope::All, (i % orders.max(1) + 1) as i64)
                .await
                .expect("order")
        }
    })
    .await;
    println!(
        "baseline: one order by id       p50 {:>9} p99 {:>9}",
        ms(b50),
        ms(b99)
    );

    let (p50, p99) = timed(reps, |_| {
        let store = store.clone();
        async move {
            let mut q = OrderQuery::new(Scope::All, 50);
            q.states = vec!["issued".into()];
            store.list_orders(&q).await.expect("list")
        }
    })
    .await;
    println!(
        "orders by state, first page    p50 {:>9} p99 {:>9}",
        ms(p50),
        ms(p99)
    );

    // Deep keyset paging: walk 200 pages.
    let mut q = OrderQuery::new(Scope::All, 50);
    q.states = vec!["issued".into()];
    let mut samples = Vec::new();
    for _ in 0..reps {
        let start = Instant::now();
        let page = store.list_orders(&q).await.expect("list");
        samples.push(start.elapsed());
        match page.next_after_id {
            Some(a) => q.after_id = Some(a),
            None => q.after_id = None,
        }
    }
    println!(
        "orders by state, 200 pages deep p50 {:>9} p99 {:>9}",
        ms(pct(&mut samples, 50)),
        ms(pct(&mut samples, 99))
    );

    let (c50, c99) = timed(reps, |i| {
        let store = store.clone();
        let customer = customers[i % customers.len()];
        async move {
            let mut q = OrderQuery::new(Scope::Customer(customer), 50);
            q.states = vec!["issued".into(), "submitted".into()];
            store.list_orders(&q).await.expect("list")
        }
    })
    .await;
    println!(
        "orders of a customer by state  p50 {:>9} p99 {:>9}",
        ms(c50),
        ms(c99)
    );

    let (d50, d99) = timed(reps, |i| {
        let store = store.clone();
        async move {
            let now = t0() + chrono::Duration::hours((i % 500) as i64);
            store
                .orders_due(Scope::All, None, now, CUSTOMER_ACTION_STATES, 50)
                .await
                .expect("overdue")
        }
    })
    .await;
    println!(
        "overdue orders, first 50       p50 {:>9} p99 {:>9}",
        ms(d50),
        ms(d99)
    );

    let (k50, k99) = timed(20, |_| {
        let store = store.clone();
        async move { store.order_counts(Scope::All).await.expect("counts") }
    })
    .await;
    println!(
        "order counts by state          p50 {:>9} p99 {:>9}",
        ms(k50),
        ms(k99)
    );
    let (f50, f99) = timed(20, |i| {
        let store = store.clone();
        let customer = customers[i % customers.len()];
        async move {
            store
                .filing_counts(Scope::Customer(customer))
                .await
                .expect("counts")
        }
    })
    .await;
    println!(
        "filing counts of a customer    p50 {:>9} p99 {:>9}",
        ms(f50),
        ms(f99)
    );

    let start = Instant::now();
    let report = store.audit_verify().await.expect("verify");
    println!(
        "audit verify  {} rows in {:.2} s, intact: {}",
        report.rows,
        start.elapsed().as_secs_f64(),
        report.is_intact()
    );
}

fn main() {
    let n: usize = std::env::var("BENCH_FILINGS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        if backends.contains("sqlite") {
            let dir =
                std::env::temp_dir().join(format!("beian-store-bench-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("bench dir");
            let url = format!("sqlite://{}", dir.join("bench.db").display());
            let store = Store::open(&url).await.expect("open SQLite");
            run(store.clone(), "SQLite (WAL, synchronous=NORMAL)", n).await;
            store.close().await;
            let _ = std::fs::remove_dir_all(&dir);
        }
        if backends.contains("postgres") {
            let url = std::env::var("BENCH_PG_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
            let schema = format!("beian_bench_{}", std::process::id());
            let admin = sqlx::PgPool::connect(&url)
                .await
                .expect("PostgreSQL at 127.0.0.1:5432");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&admin)
                .await
                .expect("schema");
            let options = PgConnectOptions::from_str(&url)
                .expect("url")
                .options([("search_path", schema.as_str())]);
            let store = Store::open_postgres(options, 8)
                .await
                .expect("open PostgreSQL");
            run(store.clone(), "PostgreSQL 15 (loopback)", n).await;
            store.close().await;
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&admin)
                .await
                .expect("drop schema");
        }
    });
}
