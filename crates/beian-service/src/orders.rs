//! 整改单编排 — issuing orders from findings and moving them through the workflow.
//!
//! Every change of an order goes through [`Orders::apply`]: the order is read in the
//! caller's scope, the pure state machine (`beian_domain::workflow::apply`) decides, and
//! the store writes the new state with its side record, statuses, messages and audit row
//! in one conditional transaction. The CLI, the worker, the scheduler and the server all
//! call this one function, so the rules cannot drift apart between them.

use beian_domain::finding::Target;
use beian_domain::workflow::{
    self, Actor as Role, Event, OrderState, Refusal, WorkflowPolicy, WorkingCalendar,
    calendar::shanghai,
};
use beian_domain::{Finding, Status};
use beian_notify::{Notice, NoticeItem, NoticeKind};
use beian_store::{
    Actor, IssueOutcome, NewInbox, NewOrder, NewOutbox, Order, OutboxKind, Scope, SideRecord,
    Store, StoreError, Transition, TransitionOutcome,
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// What went wrong while changing an order.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The order does not exist in the caller's scope.
    #[error("整改单 {0} 不存在")]
    OrderNotFound(i64),
    /// The filing does not exist in the caller's scope.
    #[error("备案 {0} 不存在")]
    FilingNotFound(i64),
    /// The run does not exist.
    #[error("核查批次 {0} 不存在")]
    RunNotFound(i64),
    /// The run cannot be queued again: it is not one of a selection of filings.
    #[error("核查批次 {0} 是整改复查批次，由系统逐份排入，不能补排")]
    RunNotRequeueable(i64),
    /// The workflow refuses the event.
    #[error("{0}")]
    Refused(#[from] Refusal),
    /// Someone changed the order first; read it again and retry.
    #[error("整改单已被他人更新，请刷新后重试")]
    Conflict,
    /// The store holds a value the workflow does not know (a newer schema, a manual edit).
    #[error("stored value not understood: {0}")]
    Corrupt(String),
    /// An approved change cannot be applied to the filing.
    #[error("{0}")]
    BadChange(#[from] crate::change::ChangeError),
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
    /// The working-day calendar cannot place the deadline.
    #[error(transparent)]
    Calendar(#[from] workflow::CalendarError),
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Stale { .. } => ServiceError::Conflict,
            StoreError::NotFound { kind: "order", id } => ServiceError::OrderNotFound(id),
            other => ServiceError::Store(other),
        }
    }
}

/// Whether a finding's target is where an order's item was found: the entity, or the
/// website at the same position. The site's name is left out: an approved change may have
/// renamed it, and the re-check runs on the changed filing.
fn same_place(target: &Target, item_target: &Value) -> bool {
    match target {
        Target::Entity => item_target["kind"] == "entity",
        Target::Website { index, .. } => {
            item_target["kind"] == "website" && item_target["index"].as_u64() == Some(*index as u64)
        }
        Target::Page => false,
    }
}

/// 操作者 — who acts: the workflow role that decides what is allowed, and the account
/// the audit log names.
#[derive(Debug, Clone)]
pub struct Who {
    /// The role the state machine judges.
    pub role: Role,
    /// The account (or system label) for the audit row.
    pub actor: Actor,
}

impl Who {
    /// The scheduler or a worker.
    pub fn system(label: &str) -> Who {
        Who {
            role: Role::System,
            actor: Actor::system(label),
        }
    }
}

/// What re-verifying a filing did to its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecheckEffect {
    /// Nothing failed and no order was open.
    Clean,
    /// A new order was issued.
    Issued(i64),
    /// The open order stays as it is (the customer has not asked for a re-check).
    Unchanged(i64),
    /// The open order was being re-checked and passed.
    Passed(i64),
    /// The open order was being re-checked and still fails.
    StillFailing(i64),
    /// The open order was being re-checked, nothing failed, but an item of it could not be
    /// decided (its source did not answer): it stays 复查中 and is checked again.
    Undecided(i64),
}

/// 整改单服务 — the store plus the rules it is changed by.
#[derive(Clone)]
pub struct Orders {
    store: Store,
    policy: WorkflowPolicy,
    calendar: WorkingCalendar,
}

impl Orders {
    /// The service over `store`, deciding with `policy` and counting days with `calendar`.
    pub fn new(store: Store, policy: WorkflowPolicy, calendar: WorkingCalendar) -> Orders {
        Orders {
            store,
            policy,
            calendar,
        }
    }

    /// The store underneath.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The policy in force.
    pub fn policy(&self) -> &WorkflowPolicy {
        &self.policy
    }

