//! 状态机 — the one function that decides every transition of an order.
//!
//! [`apply`] takes the order as it is, who acts, what they ask and the moment, and returns
//! either the order as it must become or the reason it may not. It reads no clock and
//! writes nothing: the store applies a [`Transition`] as a conditional update (on the
//! `from` state) together with its audit row, so two racing events cannot both win.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::calendar::{CalendarError, WorkingCalendar, end_of_day, shanghai};
use super::event::{Attachment, ChangeRequest, Event, MiitOutcome, kind_label};
use super::state::{Actor, ExtensionState, FilingStatus, OrderState, filing_status};

/// 整改规则 — the provider's configurable periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowPolicy {
    /// 整改期: working days from issue to deadline.
    pub period_working_days: u32,
    /// The most working days one extension may add.
    pub max_extension_days: u32,
    /// When the provider or the 管局 hands an order back to the customer (退回, 复查未通过),
    /// the customer has at least this many working days left: the time others took to
    /// decide is not theirs to lose.
    pub working_days_after_return: u32,
}

impl Default for WorkflowPolicy {
    /// Ten working days to rectify (the period the MIIT's rules give for inaccurate
    /// filings), one extension of at most seven working days (as large providers allow),
    /// three working days after a return.
    fn default() -> Self {
        WorkflowPolicy {
            period_working_days: 10,
            max_extension_days: 7,
            working_days_after_return: 3,
        }
    }
}

/// 整改单快照 — the part of an order the workflow decides on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSnapshot {
    /// Where it stands.
    pub state: OrderState,
    /// 整改期限: 23:59:59 Beijing time of the last working day.
    pub deadline: DateTime<FixedOffset>,
    /// The one extension.
    pub extension: ExtensionState,
    /// Working days asked for (while requested) or granted (once granted); zero otherwise.
    pub extension_days: u32,
    /// Whether every item comes from content-keyword checks, which are never enforced
    /// automatically.
    pub keyword_only: bool,
    /// When the 管局's status was last read, while a 管局 review or deregistration runs.
    pub miit_synced_at: Option<DateTime<FixedOffset>>,
}

/// 状态变更 — the order as it must become, and the row statuses and audit action that go
/// with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// The new state (may equal the old one: an extension request, a pending 管局 sync).
    pub to: OrderState,
    /// The deadline after the event.
    pub deadline: DateTime<FixedOffset>,
    /// The extension after the event.
    pub extension: ExtensionState,
    /// See [`OrderSnapshot::extension_days`].
    pub extension_days: u32,
    /// See [`OrderSnapshot::miit_synced_at`].
    pub miit_synced_at: Option<DateTime<FixedOffset>>,
    /// What the entity and site rows show now.
    pub filing_status: FilingStatus,
    /// The audit log's action code: the event's kind.
    pub audit_action: &'static str,
}

/// 拒绝原因 — why an event is not allowed. The message is shown to whoever asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// This kind of actor may never perform this event.
    #[error("{}无权{}", actor.label(), kind_label(event))]
    WrongActor {
        /// Who asked.
        actor: Actor,
        /// The event's kind.
        event: &'static str,
    },
    /// The event does not apply in the order's current state.
    #[error("整改单当前状态为「{}」，不能{}", state.label(), kind_label(event))]
    WrongState {
        /// The order's state.
        state: OrderState,
        /// The event's kind.
        event: &'static str,
    },
    /// An extension was already requested for this order.
    #[error("每张整改单只能申请一次延期，本单的延期申请{}", state.label())]
    ExtensionAlreadyUsed {
        /// The extension's state.
        state: ExtensionState,
    },
    /// No extension waits for a decision.
    #[error("本单没有待审批的延期申请")]
    NoExtensionRequested,
    /// The deadline is not judged while an extension waits for a decision.
    #[error("本单的延期申请尚待审批，审批前不判定逾期")]
    ExtensionPending,
    /// Zero working days.
    #[error("延期天数至少为1个工作日")]
    ZeroDays,
    /// More working days than the policy allows.
    #[error("延期{requested}个工作日超过上限（{max}个工作日）")]
    TooManyDays {
        /// Days asked or granted.
        requested: u32,
        /// The policy's maximum.
        max: u32,
    },
    /// The system may not escalate an order whose items all come from keyword hits.
    #[error("本单的整改项均来自关键词命中，不能自动转入处置，须由审核员人工复核后操作")]
    KeywordOnly,
    /// A decision against the customer needs an opinion.
    #[error("{}须填写审核意见", kind_label(event))]
    MissingOpinion {
        /// The event's kind.
        event: &'static str,
    },
    /// A field opinion lacks its field or its text.
    #[error("第{}条审核意见缺少字段或意见内容", index + 1)]
    BlankOpinion {
        /// 0-based position in the list.
        index: usize,
    },
    /// A change of the filing that changes no field.
    #[error("变更申请没有填写任何变更字段")]
    EmptyChange,
    /// A field change without a field path.
    #[error("第{}项变更缺少字段名", index + 1)]
    BlankField {
        /// 0-based position in the list.
        index: usize,
    },
    /// An attachment whose hash is not a SHA-256 in lower-case hex.
    #[error("附件「{name}」的校验值不是有效的SHA-256")]
    BadAttachment {
        /// The attachment's name.
        name: String,
    },
    /// The customer's own words are required.
    #[error("{}须填写说明", kind_label(event))]
    MissingReason {
        /// The event's kind.
        event: &'static str,
    },
    /// A failed re-check must say what still fails.
    #[error("复查未通过须列出仍未通过的项目")]
    MissingFindings,
    /// The deadline has not passed yet.
    #[error("整改期限（{deadline}）尚未届满")]
    DeadlineNotReached {
        /// The order's deadline.
        deadline: DateTime<FixedOffset>,
    },
    /// A 管局 sync dated in the future.
    #[error("管局同步时间（{synced_at}）晚于当前时间")]
    SyncInFuture {
        /// The given time.
        synced_at: DateTime<FixedOffset>,
    },
    /// The calendar cannot count the days asked for.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

