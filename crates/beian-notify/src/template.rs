//! 邮件模板 — the Chinese text of each notice, as HTML and as plain text.
//!
//! Pure functions of a [`Notice`]: no clock, no IO, so each template is checked by a table
//! test. Every piece of text that came from a filing or an operator goes through
//! `mask_text`, so an ID number or a phone typed into an opinion never leaves in clear.

use beian_domain::pii::mask_text;

use crate::notice::{Notice, NoticeItem, NoticeKind, format_deadline};

/// 邮件 — a rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    /// The subject.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

/// The subject of a notice, masked.
pub fn subject(notice: &Notice) -> String {
    let entity = mask_text(&notice.entity_name);
    let open = notice.items.len();
    let rest = match notice.kind {
        NoticeKind::OrderIssued => match notice.deadline {
            Some(d) => format!(
                "{entity}有 {open} 项备案信息需在 {} 前整改",
                format_deadline(d)
            ),
            None => format!("{entity}有 {open} 项备案信息需要整改"),
        },
        NoticeKind::Reminder => match notice.days_left {
            Some(days) => format!("距整改截止还有 {days} 天，{entity}尚有 {open} 项未完成"),
            None => format!("整改即将截止，{entity}尚有 {open} 项未完成"),
        },
        NoticeKind::Returned => format!("{entity}的整改申请未通过审核，请按意见修改"),
        NoticeKind::Resolved => format!("{entity}的备案整改已全部完成"),
        NoticeKind::Overdue => format!("{entity}的整改已超过截止时间，尚有 {open} 项未完成"),
        NoticeKind::Enforcement => format!(
            "{entity}：{}",
            notice
                .action
                .as_deref()
                .map(mask_text)
                .unwrap_or_else(|| "处置决定".to_owned())
        ),
    };
    format!("【{}】{rest}", notice.kind.label())
}

/// The paragraphs above the table, in order.
fn paragraphs(notice: &Notice) -> Vec<String> {
    let deadline = notice.deadline.map(format_deadline);
    let open = notice.items.len();
    let mut lines = Vec::new();
    match notice.kind {
        NoticeKind::OrderIssued => {
            lines.push(format!(
                "我们在对贵单位备案信息的例行核查中发现以下 {open} 项与实际情况不符或不合规，已生成整改单，请逐项整改。"
            ));
            if let Some(d) = &deadline {
                lines.push(format!("整改截止时间：{d}。"));
            }
            lines.push(
                "整改期间网站可以正常访问。逾期未整改的，我们将依照规定转入处置流程，经人工复核后可能取消接入。"
                    .to_owned(),
            );
        }
        NoticeKind::Reminder => {
            match (notice.days_left, &deadline) {
                (Some(days), Some(d)) => lines.push(format!(
                    "整改单距截止还有 {days} 天（截止时间：{d}），以下 {open} 项尚未完成。"
                )),
                (_, Some(d)) => lines.push(format!(
                    "整改单即将截止（截止时间：{d}），以下 {open} 项尚未完成。"
                )),
                _ => lines.push(format!("整改单即将截止，以下 {open} 项尚未完成。")),
            }
            lines.push(
                "如已提交变更申请，请留意审核结果；如需延期，请在截止前提出申请。".to_owned(),
            );
        }
        NoticeKind::Returned => {
            lines.push(
                "贵单位提交的整改申请经审核未能通过，审核意见见下表，请按意见修改后重新提交。"
                    .to_owned(),
            );
            if let Some(opinion) = &notice.opinion {
                lines.push(format!("审核意见：{}", mask_text(opinion)));
            }
            if let Some(d) = &deadline {
                lines.push(format!("整改截止时间不变：{d}。"));
            }
        }
        NoticeKind::Resolved => {
            lines.push(format!(
                "贵单位整改单中的 {open} 项均已整改完毕并通过审核，备案状态已恢复正常。感谢配合。"
            ));
        }
        NoticeKind::Overdue => {
            if let Some(d) = &deadline {
                lines.push(format!("整改截止时间 {d} 已过，以下 {open} 项仍未整改。"));
            } else {
                lines.push(format!("整改已超过截止时间，以下 {open} 项仍未整改。"));
            }
            lines.push(
                "整改单已转入处置流程。处置决定须经人工复核后作出；在此之前完成整改，仍可避免取消接入。".to_owned(),
            );
        }
        NoticeKind::Enforcement => {
            let action = notice
                .action
                .as_deref()
                .map(mask_text)
                .unwrap_or_else(|| "处置".to_owned());
            lines.push(format!(
                "因整改单逾期未完成，经人工复核，我们已决定对贵单位作出如下处置：{action}。涉及的问题见下表。"
            ));
            lines.push("如对处置有异议，或已完成整改，请联系我们申请复核。".to_owned());
        }
    }
    lines
}

