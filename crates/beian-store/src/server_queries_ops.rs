// Queries the server (`beian-server`) needs beyond the store's own API, compiled once per
// backend like `ops.rs` (this file is `include!`d next to it and shares its imports).

/// Appends one audit row that is not a state change (an operator viewing unmasked
/// personal numbers), in its own transaction.
pub(crate) async fn server_audit_record(
    pool: &Pool<Db>,
    actor: &Actor,
    customer_id: Option<i64>,
    action: &str,
    subject: &str,
    detail: &Value,
    now: DateTime<Utc>,
) -> Result<i64> {
    let mut tx = begin(pool).await?;
    let seq = append_audit(
        &mut tx,
        now,
        actor,
        customer_id,
        action,
        subject,
        None,
        None,
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(seq)
}