/// Who may perform each kind of event. An administrator may do whatever an operator may.
pub fn allowed_actors(kind: &str) -> &'static [Actor] {
    use Actor::{Admin, Customer, Operator, System};
    match kind {
        "submit" | "request_recheck" | "appeal" | "request_extension" => &[Customer],
        "approve"
        | "reject"
        | "decide_appeal"
        | "decide_extension"
        | "confirm_access_cancellation"
        | "request_deregistration"
        | "reinstate" => &[Operator, Admin],
        "miit_synced" | "recheck_passed" | "recheck_failed" | "escalate" => {
            &[System, Operator, Admin]
        }
        "deadline_passed" => &[System],
        _ => &[],
    }
}

/// Decides one event on one order.
///
/// The checks run in a fixed order, so the same request always gets the same refusal:
/// first who acts ([`allowed_actors`]), then the state, then the event's own conditions.
pub fn apply(
    order: &OrderSnapshot,
    actor: Actor,
    event: &Event,
    policy: &WorkflowPolicy,
    calendar: &WorkingCalendar,
    now: DateTime<FixedOffset>,
) -> Result<Transition, Refusal> {
    use OrderState as S;

    let kind = event.kind();
    if !allowed_actors(kind).contains(&actor) {
        return Err(Refusal::WrongActor { actor, event: kind });
    }
    let state = order.state;
    let wrong_state = Refusal::WrongState { state, event: kind };
    let mut next = Transition {
        to: state,
        deadline: order.deadline,
        extension: order.extension,
        extension_days: order.extension_days,
        miit_synced_at: order.miit_synced_at,
        filing_status: filing_status(state),
        audit_action: kind,
    };
    // When the order goes back to the customer, they keep at least
    // `working_days_after_return` working days.
    let back_to_customer = |next: &mut Transition| -> Result<(), Refusal> {
        let floor = calendar.deadline_after(now, policy.working_days_after_return)?;
        if floor > next.deadline {
            next.deadline = floor;
        }
        Ok(())
    };

    match event {
        Event::Submit(change) => {
            if !state.customer_must_act() {
                return Err(wrong_state);
            }
            check_change(change)?;
            next.to = S::Submitted;
        }
        Event::Approve { needs_miit } => {
            if state != S::Submitted {
                return Err(wrong_state);
            }
            if *needs_miit {
                next.to = S::MiitReview;
                next.miit_synced_at = None;
            } else {
                next.to = S::Rechecking;
            }
        }
        Event::Reject { opinions } => {
            if state != S::Submitted {
                return Err(wrong_state);
            }
            if opinions.is_empty() {
                return Err(Refusal::MissingOpinion { event: kind });
            }
            if let Some(index) = opinions
                .iter()
                .position(|o| o.path.trim().is_empty() || o.opinion.trim().is_empty())
            {
                return Err(Refusal::BlankOpinion { index });
            }
            next.to = S::Returned;
            back_to_customer(&mut next)?;
        }
        Event::MiitSynced { outcome, synced_at } => {
            let (accepted, rejected) = match state {
                S::MiitReview => (S::Rechecking, S::Returned),
                S::DeregistrationPending => (S::Deregistered, S::EnforcementPending),
                _ => return Err(wrong_state),
            };
            if *synced_at > now {
                return Err(Refusal::SyncInFuture {
                    synced_at: *synced_at,
                });
            }
            next.miit_synced_at = Some(*synced_at);
            next.to = match outcome {
                MiitOutcome::Accepted => accepted,
                MiitOutcome::Rejected => rejected,
                MiitOutcome::Pending => state,
            };
            if next.to == S::Returned {
                back_to_customer(&mut next)?;
            }
        }
        Event::RequestRecheck {
            evidence,
            attachments,
        } => {
            if !state.customer_must_act() {
                return Err(wrong_state);
            }
            if evidence.trim().is_empty() {
                return Err(Refusal::MissingReason { event: kind });
            }
            check_attachments(attachments)?;
            next.to = S::Rechecking;
        }
        Event::RecheckPassed => {
            if state != S::Rechecking {
                return Err(wrong_state);
            }
            next.to = S::Resolved;
        }
        Event::RecheckFailed { findings } => {
            if state != S::Rechecking {
                return Err(wrong_state);
            }
            if findings.iter().all(|f| f.trim().is_empty()) {
                return Err(Refusal::MissingFindings);
            }
            next.to = S::RecheckFailed;
            back_to_customer(&mut next)?;
        }
        Event::Appeal { reason } => {
            if state != S::RecheckFailed {
                return Err(wrong_state);
            }
            if reason.trim().is_empty() {
                return Err(Refusal::MissingReason { event: kind });
            }
            next.to = S::Appealed;
        }
        Event::DecideAppeal { upheld, opinion } => {
            if state != S::Appealed {
                return Err(wrong_state);
            }
            if *upheld {
                next.to = S::Resolved;
            } else {
                // A dismissed appeal returns the order to the customer with the opinion.
                // It does not go back to 复查未通过, so a second appeal needs a new failed
                // re-check first: appeals cannot loop.
                if opinion.trim().is_empty() {
                    return Err(Refusal::MissingOpinion { event: kind });
                }
                next.to = S::Returned;
                back_to_customer(&mut next)?;
            }
        }
        Event::RequestExtension {
            working_days,
            reason,
        } => {
            if !state.customer_must_act() {
                return Err(wrong_state);
            }
            if order.extension != ExtensionState::None {
                return Err(Refusal::ExtensionAlreadyUsed {
                    state: order.extension,
                });
            }
            check_days(*working_days, policy)?;
            if reason.trim().is_empty() {
                return Err(Refusal::MissingReason { event: kind });
            }
            next.extension = ExtensionState::Requested;
            next.extension_days = *working_days;
        }
        Event::DecideExtension {
            granted,
            working_days,
            opinion,
        } => {
            if state.is_terminal() || state.filing_status() != FilingStatus::Rectification {
                return Err(wrong_state);
            }
            if order.extension != ExtensionState::Requested {
                return Err(Refusal::NoExtensionRequested);
            }
            if *granted {
                check_days(*working_days, policy)?;
                let last = order.deadline.with_timezone(&shanghai()).date_naive();
                let moved = calendar.add_working_days(last, *working_days)?;
                next.deadline = end_of_day(moved);
                next.extension = ExtensionState::Granted;
                next.extension_days = *working_days;
            } else {
                if opinion.trim().is_empty() {
                    return Err(Refusal::MissingOpinion { event: kind });
                }
                next.extension = ExtensionState::Denied;
                next.extension_days = 0;
            }
        }
        Event::DeadlinePassed => {
            if !state.customer_must_act() {
                return Err(wrong_state);
            }
            if order.extension == ExtensionState::Requested {
                return Err(Refusal::ExtensionPending);
            }
            if now <= order.deadline {
                return Err(Refusal::DeadlineNotReached {
                    deadline: order.deadline,
                });
            }
            next.to = S::Overdue;
        }
        Event::Escalate => {
            if state != S::Overdue {
                return Err(wrong_state);
            }
            if actor == Actor::System && order.keyword_only {
                return Err(Refusal::KeywordOnly);
            }
            next.to = S::EnforcementPending;
        }
        Event::ConfirmAccessCancellation => {
            if state != S::EnforcementPending {
                return Err(wrong_state);
            }
            next.to = S::AccessCancelled;
        }
        Event::RequestDeregistration => {
            if state != S::EnforcementPending {
                return Err(wrong_state);
            }
            next.to = S::DeregistrationPending;
            next.miit_synced_at = None;
        }
        Event::Reinstate => {
            if !matches!(
                state,
                S::Overdue | S::EnforcementPending | S::AccessCancelled
            ) {
                return Err(wrong_state);
            }
            next.to = S::Rechecking;
        }
    }
    next.filing_status = filing_status(next.to);
    Ok(next)
}

fn check_days(days: u32, policy: &WorkflowPolicy) -> Result<(), Refusal> {
    if days == 0 {
        Err(Refusal::ZeroDays)
    } else if days > policy.max_extension_days {
        Err(Refusal::TooManyDays {
            requested: days,
            max: policy.max_extension_days,
        })
    } else {
        Ok(())
    }
}

fn check_change(change: &ChangeRequest) -> Result<(), Refusal> {
    if change.fields.is_empty() && !change.kind.is_cancellation() {
        return Err(Refusal::EmptyChange);
    }
    if let Some(index) = change.fields.iter().position(|f| f.path.trim().is_empty()) {
        return Err(Refusal::BlankField { index });
    }
    check_attachments(&change.attachments)
}

fn check_attachments(attachments: &[Attachment]) -> Result<(), Refusal> {
    for a in attachments {
        let hex_ok = a.sha256.len() == 64
            && a.sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !hex_ok {
            return Err(Refusal::BadAttachment {
                name: a.name.clone(),
            });
        }
    }
    Ok(())
}
