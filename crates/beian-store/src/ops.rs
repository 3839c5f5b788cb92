// The queries, written once and compiled for each backend: `lib.rs` includes this file
// in a module per backend that defines `Db` (the sqlx database) and `PG` (whether it is
// PostgreSQL). Where the SQL differs, `if PG { … } else { … }` picks the text.
//
// SQLite takes `$N` parameters like PostgreSQL, so almost every statement is shared.
// SQLite write transactions start with BEGIN IMMEDIATE: SQLite has one writer, and taking
// the write lock up front avoids the deadlock of two readers upgrading at once.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::types::Json;
use sqlx::{Pool, QueryBuilder, Row, Transaction};

use beian_domain::workflow::order::fingerprint;
use beian_domain::{Filing, Finding};

use crate::audit::{chained, customer_matches, next_hash};
use crate::error::{Result, StoreError};
use crate::model::*;
use crate::search::{FilingHit, FilingSearch, SearchTerm, credit_code_key, domain_key};
use crate::util::{
    ATTACHMENT_MEDIA_TYPES, CHANGE_KINDS, CLOSED_ORDER_STATES, EXTENSION_STATES, FILING_STATUSES, ORDER_STATES, check_code,
    from_ms, from_ms_opt, ms, retry_delay, sha256_hex,
};

type Tx = Transaction<'static, Db>;
type DbRow = <Db as sqlx::Database>::Row;

/// Rows per multi-row INSERT: far below both backends' bind-parameter limits.
const INSERT_CHUNK: usize = 500;

const CLOSED_SQL: &str = "('resolved', 'deregistered')";

async fn begin(pool: &Pool<Db>) -> Result<Tx> {
    Ok(if PG {
        pool.begin().await?
    } else {
        pool.begin_with("BEGIN IMMEDIATE").await?
    })
}

fn json_of(row: &DbRow, col: &str) -> Result<Value> {
    Ok(row.try_get::<Json<Value>, _>(col)?.0)
}

fn json_opt(row: &DbRow, col: &str) -> Result<Option<Value>> {
    Ok(row.try_get::<Option<Json<Value>>, _>(col)?.map(|j| j.0))
}

// ---------------------------------------------------------------- audit

/// Appends one audit row, locking the chain head so that sequence numbers follow commit
/// order. Call it last in a transaction, to hold the lock for the shortest time.
#[allow(clippy::too_many_arguments)]
async fn append_audit(
    tx: &mut Tx,
    now: DateTime<Utc>,
    actor: &Actor,
    customer_id: Option<i64>,
    action: &str,
    subject: &str,
    from: Option<&str>,
    to: Option<&str>,
    data: &Value,
) -> Result<i64> {
    let head_sql = if PG {
        "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
    } else {
        "SELECT seq, hash FROM audit_head WHERE id = 1"
    };
    let head = sqlx::query(head_sql).fetch_one(&mut **tx).await?;
    let prev_seq: i64 = head.try_get("seq")?;
    let prev_hash: String = head.try_get("hash")?;
    let mut entry = AuditEntry {
        seq: prev_seq + 1,
        at_us: now.timestamp_micros(),
        actor: actor.label.clone(),
        action: action.to_owned(),
        subject: subject.to_owned(),
        from: from.map(str::to_owned),
        to: to.map(str::to_owned),
        detail: json!({
            "customer_id": customer_id,
            "account_id": actor.account_id,
            "data": data,
        })
        .to_string(),
        customer_id,
        prev_hash: prev_hash.clone(),
        hash: String::new(),
    };
    entry.hash = next_hash(&prev_hash, &entry).ok_or(StoreError::Invalid {
        field: "audit_head.hash",
        value: prev_hash.clone(),
        reason: "the stored chain head is not a SHA-256 hash",
    })?;
    sqlx::query(
        "INSERT INTO audit_log (seq, at_us, actor, action, subject, from_state, to_state, detail, \
         customer_id, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(entry.seq)
    .bind(entry.at_us)
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.subject)
    .bind(entry.from.as_deref())
    .bind(entry.to.as_deref())
    .bind(&entry.detail)
    .bind(entry.customer_id)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(entry.seq)
        .bind(&entry.hash)
        .execute(&mut **tx)
        .await?;
    Ok(entry.seq)
}

