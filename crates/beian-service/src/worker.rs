//! 核查任务 — verification runs as jobs in the store's queue, and the worker that does them.
//!
//! A run is a row plus one job per filing. Any number of `beian worker` processes, on any
//! number of machines, claim jobs from the same PostgreSQL (SQLite: one process). A job
//! verifies one filing, records its findings in the run and lets the order service decide
//! what the result means for the filing's order. Every step is idempotent — findings of
//! the same run and filing replace each other, issuing finds the open order, a re-check
//! decision is a conditional transition — so a job whose worker died is simply done again
//! by whoever claims it after its lease expires.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use beian_domain::workflow::OrderState;
use beian_domain::{Filing, Finding, Status};
use beian_store::{Actor, Enqueued, NewJob, Scope, Store};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;

use crate::orders::{Orders, RecheckEffect, ServiceError, Who};
use crate::schedule::slot_offset;

/// The queue verification jobs go to.
pub const VERIFY_QUEUE: &str = "verify";

/// One verification job: a filing, in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyJob {
    /// The run the findings belong to.
    pub run_id: i64,
    /// The filing to verify.
    pub filing_id: i64,
    /// For a re-check: how many re-checks of the same order in a row were left undecided
    /// before this one (their source did not answer). Sets how long the next one waits.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub undecided: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The longest a re-check left undecided waits before it is tried again.
pub const RECHECK_DELAY_CAP: Duration = Duration::hours(6);

/// How long to wait before re-checking an order whose last `undecided` re-checks in a row
/// could not decide: `base` doubled each time, at most [`RECHECK_DELAY_CAP`] (or `base`,
/// if that is longer). A site or registry that is down is asked again soon, then less and
/// less often, instead of once per scheduler tick for as long as it stays down.
pub fn recheck_delay(base: Duration, undecided: u32) -> Duration {
    if base <= Duration::zero() {
        return Duration::zero();
    }
    let cap = RECHECK_DELAY_CAP.max(base);
    let mut delay = base;
    for _ in 1..undecided.min(32) {
        delay = (delay * 2).min(cap);
    }
    delay.min(cap)
}

/// 核查器 — whatever turns a filing into findings: the live engine in production, any
/// deterministic judge in tests.
pub trait Verifier: Send + Sync + 'static {
    /// Every finding for the filing, judged as of `today`.
    fn verify(
        &self,
        filing: &Filing,
        today: NaiveDate,
    ) -> impl Future<Output = Vec<Finding>> + Send;
}

impl Verifier for beian_engine::Engine {
    async fn verify(&self, filing: &Filing, today: NaiveDate) -> Vec<Finding> {
        self.check(filing, today).await.findings
    }
}

/// How a run spreads its jobs in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spread {
    /// Every job is ready at once (a sweep started by hand).
    Now,
    /// Each filing gets its stable slot in the window (periodic re-verification).
    Over(Duration),
}

/// The kind of a run that checks again the filings an earlier run left undecided.
pub const RETRY_RUN: &str = "retry";

/// Which filings a run checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOf {
    /// Every filing, or those of one status (`normal`, `rectification`, …).
    Filings {
        /// The status, if only one.
        status: Option<String>,
    },
    /// The filings an earlier run left with an inconclusive finding (a site that timed
    /// out, a registry that did not answer): checked again once the cause is gone.
    InconclusiveIn(i64),
}

impl RunOf {
    /// Every filing.
    pub fn all() -> RunOf {
        RunOf::Filings { status: None }
    }
}

/// A run created and counted, its jobs not queued yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRun {
    /// The run's id.
    pub id: i64,
    /// How many filings it will check.
    pub total: i64,
    /// Which.
    pub of: RunOf,
    /// When their jobs become ready.
    pub spread: Spread,
    /// When it started: the base of the slots of a spread run.
    pub started_at: DateTime<Utc>,
}

