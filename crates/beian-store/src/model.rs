//! The values the store takes and gives back. Times are `DateTime<Utc>` here and
//! milliseconds since the epoch in the database.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use beian_domain::workflow as wf;

/// 可见范围 — whose data a query may see.
///
/// Every query that a customer can reach takes a scope: with `Customer(id)` another
/// customer's object simply is not found, so the server cannot leak it by forgetting a
/// check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Staff (operators, admins, workers): everything.
    All,
    /// One customer's own objects only.
    Customer(i64),
}

impl Scope {
    pub(crate) fn customer(self) -> Option<i64> {
        match self {
            Scope::All => None,
            Scope::Customer(id) => Some(id),
        }
    }
}

/// 角色 — what an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 客户: sees and answers its own orders.
    Customer,
    /// 审核员: reviews every customer's orders.
    Operator,
    /// 管理员: also manages accounts.
    Admin,
}

impl Role {
    /// The code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    pub(crate) fn parse(code: &str) -> Option<Role> {
        match code {
            "customer" => Some(Role::Customer),
            "operator" => Some(Role::Operator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// 客户 — a customer of the access provider, who owns filings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Customer {
    /// Id.
    pub id: i64,
    /// 客户名称.
    pub name: String,
    /// Where notification emails go.
    pub email: Option<String>,
    /// Where signed webhooks go.
    pub webhook_url: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// A customer to create.
#[derive(Debug, Clone, Default)]
pub struct NewCustomer {
    /// 客户名称.
    pub name: String,
    /// Notification email.
    pub email: Option<String>,
    /// Webhook URL.
    pub webhook_url: Option<String>,
}

/// 账号 — a login.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Account {
    /// Id.
    pub id: i64,
    /// 登录名.
    pub login: String,
    /// The argon2id PHC string; hashing and verifying is the server's job.
    #[serde(skip)]
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// The customer a customer account belongs to; `None` for staff.
    pub customer_id: Option<i64>,
    /// 显示名称.
    pub display_name: String,
    /// A disabled account cannot log in.
    pub disabled: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
}

impl Account {
    /// The scope this account's queries run in.
    pub fn scope(&self) -> Scope {
        match (self.role, self.customer_id) {
            (Role::Customer, Some(id)) => Scope::Customer(id),
            // A customer account without a customer sees nothing: scope it to no customer.
            (Role::Customer, None) => Scope::Customer(-1),
            _ => Scope::All,
        }
    }
}

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// 登录名.
    pub login: String,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// Required for customers, absent for staff.
    pub customer_id: Option<i64>,
    /// 显示名称.
    pub display_name: String,
}

/// What `idempotency_begin` found for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyBegin {
    /// First use: go ahead, then call `idempotency_finish`.
    New,
    /// The same key and request are still being processed (answer 409).
    InProgress,
    /// Already done: replay this answer.
    Replay {
        /// The stored status code.
        status: i64,
        /// The stored body.
        body: String,
    },
    /// The key was used for a different request (answer 422).
    Mismatch,
}

/// 备案记录 — a stored filing: its key, owner, status and current version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilingRecord {
    /// Id.
    pub id: i64,
    /// 主体备案号, the natural key.
    pub filing_number: String,
    /// Owner.
    pub customer_id: Option<i64>,
    /// 主办单位名称.
    pub entity_name: String,
    /// 主体性质 code.
    pub entity_kind: String,
    /// 主体备案状态 code (`normal`, `rectification`, …).
    pub status: String,
    /// Current version, from 1.
    pub version: i64,
    /// SHA-256 of the current content.
    pub content_hash: String,
    /// First stored.
    pub created_at: DateTime<Utc>,
    /// Last changed (content or status).
    pub updated_at: DateTime<Utc>,
}

/// 备案版本 — one stored content of a filing; older versions are kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilingVersion {
    /// Version number, from 1.
    pub version: i64,
    /// SHA-256 of the body.
    pub content_hash: String,
    /// The filing as JSON.
    pub body: Value,
    /// Stored.
    pub created_at: DateTime<Utc>,
}

/// 网站记录 — one site of a filing's current version, with its own status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteRecord {
    /// Id.
    pub id: i64,
    /// The filing.
    pub filing_id: i64,
    /// Zero-based position in the filing.
    pub position: i64,
    /// 网站备案号.
    pub site_number: Option<String>,
    /// 网站名称.
    pub name: String,
    /// 网站域名.
    pub domains: Vec<String>,
    /// Status code.
    pub status: String,
}

