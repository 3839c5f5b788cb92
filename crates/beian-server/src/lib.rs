//! `beian serve`: the REST API under `/api/v1` and the Chinese web console.
//!
//! One axum router serves three audiences: customers (the 备案信息 console where they
//! read findings and submit changes), operators (review, decisions, enforcement) and
//! machines (the JSON API with Bearer tokens, described by the OpenAPI document at
//! `/api/openapi.json`). The public self-check needs no login.
//!
//! Reading order: [`app`] (what `beian serve` takes, [`app::ServerConfig`]; the router and its
//! state), [`auth`] (who is asking), then the API and console modules.

pub mod accounts;
pub mod api;
pub mod app;
pub mod attachments;
pub mod auth;
pub mod console;
pub mod error;
pub mod extract;
pub mod footer;
pub mod glue;
pub mod idempotency;
pub mod ops;
pub mod page;
pub mod present;
pub mod ratelimit;
pub mod secrets;
pub mod selfcheck;
pub mod views;

use chrono::FixedOffset;

/// China Standard Time: deadlines and every time the console shows are in it.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// Today's date in Beijing.
pub fn today_in_china() -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&china()).date_naive()
}

/// Logs to stderr, `RUST_LOG` style filter (default: info for beian, warnings for the rest).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("warn,beian_server=info,tower_http=info")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