impl PlannedRun {
    /// The parameters a run is stored with, which [`PlannedRun::of_stored`] reads back.
    fn params(of: &RunOf, spread: Spread) -> serde_json::Value {
        let spread_seconds = match spread {
            Spread::Now => 0,
            Spread::Over(window) => window.num_seconds(),
        };
        match of {
            RunOf::Filings { status } => {
                serde_json::json!({ "status": status, "spread_seconds": spread_seconds })
            }
            RunOf::InconclusiveIn(earlier) => {
                serde_json::json!({ "inconclusive_in": earlier, "spread_seconds": spread_seconds })
            }
        }
    }

    /// A stored run as planned: its selection and spread, read back from its parameters
    /// (a run of the daily re-checks has none).
    pub fn of_stored(run: &beian_store::Run) -> Option<PlannedRun> {
        let params = &run.params;
        let of = if let Some(earlier) = params["inconclusive_in"].as_i64() {
            RunOf::InconclusiveIn(earlier)
        } else if params.get("status").is_some() {
            RunOf::Filings {
                status: params["status"].as_str().map(str::to_owned),
            }
        } else {
            return None;
        };
        let spread = match params["spread_seconds"].as_i64() {
            Some(seconds) if seconds > 0 => Spread::Over(Duration::seconds(seconds)),
            _ => Spread::Now,
        };
        Some(PlannedRun {
            id: run.id,
            total: run.total,
            of,
            spread,
            started_at: run.started_at,
        })
    }
}

/// Starts a run over the filings `of` names and queues a job per filing: [`plan_run`]
/// then [`queue_run`]. Returns the run's id and how many jobs were queued.
pub async fn start_run(
    store: &Store,
    actor: &Actor,
    kind: &str,
    of: RunOf,
    spread: Spread,
    now: DateTime<Utc>,
) -> Result<(i64, u64), ServiceError> {
    let planned = plan_run(store, actor, kind, of, spread, now).await?;
    let queued = queue_run(store, &planned, now).await?;
    Ok((planned.id, queued))
}

/// Counts the filings `of` names and creates the run, with an audit row naming who
/// started it. Quick at any size, so that a caller can answer with the run's id and leave
/// the queueing ([`queue_run`], tens of seconds at a million filings) to a task.
pub async fn plan_run(
    store: &Store,
    actor: &Actor,
    kind: &str,
    of: RunOf,
    spread: Spread,
    now: DateTime<Utc>,
) -> Result<PlannedRun, ServiceError> {
    // First count, so that the run's progress has its denominator from the start.
    let total: i64 = match &of {
        RunOf::Filings { status } => store
            .filing_counts(Scope::All)
            .await?
            .iter()
            .filter(|c| status.as_ref().is_none_or(|s| c.key == *s))
            .map(|c| c.count)
            .sum(),
        RunOf::InconclusiveIn(earlier) => store.inconclusive_filing_count(*earlier).await?,
    };
    let params = PlannedRun::params(&of, spread);
    let id = store.create_run(kind, &params, total, actor, now).await?;
    Ok(PlannedRun {
        id,
        total,
        of,
        spread,
        started_at: now,
    })
}

/// Queues a job per filing of a planned run that the run has not recorded yet, a page at a
/// time (a job still pending is not queued twice); a run of nothing is finished at once.
/// Safe to call again on a run whose queueing was cut short: it adds only what is missing.
/// Returns how many jobs were queued.
pub async fn queue_run(
    store: &Store,
    run: &PlannedRun,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    let mut after_id = None;
    let mut queued = 0u64;
    let unrecorded = Some(run.id);
    loop {
        let keys = match &run.of {
            RunOf::Filings { status } => {
                store
                    .filing_keys(status.as_deref(), unrecorded, after_id, QUEUE_PAGE)
                    .await?
            }
            RunOf::InconclusiveIn(earlier) => {
                store
                    .inconclusive_filing_keys(*earlier, unrecorded, after_id, QUEUE_PAGE)
                    .await?
            }
        };
        let jobs: Vec<NewJob> = keys
            .iter()
            .map(|(filing_id, number)| {
                let run_at = match run.spread {
                    Spread::Now => now,
                    Spread::Over(window) => (run.started_at + slot_offset(number, window)).max(now),
                };
                verification_job(run.id, *filing_id, run_at)
            })
            .collect();
        queued += store.enqueue_many(&jobs, now).await?;
        match keys.last() {
            Some((last, _)) if keys.len() as i64 == QUEUE_PAGE => after_id = Some(*last),
            _ => break,
        }
    }
    if run.total == 0 {
        store.finish_run(run.id, "finished", now).await?;
    }
    Ok(queued)
}

