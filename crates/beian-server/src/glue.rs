//! 流程衔接 — the thin glue between the pure workflow and the store: decide an event with
//! `beian_domain::workflow::apply`, then write it with the store's conditional transition
//! and its audit row in one transaction (both through `beian_service::Orders`).
//!
//! Kept in one module so that it can move to a service crate shared with the worker.

use beian_domain::Target;
use beian_domain::pii::{mask_id_number, mask_phone};
use beian_domain::workflow::{
    self, Event, ExtensionState, OrderSnapshot, OrderState, Refusal, WorkflowPolicy,
    WorkingCalendar,
};
use beian_store::{Actor, Order, Scope, Store, StoreError, TransitionOutcome};
use chrono::{DateTime, Utc};

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

/// Decides and writes one event on one order, through the service the CLI and the
/// workers share (`beian_service::Orders::apply`): the workflow decides, the store writes
/// the conditional transition with its audit row, an approved change becomes a new
/// version of the filing and its re-verification is queued.
pub async fn apply_event(
    ctx: &Ctx<'_>,
    order_id: i64,
    event: Event,
) -> Result<TransitionOutcome, ApiError> {
    let orders = beian_service::Orders::new(ctx.store.clone(), *ctx.policy, ctx.calendar.clone());
    let who = beian_service::Who {
        role: ctx.workflow_actor,
        actor: ctx.actor.clone(),
    };
    orders
        .apply(ctx.scope, order_id, &who, &event, ctx.now)
        .await
        .map_err(service_error)
}

/// Maps a service error to the API's answer.
pub fn service_error(e: beian_service::ServiceError) -> ApiError {
    use beian_service::ServiceError as E;
    match e {
        E::OrderNotFound(_) | E::FilingNotFound(_) | E::RunNotFound(_) => ApiError::not_found(),
        E::RunNotRequeueable(_) => ApiError::bad_request(e.to_string()),
        E::Refused(r) => refusal(r),
        E::Conflict => ApiError::conflict("整改单已被他人更新，请刷新后重试"),
        E::BadChange(c) => ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_change",
            c.to_string(),
        ),
        E::Store(s) => store_error(s),
        other => ApiError::internal(other),
    }
}

/// The website position a finding's target names, if any.
pub fn target_position(target: &Target) -> Option<usize> {
    match target {
        Target::Website { index, .. } => Some(*index),
        _ => None,
    }
}
