//! Runs one contract test on a fresh SQLite file and on a fresh PostgreSQL schema.
//!
//! PostgreSQL is the real server at 127.0.0.1:5432 (user `postgres`, database `test`, or
//! `BEIAN_TEST_PG_URL`); each test gets its own schema, named uniquely so parallel tests
//! never meet, and drops it afterwards, even when the test panics.

#![allow(dead_code)]

use std::future::Future;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, TimeZone, Utc};
use sqlx::postgres::PgConnectOptions;

use beian_domain::Filing;
use beian_store::{Backend, Store};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn pg_url() -> String {
    std::env::var("BEIAN_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

async fn finish(result: Result<(), tokio::task::JoinError>) {
    if let Err(e) = result {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test task failed: {e}");
    }
}

pub async fn on_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir: PathBuf = std::env::temp_dir().join(unique("beian-store-test"));
    std::fs::create_dir_all(&dir).expect("create the test directory");
    let url = format!("sqlite://{}", dir.join("store.db").display());
    let store = Store::open(&url).await.expect("open the SQLite store");
    assert_eq!(store.backend(), Backend::Sqlite);
    let result = tokio::spawn(test(store.clone())).await;
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    finish(result).await;
}

pub async fn on_postgres<F, Fut>(test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let url = pg_url();
    let schema = unique("beian_test");
    let admin = sqlx::PgPool::connect(&url)
        .await
        .expect("PostgreSQL must run at 127.0.0.1:5432 (scripts/test.sh starts it)");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .expect("create the test schema");
    let options = PgConnectOptions::from_str(&url)
        .expect("PostgreSQL URL")
        .options([("search_path", schema.as_str())]);
    let store = Store::open_postgres(options, 8)
        .await
        .expect("open the PostgreSQL store");
    assert_eq!(store.backend(), Backend::Postgres);
    let result = tokio::spawn(test(store.clone())).await;
    store.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&admin)
        .await
        .expect("drop the test schema");
    admin.close().await;
    finish(result).await;
}

/// Declares each listed `async fn(Store)` as a test on both backends.
#[macro_export]
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::harness::on_sqlite(super::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::harness::on_postgres(super::$name).await;
                }
            )*
        }
    };
}

/// Statements behind the store's back (tampering, inspection), on either backend.
pub async fn raw(store: &Store, sql: &'static str) -> Result<u64, sqlx::Error> {
    if let Some(pool) = store.sqlite_pool() {
        Ok(sqlx::raw_sql(sql).execute(pool).await?.rows_affected())
    } else {
        let pool = store.postgres_pool().expect("one of the two backends");
        Ok(sqlx::raw_sql(sql).execute(pool).await?.rows_affected())
    }
}

/// One number from a query behind the store's back.
pub async fn scalar(store: &Store, sql: &'static str) -> i64 {
    if let Some(pool) = store.sqlite_pool() {
        sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql)
    } else {
        let pool = store.postgres_pool().expect("one of the two backends");
        sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql)
    }
}

/// A fixed moment: Monday 2026-11-30 10:00 Beijing time.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0)
        .single()
        .expect("valid time")
}

/// The example company, under filing number `京ICP备2024{n:06}号`.
pub fn filing(n: u32) -> Filing {
    let mut f = Filing::from_json(include_str!("../../../../examples/company.jsonc"))
        .expect("the example filing parses");
    f.entity.filing_number = Some(format!("京ICP备2024{n:06}号"));
    f.entity.name = format!("示例科技有限公司{n}");
    for (i, w) in f.websites.iter_mut().enumerate() {
        w.filing_number = Some(format!("京ICP备2024{n:06}号-{}", i + 1));
    }
    f
}