/// What an upsert did to one filing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpsertChange {
    /// New filing number: version 1.
    Created,
    /// Content changed: a new version.
    Updated,
    /// Same content as the current version: nothing written.
    Unchanged,
}

/// The outcome of upserting one filing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UpsertOutcome {
    /// The filing's id.
    pub filing_id: i64,
    /// Its version after the upsert.
    pub version: i64,
    /// What happened.
    pub change: UpsertChange,
}

/// 核查批次 — one verification run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    /// Id.
    pub id: i64,
    /// What kind of run (`sweep`, `recheck`, `import`, …).
    pub kind: String,
    /// Its parameters.
    pub params: Value,
    /// `running`, `finished` or `failed`.
    pub status: String,
    /// Started.
    pub started_at: DateTime<Utc>,
    /// Finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Filings planned.
    pub total: i64,
    /// Filings recorded so far.
    pub done: i64,
    /// Filings with at least one failing finding.
    pub failed: i64,
    /// Filings with at least one inconclusive finding (无法判断), which a later run can
    /// check again alone (`beian run start --inconclusive-of`).
    pub inconclusive: i64,
}

/// 核查结果记录 — one stored finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingRecord {
    /// Id.
    pub id: i64,
    /// The run.
    pub run_id: i64,
    /// The filing.
    pub filing_id: i64,
    /// Check id (`site.title_mismatch`).
    pub check_id: String,
    /// `pass`, `warn`, `fail` or `inconclusive`.
    pub status: String,
    /// The target as JSON (`{"kind":"website","index":0,"name":…}`).
    pub target: Value,
    /// 相关字段.
    pub field: Option<String>,
    /// 问题描述.
    pub message: String,
    /// Evidence as JSON.
    pub evidence: Value,
    /// `check|target|field`: the same problem has the same fingerprint in every run.
    pub fingerprint: String,
    /// Recorded.
    pub created_at: DateTime<Utc>,
}

/// 两次核查的差异 — what changed between two runs, by fingerprint of failing findings.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct RunDiff {
    /// Failing in the second run, not in the first.
    pub new: Vec<FindingRecord>,
    /// Failing in both (the second run's record).
    pub persisting: Vec<FindingRecord>,
    /// Failing in the first run, neither failing nor undecided in the second (the first
    /// run's record); only filings the second run recorded count, so a partial run
    /// resolves nothing it did not look at.
    pub resolved: Vec<FindingRecord>,
    /// Failing in the first run, inconclusive in the second (the second run's record, which
    /// says why): not shown fixed, not shown still failing.
    pub undecided: Vec<FindingRecord>,
}

/// 整改单 — a stored rectification order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Order {
    /// Id.
    pub id: i64,
    /// The entity's filing.
    pub filing_id: i64,
    /// 主体备案号.
    pub filing_number: String,
    /// 主办单位名称.
    pub entity_name: String,
    /// Owner.
    pub customer_id: Option<i64>,
    /// The run that found the problems.
    pub run_id: Option<i64>,
    /// State code (`issued`, `submitted`, …).
    pub state: String,
    /// 整改期限.
    pub deadline_at: DateTime<Utc>,
    /// `none`, `requested`, `granted` or `denied`.
    pub extension_state: String,
    /// Working days granted.
    pub extension_days: i64,
    /// Every item is a keyword hit: never enforced without a person's review.
    pub keyword_only: bool,
    /// When the 管局 status was last synced.
    pub miit_synced_at: Option<DateTime<Utc>>,
    /// Bumped by every transition; the optimistic lock.
    pub version: i64,
    /// Issued.
    pub created_at: DateTime<Utc>,
    /// Last transition.
    pub updated_at: DateTime<Utc>,
    /// Reached a final state.
    pub closed_at: Option<DateTime<Utc>>,
}

/// 整改项 — one item of an order: one failed finding with what to do about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderItem {
    /// Zero-based position.
    pub position: i64,
    /// Check id.
    pub check_id: String,
    /// Target JSON.
    pub target: Value,
    /// 相关字段.
    pub field: Option<String>,
    /// 问题描述.
    pub message: String,
    /// 不通过原因.
    pub reason: String,
    /// 解决措施.
    pub remedy: String,
    /// 可选操作 (Chinese action labels).
    pub actions: Vec<String>,
    /// Evidence JSON.
    pub evidence: Value,
    /// Fingerprint of the finding.
    pub fingerprint: String,
}

