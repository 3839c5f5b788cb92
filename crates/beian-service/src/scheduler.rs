//! 调度 — the periodic duties: overdue orders, escalation, re-checks that must run,
//! reminders before deadlines, and the periodic re-verification of every filing.
//!
//! One [`tick`] does each duty once and is safe to run from several machines at once: every
//! order change is a conditional transition (the loser of a race gets a conflict and moves
//! on), and every job is queued under a dedupe key.

use beian_domain::workflow::{Event, OrderState, Refusal};
use beian_store::{CUSTOMER_ACTION_STATES, OrderQuery, Scope};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::orders::{Orders, ServiceError, Who};
use crate::worker::{RunOf, Spread, start_run};

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TickReport {
    /// Orders found past their deadline (待整改 → 已逾期).
    pub overdue: u64,
    /// Overdue orders handed to an operator for enforcement (已逾期 → 待处置).
    pub escalated: u64,
    /// Overdue orders left for a person because every item is a keyword hit.
    pub awaiting_review: u64,
    /// Re-check jobs queued for orders in 复查中.
    pub rechecks_queued: u64,
    /// Reminders sent (7, 3 and 1 days before a deadline).
    pub reminders: u64,
    /// The periodic run started, if one was due.
    pub run_started: Option<i64>,
}

/// How often every filing is re-verified; `None` turns periodic runs off.
#[derive(Debug, Clone, Copy)]
pub struct SchedulerOptions {
    /// The re-verification period.
    pub period: Option<Duration>,
    /// At most this many orders per duty per tick.
    pub batch: i64,
}

/// Runs each periodic duty once.
pub async fn tick(
    orders: &Orders,
    options: &SchedulerOptions,
    who: &Who,
    now: DateTime<Utc>,
) -> Result<TickReport, ServiceError> {
    let store = orders.store();
    let mut report = TickReport::default();

    // 1. Deadlines: customer states past their deadline become overdue.
    let due = store
        .orders_due(Scope::All, None, now, CUSTOMER_ACTION_STATES, options.batch)
        .await?;
    for order in due {
        match orders
            .apply(Scope::All, order.id, who, &Event::DeadlinePassed, now)
            .await
        {
            Ok(_) => report.overdue += 1,
            // An extension awaiting a decision, or another scheduler was first.
            Err(ServiceError::Refused(_) | ServiceError::Conflict) => {}
            Err(other) => return Err(other),
        }
    }

    // 2. Escalation: overdue orders go to an operator, except keyword-only ones, which
    // wait for a person to look at them.
    let overdue = list_state(orders, OrderState::Overdue, options.batch).await?;
    for order in overdue {
        match orders
            .apply(Scope::All, order.id, who, &Event::Escalate, now)
            .await
        {
            Ok(_) => report.escalated += 1,
            Err(ServiceError::Refused(Refusal::KeywordOnly)) => report.awaiting_review += 1,
            Err(ServiceError::Refused(_) | ServiceError::Conflict) => {}
            Err(other) => return Err(other),
        }
    }

    // 3. Re-checks: every order in 复查中 has its approved change applied and a verification
    // queued (see `Orders::enter_recheck`).
    let rechecking = list_state(orders, OrderState::Rechecking, options.batch).await?;
    for order in rechecking {
        match orders.enter_recheck(&order, who, now).await {
            Ok(true) => report.rechecks_queued += 1,
            Ok(false) => {}
            // A change that no longer applies stays for an operator to look at; the other
            // orders go on.
            Err(ServiceError::BadChange(error)) => {
                tracing::warn!(order = order.id, %error, "approved change does not apply");
            }
            Err(other) => return Err(other),
        }
    }

    // 4. Reminders before deadlines.
    report.reminders = crate::notify::send_reminders(orders, who, options.batch, now).await?;

    // 5. Periodic re-verification: one run per period, its jobs spread over the period.
    if let Some(period) = options.period {
        let latest = store.list_runs(None, 20).await?;
        let last_periodic = latest
            .items
            .iter()
            .filter(|run| run.kind == "periodic")
            .map(|run| run.started_at)
            .max();
        if last_periodic.is_none_or(|started| now - started >= period) {
            let (run_id, _) = start_run(
                store,
                &who.actor,
                "periodic",
                RunOf::all(),
                Spread::Over(period),
                now,
            )
            .await?;
            report.run_started = Some(run_id);
        }
    }
    Ok(report)
}

async fn list_state(
    orders: &Orders,
    state: OrderState,
    limit: i64,
) -> Result<Vec<beian_store::Order>, ServiceError> {
    let mut query = OrderQuery::new(Scope::All, limit.clamp(1, 1000));
    query.states = vec![state.code().to_owned()];
    Ok(orders.store().list_orders(&query).await?.items)
}