    /// Applies one event to one order, as `who`, in `scope`.
    pub async fn apply(
        &self,
        scope: Scope,
        order_id: i64,
        who: &Who,
        event: &Event,
        now: DateTime<Utc>,
    ) -> Result<TransitionOutcome, ServiceError> {
        let order = self
            .store
            .order(scope, order_id)
            .await?
            .ok_or(ServiceError::OrderNotFound(order_id))?;
        let snapshot = order
            .snapshot()
            .map_err(|e| ServiceError::Corrupt(e.to_string()))?;
        let decided = workflow::apply(
            &snapshot,
            who.role,
            event,
            &self.policy,
            &self.calendar,
            now.with_timezone(&shanghai()),
        )?;
        if matches!(event, Event::Approve { .. }) {
            // Refuse an approval whose change cannot be applied, before anything is written.
            if let Some(request) = self.latest_change(scope, order.id, "pending").await? {
                let filing = self
                    .store
                    .filing_body(scope, order.filing_id)
                    .await?
                    .ok_or(ServiceError::FilingNotFound(order.filing_id))?;
                crate::change::apply_changes(&filing, &changes_of(&request))?;
            }
        }
        let record = self.side_record(scope, &order, event).await?;
        let to = decided.to;
        let site_statuses = self
            .site_statuses(scope, &order, decided.filing_status)
            .await?;
        let (inbox, outbox) = self.messages(&order, event, to).await?;
        let mut transition =
            Transition::from_workflow(&order, scope, &decided, who.actor.clone(), now);
        transition.all_sites_status = None;
        transition.site_statuses = site_statuses;
        transition.record = record;
        transition.detail = audit_detail(event);
        transition.inbox = inbox;
        transition.outbox = outbox;
        let outcome = self.store.transition(&transition).await?;
        if to == OrderState::Rechecking {
            self.enter_recheck(&order, who, now).await?;
        }
        Ok(outcome)
    }

    /// An order is in 复查中: apply the approved change, if there is one, as a new version
    /// of the filing, and queue the re-verification. Called when the order enters the state,
    /// and again by the scheduler for every order still in it, which covers a crash between
    /// the two and orders moved by another writer; both steps are idempotent (an unchanged
    /// filing writes no version, a queued job is not queued twice). Returns whether a job
    /// was newly queued.
    pub async fn enter_recheck(
        &self,
        order: &Order,
        who: &Who,
        now: DateTime<Utc>,
    ) -> Result<bool, ServiceError> {
        if let Some(request) = self.latest_change(Scope::All, order.id, "approved").await? {
            let filing = self
                .store
                .filing_body(Scope::All, order.filing_id)
                .await?
                .ok_or(ServiceError::FilingNotFound(order.filing_id))?;
            let changed = crate::change::apply_changes(&filing, &changes_of(&request))?;
            if changed != filing {
                self.store
                    .upsert_filing(order.customer_id, &changed, &who.actor, now)
                    .await?;
            }
        }
        let run_id = self.recheck_run(order.id, &who.actor, now).await?;
        let job = crate::worker::VerifyJob {
            run_id,
            filing_id: order.filing_id,
            undecided: 0,
        };
        // A re-check deferred after an undecided one is already pending under the same key:
        // this queues nothing until it has run.
        let queued = crate::worker::enqueue_recheck(&self.store, job, now, now).await?;
        Ok(matches!(queued, beian_store::Enqueued::New { .. }))
    }

