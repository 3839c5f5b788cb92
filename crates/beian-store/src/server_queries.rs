//! The store methods `beian-server` asked for; the SQL is in `server_queries_ops.rs`.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::{Actor, Pools, Result, Store, postgres_ops, sqlite_ops};

impl Store {
    /// Records an action that changes nothing but must be accountable (an operator
    /// unmasking personal numbers) in the hash-chained audit log; returns its sequence
    /// number. `detail` must not carry the personal numbers themselves.
    pub async fn audit_record(
        &self,
        actor: &Actor,
        customer_id: Option<i64>,
        action: &str,
        subject: &str,
        detail: &Value,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        match &self.pools {
            Pools::Sqlite(pool) => {
                sqlite_ops::server_audit_record(
                    pool,
                    actor,
                    customer_id,
                    action,
                    subject,
                    detail,
                    now,
                )
                .await
            }
            Pools::Postgres(pool) => {
                postgres_ops::server_audit_record(
                    pool,
                    actor,
                    customer_id,
                    action,
                    subject,
                    detail,
                    now,
                )
                .await
            }
        }
    }
}
