//! API load benchmark: the order list and an order's detail under 50 concurrent clients,
//! with the filings in PostgreSQL, measured by `wrk` (Debian's package) over loopback.
//!
//! ```text
//! cargo bench -p beian-server --bench api                        # 20,000 filings
//! BENCH_FILINGS=1000000 cargo bench -p beian-server --bench api  # the issue's figure
//! ```
//!
//! Settings (environment): `BENCH_FILINGS` (20,000), `BENCH_SECONDS` per scenario (15),
//! `BENCH_CONNECTIONS` (50), `BENCH_PG_ADMIN` (postgres://postgres@127.0.0.1:5432/postgres),
//! `BENCH_RESEED=1` to build the database again.
//!
//! The data lives in a database of its own, `beian_bench_api_<N>`, kept between runs (a
//! million filings take minutes to import): N filings of 100 customers, imported through the
//! store's own upsert, and an order for one filing in ten, issued through the store with its
//! audit row. The server is the real one (`beian serve`'s router and middleware: session and
//! token authentication, idempotency, masking) on a loopback port, in this process; wrk
//! sends the requests with an API token. Every scenario is printed beside the baseline of
//! the same run: `GET /api/v1/me`, an authenticated request that reads no order.

use std::net::SocketAddr;
use std::process::Command;
use std::str::FromStr;
use std::sync::Arc;

use beian_domain::Filing;
use beian_server::app::{AppState, ServerConfig, start};
use beian_store::{
    Actor, NewCustomer, NewOrder, OrderItem, OrderQuery, Role, Scope, Store, UpsertChange,
};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use sqlx::postgres::PgConnectOptions;

const BATCH: usize = 1_000;
const CUSTOMERS: usize = 100;

/// The wrk script: a Bearer token, a path with `{id}` filled from a list, and one
/// machine-readable line at the end.
const WRK_SCRIPT: &str = r#"
local token, path, ids
init = function(args)
  token = args[1]
  path = args[2]
  ids = {}
  if args[3] then
    for id in string.gmatch(args[3], "%d+") do ids[#ids + 1] = id end
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end
request = function()
  local p = path
  if #ids > 0 then p = string.gsub(path, "{id}", ids[math.random(#ids)]) end
  return wrk.format("GET", p, {["Authorization"] = "Bearer " .. token})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH %d %d %.0f %.0f %.0f %d %d %d %d %d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"#;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0)
        .single()
        .expect("valid time")
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn filing(template: &Filing, n: usize) -> Filing {
    let mut f = template.clone();
    f.entity.filing_number = Some(format!("京ICP备{n:010}号"));
    f.entity.name = format!("示例科技有限公司{n}");
    for (i, w) in f.websites.iter_mut().enumerate() {
        w.filing_number = Some(format!("京ICP备{n:010}号-{}", i + 1));
        w.domains = vec![format!("site{n}-{i}.example.cn")];
    }
    f
}

/// The database of this size, filled unless it already holds the data.
async fn database(admin_url: &str, n: usize) -> String {
    let name = format!("beian_bench_api_{n}");
    let admin = sqlx::PgPool::connect(admin_url)
        .await
        .expect("PostgreSQL (BENCH_PG_ADMIN)");
    let url = {
        let mut url = url::Url::parse(admin_url).expect("BENCH_PG_ADMIN is a URL");
        url.set_path(&name);
        url.to_string()
    };
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&admin)
            .await
            .expect("pg_database");
    let reseed = std::env::var("BENCH_RESEED").is_ok_and(|v| v == "1");
    if exists && !reseed {
        let store = Store::open(&url).await.expect("open");
        let pool = store.postgres_pool().expect("postgres");
        let filings: i64 = sqlx::query_scalar("SELECT count(*) FROM filings")
            .fetch_one(pool)
            .await
            .expect("count");
        let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM orders")
            .fetch_one(pool)
            .await
            .expect("count");
        store.close().await;
        if filings == n as i64 && orders == (n / 10) as i64 {
            println!("data: {name} already holds {filings} filings and {orders} orders");
            return url;
        }
    }
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&admin)
    .await
    .expect("drop");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("create");
    admin.close().await;
    let options = PgConnectOptions::from_str(&url).expect("url");
    let store = Store::open_postgres(options, 8).await.expect("open");
    seed(&store, n).await;
    store.close().await;
    url
}