    /// The run re-checks of the day are recorded in (one per Beijing day), created when
    /// first needed; creating it finishes the earlier days' runs.
    pub async fn recheck_run(
        &self,
        order_id: i64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64, ServiceError> {
        let today = now.with_timezone(&shanghai()).date_naive();
        let runs = self.store.list_runs(None, 50).await?;
        if let Some(run) = runs.items.iter().find(|run| {
            run.kind == RECHECK_RUN
                && run.started_at.with_timezone(&shanghai()).date_naive() == today
        }) {
            return Ok(run.id);
        }
        let params = json!({ "first_order": order_id });
        let run_id = self
            .store
            .create_run(RECHECK_RUN, &params, 0, actor, now)
            .await?;
        // The earlier days' records are complete: a re-check due later is recorded in the
        // run of its own day.
        for earlier in runs
            .items
            .iter()
            .filter(|run| run.kind == RECHECK_RUN && run.status == "running")
        {
            self.store.finish_run(earlier.id, "finished", now).await?;
        }
        Ok(run_id)
    }

    /// The newest change request of an order in the given state.
    async fn latest_change(
        &self,
        scope: Scope,
        order_id: i64,
        state: &str,
    ) -> Result<Option<beian_store::ChangeRequest>, ServiceError> {
        Ok(self
            .store
            .change_requests(scope, order_id)
            .await?
            .into_iter()
            .rev()
            .find(|request| request.state == state))
    }

    /// Issues an order for a filing's failed findings, or returns the one already open.
    /// `None` when nothing failed. Idempotent: a job that re-runs after a crash finds the
    /// order it issued the first time.
    pub async fn issue(
        &self,
        filing_id: i64,
        run_id: Option<i64>,
        findings: &[Finding],
        who: &Who,
        now: DateTime<Utc>,
    ) -> Result<Option<IssueOutcome>, ServiceError> {
        let Some(draft) = workflow::order::draft_order(
            findings,
            now.with_timezone(&shanghai()),
            &self.policy,
            &self.calendar,
        )?
        else {
            return Ok(None);
        };
        let filing = self
            .store
            .filing(Scope::All, filing_id)
            .await?
            .ok_or(ServiceError::FilingNotFound(filing_id))?;
        let items: Vec<beian_store::OrderItem> = draft
            .items
            .iter()
            .enumerate()
            .map(|(position, item)| beian_store::OrderItem::from_workflow(position as i64, item))
            .collect();
        let deadline = draft.deadline.format("%Y年%m月%d日 %H:%M").to_string();
        let title = format!("备案整改通知：{}", filing.entity_name);
        let body = format!(
            "您的备案（主体备案号 {}）经核查有 {} 项不符合要求，请在 {}（北京时间）前完成整改并提交审核。",
            filing.filing_number,
            items.len(),
            deadline
        );
        let mut inbox = Vec::new();
        let mut outbox = Vec::new();
        if let Some(customer_id) = filing.customer_id {
            inbox.push(NewInbox {
                customer_id,
                order_id: None,
                title: title.clone(),
                body: body.clone(),
            });
            let notice = Notice {
                kind: NoticeKind::OrderIssued,
                // The store numbers the order in the same transaction; the delivery loop
                // fills the number in from the filing (see `notify::deliver_due`).
                order_id: String::new(),
                entity_name: filing.entity_name.clone(),
                entity_filing_number: Some(filing.filing_number.clone()),
                deadline: Some(draft.deadline.with_timezone(&Utc)),
                days_left: None,
                items: notice_items(&items),
                opinion: None,
                action: None,
                console_url: None,
            };
            outbox.extend(self.notifications(customer_id, &notice).await?);
        }
        let order = NewOrder {
            filing_id,
            run_id,
            deadline_at: draft.deadline.with_timezone(&Utc),
            keyword_only: draft.keyword_only,
            items,
            actor: who.actor.clone(),
            outbox,
            inbox,
        };
        Ok(Some(self.store.issue_order(&order, now).await?))
    }

    /// What a fresh verification of a filing means for its order: issue one, pass or fail
    /// a re-check, or leave the open order alone.
    pub async fn after_verification(
        &self,
        filing_id: i64,
        run_id: Option<i64>,
        findings: &[Finding],
        who: &Who,
        now: DateTime<Utc>,
    ) -> Result<RecheckEffect, ServiceError> {
        let open = self
            .store
            .open_order_for_filing(Scope::All, filing_id)
            .await?;
        let failing: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.status == Status::Fail)
            .collect();
        let Some(order) = open else {
            return Ok(
                match self.issue(filing_id, run_id, findings, who, now).await? {
                    Some(outcome) => RecheckEffect::Issued(outcome.order_id()),
                    None => RecheckEffect::Clean,
                },
            );
        };
        if order.state != OrderState::Rechecking.code() {
            return Ok(RecheckEffect::Unchanged(order.id));
        }
        // An item of the order that the re-check could not decide (the registry or the site
        // did not answer) is not fixed until shown to be: the order stays in 复查中 and the
        // scheduler queues the re-check again. A failure decides at once.
        if failing.is_empty() {
            let items = self.store.order_items(Scope::All, order.id).await?;
            let undecided = findings.iter().any(|f| {
                f.status == Status::Inconclusive
                    && items.iter().any(|item| {
                        item.check_id == f.def().id && same_place(&f.target, &item.target)
                    })
            });
            if undecided {
                return Ok(RecheckEffect::Undecided(order.id));
            }
        }
        let (event, effect) = if failing.is_empty() {
            (Event::RecheckPassed, RecheckEffect::Passed(order.id))
        } else {
            let lines = failing
                .iter()
                .map(|f| format!("{}：{}", f.def().title, f.message))
                .collect();
            (
                Event::RecheckFailed { findings: lines },
                RecheckEffect::StillFailing(order.id),
            )
        };
        match self.apply(Scope::All, order.id, who, &event, now).await {
            Ok(_) => Ok(effect),
            // Another worker decided the same re-check first: its answer stands.
            Err(ServiceError::Conflict) => Ok(RecheckEffect::Unchanged(order.id)),
            Err(other) => Err(other),
        }
    }