/// An order to issue.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// The entity's filing.
    pub filing_id: i64,
    /// The run that found the problems.
    pub run_id: Option<i64>,
    /// 整改期限.
    pub deadline_at: DateTime<Utc>,
    /// Every item is a keyword hit.
    pub keyword_only: bool,
    /// Items, in order.
    pub items: Vec<OrderItem>,
    /// Who issues it (for the audit row).
    pub actor: Actor,
    /// Notifications to send with it.
    pub outbox: Vec<NewOutbox>,
    /// 站内信 to the owner.
    pub inbox: Vec<NewInbox>,
}

/// What issuing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum IssueOutcome {
    /// A new order.
    Issued {
        /// Its id.
        order_id: i64,
    },
    /// The entity already has an open order; nothing was written.
    AlreadyOpen {
        /// The open order.
        order_id: i64,
    },
}

impl IssueOutcome {
    /// The order, new or existing.
    pub fn order_id(self) -> i64 {
        match self {
            IssueOutcome::Issued { order_id } | IssueOutcome::AlreadyOpen { order_id } => order_id,
        }
    }
}

/// 操作人 — who did something, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// The account, if a person did it.
    pub account_id: Option<i64>,
    /// A readable label: a login, `system`, `worker:host-1`.
    pub label: String,
}

impl Actor {
    /// The system itself: `system`, or `system:NAME` for a named worker or scheduler.
    pub fn system(name: &str) -> Actor {
        Actor {
            account_id: None,
            label: if name.is_empty() {
                "system".to_owned()
            } else {
                format!("system:{name}")
            },
        }
    }

    /// A person: `ROLE:LOGIN` (`operator:zhang`), as the audit log names actors.
    pub fn person(role: Role, account_id: i64, login: &str) -> Actor {
        Actor {
            account_id: Some(account_id),
            label: format!("{}:{login}", role.code()),
        }
    }

    /// The account as an actor.
    pub fn of(account: &Account) -> Actor {
        Actor::person(account.role, account.id, &account.login)
    }
}

/// Field changes a transition makes besides the state.
#[derive(Debug, Clone, Default)]
pub struct OrderChanges {
    /// New deadline (an extension granted).
    pub deadline_at: Option<DateTime<Utc>>,
    /// New extension state code.
    pub extension_state: Option<String>,
    /// New extension days.
    pub extension_days: Option<i64>,
    /// The 管局 status was synced now.
    pub miit_synced_at: Option<DateTime<Utc>>,
}

/// A record written together with a transition.
#[derive(Debug, Clone)]
pub enum SideRecord {
    /// 提交审核: a change request.
    ChangeRequest {
        /// `change_filing`, `change_website`, `cancel_website` or `cancel_entity`.
        kind: String,
        /// The fields to change, JSON.
        fields: Value,
        /// Attachment metadata (name, size, sha256, content type), JSON array.
        attachments: Value,
    },
    /// An operator's decision on a pending change request.
    ChangeDecision {
        /// The change request.
        change_request_id: i64,
        /// Approved or rejected.
        approved: bool,
        /// 审核意见 per field, JSON object.
        opinions: Value,
    },
    /// 延期申请.
    ExtensionRequest {
        /// Working days asked for.
        days: i64,
        /// 理由.
        reason: String,
    },
    /// An operator's decision on the extension request.
    ExtensionDecision {
        /// Granted or denied.
        granted: bool,
    },
    /// 申诉.
    Appeal {
        /// 理由.
        reason: String,
        /// Evidence JSON.
        evidence: Value,
    },
    /// An operator's decision on the latest pending appeal.
    AppealDecision {
        /// Upheld or rejected.
        upheld: bool,
    },
}

/// 状态变更 — one conditional transition of an order.
#[derive(Debug, Clone)]
pub struct Transition {
    /// The order.
    pub order_id: i64,
    /// Whose view: a customer cannot move another customer's order.
    pub scope: Scope,
    /// The state the caller saw.
    pub from_state: String,
    /// The version the caller saw.
    pub from_version: i64,
    /// The state to move to.
    pub to_state: String,
    /// The event's code (`submit`, `approve`, …), the audit row's action.
    pub event: String,
    /// Who.
    pub actor: Actor,
    /// Other order fields to set.
    pub changes: OrderChanges,
    /// New 主体 status, if the event changes it.
    pub filing_status: Option<String>,
    /// New status of every site of the filing (applied before `site_statuses`).
    pub all_sites_status: Option<String>,
    /// New site statuses, by position.
    pub site_statuses: Vec<(i64, String)>,
    /// A record written with it.
    pub record: Option<SideRecord>,
    /// Free detail for the audit row (never unmasked personal numbers).
    pub detail: Value,
    /// Notifications caused by it.
    pub outbox: Vec<NewOutbox>,
    /// 站内信 caused by it.
    pub inbox: Vec<NewInbox>,
    /// The moment of the transition.
    pub now: DateTime<Utc>,
}

