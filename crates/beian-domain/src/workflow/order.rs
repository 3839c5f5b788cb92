//! 整改单生成 — from a filing's failed findings to the draft of its rectification order.
//!
//! One order per entity: the caller passes the findings of one filing (the entity and its
//! sites). Only `Status::Fail` becomes an item; a warning or an inconclusive result is for
//! a person to look at and is never something a customer must fix by a deadline. Items are
//! sorted and de-duplicated by a fingerprint, so the same findings always give the same
//! order, and two runs can be compared item by item.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::calendar::{CalendarError, WorkingCalendar};
use super::machine::WorkflowPolicy;
use super::state::{ExtensionState, OrderState};
use crate::catalogue::{Action, CheckId};
use crate::finding::{Evidence, Finding, Status, Target};

/// The checks judged from words found on a page or in a name. A keyword list misfires
/// often enough that an order made only of these never goes to enforcement without a
/// person: the scheduler may not escalate it (see [`super::machine::apply`]).
pub const KEYWORD_CHECKS: &[CheckId] = &[
    CheckId::SiteContentViolation,
    CheckId::SiteContentMismatch,
    CheckId::SitePreApproval,
];

/// 整改项 — one failed finding as the customer must answer it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderItem {
    /// Stable across runs: see [`fingerprint`].
    pub fingerprint: String,
    /// The check that failed.
    pub check: CheckId,
    /// The entity or the website concerned.
    pub target: Target,
    /// 相关字段, if the finding names one.
    pub field: Option<String>,
    /// 问题描述: the finding's specific message.
    pub message: String,
    /// 不通过原因: the catalogue's reason.
    pub reason: String,
    /// 解决措施: the catalogue's remedy.
    pub remedy: String,
    /// 可选整改操作: the actions that can fix it.
    pub actions: Vec<Action>,
    /// What was seen.
    pub evidence: Vec<Evidence>,
}

/// 整改单草稿 — a new order before the store gives it an id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderDraft {
    /// Always 待整改.
    pub state: OrderState,
    /// When the order is issued.
    pub issued_at: DateTime<FixedOffset>,
    /// The policy's period in working days after `issued_at`, 23:59:59 Beijing time.
    pub deadline: DateTime<FixedOffset>,
    /// No extension yet.
    pub extension: ExtensionState,
    /// Whether every item comes from [`KEYWORD_CHECKS`].
    pub keyword_only: bool,
    /// The items, sorted by check (catalogue order), target and field.
    pub items: Vec<OrderItem>,
}