async fn seed(store: &Store, n: usize) {
    let template =
        Filing::from_json(include_str!("../../../examples/company.jsonc")).expect("example");
    let actor = Actor::system("bench");
    let mut customers = Vec::new();
    for c in 0..CUSTOMERS {
        let new = NewCustomer {
            name: format!("客户{c}"),
            ..Default::default()
        };
        customers.push(store.create_customer(&new, t0()).await.expect("customer"));
    }
    let started = std::time::Instant::now();
    for chunk in (0..n).step_by(BATCH) {
        let end = (chunk + BATCH).min(n);
        let filings: Vec<Filing> = (chunk..end).map(|i| filing(&template, i)).collect();
        let items: Vec<(Option<i64>, &Filing)> = filings
            .iter()
            .enumerate()
            .map(|(k, f)| (Some(customers[(chunk + k) % CUSTOMERS]), f))
            .collect();
        let out = store
            .upsert_filings(&items, &actor, t0())
            .await
            .expect("import");
        assert!(out.iter().all(|o| o.change != UpsertChange::Unchanged));
        if end.is_multiple_of(100_000) {
            println!("  {end} filings ({:.0} s)", started.elapsed().as_secs_f64());
        }
    }
    let orders = n / 10;
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
                    keyword_only: false,
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
    for task in tasks {
        task.await.expect("issuer");
    }
    println!(
        "data: {n} filings and {orders} orders seeded in {:.0} s",
        started.elapsed().as_secs_f64()
    );
}

/// A fresh API token for an account.
async fn token(store: &Store, account_id: i64) -> String {
    let token = beian_server::secrets::random_token();
    store
        .create_api_token(
            account_id,
            "bench",
            &beian_server::secrets::sha256_hex(token.as_bytes()),
            None,
            Utc::now(),
        )
        .await
        .expect("token");
    token
}

/// An account of this role, made once.
async fn account(store: &Store, login: &str, role: Role, customer: Option<i64>) -> i64 {
    if let Some(a) = store.account_by_login(login).await.expect("account") {
        return a.id;
    }
    beian_server::accounts::create(store, login, "bench-password", role, customer, login)
        .await
        .expect("create account")
}

/// Ids of up to `limit` orders in a scope, from the store (the requests pick among them).
async fn order_ids(store: &Store, scope: Scope, limit: usize) -> Vec<i64> {
    let mut q = OrderQuery::new(scope, 200);
    let mut ids = Vec::new();
    while ids.len() < limit {
        let page = store.list_orders(&q).await.expect("orders");
        ids.extend(page.items.iter().map(|o| o.id));
        match page.next_after_id {
            Some(after) => q.after_id = Some(after),
            None => break,
        }
    }
    ids.truncate(limit);
    ids
}

/// What wrk measured.
struct Measured {
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    requests: u64,
    errors: u64,
    non_2xx: u64,
}