/// What a transition did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransitionOutcome {
    /// The order after it.
    pub order: Order,
    /// The id of the side record written, if any.
    pub record_id: Option<i64>,
    /// The audit row's sequence number.
    pub audit_seq: i64,
}

/// 整改申请 — a stored change request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeRequest {
    /// Id.
    pub id: i64,
    /// The order.
    pub order_id: i64,
    /// Kind code.
    pub kind: String,
    /// Fields JSON.
    pub fields: Value,
    /// Attachment metadata JSON.
    pub attachments: Value,
    /// Opinions per field, once decided.
    pub opinions: Option<Value>,
    /// `pending`, `approved` or `rejected`.
    pub state: String,
    /// Submitted by.
    pub created_by: Option<i64>,
    /// Submitted.
    pub created_at: DateTime<Utc>,
    /// Decided by.
    pub decided_by: Option<i64>,
    /// Decided.
    pub decided_at: Option<DateTime<Utc>>,
}

/// 附件原件 — the bytes of an uploaded document, as a reader gets them back.
///
/// The bytes are stored once per content; the name is the one the change request that
/// lists them gave, because the same document may be uploaded under several names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentFile {
    /// SHA-256 of the bytes, lower-case hex: the key.
    pub sha256: String,
    /// The file name the listing change request gives it (its newest, if several do).
    pub name: String,
    /// One of [`crate::ATTACHMENT_MEDIA_TYPES`], judged from the bytes when stored.
    pub media_type: String,
    /// Size in bytes.
    pub size: i64,
    /// The content.
    pub bytes: Vec<u8>,
    /// When these bytes were first stored.
    pub created_at: DateTime<Utc>,
}

/// 上传记录 — a document uploaded for an order: what lets an event of that order list it
/// and the order's customer and staff open it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderUpload {
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// The name it was first uploaded under.
    pub name: String,
    /// Size in bytes, as stored.
    pub size: i64,
    /// When it was first uploaded for the order.
    pub uploaded_at: DateTime<Utc>,
}

/// 延期申请 / 申诉 — an extension request or an appeal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderRequest {
    /// Id.
    pub id: i64,
    /// `extension` or `appeal`.
    pub kind: String,
    /// Working days (extensions).
    pub days: Option<i64>,
    /// 理由.
    pub reason: String,
    /// Evidence (appeals).
    pub evidence: Option<Value>,
    /// State code.
    pub state: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Decided.
    pub decided_at: Option<DateTime<Utc>>,
}

/// 审计记录 — one row of the audit log, as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When, in microseconds since the epoch (what the chain hashes).
    pub at_us: i64,
    /// Who: an actor code, optionally with the person (`operator:zhang`).
    pub actor: String,
    /// What: the event's kind (`issue`, `submit`, `import`, …).
    pub action: String,
    /// To what: `order:42`, `filing:京ICP备2024012345号`.
    pub subject: String,
    /// The state before, for state changes.
    pub from: Option<String>,
    /// The state after, for state changes.
    pub to: Option<String>,
    /// Details as JSON text, exactly as hashed; includes `customer_id` and `account_id`.
    pub detail: String,
    /// Whose object (also in the detail), for scoped reading.
    pub customer_id: Option<i64>,
    /// The previous row's hash.
    pub prev_hash: String,
    /// This row's hash.
    pub hash: String,
}

impl AuditEntry {
    /// When, as an instant.
    pub fn at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.at_us).unwrap_or(DateTime::UNIX_EPOCH)
    }
}

/// The result of walking the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Rows checked.
    pub rows: i64,
    /// The first broken link, if any: its sequence number and what is wrong.
    pub broken: Option<(i64, String)>,
}