/// Whether a run is stalled: still running, short of its total, and with no job of it
/// waiting or being done. Its queueing was cut short, or jobs of it went to the dead
/// letters; [`requeue_run`] queues what it misses.
pub async fn run_is_stalled(store: &Store, run: &beian_store::Run) -> Result<bool, ServiceError> {
    if run.status != "running" || run.kind == crate::orders::RECHECK_RUN || run.done >= run.total {
        return Ok(false);
    }
    let prefix = format!("verify:{}:", run.id);
    Ok(!store.has_pending_with_prefix(VERIFY_QUEUE, &prefix).await?)
}

/// Queues again what a run is missing: after its queueing was cut short (the process was
/// killed while queueing a million filings), the jobs of the filings it has neither
/// recorded nor pending. Returns how many were queued.
pub async fn requeue_run(
    store: &Store,
    run_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    let run = store
        .run(run_id)
        .await?
        .ok_or(ServiceError::RunNotFound(run_id))?;
    let planned = PlannedRun::of_stored(&run).ok_or(ServiceError::RunNotRequeueable(run_id))?;
    if run.status != "running" {
        return Ok(0);
    }
    queue_run(store, &planned, now).await
}

/// Queues the verification of one filing in a run (idempotent per run and filing).
pub async fn enqueue_verification(
    store: &Store,
    run_id: i64,
    filing_id: i64,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Enqueued, ServiceError> {
    let job = verification_job(run_id, filing_id, run_at);
    Ok(store.enqueue(&job, now).await?)
}

/// Filings read and queued per round when a run starts.
const QUEUE_PAGE: i64 = 5_000;

/// The job that verifies one filing in a run; its dedupe key makes queueing it twice a no-op.
fn verification_job(run_id: i64, filing_id: i64, run_at: DateTime<Utc>) -> NewJob {
    NewJob {
        queue: VERIFY_QUEUE.to_owned(),
        payload: serde_json::to_value(VerifyJob {
            run_id,
            filing_id,
            undecided: 0,
        })
        .unwrap_or(serde_json::Value::Null),
        run_at,
        dedupe_key: Some(format!("verify:{run_id}:{filing_id}")), // see `run_is_stalled`
        max_attempts: 5,
    }
}

/// Queues the re-check of a filing whose order is in 复查中, in run `run_id`, ready at
/// `run_at`. Its dedupe key names the filing alone, not the run: the scheduler's re-check
/// (run of today) and a re-check deferred from yesterday are the same job, so a deferred
/// one is never doubled, whatever day it comes due.
pub async fn enqueue_recheck(
    store: &Store,
    job: VerifyJob,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Enqueued, ServiceError> {
    let job = NewJob {
        queue: VERIFY_QUEUE.to_owned(),
        payload: serde_json::to_value(job).unwrap_or(serde_json::Value::Null),
        run_at,
        dedupe_key: Some(recheck_key(job.filing_id)),
        max_attempts: 5,
    };
    Ok(store.enqueue(&job, now).await?)
}

/// The dedupe key of a filing's re-check.
fn recheck_key(filing_id: i64) -> String {
    format!("recheck:{filing_id}")
}

/// 待复查 — a re-check waiting because the ones before it could not decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DeferredRecheck {
    /// Undecided re-checks in a row so far.
    pub undecided: u32,
    /// When the next one is due.
    pub due: DateTime<Utc>,
}

/// Re-checks waiting after undecided ones, with their filings, the longest undecided
/// first: at most `limit`, out of the first 1,000 (`DEFERRED_SCAN`) pending re-checks by due
/// time. What the operators' overview lists, so that an order no source answers for does
/// not wait unseen (an operator can decide it by hand).
pub async fn deferred_rechecks(
    store: &Store,
    limit: usize,
) -> Result<Vec<(i64, DeferredRecheck)>, ServiceError> {
    let jobs = store
        .pending_jobs_with_prefix(VERIFY_QUEUE, "recheck:", DEFERRED_SCAN)
        .await?;
    let mut deferred: Vec<(i64, DeferredRecheck)> = jobs
        .into_iter()
        .filter_map(|job| {
            let payload: VerifyJob = serde_json::from_value(job.payload).ok()?;
            (payload.undecided > 0).then_some((
                payload.filing_id,
                DeferredRecheck {
                    undecided: payload.undecided,
                    due: job.run_at,
                },
            ))
        })
        .collect();
    deferred.sort_by(|a, b| {
        b.1.undecided
            .cmp(&a.1.undecided)
            .then(a.1.due.cmp(&b.1.due))
    });
    deferred.truncate(limit);
    Ok(deferred)
}

/// Pending re-checks [`deferred_rechecks`] looks at.
const DEFERRED_SCAN: i64 = 1_000;

/// The filing's re-check waiting after undecided ones, if there is one: what the order's
/// page tells a customer whose order stays in 复查中.
pub async fn deferred_recheck(
    store: &Store,
    filing_id: i64,
) -> Result<Option<DeferredRecheck>, ServiceError> {
    let Some(job) = store
        .pending_job(VERIFY_QUEUE, &recheck_key(filing_id))
        .await?
    else {
        return Ok(None);
    };
    let payload: VerifyJob = serde_json::from_value(job.payload)
        .map_err(|e| ServiceError::Corrupt(format!("verify job payload: {e}")))?;
    Ok((payload.undecided > 0).then_some(DeferredRecheck {
        undecided: payload.undecided,
        due: job.run_at,
    }))
}

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Its name in leases and the audit log (`worker:HOST:PID`).
    pub id: String,
    /// Jobs in flight at once (verification is I/O-bound).
    pub concurrency: usize,
    /// How long a claimed job is held before others may take it.
    pub lease: Duration,
    /// How long to wait when the queue is empty.
    pub poll: StdDuration,
    /// Stop once the queue is empty instead of waiting for more.
    pub drain: bool,
    /// The date findings are judged on; `None` for today in Beijing.
    pub today: Option<NaiveDate>,
    /// How long a re-check left undecided waits before the next try, doubled for each
    /// further one in a row (see [`recheck_delay`]).
    pub recheck_backoff: Duration,
}

