//! 存储 — the store: everything `beian` keeps between runs, on SQLite or PostgreSQL.
//!
//! SQLite (one file, WAL) is the default so a single machine needs no database server;
//! PostgreSQL is for production, where many workers share one database. Both run the same
//! queries (`ops.rs`, compiled once per backend) against schemas kept in step
//! (`migrations/sqlite`, `migrations/postgres`), and one contract test suite runs on both.
//!
//! What the store guarantees, whatever the caller does:
//! - a filing is keyed by its entity filing number, and importing changed content adds a
//!   version without losing the older ones;
//! - an entity has at most one open rectification order (a partial unique index), so
//!   issuing is idempotent and racing workers cannot duplicate an order;
//! - every order transition is a conditional update plus an audit row in one transaction;
//!   the audit log refuses UPDATE and DELETE (triggers) and is hash-chained, and
//!   [`Store::audit_verify`] finds any row changed or removed behind the store's back;
//! - notifications are written to the outbox in the transaction of the event that causes
//!   them, so an event is never committed without its notification or the other way round;
//! - jobs are leased: a job whose worker dies is taken again when its lease expires, and
//!   job handlers must therefore be idempotent. Issuing orders is (see above); recording
//!   findings replaces the same run's earlier record of the filing.
//!
//! Every query a customer can reach takes a [`Scope`]; with another customer's scope an
//! object is simply not found. Time is always passed in (`now`), never read from the
//! database's clock, so leases, deadlines and tests agree on one clock.

mod audit;
mod error;
mod model;
mod search;
mod server_queries;
mod util;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use beian_domain::{Filing, Finding};

pub use error::{Result, StoreError};
pub use model::*;
pub use search::{FilingHit, FilingSearch, SearchKind};
pub use util::{
    ATTACHMENT_MEDIA_TYPES, CHANGE_KINDS, CLOSED_ORDER_STATES, CUSTOMER_ACTION_STATES,
    EXTENSION_STATES, FILING_STATUSES, ORDER_STATES, retry_delay, token_hash,
};

// The queries, once per backend. `include!` rather than generics: sqlx's generic bounds
// for "any database" are long and leak into every signature, while this compiles the same
// text twice with concrete types.
mod sqlite_ops {
    type Db = sqlx::Sqlite;
    const PG: bool = false;
    include!("ops.rs");
    include!("server_queries_ops.rs");
    include!("jobs_ops.rs");
}

mod postgres_ops {
    type Db = sqlx::Postgres;
    const PG: bool = true;
    include!("ops.rs");
    include!("server_queries_ops.rs");
    include!("jobs_ops.rs");
}

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, embedded.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