impl AuditReport {
    /// Whether the whole chain holds.
    pub fn is_intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// 站内信 to write.
#[derive(Debug, Clone)]
pub struct NewInbox {
    /// Recipient customer.
    pub customer_id: i64,
    /// About this order.
    pub order_id: Option<i64>,
    /// 标题.
    pub title: String,
    /// 正文.
    pub body: String,
}

/// 站内信 — a message in a customer's inbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InboxMessage {
    /// Id.
    pub id: i64,
    /// Recipient.
    pub customer_id: i64,
    /// About this order.
    pub order_id: Option<i64>,
    /// 标题.
    pub title: String,
    /// 正文.
    pub body: String,
    /// Sent.
    pub created_at: DateTime<Utc>,
    /// Read.
    pub read_at: Option<DateTime<Utc>>,
}

/// How a notification travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    /// Email over SMTP.
    Email,
    /// A signed webhook.
    Webhook,
}

impl OutboxKind {
    /// The code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            OutboxKind::Email => "email",
            OutboxKind::Webhook => "webhook",
        }
    }

    pub(crate) fn parse(code: &str) -> OutboxKind {
        if code == "webhook" {
            OutboxKind::Webhook
        } else {
            OutboxKind::Email
        }
    }
}

/// A notification to send.
#[derive(Debug, Clone)]
pub struct NewOutbox {
    /// Email or webhook.
    pub kind: OutboxKind,
    /// An address or a URL.
    pub recipient: String,
    /// What to send, JSON.
    pub payload: Value,
}

/// 待发通知 — a notification in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxMessage {
    /// Id.
    pub id: i64,
    /// Email or webhook.
    pub kind: OutboxKind,
    /// An address or a URL.
    pub recipient: String,
    /// What to send.
    pub payload: Value,
    /// Attempts so far, this claim included.
    pub attempts: i64,
    /// When it may be tried next.
    pub next_attempt_at: DateTime<Utc>,
    /// Delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// The last failure.
    pub last_error: Option<String>,
    /// Written.
    pub created_at: DateTime<Utc>,
}

/// 任务 — a job in the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    /// Id.
    pub id: i64,
    /// Queue name.
    pub queue: String,
    /// Payload.
    pub payload: Value,
    /// `queued`, `running`, `done` or `dead`.
    pub state: String,
    /// Attempts so far, the running one included.
    pub attempts: i64,
    /// After this many failed attempts the job goes to the dead letters.
    pub max_attempts: i64,
    /// Not before.
    pub run_at: DateTime<Utc>,
    /// The worker holding it.
    pub locked_by: Option<String>,
    /// Until when the worker holds it.
    pub lease_until: Option<DateTime<Utc>>,
    /// The last failure.
    pub last_error: Option<String>,
    /// Deduplication key.
    pub dedupe_key: Option<String>,
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Queue name.
    pub queue: String,
    /// Payload.
    pub payload: Value,
    /// Not before.
    pub run_at: DateTime<Utc>,
    /// While a job with this key is queued or running in the queue, enqueuing another is
    /// a no-op.
    pub dedupe_key: Option<String>,
    /// Attempts before the dead letters.
    pub max_attempts: i64,
}

/// What enqueuing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Enqueued {
    /// A new job.
    New {
        /// Its id.
        job_id: i64,
    },
    /// A job with the same dedupe key is pending.
    Duplicate {
        /// The pending job.
        job_id: i64,
    },
}

/// What `fail` did with a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum FailOutcome {
    /// Queued again for this time.
    Retry {
        /// When.
        run_at: DateTime<Utc>,
    },
    /// Out of attempts: in the dead letters.
    Dead,
    /// The worker no longer holds the job (its lease expired and another took it).
    LeaseLost,
}

/// A page of results and the cursor for the next one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Pass as `after_id` for the next page; `None` at the end.
    pub next_after_id: Option<i64>,
}

/// Filters of the order list.
#[derive(Debug, Clone)]
pub struct OrderQuery {
    /// Whose orders.
    pub scope: Scope,
    /// Only these states (empty: all).
    pub states: Vec<String>,
    /// Only this entity.
    pub filing_id: Option<i64>,
    /// Only open orders whose deadline is before this.
    pub deadline_before: Option<DateTime<Utc>>,
    /// Only keyword-only orders (or only others).
    pub keyword_only: Option<bool>,
    /// Keyset paging: ids below this (newest first).
    pub after_id: Option<i64>,
    /// Page size (1..=1000).
    pub limit: i64,
}

impl OrderQuery {
    /// Every order in `scope`, newest first, `limit` at a time.
    pub fn new(scope: Scope, limit: i64) -> OrderQuery {
        OrderQuery {
            scope,
            states: Vec::new(),
            filing_id: None,
            deadline_before: None,
            keyword_only: None,
            after_id: None,
            limit,
        }
    }
}

