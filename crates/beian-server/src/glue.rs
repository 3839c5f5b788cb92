//! 流程衔接 — the thin glue between the pure workflow and the store: decide an event with
//! `beian_domain::workflow::apply`, then write it with the store's conditional transition
//! and its audit row in one transaction; and turn a run's findings into an order.
//!
//! Kept in one module so that it can move to a service crate shared with the worker.

use beian_domain::pii::{mask_id_number, mask_phone};
use beian_domain::workflow::{
    self, Event, ExtensionState, OrderSnapshot, OrderState, Refusal, WorkflowPolicy,
    WorkingCalendar,
};
use beian_domain::{Finding, Target};
use beian_store::{
    Actor, NewInbox, NewOrder, Order, OrderItem, Scope, SideRecord, Store, StoreError, Transition,
    TransitionOutcome,
};
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::error::ApiError;

/// The order as the workflow sees it.
pub fn snapshot(order: &Order) -> Result<OrderSnapshot, ApiError> {
    let china = crate::china();
    Ok(OrderSnapshot {
        state: OrderState::parse(&order.state).map_err(ApiError::internal)?,
        deadline: order.deadline_at.with_timezone(&china),
        extension: ExtensionState::parse(&order.extension_state).map_err(ApiError::internal)?,
        extension_days: u32::try_from(order.extension_days).unwrap_or(0),
        keyword_only: order.keyword_only,
        miit_synced_at: order.miit_synced_at.map(|t| t.with_timezone(&china)),
    })
}

/// Maps a store error to the API's answer.
pub fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound { .. } => ApiError::not_found(),
        StoreError::Stale { .. } => ApiError::conflict("整改单已被他人更新，请刷新后重试"),
        StoreError::Invalid {
            field,
            value,
            reason,
        } => ApiError::bad_request(format!("{field}“{value}”无效：{reason}")),
        other => ApiError::internal(other),
    }
}

fn refusal(r: Refusal) -> ApiError {
    match r {
        Refusal::WrongActor { .. } => ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "forbidden",
            r.to_string(),
        ),
        Refusal::WrongState { .. }
        | Refusal::ExtensionAlreadyUsed { .. }
        | Refusal::NoExtensionRequested
        | Refusal::ExtensionPending
        | Refusal::DeadlineNotReached { .. } => ApiError::invalid_transition(r.to_string()),
        Refusal::Calendar(_) => ApiError::internal(r),
        _ => ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_event",
            r.to_string(),
        ),
    }
}

/// Whether a field path names a personal number that must be masked when shown.
pub fn personal_kind(path: &str) -> Option<fn(&str) -> String> {
    let p = path.to_ascii_lowercase();
    if p.contains("id_number") || p.contains("certificate_number") && p.contains("principal") {
        Some(mask_id_number)
    } else if p.contains("mobile") || p.contains("phone") {
        Some(mask_phone)
    } else {
        None
    }
}

fn masked(path: &str, value: &Option<String>) -> Option<String> {
    value
        .as_ref()
        .map(|v| personal_kind(path).map_or_else(|| v.clone(), |mask| mask(v)))
}

/// Everything an event needs besides the order itself.
pub struct Ctx<'a> {
    pub store: &'a Store,
    pub policy: &'a WorkflowPolicy,
    pub calendar: &'a WorkingCalendar,
    pub scope: Scope,
    pub actor: Actor,
    pub workflow_actor: workflow::Actor,
    pub now: DateTime<Utc>,
}

