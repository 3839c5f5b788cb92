//! 通知 — what a notification says (the notice) and the outbox row that carries it.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

/// 通知类型 — the moments of a rectification order a customer hears about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// 整改通知: an order was issued.
    OrderIssued,
    /// 整改提醒: the deadline is near (sent 7, 3 and 1 days before).
    Reminder,
    /// 整改退回: the operator sent the change request back with opinions.
    Returned,
    /// 整改完成: every item is resolved.
    Resolved,
    /// 整改逾期: the deadline passed with items open.
    Overdue,
    /// 处置通知: an operator confirmed 取消接入 or a 注销 request.
    Enforcement,
}

impl NoticeKind {
    /// Every kind.
    pub const ALL: &'static [NoticeKind] = &[
        NoticeKind::OrderIssued,
        NoticeKind::Reminder,
        NoticeKind::Returned,
        NoticeKind::Resolved,
        NoticeKind::Overdue,
        NoticeKind::Enforcement,
    ];

    /// The event name a webhook carries, e.g. `order.issued`.
    pub fn event(self) -> &'static str {
        match self {
            NoticeKind::OrderIssued => "order.issued",
            NoticeKind::Reminder => "order.reminder",
            NoticeKind::Returned => "order.returned",
            NoticeKind::Resolved => "order.resolved",
            NoticeKind::Overdue => "order.overdue",
            NoticeKind::Enforcement => "order.enforcement",
        }
    }

    /// The Chinese label, as the subject's tag shows it.
    pub fn label(self) -> &'static str {
        match self {
            NoticeKind::OrderIssued => "备案整改通知",
            NoticeKind::Reminder => "整改截止提醒",
            NoticeKind::Returned => "整改申请退回",
            NoticeKind::Resolved => "整改完成",
            NoticeKind::Overdue => "整改逾期",
            NoticeKind::Enforcement => "处置通知",
        }
    }
}

/// 整改项 — one line of the notice's table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeItem {
    /// 整改项: the check's title, e.g. 网站名称与首页标题不符.
    pub title: String,
    /// 字段: the filed field concerned, e.g. 网站名称; absent for the entity as a whole.
    #[serde(default)]
    pub field: Option<String>,
    /// 问题: what exactly is wrong.
    pub problem: String,
    /// 整改要求: what the customer must do.
    pub remedy: String,
    /// 审核意见: the operator's opinion on this item when a request was sent back.
    #[serde(default)]
    pub opinion: Option<String>,
}

/// 通知内容 — everything a template needs: the order, the entity, the items and the
/// deadline. This is the outbox payload, so it is plain data that the store can persist
/// as JSON and the notifier can render later, after a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// What happened.
    pub kind: NoticeKind,
    /// 整改单号.
    pub order_id: String,
    /// 主办单位名称.
    pub entity_name: String,
    /// 主体备案号.
    #[serde(default)]
    pub entity_filing_number: Option<String>,
    /// 整改截止时间 (an instant; shown in Beijing time).
    #[serde(default)]
    pub deadline: Option<DateTime<Utc>>,
    /// For a reminder: the whole days left (7, 3, 1).
    #[serde(default)]
    pub days_left: Option<u32>,
    /// The items: open items for an order, a reminder or an overdue notice; the items with
    /// opinions when sent back; the resolved items when resolved.
    #[serde(default)]
    pub items: Vec<NoticeItem>,
    /// 审核意见 as a whole, when sent back.
    #[serde(default)]
    pub opinion: Option<String>,
    /// For enforcement: what was decided, e.g. 取消接入 or 注销网站.
    #[serde(default)]
    pub action: Option<String>,
    /// Where the customer answers the order (the console).
    #[serde(default)]
    pub console_url: Option<String>,
}

/// 发件箱消息 — one notification waiting in the outbox: the store persists it, retries it
/// with [`crate::next_attempt_after`] and hands it to [`crate::Notifier::deliver`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// A unique id (the outbox row's): webhook receivers drop repeats by it, since a
    /// retried delivery may arrive twice.
    pub id: String,
    /// What happened.
    pub kind: NoticeKind,
    /// Where to: an email address (`name@example.cn` or `mailto:…`) or a webhook URL
    /// (`https://…`, `http://…`).
    pub recipient: String,
    /// The email subject (webhooks carry it too), already masked.
    pub subject: String,
    /// The [`Notice`] as JSON.
    pub payload: serde_json::Value,
}

