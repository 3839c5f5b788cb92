//! 事件 — what can happen to an order: what the customer, an operator, the system or the
//! 管局 does, with the data each step carries.
//!
//! An event is a request; [`super::apply`] decides whether it is allowed in the order's
//! state and by whom. Events serialise as `{"kind": …, "data": …}` where `kind` is
//! [`Event::kind`] (adjacent tagging, because a change request has a `kind` of its own), so
//! the audit log and the API store them in one readable shape.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::catalogue::Action;

/// 变更类型 — what a customer's change request does to the filing. The serialised codes
/// are those of [`Action`], so an order item's allowed actions and the change that answers
/// it compare directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChangeKind {
    /// 变更备案: change the entity's or a site's filed data.
    #[serde(rename = "变更备案")]
    ChangeFiling,
    /// 变更网站: change a site's domains, name or addresses.
    #[serde(rename = "变更网站")]
    ChangeWebsite,
    /// 注销网站: deregister one site.
    #[serde(rename = "注销网站")]
    CancelWebsite,
    /// 注销主体: deregister the entity with all its sites.
    #[serde(rename = "注销主体")]
    CancelEntity,
}

impl ChangeKind {
    /// Every kind.
    pub const ALL: [ChangeKind; 4] = [
        ChangeKind::ChangeFiling,
        ChangeKind::ChangeWebsite,
        ChangeKind::CancelWebsite,
        ChangeKind::CancelEntity,
    ];

    /// The catalogue action this change performs.
    pub fn action(self) -> Action {
        match self {
            ChangeKind::ChangeFiling => Action::ChangeFiling,
            ChangeKind::ChangeWebsite => Action::ChangeWebsite,
            ChangeKind::CancelWebsite => Action::CancelWebsite,
            ChangeKind::CancelEntity => Action::CancelEntity,
        }
    }

    /// The change kind for a catalogue action, if the action is a change of the filing
    /// (renewing a domain or editing content is done elsewhere and answered by a re-check).
    pub fn from_action(action: Action) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.action() == action)
    }

    /// The code, the same as the action's serialised name (变更备案 …).
    pub fn code(self) -> &'static str {
        self.action().label()
    }

    /// Whether the change removes the filing (or a site of it) rather than edits it.
    pub fn is_cancellation(self) -> bool {
        matches!(self, ChangeKind::CancelWebsite | ChangeKind::CancelEntity)
    }
}

/// 字段变更 — one filed field, before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field, as a path in the filing (`entity.name`, `websites[0].domains`).
    pub path: String,
    /// The filed value before, if the field had one.
    pub old: Option<String>,
    /// The value asked for, if the field is to be set (none removes it).
    pub new: Option<String>,
}

/// 附件 — an uploaded document, known by its content hash; the bytes live in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The file name the customer gave.
    pub name: String,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// 变更申请 — what the customer submits to rectify an order (提交审核).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRequest {
    /// What kind of change.
    pub kind: ChangeKind,
    /// The fields changed; may be empty only for a 注销.
    pub fields: Vec<FieldChange>,
    /// Supporting documents (new licence, ID card scan …).
    pub attachments: Vec<Attachment>,
    /// The customer's note to the operator.
    pub note: String,
}

/// 审核意见 — an operator's opinion on one field of a rejected change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldOpinion {
    /// The field, as in [`FieldChange::path`].
    pub path: String,
    /// What is wrong and what to do, in Chinese.
    pub opinion: String,
}

/// 管局审核结果 — what the provincial authority said about a change or a deregistration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MiitOutcome {
    /// 已通过.
    Accepted,
    /// 已驳回.
    Rejected,
    /// 审核中: nothing decided yet; only the time of the sync is recorded.
    Pending,
}

impl MiitOutcome {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            MiitOutcome::Accepted => "accepted",
            MiitOutcome::Rejected => "rejected",
            MiitOutcome::Pending => "pending",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            MiitOutcome::Accepted => "已通过",
            MiitOutcome::Rejected => "已驳回",
            MiitOutcome::Pending => "审核中",
        }
    }
}

/// 整改单事件 — one thing that happens to an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Event {
    /// 提交审核: the customer submits a change request.
    Submit(ChangeRequest),
    /// 审核通过: an operator approves the submitted change. A change the 管局 must accept
    /// goes to 管局审核; any other is applied and re-checked at once.
    Approve {
        /// Whether the 管局 must accept the change.
        needs_miit: bool,
    },
    /// 审核驳回: an operator rejects the change, with an opinion per field.
    Reject {
        /// At least one.
        opinions: Vec<FieldOpinion>,
    },
    /// 同步管局结果: the 管局's answer, by the adapter or entered by an operator.
    MiitSynced {
        /// What the 管局 said.
        outcome: MiitOutcome,
        /// When the status was read from the 管局.
        synced_at: DateTime<FixedOffset>,
    },
    /// 申请复查: the customer says the items are fixed and asks for a re-check.
    RequestRecheck {
        /// What was done, in the customer's words.
        evidence: String,
        /// Supporting documents.
        attachments: Vec<Attachment>,
    },
    /// 复查通过: the re-check finds nothing left to fix.
    RecheckPassed,
    /// 复查未通过: the re-check still fails.
    RecheckFailed {
        /// What still fails, one line per item (at least one).
        findings: Vec<String>,
    },
    /// 申诉: the customer contests the re-check result.
    Appeal {
        /// Why the result is wrong.
        reason: String,
    },
    /// 处理申诉: an operator decides the appeal.
    DecideAppeal {
        /// Whether the appeal is upheld (the order is then resolved).
        upheld: bool,
        /// The operator's reasoning; required when the appeal is dismissed.
        opinion: String,
    },
    /// 申请延期: the customer asks for more working days, once per order.
    RequestExtension {
        /// How many working days.
        working_days: u32,
        /// Why.
        reason: String,
    },
    /// 审批延期: an operator grants or refuses the extension.
    DecideExtension {
        /// Whether it is granted.
        granted: bool,
        /// Working days granted (ignored when refused).
        working_days: u32,
        /// The operator's reasoning; required when refused.
        opinion: String,
    },
    /// 判定逾期: the scheduler saw the deadline pass while the customer had to act.
    DeadlinePassed,
    /// 转入处置: an overdue order goes to an operator for enforcement.
    Escalate,
    /// 确认取消接入: an operator confirms that the provider stops serving the site.
    ConfirmAccessCancellation,
    /// 申请注销: an operator asks the 管局 to deregister the filing.
    RequestDeregistration,
    /// 恢复: the customer fixed things after enforcement; the order goes back to re-check.
    Reinstate,
}