/// Filters of the filing list.
#[derive(Debug, Clone)]
pub struct FilingQuery {
    /// Whose filings.
    pub scope: Scope,
    /// Only this status.
    pub status: Option<String>,
    /// Keyset paging: ids above this (oldest first, so a sweep can walk every filing).
    pub after_id: Option<i64>,
    /// Page size (1..=10000).
    pub limit: i64,
}

/// A count per code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// The code (a state, a status, a check id).
    pub key: String,
    /// How many.
    pub count: i64,
}

impl Order {
    /// The workflow's view of the order, for `beian_domain::workflow::apply`.
    pub fn snapshot(&self) -> Result<wf::OrderSnapshot, wf::UnknownCode> {
        let tz = wf::calendar::shanghai();
        Ok(wf::OrderSnapshot {
            state: wf::OrderState::parse(&self.state)?,
            deadline: self.deadline_at.with_timezone(&tz),
            extension: wf::ExtensionState::parse(&self.extension_state)?,
            extension_days: u32::try_from(self.extension_days).unwrap_or(0),
            keyword_only: self.keyword_only,
            miit_synced_at: self.miit_synced_at.map(|t| t.with_timezone(&tz)),
        })
    }
}

impl Transition {
    /// A bare transition of `order` (as the caller read it) to `to_state`; add changes,
    /// statuses, records and messages to the fields.
    pub fn new(
        order: &Order,
        scope: Scope,
        to_state: &str,
        event: &str,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Transition {
        Transition {
            order_id: order.id,
            scope,
            from_state: order.state.clone(),
            from_version: order.version,
            to_state: to_state.to_owned(),
            event: event.to_owned(),
            actor,
            changes: OrderChanges::default(),
            filing_status: None,
            all_sites_status: None,
            site_statuses: Vec::new(),
            record: None,
            detail: Value::Null,
            outbox: Vec::new(),
            inbox: Vec::new(),
            now,
        }
    }

    /// What the workflow decided (`beian_domain::workflow::apply`) for `order` as the caller
    /// read it: the new state, deadline, extension and 管局 sync time, and the entity and
    /// site status that go with the new state.
    pub fn from_workflow(
        order: &Order,
        scope: Scope,
        decided: &wf::Transition,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Transition {
        let status = decided.filing_status.code().to_owned();
        let mut t = Transition::new(
            order,
            scope,
            decided.to.code(),
            decided.audit_action,
            actor,
            now,
        );
        t.changes = OrderChanges {
            deadline_at: Some(decided.deadline.with_timezone(&Utc)),
            extension_state: Some(decided.extension.code().to_owned()),
            extension_days: Some(i64::from(decided.extension_days)),
            miit_synced_at: decided.miit_synced_at.map(|t| t.with_timezone(&Utc)),
        };
        t.filing_status = Some(status.clone());
        t.all_sites_status = Some(status);
        t
    }
}

impl OrderItem {
    /// An item of a workflow draft, at `position`.
    pub fn from_workflow(position: i64, item: &wf::order::OrderItem) -> OrderItem {
        OrderItem {
            position,
            check_id: item.check.as_str().to_owned(),
            target: serde_json::to_value(&item.target).unwrap_or(Value::Null),
            field: item.field.clone(),
            message: item.message.clone(),
            reason: item.reason.clone(),
            remedy: item.remedy.clone(),
            actions: item.actions.iter().map(|a| a.label().to_owned()).collect(),
            evidence: serde_json::to_value(&item.evidence).unwrap_or(Value::Null),
            fingerprint: item.fingerprint.clone(),
        }
    }
}

impl NewOrder {
    /// The order a workflow draft describes, for the filing `filing_id` found by `run_id`;
    /// add inbox messages and notifications to the fields.
    pub fn from_draft(
        filing_id: i64,
        run_id: Option<i64>,
        draft: &wf::order::OrderDraft,
        actor: Actor,
    ) -> NewOrder {
        NewOrder {
            filing_id,
            run_id,
            deadline_at: draft.deadline.with_timezone(&Utc),
            keyword_only: draft.keyword_only,
            items: draft
                .items
                .iter()
                .enumerate()
                .map(|(i, item)| OrderItem::from_workflow(i as i64, item))
                .collect(),
            actor,
            outbox: Vec::new(),
            inbox: Vec::new(),
        }
    }
}