    /// The record an event writes beside the transition, if any.
    async fn side_record(
        &self,
        scope: Scope,
        order: &Order,
        event: &Event,
    ) -> Result<Option<SideRecord>, ServiceError> {
        Ok(match event {
            Event::Submit(request) => Some(SideRecord::ChangeRequest {
                kind: stored_kind(request.kind).to_owned(),
                fields: json!({ "changes": request.fields, "note": request.note }),
                attachments: serde_json::to_value(&request.attachments).unwrap_or(Value::Null),
            }),
            Event::Approve { .. } | Event::Reject { .. } => {
                match self.latest_change(scope, order.id, "pending").await? {
                    Some(request) => Some(SideRecord::ChangeDecision {
                        change_request_id: request.id,
                        approved: matches!(event, Event::Approve { .. }),
                        opinions: match event {
                            Event::Reject { opinions } => {
                                serde_json::to_value(opinions).unwrap_or(Value::Null)
                            }
                            _ => json!([]),
                        },
                    }),
                    None => None,
                }
            }
            Event::RequestExtension {
                working_days,
                reason,
            } => Some(SideRecord::ExtensionRequest {
                days: i64::from(*working_days),
                reason: reason.clone(),
            }),
            Event::DecideExtension { granted, .. } => {
                Some(SideRecord::ExtensionDecision { granted: *granted })
            }
            Event::Appeal { reason } => Some(SideRecord::Appeal {
                reason: reason.clone(),
                evidence: Value::Null,
            }),
            Event::DecideAppeal { upheld, .. } => {
                Some(SideRecord::AppealDecision { upheld: *upheld })
            }
            _ => None,
        })
    }

    /// The site rows the order's items name take the filing's new status; when the order
    /// ends well every site is 正常 again.
    async fn site_statuses(
        &self,
        scope: Scope,
        order: &Order,
        status: workflow::FilingStatus,
    ) -> Result<Vec<(i64, String)>, ServiceError> {
        let items = self.store.order_items(scope, order.id).await?;
        let sites = self.store.sites(scope, order.filing_id).await?;
        let named: Vec<i64> = items
            .iter()
            .filter(|item| item.target.get("kind").and_then(Value::as_str) == Some("website"))
            .filter_map(|item| item.target.get("index").and_then(Value::as_i64))
            .collect();
        Ok(sites
            .iter()
            .map(|site| {
                let code = if status == workflow::FilingStatus::Normal
                    || named.contains(&site.position)
                    || named.is_empty()
                {
                    status.code()
                } else {
                    workflow::FilingStatus::Normal.code()
                };
                (site.position, code.to_owned())
            })
            .collect())
    }

    /// The inbox message and notifications an event sends the customer, if it concerns them.
    async fn messages(
        &self,
        order: &Order,
        event: &Event,
        to: OrderState,
    ) -> Result<(Vec<NewInbox>, Vec<NewOutbox>), ServiceError> {
        let Some(customer_id) = order.customer_id else {
            return Ok((Vec::new(), Vec::new()));
        };
        let mut opinion = None;
        let mut action = None;
        let (kind, title, body) = match (event, to) {
            (Event::Reject { opinions }, _) => {
                let text = opinions
                    .iter()
                    .map(|o| format!("{}：{}", o.path, o.opinion))
                    .collect::<Vec<_>>()
                    .join("；");
                opinion = Some(text.clone());
                (
                    Some(NoticeKind::Returned),
                    "变更申请被退回".to_owned(),
                    format!("您的变更申请未通过审核，请按审核意见修改后重新提交：{text}"),
                )
            }
            (_, OrderState::Resolved) => (
                Some(NoticeKind::Resolved),
                "整改已完成".to_owned(),
                "复查通过，备案状态已恢复为正常。".to_owned(),
            ),
            (Event::RecheckFailed { findings }, _) => {
                opinion = Some(findings.join("；"));
                (
                    Some(NoticeKind::Returned),
                    "复查未通过".to_owned(),
                    "复查发现仍有项目不符合要求，请继续整改；如对结果有异议可提出申诉。".to_owned(),
                )
            }
            (_, OrderState::Overdue) => (
                Some(NoticeKind::Overdue),
                "整改已逾期".to_owned(),
                "整改期限已过，仍未完成整改。接入商将按规定处置，可能取消接入。".to_owned(),
            ),
            (_, OrderState::AccessCancelled) => {
                action = Some("取消接入".to_owned());
                (
                    Some(NoticeKind::Enforcement),
                    "已取消接入".to_owned(),
                    "因逾期未整改，已取消接入。完成整改后可申请恢复。".to_owned(),
                )
            }
            (_, OrderState::DeregistrationPending) => {
                action = Some("注销备案".to_owned());
                (
                    Some(NoticeKind::Enforcement),
                    "已提交注销申请".to_owned(),
                    "因逾期未整改，接入商已向管局提交注销申请。".to_owned(),
                )
            }
            (Event::DecideExtension { granted, .. }, _) => (
                None,
                if *granted {
                    "延期申请已批准"
                } else {
                    "延期申请未获批准"
                }
                .to_owned(),
                "请在控制台查看新的整改期限。".to_owned(),
            ),
            _ => return Ok((Vec::new(), Vec::new())),
        };
        let inbox = vec![NewInbox {
            customer_id,
            order_id: Some(order.id),
            title,
            body,
        }];
        let Some(kind) = kind else {
            return Ok((inbox, Vec::new()));
        };
        let items = self.store.order_items(Scope::All, order.id).await?;
        let notice = Notice {
            kind,
            order_id: order.id.to_string(),
            entity_name: order.entity_name.clone(),
            entity_filing_number: Some(order.filing_number.clone()),
            deadline: Some(order.deadline_at),
            days_left: None,
            items: notice_items(&items),
            opinion,
            action,
            console_url: None,
        };
        let outbox = self.notifications(customer_id, &notice).await?;
        Ok((inbox, outbox))
    }

