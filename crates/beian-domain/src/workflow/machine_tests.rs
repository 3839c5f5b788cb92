//! The table of every (state, event kind, actor) and the guards of each event.

use chrono::{DateTime, Duration, FixedOffset};
use proptest::prelude::*;

use super::calendar::WorkingCalendar;
use super::event::{
    Attachment, ChangeKind, ChangeRequest, EVENT_KINDS, Event, FieldChange, FieldOpinion,
    MiitOutcome,
};
use super::machine::{OrderSnapshot, Refusal, Transition, WorkflowPolicy, apply};
use super::state::{Actor, ExtensionState, FilingStatus, OrderState};

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("test time")
}

fn cal() -> WorkingCalendar {
    WorkingCalendar::bundled().expect("bundled calendar")
}

/// Now: Wednesday 18 March 2026, 10:00 Beijing time.
fn now() -> DateTime<FixedOffset> {
    at("2026-03-18T10:00:00+08:00")
}

/// An order whose deadline passed yesterday.
fn order(state: OrderState) -> OrderSnapshot {
    OrderSnapshot {
        state,
        deadline: at("2026-03-17T23:59:59+08:00"),
        extension: ExtensionState::None,
        extension_days: 0,
        keyword_only: false,
        miit_synced_at: None,
    }
}

fn sha(c: char) -> String {
    std::iter::repeat_n(c, 64).collect()
}

/// A valid event of each kind, in the order of `EVENT_KINDS`.
fn sample(kind: &str) -> Event {
    match kind {
        "submit" => Event::Submit(ChangeRequest {
            kind: ChangeKind::ChangeFiling,
            fields: vec![FieldChange {
                path: "entity.legal_representative".into(),
                old: Some("张三".into()),
                new: Some("李四".into()),
            }],
            attachments: vec![Attachment {
                name: "营业执照.pdf".into(),
                sha256: sha('a'),
                size: 1024,
            }],
            note: "法定代表人已变更".into(),
        }),
        "approve" => Event::Approve { needs_miit: true },
        "reject" => Event::Reject {
            opinions: vec![FieldOpinion {
                path: "entity.legal_representative".into(),
                opinion: "请上传新的营业执照".into(),
            }],
        },
        "miit_synced" => Event::MiitSynced {
            outcome: MiitOutcome::Accepted,
            synced_at: now() - Duration::hours(1),
        },
        "request_recheck" => Event::RequestRecheck {
            evidence: "已删除违规内容".into(),
            attachments: vec![],
        },
        "recheck_passed" => Event::RecheckPassed,
        "recheck_failed" => Event::RecheckFailed {
            findings: vec!["site.title_mismatch：首页标题仍与备案名称不符".into()],
        },
        "appeal" => Event::Appeal {
            reason: "首页标题与备案名称一致，复查误判".into(),
        },
        "decide_appeal" => Event::DecideAppeal {
            upheld: true,
            opinion: String::new(),
        },
        "request_extension" => Event::RequestExtension {
            working_days: 3,
            reason: "负责人出差".into(),
        },
        "decide_extension" => Event::DecideExtension {
            granted: true,
            working_days: 3,
            opinion: String::new(),
        },
        "deadline_passed" => Event::DeadlinePassed,
        "escalate" => Event::Escalate,
        "confirm_access_cancellation" => Event::ConfirmAccessCancellation,
        "request_deregistration" => Event::RequestDeregistration,
        "reinstate" => Event::Reinstate,
        other => panic!("no sample for {other}"),
    }
}

