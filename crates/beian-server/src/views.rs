//! 页面 — the server-rendered console: templates embedded in the binary, and the helpers
//! they share (status badges, dates in Beijing time, days left).

use axum::response::Html;
use chrono::{DateTime, FixedOffset, Utc};
use minijinja::{Environment, Value};

use crate::error::ApiError;

/// The compiled templates, built once.
pub static VIEWS: std::sync::LazyLock<Views> = std::sync::LazyLock::new(Views::new);

/// The compiled templates.
pub struct Views {
    env: Environment<'static>,
}

macro_rules! templates {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),+]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "base.html",
    "login.html",
    "error.html",
    "selfcheck.html",
    "filings.html",
    "pager.html",
    "entity.html",
    "order.html",
    "customer_order.html",
    "item.html",
    "change.html",
    "inbox.html",
    "footer.html",
    "dashboard.html",
    "order_rows.html",
    "ops_orders.html",
    "ops_order.html",
    "runs.html",
    "run.html",
    "search.html",
];

impl Views {
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("template {name} does not compile: {e}"));
        }
        env.add_function("badge", badge);
        env.add_function("days_left_label", days_left_label);
        Views { env }
    }

    /// Renders a page; a template error is a bug, logged and answered with a 500.
    pub fn render(&self, name: &str, ctx: Value) -> Result<Html<String>, ApiError> {
        let template = self.env.get_template(name).map_err(ApiError::internal)?;
        template.render(ctx).map(Html).map_err(ApiError::internal)
    }
}

impl Default for Views {
    fn default() -> Self {
        Self::new()
    }
}

/// The colour class of a status code: green for normal, orange while the customer
/// rectifies, red once late or cut off, blue while others decide, grey when closed.
pub fn status_class(code: &str) -> &'static str {
    match code {
        "normal" | "resolved" | "pass" | "granted" | "approved" | "upheld" => "ok",
        "rectification" | "issued" | "returned" | "recheck_failed" | "warn" | "requested"
        | "pending" => "warn",
        "overdue"
        | "enforcement_pending"
        | "access_cancelled"
        | "fail"
        | "denied"
        | "rejected"
        | "dead" => "danger",
        "submitted"
        | "miit_review"
        | "rechecking"
        | "appealed"
        | "deregistration_pending"
        | "running"
        | "queued" => "info",
        _ => "grey",
    }
}

/// `badge(code, label)`: a coloured status badge.
fn badge(code: String, label: String) -> Value {
    let class = status_class(&code);
    let label = if label.is_empty() { code } else { label };
    Value::from_safe_string(format!(
        "<span class=\"badge {class}\">{}</span>",
        escape(&label)
    ))
}

/// Whole days left before a deadline, counted in Beijing calendar days; negative when
/// past.
pub fn days_left(deadline: DateTime<FixedOffset>, now: DateTime<Utc>) -> i64 {
    let china = crate::china();
    let today = now.with_timezone(&china).date_naive();
    let last = deadline.with_timezone(&china).date_naive();
    (last - today).num_days()
}

/// `days_left_label(n)`: 剩余 N 天 / 今天截止 / 已超期 N 天.
fn days_left_label(n: i64) -> String {
    match n {
        n if n > 0 => format!("剩余 {n} 天"),
        0 => "今天截止".to_string(),
        n => format!("已超期 {} 天", -n),
    }
}

/// A time in Beijing, to the minute, as the console shows it.
pub fn beijing(t: DateTime<Utc>) -> String {
    t.with_timezone(&crate::china())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn status_colours_follow_the_design() {
        assert_eq!(status_class("normal"), "ok");
        assert_eq!(status_class("rectification"), "warn");
        assert_eq!(status_class("overdue"), "danger");
        assert_eq!(status_class("access_cancelled"), "danger");
        assert_eq!(status_class("submitted"), "info");
        assert_eq!(status_class("deregistered"), "grey");
    }

    #[test]
    fn days_left_counts_beijing_days() {
        let china = crate::china();
        let deadline = china.with_ymd_and_hms(2026, 12, 10, 23, 59, 59).unwrap();
        // 2026-12-09 17:00 UTC is already 12-10 01:00 in Beijing.
        let now = Utc.with_ymd_and_hms(2026, 12, 9, 17, 0, 0).unwrap();
        assert_eq!(days_left(deadline, now), 0);
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap();
        assert_eq!(days_left(deadline, now), 9);
        assert_eq!(days_left_label(9), "剩余 9 天");
        assert_eq!(days_left_label(0), "今天截止");
        assert_eq!(days_left_label(-2), "已超期 2 天");
    }

    #[test]
    fn every_template_compiles() {
        let _ = Views::new();
    }

    #[test]
    fn a_self_check_with_undecided_items_is_not_shown_as_passing() {
        let views = Views::new();
        let page = |failed: u32, inconclusive: u32| {
            let ctx = serde_json::json!({
                "form": {}, "limit": 6,
                "result": {"domain": "example.cn", "failed": failed, "inconclusive": inconclusive,
                           "findings": [], "not_judged": []},
            });
            views
                .render("selfcheck.html", Value::from(minijinja::value::Serde(ctx)))
                .expect("renders")
                .0
        };
        assert!(page(0, 0).contains("全部通过"));
        let undecided = page(0, 2);
        assert!(undecided.contains("2 项无法判断") && !undecided.contains("全部通过"));
        assert!(page(1, 2).contains("1 项不通过"));
    }
}