#[derive(Debug, Clone)]
enum Pools {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// 存储 — a handle on the database; cheap to clone (a pool inside).
#[derive(Debug, Clone)]
pub struct Store {
    pools: Pools,
}

macro_rules! dispatch {
    ($self:ident, $f:ident ( $($arg:expr),* )) => {
        match &$self.pools {
            Pools::Sqlite(pool) => sqlite_ops::$f(pool, $($arg),*).await,
            Pools::Postgres(pool) => postgres_ops::$f(pool, $($arg),*).await,
        }
    };
}

impl Store {
    /// Opens the store at `url` and brings its schema up to date.
    ///
    /// `sqlite://PATH` (or `sqlite:PATH`) opens or creates a SQLite file in WAL mode with
    /// foreign keys on and a 5-second busy timeout; `postgres://…` connects to PostgreSQL.
    pub async fn open(url: &str) -> Result<Store> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?;
            Store::open_sqlite(options).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            Store::open_postgres(options, 10).await
        } else {
            Err(StoreError::UnsupportedUrl(url.to_owned()))
        }
    }

    /// Opens a SQLite store with these options (the store's own settings are added).
    pub async fn open_sqlite(options: SqliteConnectOptions) -> Result<Store> {
        let in_memory = options
            .get_filename()
            .to_string_lossy()
            .contains(":memory:");
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        // An in-memory database lives in one connection; a file serves a few readers.
        let max = if in_memory { 1 } else { 4 };
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(Store {
            pools: Pools::Sqlite(pool),
        })
    }

    /// Opens a PostgreSQL store with these options and at most `max_connections`.
    pub async fn open_postgres(options: PgConnectOptions, max_connections: u32) -> Result<Store> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Store {
            pools: Pools::Postgres(pool),
        })
    }

    /// Runs the migrations again (a no-op when the schema is current); `open` already does.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pools {
            Pools::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Pools::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Which database this store runs on.
    pub fn backend(&self) -> Backend {
        match &self.pools {
            Pools::Sqlite(_) => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// The SQLite pool, for tests and tools that must reach behind the store.
    pub fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.pools {
            Pools::Sqlite(pool) => Some(pool),
            Pools::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool, for tests and tools that must reach behind the store.
    pub fn postgres_pool(&self) -> Option<&PgPool> {
        match &self.pools {
            Pools::Postgres(pool) => Some(pool),
            Pools::Sqlite(_) => None,
        }
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite(pool) => pool.close().await,
            Pools::Postgres(pool) => pool.close().await,
        }
    }

    /// Imports one filing; see [`Store::upsert_filings`].
    pub async fn upsert_filing(
        &self,
        customer_id: Option<i64>,
        filing: &Filing,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<UpsertOutcome> {
        let mut out = self
            .upsert_filings(&[(customer_id, filing)], actor, now)
            .await?;
        Ok(out.remove(0))
    }

    /// Walks the audit chain from the first row and reports the first broken link: a missing
    /// row, a changed row, or a chain head that disagrees with the log.
    pub async fn audit_verify(&self) -> Result<AuditReport> {
        dispatch!(self, audit_verify())
    }

    /// The audit rows about one subject (`order:42`), oldest first.
    pub async fn audit_for(&self, scope: Scope, subject: &str) -> Result<Vec<AuditEntry>> {
        dispatch!(self, audit_for(scope, subject))
    }

    /// The newest audit rows, before `before_seq` when paging back.
    pub async fn audit_tail(&self, before_seq: Option<i64>, limit: i64) -> Result<Vec<AuditEntry>> {
        dispatch!(self, audit_tail(before_seq, limit))
    }

    /// Creates a customer.
    pub async fn create_customer(&self, c: &NewCustomer, now: DateTime<Utc>) -> Result<i64> {
        dispatch!(self, create_customer(c, now))
    }

    /// A customer by id.
    pub async fn customer(&self, id: i64) -> Result<Option<Customer>> {
        dispatch!(self, customer(id))
    }

    /// Every customer, by id.
    pub async fn customers(&self) -> Result<Vec<Customer>> {
        dispatch!(self, customers())
    }

    /// Creates an account. The password hash comes in already hashed (argon2id, by the server).
    pub async fn create_account(&self, a: &NewAccount, now: DateTime<Utc>) -> Result<i64> {
        dispatch!(self, create_account(a, now))
    }

    /// An account by id.
    pub async fn account(&self, id: i64) -> Result<Option<Account>> {
        dispatch!(self, account(id))
    }

    /// An account by login name, for logging in.
    pub async fn account_by_login(&self, login: &str) -> Result<Option<Account>> {
        dispatch!(self, account_by_login(login))
    }

    /// The accounts in a scope.
    pub async fn accounts(&self, scope: Scope) -> Result<Vec<Account>> {
        dispatch!(self, accounts(scope))
    }

    /// Replaces an account's password hash.
    pub async fn set_password_hash(&self, id: i64, hash: &str) -> Result<bool> {
        dispatch!(self, set_password_hash(id, hash))
    }

    /// Disables or enables an account; disabling ends its sessions.
    pub async fn set_account_disabled(&self, id: i64, disabled: bool) -> Result<bool> {
        dispatch!(self, set_account_disabled(id, disabled))
    }

    /// Stores a session under the hash of its token (see [`token_hash`]).
    pub async fn create_session(
        &self,
        token_hash: &str,
        account_id: i64,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        dispatch!(
            self,
            create_session(token_hash, account_id, expires_at, now)
        )
    }

    /// The account of a live session, touching its last-seen time; `None` for an unknown or
    /// expired session or a disabled account.
    pub async fn session_account(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Account>> {
        dispatch!(self, session_account(token_hash, now))
    }

    /// Ends a session (logout).
    pub async fn delete_session(&self, token_hash: &str) -> Result<bool> {
        dispatch!(self, delete_session(token_hash))
    }

    /// Deletes expired sessions.
    pub async fn purge_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        dispatch!(self, purge_sessions(now))
    }

    /// Stores an API token under its hash; the token itself is shown to its owner once and
    /// never stored.
    pub async fn create_api_token(
        &self,
        account_id: i64,
        name: &str,
        token_hash: &str,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        dispatch!(
            self,
            create_api_token(account_id, name, token_hash, expires_at, now)
        )
    }

    /// The account of a live API token, touching its last-used time.
    pub async fn api_token_account(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Account>> {
        dispatch!(self, api_token_account(token_hash, now))
    }

    /// Revokes one of an account's tokens.
    pub async fn revoke_api_token(
        &self,
        account_id: i64,
        token_id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        dispatch!(self, revoke_api_token(account_id, token_id, now))
    }

    /// Starts a request under an idempotency key: new, still running, to be replayed, or reused
    /// for another request.
    pub async fn idempotency_begin(
        &self,
        account_id: i64,
        key: &str,
        request_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<IdempotencyBegin> {
        dispatch!(self, idempotency_begin(account_id, key, request_hash, now))
    }

    /// Stores the answer of a request started with `idempotency_begin`, for replays.
    pub async fn idempotency_finish(
        &self,
        account_id: i64,
        key: &str,
        status: i64,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        dispatch!(self, idempotency_finish(account_id, key, status, body, now))
    }

    /// Forgets an unfinished key (the request failed before changing anything), so the client
    /// may retry.
    pub async fn idempotency_abandon(&self, account_id: i64, key: &str) -> Result<()> {
        dispatch!(self, idempotency_abandon(account_id, key))
    }

    /// Deletes keys older than `before` (Stripe keeps them 24 hours).
    pub async fn idempotency_purge(&self, before: DateTime<Utc>) -> Result<u64> {
        dispatch!(self, idempotency_purge(before))
    }

    /// Imports filings in one transaction, keyed by their entity filing number: a new number is
    /// version 1, changed content becomes a new version (older ones are kept), identical
    /// content writes nothing. Running the same import twice changes nothing the second time.
    /// One audit row records the batch when it wrote anything. Callers batch (about 1,000 per
    /// call) for speed.
    pub async fn upsert_filings(
        &self,
        items: &[(Option<i64>, &Filing)],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<UpsertOutcome>> {
        dispatch!(self, upsert_filings(items, actor, now))
    }

    /// A filing by id.
    pub async fn filing(&self, scope: Scope, id: i64) -> Result<Option<FilingRecord>> {
        dispatch!(self, filing(scope, id))
    }

    /// A filing by its entity filing number.
    pub async fn filing_by_number(
        &self,
        scope: Scope,
        number: &str,
    ) -> Result<Option<FilingRecord>> {
        dispatch!(self, filing_by_number(scope, number))
    }

    /// 搜索: the filings `text` names, read as a filing number (entity or site), a
    /// 统一社会信用代码, a domain (case, a trailing dot and `www.` aside) or else part of an
    /// entity name; at most `limit` (1–1000) in `scope`, with `capped` when there were more.
    pub async fn search_filings(
        &self,
        scope: Scope,
        text: &str,
        limit: i64,
    ) -> Result<FilingSearch> {
        dispatch!(self, search_filings(scope, text, limit))
    }

    /// Every stored version of a filing, oldest first.
    pub async fn filing_versions(
        &self,
        scope: Scope,
        filing_id: i64,
    ) -> Result<Vec<FilingVersion>> {
        dispatch!(self, filing_versions(scope, filing_id))
    }

    /// The current content of a filing.
    pub async fn filing_body(&self, scope: Scope, filing_id: i64) -> Result<Option<Filing>> {
        dispatch!(self, filing_body(scope, filing_id))
    }

    /// The sites of a filing's current version, with their statuses.
    pub async fn sites(&self, scope: Scope, filing_id: i64) -> Result<Vec<SiteRecord>> {
        dispatch!(self, sites(scope, filing_id))
    }

    /// Filings in id order with keyset paging, so a sweep can walk all of them.
    pub async fn list_filings(&self, q: &FilingQuery) -> Result<Page<FilingRecord>> {
        dispatch!(self, list_filings(q))
    }

    /// Sets a filing's entity status outside an order (an operator's correction), with an audit
    /// row.
    pub async fn set_filing_status(
        &self,
        filing_id: i64,
        status: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<()> {
        dispatch!(self, set_filing_status(filing_id, status, actor, now))
    }

    /// How many filings per status.
    pub async fn filing_counts(&self, scope: Scope) -> Result<Vec<Count>> {
        dispatch!(self, filing_counts(scope))
    }

    /// Starts a verification run, with an audit row naming who started it.
    pub async fn create_run(
        &self,
        kind: &str,
        params: &Value,
        total: i64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        dispatch!(self, create_run(kind, params, total, actor, now))
    }

    /// Ids and 主体备案号 of up to `limit` filings after `after_id` that run `run_id` left
    /// with an inconclusive finding: what a run that checks them again queues.
    /// With `unrecorded_in`, only those that run has not recorded yet.
    pub async fn inconclusive_filing_keys(
        &self,
        run_id: i64,
        unrecorded_in: Option<i64>,
        after_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<(i64, String)>> {
        dispatch!(
            self,
            inconclusive_filing_keys(run_id, unrecorded_in, after_id, limit)
        )
    }

    /// How many filings run `run_id` left with an inconclusive finding.
    pub async fn inconclusive_filing_count(&self, run_id: i64) -> Result<i64> {
        dispatch!(self, inconclusive_filing_count(run_id))
    }

    /// A run by id.
    pub async fn run(&self, id: i64) -> Result<Option<Run>> {
        dispatch!(self, run(id))
    }

    /// Runs, newest first, with keyset paging.
    pub async fn list_runs(&self, after_id: Option<i64>, limit: i64) -> Result<Page<Run>> {
        dispatch!(self, list_runs(after_id, limit))
    }

    /// Marks a run finished or failed.
    pub async fn finish_run(&self, id: i64, status: &str, now: DateTime<Utc>) -> Result<()> {
        dispatch!(self, finish_run(id, status, now))
    }

    /// Stores one filing's findings in a run, replacing what an earlier attempt stored for the
    /// same filing and run, and counts the filing once in the run's progress.
    pub async fn record_findings(
        &self,
        run_id: i64,
        filing_id: i64,
        findings: &[Finding],
        now: DateTime<Utc>,
    ) -> Result<()> {
        dispatch!(self, record_findings(run_id, filing_id, findings, now))
    }

    /// A run's findings, for one filing or all.
    pub async fn run_findings(
        &self,
        scope: Scope,
        run_id: i64,
        filing_id: Option<i64>,
    ) -> Result<Vec<FindingRecord>> {
        dispatch!(self, run_findings(scope, run_id, filing_id))
    }

    /// Every finding ever recorded for a filing, newest run first.
    pub async fn filing_history(&self, scope: Scope, filing_id: i64) -> Result<Vec<FindingRecord>> {
        dispatch!(self, filing_history(scope, filing_id))
    }

    /// What changed from run `a` to run `b`: failing findings that are new, persisting or
    /// resolved, matched by filing and fingerprint.
    pub async fn diff_runs(&self, scope: Scope, a: i64, b: i64) -> Result<RunDiff> {
        dispatch!(self, diff_runs(scope, a, b))
    }

    /// How many failing findings per check in a run.
    pub async fn failures_by_check(&self, scope: Scope, run_id: i64) -> Result<Vec<Count>> {
        dispatch!(self, failures_by_check(scope, run_id))
    }

    /// Issues a rectification order for an entity, with its items, inbox messages,
    /// notifications and audit row in one transaction, and marks the filing 备案整改. If the entity
    /// already has an open order nothing is written and that order is returned: issuing is
    /// idempotent, so a job that re-runs after a crash cannot duplicate an order (the partial
    /// unique index `orders_one_open` decides, also between racing workers).
    pub async fn issue_order(&self, o: &NewOrder, now: DateTime<Utc>) -> Result<IssueOutcome> {
        dispatch!(self, issue_order(o, now))
    }

    /// An order by id.
    pub async fn order(&self, scope: Scope, id: i64) -> Result<Option<Order>> {
        dispatch!(self, order(scope, id))
    }

    /// The open order of an entity, if any.
    pub async fn open_order_for_filing(
        &self,
        scope: Scope,
        filing_id: i64,
    ) -> Result<Option<Order>> {
        dispatch!(self, open_order_for_filing(scope, filing_id))
    }

    /// An order's items, in order.
    pub async fn order_items(&self, scope: Scope, id: i64) -> Result<Vec<OrderItem>> {
        dispatch!(self, order_items(scope, id))
    }

    /// An order's change requests, oldest first.
    pub async fn change_requests(&self, scope: Scope, order_id: i64) -> Result<Vec<ChangeRequest>> {
        dispatch!(self, change_requests(scope, order_id))
    }

    /// 保存附件: stores an uploaded document's bytes, judged to be of `media_type` (one of
    /// [`ATTACHMENT_MEDIA_TYPES`]), and returns their SHA-256, the key a change request
    /// lists them by. Idempotent: the same bytes are stored once.
    pub async fn put_attachment(
        &self,
        media_type: &str,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<String> {
        dispatch!(self, put_attachment(media_type, bytes, now))
    }

    /// 读取附件: the document `sha256` of order `order_id`, with the name the order's
    /// change request gave it; `None` unless a change request of that order lists it or
    /// it was uploaded for that order ([`Store::record_upload`], then with the upload's
    /// name) and the order is visible in `scope` (another customer's document is simply
    /// not found), or when only its metadata was ever stored.
    pub async fn attachment(
        &self,
        scope: Scope,
        order_id: i64,
        sha256: &str,
    ) -> Result<Option<AttachmentFile>> {
        dispatch!(self, attachment(scope, order_id, sha256))
    }

    /// 记录上传: records that the stored document `sha256` was uploaded for order
    /// `order_id` under `name`, so that an event of the order may list it and the order's
    /// customer and staff may open it. `false` (and nothing recorded) when the order is
    /// not visible in `scope`. Idempotent: the first name and time are kept.
    pub async fn record_upload(
        &self,
        scope: Scope,
        order_id: i64,
        sha256: &str,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        dispatch!(self, record_upload(scope, order_id, sha256, name, now))
    }

    /// The recorded upload of document `sha256` for order `order_id`, if any and the order
    /// is visible in `scope`.
    pub async fn order_upload(
        &self,
        scope: Scope,
        order_id: i64,
        sha256: &str,
    ) -> Result<Option<OrderUpload>> {
        dispatch!(self, order_upload(scope, order_id, sha256))
    }

    /// An order's extension request and appeals, oldest first.
    pub async fn order_requests(&self, scope: Scope, order_id: i64) -> Result<Vec<OrderRequest>> {
        dispatch!(self, order_requests(scope, order_id))
    }

    /// Moves an order from the state and version the caller saw to a new state, in one
    /// transaction with its side record, filing and site statuses, inbox messages,
    /// notifications and audit row. The update is conditional (`WHERE id AND state AND
    /// version`): if someone moved the order first, nothing is written and the answer is
    /// [`StoreError::Stale`].
    pub async fn transition(&self, t: &Transition) -> Result<TransitionOutcome> {
        dispatch!(self, transition(t))
    }

    /// Orders, newest first, filtered and paged by keyset.
    pub async fn list_orders(&self, q: &OrderQuery) -> Result<Page<Order>> {
        dispatch!(self, list_orders(q))
    }

    /// Open orders whose deadline is in `[from, until)`, earliest first: `from = None, until =
    /// now` finds the overdue ones, `from = now, until = now + 3 days` the ones due soon.
    pub async fn orders_due(
        &self,
        scope: Scope,
        from: Option<DateTime<Utc>>,
        until: DateTime<Utc>,
        states: &[&str],
        limit: i64,
    ) -> Result<Vec<Order>> {
        dispatch!(self, orders_due(scope, from, until, states, limit))
    }

    /// How many orders per state.
    pub async fn order_counts(&self, scope: Scope) -> Result<Vec<Count>> {
        dispatch!(self, order_counts(scope))
    }

    /// Puts a message in a customer's inbox.
    pub async fn send_inbox(&self, m: &NewInbox, now: DateTime<Utc>) -> Result<i64> {
        dispatch!(self, send_inbox(m, now))
    }

    /// A customer's inbox, newest first.
    pub async fn inbox(
        &self,
        customer_id: i64,
        unread_only: bool,
        after_id: Option<i64>,
        limit: i64,
    ) -> Result<Page<InboxMessage>> {
        dispatch!(self, inbox(customer_id, unread_only, after_id, limit))
    }

    /// Marks one of a customer's messages read.
    pub async fn mark_inbox_read(
        &self,
        customer_id: i64,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        dispatch!(self, mark_inbox_read(customer_id, id, now))
    }

    /// How many unread messages a customer has.
    pub async fn unread_count(&self, customer_id: i64) -> Result<i64> {
        dispatch!(self, unread_count(customer_id))
    }

    /// Queues a notification on its own (events queue theirs in their own transaction).
    pub async fn enqueue_outbox(&self, m: &NewOutbox, now: DateTime<Utc>) -> Result<i64> {
        dispatch!(self, enqueue_outbox(m, now))
    }

    /// Takes up to `limit` due notifications for sending: each one's next attempt moves to
    /// `now + lease`, so if the sender dies it is tried again then, and concurrent senders
    /// never take the same one.
    pub async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>> {
        dispatch!(self, claim_outbox(now, lease, limit))
    }

    /// Marks a notification delivered.
    pub async fn outbox_delivered(&self, id: i64, now: DateTime<Utc>) -> Result<bool> {
        dispatch!(self, outbox_delivered(id, now))
    }

    /// Records a failed delivery and when to try again.
    pub async fn outbox_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<bool> {
        dispatch!(self, outbox_failed(id, error, retry_at))
    }

    /// Undelivered notifications, next due first.
    pub async fn outbox_pending(&self, limit: i64) -> Result<Vec<OutboxMessage>> {
        dispatch!(self, outbox_pending(limit))
    }

    /// Adds a job. With a dedupe key, a job already queued or running under it in the queue is
    /// returned instead.
    pub async fn enqueue(&self, j: &NewJob, now: DateTime<Utc>) -> Result<Enqueued> {
        dispatch!(self, enqueue(j, now))
    }

    /// Adds many jobs in one transaction, a thousand per statement; a job whose dedupe key is
    /// pending is skipped. Returns how many were added.
    pub async fn enqueue_many(&self, jobs: &[NewJob], now: DateTime<Utc>) -> Result<u64> {
        dispatch!(self, enqueue_many(jobs, now))
    }

    /// Ids and 主体备案号 of up to `limit` filings after `after_id` (all customers), optionally of
    /// one status: what queueing a run needs, without reading the filings' bodies.
    /// With `unrecorded_in`, only those that run has not recorded yet (what queueing a run
    /// again adds).
    pub async fn filing_keys(
        &self,
        status: Option<&str>,
        unrecorded_in: Option<i64>,
        after_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<(i64, String)>> {
        dispatch!(self, filing_keys(status, unrecorded_in, after_id, limit))
    }

    /// Takes the next job of a queue for `worker` until `now + lease`: first a job whose
    /// worker's lease expired, then the oldest ready one. On PostgreSQL concurrent claimers
    /// skip each other's rows (`FOR UPDATE SKIP LOCKED`), so no job goes to two workers; SQLite
    /// has one writer. A job whose final attempt died holding its lease goes to the dead
    /// letters.
    pub async fn claim(
        &self,
        queue: &str,
        worker: &str,
        lease: chrono::Duration,
        now: DateTime<Utc>,
    ) -> Result<Option<Job>> {
        dispatch!(self, claim(queue, worker, lease, now))
    }

    /// Marks a job done; `false` if the worker no longer holds it.
    pub async fn complete(&self, job_id: i64, worker: &str, now: DateTime<Utc>) -> Result<bool> {
        dispatch!(self, complete(job_id, worker, now))
    }

    /// Records a failed attempt: queued again after [`retry_delay`], or dead once
    /// `max_attempts` is reached.
    pub async fn fail(
        &self,
        job_id: i64,
        worker: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<FailOutcome> {
        dispatch!(self, fail(job_id, worker, error, now))
    }

    /// Extends a running job's lease; `false` if the worker lost it.
    pub async fn heartbeat(
        &self,
        job_id: i64,
        worker: &str,
        lease: chrono::Duration,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        dispatch!(self, heartbeat(job_id, worker, lease, now))
    }

    /// A job by id.
    pub async fn job(&self, id: i64) -> Result<Option<Job>> {
        dispatch!(self, job(id))
    }

    /// How many jobs of a queue per state.
    pub async fn job_counts(&self, queue: &str) -> Result<Vec<Count>> {
        dispatch!(self, job_counts(queue))
    }

    /// Whether a queue holds a pending (queued or running) job whose dedupe key starts
    /// with `prefix` (no `%` or `_` in it): how a run tells whether work of it is waiting.
    pub async fn has_pending_with_prefix(&self, queue: &str, prefix: &str) -> Result<bool> {
        dispatch!(self, has_pending_with_prefix(queue, prefix))
    }

    /// Pending (queued or running) jobs of a queue whose dedupe key starts with `prefix` (no
    /// `%` or `_` in it), soonest due first: at most `limit`.
    pub async fn pending_jobs_with_prefix(
        &self,
        queue: &str,
        prefix: &str,
        limit: i64,
    ) -> Result<Vec<Job>> {
        dispatch!(self, pending_jobs_with_prefix(queue, prefix, limit))
    }

    /// The pending (queued or running) job of a queue with this dedupe key, if any.
    pub async fn pending_job(&self, queue: &str, key: &str) -> Result<Option<Job>> {
        dispatch!(self, pending_job(queue, key))
    }

    /// A queue's dead letters.
    pub async fn dead_jobs(&self, queue: &str, limit: i64) -> Result<Vec<Job>> {
        dispatch!(self, dead_jobs(queue, limit))
    }

    /// Queues a dead job again with fresh attempts.
    pub async fn retry_dead(&self, job_id: i64, now: DateTime<Utc>) -> Result<bool> {
        dispatch!(self, retry_dead(job_id, now))
    }
}
