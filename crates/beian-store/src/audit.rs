//! 审计链 — the bridge between audit rows as stored and the workflow's hash chain
//! (`beian_domain::workflow::audit`), which defines the canonical encoding.

use chrono::DateTime;
use serde_json::Value;

use beian_domain::workflow::audit::{AuditRecord, ChainedRecord, chain_hash, parse_hash};
use beian_domain::workflow::calendar::shanghai;

use crate::model::AuditEntry;

/// The workflow's record of a stored row.
pub(crate) fn record_of(e: &AuditEntry) -> AuditRecord {
    AuditRecord {
        seq: u64::try_from(e.seq).unwrap_or(0),
        at: DateTime::from_timestamp_micros(e.at_us)
            .unwrap_or(DateTime::UNIX_EPOCH)
            .with_timezone(&shanghai()),
        actor: e.actor.clone(),
        action: e.action.clone(),
        subject: e.subject.clone(),
        from: e.from.clone(),
        to: e.to.clone(),
        detail_json: e.detail.clone(),
    }
}

pub(crate) fn chained(e: &AuditEntry) -> ChainedRecord {
    ChainedRecord {
        record: record_of(e),
        hash: e.hash.clone(),
    }
}

/// The hash of a new row after the stored hash `prev_hex`.
pub(crate) fn next_hash(prev_hex: &str, e: &AuditEntry) -> Option<String> {
    let prev = parse_hash(prev_hex)?;
    Some(chain_hash(&prev, &record_of(e)))
}

/// Whether the unhashed `customer_id` column says what the hashed detail says, so that
/// moving a row into another customer's view is detected too.
pub(crate) fn customer_matches(e: &AuditEntry) -> bool {
    let detail: Value = serde_json::from_str(&e.detail).unwrap_or(Value::Null);
    detail.get("customer_id").and_then(Value::as_i64) == e.customer_id
}