/// The default of [`WorkerOptions::recheck_backoff`].
pub const DEFAULT_RECHECK_BACKOFF: Duration = Duration::minutes(5);

/// What a worker did before it stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WorkerStats {
    /// Jobs done.
    pub done: u64,
    /// Attempts that failed (retried or dead).
    pub failed: u64,
    /// Orders issued.
    pub issued: u64,
    /// Re-checks that passed.
    pub passed: u64,
    /// Re-checks that still fail.
    pub still_failing: u64,
    /// Re-checks left undecided (an item's source did not answer); each is queued again,
    /// later and later (see [`recheck_delay`]).
    pub undecided: u64,
}

/// 核查工作进程 — claims verification jobs and does them until stopped (or, with
/// `drain`, until the queue is empty).
pub struct Worker<V> {
    orders: Orders,
    verifier: Arc<V>,
    options: WorkerOptions,
}

impl<V: Verifier> Worker<V> {
    /// A worker over the order service, verifying with `verifier`.
    pub fn new(orders: Orders, verifier: V, options: WorkerOptions) -> Worker<V> {
        Worker {
            orders,
            verifier: Arc::new(verifier),
            options,
        }
    }

    /// Runs until the queue is empty (with `drain`) or `stop` resolves.
    pub async fn run(&self, stop: impl Future<Output = ()>) -> Result<WorkerStats, ServiceError> {
        let mut stats = WorkerStats::default();
        let mut tasks: JoinSet<Result<JobResult, ServiceError>> = JoinSet::new();
        let concurrency = self.options.concurrency.max(1);
        tokio::pin!(stop);
        loop {
            // Fill the free slots.
            let mut claimed_any = false;
            while tasks.len() < concurrency {
                let now = Utc::now();
                let store = self.orders.store();
                let Some(job) = store
                    .claim(VERIFY_QUEUE, &self.options.id, self.options.lease, now)
                    .await?
                else {
                    break;
                };
                claimed_any = true;
                let orders = self.orders.clone();
                let verifier = Arc::clone(&self.verifier);
                let options = self.options.clone();
                tasks.spawn(async move {
                    let outcome = handle(&orders, verifier.as_ref(), &options, &job.payload).await;
                    let now = Utc::now();
                    match outcome {
                        Ok((done, effect)) => {
                            orders.store().complete(job.id, &options.id, now).await?;
                            if let RecheckEffect::Undecided(order_id) = effect {
                                defer_recheck(&orders, &options, done, order_id, now).await?;
                            }
                            Ok(JobResult::Done(effect))
                        }
                        Err(error) => {
                            tracing::warn!(job = job.id, %error, "verification job failed");
                            orders
                                .store()
                                .fail(job.id, &options.id, &error.to_string(), now)
                                .await?;
                            Ok(JobResult::Failed)
                        }
                    }
                });
            }
            if tasks.is_empty() && !claimed_any {
                if self.options.drain {
                    return Ok(stats);
                }
                tokio::select! {
                    _ = &mut stop => return Ok(stats),
                    _ = tokio::time::sleep(self.options.poll) => continue,
                }
            }
            tokio::select! {
                _ = &mut stop => {
                    // Finish what is in flight so no lease is left to expire needlessly.
                    while let Some(joined) = tasks.join_next().await {
                        count(&mut stats, joined)?;
                    }
                    return Ok(stats);
                }
                Some(joined) = tasks.join_next() => count(&mut stats, joined)?,
            }
        }
    }
}