/// Every (state, event kind) with the outcome for each actor, in the columns
/// customer, operator, system, admin: the new state's code, `-` for "this actor may never
/// do this", `x` for "not in this state". Written from the rules in the module doc.
#[rustfmt::skip]
const TABLE: &[(&str, &str, [&str; 4])] = &[
    // issued
    ("issued", "submit", ["submitted", "-", "-", "-"]),
    ("issued", "approve", ["-", "x", "-", "x"]),
    ("issued", "reject", ["-", "x", "-", "x"]),
    ("issued", "miit_synced", ["-", "x", "x", "x"]),
    ("issued", "request_recheck", ["rechecking", "-", "-", "-"]),
    ("issued", "recheck_passed", ["-", "x", "x", "x"]),
    ("issued", "recheck_failed", ["-", "x", "x", "x"]),
    ("issued", "appeal", ["x", "-", "-", "-"]),
    ("issued", "decide_appeal", ["-", "x", "-", "x"]),
    ("issued", "request_extension", ["issued", "-", "-", "-"]),
    ("issued", "decide_extension", ["-", "issued", "-", "issued"]),
    ("issued", "deadline_passed", ["-", "-", "overdue", "-"]),
    ("issued", "escalate", ["-", "x", "x", "x"]),
    ("issued", "confirm_access_cancellation", ["-", "x", "-", "x"]),
    ("issued", "request_deregistration", ["-", "x", "-", "x"]),
    ("issued", "reinstate", ["-", "x", "-", "x"]),
    // submitted
    ("submitted", "submit", ["x", "-", "-", "-"]),
    ("submitted", "approve", ["-", "miit_review", "-", "miit_review"]),
    ("submitted", "reject", ["-", "returned", "-", "returned"]),
    ("submitted", "miit_synced", ["-", "x", "x", "x"]),
    ("submitted", "request_recheck", ["x", "-", "-", "-"]),
    ("submitted", "recheck_passed", ["-", "x", "x", "x"]),
    ("submitted", "recheck_failed", ["-", "x", "x", "x"]),
    ("submitted", "appeal", ["x", "-", "-", "-"]),
    ("submitted", "decide_appeal", ["-", "x", "-", "x"]),
    ("submitted", "request_extension", ["x", "-", "-", "-"]),
    ("submitted", "decide_extension", ["-", "submitted", "-", "submitted"]),
    ("submitted", "deadline_passed", ["-", "-", "x", "-"]),
    ("submitted", "escalate", ["-", "x", "x", "x"]),
    ("submitted", "confirm_access_cancellation", ["-", "x", "-", "x"]),
    ("submitted", "request_deregistration", ["-", "x", "-", "x"]),
    ("submitted", "reinstate", ["-", "x", "-", "x"]),
    // returned
    ("returned", "submit", ["submitted", "-", "-", "-"]),
    ("returned", "approve", ["-", "x", "-", "x"]),
    ("returned", "reject", ["-", "x", "-", "x"]),
    ("returned", "miit_synced", ["-", "x", "x", "x"]),
    ("returned", "request_recheck", ["rechecking", "-", "-", "-"]),
    ("returned", "recheck_passed", ["-", "x", "x", "x"]),
    ("returned", "recheck_failed", ["-", "x", "x", "x"]),
    ("returned", "appeal", ["x", "-", "-", "-"]),
    ("returned", "decide_appeal", ["-", "x", "-", "x"]),
    ("returned", "request_extension", ["returned", "-", "-", "-"]),
    ("returned", "decide_extension", ["-", "returned", "-", "returned"]),
    ("returned", "deadline_passed", ["-", "-", "overdue", "-"]),
    ("returned", "escalate", ["-", "x", "x", "x"]),
    ("returned", "confirm_access_cancellation", ["-", "x", "-", "x"]),
    ("returned", "request_deregistration", ["-", "x", "-", "x"]),
    ("returned", "reinstate", ["-", "x", "-", "x"]),
    // miit_review
    ("miit_review", "submit", ["x", "-", "-", "-"]),
    ("miit_review", "approve", ["-", "x", "-", "x"]),
    ("miit_review", "reject", ["-", "x", "-", "x"]),
    ("miit_review", "miit_synced", ["-", "rechecking", "rechecking", "rechecking"]),
    ("miit_review", "request_recheck", ["x", "-", "-", "-"]),
    ("miit_review", "recheck_passed", ["-", "x", "x", "x"]),
    ("miit_review", "recheck_failed", ["-", "x", "x", "x"]),
    ("miit_review", "appeal", ["x", "-", "-", "-"]),
    ("miit_review", "decide_appeal", ["-", "x", "-", "x"]),
    ("miit_review", "request_extension", ["x", "-", "-", "-"]),
    ("miit_review", "decide_extension", ["-", "miit_review", "-", "miit_review"]),
    ("miit_review", "deadline_passed", ["-", "-", "x", "-"]),
    ("miit_review", "escalate", ["-", "x", "x", "x"]),
    ("miit_review", "confirm_access_cancellation", ["-", "x", "-", "x"]),
    ("miit_review", "request_deregistration", ["-", "x", "-", "x"]),
    ("miit_review", "reinstate", ["-", "x", "-", "x"]),
    // rechecking
    ("rechecking", "submit", ["x", "-", "-", "-"]),
    ("rechecking", "approve", ["-", "x", "-", "x"]),
    ("rechecking", "reject", ["-", "x", "-", "x"]),
    ("rechecking", "miit_synced", ["-", "x", "x", "x"]),
    ("rechecking", "request_recheck", ["x", "-", "-", "-"]),
    ("rechecking", "recheck_passed", ["-", "resolved", "resolved", "resolved"]),
    ("rechecking", "recheck_failed", ["-", "recheck_failed", "recheck_failed", "recheck_failed"]),
    ("rechecking", "appeal", ["x", "-", "-", "-"]),
    ("rechecking", "decide_appeal", ["-", "x", "-", "x"]),
    ("rechecking", "request_extension", ["x", "-", "-", "-"]),
    ("rechecking", "decide_extension", ["-", "rechecking", "-", "rechecking"]),
    ("rechecking", "deadline_passed", ["-", "-", "x", "-"]),
    ("rechecking", "escalate", ["-", "x", "x", "x"]),
    ("rechecking", "confirm_access_cancellation", ["-", "x", "-", "x"]),
    ("rechecking", "request_deregistration", ["-", "x", "-", "x"]),
    ("rechecking", "reinstate", ["-", "x", "-", "x"]),
    // recheck_failed
    ("recheck_failed", "submit", ["submitted", "-", "-", "-"]),
    ("recheck_failed", "approve", ["-", "x", "-", "x"]),
    ("recheck_failed", "reject", ["-", "x", "-", "x"]),
    ("recheck_failed", "miit_synced", ["-", "x", "x", "x"]),
    ("recheck_failed", "request_recheck", ["rechecking", "-", "-", "-"]),
    ("recheck_failed", "recheck_passed", ["-", "x", "x", "x"]),
    ("recheck_failed", "recheck_failed", ["-", "x", "x", "x"]),
    ("recheck_failed", "appeal", ["appealed", "-", "-", "-"]),
    ("recheck_failed", "decide_appeal", ["-", "x", "-", "x"]),
    ("recheck_failed", "request_extension", ["recheck_failed", "-", "-", "-"]),
    ("recheck_failed", "decide_extension", ["-", "recheck_failed", "-", "recheck_failed"]),
    ("recheck_failed", "deadline_passed", ["-", "-", "overdue", "-"]),
    ("recheck_failed", "escalate", ["-", "x", "x", "x"]),
    ("recheck_failed", "confirm_access_cancellation", ["-", "x", "-", "x"]),
    ("recheck_failed", "request_deregistration", ["-", "x", "-", "x"]),
    ("recheck_failed", "reinstate", ["-", "x", "-", "x"]),
    // appealed
    ("appealed", "submit", ["x", "-", "-", "-"]),
    ("appealed", "approve", ["-", "x", "-", "x"]),
    ("appealed", "reject", ["-", "x", "-", "x"]),
    ("appealed", "miit_synced", ["-", "x", "x", "x"]),
    ("appealed", "request_recheck", ["x", "-", "-", "-"]),
    ("appealed", "recheck_passed", ["-", "x", "x", "x"]),
    ("appealed", "recheck_failed", ["-", "x", "x", "x"]),
    ("appealed", "appeal", ["x", "-", "-", "-"]),
    ("appealed", "decide_appeal", ["-", "resolved", "-", "resolved"]),
    ("appealed", "request_extension", ["x", "-", "-", "-"]),
    ("appealed", "decide_extension", ["-", "appealed", "-", "appealed"]),
    ("appealed", "deadline_passed", ["-", "-", "x", "-"]),
    ("appealed", "escalate", ["-", "x", "x", "x"]),
    ("appealed", "confirm_access_cancellation", ["-", "x", "-", "x"]),
    ("appealed", "request_deregistration", ["-", "x", "-", "x"]),
    ("appealed", "reinstate", ["-", "x", "-", "x"]),
    // resolved
    ("resolved", "submit", ["x", "-", "-", "-"]),
    ("resolved", "approve", ["-", "x", "-", "x"]),
    ("resolved", "reject", ["-", "x", "-", "x"]),
    ("resolved", "miit_synced", ["-", "x", "x", "x"]),
    ("resolved", "request_recheck", ["x", "-", "-", "-"]),
    ("resolved", "recheck_passed", ["-", "x", "x", "x"]),
    ("resolved", "recheck_failed", ["-", "x", "x", "x"]),
    ("resolved", "appeal", ["x", "-", "-", "-"]),
    ("resolved", "decide_appeal", ["-", "x", "-", "x"]),
    ("resolved", "request_extension", ["x", "-", "-", "-"]),
    ("resolved", "decide_extension", ["-", "x", "-", "x"]),
    ("resolved", "deadline_passed", ["-", "-", "x", "-"]),
    ("resolved", "escalate", ["-", "x", "x", "x"]),
    ("resolved", "confirm_access_cancellation", ["-", "x", "-", "x"]),
    ("resolved", "request_deregistration", ["-", "x", "-", "x"]),
    ("resolved", "reinstate", ["-", "x", "-", "x"]),
    // overdue
    ("overdue", "submit", ["x", "-", "-", "-"]),
    ("overdue", "approve", ["-", "x", "-", "x"]),
    ("overdue", "reject", ["-", "x", "-", "x"]),
    ("overdue", "miit_synced", ["-", "x", "x", "x"]),
    ("overdue", "request_recheck", ["x", "-", "-", "-"]),
    ("overdue", "recheck_passed", ["-", "x", "x", "x"]),
    ("overdue", "recheck_failed", ["-", "x", "x", "x"]),
    ("overdue", "appeal", ["x", "-", "-", "-"]),
    ("overdue", "decide_appeal", ["-", "x", "-", "x"]),
    ("overdue", "request_extension", ["x", "-", "-", "-"]),
    ("overdue", "decide_extension", ["-", "x", "-", "x"]),
    ("overdue", "deadline_passed", ["-", "-", "x", "-"]),
    ("overdue", "escalate", ["-", "enforcement_pending", "enforcement_pending", "enforcement_pending"]),
    ("overdue", "confirm_access_cancellation", ["-", "x", "-", "x"]),
    ("overdue", "request_deregistration", ["-", "x", "-", "x"]),
    ("overdue", "reinstate", ["-", "rechecking", "-", "rechecking"]),
    // enforcement_pending
    ("enforcement_pending", "submit", ["x", "-", "-", "-"]),
    ("enforcement_pending", "approve", ["-", "x", "-", "x"]),
    ("enforcement_pending", "reject", ["-", "x", "-", "x"]),
    ("enforcement_pending", "miit_synced", ["-", "x", "x", "x"]),
    ("enforcement_pending", "request_recheck", ["x", "-", "-", "-"]),
    ("enforcement_pending", "recheck_passed", ["-", "x", "x", "x"]),
    ("enforcement_pending", "recheck_failed", ["-", "x", "x", "x"]),
    ("enforcement_pending", "appeal", ["x", "-", "-", "-"]),
    ("enforcement_pending", "decide_appeal", ["-", "x", "-", "x"]),
    ("enforcement_pending", "request_extension", ["x", "-", "-", "-"]),
    ("enforcement_pending", "decide_extension", ["-", "x", "-", "x"]),
    ("enforcement_pending", "deadline_passed", ["-", "-", "x", "-"]),
    ("enforcement_pending", "escalate", ["-", "x", "x", "x"]),
    ("enforcement_pending", "confirm_access_cancellation", ["-", "access_cancelled", "-", "access_cancelled"]),
    ("enforcement_pending", "request_deregistration", ["-", "deregistration_pending", "-", "deregistration_pending"]),
    ("enforcement_pending", "reinstate", ["-", "rechecking", "-", "rechecking"]),
    // access_cancelled
    ("access_cancelled", "submit", ["x", "-", "-", "-"]),
    ("access_cancelled", "approve", ["-", "x", "-", "x"]),
    ("access_cancelled", "reject", ["-", "x", "-", "x"]),
    ("access_cancelled", "miit_synced", ["-", "x", "x", "x"]),
    ("access_cancelled", "request_recheck", ["x", "-", "-", "-"]),
    ("access_cancelled", "recheck_passed", ["-", "x", "x", "x"]),
    ("access_cancelled", "recheck_failed", ["-", "x", "x", "x"]),
    ("access_cancelled", "appeal", ["x", "-", "-", "-"]),
    ("access_cancelled", "decide_appeal", ["-", "x", "-", "x"]),
    ("access_cancelled", "request_extension", ["x", "-", "-", "-"]),
    ("access_cancelled", "decide_extension", ["-", "x", "-", "x"]),
    ("access_cancelled", "deadline_passed", ["-", "-", "x", "-"]),
    ("access_cancelled", "escalate", ["-", "x", "x", "x"]),
    ("access_cancelled", "confirm_access_cancellation", ["-", "x", "-", "x"]),
    ("access_cancelled", "request_deregistration", ["-", "x", "-", "x"]),
    ("access_cancelled", "reinstate", ["-", "rechecking", "-", "rechecking"]),
    // deregistration_pending
    ("deregistration_pending", "submit", ["x", "-", "-", "-"]),
    ("deregistration_pending", "approve", ["-", "x", "-", "x"]),
    ("deregistration_pending", "reject", ["-", "x", "-", "x"]),
    ("deregistration_pending", "miit_synced", ["-", "deregistered", "deregistered", "deregistered"]),
    ("deregistration_pending", "request_recheck", ["x", "-", "-", "-"]),
    ("deregistration_pending", "recheck_passed", ["-", "x", "x", "x"]),
    ("deregistration_pending", "recheck_failed", ["-", "x", "x", "x"]),
    ("deregistration_pending", "appeal", ["x", "-", "-", "-"]),
    ("deregistration_pending", "decide_appeal", ["-", "x", "-", "x"]),
    ("deregistration_pending", "request_extension", ["x", "-", "-", "-"]),
    ("deregistration_pending", "decide_extension", ["-", "x", "-", "x"]),
    ("deregistration_pending", "deadline_passed", ["-", "-", "x", "-"]),
    ("deregistration_pending", "escalate", ["-", "x", "x", "x"]),
    ("deregistration_pending", "confirm_access_cancellation", ["-", "x", "-", "x"]),
    ("deregistration_pending", "request_deregistration", ["-", "x", "-", "x"]),
    ("deregistration_pending", "reinstate", ["-", "x", "-", "x"]),
    // deregistered
    ("deregistered", "submit", ["x", "-", "-", "-"]),
    ("deregistered", "approve", ["-", "x", "-", "x"]),
    ("deregistered", "reject", ["-", "x", "-", "x"]),
    ("deregistered", "miit_synced", ["-", "x", "x", "x"]),
    ("deregistered", "request_recheck", ["x", "-", "-", "-"]),
    ("deregistered", "recheck_passed", ["-", "x", "x", "x"]),
    ("deregistered", "recheck_failed", ["-", "x", "x", "x"]),
    ("deregistered", "appeal", ["x", "-", "-", "-"]),
    ("deregistered", "decide_appeal", ["-", "x", "-", "x"]),
    ("deregistered", "request_extension", ["x", "-", "-", "-"]),
    ("deregistered", "decide_extension", ["-", "x", "-", "x"]),
    ("deregistered", "deadline_passed", ["-", "-", "x", "-"]),
    ("deregistered", "escalate", ["-", "x", "x", "x"]),
    ("deregistered", "confirm_access_cancellation", ["-", "x", "-", "x"]),
    ("deregistered", "request_deregistration", ["-", "x", "-", "x"]),
    ("deregistered", "reinstate", ["-", "x", "-", "x"]),
];

