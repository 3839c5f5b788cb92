//! 整改流程 — the rectification workflow: orders built from failed findings, the state
//! machine that moves them, the working-day calendar their deadlines are counted in, and
//! the hash chain that makes their audit log tamper-evident.
//!
//! All of it is pure: time comes in as `now`, the calendar as data, and the results are
//! values the store writes. The store keeps states as their text codes
//! ([`OrderState::code`]) and applies each [`Transition`] as a conditional update on the
//! old state plus one audit row, in one transaction.
//!
//! Reading order: [`state`] (the states and who acts), [`event`] (what can happen),
//! [`machine`] (the rules), [`calendar`] (working days), [`order`] (from findings to an
//! order), [`audit`] (the hash chain).
//!
//! # The state machine
//!
//! `C` customer, `O` operator or admin, `S` system (scheduler, workers, the 管局 adapter).
//! The three customer states are where the customer acts and where the deadline runs.
//!
//! ```text
//!  customer states (the deadline runs only here)
//!  +--------+  +----------+  +----------------+
//!  | issued |  | returned |  | recheck_failed |
//!  +--------+  +----------+  +----------------+
//!      |  Submit (C)     |  RequestRecheck (C)  |  DeadlinePassed (S)
//!      v                 |                      v
//!  +-----------+         |                 +---------+
//!  | submitted |         |                 | overdue |
//!  +-----------+         |                 +---------+
//!   |        |           |                      |  Escalate (S, O;
//!   |        | Approve   |                      |  S refused if keyword_only)
//!   |        | (O)       |                      v
//!   | Approve,           |           +---------------------+
//!   | needs_miit (O)     |           | enforcement_pending |
//!   |        v           v           +---------------------+
//!   |      +------------------+         |                 |
//!   |      |    rechecking    |    ConfirmAccess-    RequestDeregis-
//!   |      +------------------+    Cancellation (O)  tration (O)
//!   |        ^      |      |            v                 v
//!   |        |      |      |   +------------------+ +------------------------+
//!   v        |      |      |   | access_cancelled | | deregistration_pending |
//!  +-------------+  |      |   +------------------+ +------------------------+
//!  | miit_review |  |      |
//!  +-------------+  |      | RecheckFailed (S, O)
//!   MiitSynced      |      v
//!   accepted (S, O) |   recheck_failed --Appeal (C)--> +----------+
//!                   |                                  | appealed |
//!   RecheckPassed   v                                  +----------+
//!   (S, O)   +----------+  <--DecideAppeal upheld (O)--------+
//!            | resolved |
//!            +----------+ (final)
//!
//!  Back to the customer:  submitted    --Reject, an opinion per field (O)--> returned
//!                         miit_review  --MiitSynced rejected (S, O)--------> returned
//!                         appealed     --DecideAppeal dismissed (O)--------> returned
//!  Waiting:               miit_review, deregistration_pending
//!                                      --MiitSynced pending----------------> stays, synced_at
//!  The 管局 decides:       deregistration_pending --MiitSynced accepted-----> deregistered (final)
//!                                                 --MiitSynced rejected-----> enforcement_pending
//!  Way back:              overdue | enforcement_pending | access_cancelled
//!                                      --Reinstate (O)---------------------> rechecking
//!  No state change:       RequestExtension (C; customer states; once per order;
//!                         1..=max working days), DecideExtension (O; while the order is
//!                         open; a grant moves the deadline)
//! ```
//!
//! Choices the diagram does not show:
//! - A dismissed appeal goes to `returned`, not back to `recheck_failed`, so the customer
//!   cannot appeal the same result twice.
//! - Going back to the customer (`returned`, `recheck_failed`) leaves them at least
//!   [`WorkflowPolicy::working_days_after_return`] working days.
//! - The deadline is not judged while an extension waits for a decision, and only in the
//!   customer states: while the provider or the 管局 decides, the clock is theirs.
//! - A customer's own 注销网站 or 注销主体 is a change like another: approved, sent to the
//!   管局, re-checked and resolved; the store then marks the rows from the applied change.

pub mod audit;
pub mod calendar;
pub mod event;
pub mod machine;
#[cfg(test)]
mod machine_tests;
pub mod order;
pub mod state;

pub use calendar::{CalendarError, WorkingCalendar};
pub use event::{
    Attachment, ChangeKind, ChangeRequest, EVENT_KINDS, Event, FieldChange, FieldOpinion,
    MiitOutcome,
};
pub use machine::{OrderSnapshot, Refusal, Transition, WorkflowPolicy, allowed_actors, apply};
pub use state::{Actor, ExtensionState, FilingStatus, OrderState, UnknownCode, filing_status};