enum JobResult {
    Done(RecheckEffect),
    Failed,
}

fn count(
    stats: &mut WorkerStats,
    joined: Result<Result<JobResult, ServiceError>, tokio::task::JoinError>,
) -> Result<(), ServiceError> {
    match joined {
        Ok(Ok(JobResult::Done(effect))) => {
            stats.done += 1;
            match effect {
                RecheckEffect::Issued(_) => stats.issued += 1,
                RecheckEffect::Passed(_) => stats.passed += 1,
                RecheckEffect::StillFailing(_) => stats.still_failing += 1,
                RecheckEffect::Undecided(_) => stats.undecided += 1,
                RecheckEffect::Clean | RecheckEffect::Unchanged(_) => {}
            }
            Ok(())
        }
        Ok(Ok(JobResult::Failed)) => {
            stats.failed += 1;
            Ok(())
        }
        Ok(Err(error)) => Err(error),
        Err(join) => Err(ServiceError::Corrupt(format!("job task failed: {join}"))),
    }
}

/// A re-check came out undecided: queue the next one after [`recheck_delay`], counting this
/// one. Queued after the job is complete, so that it does not meet its own dedupe key; a
/// scheduler that queued the order's re-check in between wins, and this one is dropped.
async fn defer_recheck(
    orders: &Orders,
    options: &WorkerOptions,
    done: VerifyJob,
    order_id: i64,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let who = Who::system(&options.id);
    let run_id = orders.recheck_run(order_id, &who.actor, now).await?;
    let delay = recheck_delay(options.recheck_backoff, done.undecided.saturating_add(1));
    let next = VerifyJob {
        run_id,
        filing_id: done.filing_id,
        undecided: done.undecided.saturating_add(1),
    };
    enqueue_recheck(orders.store(), next, now + delay, now).await?;
    tracing::info!(
        order = order_id,
        filing = done.filing_id,
        undecided = next.undecided,
        next_at = %(now + delay),
        "re-check undecided; asking again later"
    );
    Ok(())
}