/// 整改项指纹 — the identity of an item across runs: the check, the target and the field.
///
/// A website is named by its position in the filing, not its name: the name is often the
/// very thing a customer corrects (a title mismatch), and the item must stay the same item
/// while it is being fixed. Lower-case hex of SHA-256 over `check|target|field`, cut to 32
/// digits (128 bits), which is plenty to tell a filing's items apart.
pub fn fingerprint(check: CheckId, target: &Target, field: Option<&str>) -> String {
    let target = match target {
        Target::Entity => "entity".to_owned(),
        Target::Website { index, .. } => format!("website:{index}"),
        Target::Page => "page".to_owned(),
    };
    let key = format!("{}|{}|{}", check.as_str(), target, field.unwrap_or(""));
    let digest = Sha256::digest(key.as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// The order for one filing's findings, or `None` when nothing failed.
///
/// Findings with the same fingerprint become one item: the first message is kept and the
/// evidence of all of them is kept, in order.
pub fn draft_order(
    findings: &[Finding],
    issued_at: DateTime<FixedOffset>,
    policy: &WorkflowPolicy,
    calendar: &WorkingCalendar,
) -> Result<Option<OrderDraft>, CalendarError> {
    let mut items: Vec<(usize, OrderItem)> = Vec::new();
    for f in findings.iter().filter(|f| f.status == Status::Fail) {
        let fp = fingerprint(f.check, &f.target, f.field.as_deref());
        if let Some((_, item)) = items.iter_mut().find(|(_, i)| i.fingerprint == fp) {
            item.evidence.extend(f.evidence.iter().cloned());
            continue;
        }
        let def = f.def();
        let rank = CheckId::ALL
            .iter()
            .position(|c| *c == f.check)
            .unwrap_or(usize::MAX);
        items.push((
            rank,
            OrderItem {
                fingerprint: fp,
                check: f.check,
                target: f.target.clone(),
                field: f.field.clone(),
                message: f.message.clone(),
                reason: def.reason.to_owned(),
                remedy: def.remedy.to_owned(),
                actions: def.actions.to_vec(),
                evidence: f.evidence.clone(),
            },
        ));
    }
    if items.is_empty() {
        return Ok(None);
    }
    items.sort_by(|(ra, a), (rb, b)| {
        ra.cmp(rb)
            .then_with(|| target_key(&a.target).cmp(&target_key(&b.target)))
            .then_with(|| a.field.cmp(&b.field))
    });
    let items: Vec<OrderItem> = items.into_iter().map(|(_, i)| i).collect();
    let keyword_only = items.iter().all(|i| KEYWORD_CHECKS.contains(&i.check));
    let deadline = calendar.deadline_after(issued_at, policy.period_working_days)?;
    Ok(Some(OrderDraft {
        state: OrderState::Issued,
        issued_at,
        deadline,
        extension: ExtensionState::None,
        keyword_only,
        items,
    }))
}

fn target_key(t: &Target) -> (u8, usize) {
    match t {
        Target::Entity => (0, 0),
        Target::Website { index, .. } => (1, *index),
        Target::Page => (2, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).expect("test time")
    }

    fn cal() -> WorkingCalendar {
        WorkingCalendar::bundled().expect("bundled calendar")
    }

    fn site(index: usize, name: &str) -> Target {
        Target::Website {
            index,
            name: name.into(),
        }
    }

    fn fail(check: CheckId, target: Target, field: Option<&str>) -> Finding {
        let f = Finding::new(check, Status::Fail, target, format!("{check} 不通过"));
        match field {
            Some(field) => f.field(field),
            None => f,
        }
    }

    #[test]
    fn only_failures_become_items_sorted_by_catalogue_and_target() {
        let findings = vec![
            fail(CheckId::SiteTitleMismatch, site(1, "乙"), Some("网站名称")),
            Finding::new(
                CheckId::SiteUnreachable,
                Status::Inconclusive,
                site(0, "甲"),
                "超时",
            ),
            Finding::new(
                CheckId::SitePreApproval,
                Status::Warn,
                site(0, "甲"),
                "提示",
            ),
            Finding::new(
                CheckId::EntityBusinessStatus,
                Status::Pass,
                Target::Entity,
                "ok",
            ),
            fail(CheckId::SiteTitleMismatch, site(0, "甲"), Some("网站名称")),
            fail(
                CheckId::EntityLegalRepMismatch,
                Target::Entity,
                Some("法定代表人"),
            ),
        ];
        let draft = draft_order(
            &findings,
            at("2026-03-02T09:00:00+08:00"),
            &WorkflowPolicy::default(),
            &cal(),
        )
        .expect("calendar")
        .expect("an order");
        let got: Vec<(&str, (u8, usize))> = draft
            .items
            .iter()
            .map(|i| (i.check.as_str(), target_key(&i.target)))
            .collect();
        assert_eq!(
            got,
            [
                ("entity.legal_rep_mismatch", (0, 0)),
                ("site.title_mismatch", (1, 0)),
                ("site.title_mismatch", (1, 1)),
            ]
        );
        let first = &draft.items[0];
        let def = CheckId::EntityLegalRepMismatch.def();
        assert_eq!(first.reason, def.reason);
        assert_eq!(first.remedy, def.remedy);
        assert_eq!(first.actions, def.actions);
        assert_eq!(first.field.as_deref(), Some("法定代表人"));
        assert!(!draft.keyword_only);
        assert_eq!(draft.state, OrderState::Issued);
        // Ten working days from Monday 2 March 2026: Monday 16 March, end of day.
        assert_eq!(draft.deadline.to_rfc3339(), "2026-03-16T23:59:59+08:00");
    }

    #[test]
    fn nothing_failed_means_no_order() {
        let findings = vec![
            Finding::new(
                CheckId::SiteUnreachable,
                Status::Inconclusive,
                site(0, "甲"),
                "超时",
            ),
            Finding::new(
                CheckId::SiteContentViolation,
                Status::Warn,
                site(0, "甲"),
                "提示",
            ),
        ];
        let draft = draft_order(
            &findings,
            at("2026-03-02T09:00:00+08:00"),
            &WorkflowPolicy::default(),
            &cal(),
        )
        .expect("calendar");
        assert_eq!(draft, None);
    }

    #[test]
    fn keyword_only_when_every_item_is_a_keyword_check() {
        let policy = WorkflowPolicy::default();
        let issued = at("2026-03-02T09:00:00+08:00");
        let table: [(&[CheckId], bool); 4] = [
            (&[CheckId::SiteContentViolation], true),
            (
                &[CheckId::SiteContentViolation, CheckId::SitePreApproval],
                true,
            ),
            (
                &[CheckId::SiteContentViolation, CheckId::SiteIpMismatch],
                false,
            ),
            (&[CheckId::SiteDomainExpired], false),
        ];
        for (checks, want) in table {
            let findings: Vec<Finding> = checks
                .iter()
                .map(|c| fail(*c, site(0, "甲"), None))
                .collect();
            let draft = draft_order(&findings, issued, &policy, &cal())
                .expect("calendar")
                .expect("order");
            assert_eq!(draft.keyword_only, want, "{checks:?}");
        }
    }

    #[test]
    fn duplicates_merge_and_the_order_is_deterministic() {
        let a = fail(CheckId::SiteIpMismatch, site(0, "甲"), Some("IP"))
            .with(Evidence::new("解析结果", "1.2.3.4"));
        let b = fail(CheckId::SiteIpMismatch, site(0, "甲"), Some("IP"))
            .with(Evidence::new("解析结果", "5.6.7.8"));
        let c = fail(CheckId::EntityContactInvalid, Target::Entity, Some("手机"));
        let issued = at("2026-03-02T09:00:00+08:00");
        let policy = WorkflowPolicy::default();
        let one = draft_order(&[a.clone(), b.clone(), c.clone()], issued, &policy, &cal())
            .expect("calendar")
            .expect("order");
        let two = draft_order(&[c, a, b], issued, &policy, &cal())
            .expect("calendar")
            .expect("order");
        assert_eq!(one.items.len(), 2);
        assert_eq!(one.items[1].evidence.len(), 2);
        assert_eq!(
            one.items.iter().map(|i| &i.fingerprint).collect::<Vec<_>>(),
            two.items.iter().map(|i| &i.fingerprint).collect::<Vec<_>>()
        );
    }

    #[test]
    fn fingerprints_ignore_the_site_name_and_separate_the_rest() {
        let c = CheckId::SiteTitleMismatch;
        let base = fingerprint(c, &site(0, "旧名"), Some("网站名称"));
        assert_eq!(base, fingerprint(c, &site(0, "新名"), Some("网站名称")));
        assert_eq!(base.len(), 32);
        let others = [
            fingerprint(c, &site(1, "旧名"), Some("网站名称")),
            fingerprint(c, &site(0, "旧名"), None),
            fingerprint(c, &Target::Entity, Some("网站名称")),
            fingerprint(CheckId::SiteIpMismatch, &site(0, "旧名"), Some("网站名称")),
        ];
        for o in &others {
            assert_ne!(&base, o);
        }
    }
}
