//! 通知投递 — delivering the outbox, and the reminders before a deadline.
//!
//! Events write their notifications into the outbox in their own transaction; this module
//! takes them out and hands them to `beian-notify` (SMTP, signed webhooks), retrying with
//! backoff until the server accepts them. A message may therefore arrive twice (delivered,
//! then the worker died before marking it): receivers drop repeats by the message id.

use beian_notify::{Notice, NoticeKind, Notifier, next_attempt_after};
use beian_store::{CUSTOMER_ACTION_STATES, NewInbox, Scope, Transition};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

use crate::orders::{Orders, ServiceError, Who, notice_items};
use crate::schedule::reminder_due;

/// The days before a deadline on which a reminder goes out.
pub const REMINDER_DAYS: [u32; 3] = [7, 3, 1];

/// The audit action of a reminder.
pub const REMIND_ACTION: &str = "remind";

/// What one delivery pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    /// Accepted by the mail server or the webhook receiver.
    pub delivered: u64,
    /// Failed and queued again.
    pub retrying: u64,
}

/// Delivers up to `batch` due notifications.
pub async fn deliver_due(
    orders: &Orders,
    notifier: &Notifier,
    batch: i64,
    now: DateTime<Utc>,
) -> Result<DeliveryReport, ServiceError> {
    let store = orders.store();
    let mut report = DeliveryReport::default();
    let claimed = store.claim_outbox(now, Duration::minutes(5), batch).await?;
    for row in claimed {
        let mut notice: Notice = match serde_json::from_value(row.payload.clone()) {
            Ok(notice) => notice,
            Err(error) => {
                let retry_at = now + Duration::days(1);
                store
                    .outbox_failed(row.id, &format!("消息内容无法解析：{error}"), retry_at)
                    .await?;
                report.retrying += 1;
                continue;
            }
        };
        if notice.order_id.is_empty()
            && let Some(number) = &notice.entity_filing_number
            && let Some(filing) = store.filing_by_number(Scope::All, number).await?
            && let Some(order) = store.open_order_for_filing(Scope::All, filing.id).await?
        {
            notice.order_id = order.id.to_string();
        }
        let message = beian_notify::OutboxMessage::new(row.id.to_string(), &row.recipient, &notice);
        match notifier.deliver(&message).await {
            Ok(()) => {
                store.outbox_delivered(row.id, Utc::now()).await?;
                report.delivered += 1;
            }
            Err(error) => {
                // Permanent failures (no SMTP configured, a refused address) are retried
                // daily, so that fixing the configuration delivers them without a hand.
                let wait = if error.is_retryable() {
                    next_attempt_after(u32::try_from(row.attempts).unwrap_or(u32::MAX))
                } else {
                    std::time::Duration::from_secs(86_400)
                };
                let retry_at = now + Duration::from_std(wait).unwrap_or(Duration::days(1));
                tracing::warn!(outbox = row.id, %error, "notification not delivered");
                store
                    .outbox_failed(row.id, &error.to_string(), retry_at)
                    .await?;
                report.retrying += 1;
            }
        }
    }
    Ok(report)
}

/// Sends the reminders that are due: for each open order the customer must answer whose
/// deadline is at most seven days away, the most urgent of 7, 3 and 1 days not yet sent for
/// this deadline. A reminder is written like a transition (same state, action `remind`), so
/// it is audited, carries its inbox message and notifications in one transaction, and two
/// schedulers cannot both send it.
pub async fn send_reminders(
    orders: &Orders,
    who: &Who,
    batch: i64,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    let store = orders.store();
    let horizon = now + Duration::days(i64::from(REMINDER_DAYS[0]));
    let due = store
        .orders_due(
            Scope::All,
            Some(now),
            horizon,
            CUSTOMER_ACTION_STATES,
            batch,
        )
        .await?;
    let mut sent = 0;
    for order in due {
        let deadline = order.deadline_at.to_rfc3339();
        let already: Vec<u32> = store
            .audit_for(Scope::All, &format!("order:{}", order.id))
            .await?
            .iter()
            .filter(|row| row.action == REMIND_ACTION)
            .filter_map(|row| serde_json::from_str::<serde_json::Value>(&row.detail).ok())
            // The store nests the caller's detail: {"data": {"detail": …}}.
            .filter_map(|detail| detail.pointer("/data/detail").cloned())
            .filter(|detail| detail.get("deadline").and_then(|d| d.as_str()) == Some(&deadline))
            .filter_map(|detail| detail.get("days").and_then(|d| d.as_u64()))
            .map(|days| days as u32)
            .collect();
        let tz = beian_domain::workflow::calendar::shanghai();
        let Some(days) = reminder_due(
            order.deadline_at.with_timezone(&tz),
            now.with_timezone(&tz),
            &REMINDER_DAYS,
            &already,
        ) else {
            continue;
        };
        let mut transition = Transition::new(
            &order,
            Scope::All,
            &order.state,
            REMIND_ACTION,
            who.actor.clone(),
            now,
        );
        transition.detail = json!({ "days": days, "deadline": deadline });
        if let Some(customer_id) = order.customer_id {
            let when = beian_notify::format_deadline(order.deadline_at);
            transition.inbox.push(NewInbox {
                customer_id,
                order_id: Some(order.id),
                title: format!("整改截止提醒：还剩 {days} 天"),
                body: format!("整改截止时间为 {when}，请尽快完成整改并提交审核。"),
            });
            let items = store.order_items(Scope::All, order.id).await?;
            let notice = Notice {
                kind: NoticeKind::Reminder,
                order_id: order.id.to_string(),
                entity_name: order.entity_name.clone(),
                entity_filing_number: Some(order.filing_number.clone()),
                deadline: Some(order.deadline_at),
                days_left: Some(days),
                items: notice_items(&items),
                opinion: None,
                action: None,
                console_url: None,
            };
            transition.outbox = orders.notifications(customer_id, &notice).await?;
        }
        match store.transition(&transition).await {
            Ok(_) => sent += 1,
            Err(beian_store::StoreError::Stale { .. }) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(sent)
}