fn has_opinions(notice: &Notice) -> bool {
    notice.items.iter().any(|i| i.opinion.is_some())
}

fn item_cells(item: &NoticeItem, with_opinion: bool) -> Vec<String> {
    let mut cells = vec![
        mask_text(&item.title),
        item.field.as_deref().map(mask_text).unwrap_or_default(),
        mask_text(&item.problem),
        mask_text(&item.remedy),
    ];
    if with_opinion {
        cells.push(item.opinion.as_deref().map(mask_text).unwrap_or_default());
    }
    cells
}

fn headers(with_opinion: bool) -> Vec<&'static str> {
    let mut h = vec!["整改项", "字段", "问题", "整改要求"];
    if with_opinion {
        h.push("审核意见");
    }
    h
}

fn greeting(notice: &Notice) -> String {
    let entity = mask_text(&notice.entity_name);
    match &notice.entity_filing_number {
        Some(number) => format!("{entity}（主体备案号 {}）：", mask_text(number)),
        None => format!("{entity}："),
    }
}

fn footer(notice: &Notice) -> Vec<String> {
    let mut lines = vec![format!("整改单号：{}", mask_text(&notice.order_id))];
    if let Some(url) = &notice.console_url {
        lines.push(format!("办理入口：{url}"));
    }
    lines.push("本邮件由备案核查系统自动发送，请勿直接回复。".to_owned());
    lines
}

/// Renders a notice as an email, masked.
pub fn render(notice: &Notice) -> RenderedEmail {
    RenderedEmail {
        subject: subject(notice),
        text: render_text(notice),
        html: render_html(notice),
    }
}