    /// An email and a webhook for the customer, where they gave an address for them.
    pub(crate) async fn notifications(
        &self,
        customer_id: i64,
        notice: &Notice,
    ) -> Result<Vec<NewOutbox>, ServiceError> {
        let Some(customer) = self.store.customer(customer_id).await? else {
            return Ok(Vec::new());
        };
        let payload = serde_json::to_value(notice).unwrap_or(Value::Null);
        let mut out = Vec::new();
        if let Some(email) = customer.email {
            out.push(NewOutbox {
                kind: OutboxKind::Email,
                recipient: email,
                payload: payload.clone(),
            });
        }
        if let Some(url) = customer.webhook_url {
            out.push(NewOutbox {
                kind: OutboxKind::Webhook,
                recipient: url,
                payload,
            });
        }
        Ok(out)
    }
}

/// The lines of a notice's table for stored order items.
pub(crate) fn notice_items(items: &[beian_store::OrderItem]) -> Vec<NoticeItem> {
    items
        .iter()
        .map(|item| NoticeItem {
            title: item
                .check_id
                .parse::<beian_domain::CheckId>()
                .map(|check| check.def().title.to_owned())
                .unwrap_or_else(|_| item.check_id.clone()),
            field: item.field.clone(),
            problem: item.message.clone(),
            remedy: item.remedy.clone(),
            opinion: None,
        })
        .collect()
}

/// The kind of the runs re-checks are recorded in.
pub const RECHECK_RUN: &str = "recheck";

/// The store's code for a change kind (its `CHANGE_KINDS`); the workflow's own code is the
/// Chinese action label.
pub fn stored_kind(kind: workflow::ChangeKind) -> &'static str {
    use workflow::ChangeKind as K;
    match kind {
        K::ChangeFiling => "change_filing",
        K::ChangeWebsite => "change_website",
        K::CancelWebsite => "cancel_website",
        K::CancelEntity => "cancel_entity",
    }
}

/// The field changes a stored change request asks for.
fn changes_of(request: &beian_store::ChangeRequest) -> Vec<workflow::FieldChange> {
    request
        .fields
        .get("changes")
        .cloned()
        .and_then(|changes| serde_json::from_value(changes).ok())
        .unwrap_or_default()
}

/// What the audit row keeps of an event: its data, without attachments' bytes (there are
/// none in events) and with nothing personal beyond what the customer typed into a reason.
fn audit_detail(event: &Event) -> Value {
    serde_json::to_value(event)
        .ok()
        .and_then(|v| v.get("data").cloned())
        .map(mask_personal)
        .unwrap_or(Value::Null)
}

/// Masks ID numbers and phones in every string of a JSON value.
pub fn mask_personal(value: Value) -> Value {
    match value {
        Value::String(text) => Value::String(beian_domain::pii::mask_text(&text)),
        Value::Array(items) => Value::Array(items.into_iter().map(mask_personal).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| (key, mask_personal(value)))
                .collect(),
        ),
        other => other,
    }
}