/// Does one verification job: the job and what its findings meant for the filing's order.
async fn handle<V: Verifier>(
    orders: &Orders,
    verifier: &V,
    options: &WorkerOptions,
    payload: &serde_json::Value,
) -> Result<(VerifyJob, RecheckEffect), ServiceError> {
    let job: VerifyJob = serde_json::from_value(payload.clone())
        .map_err(|e| ServiceError::Corrupt(format!("verify job payload: {e}")))?;
    let store = orders.store();
    // A re-check deferred after undecided ones is for an order in 复查中; if a person has
    // decided it meanwhile, there is nothing left for it to decide (and a check of the
    // filing now would be a sweep nobody started).
    if job.undecided > 0 {
        let open = store
            .open_order_for_filing(Scope::All, job.filing_id)
            .await?;
        match open {
            Some(order) if order.state == OrderState::Rechecking.code() => {}
            Some(order) => return Ok((job, RecheckEffect::Unchanged(order.id))),
            None => return Ok((job, RecheckEffect::Clean)),
        }
    }
    let filing = store
        .filing_body(Scope::All, job.filing_id)
        .await?
        .ok_or(ServiceError::FilingNotFound(job.filing_id))?;
    let today = options.today.unwrap_or_else(today_in_china);
    let findings = verifier.verify(&filing, today).await;
    let now = Utc::now();
    store
        .record_findings(job.run_id, job.filing_id, &findings, now)
        .await?;
    let who = Who::system(&options.id);
    let effect = orders
        .after_verification(job.filing_id, Some(job.run_id), &findings, &who, now)
        .await?;
    if let Some(run) = store.run(job.run_id).await?
        && run.status == "running"
        && run.kind != crate::orders::RECHECK_RUN
        && run.done >= run.total
    {
        store.finish_run(run.id, "finished", now).await?;
    }
    tracing::debug!(
        filing = job.filing_id,
        failing = findings.iter().filter(|f| f.status == Status::Fail).count(),
        "verified"
    );
    Ok((job, effect))
}

/// Today's date in Beijing.
pub fn today_in_china() -> NaiveDate {
    Utc::now()
        .with_timezone(&beian_domain::workflow::calendar::shanghai())
        .date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_undecided_recheck_waits_twice_as_long_each_time_up_to_six_hours() {
        let base = Duration::minutes(5);
        let ladder: Vec<i64> = (1..=9)
            .map(|n| recheck_delay(base, n).num_minutes())
            .collect();
        assert_eq!(ladder, [5, 10, 20, 40, 80, 160, 320, 360, 360]);
        assert_eq!(recheck_delay(base, u32::MAX), RECHECK_DELAY_CAP);
        assert_eq!(recheck_delay(Duration::zero(), 7), Duration::zero());
        // A base above the cap is kept as it is.
        let day = Duration::days(1);
        assert_eq!(recheck_delay(day, 3), day);
    }

    #[test]
    fn a_job_queued_before_the_count_existed_reads_as_never_undecided() {
        let old: VerifyJob =
            serde_json::from_str(r#"{"run_id":3,"filing_id":9}"#).expect("old payload");
        assert_eq!(old.undecided, 0);
        let first = serde_json::to_string(&old).expect("json");
        assert_eq!(
            first, r#"{"run_id":3,"filing_id":9}"#,
            "nothing new in the payload"
        );
    }

    #[test]
    fn a_run_reads_back_the_selection_and_spread_it_was_stored_with() {
        let started_at = Utc::now();
        for (of, spread) in [
            (RunOf::all(), Spread::Now),
            (
                RunOf::Filings {
                    status: Some("rectification".to_owned()),
                },
                Spread::Over(Duration::days(30)),
            ),
            (RunOf::InconclusiveIn(7), Spread::Now),
        ] {
            let run = beian_store::Run {
                id: 1,
                kind: "sweep".to_owned(),
                params: PlannedRun::params(&of, spread),
                status: "running".to_owned(),
                started_at,
                finished_at: None,
                total: 3,
                done: 0,
                failed: 0,
                inconclusive: 0,
            };
            let planned = PlannedRun::of_stored(&run).expect("a selection");
            assert_eq!((planned.of, planned.spread), (of, spread));
        }
        // The daily re-check run is filled filing by filing: it has no selection.
        let recheck = beian_store::Run {
            params: serde_json::json!({ "first_order": 1 }),
            kind: crate::orders::RECHECK_RUN.to_owned(),
            id: 2,
            status: "running".to_owned(),
            started_at,
            finished_at: None,
            total: 0,
            done: 0,
            failed: 0,
            inconclusive: 0,
        };
        assert_eq!(PlannedRun::of_stored(&recheck), None);
    }
}
