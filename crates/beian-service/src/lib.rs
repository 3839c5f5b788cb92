//! 业务编排 — the application layer between the store, the pure workflow and the engine.
//!
//! The domain crate decides what a transition is; the store makes it durable; this crate
//! is where the two meet, so that the CLI, the worker and the server all change orders the
//! same way: load a snapshot, ask the pure state machine, write the result with a
//! conditional update and its audit row in one transaction.

pub mod attachments;
pub mod change;
pub mod notify;
pub mod orders;
pub mod schedule;
pub mod scheduler;
pub mod worker;

pub use orders::{Orders, RecheckEffect, ServiceError, Who};
pub use worker::{
    PlannedRun, RETRY_RUN, RunOf, Spread, Verifier, VerifyJob, Worker, WorkerOptions, plan_run,
    queue_run, requeue_run, run_is_stalled, start_run,
};
