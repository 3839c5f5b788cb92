//! The rectification flow end to end through the service, on SQLite and on PostgreSQL:
//! a run issues an order, the customer submits a change, an operator approves it, the
//! worker re-checks the changed filing and the order is resolved.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use beian_checks::Settings;
use beian_domain::finding::{Status, Target};
use beian_domain::workflow::{
    Actor as Role, ChangeKind, ChangeRequest, Event, FieldChange, WorkflowPolicy, WorkingCalendar,
};
use beian_domain::{CheckId, Filing, Finding};
use beian_service::scheduler::{SchedulerOptions, tick};
use beian_service::worker::{VERIFY_QUEUE, VerifyJob};
use beian_service::{
    Orders, RunOf, ServiceError, Spread, Verifier, Who, Worker, WorkerOptions, plan_run,
    requeue_run, run_is_stalled, start_run,
};
use beian_store::{Actor, NewAccount, NewCustomer, Scope, Store};
use chrono::{NaiveDate, Utc};

/// The offline judges as the verifier: deterministic, no network.
struct Lint;

impl Verifier for Lint {
    fn verify(
        &self,
        filing: &Filing,
        today: NaiveDate,
    ) -> impl std::future::Future<Output = Vec<Finding>> + Send {
        let findings = beian_checks::lint(filing, today, &Settings::default());
        async move { findings }
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

async fn sqlite() -> (Store, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(unique("beian-service-test"));
    std::fs::create_dir_all(&dir).expect("test dir");
    let store = Store::open(&format!("sqlite://{}", dir.join("store.db").display()))
        .await
        .expect("open SQLite");
    (store, dir)
}

async fn postgres() -> (Store, String) {
    let url = std::env::var("BEIAN_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let schema = unique("beian_service_test");
    let admin = sqlx::PgPool::connect(&url)
        .await
        .expect("PostgreSQL must run at 127.0.0.1:5432");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .expect("schema");
    let options = sqlx::postgres::PgConnectOptions::from_str(&url)
        .expect("url")
        .options([("search_path", schema.as_str())]);
    let store = Store::open_postgres(options, 8)
        .await
        .expect("open PostgreSQL");
    (store, schema)
}

async fn drop_schema(schema: &str) {
    let url = std::env::var("BEIAN_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let admin = sqlx::PgPool::connect(&url).await.expect("connect");
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&admin)
        .await;
}

fn bad_filing() -> Filing {
    let mut filing =
        Filing::from_json(include_str!("../../../examples/company.jsonc")).expect("example");
    filing.websites[0].name = "中国国家数据中心".to_owned();
    filing
}

/// A worker that drains the queue and stops, judging as of a fixed day.
fn options() -> WorkerOptions {
    WorkerOptions {
        id: "test-worker".to_owned(),
        concurrency: 4,
        lease: chrono::Duration::seconds(60),
        poll: std::time::Duration::from_millis(50),
        drain: true,
        today: NaiveDate::from_ymd_opt(2026, 11, 30),
        recheck_backoff: beian_service::worker::DEFAULT_RECHECK_BACKOFF,
    }
}

/// The order service over `store`, with the default policy and the bundled calendar.
fn orders_of(store: &Store) -> Orders {
    Orders::new(
        store.clone(),
        WorkflowPolicy::default(),
        WorkingCalendar::bundled().expect("calendar"),
    )
}

fn worker(orders: &Orders) -> Worker<Lint> {
    Worker::new(orders.clone(), Lint, options())
}

/// A customer holding [`bad_filing`]: its id and the filing's.
async fn customer_with_bad_filing(store: &Store) -> (i64, i64) {
    let now = Utc::now();
    let customer = store
        .create_customer(
            &NewCustomer {
                name: "云帆".to_owned(),
                ..NewCustomer::default()
            },
            now,
        )
        .await
        .expect("customer");
    let filing_id = store
        .upsert_filing(Some(customer), &bad_filing(), &Actor::system("import"), now)
        .await
        .expect("import")
        .filing_id;
    (customer, filing_id)
}

/// Starts a sweep of every filing, ready at once: the run and the jobs queued.
async fn sweep_everything(store: &Store) -> (i64, u64) {
    let test = Actor::system("test");
    start_run(store, &test, "sweep", RunOf::all(), Spread::Now, Utc::now())
        .await
        .expect("run")
}

/// A person with an account: a customer's (with `customer`) or an operator's.
async fn person(store: &Store, login: &str, customer: Option<i64>) -> Who {
    let (role, db_role) = match customer {
        Some(_) => (Role::Customer, beian_store::Role::Customer),
        None => (Role::Operator, beian_store::Role::Operator),
    };
    let account = NewAccount {
        login: login.to_owned(),
        password_hash: "$argon2id$test".to_owned(),
        role: db_role,
        customer_id: customer,
        display_name: login.to_owned(),
    };
    let id = store
        .create_account(&account, Utc::now())
        .await
        .expect("account");
    Who {
        role,
        actor: Actor::person(db_role, id, login),
    }
}

async fn flow(store: Store) {
    let orders = orders_of(&store);
    let (customer, filing_id) = customer_with_bad_filing(&store).await;

    // A sweep issues one order; a second sweep finds it open and issues nothing.
    for round in 0..2 {
        let (run_id, queued) = sweep_everything(&store).await;
        assert_eq!(queued, 1);
        let stats = worker(&orders)
            .run(std::future::pending())
            .await
            .expect("worker");
        assert_eq!(stats.done, 1, "round {round}");
        assert_eq!(stats.issued, u64::from(round == 0), "round {round}");
        let run = store.run(run_id).await.expect("run").expect("exists");
        assert_eq!(run.status, "finished");
    }
    let order = store
        .open_order_for_filing(Scope::Customer(customer), filing_id)
        .await
        .expect("query")
        .expect("an open order");
    assert_eq!(order.state, "issued");
    let items = store
        .order_items(Scope::Customer(customer), order.id)
        .await
        .expect("items");
    assert!(
        items.iter().any(|i| i.check_id == "site.name_violation"),
        "{items:?}"
    );
    assert_eq!(
        store
            .filing(Scope::All, filing_id)
            .await
            .unwrap()
            .unwrap()
            .status,
        "rectification"
    );

    let sites = store.sites(Scope::All, filing_id).await.expect("sites");
    assert_eq!(
        sites[0].status, "rectification",
        "the named site is in 备案整改"
    );

    // Another customer cannot touch it.
    let stranger = Who {
        role: Role::Customer,
        actor: Actor::person(beian_store::Role::Customer, 999, "stranger"),
    };
    let submit = Event::Submit(ChangeRequest {
        kind: ChangeKind::ChangeWebsite,
        fields: vec![FieldChange {
            path: "websites[0].name".to_owned(),
            old: Some("中国国家数据中心".to_owned()),
            new: Some("云帆数据".to_owned()),
        }],
        attachments: Vec::new(),
        note: "改为与主体名称相符的网站名称".to_owned(),
    });
    let error = orders
        .apply(
            Scope::Customer(customer + 1),
            order.id,
            &stranger,
            &submit,
            Utc::now(),
        )
        .await
        .expect_err("foreign order");
    assert!(error.to_string().contains("不存在"), "{error}");

    // The customer submits the change, the operator approves it.
    let me = person(&store, "yunfan", Some(customer)).await;
    let operator = person(&store, "zhang", None).await;
    let submitted = orders
        .apply(
            Scope::Customer(customer),
            order.id,
            &me,
            &submit,
            Utc::now(),
        )
        .await
        .expect("submit");
    assert_eq!(submitted.order.state, "submitted");
    // A customer cannot approve their own change.
    let refused = orders
        .apply(
            Scope::Customer(customer),
            order.id,
            &me,
            &Event::Approve { needs_miit: false },
            Utc::now(),
        )
        .await
        .expect_err("customers do not approve");
    assert!(refused.to_string().contains("无权"), "{refused}");
    let approved = orders
        .apply(
            Scope::All,
            order.id,
            &operator,
            &Event::Approve { needs_miit: false },
            Utc::now(),
        )
        .await
        .expect("approve");
    assert_eq!(approved.order.state, "rechecking");
    let body = store
        .filing_body(Scope::All, filing_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(body.websites[0].name, "云帆数据", "the change is applied");

    // The re-check meets a source that does not answer for the order's item: nothing
    // fails, but the item is not shown fixed, so the order stays 复查中 ...
    let backoff = chrono::Duration::minutes(10);
    let stats = unsure_worker(&orders, 1, backoff).await;
    assert_eq!((stats.undecided, stats.passed), (1, 0), "{stats:?}");
    let order_now = store.order(Scope::All, order.id).await.unwrap().unwrap();
    assert_eq!(order_now.state, "rechecking");
    // ... and its re-check is queued again, for ten minutes later: the scheduler adds
    // nothing meanwhile, and no worker can take it before then.
    let ticked = scheduler_tick(&orders).await;
    assert_eq!(
        ticked.rechecks_queued, 0,
        "the deferred re-check is already queued"
    );
    let lease = chrono::Duration::seconds(60);
    let soon = Utc::now() + backoff - chrono::Duration::minutes(1);
    let claimed = store.claim(VERIFY_QUEUE, "probe", lease, soon).await;
    assert!(claimed.expect("claim").is_none(), "not due yet");
    let later = Utc::now() + backoff + chrono::Duration::minutes(1);
    let deferred = store
        .claim(VERIFY_QUEUE, "probe", lease, later)
        .await
        .expect("claim")
        .expect("due ten minutes later");
    let job: VerifyJob = serde_json::from_value(deferred.payload).expect("payload");
    assert_eq!((job.filing_id, job.undecided), (filing_id, 1), "{job:?}");
    // Were it lost, the scheduler would queue the re-check again at its next tick.
    store
        .complete(deferred.id, "probe", later)
        .await
        .expect("complete");
    let ticked = scheduler_tick(&orders).await;
    assert_eq!(ticked.rechecks_queued, 1);

    // Undecided twice more, then the source answers: without a backoff each deferred
    // re-check is due at once, and the third passes the changed filing.
    let stats = unsure_worker(&orders, 2, chrono::Duration::zero()).await;
    assert_eq!((stats.undecided, stats.passed), (2, 1), "{stats:?}");
    let order = store.order(Scope::All, order.id).await.unwrap().unwrap();
    assert_eq!(order.state, "resolved");
    assert_eq!(
        store
            .filing(Scope::All, filing_id)
            .await
            .unwrap()
            .unwrap()
            .status,
        "normal"
    );
    let sites = store.sites(Scope::All, filing_id).await.expect("sites");
    assert!(sites.iter().all(|s| s.status == "normal"), "{sites:?}");
    let report = store.audit_verify().await.expect("verify");
    assert_eq!(report.broken, None, "{report:?}");

    // The scheduler finds nothing overdue and nothing to re-check.
    let ticked = scheduler_tick(&orders).await;
    assert_eq!((ticked.overdue, ticked.rechecks_queued), (0, 0));
}

/// One tick of the scheduler without periodic runs.
async fn scheduler_tick(orders: &Orders) -> beian_service::scheduler::TickReport {
    tick(
        orders,
        &SchedulerOptions {
            period: None,
            batch: 100,
        },
        &Who::system("scheduler"),
        Utc::now(),
    )
    .await
    .expect("tick")
}

/// Drains the queue with the offline judges, the item of the order (`site.name_violation`)
/// undecided in the first `times` verifications, re-checks deferred by `backoff`.
async fn unsure_worker(
    orders: &Orders,
    times: u32,
    backoff: chrono::Duration,
) -> beian_service::worker::WorkerStats {
    let options = WorkerOptions {
        recheck_backoff: backoff,
        ..options()
    };
    Worker::new(
        orders.clone(),
        Unsure::times(CheckId::SiteNameViolation, times),
        options,
    )
    .run(std::future::pending())
    .await
    .expect("worker")
}

/// The offline judges, with one check's findings undecided (its source did not answer)
/// for the first `left` verifications.
struct Unsure {
    check: CheckId,
    left: std::sync::atomic::AtomicU32,
}

impl Unsure {
    fn times(check: CheckId, times: u32) -> Unsure {
        Unsure {
            check,
            left: std::sync::atomic::AtomicU32::new(times),
        }
    }
}

impl Verifier for Unsure {
    fn verify(
        &self,
        filing: &Filing,
        today: NaiveDate,
    ) -> impl std::future::Future<Output = Vec<Finding>> + Send {
        let mut findings = beian_checks::lint(filing, today, &Settings::default());
        let unsure = self
            .left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok();
        for finding in findings
            .iter_mut()
            .filter(|f| unsure && f.check == self.check)
        {
            finding.status = Status::Inconclusive;
            finding.message = "数据源未应答".to_owned();
        }
        async move { findings }
    }
}

/// The offline judges, plus a site nobody could reach while `down` is set: what a sweep
/// during an outage leaves undecided.
struct Outage {
    down: std::sync::Arc<std::sync::atomic::AtomicBool>,
    entity: String,
}

impl Verifier for Outage {
    fn verify(
        &self,
        filing: &Filing,
        today: NaiveDate,
    ) -> impl std::future::Future<Output = Vec<Finding>> + Send {
        let mut findings = beian_checks::lint(filing, today, &Settings::default());
        if self.down.load(Ordering::Relaxed) && filing.entity.name == self.entity {
            findings.push(Finding::new(
                CheckId::SiteUnreachable,
                Status::Inconclusive,
                Target::Website {
                    index: 0,
                    name: filing.websites[0].name.clone(),
                },
                "连接超时",
            ));
        }
        async move { findings }
    }
}

/// Runs a worker with the [`Outage`] verifier until the queue is empty.
async fn drain(
    orders: &Orders,
    down: &std::sync::Arc<std::sync::atomic::AtomicBool>,
    entity: &str,
) {
    let verifier = Outage {
        down: down.clone(),
        entity: entity.to_owned(),
    };
    Worker::new(orders.clone(), verifier, options())
        .run(std::future::pending())
        .await
        .expect("worker");
}

/// A run that checks again only what an earlier run left undecided.
async fn retry_flow(store: Store) {
    let orders = orders_of(&store);
    let now = Utc::now();
    let company =
        Filing::from_json(include_str!("../../../examples/company.jsonc")).expect("example");
    let personal = Filing::from_json(include_str!(
        "../../../examples/personal-rectification.jsonc"
    ))
    .expect("example");
    let mut ids = Vec::new();
    for filing in [&company, &personal] {
        let stored = store
            .upsert_filing(None, filing, &Actor::system("import"), now)
            .await
            .expect("import");
        ids.push(stored.filing_id);
    }
    let down = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let operator = Actor::system("test");
    let start = |of: RunOf| start_run(&store, &operator, "sweep", of, Spread::Now, Utc::now());

    let (first, queued) = start(RunOf::all()).await.expect("run");
    assert_eq!(queued, 2);
    drain(&orders, &down, &personal.entity.name).await;
    let run = store.run(first).await.expect("q").expect("run");
    assert_eq!((run.done, run.inconclusive), (2, 1));

    down.store(false, Ordering::Relaxed);
    let (retry, queued) = start(RunOf::InconclusiveIn(first)).await.expect("retry");
    assert_eq!(queued, 1, "only the undecided filing");
    drain(&orders, &down, &personal.entity.name).await;
    let run = store.run(retry).await.expect("q").expect("run");
    assert_eq!(
        (run.total, run.done, run.inconclusive, run.status.as_str()),
        (1, 1, 0, "finished")
    );
    assert_eq!(run.params["inconclusive_in"], first);
    let checked = store
        .run_findings(Scope::All, retry, None)
        .await
        .expect("findings");
    assert!(!checked.is_empty());
    assert!(checked.iter().all(|f| f.filing_id == ids[1]));

    // Nothing left undecided: a retry of the retry queues nothing and is finished at once.
    let (empty, queued) = start(RunOf::InconclusiveIn(retry)).await.expect("retry");
    assert_eq!(queued, 0);
    let run = store.run(empty).await.expect("q").expect("run");
    assert_eq!((run.total, run.status.as_str()), (0, "finished"));
}

/// A run whose queueing was cut short is completed by `requeue_run`, which adds only what
/// is missing.
async fn requeue_flow(store: Store) {
    let orders = orders_of(&store);
    let now = Utc::now();
    for text in [
        include_str!("../../../examples/company.jsonc"),
        include_str!("../../../examples/personal-rectification.jsonc"),
    ] {
        let filing = Filing::from_json(text).expect("example");
        store
            .upsert_filing(None, &filing, &Actor::system("import"), now)
            .await
            .expect("import");
    }
    // Planned and counted, then the process died before any job was queued.
    let planned = plan_run(
        &store,
        &Actor::system("test"),
        "sweep",
        RunOf::all(),
        Spread::Now,
        now,
    )
    .await
    .expect("plan");
    assert_eq!(planned.total, 2);
    let stalled = |id| {
        let store = store.clone();
        async move {
            let run = store.run(id).await.expect("q").expect("run");
            run_is_stalled(&store, &run).await.expect("stalled")
        }
    };
    assert!(stalled(planned.id).await, "nothing queued, nothing done");
    assert_eq!(
        requeue_run(&store, planned.id, now).await.expect("requeue"),
        2
    );
    assert!(!stalled(planned.id).await, "its jobs wait");
    assert_eq!(
        requeue_run(&store, planned.id, now).await.expect("again"),
        0,
        "pending jobs are not queued twice"
    );
    worker(&orders)
        .run(std::future::pending())
        .await
        .expect("worker");
    let run = store.run(planned.id).await.expect("q").expect("run");
    assert_eq!((run.done, run.status.as_str()), (2, "finished"));
    assert!(!stalled(planned.id).await, "finished");
    assert_eq!(requeue_run(&store, planned.id, now).await.expect("done"), 0);

    assert!(matches!(
        requeue_run(&store, 999_999, now).await,
        Err(ServiceError::RunNotFound(999_999))
    ));
    let recheck = store
        .create_run(
            "recheck",
            &serde_json::json!({"first_order": 1}),
            0,
            &Actor::system("test"),
            now,
        )
        .await
        .expect("recheck run");
    assert!(matches!(
        requeue_run(&store, recheck, now).await,
        Err(ServiceError::RunNotRequeueable(_))
    ));
}

/// Each scenario on a fresh SQLite file and in a fresh PostgreSQL schema.
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let (store, dir) = super::sqlite().await;
                    super::$scenario(store.clone()).await;
                    store.close().await;
                    let _ = std::fs::remove_dir_all(dir);
                }
            )*
        }
        mod postgres_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let (store, schema) = super::postgres().await;
                    super::$scenario(store.clone()).await;
                    store.close().await;
                    super::drop_schema(&schema).await;
                }
            )*
        }
    };
}