impl OutboxMessage {
    /// The message of `notice` to `recipient`, with the subject its template writes.
    pub fn new(id: impl Into<String>, recipient: impl Into<String>, notice: &Notice) -> Self {
        OutboxMessage {
            id: id.into(),
            kind: notice.kind,
            recipient: recipient.into(),
            subject: crate::template::subject(notice),
            payload: serde_json::to_value(notice).expect("a notice always serialises"),
        }
    }

    /// The notice back from the payload.
    pub fn notice(&self) -> Result<Notice, serde_json::Error> {
        serde_json::from_value(self.payload.clone())
    }
}

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// An email address.
    Email(String),
    /// A webhook URL.
    Webhook(String),
}

impl Recipient {
    /// Reads a recipient: an `http(s)://` URL is a webhook, `mailto:x` or an address with
    /// an `@` is an email; anything else is `None`.
    pub fn parse(recipient: &str) -> Option<Recipient> {
        let r = recipient.trim();
        let lower = r.to_ascii_lowercase();
        if lower.starts_with("https://") || lower.starts_with("http://") {
            return Some(Recipient::Webhook(r.to_owned()));
        }
        let address = r
            .strip_prefix("mailto:")
            .or_else(|| r.strip_prefix("MAILTO:"))
            .unwrap_or(r);
        match address.split_once('@') {
            Some((local, domain))
                if !local.is_empty()
                    && !domain.is_empty()
                    && !address.contains(char::is_whitespace) =>
            {
                Some(Recipient::Email(address.to_owned()))
            }
            _ => None,
        }
    }
}

/// Beijing time (UTC+8, no daylight saving), in which every deadline is shown.
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// A deadline as a notice writes it: `2026年12月11日 23:59（北京时间）`.
pub fn format_deadline(deadline: DateTime<Utc>) -> String {
    deadline
        .with_timezone(&beijing())
        .format("%Y年%m月%d日 %H:%M（北京时间）")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn deadlines_are_shown_in_beijing_time() {
        let cases = [
            ((2026, 12, 11, 15, 59), "2026年12月11日 23:59（北京时间）"),
            ((2026, 12, 31, 16, 0), "2027年01月01日 00:00（北京时间）"),
            ((2026, 3, 5, 1, 7), "2026年03月05日 09:07（北京时间）"),
        ];
        for ((y, mo, d, h, mi), want) in cases {
            let t = Utc
                .with_ymd_and_hms(y, mo, d, h, mi, 0)
                .single()
                .expect("time");
            assert_eq!(format_deadline(t), want);
        }
    }

    #[test]
    fn recipients_are_addresses_or_urls() {
        let cases = [
            (
                "ops@example.cn",
                Some(Recipient::Email("ops@example.cn".into())),
            ),
            (
                "mailto:ops@example.cn",
                Some(Recipient::Email("ops@example.cn".into())),
            ),
            (
                "https://hooks.example.cn/beian",
                Some(Recipient::Webhook("https://hooks.example.cn/beian".into())),
            ),
            (
                " HTTP://127.0.0.1:8080/x ",
                Some(Recipient::Webhook("HTTP://127.0.0.1:8080/x".into())),
            ),
            ("ops", None),
            ("@example.cn", None),
            ("a b@example.cn", None),
            ("ftp://example.cn", None),
        ];
        for (text, want) in cases {
            assert_eq!(Recipient::parse(text), want, "{text}");
        }
    }

    #[test]
    fn events_and_labels_are_distinct() {
        let events: std::collections::HashSet<_> =
            NoticeKind::ALL.iter().map(|k| k.event()).collect();
        let labels: std::collections::HashSet<_> =
            NoticeKind::ALL.iter().map(|k| k.label()).collect();
        assert_eq!(events.len(), NoticeKind::ALL.len());
        assert_eq!(labels.len(), NoticeKind::ALL.len());
    }
}