fn wrk(
    script: &std::path::Path,
    addr: SocketAddr,
    token: &str,
    path: &str,
    ids: &[i64],
) -> Measured {
    let seconds = env_usize("BENCH_SECONDS", 15);
    let connections = env_usize("BENCH_CONNECTIONS", 50);
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    let output = Command::new("wrk")
        .args(["-t", "2", "-c", &connections.to_string()])
        .args(["-d", &format!("{seconds}s"), "--timeout", "5s"])
        .arg("-s")
        .arg(script)
        .arg(format!("http://{addr}/"))
        .args(["--", token, path, &ids.join(",")])
        .output()
        .expect("wrk: install Debian's wrk (apt-get install wrk)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("BENCH "))
        .unwrap_or_else(|| {
            panic!(
                "wrk printed no result:\n{stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    let v: Vec<f64> = line
        .split_whitespace()
        .map(|x| x.parse().expect("number"))
        .collect();
    Measured {
        rate: v[0] / (v[1] / 1e6),
        p50_ms: v[2] / 1000.0,
        p99_ms: v[3] / 1000.0,
        max_ms: v[4] / 1000.0,
        requests: v[0] as u64,
        errors: (v[5] + v[6] + v[7] + v[9]) as u64,
        non_2xx: v[8] as u64,
    }
}

fn main() {
    let n = env_usize("BENCH_FILINGS", 20_000);
    let admin = std::env::var("BENCH_PG_ADMIN")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let url = database(&admin, n).await;
        let config = ServerConfig::new(url, SocketAddr::from(([127, 0, 0, 1], 0)));
        let state = AppState::new(config).await.expect("server state");
        let store = state.store.clone();
        let operator = account(&store, "bench-operator", Role::Operator, None).await;
        let first_customer = {
            let mut q = OrderQuery::new(Scope::All, 1);
            q.states = vec!["issued".into()];
            let page = store.list_orders(&q).await.expect("an order");
            page.items.first().expect("an order").customer_id
        };
        let customer = account(
            &store,
            "bench-customer",
            Role::Customer,
            first_customer,
        )
        .await;
        let operator_token = token(&store, operator).await;
        let customer_token = token(&store, customer).await;
        let all_ids = order_ids(&store, Scope::All, 5_000).await;
        let own_ids = order_ids(
            &store,
            Scope::Customer(first_customer.expect("an owner")),
            5_000,
        )
        .await;
        let running = start(Arc::clone(&state)).await.expect("server");
        let addr = running.addr;
        let dir = std::env::temp_dir().join(format!("beian-api-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let script = dir.join("bench.lua");
        std::fs::write(&script, WRK_SCRIPT).expect("script");

        let orders = store
            .postgres_pool()
            .map(|_| n / 10)
            .unwrap_or_default();
        println!(
            "== {n} filings, {orders} orders in PostgreSQL; {} connections, {} s per scenario",
            env_usize("BENCH_CONNECTIONS", 50),
            env_usize("BENCH_SECONDS", 15)
        );
        let scenarios: Vec<(&str, &str, &str, &[i64])> = vec![
            ("baseline: GET /api/v1/me (operator)", &operator_token, "/api/v1/me", &[]),
            (
                "order list, first page (operator, all customers)",
                &operator_token,
                "/api/v1/orders?limit=50",
                &[],
            ),
            (
                "order list by state from a random point (operator, keyset)",
                &operator_token,
                "/api/v1/orders?status=issued&limit=50&after_id={id}",
                &all_ids,
            ),
            (
                "order list, first page (customer, own orders)",
                &customer_token,
                "/api/v1/orders?limit=50",
                &[],
            ),
            (
                "order detail, random order (operator)",
                &operator_token,
                "/api/v1/orders/{id}",
                &all_ids,
            ),
            (
                "order detail, random own order (customer)",
                &customer_token,
                "/api/v1/orders/{id}",
                &own_ids,
            ),
        ];
        let mut baseline_p99 = None;
        println!(
            "{:<62} {:>9} {:>9} {:>9} {:>9} {:>8} {:>7} {:>9}",
            "scenario", "req/s", "p50 ms", "p99 ms", "max ms", "non-2xx", "errors", "p99/base"
        );
        let mut worst_p99: f64 = 0.0;
        let mut failures = 0;
        for (label, token, path, ids) in scenarios {
            let script = script.clone();
            let token = token.to_string();
            let path = path.to_string();
            let ids = ids.to_vec();
            let m = tokio::task::spawn_blocking(move || wrk(&script, addr, &token, &path, &ids))
                .await
                .expect("wrk");
            let base = *baseline_p99.get_or_insert(m.p99_ms);
            println!(
                "{label:<62} {:>9.0} {:>9.2} {:>9.2} {:>9.2} {:>8} {:>7} {:>8.1}×",
                m.rate,
                m.p50_ms,
                m.p99_ms,
                m.max_ms,
                m.non_2xx,
                m.errors,
                m.p99_ms / base
            );
            if !label.starts_with("baseline") {
                worst_p99 = worst_p99.max(m.p99_ms);
            }
            failures += m.non_2xx + m.errors;
            assert!(m.requests > 0, "{label}: no requests completed");
        }
        println!(
            "target p99 < 100 ms and no errors: {} (worst p99 {worst_p99:.1} ms, {failures} failed requests)",
            if worst_p99 < 100.0 && failures == 0 {
                "met"
            } else {
                "NOT met"
            }
        );
        running.task.abort();
        let _ = std::fs::remove_dir_all(&dir);
    });
}