/// Decides and writes one event on one order.
pub async fn apply_event(
    ctx: &Ctx<'_>,
    order_id: i64,
    event: Event,
) -> Result<TransitionOutcome, ApiError> {
    let order = ctx
        .store
        .order(ctx.scope, order_id)
        .await
        .map_err(store_error)?
        .ok_or_else(ApiError::not_found)?;
    let snap = snapshot(&order)?;
    let now_cn = ctx.now.with_timezone(&crate::china());
    let t = workflow::apply(
        &snap,
        ctx.workflow_actor,
        &event,
        ctx.policy,
        ctx.calendar,
        now_cn,
    )
    .map_err(refusal)?;

    let mut filing_status = t.filing_status.code().to_string();
    let mut site_status = filing_status.clone();
    let mut extra_sites: Vec<(i64, String)> = Vec::new();
    let mut pending_change = None;
    if matches!(event, Event::Approve { .. } | Event::Reject { .. }) || t.to == OrderState::Resolved
    {
        let changes = ctx
            .store
            .change_requests(ctx.scope, order_id)
            .await
            .map_err(store_error)?;
        pending_change = changes.iter().rev().find(|c| c.state == "pending").cloned();
        if t.to == OrderState::Resolved {
            // A customer's own 注销 ends as resolved; the rows show what was applied.
            if let Some(last) = changes.iter().rev().find(|c| c.state == "approved") {
                match last.kind.as_str() {
                    "cancel_entity" => {
                        filing_status = "deregistered".into();
                        site_status = "deregistered".into();
                    }
                    "cancel_website" => {
                        if let Some(pos) = last.fields.get("site").and_then(|v| v.as_i64()) {
                            extra_sites.push((pos, "deregistered".into()));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let site_statuses = extra_sites;

    let record = match &event {
        Event::Submit(change) => Some(SideRecord::ChangeRequest {
            kind: crate::present::change_code(change.kind).to_string(),
            fields: json!({
                "changes": change.fields,
                "note": change.note,
                "site": change_site(change),
            }),
            attachments: serde_json::to_value(&change.attachments).unwrap_or_default(),
        }),
        Event::Approve { .. } | Event::Reject { .. } => {
            let cr = pending_change
                .as_ref()
                .ok_or_else(|| ApiError::invalid_transition("没有待审核的整改申请"))?;
            let opinions = match &event {
                Event::Reject { opinions } => json!(
                    opinions
                        .iter()
                        .map(|o| (o.path.clone(), json!(o.opinion)))
                        .collect::<serde_json::Map<_, _>>()
                ),
                _ => json!({}),
            };
            Some(SideRecord::ChangeDecision {
                change_request_id: cr.id,
                approved: matches!(event, Event::Approve { .. }),
                opinions,
            })
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
            evidence: json!([]),
        }),
        Event::DecideAppeal { upheld, .. } => Some(SideRecord::AppealDecision { upheld: *upheld }),
        _ => None,
    };

    let inbox = match (ctx.workflow_actor, order.customer_id) {
        (workflow::Actor::Customer, _) | (_, None) => Vec::new(),
        (_, Some(customer_id)) => vec![NewInbox {
            customer_id,
            order_id: Some(order_id),
            title: format!("整改单 #{order_id}：{}", event.label()),
            body: format!(
                "您的备案 {}（{}）的整改单状态已更新为「{}」。{}",
                order.filing_number,
                order.entity_name,
                t.to.label(),
                event_note(&event)
            ),
        }],
    };

    let mut transition =
        Transition::from_workflow(&order, ctx.scope, &t, ctx.actor.clone(), ctx.now);
    transition.filing_status = Some(filing_status);
    transition.all_sites_status = Some(site_status);
    transition.site_statuses = site_statuses;
    transition.record = record;
    transition.detail = audit_detail(&event);
    transition.inbox = inbox;
    ctx.store.transition(&transition).await.map_err(store_error)
}

fn change_site(change: &workflow::ChangeRequest) -> Option<i64> {
    change.fields.iter().find_map(|f| {
        let rest = f.path.strip_prefix("websites[")?;
        rest.split(']').next()?.parse().ok()
    })
}

/// What the customer reads in the inbox about an operator's event.
fn event_note(event: &Event) -> String {
    match event {
        Event::Reject { opinions } => {
            let lines: Vec<String> = opinions
                .iter()
                .map(|o| format!("{}：{}", o.path, o.opinion))
                .collect();
            format!("审核意见：{}。请按意见修改后重新提交。", lines.join("；"))
        }
        Event::DecideExtension {
            granted: true,
            working_days,
            ..
        } => {
            format!("延期 {working_days} 个工作日已批准。")
        }
        Event::DecideExtension {
            granted: false,
            opinion,
            ..
        } => {
            format!("延期申请未批准：{opinion}")
        }
        Event::RecheckFailed { findings } => format!("仍未通过：{}", findings.join("；")),
        Event::DecideAppeal {
            upheld: false,
            opinion,
        } => format!("申诉未获支持：{opinion}"),
        _ => String::new(),
    }
}

/// The audit row's detail: the event without personal numbers.
fn audit_detail(event: &Event) -> serde_json::Value {
    match event {
        Event::Submit(change) => json!({
            "kind": crate::present::change_code(change.kind),
            "fields": change.fields.iter().map(|f| json!({
                "path": f.path,
                "old": masked(&f.path, &f.old),
                "new": masked(&f.path, &f.new),
            })).collect::<Vec<_>>(),
            "attachments": change.attachments,
        }),
        other => {
            let mut v = serde_json::to_value(other).unwrap_or_default();
            if let Some(obj) = v.as_object_mut() {
                obj.remove("kind");
            }
            v
        }
    }
}

/// Issues an order for a filing's failed findings, if any failed (idempotent: an open
/// order is found instead of a second one).
#[allow(clippy::too_many_arguments)] // the store, the rules, the filing, the run and who: all needed
pub async fn issue_from_findings(
    store: &Store,
    policy: &WorkflowPolicy,
    calendar: &WorkingCalendar,
    filing_id: i64,
    run_id: Option<i64>,
    findings: &[Finding],
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Option<i64>, ApiError> {
    let draft = workflow::order::draft_order(
        findings,
        now.with_timezone(&crate::china()),
        policy,
        calendar,
    )
    .map_err(ApiError::internal)?;
    let Some(draft) = draft else { return Ok(None) };
    let items = draft
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| OrderItem {
            position: i as i64,
            check_id: it.check.as_str().to_string(),
            target: serde_json::to_value(&it.target).unwrap_or_default(),
            field: it.field.clone(),
            message: it.message.clone(),
            reason: it.reason.clone(),
            remedy: it.remedy.clone(),
            actions: it.actions.iter().map(|a| a.label().to_string()).collect(),
            evidence: serde_json::to_value(&it.evidence).unwrap_or_default(),
            fingerprint: it.fingerprint.clone(),
        })
        .collect();
    let filing = store
        .filing(Scope::All, filing_id)
        .await
        .map_err(store_error)?
        .ok_or_else(ApiError::not_found)?;
    let inbox = filing
        .customer_id
        .map(|customer_id| NewInbox {
            customer_id,
            order_id: None,
            title: format!("备案整改通知：{}", filing.filing_number),
            body: format!(
                "备案信息核查发现 {} 项不通过，请于 {} 前登录控制台查看详情并完成整改。整改期内网站可正常访问。",
                draft.items.len(),
                draft.deadline.format("%Y-%m-%d %H:%M")
            ),
        })
        .into_iter()
        .collect();
    let outcome = store
        .issue_order(
            &NewOrder {
                filing_id,
                run_id,
                deadline_at: draft.deadline.with_timezone(&Utc),
                keyword_only: draft.keyword_only,
                items,
                actor,
                outbox: Vec::new(),
                inbox,
            },
            now,
        )
        .await
        .map_err(store_error)?;
    Ok(Some(outcome.order_id()))
}

/// The website position a finding's target names, if any.
pub fn target_position(target: &Target) -> Option<usize> {
    match target {
        Target::Website { index, .. } => Some(*index),
        _ => None,
    }
}