fn render_text(notice: &Notice) -> String {
    let with_opinion = has_opinions(notice);
    let mut out = String::new();
    out.push_str(&greeting(notice));
    out.push_str("\n\n");
    for p in paragraphs(notice) {
        out.push_str(&p);
        out.push('\n');
    }
    if !notice.items.is_empty() {
        out.push('\n');
        let headers = headers(with_opinion);
        for (n, item) in notice.items.iter().enumerate() {
            for (i, (header, cell)) in headers
                .iter()
                .zip(item_cells(item, with_opinion))
                .enumerate()
            {
                let cell = if cell.is_empty() {
                    "—".to_owned()
                } else {
                    cell
                };
                if i == 0 {
                    out.push_str(&format!("{}. {header}：{cell}\n", n + 1));
                } else {
                    out.push_str(&format!("   {header}：{cell}\n"));
                }
            }
        }
    }
    out.push('\n');
    for line in footer(notice) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn render_html(notice: &Notice) -> String {
    let with_opinion = has_opinions(notice);
    let cell = "border:1px solid #ccc;padding:6px 8px;text-align:left;vertical-align:top";
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"></head>\n<body style=\"font-family:sans-serif;font-size:14px;color:#222\">\n",
    );
    out.push_str(&format!("<p>{}</p>\n", escape(&greeting(notice))));
    for p in paragraphs(notice) {
        out.push_str(&format!("<p>{}</p>\n", escape(&p)));
    }
    if !notice.items.is_empty() {
        out.push_str("<table style=\"border-collapse:collapse\">\n<thead><tr>");
        for h in headers(with_opinion) {
            out.push_str(&format!("<th style=\"{cell};background:#f4f4f4\">{h}</th>"));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for item in &notice.items {
            out.push_str("<tr>");
            for c in item_cells(item, with_opinion) {
                let c = if c.is_empty() {
                    "—".to_owned()
                } else {
                    escape(&c)
                };
                out.push_str(&format!("<td style=\"{cell}\">{c}</td>"));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
    }
    for line in footer(notice) {
        let line = match (&notice.console_url, line.strip_prefix("办理入口：")) {
            (Some(url), Some(_)) => {
                format!("办理入口：<a href=\"{}\">{}</a>", escape(url), escape(url))
            }
            _ => escape(&line),
        };
        out.push_str(&format!("<p style=\"color:#666\">{line}</p>\n"));
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    pub(crate) fn notice(kind: NoticeKind) -> Notice {
        Notice {
            kind,
            order_id: "ZG-2026-000123".into(),
            entity_name: "北京云帆数据科技有限公司".into(),
            entity_filing_number: Some("京ICP备2024012345号".into()),
            deadline: Some(
                Utc.with_ymd_and_hms(2026, 12, 11, 15, 59, 0)
                    .single()
                    .expect("t"),
            ),
            days_left: Some(3),
            items: vec![NoticeItem {
                title: "负责人手机号码无法接通".into(),
                field: Some("主体负责人手机号码".into()),
                problem: "手机号码 13911112222 三次拨打均无法接通".into(),
                remedy: "变更为负责人本人可接通的手机号码".into(),
                opinion: None,
            }],
            opinion: None,
            action: Some("取消接入".into()),
            console_url: Some("https://console.example.cn/orders/ZG-2026-000123".into()),
        }
    }

    #[test]
    fn every_template_has_its_own_subject_and_masks_numbers() {
        let mut subjects = std::collections::HashSet::new();
        for &kind in NoticeKind::ALL {
            let mut n = notice(kind);
            n.opinion = Some("请提供 11010519491231002X 本人的手机".into());
            let email = render(&n);
            assert!(subjects.insert(email.subject.clone()), "{kind:?}");
            assert!(email.subject.starts_with(&format!("【{}】", kind.label())));
            for body in [&email.text, &email.html] {
                assert!(!body.contains("13911112222"), "{kind:?}: {body}");
                assert!(!body.contains("11010519491231002X"), "{kind:?}");
                assert!(body.contains("整改单号：ZG-2026-000123"), "{kind:?}");
            }
            assert!(email.html.contains("<th style=") && email.html.contains("整改要求"));
            assert!(
                email.text.contains("1. 整改项：负责人手机号码无法接通"),
                "{}",
                email.text
            );
        }
    }

    #[test]
    fn the_deadline_and_table_are_in_the_order_notice() {
        let email = render(&notice(NoticeKind::OrderIssued));
        assert_eq!(
            email.subject,
            "【备案整改通知】北京云帆数据科技有限公司有 1 项备案信息需在 2026年12月11日 23:59（北京时间） 前整改"
        );
        assert!(
            email
                .text
                .contains("整改截止时间：2026年12月11日 23:59（北京时间）。")
        );
        assert!(email.text.contains("   字段：主体负责人手机号码\n"));
        assert!(
            email
                .text
                .contains("   问题：手机号码 139****2222 三次拨打均无法接通\n")
        );
        assert!(email.html.contains("<td style=\"border:1px solid #ccc;padding:6px 8px;text-align:left;vertical-align:top\">变更为负责人本人可接通的手机号码</td>"));
    }

    #[test]
    fn templates_say_what_each_moment_means() {
        let cases = [
            (NoticeKind::Reminder, "距截止还有 3 天"),
            (NoticeKind::Returned, "审核意见"),
            (NoticeKind::Resolved, "备案状态已恢复正常"),
            (NoticeKind::Overdue, "已过"),
            (NoticeKind::Enforcement, "如下处置：取消接入"),
        ];
        for (kind, phrase) in cases {
            let mut n = notice(kind);
            if kind == NoticeKind::Returned {
                n.items[0].opinion = Some("号码仍无法接通".into());
            }
            let email = render(&n);
            assert!(email.text.contains(phrase), "{kind:?}: {}", email.text);
        }
        let mut n = notice(NoticeKind::Returned);
        n.items[0].opinion = Some("号码仍无法接通".into());
        let email = render(&n);
        assert!(email.html.contains("<th style=\"border:1px solid #ccc;padding:6px 8px;text-align:left;vertical-align:top;background:#f4f4f4\">审核意见</th>"));
        assert!(email.text.contains("   审核意见：号码仍无法接通"));
    }

    #[test]
    fn html_is_escaped() {
        let mut n = notice(NoticeKind::OrderIssued);
        n.entity_name = "<script>alert(1)</script>&公司".into();
        let email = render(&n);
        assert!(!email.html.contains("<script>"));
        assert!(
            email
                .html
                .contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;公司")
        );
    }
}