/// Re-checks are recorded in one run per Beijing day; the next day's run finishes the
/// earlier ones, so no page follows a run that never ends.
async fn daily_recheck_runs(store: Store) {
    let orders = orders_of(&store);
    let actor = Actor::system("test");
    // 2026-12-01 09:00 and 21:00 in Beijing are one day; 2026-12-02 09:00 the next.
    let day = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    let morning = day("2026-12-01T09:00:00+08:00");
    let first = orders.recheck_run(1, &actor, morning).await.expect("first");
    let evening = day("2026-12-01T21:00:00+08:00");
    assert_eq!(
        orders
            .recheck_run(2, &actor, evening)
            .await
            .expect("same day"),
        first
    );
    let run = store.run(first).await.unwrap().unwrap();
    assert_eq!(
        (run.kind.as_str(), run.status.as_str()),
        ("recheck", "running")
    );
    let next = orders
        .recheck_run(3, &actor, day("2026-12-02T09:00:00+08:00"))
        .await
        .expect("next day");
    assert_ne!(next, first);
    assert_eq!(store.run(first).await.unwrap().unwrap().status, "finished");
    assert_eq!(store.run(next).await.unwrap().unwrap().status, "running");
}

/// A re-check deferred after undecided ones finds its order decided by hand meanwhile:
/// it checks nothing and issues nothing, although the filing still fails.
async fn decided_by_hand_flow(store: Store) {
    let orders = orders_of(&store);
    let (customer, filing_id) = customer_with_bad_filing(&store).await;
    sweep_everything(&store).await;
    let stats = worker(&orders)
        .run(std::future::pending())
        .await
        .expect("worker");
    assert_eq!(stats.issued, 1);
    let order = store
        .open_order_for_filing(Scope::All, filing_id)
        .await
        .unwrap()
        .expect("issued");
    let me = person(&store, "yunfan", Some(customer)).await;
    let request = Event::RequestRecheck {
        evidence: "已修改网站名称".to_owned(),
        attachments: vec![],
    };
    orders
        .apply(
            Scope::Customer(customer),
            order.id,
            &me,
            &request,
            Utc::now(),
        )
        .await
        .expect("request a re-check");
    // The re-check came out undecided; the next one waits ...
    let taken = store
        .claim(
            VERIFY_QUEUE,
            "test",
            chrono::Duration::seconds(60),
            Utc::now(),
        )
        .await
        .expect("claim")
        .expect("the re-check queued on request");
    store
        .complete(taken.id, "test", Utc::now())
        .await
        .expect("done");
    let job: VerifyJob = serde_json::from_value(taken.payload).expect("payload");
    let deferred = VerifyJob {
        undecided: 1,
        ..job
    };
    beian_service::worker::enqueue_recheck(&store, deferred, Utc::now(), Utc::now())
        .await
        .expect("deferred");
    // ... and an operator decides it by hand first.
    let operator = person(&store, "zhang", None).await;
    orders
        .apply(
            Scope::All,
            order.id,
            &operator,
            &Event::RecheckPassed,
            Utc::now(),
        )
        .await
        .expect("passed by hand");
    let stats = worker(&orders)
        .run(std::future::pending())
        .await
        .expect("worker");
    assert_eq!((stats.done, stats.issued), (1, 0), "{stats:?}");
    assert!(
        store
            .open_order_for_filing(Scope::All, filing_id)
            .await
            .unwrap()
            .is_none(),
        "no order issued behind the operator's decision"
    );
}

on_both_backends!(
    requeue_flow,
    retry_flow,
    flow,
    daily_recheck_runs,
    decided_by_hand_flow
);