fn audit_from_row(row: &DbRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at_us: row.try_get("at_us")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        subject: row.try_get("subject")?,
        from: row.try_get("from_state")?,
        to: row.try_get("to_state")?,
        detail: row.try_get("detail")?,
        customer_id: row.try_get("customer_id")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

pub(crate) async fn audit_verify(pool: &Pool<Db>) -> Result<AuditReport> {
    use beian_domain::workflow::audit::{GENESIS, to_hex, verify_chain_from};
    // Walked a page at a time, so a long chain never sits in memory at once.
    const PAGE: i64 = 5_000;
    let mut rows = 0_i64;
    let mut next_seq = 1_i64;
    let mut prev = GENESIS;
    loop {
        let page = sqlx::query("SELECT * FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2")
            .bind(next_seq)
            .bind(PAGE)
            .fetch_all(pool)
            .await?;
        let entries = page
            .iter()
            .map(audit_from_row)
            .collect::<Result<Vec<_>>>()?;
        let records: Vec<_> = entries.iter().map(chained).collect();
        match verify_chain_from(&prev, next_seq as u64, &records) {
            Ok(last) => prev = last,
            Err(b) => {
                let seq = b.seq as i64;
                return Ok(AuditReport {
                    rows: rows + (seq - next_seq),
                    broken: Some((seq, b.reason)),
                });
            }
        }
        for e in &entries {
            if !customer_matches(e) {
                return Ok(AuditReport {
                    rows: rows + (e.seq - next_seq),
                    broken: Some((e.seq, "记录的客户与哈希覆盖的内容不符".to_owned())),
                });
            }
        }
        rows += entries.len() as i64;
        next_seq += entries.len() as i64;
        if (entries.len() as i64) < PAGE {
            break;
        }
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(pool)
        .await?;
    let head_seq: i64 = head.try_get("seq")?;
    let head_hash: String = head.try_get("hash")?;
    let broken = if head_seq != next_seq - 1 || head_hash != to_hex(&prev) {
        Some((
            next_seq.min(head_seq),
            format!(
                "链头记录共{head_seq}条，日志中可验证的只有{}条（末尾记录被删除或改动）",
                next_seq - 1
            ),
        ))
    } else {
        None
    };
    Ok(AuditReport { rows, broken })
}

pub(crate) async fn audit_for(
    pool: &Pool<Db>,
    scope: Scope,
    subject: &str,
) -> Result<Vec<AuditEntry>> {
    let rows = sqlx::query(
        "SELECT * FROM audit_log WHERE subject = $1 AND ($2 IS NULL OR customer_id = $2) \
         ORDER BY seq",
    )
    .bind(subject)
    .bind(scope.customer())
    .fetch_all(pool)
    .await?;
    rows.iter().map(audit_from_row).collect()
}

pub(crate) async fn audit_tail(
    pool: &Pool<Db>,
    before_seq: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>> {
    let rows = sqlx::query(
        "SELECT * FROM audit_log WHERE ($1 IS NULL OR seq < $1) ORDER BY seq DESC LIMIT $2",
    )
    .bind(before_seq)
    .bind(limit.clamp(1, 1000))
    .fetch_all(pool)
    .await?;
    rows.iter().map(audit_from_row).collect()
}

// ---------------------------------------------------------------- customers and accounts

fn customer_from_row(row: &DbRow) -> Result<Customer> {
    Ok(Customer {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        webhook_url: row.try_get("webhook_url")?,
        created_at: from_ms(row.try_get("created_at")?),
    })
}

pub(crate) async fn create_customer(
    pool: &Pool<Db>,
    c: &NewCustomer,
    now: DateTime<Utc>,
) -> Result<i64> {
    if c.name.trim().is_empty() {
        return Err(StoreError::Invalid {
            field: "customer.name",
            value: c.name.clone(),
            reason: "must not be empty",
        });
    }
    Ok(sqlx::query_scalar(
        "INSERT INTO customers (name, email, webhook_url, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(&c.name)
    .bind(c.email.as_deref())
    .bind(c.webhook_url.as_deref())
    .bind(ms(now))
    .fetch_one(pool)
    .await?)
}

pub(crate) async fn customer(pool: &Pool<Db>, id: i64) -> Result<Option<Customer>> {
    let row = sqlx::query("SELECT * FROM customers WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(customer_from_row).transpose()
}

pub(crate) async fn customers(pool: &Pool<Db>) -> Result<Vec<Customer>> {
    let rows = sqlx::query("SELECT * FROM customers ORDER BY id")
        .fetch_all(pool)
        .await?;
    rows.iter().map(customer_from_row).collect()
}

fn account_from_row(row: &DbRow) -> Result<Account> {
    let role: String = row.try_get("role")?;
    Ok(Account {
        id: row.try_get("id")?,
        login: row.try_get("login")?,
        password_hash: row.try_get("password_hash")?,
        role: Role::parse(&role).ok_or(StoreError::Invalid {
            field: "account.role",
            value: role.clone(),
            reason: "not a known role",
        })?,
        customer_id: row.try_get("customer_id")?,
        display_name: row.try_get("display_name")?,
        disabled: row.try_get("disabled")?,
        created_at: from_ms(row.try_get("created_at")?),
    })
}

pub(crate) async fn create_account(
    pool: &Pool<Db>,
    a: &NewAccount,
    now: DateTime<Utc>,
) -> Result<i64> {
    if a.login.trim().is_empty() {
        return Err(StoreError::Invalid {
            field: "account.login",
            value: a.login.clone(),
            reason: "must not be empty",
        });
    }
    if (a.role == Role::Customer) != a.customer_id.is_some() {
        return Err(StoreError::Invalid {
            field: "account.customer_id",
            value: format!("{:?}", a.customer_id),
            reason: "customer accounts need a customer and staff accounts have none",
        });
    }
    Ok(sqlx::query_scalar(
        "INSERT INTO accounts (login, password_hash, role, customer_id, display_name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&a.login)
    .bind(&a.password_hash)
    .bind(a.role.code())
    .bind(a.customer_id)
    .bind(&a.display_name)
    .bind(ms(now))
    .fetch_one(pool)
    .await?)
}

pub(crate) async fn account(pool: &Pool<Db>, id: i64) -> Result<Option<Account>> {
    let row = sqlx::query("SELECT * FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(account_from_row).transpose()
}

pub(crate) async fn account_by_login(pool: &Pool<Db>, login: &str) -> Result<Option<Account>> {
    let row = sqlx::query("SELECT * FROM accounts WHERE login = $1")
        .bind(login)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(account_from_row).transpose()
}

pub(crate) async fn accounts(pool: &Pool<Db>, scope: Scope) -> Result<Vec<Account>> {
    let rows =
        sqlx::query("SELECT * FROM accounts WHERE ($1 IS NULL OR customer_id = $1) ORDER BY id")
            .bind(scope.customer())
            .fetch_all(pool)
            .await?;
    rows.iter().map(account_from_row).collect()
}

pub(crate) async fn set_password_hash(pool: &Pool<Db>, id: i64, hash: &str) -> Result<bool> {
    let r = sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub(crate) async fn set_account_disabled(pool: &Pool<Db>, id: i64, disabled: bool) -> Result<bool> {
    let r = sqlx::query("UPDATE accounts SET disabled = $1 WHERE id = $2")
        .bind(disabled)
        .bind(id)
        .execute(pool)
        .await?;
    if disabled {
        sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(id)
            .execute(pool)
            .await?;
    }
    Ok(r.rows_affected() == 1)
}

pub(crate) async fn create_session(
    pool: &Pool<Db>,
    token_hash: &str,
    account_id: i64,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, created_at, expires_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $3)",
    )
    .bind(token_hash)
    .bind(account_id)
    .bind(ms(now))
    .bind(ms(expires_at))
    .execute(pool)
    .await?;
    Ok(())
}

/// How stale a session's `last_seen_at` or a token's `last_used_at` may grow before a request
/// writes it again. Writing it on every request made every request a write, and concurrent
/// requests with one credential queued on that row's lock; a minute is precise enough to
/// say when a credential was last used.
const TOUCH_EVERY_MS: i64 = 60_000;

/// Whether the credential's last-use time (the row's `credential_touched_at`) is older than
/// [`TOUCH_EVERY_MS`].
fn touch_due(row: &DbRow, now: DateTime<Utc>) -> Result<bool> {
    let touched: Option<i64> = row.try_get("credential_touched_at")?;
    Ok(touched.is_none_or(|t| ms(now) - t >= TOUCH_EVERY_MS))
}

pub(crate) async fn session_account(
    pool: &Pool<Db>,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Account>> {
    let row = sqlx::query(
        "SELECT a.*, s.last_seen_at AS credential_touched_at \
         FROM sessions s JOIN accounts a ON a.id = s.account_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT a.disabled",
    )
    .bind(token_hash)
    .bind(ms(now))
    .fetch_optional(pool)
    .await?;
    if let Some(row) = &row
        && touch_due(row, now)?
    {
        sqlx::query(
            "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at < $1",
        )
        .bind(ms(now))
        .bind(token_hash)
        .execute(pool)
        .await?;
    }
    row.as_ref().map(account_from_row).transpose()
}

pub(crate) async fn delete_session(pool: &Pool<Db>, token_hash: &str) -> Result<bool> {
    let r = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub(crate) async fn purge_sessions(pool: &Pool<Db>, now: DateTime<Utc>) -> Result<u64> {
    let r = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(ms(now))
        .execute(pool)
        .await?;
    Ok(r.rows_affected())
}

pub(crate) async fn create_api_token(
    pool: &Pool<Db>,
    account_id: i64,
    name: &str,
    token_hash: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO api_tokens (account_id, name, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(account_id)
    .bind(name)
    .bind(token_hash)
    .bind(ms(now))
    .bind(expires_at.map(ms))
    .fetch_one(pool)
    .await?)
}

pub(crate) async fn api_token_account(
    pool: &Pool<Db>,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Account>> {
    let row = sqlx::query(
        "SELECT a.*, t.last_used_at AS credential_touched_at \
         FROM api_tokens t JOIN accounts a ON a.id = t.account_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL \
         AND (t.expires_at IS NULL OR t.expires_at > $2) AND NOT a.disabled",
    )
    .bind(token_hash)
    .bind(ms(now))
    .fetch_optional(pool)
    .await?;
    if let Some(row) = &row
        && touch_due(row, now)?
    {
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 \
             AND (last_used_at IS NULL OR last_used_at < $1)",
        )
        .bind(ms(now))
        .bind(token_hash)
        .execute(pool)
        .await?;
    }
    row.as_ref().map(account_from_row).transpose()
}

pub(crate) async fn revoke_api_token(
    pool: &Pool<Db>,
    account_id: i64,
    token_id: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND account_id = $3 \
         AND revoked_at IS NULL",
    )
    .bind(ms(now))
    .bind(token_id)
    .bind(account_id)
    .execute(pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

// ---------------------------------------------------------------- idempotency keys

pub(crate) async fn idempotency_begin(
    pool: &Pool<Db>,
    account_id: i64,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> Result<IdempotencyBegin> {
    // Twice: the key may be abandoned or purged between the insert and the look-up, and
    // then this request simply goes first.
    let mut found = None;
    for _ in 0..2 {
        let r = sqlx::query(
            "INSERT INTO idempotency_keys (account_id, key, request_hash, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(account_id)
        .bind(key)
        .bind(request_hash)
        .bind(ms(now))
        .execute(pool)
        .await?;
        if r.rows_affected() == 1 {
            return Ok(IdempotencyBegin::New);
        }
        found = sqlx::query(
            "SELECT request_hash, response_status, response_body FROM idempotency_keys \
             WHERE account_id = $1 AND key = $2",
        )
        .bind(account_id)
        .bind(key)
        .fetch_optional(pool)
        .await?;
        if found.is_some() {
            break;
        }
    }
    let Some(row) = found else {
        return Ok(IdempotencyBegin::InProgress);
    };
    let stored: String = row.try_get("request_hash")?;
    if stored != request_hash {
        return Ok(IdempotencyBegin::Mismatch);
    }
    let status: Option<i64> = row.try_get("response_status")?;
    let body: Option<String> = row.try_get("response_body")?;
    Ok(match status {
        Some(status) => IdempotencyBegin::Replay {
            status,
            body: body.unwrap_or_default(),
        },
        None => IdempotencyBegin::InProgress,
    })
}

pub(crate) async fn idempotency_finish(
    pool: &Pool<Db>,
    account_id: i64,
    key: &str,
    status: i64,
    body: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE idempotency_keys SET response_status = $1, response_body = $2, completed_at = $3 \
         WHERE account_id = $4 AND key = $5 AND completed_at IS NULL",
    )
    .bind(status)
    .bind(body)
    .bind(ms(now))
    .bind(account_id)
    .bind(key)
    .execute(pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub(crate) async fn idempotency_abandon(pool: &Pool<Db>, account_id: i64, key: &str) -> Result<()> {
    sqlx::query(
        "DELETE FROM idempotency_keys WHERE account_id = $1 AND key = $2 AND completed_at IS NULL",
    )
    .bind(account_id)
    .bind(key)
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn idempotency_purge(pool: &Pool<Db>, before: DateTime<Utc>) -> Result<u64> {
    let r = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(ms(before))
        .execute(pool)
        .await?;
    Ok(r.rows_affected())
}

// ---------------------------------------------------------------- filings

struct Prepared<'a> {
    customer_id: Option<i64>,
    filing: &'a Filing,
    number: String,
    body: Value,
    hash: String,
}

fn prepare<'a>(customer_id: Option<i64>, filing: &'a Filing) -> Result<Prepared<'a>> {
    let number = filing
        .entity
        .filing_number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or(StoreError::Invalid {
            field: "entity.filing_number",
            value: String::new(),
            reason: "a filing is stored under its entity filing number, which is missing",
        })?
        .to_owned();
    let body = serde_json::to_value(filing).map_err(|source| StoreError::Corrupt {
        what: "filing",
        source,
    })?;
    let hash = sha256_hex(body.to_string().as_bytes());
    Ok(Prepared {
        customer_id,
        filing,
        number,
        body,
        hash,
    })
}

pub(crate) async fn upsert_filings(
    pool: &Pool<Db>,
    items: &[(Option<i64>, &Filing)],
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<UpsertOutcome>> {
    let prepared = items
        .iter()
        .map(|(c, f)| prepare(*c, f))
        .collect::<Result<Vec<_>>>()?;
    let mut tx = begin(pool).await?;
    let mut out = Vec::with_capacity(prepared.len());
    // A number repeated within the batch is applied in order, in a sub-batch of its own.
    let mut start = 0;
    while start < prepared.len() {
        let mut seen = std::collections::HashSet::new();
        let mut end = start;
        while end < prepared.len() && seen.insert(prepared[end].number.as_str()) {
            end += 1;
        }
        out.extend(upsert_sub_batch(&mut tx, &prepared[start..end], now).await?);
        start = end;
    }
    let created = out
        .iter()
        .filter(|o| o.change == UpsertChange::Created)
        .count();
    let updated: Vec<i64> = out
        .iter()
        .filter(|o| o.change == UpsertChange::Updated)
        .map(|o| o.filing_id)
        .collect();
    if created > 0 || !updated.is_empty() {
        append_audit(
            &mut tx,
            now,
            actor,
            None,
            "import",
            "filings",
            None,
            None,
            &json!({ "created": created, "updated_ids": updated }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(out)
}

async fn upsert_sub_batch(
    tx: &mut Tx,
    batch: &[Prepared<'_>],
    now: DateTime<Utc>,
) -> Result<Vec<UpsertOutcome>> {
    // What is stored now.
    let mut existing: HashMap<String, (i64, String, i64, Option<i64>)> = HashMap::new();
    for chunk in batch.chunks(INSERT_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT id, filing_number, content_hash, version, customer_id FROM filings \
             WHERE filing_number IN (",
        );
        let mut sep = qb.separated(", ");
        for p in chunk {
            sep.push_bind(p.number.clone());
        }
        qb.push(")");
        for row in qb.build().fetch_all(&mut **tx).await? {
            existing.insert(
                row.try_get("filing_number")?,
                (
                    row.try_get("id")?,
                    row.try_get("content_hash")?,
                    row.try_get("version")?,
                    row.try_get("customer_id")?,
                ),
            );
        }
    }

    let mut outcomes: Vec<Option<UpsertOutcome>> = vec![None; batch.len()];
    let mut new_idx = Vec::new();
    let mut changed = Vec::new(); // (index, filing_id, new version)
    for (i, p) in batch.iter().enumerate() {
        match existing.get(&p.number) {
            None => new_idx.push(i),
            Some((id, hash, version, owner)) => {
                if *hash == p.hash {
                    if p.customer_id.is_some() && p.customer_id != *owner {
                        sqlx::query(
                            "UPDATE filings SET customer_id = $1, updated_at = $2 WHERE id = $3",
                        )
                        .bind(p.customer_id)
                        .bind(ms(now))
                        .bind(id)
                        .execute(&mut **tx)
                        .await?;
                    }
                    outcomes[i] = Some(UpsertOutcome {
                        filing_id: *id,
                        version: *version,
                        change: UpsertChange::Unchanged,
                    });
                } else {
                    changed.push((i, *id, version + 1));
                }
            }
        }
    }

    // New filings, several rows per statement.
    for chunk in new_idx.chunks(INSERT_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO filings (filing_number, customer_id, entity_name, entity_kind, status, \
             version, content_hash, created_at, updated_at, credit_code) ",
        );
        qb.push_values(chunk, |mut b, &i| {
            let p = &batch[i];
            b.push_bind(p.number.clone())
                .push_bind(p.customer_id)
                .push_bind(p.filing.entity.name.clone())
                .push_bind(p.filing.entity.kind.code())
                .push_bind("normal")
                .push_bind(1_i64)
                .push_bind(p.hash.clone())
                .push_bind(ms(now))
                .push_bind(ms(now))
                .push_bind(credit_code_key(p.filing));
        });
        qb.push(" RETURNING id, filing_number");
        let mut ids = HashMap::new();
        for row in qb.build().fetch_all(&mut **tx).await? {
            ids.insert(
                row.try_get::<String, _>("filing_number")?,
                row.try_get::<i64, _>("id")?,
            );
        }
        for &i in chunk {
            let id = *ids.get(&batch[i].number).ok_or(StoreError::Invalid {
                field: "entity.filing_number",
                value: batch[i].number.clone(),
                reason: "the insert returned no id",
            })?;
            outcomes[i] = Some(UpsertOutcome {
                filing_id: id,
                version: 1,
                change: UpsertChange::Created,
            });
        }
    }

    for &(i, id, version) in &changed {
        let p = &batch[i];
        sqlx::query(
            "UPDATE filings SET version = $1, content_hash = $2, entity_name = $3, entity_kind = $4, \
             customer_id = COALESCE($5, customer_id), updated_at = $6, credit_code = $7 WHERE id = $8",
        )
        .bind(version)
        .bind(&p.hash)
        .bind(&p.filing.entity.name)
        .bind(p.filing.entity.kind.code())
        .bind(p.customer_id)
        .bind(ms(now))
        .bind(credit_code_key(p.filing))
        .bind(id)
        .execute(&mut **tx)
        .await?;
        outcomes[i] = Some(UpsertOutcome {
            filing_id: id,
            version,
            change: UpsertChange::Updated,
        });
    }

    let outcomes: Vec<UpsertOutcome> = outcomes
        .into_iter()
        .map(|o| o.expect("every item decided"))
        .collect();

    // Versions and sites of what was written.
    let written: Vec<usize> = (0..batch.len())
        .filter(|&i| outcomes[i].change != UpsertChange::Unchanged)
        .collect();
    for chunk in written.chunks(INSERT_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO filing_versions (filing_id, version, content_hash, body, created_at) ",
        );
        qb.push_values(chunk, |mut b, &i| {
            b.push_bind(outcomes[i].filing_id)
                .push_bind(outcomes[i].version)
                .push_bind(batch[i].hash.clone())
                .push_bind(Json(batch[i].body.clone()))
                .push_bind(ms(now));
        });
        qb.build().execute(&mut **tx).await?;
    }
    let mut site_rows = Vec::new();
    for &i in &written {
        for (pos, w) in batch[i].filing.websites.iter().enumerate() {
            site_rows.push((outcomes[i].filing_id, pos as i64, w));
        }
        if outcomes[i].change == UpsertChange::Updated {
            sqlx::query("DELETE FROM sites WHERE filing_id = $1 AND position >= $2")
                .bind(outcomes[i].filing_id)
                .bind(batch[i].filing.websites.len() as i64)
                .execute(&mut **tx)
                .await?;
            sqlx::query("DELETE FROM site_domains WHERE filing_id = $1")
                .bind(outcomes[i].filing_id)
                .execute(&mut **tx)
                .await?;
        }
    }
    // The search keys of the written sites' domains (see `search.rs`).
    let mut domain_rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for &(filing_id, pos, w) in &site_rows {
        for key in w.domains.iter().filter_map(|d| domain_key(d)) {
            if seen.insert((filing_id, pos, key.clone())) {
                domain_rows.push((filing_id, pos, key));
            }
        }
    }
    for chunk in site_rows.chunks(INSERT_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO sites (filing_id, position, site_number, name, domains) ",
        );
        qb.push_values(chunk, |mut b, (filing_id, pos, w)| {
            b.push_bind(*filing_id)
                .push_bind(*pos)
                .push_bind(w.filing_number.clone())
                .push_bind(w.name.clone())
                .push_bind(Json(w.domains.clone()));
        });
        qb.push(
            " ON CONFLICT (filing_id, position) DO UPDATE SET site_number = excluded.site_number, \
             name = excluded.name, domains = excluded.domains",
        );
        qb.build().execute(&mut **tx).await?;
    }
    for chunk in domain_rows.chunks(INSERT_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new("INSERT INTO site_domains (filing_id, position, domain) ");
        qb.push_values(chunk, |mut b, (filing_id, pos, key)| {
            b.push_bind(*filing_id).push_bind(*pos).push_bind(key.clone());
        });
        qb.build().execute(&mut **tx).await?;
    }
    Ok(outcomes)
}

fn filing_from_row(row: &DbRow) -> Result<FilingRecord> {
    Ok(FilingRecord {
        id: row.try_get("id")?,
        filing_number: row.try_get("filing_number")?,
        customer_id: row.try_get("customer_id")?,
        entity_name: row.try_get("entity_name")?,
        entity_kind: row.try_get("entity_kind")?,
        status: row.try_get("status")?,
        version: row.try_get("version")?,
        content_hash: row.try_get("content_hash")?,
        created_at: from_ms(row.try_get("created_at")?),
        updated_at: from_ms(row.try_get("updated_at")?),
    })
}

pub(crate) async fn filing(pool: &Pool<Db>, scope: Scope, id: i64) -> Result<Option<FilingRecord>> {
    let row =
        sqlx::query("SELECT * FROM filings WHERE id = $1 AND ($2 IS NULL OR customer_id = $2)")
            .bind(id)
            .bind(scope.customer())
            .fetch_optional(pool)
            .await?;
    row.as_ref().map(filing_from_row).transpose()
}

pub(crate) async fn filing_by_number(
    pool: &Pool<Db>,
    scope: Scope,
    number: &str,
) -> Result<Option<FilingRecord>> {
    let row = sqlx::query(
        "SELECT * FROM filings WHERE filing_number = $1 AND ($2 IS NULL OR customer_id = $2)",
    )
    .bind(number.trim())
    .bind(scope.customer())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(filing_from_row).transpose()
}

/// The operator's search (see `search.rs`): the filings the text names, in `scope`, at
/// most `limit` of them in id order (for a name, the exact name first), each with its open
/// order. Every kind but a name is an indexed lookup.
pub(crate) async fn search_filings(
    pool: &Pool<Db>,
    scope: Scope,
    text: &str,
    limit: i64,
) -> Result<FilingSearch> {
    let Some(term) = SearchTerm::read(text) else {
        return Ok(FilingSearch {
            kind: None,
            hits: Vec::new(),
            capped: false,
        });
    };
    let limit = limit.clamp(1, 1_000);
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT f.*, o.id AS open_order_id FROM filings f \
         LEFT JOIN orders o ON o.filing_id = f.id AND o.state NOT IN ",
    );
    qb.push(CLOSED_SQL).push(" WHERE ");
    let keys = |qb: &mut QueryBuilder<Db>, keys: &[String]| {
        qb.push("(");
        let mut sep = qb.separated(", ");
        for k in keys {
            sep.push_bind(k.clone());
        }
        qb.push(")");
    };
    match &term {
        SearchTerm::FilingNumber(numbers) => {
            // Site numbers end in `-N` and entity numbers never do, so one key list serves
            // both columns.
            qb.push("f.id IN (SELECT id FROM filings WHERE filing_number IN ");
            keys(&mut qb, numbers);
            qb.push(" UNION SELECT filing_id FROM sites WHERE site_number IN ");
            keys(&mut qb, numbers);
            qb.push(")");
        }
        SearchTerm::CreditCode(codes) => {
            qb.push("f.credit_code IN ");
            keys(&mut qb, codes);
        }
        SearchTerm::Domain(domains) => {
            qb.push("f.id IN (SELECT filing_id FROM site_domains WHERE domain IN ");
            keys(&mut qb, domains);
            qb.push(")");
        }
        SearchTerm::EntityName(name) => {
            // instr/strpos rather than LIKE: the text needs no escaping of % and _.
            qb.push(if PG { "strpos(" } else { "instr(" })
                .push("lower(f.entity_name), lower(")
                .push_bind(name.clone())
                .push(")) > 0");
        }
    }
    if let Some(c) = scope.customer() {
        qb.push(" AND f.customer_id = ").push_bind(c);
    }
    qb.push(" ORDER BY ");
    if let SearchTerm::EntityName(name) = &term {
        qb.push("CASE WHEN f.entity_name = ")
            .push_bind(name.clone())
            .push(" THEN 0 ELSE 1 END, ");
    }
    qb.push("f.id LIMIT ").push_bind(limit + 1);
    let rows = qb.build().fetch_all(pool).await?;
    let mut hits = rows
        .iter()
        .map(|row| {
            Ok(FilingHit {
                filing: filing_from_row(row)?,
                open_order_id: row.try_get("open_order_id")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let capped = hits.len() as i64 > limit;
    hits.truncate(limit as usize);
    Ok(FilingSearch {
        kind: Some(term.kind()),
        hits,
        capped,
    })
}

pub(crate) async fn filing_versions(
    pool: &Pool<Db>,
    scope: Scope,
    filing_id: i64,
) -> Result<Vec<FilingVersion>> {
    let rows = sqlx::query(
        "SELECT v.* FROM filing_versions v JOIN filings f ON f.id = v.filing_id \
         WHERE v.filing_id = $1 AND ($2 IS NULL OR f.customer_id = $2) ORDER BY v.version",
    )
    .bind(filing_id)
    .bind(scope.customer())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(FilingVersion {
                version: row.try_get("version")?,
                content_hash: row.try_get("content_hash")?,
                body: json_of(row, "body")?,
                created_at: from_ms(row.try_get("created_at")?),
            })
        })
        .collect()
}

pub(crate) async fn filing_body(
    pool: &Pool<Db>,
    scope: Scope,
    filing_id: i64,
) -> Result<Option<Filing>> {
    let row = sqlx::query(
        "SELECT v.body FROM filings f JOIN filing_versions v \
         ON v.filing_id = f.id AND v.version = f.version \
         WHERE f.id = $1 AND ($2 IS NULL OR f.customer_id = $2)",
    )
    .bind(filing_id)
    .bind(scope.customer())
    .fetch_optional(pool)
    .await?;
    match row {
        None => Ok(None),
        Some(row) => {
            let body = json_of(&row, "body")?;
            serde_json::from_value(body)
                .map(Some)
                .map_err(|source| StoreError::Corrupt {
                    what: "filing body",
                    source,
                })
        }
    }
}

pub(crate) async fn sites(
    pool: &Pool<Db>,
    scope: Scope,
    filing_id: i64,
) -> Result<Vec<SiteRecord>> {
    let rows = sqlx::query(
        "SELECT s.* FROM sites s JOIN filings f ON f.id = s.filing_id \
         WHERE s.filing_id = $1 AND ($2 IS NULL OR f.customer_id = $2) ORDER BY s.position",
    )
    .bind(filing_id)
    .bind(scope.customer())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let domains: Value = json_of(row, "domains")?;
            Ok(SiteRecord {
                id: row.try_get("id")?,
                filing_id: row.try_get("filing_id")?,
                position: row.try_get("position")?,
                site_number: row.try_get("site_number")?,
                name: row.try_get("name")?,
                domains: serde_json::from_value(domains).map_err(|source| StoreError::Corrupt {
                    what: "site domains",
                    source,
                })?,
                status: row.try_get("status")?,
            })
        })
        .collect()
}

pub(crate) async fn list_filings(pool: &Pool<Db>, q: &FilingQuery) -> Result<Page<FilingRecord>> {
    let limit = q.limit.clamp(1, 10_000);
    let mut qb = QueryBuilder::<Db>::new("SELECT * FROM filings WHERE 1 = 1");
    if let Some(c) = q.scope.customer() {
        qb.push(" AND customer_id = ").push_bind(c);
    }
    if let Some(s) = &q.status {
        qb.push(" AND status = ").push_bind(s.clone());
    }
    if let Some(a) = q.after_id {
        qb.push(" AND id > ").push_bind(a);
    }
    qb.push(" ORDER BY id LIMIT ").push_bind(limit + 1);
    let rows = qb.build().fetch_all(pool).await?;
    let mut items = rows
        .iter()
        .map(filing_from_row)
        .collect::<Result<Vec<_>>>()?;
    let next = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|f| f.id)
    } else {
        None
    };
    Ok(Page {
        items,
        next_after_id: next,
    })
}

pub(crate) async fn set_filing_status(
    pool: &Pool<Db>,
    filing_id: i64,
    status: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<()> {
    check_code("filing.status", status, FILING_STATUSES)?;
    let mut tx = begin(pool).await?;
    let row = sqlx::query(
        "UPDATE filings SET status = $1, updated_at = $2 WHERE id = $3 RETURNING customer_id, filing_number",
    )
    .bind(status)
    .bind(ms(now))
    .bind(filing_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound {
        kind: "filing",
        id: filing_id,
    })?;
    let customer: Option<i64> = row.try_get("customer_id")?;
    let number: String = row.try_get("filing_number")?;
    append_audit(
        &mut tx,
        now,
        actor,
        customer,
        "set_status",
        &format!("filing:{number}"),
        None,
        Some(status),
        &json!({ "filing_id": filing_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn filing_counts(pool: &Pool<Db>, scope: Scope) -> Result<Vec<Count>> {
    counts(pool, "filings", "status", scope).await
}

/// Rows per code of `table`. The customer condition is added only when there is one: an
/// `($1 IS NULL OR customer_id = $1)` would keep both databases from using the index.
async fn counts(
    pool: &Pool<Db>,
    table: &'static str,
    column: &'static str,
    scope: Scope,
) -> Result<Vec<Count>> {
    let mut qb = QueryBuilder::<Db>::new(format!(
        "SELECT {column} AS key, COUNT(*) AS n FROM {table}"
    ));
    if let Some(c) = scope.customer() {
        qb.push(" WHERE customer_id = ").push_bind(c);
    }
    qb.push(format!(" GROUP BY {column} ORDER BY {column}"));
    let rows = qb.build().fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok(Count {
                key: r.try_get("key")?,
                count: r.try_get("n")?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------- runs and findings

fn run_from_row(row: &DbRow) -> Result<Run> {
    Ok(Run {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        params: json_of(row, "params")?,
        status: row.try_get("status")?,
        started_at: from_ms(row.try_get("started_at")?),
        finished_at: from_ms_opt(row.try_get("finished_at")?),
        total: row.try_get("total")?,
        done: row.try_get("done")?,
        failed: row.try_get("failed")?,
        inconclusive: row.try_get("inconclusive")?,
    })
}

pub(crate) async fn create_run(
    pool: &Pool<Db>,
    kind: &str,
    params: &Value,
    total: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<i64> {
    let mut tx = pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO runs (kind, params, started_at, total) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(kind)
    .bind(Json(params))
    .bind(ms(now))
    .bind(total)
    .fetch_one(&mut *tx)
    .await?;
    append_audit(
        &mut tx,
        now,
        actor,
        None,
        "start_run",
        &format!("run:{id}"),
        None,
        Some("running"),
        &json!({ "kind": kind, "params": params, "total": total }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn run(pool: &Pool<Db>, id: i64) -> Result<Option<Run>> {
    let row = sqlx::query("SELECT * FROM runs WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(run_from_row).transpose()
}

pub(crate) async fn list_runs(
    pool: &Pool<Db>,
    after_id: Option<i64>,
    limit: i64,
) -> Result<Page<Run>> {
    let limit = limit.clamp(1, 1000);
    let rows =
        sqlx::query("SELECT * FROM runs WHERE ($1 IS NULL OR id < $1) ORDER BY id DESC LIMIT $2")
            .bind(after_id)
            .bind(limit + 1)
            .fetch_all(pool)
            .await?;
    let mut items = rows.iter().map(run_from_row).collect::<Result<Vec<_>>>()?;
    let next = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|r| r.id)
    } else {
        None
    };
    Ok(Page {
        items,
        next_after_id: next,
    })
}

pub(crate) async fn finish_run(
    pool: &Pool<Db>,
    id: i64,
    status: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    check_code("run.status", status, &["finished", "failed"])?;
    let r = sqlx::query("UPDATE runs SET status = $1, finished_at = $2 WHERE id = $3")
        .bind(status)
        .bind(ms(now))
        .bind(id)
        .execute(pool)
        .await?;
    if r.rows_affected() == 0 {
        return Err(StoreError::NotFound { kind: "run", id });
    }
    Ok(())
}

pub(crate) async fn record_findings(
    pool: &Pool<Db>,
    run_id: i64,
    filing_id: i64,
    findings: &[Finding],
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = begin(pool).await?;
    // Recording again (a job re-run after a crash) replaces what the first attempt wrote.
    sqlx::query("DELETE FROM findings WHERE run_id = $1 AND filing_id = $2")
        .bind(run_id)
        .bind(filing_id)
        .execute(&mut *tx)
        .await?;
    for chunk in findings.chunks(INSERT_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO findings (run_id, filing_id, check_id, status, target, field, message, \
             evidence, fingerprint, created_at) ",
        );
        qb.push_values(chunk, |mut b, f| {
            let status = match f.status {
                beian_domain::Status::Pass => "pass",
                beian_domain::Status::Warn => "warn",
                beian_domain::Status::Fail => "fail",
                beian_domain::Status::Inconclusive => "inconclusive",
            };
            b.push_bind(run_id)
                .push_bind(filing_id)
                .push_bind(f.check.def().id)
                .push_bind(status)
                .push_bind(Json(serde_json::to_value(&f.target).unwrap_or(Value::Null)))
                .push_bind(f.field.clone())
                .push_bind(f.message.clone())
                .push_bind(Json(
                    serde_json::to_value(&f.evidence).unwrap_or(Value::Null),
                ))
                .push_bind(fingerprint(f.check, &f.target, f.field.as_deref()))
                .push_bind(ms(now));
        });
        qb.build().execute(&mut *tx).await?;
    }
    let failed = beian_domain::finding::any_failed(findings);
    let undecided = findings
        .iter()
        .any(|f| f.status == beian_domain::Status::Inconclusive);
    let r = sqlx::query(
        "INSERT INTO run_filings (run_id, filing_id, failed, recorded_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(run_id)
    .bind(filing_id)
    .bind(failed)
    .bind(ms(now))
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() == 1 {
        sqlx::query(
            "UPDATE runs SET done = done + 1, failed = failed + $1, \
             inconclusive = inconclusive + $2 WHERE id = $3",
        )
        .bind(i64::from(failed))
        .bind(i64::from(undecided))
        .bind(run_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

fn finding_from_row(row: &DbRow) -> Result<FindingRecord> {
    Ok(FindingRecord {
        id: row.try_get("id")?,
        run_id: row.try_get("run_id")?,
        filing_id: row.try_get("filing_id")?,
        check_id: row.try_get("check_id")?,
        status: row.try_get("status")?,
        target: json_of(row, "target")?,
        field: row.try_get("field")?,
        message: row.try_get("message")?,
        evidence: json_of(row, "evidence")?,
        fingerprint: row.try_get("fingerprint")?,
        created_at: from_ms(row.try_get("created_at")?),
    })
}

pub(crate) async fn run_findings(
    pool: &Pool<Db>,
    scope: Scope,
    run_id: i64,
    filing_id: Option<i64>,
) -> Result<Vec<FindingRecord>> {
    let rows = sqlx::query(
        "SELECT g.* FROM findings g JOIN filings f ON f.id = g.filing_id \
         WHERE g.run_id = $1 AND ($2 IS NULL OR g.filing_id = $2) \
         AND ($3 IS NULL OR f.customer_id = $3) ORDER BY g.filing_id, g.id",
    )
    .bind(run_id)
    .bind(filing_id)
    .bind(scope.customer())
    .fetch_all(pool)
    .await?;
    rows.iter().map(finding_from_row).collect()
}

pub(crate) async fn filing_history(
    pool: &Pool<Db>,
    scope: Scope,
    filing_id: i64,
) -> Result<Vec<FindingRecord>> {
    let rows = sqlx::query(
        "SELECT g.* FROM findings g JOIN filings f ON f.id = g.filing_id \
         WHERE g.filing_id = $1 AND ($2 IS NULL OR f.customer_id = $2) \
         ORDER BY g.run_id DESC, g.id",
    )
    .bind(filing_id)
    .bind(scope.customer())
    .fetch_all(pool)
    .await?;
    rows.iter().map(finding_from_row).collect()
}

pub(crate) async fn diff_runs(pool: &Pool<Db>, scope: Scope, a: i64, b: i64) -> Result<RunDiff> {
    let new_sql = "SELECT g.* FROM findings g WHERE g.run_id = $1 AND g.status = 'fail' \
        AND NOT EXISTS (SELECT 1 FROM findings h WHERE h.run_id = $2 AND h.filing_id = g.filing_id \
        AND h.fingerprint = g.fingerprint AND h.status = 'fail') \
        AND ($3 IS NULL OR EXISTS (SELECT 1 FROM filings x WHERE x.id = g.filing_id AND x.customer_id = $3)) \
        ORDER BY g.filing_id, g.id";
    let persisting_sql = "SELECT g.* FROM findings g WHERE g.run_id = $1 AND g.status = 'fail' \
        AND EXISTS (SELECT 1 FROM findings h WHERE h.run_id = $2 AND h.filing_id = g.filing_id \
        AND h.fingerprint = g.fingerprint AND h.status = 'fail') \
        AND ($3 IS NULL OR EXISTS (SELECT 1 FROM filings x WHERE x.id = g.filing_id AND x.customer_id = $3)) \
        ORDER BY g.filing_id, g.id";
    let resolved_sql = "SELECT g.* FROM findings g WHERE g.run_id = $2 AND g.status = 'fail' \
        AND EXISTS (SELECT 1 FROM run_filings r WHERE r.run_id = $1 AND r.filing_id = g.filing_id) \
        AND NOT EXISTS (SELECT 1 FROM findings h WHERE h.run_id = $1 AND h.filing_id = g.filing_id \
        AND h.fingerprint = g.fingerprint AND h.status IN ('fail', 'inconclusive')) \
        AND ($3 IS NULL OR EXISTS (SELECT 1 FROM filings x WHERE x.id = g.filing_id AND x.customer_id = $3)) \
        ORDER BY g.filing_id, g.id";
    let undecided_sql = "SELECT g.* FROM findings g WHERE g.run_id = $1 AND g.status = 'inconclusive' \
        AND EXISTS (SELECT 1 FROM findings h WHERE h.run_id = $2 AND h.filing_id = g.filing_id \
        AND h.fingerprint = g.fingerprint AND h.status = 'fail') \
        AND NOT EXISTS (SELECT 1 FROM findings h WHERE h.run_id = $1 AND h.filing_id = g.filing_id \
        AND h.fingerprint = g.fingerprint AND h.status = 'fail') \
        AND ($3 IS NULL OR EXISTS (SELECT 1 FROM filings x WHERE x.id = g.filing_id AND x.customer_id = $3)) \
        ORDER BY g.filing_id, g.id";
    let mut diff = RunDiff::default();
    for (sql, into) in [
        (new_sql, &mut diff.new),
        (persisting_sql, &mut diff.persisting),
        (resolved_sql, &mut diff.resolved),
        (undecided_sql, &mut diff.undecided),
    ] {
        let rows = sqlx::query(sql)
            .bind(b)
            .bind(a)
            .bind(scope.customer())
            .fetch_all(pool)
            .await?;
        *into = rows
            .iter()
            .map(finding_from_row)
            .collect::<Result<Vec<_>>>()?;
    }
    Ok(diff)
}

pub(crate) async fn failures_by_check(
    pool: &Pool<Db>,
    scope: Scope,
    run_id: i64,
) -> Result<Vec<Count>> {
    let rows = sqlx::query(
        "SELECT g.check_id AS key, COUNT(*) AS n FROM findings g \
         WHERE g.run_id = $1 AND g.status = 'fail' \
         AND ($2 IS NULL OR EXISTS (SELECT 1 FROM filings x WHERE x.id = g.filing_id AND x.customer_id = $2)) \
         GROUP BY g.check_id ORDER BY n DESC, g.check_id",
    )
    .bind(run_id)
    .bind(scope.customer())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Count {
                key: r.try_get("key")?,
                count: r.try_get("n")?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------- orders

const ORDER_SELECT: &str = "SELECT o.*, f.filing_number, f.entity_name FROM orders o \
                            JOIN filings f ON f.id = o.filing_id";

fn order_from_row(row: &DbRow) -> Result<Order> {
    Ok(Order {
        id: row.try_get("id")?,
        filing_id: row.try_get("filing_id")?,
        filing_number: row.try_get("filing_number")?,
        entity_name: row.try_get("entity_name")?,
        customer_id: row.try_get("customer_id")?,
        run_id: row.try_get("run_id")?,
        state: row.try_get("state")?,
        deadline_at: from_ms(row.try_get("deadline_at")?),
        extension_state: row.try_get("extension_state")?,
        extension_days: row.try_get("extension_days")?,
        keyword_only: row.try_get("keyword_only")?,
        miit_synced_at: from_ms_opt(row.try_get("miit_synced_at")?),
        version: row.try_get("version")?,
        created_at: from_ms(row.try_get("created_at")?),
        updated_at: from_ms(row.try_get("updated_at")?),
        closed_at: from_ms_opt(row.try_get("closed_at")?),
    })
}

async fn insert_inbox(
    tx: &mut Tx,
    m: &NewInbox,
    order_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO inbox_messages (customer_id, order_id, title, body, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(m.customer_id)
    .bind(m.order_id.or(order_id))
    .bind(&m.title)
    .bind(&m.body)
    .bind(ms(now))
    .fetch_one(&mut **tx)
    .await?)
}

async fn insert_outbox(tx: &mut Tx, m: &NewOutbox, now: DateTime<Utc>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO outbox (kind, recipient, payload, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(m.kind.code())
    .bind(&m.recipient)
    .bind(Json(&m.payload))
    .bind(ms(now))
    .fetch_one(&mut **tx)
    .await?)
}

pub(crate) async fn issue_order(
    pool: &Pool<Db>,
    o: &NewOrder,
    now: DateTime<Utc>,
) -> Result<IssueOutcome> {
    let mut tx = begin(pool).await?;
    let customer: Option<i64> = sqlx::query_scalar("SELECT customer_id FROM filings WHERE id = $1")
        .bind(o.filing_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound {
            kind: "filing",
            id: o.filing_id,
        })?;
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO orders (filing_id, customer_id, run_id, state, deadline_at, keyword_only, \
         created_at, updated_at) VALUES ($1, $2, $3, 'issued', $4, $5, $6, $6) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(o.filing_id)
    .bind(customer)
    .bind(o.run_id)
    .bind(ms(o.deadline_at))
    .bind(o.keyword_only)
    .bind(ms(now))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(order_id) = inserted else {
        let open: i64 = sqlx::query_scalar(
            "SELECT id FROM orders WHERE filing_id = $1 \
             AND state NOT IN ('resolved', 'deregistered')",
        )
        .bind(o.filing_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.rollback().await?;
        return Ok(IssueOutcome::AlreadyOpen { order_id: open });
    };
    for chunk in o.items.chunks(INSERT_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO order_items (order_id, position, check_id, target, field, message, reason, \
             remedy, actions, evidence, fingerprint) ",
        );
        qb.push_values(chunk, |mut b, it| {
            b.push_bind(order_id)
                .push_bind(it.position)
                .push_bind(it.check_id.clone())
                .push_bind(Json(it.target.clone()))
                .push_bind(it.field.clone())
                .push_bind(it.message.clone())
                .push_bind(it.reason.clone())
                .push_bind(it.remedy.clone())
                .push_bind(Json(it.actions.clone()))
                .push_bind(Json(it.evidence.clone()))
                .push_bind(it.fingerprint.clone());
        });
        qb.build().execute(&mut *tx).await?;
    }
    sqlx::query("UPDATE filings SET status = 'rectification', updated_at = $1 WHERE id = $2 AND status = 'normal'")
        .bind(ms(now))
        .bind(o.filing_id)
        .execute(&mut *tx)
        .await?;
    // The sites an item names are in rectification too; an order about the entity alone
    // leaves its sites as they are.
    let mut positions: Vec<i64> = o
        .items
        .iter()
        .filter(|it| it.target.get("kind").and_then(Value::as_str) == Some("website"))
        .filter_map(|it| it.target.get("index").and_then(Value::as_i64))
        .collect();
    positions.sort_unstable();
    positions.dedup();
    for position in positions {
        sqlx::query(
            "UPDATE sites SET status = 'rectification' WHERE filing_id = $1 AND position = $2 \
             AND status = 'normal'",
        )
        .bind(o.filing_id)
        .bind(position)
        .execute(&mut *tx)
        .await?;
    }
    for m in &o.inbox {
        insert_inbox(&mut tx, m, Some(order_id), now).await?;
    }
    for m in &o.outbox {
        insert_outbox(&mut tx, m, now).await?;
    }
    let checks: Vec<&str> = o.items.iter().map(|i| i.check_id.as_str()).collect();
    append_audit(
        &mut tx,
        now,
        &o.actor,
        customer,
        "issue",
        &format!("order:{order_id}"),
        None,
        Some("issued"),
        &json!({
            "filing_id": o.filing_id,
            "run_id": o.run_id,
            "deadline_at": ms(o.deadline_at),
            "keyword_only": o.keyword_only,
            "checks": checks,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(IssueOutcome::Issued { order_id })
}

pub(crate) async fn order(pool: &Pool<Db>, scope: Scope, id: i64) -> Result<Option<Order>> {
    let row = sqlx::query(
        "SELECT o.*, f.filing_number, f.entity_name FROM orders o JOIN filings f ON f.id = o.filing_id \
         WHERE o.id = $1 AND ($2 IS NULL OR o.customer_id = $2)",
    )
    .bind(id)
    .bind(scope.customer())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(order_from_row).transpose()
}

pub(crate) async fn open_order_for_filing(
    pool: &Pool<Db>,
    scope: Scope,
    filing_id: i64,
) -> Result<Option<Order>> {
    let row = sqlx::query(
        "SELECT o.*, f.filing_number, f.entity_name FROM orders o JOIN filings f ON f.id = o.filing_id \
         WHERE o.filing_id = $1 AND o.state NOT IN ('resolved', 'deregistered') \
         AND ($2 IS NULL OR o.customer_id = $2)",
    )
    .bind(filing_id)
    .bind(scope.customer())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(order_from_row).transpose()
}

async fn visible_order(pool: &Pool<Db>, scope: Scope, id: i64) -> Result<()> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM orders WHERE id = $1 AND ($2 IS NULL OR customer_id = $2)",
    )
    .bind(id)
    .bind(scope.customer())
    .fetch_optional(pool)
    .await?;
    found
        .map(|_| ())
        .ok_or(StoreError::NotFound { kind: "order", id })
}

pub(crate) async fn order_items(pool: &Pool<Db>, scope: Scope, id: i64) -> Result<Vec<OrderItem>> {
    visible_order(pool, scope, id).await?;
    let rows = sqlx::query("SELECT * FROM order_items WHERE order_id = $1 ORDER BY position")
        .bind(id)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(OrderItem {
                position: row.try_get("position")?,
                check_id: row.try_get("check_id")?,
                target: json_of(row, "target")?,
                field: row.try_get("field")?,
                message: row.try_get("message")?,
                reason: row.try_get("reason")?,
                remedy: row.try_get("remedy")?,
                actions: serde_json::from_value(json_of(row, "actions")?).map_err(|source| {
                    StoreError::Corrupt {
                        what: "order item actions",
                        source,
                    }
                })?,
                evidence: json_of(row, "evidence")?,
                fingerprint: row.try_get("fingerprint")?,
            })
        })
        .collect()
}

pub(crate) async fn change_requests(
    pool: &Pool<Db>,
    scope: Scope,
    order_id: i64,
) -> Result<Vec<ChangeRequest>> {
    visible_order(pool, scope, order_id).await?;
    let rows = sqlx::query("SELECT * FROM change_requests WHERE order_id = $1 ORDER BY id")
        .bind(order_id)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(ChangeRequest {
                id: row.try_get("id")?,
                order_id: row.try_get("order_id")?,
                kind: row.try_get("kind")?,
                fields: json_of(row, "fields")?,
                attachments: json_of(row, "attachments")?,
                opinions: json_opt(row, "opinions")?,
                state: row.try_get("state")?,
                created_by: row.try_get("created_by")?,
                created_at: from_ms(row.try_get("created_at")?),
                decided_by: row.try_get("decided_by")?,
                decided_at: from_ms_opt(row.try_get("decided_at")?),
            })
        })
        .collect()
}

// ---------------------------------------------------------------- attachments

/// Stores an attachment's bytes under their SHA-256, which it computes itself so that no
/// caller can file bytes under another document's key. Storing the same bytes again
/// writes nothing: a document uploaded twice, or by two customers, is kept once.
pub(crate) async fn put_attachment(
    pool: &Pool<Db>,
    media_type: &str,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<String> {
    check_code("attachment.media_type", media_type, ATTACHMENT_MEDIA_TYPES)?;
    let sha256 = sha256_hex(bytes);
    let size = i64::try_from(bytes.len()).map_err(|_| StoreError::Invalid {
        field: "attachment.size",
        value: bytes.len().to_string(),
        reason: "too large to store",
    })?;
    sqlx::query(
        "INSERT INTO attachments (sha256, size, media_type, bytes, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(&sha256)
    .bind(size)
    .bind(media_type)
    .bind(bytes)
    .bind(ms(now))
    .execute(pool)
    .await?;
    Ok(sha256)
}

/// An attachment of an order: only when a change request of that order, in the caller's
/// scope, lists the hash, or it was uploaded for that order (`order_uploads`). The bytes
/// themselves belong to nobody (they are shared by content), so the listing or the upload
/// record is what grants the read; anything else is simply not found.
pub(crate) async fn attachment(
    pool: &Pool<Db>,
    scope: Scope,
    order_id: i64,
    sha256: &str,
) -> Result<Option<AttachmentFile>> {
    let listings = sqlx::query(
        "SELECT cr.attachments FROM change_requests cr JOIN orders o ON o.id = cr.order_id \
         WHERE cr.order_id = $1 AND ($2 IS NULL OR o.customer_id = $2) ORDER BY cr.id DESC",
    )
    .bind(order_id)
    .bind(scope.customer())
    .fetch_all(pool)
    .await?;
    let mut listed: Option<String> = None;
    for row in &listings {
        let list = json_of(row, "attachments")?;
        let entry = list.as_array().and_then(|items| {
            items
                .iter()
                .find(|a| a.get("sha256").and_then(Value::as_str) == Some(sha256))
        });
        if let Some(entry) = entry {
            let name = entry.get("name").and_then(Value::as_str).unwrap_or("");
            listed = Some(if name.is_empty() {
                sha256.to_owned()
            } else {
                name.to_owned()
            });
            break;
        }
    }
    // Not listed by a change request: a document uploaded for this order still opens (the
    // documents of a 申请复查 are listed only by the event in the audit log).
    let listed = match listed {
        Some(name) => Some(name),
        None => order_upload(pool, scope, order_id, sha256)
            .await?
            .map(|u| u.name),
    };
    let Some(name) = listed else {
        return Ok(None);
    };
    let row = sqlx::query(
        "SELECT sha256, size, media_type, bytes, created_at FROM attachments WHERE sha256 = $1",
    )
    .bind(sha256)
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(AttachmentFile {
            sha256: row.try_get("sha256")?,
            name,
            media_type: row.try_get("media_type")?,
            size: row.try_get("size")?,
            bytes: row.try_get("bytes")?,
            created_at: from_ms(row.try_get("created_at")?),
        })
    })
    .transpose()
}

/// Records that the stored document `sha256` was uploaded for order `order_id`, under
/// `name`; nothing when the order is not visible in `scope` (the answer is then `false`).
/// Recording it again keeps the first name and time.
pub(crate) async fn record_upload(
    pool: &Pool<Db>,
    scope: Scope,
    order_id: i64,
    sha256: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let visible = sqlx::query("SELECT 1 FROM orders WHERE id = $1 AND ($2 IS NULL OR customer_id = $2)")
        .bind(order_id)
        .bind(scope.customer())
        .fetch_optional(pool)
        .await?
        .is_some();
    if !visible {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO order_uploads (order_id, sha256, name, uploaded_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (order_id, sha256) DO NOTHING",
    )
    .bind(order_id)
    .bind(sha256)
    .bind(name)
    .bind(ms(now))
    .execute(pool)
    .await?;
    Ok(true)
}

/// The upload of document `sha256` for order `order_id`, if one was recorded and the
/// order is visible in `scope`; with the stored size, which an event listing it must give.
pub(crate) async fn order_upload(
    pool: &Pool<Db>,
    scope: Scope,
    order_id: i64,
    sha256: &str,
) -> Result<Option<OrderUpload>> {
    let row = sqlx::query(
        "SELECT u.sha256, u.name, a.size, u.uploaded_at FROM order_uploads u \
         JOIN orders o ON o.id = u.order_id JOIN attachments a ON a.sha256 = u.sha256 \
         WHERE u.order_id = $1 AND u.sha256 = $2 AND ($3 IS NULL OR o.customer_id = $3)",
    )
    .bind(order_id)
    .bind(sha256)
    .bind(scope.customer())
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(OrderUpload {
            sha256: row.try_get("sha256")?,
            name: row.try_get("name")?,
            size: row.try_get("size")?,
            uploaded_at: from_ms(row.try_get("uploaded_at")?),
        })
    })
    .transpose()
}

pub(crate) async fn order_requests(
    pool: &Pool<Db>,
    scope: Scope,
    order_id: i64,
) -> Result<Vec<OrderRequest>> {
    visible_order(pool, scope, order_id).await?;
    let mut out = Vec::new();
    for row in sqlx::query("SELECT * FROM extension_requests WHERE order_id = $1 ORDER BY id")
        .bind(order_id)
        .fetch_all(pool)
        .await?
    {
        out.push(OrderRequest {
            id: row.try_get("id")?,
            kind: "extension".to_owned(),
            days: Some(row.try_get("days")?),
            reason: row.try_get("reason")?,
            evidence: None,
            state: row.try_get("state")?,
            created_at: from_ms(row.try_get("created_at")?),
            decided_at: from_ms_opt(row.try_get("decided_at")?),
        });
    }
    for row in sqlx::query("SELECT * FROM appeals WHERE order_id = $1 ORDER BY id")
        .bind(order_id)
        .fetch_all(pool)
        .await?
    {
        out.push(OrderRequest {
            id: row.try_get("id")?,
            kind: "appeal".to_owned(),
            days: None,
            reason: row.try_get("reason")?,
            evidence: Some(json_of(&row, "evidence")?),
            state: row.try_get("state")?,
            created_at: from_ms(row.try_get("created_at")?),
            decided_at: from_ms_opt(row.try_get("decided_at")?),
        });
    }
    out.sort_by_key(|r| r.created_at);
    Ok(out)
}

pub(crate) async fn transition(pool: &Pool<Db>, t: &Transition) -> Result<TransitionOutcome> {
    check_code("order.state", &t.to_state, ORDER_STATES)?;
    if let Some(s) = &t.changes.extension_state {
        check_code("order.extension_state", s, EXTENSION_STATES)?;
    }
    if let Some(s) = &t.filing_status {
        check_code("filing.status", s, FILING_STATUSES)?;
    }
    for (_, s) in &t.site_statuses {
        check_code("site.status", s, FILING_STATUSES)?;
    }
    if let Some(s) = &t.all_sites_status {
        check_code("site.status", s, FILING_STATUSES)?;
    }
    let closing = CLOSED_ORDER_STATES.contains(&t.to_state.as_str());
    let now = ms(t.now);
    let mut tx = begin(pool).await?;
    let updated = sqlx::query(
        "UPDATE orders SET state = $1, version = version + 1, updated_at = $2, \
         deadline_at = COALESCE($3, deadline_at), extension_state = COALESCE($4, extension_state), \
         extension_days = COALESCE($5, extension_days), miit_synced_at = COALESCE($6, miit_synced_at), \
         closed_at = $7 \
         WHERE id = $8 AND state = $9 AND version = $10 AND ($11 IS NULL OR customer_id = $11) \
         RETURNING filing_id, customer_id, version",
    )
    .bind(&t.to_state)
    .bind(now)
    .bind(t.changes.deadline_at.map(ms))
    .bind(t.changes.extension_state.as_deref())
    .bind(t.changes.extension_days)
    .bind(t.changes.miit_synced_at.map(ms))
    .bind(if closing { Some(now) } else { None })
    .bind(t.order_id)
    .bind(&t.from_state)
    .bind(t.from_version)
    .bind(t.scope.customer())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(updated) = updated else {
        let current = sqlx::query(
            "SELECT state, version FROM orders WHERE id = $1 AND ($2 IS NULL OR customer_id = $2)",
        )
        .bind(t.order_id)
        .bind(t.scope.customer())
        .fetch_optional(&mut *tx)
        .await?;
        tx.rollback().await?;
        return Err(match current {
            None => StoreError::NotFound {
                kind: "order",
                id: t.order_id,
            },
            Some(row) => StoreError::Stale {
                order_id: t.order_id,
                expected_state: t.from_state.clone(),
                expected_version: t.from_version,
                state: row.try_get("state")?,
                version: row.try_get("version")?,
            },
        });
    };
    let filing_id: i64 = updated.try_get("filing_id")?;
    let customer: Option<i64> = updated.try_get("customer_id")?;
    let new_version: i64 = updated.try_get("version")?;

    let decided_by = t.actor.account_id;
    let (record_kind, record_id): (Option<&str>, Option<i64>) = match &t.record {
        None => (None, None),
        Some(SideRecord::ChangeRequest {
            kind,
            fields,
            attachments,
        }) => {
            check_code("change_request.kind", kind, CHANGE_KINDS)?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO change_requests (order_id, kind, fields, attachments, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(t.order_id)
            .bind(kind)
            .bind(Json(fields))
            .bind(Json(attachments))
            .bind(decided_by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            (Some("change_request"), Some(id))
        }
        Some(SideRecord::ChangeDecision {
            change_request_id,
            approved,
            opinions,
        }) => {
            let r = sqlx::query(
                "UPDATE change_requests SET state = $1, opinions = $2, decided_by = $3, decided_at = $4 \
                 WHERE id = $5 AND order_id = $6 AND state = 'pending'",
            )
            .bind(if *approved { "approved" } else { "rejected" })
            .bind(Json(opinions))
            .bind(decided_by)
            .bind(now)
            .bind(change_request_id)
            .bind(t.order_id)
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() != 1 {
                tx.rollback().await?;
                return Err(StoreError::NotFound {
                    kind: "pending change request",
                    id: *change_request_id,
                });
            }
            (Some("change_decision"), Some(*change_request_id))
        }
        Some(SideRecord::ExtensionRequest { days, reason }) => {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM extension_requests WHERE order_id = $1")
                    .bind(t.order_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if exists.is_some() {
                tx.rollback().await?;
                return Err(StoreError::Invalid {
                    field: "extension_request",
                    value: t.order_id.to_string(),
                    reason: "an order has at most one extension request",
                });
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO extension_requests (order_id, days, reason, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(t.order_id)
            .bind(days)
            .bind(reason)
            .bind(decided_by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            (Some("extension_request"), Some(id))
        }
        Some(SideRecord::ExtensionDecision { granted }) => {
            let id: Option<i64> = sqlx::query_scalar(
                "UPDATE extension_requests SET state = $1, decided_by = $2, decided_at = $3 \
                 WHERE order_id = $4 AND state = 'requested' RETURNING id",
            )
            .bind(if *granted { "granted" } else { "denied" })
            .bind(decided_by)
            .bind(now)
            .bind(t.order_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else {
                tx.rollback().await?;
                return Err(StoreError::NotFound {
                    kind: "pending extension request of order",
                    id: t.order_id,
                });
            };
            (Some("extension_decision"), Some(id))
        }
        Some(SideRecord::Appeal { reason, evidence }) => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO appeals (order_id, reason, evidence, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(t.order_id)
            .bind(reason)
            .bind(Json(evidence))
            .bind(decided_by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            (Some("appeal"), Some(id))
        }
        Some(SideRecord::AppealDecision { upheld }) => {
            let id: Option<i64> = sqlx::query_scalar(
                "UPDATE appeals SET state = $1, decided_by = $2, decided_at = $3 \
                 WHERE id = (SELECT MAX(id) FROM appeals WHERE order_id = $4 AND state = 'pending') \
                 RETURNING id",
            )
            .bind(if *upheld { "upheld" } else { "rejected" })
            .bind(decided_by)
            .bind(now)
            .bind(t.order_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else {
                tx.rollback().await?;
                return Err(StoreError::NotFound {
                    kind: "pending appeal of order",
                    id: t.order_id,
                });
            };
            (Some("appeal_decision"), Some(id))
        }
    };

    if let Some(status) = &t.filing_status {
        sqlx::query("UPDATE filings SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status)
            .bind(now)
            .bind(filing_id)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(status) = &t.all_sites_status {
        sqlx::query("UPDATE sites SET status = $1 WHERE filing_id = $2")
            .bind(status)
            .bind(filing_id)
            .execute(&mut *tx)
            .await?;
    }
    for (position, status) in &t.site_statuses {
        sqlx::query("UPDATE sites SET status = $1 WHERE filing_id = $2 AND position = $3")
            .bind(status)
            .bind(filing_id)
            .bind(position)
            .execute(&mut *tx)
            .await?;
    }
    for m in &t.inbox {
        insert_inbox(&mut tx, m, Some(t.order_id), t.now).await?;
    }
    for m in &t.outbox {
        insert_outbox(&mut tx, m, t.now).await?;
    }
    let audit_seq = append_audit(
        &mut tx,
        t.now,
        &t.actor,
        customer,
        &t.event,
        &format!("order:{}", t.order_id),
        Some(&t.from_state),
        Some(&t.to_state),
        &json!({
            "version": new_version,
            "deadline_at": t.changes.deadline_at.map(ms),
            "extension_state": t.changes.extension_state,
            "extension_days": t.changes.extension_days,
            "miit_synced_at": t.changes.miit_synced_at.map(ms),
            "filing_status": t.filing_status,
            "record": record_kind,
            "record_id": record_id,
            "detail": t.detail,
        }),
    )
    .await?;
    let row = sqlx::query(
        "SELECT o.*, f.filing_number, f.entity_name FROM orders o JOIN filings f ON f.id = o.filing_id \
         WHERE o.id = $1",
    )
    .bind(t.order_id)
    .fetch_one(&mut *tx)
    .await?;
    let order = order_from_row(&row)?;
    tx.commit().await?;
    Ok(TransitionOutcome {
        order,
        record_id,
        audit_seq,
    })
}

pub(crate) async fn list_orders(pool: &Pool<Db>, q: &OrderQuery) -> Result<Page<Order>> {
    for s in &q.states {
        check_code("order.state", s, ORDER_STATES)?;
    }
    let limit = q.limit.clamp(1, 1000);
    let mut qb = QueryBuilder::<Db>::new(ORDER_SELECT);
    qb.push(" WHERE 1 = 1");
    if let Some(c) = q.scope.customer() {
        qb.push(" AND o.customer_id = ").push_bind(c);
    }
    if !q.states.is_empty() {
        qb.push(" AND o.state IN (");
        let mut sep = qb.separated(", ");
        for s in &q.states {
            sep.push_bind(s.clone());
        }
        qb.push(")");
    }
    if let Some(f) = q.filing_id {
        qb.push(" AND o.filing_id = ").push_bind(f);
    }
    if let Some(d) = q.deadline_before {
        qb.push(" AND o.deadline_at < ").push_bind(ms(d));
        qb.push(" AND o.state NOT IN ");
        qb.push(CLOSED_SQL);
    }
    if let Some(k) = q.keyword_only {
        qb.push(" AND o.keyword_only = ").push_bind(k);
    }
    if let Some(a) = q.after_id {
        qb.push(" AND o.id < ").push_bind(a);
    }
    qb.push(" ORDER BY o.id DESC LIMIT ").push_bind(limit + 1);
    let rows = qb.build().fetch_all(pool).await?;
    let mut items = rows
        .iter()
        .map(order_from_row)
        .collect::<Result<Vec<_>>>()?;
    let next = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|o| o.id)
    } else {
        None
    };
    Ok(Page {
        items,
        next_after_id: next,
    })
}

pub(crate) async fn orders_due(
    pool: &Pool<Db>,
    scope: Scope,
    from: Option<DateTime<Utc>>,
    until: DateTime<Utc>,
    states: &[&str],
    limit: i64,
) -> Result<Vec<Order>> {
    for s in states {
        check_code("order.state", s, ORDER_STATES)?;
    }
    let mut qb = QueryBuilder::<Db>::new(ORDER_SELECT);
    qb.push(" WHERE o.deadline_at < ").push_bind(ms(until));
    qb.push(" AND o.state NOT IN ");
    qb.push(CLOSED_SQL);
    if let Some(from) = from {
        qb.push(" AND o.deadline_at >= ").push_bind(ms(from));
    }
    if let Some(c) = scope.customer() {
        qb.push(" AND o.customer_id = ").push_bind(c);
    }
    if !states.is_empty() {
        // On SQLite `+` keeps the planner off `orders_state`: without statistics it would
        // look the states up and sort every match, instead of walking the open-deadline
        // index in order and stopping at `limit`.
        qb.push(if PG {
            " AND o.state IN ("
        } else {
            " AND +o.state IN ("
        });
        let mut sep = qb.separated(", ");
        for s in states {
            sep.push_bind(s.to_string());
        }
        qb.push(")");
    }
    qb.push(" ORDER BY o.deadline_at, o.id LIMIT ")
        .push_bind(limit.clamp(1, 10_000));
    let rows = qb.build().fetch_all(pool).await?;
    rows.iter().map(order_from_row).collect()
}

pub(crate) async fn order_counts(pool: &Pool<Db>, scope: Scope) -> Result<Vec<Count>> {
    counts(pool, "orders", "state", scope).await
}

// ---------------------------------------------------------------- inbox

fn inbox_from_row(row: &DbRow) -> Result<InboxMessage> {
    Ok(InboxMessage {
        id: row.try_get("id")?,
        customer_id: row.try_get("customer_id")?,
        order_id: row.try_get("order_id")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        created_at: from_ms(row.try_get("created_at")?),
        read_at: from_ms_opt(row.try_get("read_at")?),
    })
}

pub(crate) async fn send_inbox(pool: &Pool<Db>, m: &NewInbox, now: DateTime<Utc>) -> Result<i64> {
    let mut tx = begin(pool).await?;
    let id = insert_inbox(&mut tx, m, None, now).await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn inbox(
    pool: &Pool<Db>,
    customer_id: i64,
    unread_only: bool,
    after_id: Option<i64>,
    limit: i64,
) -> Result<Page<InboxMessage>> {
    let limit = limit.clamp(1, 1000);
    let rows = sqlx::query(
        "SELECT * FROM inbox_messages WHERE customer_id = $1 AND ($2 = FALSE OR read_at IS NULL) \
         AND ($3 IS NULL OR id < $3) ORDER BY id DESC LIMIT $4",
    )
    .bind(customer_id)
    .bind(unread_only)
    .bind(after_id)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    let mut items = rows
        .iter()
        .map(inbox_from_row)
        .collect::<Result<Vec<_>>>()?;
    let next = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|m| m.id)
    } else {
        None
    };
    Ok(Page {
        items,
        next_after_id: next,
    })
}

pub(crate) async fn mark_inbox_read(
    pool: &Pool<Db>,
    customer_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE inbox_messages SET read_at = $1 WHERE id = $2 AND customer_id = $3 AND read_at IS NULL",
    )
    .bind(ms(now))
    .bind(id)
    .bind(customer_id)
    .execute(pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub(crate) async fn unread_count(pool: &Pool<Db>, customer_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM inbox_messages WHERE customer_id = $1 AND read_at IS NULL",
    )
    .bind(customer_id)
    .fetch_one(pool)
    .await?)
}

// ---------------------------------------------------------------- outbox

fn outbox_from_row(row: &DbRow) -> Result<OutboxMessage> {
    let kind: String = row.try_get("kind")?;
    Ok(OutboxMessage {
        id: row.try_get("id")?,
        kind: OutboxKind::parse(&kind),
        recipient: row.try_get("recipient")?,
        payload: json_of(row, "payload")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: from_ms(row.try_get("next_attempt_at")?),
        delivered_at: from_ms_opt(row.try_get("delivered_at")?),
        last_error: row.try_get("last_error")?,
        created_at: from_ms(row.try_get("created_at")?),
    })
}

pub(crate) async fn enqueue_outbox(
    pool: &Pool<Db>,
    m: &NewOutbox,
    now: DateTime<Utc>,
) -> Result<i64> {
    let mut tx = begin(pool).await?;
    let id = insert_outbox(&mut tx, m, now).await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn claim_outbox(
    pool: &Pool<Db>,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    limit: i64,
) -> Result<Vec<OutboxMessage>> {
    let mut tx = begin(pool).await?;
    let rows = sqlx::query(if PG {
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1 WHERE id IN \
         (SELECT id FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= $2 \
          ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING *"
    } else {
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1 WHERE id IN \
         (SELECT id FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= $2 \
          ORDER BY next_attempt_at, id LIMIT $3) RETURNING *"
    })
    .bind(ms(now + lease))
    .bind(ms(now))
    .bind(limit.clamp(1, 1000))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut out = rows
        .iter()
        .map(outbox_from_row)
        .collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|m| m.id);
    Ok(out)
}

pub(crate) async fn outbox_delivered(pool: &Pool<Db>, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let r = sqlx::query("UPDATE outbox SET delivered_at = $1, last_error = NULL WHERE id = $2 AND delivered_at IS NULL")
        .bind(ms(now))
        .bind(id)
        .execute(pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub(crate) async fn outbox_failed(
    pool: &Pool<Db>,
    id: i64,
    error: &str,
    retry_at: DateTime<Utc>,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE outbox SET last_error = $1, next_attempt_at = $2 WHERE id = $3 AND delivered_at IS NULL",
    )
    .bind(error)
    .bind(ms(retry_at))
    .bind(id)
    .execute(pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub(crate) async fn outbox_pending(pool: &Pool<Db>, limit: i64) -> Result<Vec<OutboxMessage>> {
    let rows = sqlx::query(
        "SELECT * FROM outbox WHERE delivered_at IS NULL ORDER BY next_attempt_at, id LIMIT $1",
    )
    .bind(limit.clamp(1, 10_000))
    .fetch_all(pool)
    .await?;
    rows.iter().map(outbox_from_row).collect()
}

// ---------------------------------------------------------------- jobs

fn job_from_row(row: &DbRow) -> Result<Job> {
    Ok(Job {
        id: row.try_get("id")?,
        queue: row.try_get("queue")?,
        payload: json_of(row, "payload")?,
        state: row.try_get("state")?,
        attempts: row.try_get("attempts")?,
        max_attempts: row.try_get("max_attempts")?,
        run_at: from_ms(row.try_get("run_at")?),
        locked_by: row.try_get("locked_by")?,
        lease_until: from_ms_opt(row.try_get("lease_until")?),
        last_error: row.try_get("last_error")?,
        dedupe_key: row.try_get("dedupe_key")?,
    })
}

pub(crate) async fn enqueue(pool: &Pool<Db>, j: &NewJob, now: DateTime<Utc>) -> Result<Enqueued> {
    if j.max_attempts < 1 {
        return Err(StoreError::Invalid {
            field: "job.max_attempts",
            value: j.max_attempts.to_string(),
            reason: "must be at least 1",
        });
    }
    // Twice: the pending duplicate may finish between the insert and the look-up.
    for _ in 0..2 {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO jobs (queue, payload, max_attempts, run_at, dedupe_key, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(&j.queue)
        .bind(Json(&j.payload))
        .bind(j.max_attempts)
        .bind(ms(j.run_at))
        .bind(j.dedupe_key.as_deref())
        .bind(ms(now))
        .fetch_optional(pool)
        .await?;
        if let Some(job_id) = id {
            return Ok(Enqueued::New { job_id });
        }
        let dup: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM jobs WHERE queue = $1 AND dedupe_key = $2 AND state IN ('queued', 'running')",
        )
        .bind(&j.queue)
        .bind(j.dedupe_key.as_deref())
        .fetch_optional(pool)
        .await?;
        if let Some(job_id) = dup {
            return Ok(Enqueued::Duplicate { job_id });
        }
    }
    Err(StoreError::Invalid {
        field: "job.dedupe_key",
        value: j.dedupe_key.clone().unwrap_or_default(),
        reason: "the job neither inserted nor found its duplicate",
    })
}

pub(crate) async fn claim(
    pool: &Pool<Db>,
    queue: &str,
    worker: &str,
    lease: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<Option<Job>> {
    // Expired leases first (their worker died), then ready jobs, oldest first.
    let (expired_sql, ready_sql) = if PG {
        (
            "UPDATE jobs SET locked_by = $1, lease_until = $2, attempts = attempts + 1 WHERE id = \
             (SELECT id FROM jobs WHERE queue = $3 AND state = 'running' AND lease_until < $4 \
              ORDER BY lease_until, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING *",
            "UPDATE jobs SET state = 'running', locked_by = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM jobs WHERE queue = $3 AND state = 'queued' AND run_at <= $4 \
              ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING *",
        )
    } else {
        (
            "UPDATE jobs SET locked_by = $1, lease_until = $2, attempts = attempts + 1 WHERE id = \
             (SELECT id FROM jobs WHERE queue = $3 AND state = 'running' AND lease_until < $4 \
              ORDER BY lease_until, id LIMIT 1) RETURNING *",
            "UPDATE jobs SET state = 'running', locked_by = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM jobs WHERE queue = $3 AND state = 'queued' AND run_at <= $4 \
              ORDER BY run_at, id LIMIT 1) RETURNING *",
        )
    };
    loop {
        let mut tx = begin(pool).await?;
        let mut row = sqlx::query(expired_sql)
            .bind(worker)
            .bind(ms(now + lease))
            .bind(queue)
            .bind(ms(now))
            .fetch_optional(&mut *tx)
            .await?;
        if row.is_none() {
            row = sqlx::query(ready_sql)
                .bind(worker)
                .bind(ms(now + lease))
                .bind(queue)
                .bind(ms(now))
                .fetch_optional(&mut *tx)
                .await?;
        }
        let Some(row) = row else {
            tx.commit().await?;
            return Ok(None);
        };
        let job = job_from_row(&row)?;
        if job.attempts > job.max_attempts {
            // Its last attempt died holding the lease: that was the final attempt.
            sqlx::query(
                "UPDATE jobs SET state = 'dead', locked_by = NULL, lease_until = NULL, \
                 finished_at = $1, last_error = $2 WHERE id = $3",
            )
            .bind(ms(now))
            .bind(format!(
                "lease expired on attempt {} of {}; last error: {}",
                job.max_attempts,
                job.max_attempts,
                job.last_error.as_deref().unwrap_or("none")
            ))
            .bind(job.id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            continue;
        }
        tx.commit().await?;
        return Ok(Some(job));
    }
}

pub(crate) async fn complete(
    pool: &Pool<Db>,
    job_id: i64,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE jobs SET state = 'done', finished_at = $1, lease_until = NULL, last_error = NULL \
         WHERE id = $2 AND state = 'running' AND locked_by = $3",
    )
    .bind(ms(now))
    .bind(job_id)
    .bind(worker)
    .execute(pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub(crate) async fn fail(
    pool: &Pool<Db>,
    job_id: i64,
    worker: &str,
    error: &str,
    now: DateTime<Utc>,
) -> Result<FailOutcome> {
    let mut tx = begin(pool).await?;
    let row = sqlx::query(if PG {
        "SELECT attempts, max_attempts FROM jobs WHERE id = $1 AND state = 'running' AND locked_by = $2 FOR UPDATE"
    } else {
        "SELECT attempts, max_attempts FROM jobs WHERE id = $1 AND state = 'running' AND locked_by = $2"
    })
    .bind(job_id)
    .bind(worker)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        return Ok(FailOutcome::LeaseLost);
    };
    let attempts: i64 = row.try_get("attempts")?;
    let max: i64 = row.try_get("max_attempts")?;
    let outcome = if attempts >= max {
        sqlx::query(
            "UPDATE jobs SET state = 'dead', locked_by = NULL, lease_until = NULL, finished_at = $1, \
             last_error = $2 WHERE id = $3",
        )
        .bind(ms(now))
        .bind(error)
        .bind(job_id)
        .execute(&mut *tx)
        .await?;
        FailOutcome::Dead
    } else {
        let run_at = now + retry_delay(attempts);
        sqlx::query(
            "UPDATE jobs SET state = 'queued', locked_by = NULL, lease_until = NULL, run_at = $1, \
             last_error = $2 WHERE id = $3",
        )
        .bind(ms(run_at))
        .bind(error)
        .bind(job_id)
        .execute(&mut *tx)
        .await?;
        FailOutcome::Retry { run_at }
    };
    tx.commit().await?;
    Ok(outcome)
}

pub(crate) async fn heartbeat(
    pool: &Pool<Db>,
    job_id: i64,
    worker: &str,
    lease: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND state = 'running' AND locked_by = $3",
    )
    .bind(ms(now + lease))
    .bind(job_id)
    .bind(worker)
    .execute(pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub(crate) async fn job(pool: &Pool<Db>, id: i64) -> Result<Option<Job>> {
    let row = sqlx::query("SELECT * FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(job_from_row).transpose()
}

pub(crate) async fn job_counts(pool: &Pool<Db>, queue: &str) -> Result<Vec<Count>> {
    let rows = sqlx::query(
        "SELECT state AS key, COUNT(*) AS n FROM jobs WHERE queue = $1 GROUP BY state ORDER BY state",
    )
    .bind(queue)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Count {
                key: r.try_get("key")?,
                count: r.try_get("n")?,
            })
        })
        .collect()
}

pub(crate) async fn dead_jobs(pool: &Pool<Db>, queue: &str, limit: i64) -> Result<Vec<Job>> {
    let rows =
        sqlx::query("SELECT * FROM jobs WHERE queue = $1 AND state = 'dead' ORDER BY id LIMIT $2")
            .bind(queue)
            .bind(limit.clamp(1, 10_000))
            .fetch_all(pool)
            .await?;
    rows.iter().map(job_from_row).collect()
}

pub(crate) async fn retry_dead(pool: &Pool<Db>, job_id: i64, now: DateTime<Utc>) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE jobs SET state = 'queued', attempts = 0, run_at = $1, finished_at = NULL \
         WHERE id = $2 AND state = 'dead'",
    )
    .bind(ms(now))
    .bind(job_id)
    .execute(pool)
    .await?;
    Ok(r.rows_affected() == 1)
}