const ACTORS: [Actor; 4] = [
    Actor::Customer,
    Actor::Operator,
    Actor::System,
    Actor::Admin,
];

fn outcome(r: &Result<Transition, Refusal>) -> String {
    match r {
        Ok(t) => t.to.code().to_owned(),
        Err(Refusal::WrongActor { .. }) => "-".into(),
        Err(Refusal::WrongState { .. }) => "x".into(),
        Err(other) => format!("refused: {other}"),
    }
}

#[test]
fn the_table_is_exhaustive() {
    assert_eq!(TABLE.len(), OrderState::ALL.len() * EVENT_KINDS.len());
    assert_eq!(TABLE.len() * ACTORS.len(), 13 * 16 * 4);
    let mut seen = std::collections::HashSet::new();
    for (state, kind, _) in TABLE {
        OrderState::parse(state).expect("a state code");
        assert!(EVENT_KINDS.contains(kind), "{kind}");
        assert!(seen.insert((*state, *kind)), "({state}, {kind}) twice");
    }
}

#[test]
fn every_state_event_and_actor() {
    let (policy, cal) = (WorkflowPolicy::default(), cal());
    let mut failures = Vec::new();
    for (state, kind, expected) in TABLE {
        let mut snapshot = order(OrderState::parse(state).expect("state"));
        if *kind == "decide_extension" {
            snapshot.extension = ExtensionState::Requested;
            snapshot.extension_days = 3;
        }
        let event = sample(kind);
        for (actor, want) in ACTORS.iter().zip(expected) {
            let got = apply(&snapshot, *actor, &event, &policy, &cal, now());
            if let Ok(t) = &got {
                assert_eq!(t.filing_status, t.to.filing_status(), "{state} {kind}");
                assert_eq!(t.audit_action, *kind);
            }
            let got = outcome(&got);
            if got != *want {
                failures.push(format!(
                    "{state} + {kind} by {}: want {want}, got {got}",
                    actor.code()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn run(snapshot: &OrderSnapshot, actor: Actor, event: Event) -> Result<Transition, Refusal> {
    apply(
        snapshot,
        actor,
        &event,
        &WorkflowPolicy::default(),
        &cal(),
        now(),
    )
}

#[test]
fn approve_without_miit_goes_to_recheck() {
    let t = run(
        &order(OrderState::Submitted),
        Actor::Operator,
        Event::Approve { needs_miit: false },
    )
    .expect("allowed");
    assert_eq!(t.to, OrderState::Rechecking);
}

#[test]
fn miit_outcomes_in_review_and_deregistration() {
    let at = now() - Duration::minutes(5);
    let table = [
        (
            OrderState::MiitReview,
            MiitOutcome::Accepted,
            OrderState::Rechecking,
        ),
        (
            OrderState::MiitReview,
            MiitOutcome::Rejected,
            OrderState::Returned,
        ),
        (
            OrderState::MiitReview,
            MiitOutcome::Pending,
            OrderState::MiitReview,
        ),
        (
            OrderState::DeregistrationPending,
            MiitOutcome::Accepted,
            OrderState::Deregistered,
        ),
        (
            OrderState::DeregistrationPending,
            MiitOutcome::Rejected,
            OrderState::EnforcementPending,
        ),
        (
            OrderState::DeregistrationPending,
            MiitOutcome::Pending,
            OrderState::DeregistrationPending,
        ),
    ];
    for (from, outcome, to) in table {
        for actor in [Actor::System, Actor::Operator] {
            let t = run(
                &order(from),
                actor,
                Event::MiitSynced {
                    outcome,
                    synced_at: at,
                },
            )
            .expect("allowed");
            assert_eq!(t.to, to, "{from:?} {outcome:?}");
            assert_eq!(t.miit_synced_at, Some(at), "the sync time is recorded");
        }
    }
    let future = Event::MiitSynced {
        outcome: MiitOutcome::Pending,
        synced_at: now() + Duration::minutes(1),
    };
    assert!(matches!(
        run(&order(OrderState::MiitReview), Actor::System, future),
        Err(Refusal::SyncInFuture { .. })
    ));
    // A new review round forgets the previous sync.
    let mut o = order(OrderState::Submitted);
    o.miit_synced_at = Some(at);
    let t = run(&o, Actor::Operator, Event::Approve { needs_miit: true }).expect("allowed");
    assert_eq!(t.miit_synced_at, None);
}

#[test]
fn appeal_dismissed_returns_to_the_customer_with_an_opinion() {
    let o = order(OrderState::Appealed);
    let no_opinion = Event::DecideAppeal {
        upheld: false,
        opinion: " ".into(),
    };
    assert_eq!(
        run(&o, Actor::Operator, no_opinion),
        Err(Refusal::MissingOpinion {
            event: "decide_appeal"
        })
    );
    let t = run(
        &o,
        Actor::Admin,
        Event::DecideAppeal {
            upheld: false,
            opinion: "复查结果无误".into(),
        },
    )
    .expect("allowed");
    assert_eq!(t.to, OrderState::Returned);
    // Returned is not recheck_failed: no second appeal without a new failed re-check.
    let again = Event::Appeal {
        reason: "再次申诉".into(),
    };
    assert!(matches!(
        run(&order(t.to), Actor::Customer, again),
        Err(Refusal::WrongState { .. })
    ));
}

#[test]
fn going_back_to_the_customer_leaves_working_days() {
    // The deadline passed yesterday; a rejection today gives three working days from now.
    let t = run(
        &order(OrderState::Submitted),
        Actor::Operator,
        sample("reject"),
    )
    .expect("allowed");
    assert_eq!(t.deadline.to_rfc3339(), "2026-03-23T23:59:59+08:00");
    let t = run(
        &order(OrderState::Rechecking),
        Actor::System,
        sample("recheck_failed"),
    )
    .expect("allowed");
    assert_eq!(t.deadline.to_rfc3339(), "2026-03-23T23:59:59+08:00");
    // A later deadline is kept.
    let mut o = order(OrderState::Submitted);
    o.deadline = at("2026-04-30T23:59:59+08:00");
    let t2 = run(&o, Actor::Operator, sample("reject")).expect("allowed");
    assert_eq!(t2.deadline, o.deadline);
}

#[test]
fn extension_rules() {
    let o = order(OrderState::Issued);
    let ask = |days: u32, reason: &str| Event::RequestExtension {
        working_days: days,
        reason: reason.into(),
    };
    assert_eq!(
        run(&o, Actor::Customer, ask(0, "出差")),
        Err(Refusal::ZeroDays)
    );
    assert_eq!(
        run(&o, Actor::Customer, ask(8, "出差")),
        Err(Refusal::TooManyDays {
            requested: 8,
            max: 7
        })
    );
    assert_eq!(
        run(&o, Actor::Customer, ask(7, "")),
        Err(Refusal::MissingReason {
            event: "request_extension"
        })
    );
    let t = run(&o, Actor::Customer, ask(7, "出差")).expect("allowed");
    assert_eq!(
        (t.to, t.extension, t.extension_days),
        (OrderState::Issued, ExtensionState::Requested, 7)
    );
    assert_eq!(t.deadline, o.deadline, "asking does not move the deadline");

    // Once per order, whatever became of the first request.
    for state in [
        ExtensionState::Requested,
        ExtensionState::Granted,
        ExtensionState::Denied,
    ] {
        let mut used = order(OrderState::Returned);
        used.extension = state;
        assert_eq!(
            run(&used, Actor::Customer, ask(1, "再延")),
            Err(Refusal::ExtensionAlreadyUsed { state })
        );
    }

    // The operator decides.
    let mut pending = order(OrderState::Submitted);
    pending.extension = ExtensionState::Requested;
    pending.extension_days = 7;
    let grant = |days: u32| Event::DecideExtension {
        granted: true,
        working_days: days,
        opinion: String::new(),
    };
    assert_eq!(
        run(&pending, Actor::Operator, grant(9)),
        Err(Refusal::TooManyDays {
            requested: 9,
            max: 7
        })
    );
    let t = run(&pending, Actor::Operator, grant(5)).expect("allowed");
    assert_eq!(t.extension, ExtensionState::Granted);
    assert_eq!(t.extension_days, 5);
    assert_eq!(t.to, OrderState::Submitted);
    // Tuesday 17 March + 5 working days = Tuesday 24 March.
    assert_eq!(t.deadline.to_rfc3339(), "2026-03-24T23:59:59+08:00");
    let deny = Event::DecideExtension {
        granted: false,
        working_days: 0,
        opinion: String::new(),
    };
    assert_eq!(
        run(&pending, Actor::Operator, deny),
        Err(Refusal::MissingOpinion {
            event: "decide_extension"
        })
    );
    let deny = Event::DecideExtension {
        granted: false,
        working_days: 0,
        opinion: "理由不充分".into(),
    };
    let t = run(&pending, Actor::Operator, deny).expect("allowed");
    assert_eq!(
        (t.extension, t.extension_days, t.deadline),
        (ExtensionState::Denied, 0, pending.deadline)
    );
    assert_eq!(
        run(&order(OrderState::Issued), Actor::Operator, grant(1)),
        Err(Refusal::NoExtensionRequested)
    );
}

#[test]
fn the_deadline_is_judged_only_when_due_and_undisputed() {
    let mut o = order(OrderState::Issued);
    o.deadline = now() + Duration::seconds(1);
    assert_eq!(
        run(&o, Actor::System, Event::DeadlinePassed),
        Err(Refusal::DeadlineNotReached {
            deadline: o.deadline
        })
    );
    o.deadline = now();
    assert!(
        run(&o, Actor::System, Event::DeadlinePassed).is_err(),
        "due means strictly after the deadline"
    );
    o.deadline = now() - Duration::seconds(1);
    let mut pending = o.clone();
    pending.extension = ExtensionState::Requested;
    assert_eq!(
        run(&pending, Actor::System, Event::DeadlinePassed),
        Err(Refusal::ExtensionPending)
    );
    let t = run(&o, Actor::System, Event::DeadlinePassed).expect("allowed");
    assert_eq!(
        (t.to, t.filing_status),
        (OrderState::Overdue, FilingStatus::Overdue)
    );
}

#[test]
fn keyword_only_orders_are_never_escalated_automatically() {
    let mut o = order(OrderState::Overdue);
    o.keyword_only = true;
    assert_eq!(
        run(&o, Actor::System, Event::Escalate),
        Err(Refusal::KeywordOnly)
    );
    for actor in [Actor::Operator, Actor::Admin] {
        let t = run(&o, actor, Event::Escalate).expect("a person may");
        assert_eq!(t.to, OrderState::EnforcementPending);
    }
}

#[test]
fn content_guards() {
    let o = order(OrderState::Issued);
    let change = |kind, fields: Vec<FieldChange>, attachments: Vec<Attachment>| {
        Event::Submit(ChangeRequest {
            kind,
            fields,
            attachments,
            note: String::new(),
        })
    };
    assert_eq!(
        run(
            &o,
            Actor::Customer,
            change(ChangeKind::ChangeWebsite, vec![], vec![])
        ),
        Err(Refusal::EmptyChange)
    );
    // A cancellation changes no field.
    assert!(
        run(
            &o,
            Actor::Customer,
            change(ChangeKind::CancelWebsite, vec![], vec![])
        )
        .is_ok()
    );
    let blank = FieldChange {
        path: " ".into(),
        old: None,
        new: Some("x".into()),
    };
    assert_eq!(
        run(
            &o,
            Actor::Customer,
            change(ChangeKind::ChangeFiling, vec![blank], vec![])
        ),
        Err(Refusal::BlankField { index: 0 })
    );
    let field = FieldChange {
        path: "websites[0].name".into(),
        old: None,
        new: Some("x".into()),
    };
    for bad in [sha('A'), sha('g'), "abc".into()] {
        let att = Attachment {
            name: "a.pdf".into(),
            sha256: bad,
            size: 1,
        };
        assert_eq!(
            run(
                &o,
                Actor::Customer,
                change(ChangeKind::ChangeFiling, vec![field.clone()], vec![att])
            ),
            Err(Refusal::BadAttachment {
                name: "a.pdf".into()
            })
        );
    }
    let no_evidence = Event::RequestRecheck {
        evidence: "\n".into(),
        attachments: vec![],
    };
    assert_eq!(
        run(&o, Actor::Customer, no_evidence),
        Err(Refusal::MissingReason {
            event: "request_recheck"
        })
    );

    let s = order(OrderState::Submitted);
    assert_eq!(
        run(&s, Actor::Operator, Event::Reject { opinions: vec![] }),
        Err(Refusal::MissingOpinion { event: "reject" })
    );
    let half = FieldOpinion {
        path: "entity.name".into(),
        opinion: String::new(),
    };
    let ok = FieldOpinion {
        path: "entity.name".into(),
        opinion: "与执照不符".into(),
    };
    assert_eq!(
        run(
            &s,
            Actor::Operator,
            Event::Reject {
                opinions: vec![ok, half]
            }
        ),
        Err(Refusal::BlankOpinion { index: 1 })
    );

    let r = order(OrderState::Rechecking);
    assert_eq!(
        run(
            &r,
            Actor::System,
            Event::RecheckFailed {
                findings: vec![" ".into()]
            }
        ),
        Err(Refusal::MissingFindings)
    );
    let f = order(OrderState::RecheckFailed);
    assert_eq!(
        run(
            &f,
            Actor::Customer,
            Event::Appeal {
                reason: String::new()
            }
        ),
        Err(Refusal::MissingReason { event: "appeal" })
    );
}

#[test]
fn refusals_read_in_chinese() {
    let table = [
        (
            run(
                &order(OrderState::Issued),
                Actor::Customer,
                Event::Approve { needs_miit: false },
            ),
            "客户无权审核通过",
        ),
        (
            run(
                &order(OrderState::Resolved),
                Actor::Customer,
                sample("submit"),
            ),
            "整改单当前状态为「已整改」，不能提交审核",
        ),
        (
            run(
                &order(OrderState::Issued),
                Actor::Customer,
                Event::RequestExtension {
                    working_days: 10,
                    reason: "x".into(),
                },
            ),
            "延期10个工作日超过上限（7个工作日）",
        ),
    ];
    for (got, want) in table {
        assert_eq!(got.expect_err("refused").to_string(), want);
    }
}

/// Any event by anyone, with random data where it matters.
fn any_step() -> impl Strategy<Value = (Actor, Event)> {
    let actor = prop::sample::select(ACTORS.to_vec());
    let kind = prop::sample::select(EVENT_KINDS.to_vec());
    (actor, kind, any::<bool>(), 0u32..10, 0i64..3).prop_map(|(actor, kind, flag, days, step)| {
        let event = match kind {
            "approve" => Event::Approve { needs_miit: flag },
            "miit_synced" => Event::MiitSynced {
                outcome: [
                    MiitOutcome::Accepted,
                    MiitOutcome::Rejected,
                    MiitOutcome::Pending,
                ][step as usize],
                synced_at: now() - Duration::hours(1),
            },
            "decide_appeal" => Event::DecideAppeal {
                upheld: flag,
                opinion: "意见".into(),
            },
            "request_extension" => Event::RequestExtension {
                working_days: days,
                reason: "原因".into(),
            },
            "decide_extension" => Event::DecideExtension {
                granted: flag,
                working_days: days,
                opinion: "意见".into(),
            },
            other => sample(other),
        };
        (actor, event)
    })
}

proptest! {
    #[test]
    fn invariants_hold_along_any_path(steps in prop::collection::vec(any_step(), 1..40), keyword_only: bool) {
        let (policy, cal) = (WorkflowPolicy::default(), cal());
        let mut o = order(OrderState::Issued);
        o.keyword_only = keyword_only;
        let mut grants = 0;
        let mut requests = 0;
        for (actor, event) in steps {
            let before = o.clone();
            match apply(&o, actor, &event, &policy, &cal, now()) {
                Ok(t) => {
                    prop_assert!(!before.state.is_terminal(), "a final state moved");
                    prop_assert!(t.deadline >= before.deadline, "the deadline moved back");
                    prop_assert_eq!(t.filing_status, t.to.filing_status());
                    prop_assert!(t.extension_days <= policy.max_extension_days);
                    if t.extension == ExtensionState::Granted && before.extension != ExtensionState::Granted { grants += 1; }
                    if t.extension == ExtensionState::Requested && before.extension != ExtensionState::Requested { requests += 1; }
                    if t.to != before.state && matches!(t.to, OrderState::EnforcementPending) && before.state == OrderState::Overdue {
                        prop_assert!(!(keyword_only && actor == Actor::System));
                    }
                    if actor == Actor::Customer {
                        prop_assert!(before.state.customer_must_act());
                    }
                    o = OrderSnapshot {
                        state: t.to,
                        deadline: t.deadline,
                        extension: t.extension,
                        extension_days: t.extension_days,
                        keyword_only,
                        miit_synced_at: t.miit_synced_at,
                    };
                }
                Err(_) => prop_assert_eq!(&o, &before),
            }
        }
        prop_assert!(grants <= 1 && requests <= 1, "one extension per order");
    }
}