/// The kinds of event, one code each, in the order of [`Event::kind`]'s match.
pub const EVENT_KINDS: [&str; 16] = [
    "submit",
    "approve",
    "reject",
    "miit_synced",
    "request_recheck",
    "recheck_passed",
    "recheck_failed",
    "appeal",
    "decide_appeal",
    "request_extension",
    "decide_extension",
    "deadline_passed",
    "escalate",
    "confirm_access_cancellation",
    "request_deregistration",
    "reinstate",
];

impl Event {
    /// The stable code of the event's kind, the same as its serialised `kind` tag and the
    /// audit action of the transition it causes.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Submit(_) => "submit",
            Event::Approve { .. } => "approve",
            Event::Reject { .. } => "reject",
            Event::MiitSynced { .. } => "miit_synced",
            Event::RequestRecheck { .. } => "request_recheck",
            Event::RecheckPassed => "recheck_passed",
            Event::RecheckFailed { .. } => "recheck_failed",
            Event::Appeal { .. } => "appeal",
            Event::DecideAppeal { .. } => "decide_appeal",
            Event::RequestExtension { .. } => "request_extension",
            Event::DecideExtension { .. } => "decide_extension",
            Event::DeadlinePassed => "deadline_passed",
            Event::Escalate => "escalate",
            Event::ConfirmAccessCancellation => "confirm_access_cancellation",
            Event::RequestDeregistration => "request_deregistration",
            Event::Reinstate => "reinstate",
        }
    }

    /// What the event does, in Chinese, for messages ("不能{label}").
    pub fn label(&self) -> &'static str {
        kind_label(self.kind())
    }
}

/// The Chinese label of an event kind code; the code itself if it is unknown.
pub fn kind_label(kind: &str) -> &str {
    match kind {
        "submit" => "提交审核",
        "approve" => "审核通过",
        "reject" => "审核驳回",
        "miit_synced" => "同步管局结果",
        "request_recheck" => "申请复查",
        "recheck_passed" => "记录复查通过",
        "recheck_failed" => "记录复查未通过",
        "appeal" => "申诉",
        "decide_appeal" => "处理申诉",
        "request_extension" => "申请延期",
        "decide_extension" => "审批延期",
        "deadline_passed" => "判定逾期",
        "escalate" => "转入处置",
        "confirm_access_cancellation" => "确认取消接入",
        "request_deregistration" => "申请注销",
        "reinstate" => "恢复",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_kinds_use_the_action_codes() {
        for kind in ChangeKind::ALL {
            let json = serde_json::to_string(&kind).expect("serialise");
            let action = serde_json::to_string(&kind.action()).expect("serialise");
            assert_eq!(json, action);
            assert_eq!(ChangeKind::from_action(kind.action()), Some(kind));
        }
        assert_eq!(ChangeKind::from_action(Action::RenewDomain), None);
        assert_eq!(ChangeKind::CancelEntity.code(), "注销主体");
    }

    #[test]
    fn the_serialised_tag_is_the_kind() {
        let at = DateTime::parse_from_rfc3339("2026-03-02T10:00:00+08:00").expect("time");
        let events = [
            Event::Submit(ChangeRequest {
                kind: ChangeKind::ChangeFiling,
                fields: vec![],
                attachments: vec![],
                note: String::new(),
            }),
            Event::Approve { needs_miit: true },
            Event::Reject { opinions: vec![] },
            Event::MiitSynced {
                outcome: MiitOutcome::Pending,
                synced_at: at,
            },
            Event::RequestRecheck {
                evidence: String::new(),
                attachments: vec![],
            },
            Event::RecheckPassed,
            Event::RecheckFailed { findings: vec![] },
            Event::Appeal {
                reason: String::new(),
            },
            Event::DecideAppeal {
                upheld: false,
                opinion: String::new(),
            },
            Event::RequestExtension {
                working_days: 1,
                reason: String::new(),
            },
            Event::DecideExtension {
                granted: true,
                working_days: 1,
                opinion: String::new(),
            },
            Event::DeadlinePassed,
            Event::Escalate,
            Event::ConfirmAccessCancellation,
            Event::RequestDeregistration,
            Event::Reinstate,
        ];
        assert_eq!(events.len(), EVENT_KINDS.len());
        for (event, kind) in events.iter().zip(EVENT_KINDS) {
            assert_eq!(event.kind(), kind);
            assert_ne!(event.label(), kind, "{kind} has no label");
            let json = serde_json::to_value(event).expect("serialise");
            assert_eq!(json["kind"], kind);
            let back: Event = serde_json::from_value(json).expect("deserialise");
            assert_eq!(&back, event);
        }
    }
}
