//! The store's contract: every behaviour, run on SQLite and on PostgreSQL.

mod harness;

use std::collections::{BTreeMap, HashSet};

use chrono::Duration;
use serde_json::json;

use beian_domain::CheckId;
use beian_domain::finding::{Evidence, Finding, Status, Target};
use beian_store::*;
use harness::{filing, raw, scalar, t0};

contract!(
    migrations_run_once_and_again,
    upsert_is_versioned_and_idempotent,
    upsert_refuses_a_filing_without_number,
    customer_scope_finds_nothing_of_others,
    findings_history_and_run_diff,
    runs_count_and_list_the_filings_left_undecided,
    issuing_is_idempotent_per_entity,
    racing_issuers_make_one_order,
    transition_refuses_a_stale_version,
    racing_transitions_one_wins,
    workflow_decisions_apply_in_the_store,
    side_records_follow_transitions,
    audit_log_refuses_update_and_delete,
    audit_chain_detects_tampering_behind_the_store,
    audit_chain_detects_a_removed_tail,
    concurrent_claimers_never_share_a_job,
    expired_lease_is_reclaimed,
    failures_retry_with_backoff_then_dead_letter,
    final_attempt_dying_goes_to_dead_letters,
    dedupe_key_holds_while_pending,
    enqueue_many_skips_pending_keys_and_feeds_claims,
    outbox_claims_and_retries,
    order_listing_pages_filters_and_counts,
    accounts_sessions_tokens,
    idempotency_keys_replay_and_refuse,
    inbox_per_customer,
    search_finds_filings_by_number_code_domain_and_name,
    attachments_are_stored_once_by_content,
    attachments_are_read_only_through_a_visible_listing,
    uploads_recorded_for_an_order_open_for_its_people_only,
);

fn system() -> Actor {
    Actor::system("test")
}

async fn customer(store: &Store, name: &str) -> i64 {
    store
        .create_customer(
            &NewCustomer {
                name: name.to_owned(),
                email: Some(format!("{name}@example.cn")),
                webhook_url: None,
            },
            t0(),
        )
        .await
        .expect("create customer")
}

async fn import(store: &Store, owner: Option<i64>, n: u32) -> i64 {
    store
        .upsert_filing(owner, &filing(n), &system(), t0())
        .await
        .expect("upsert")
        .filing_id
}

fn failing(check: CheckId, site: Option<usize>, field: &str) -> Finding {
    let target = match site {
        None => Target::Entity,
        Some(index) => Target::Website {
            index,
            name: "云帆数据".into(),
        },
    };
    Finding::new(check, Status::Fail, target, "不符合要求")
        .field(field)
        .with(Evidence::new("首页标题", "欢迎"))
}

fn item(check: &str, fp: &str) -> OrderItem {
    OrderItem {
        position: 0,
        check_id: check.to_owned(),
        target: json!({"kind": "entity"}),
        field: None,
        message: "问题".to_owned(),
        reason: "原因".to_owned(),
        remedy: "措施".to_owned(),
        actions: vec!["变更备案".to_owned()],
        evidence: json!([]),
        fingerprint: fp.to_owned(),
    }
}

fn new_order(filing_id: i64) -> NewOrder {
    NewOrder {
        filing_id,
        run_id: None,
        deadline_at: t0() + Duration::days(14),
        keyword_only: false,
        items: vec![item("site.title_mismatch", "fp1")],
        actor: system(),
        outbox: vec![NewOutbox {
            kind: OutboxKind::Email,
            recipient: "owner@example.cn".to_owned(),
            payload: json!({"template": "order_issued"}),
        }],
        inbox: Vec::new(),
    }
}

async fn issue(store: &Store, filing_id: i64) -> Order {
    let id = store
        .issue_order(&new_order(filing_id), t0())
        .await
        .expect("issue")
        .order_id();
    store
        .order(Scope::All, id)
        .await
        .expect("read order")
        .expect("order exists")
}

async fn migrations_run_once_and_again(store: Store) {
    store.migrate().await.expect("migrations are idempotent");
    let names = |backend: &str| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("migrations directory")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        names("sqlite"),
        names("postgres"),
        "both backends get the same migrations"
    );
    assert_eq!(
        scalar(&store, "SELECT COUNT(*) FROM _sqlx_migrations").await,
        names("sqlite").len() as i64
    );
    let report = store.audit_verify().await.expect("verify");
    assert_eq!(report.rows, 0);
    assert!(report.is_intact());
}

async fn upsert_is_versioned_and_idempotent(store: Store) {
    let owner = customer(&store, "甲").await;
    let first = store
        .upsert_filing(Some(owner), &filing(1), &system(), t0())
        .await
        .expect("first");
    assert_eq!(first.change, UpsertChange::Created);
    assert_eq!(first.version, 1);

    let again = store
        .upsert_filing(Some(owner), &filing(1), &system(), t0())
        .await
        .expect("again");
    assert_eq!(again.change, UpsertChange::Unchanged);
    assert_eq!((again.filing_id, again.version), (first.filing_id, 1));

    let mut changed = filing(1);
    changed.websites[0].name = "云帆数据平台".into();
    changed.websites[0]
        .domains
        .push("yunfan-data.com.cn".into());
    let second = store
        .upsert_filing(Some(owner), &changed, &system(), t0() + Duration::hours(1))
        .await
        .expect("changed");
    assert_eq!(second.change, UpsertChange::Updated);
    assert_eq!((second.filing_id, second.version), (first.filing_id, 2));

    let versions = store
        .filing_versions(Scope::All, first.filing_id)
        .await
        .expect("versions");
    assert_eq!(versions.len(), 2, "the older version is kept");
    assert_eq!(versions[0].body["websites"][0]["name"], "云帆数据");
    assert_eq!(versions[1].body["websites"][0]["name"], "云帆数据平台");
    let body = store
        .filing_body(Scope::All, first.filing_id)
        .await
        .expect("body")
        .expect("exists");
    assert_eq!(body, changed, "the stored body reads back as the filing");
    let sites = store
        .sites(Scope::All, first.filing_id)
        .await
        .expect("sites");
    assert_eq!(sites.len(), 1);
    assert_eq!(sites[0].name, "云帆数据平台");
    assert_eq!(sites[0].domains.len(), 2);
    assert_eq!(
        sites[0].site_number.as_deref(),
        Some("京ICP备2024000001号-1")
    );

    // A batch mixing new, unchanged, changed and a number repeated within the batch.
    let mut twice = filing(3);
    twice.entity.address = Some("上海市".into());
    let f2 = filing(2);
    let f3 = filing(3);
    let batch = [
        (Some(owner), &f2),
        (Some(owner), &changed),
        (Some(owner), &f3),
        (Some(owner), &twice),
    ];
    let out = store
        .upsert_filings(&batch, &system(), t0())
        .await
        .expect("batch");
    let changes: Vec<_> = out.iter().map(|o| (o.change, o.version)).collect();
    assert_eq!(
        changes,
        [
            (UpsertChange::Created, 1),
            (UpsertChange::Unchanged, 2),
            (UpsertChange::Created, 1),
            (UpsertChange::Updated, 2),
        ]
    );
    let replay = store
        .upsert_filings(&batch[..3], &system(), t0())
        .await
        .expect("replay");
    assert!(
        replay[..2]
            .iter()
            .all(|o| o.change == UpsertChange::Unchanged),
        "importing again writes nothing new"
    );
    assert_eq!(scalar(&store, "SELECT COUNT(*) FROM filings").await, 3);
    assert_eq!(
        scalar(&store, "SELECT COUNT(*) FROM filing_versions").await,
        6
    );
    let by_number = store
        .filing_by_number(Scope::Customer(owner), "京ICP备2024000002号")
        .await
        .expect("by number")
        .expect("found");
    assert_eq!(by_number.entity_name, "示例科技有限公司2");
    assert_eq!(by_number.status, "normal");
}

async fn upsert_refuses_a_filing_without_number(store: Store) {
    let mut f = filing(1);
    f.entity.filing_number = None;
    let good = filing(2);
    let err = store
        .upsert_filings(&[(None, &good), (None, &f)], &system(), t0())
        .await
        .expect_err("no number");
    assert!(
        matches!(
            err,
            StoreError::Invalid {
                field: "entity.filing_number",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        scalar(&store, "SELECT COUNT(*) FROM filings").await,
        0,
        "nothing of the batch is stored"
    );
}

async fn customer_scope_finds_nothing_of_others(store: Store) {
    let a = customer(&store, "甲").await;
    let b = customer(&store, "乙").await;
    let fa = import(&store, Some(a), 1).await;
    let order = issue(&store, fa).await;
    let run = store
        .create_run("sweep", &json!({}), 1, &system(), t0())
        .await
        .expect("run");
    store
        .record_findings(
            run,
            fa,
            &[failing(CheckId::SiteTitleMismatch, Some(0), "网站名称")],
            t0(),
        )
        .await
        .expect("record");

    let mine = Scope::Customer(a);
    let theirs = Scope::Customer(b);
    assert!(store.filing(mine, fa).await.expect("q").is_some());
    assert!(store.filing(theirs, fa).await.expect("q").is_none());
    assert!(store.order(theirs, order.id).await.expect("q").is_none());
    assert!(store.filing_body(theirs, fa).await.expect("q").is_none());
    assert!(store.sites(theirs, fa).await.expect("q").is_empty());
    assert!(
        store
            .filing_versions(theirs, fa)
            .await
            .expect("q")
            .is_empty()
    );
    assert!(
        store
            .run_findings(theirs, run, None)
            .await
            .expect("q")
            .is_empty()
    );
    assert!(
        store
            .filing_history(theirs, fa)
            .await
            .expect("q")
            .is_empty()
    );
    assert!(
        store
            .failures_by_check(theirs, run)
            .await
            .expect("q")
            .is_empty()
    );
    assert!(
        store
            .audit_for(theirs, &format!("order:{}", order.id))
            .await
            .expect("q")
            .is_empty()
    );
    assert!(matches!(
        store.order_items(theirs, order.id).await,
        Err(StoreError::NotFound { .. })
    ));
    let listed = store
        .list_orders(&OrderQuery::new(theirs, 50))
        .await
        .expect("list");
    assert!(listed.items.is_empty());
    assert!(store.order_counts(theirs).await.expect("q").is_empty());
    // Nor can the other customer move it.
    let t = Transition::new(&order, theirs, "submitted", "submit", system(), t0());
    assert!(matches!(
        store.transition(&t).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        store.order_items(mine, order.id).await.expect("own").len(),
        1
    );
}

async fn findings_history_and_run_diff(store: Store) {
    let f1 = import(&store, None, 1).await;
    let f2 = import(&store, None, 2).await;
    let a = store
        .create_run("sweep", &json!({"n": 2}), 2, &system(), t0())
        .await
        .expect("run a");
    let x = failing(CheckId::SiteTitleMismatch, Some(0), "网站名称");
    let y = failing(CheckId::SiteFooterLink, Some(0), "首页底部");
    let z = failing(CheckId::SiteFooterNumber, Some(0), "首页底部");
    let w = failing(CheckId::SiteTitleMismatch, Some(0), "网站名称");
    store
        .record_findings(a, f1, &[x.clone(), y.clone()], t0())
        .await
        .expect("a f1");
    // Recording the same filing twice (a retried job) counts once and keeps one copy.
    store
        .record_findings(a, f1, &[x.clone(), y.clone()], t0())
        .await
        .expect("a f1 again");
    store
        .record_findings(a, f2, &[w], t0())
        .await
        .expect("a f2");
    store
        .finish_run(a, "finished", t0())
        .await
        .expect("finish a");
    let run_a = store.run(a).await.expect("q").expect("run a");
    assert_eq!(
        (run_a.done, run_a.failed, run_a.status.as_str()),
        (2, 2, "finished")
    );
    assert_eq!(
        store
            .run_findings(Scope::All, a, None)
            .await
            .expect("q")
            .len(),
        3
    );

    // Run b looks at f1 only: x is fixed, y persists, z is new; f2's w is not resolved
    // because b never looked at f2.
    let b = store
        .create_run(
            "sweep",
            &json!({"n": 1}),
            1,
            &system(),
            t0() + Duration::days(1),
        )
        .await
        .expect("run b");
    let mut passing_x = x.clone();
    passing_x.status = Status::Pass;
    store
        .record_findings(
            b,
            f1,
            &[passing_x, y.clone(), z.clone()],
            t0() + Duration::days(1),
        )
        .await
        .expect("b f1");
    let diff = store.diff_runs(Scope::All, a, b).await.expect("diff");
    let checks = |v: &[FindingRecord]| v.iter().map(|f| f.check_id.clone()).collect::<Vec<_>>();
    assert_eq!(checks(&diff.new), ["site.footer_number"]);
    assert_eq!(checks(&diff.persisting), ["site.footer_link"]);
    assert_eq!(checks(&diff.resolved), ["site.title_mismatch"]);
    assert!(diff.undecided.is_empty());
    assert_eq!(diff.resolved[0].filing_id, f1);
    assert_eq!(diff.persisting[0].run_id, b);
    assert_eq!(diff.resolved[0].run_id, a);

    // Run c cannot decide y (its source did not answer): not resolved, undecided.
    let c = store
        .create_run(
            "sweep",
            &json!({"n": 1}),
            1,
            &system(),
            t0() + Duration::days(2),
        )
        .await
        .expect("run c");
    let mut undecided_y = y.clone();
    undecided_y.status = Status::Inconclusive;
    store
        .record_findings(c, f1, &[undecided_y], t0() + Duration::days(2))
        .await
        .expect("c f1");
    let diff = store.diff_runs(Scope::All, b, c).await.expect("diff");
    assert_eq!(checks(&diff.resolved), ["site.footer_number"]);
    assert_eq!(checks(&diff.undecided), ["site.footer_link"]);
    assert_eq!(diff.undecided[0].run_id, c);
    assert!(diff.new.is_empty() && diff.persisting.is_empty());

    let history = store.filing_history(Scope::All, f1).await.expect("history");
    assert_eq!(history.len(), 6);
    assert_eq!(history[0].run_id, c, "newest run first");
    assert_eq!(history[1].run_id, b);
    assert_eq!(history[1].evidence[0]["label"], "首页标题");
    let by_check = store.failures_by_check(Scope::All, a).await.expect("q");
    assert_eq!(
        by_check,
        [
            Count {
                key: "site.title_mismatch".into(),
                count: 2
            },
            Count {
                key: "site.footer_link".into(),
                count: 1
            },
        ]
    );
}

async fn runs_count_and_list_the_filings_left_undecided(store: Store) {
    let filings = [
        import(&store, None, 1).await,
        import(&store, None, 2).await,
        import(&store, None, 3).await,
    ];
    let run = store
        .create_run("sweep", &json!({}), 3, &system(), t0())
        .await
        .expect("run");
    let mut undecided = failing(CheckId::SiteUnreachable, Some(0), "首页");
    undecided.status = Status::Inconclusive;
    let decided = failing(CheckId::SiteTitleMismatch, Some(0), "网站名称");
    for (filing, findings) in [
        (filings[0], vec![decided.clone(), undecided.clone()]),
        (filings[1], vec![decided.clone()]),
        (filings[2], vec![undecided.clone()]),
    ] {
        store
            .record_findings(run, filing, &findings, t0())
            .await
            .expect("record");
    }
    // A job done twice counts once.
    store
        .record_findings(run, filings[2], std::slice::from_ref(&undecided), t0())
        .await
        .expect("again");
    let stored = store.run(run).await.expect("q").expect("run");
    assert_eq!((stored.done, stored.failed, stored.inconclusive), (3, 2, 2));
    assert_eq!(store.inconclusive_filing_count(run).await.expect("q"), 2);
    let keys = |after, limit| store.inconclusive_filing_keys(run, None, after, limit);
    let all: Vec<i64> = keys(None, 10)
        .await
        .expect("q")
        .iter()
        .map(|k| k.0)
        .collect();
    assert_eq!(all, [filings[0], filings[2]]);
    let first = keys(None, 1).await.expect("q");
    assert_eq!(first.len(), 1);
    let rest: Vec<i64> = keys(Some(first[0].0), 10)
        .await
        .expect("q")
        .iter()
        .map(|k| k.0)
        .collect();
    assert_eq!(rest, [filings[2]], "paged after the last id");
    assert!(
        store
            .inconclusive_filing_keys(run + 1, None, None, 10)
            .await
            .expect("q")
            .is_empty()
    );

    // Queueing a run again asks only for what it has not recorded.
    let unrecorded = |run| store.filing_keys(None, Some(run), None, 10);
    assert!(unrecorded(run).await.expect("q").is_empty());
    assert!(
        store
            .inconclusive_filing_keys(run, Some(run), None, 10)
            .await
            .expect("q")
            .is_empty()
    );
    let later = store
        .create_run("sweep", &json!({}), 3, &system(), t0())
        .await
        .expect("run");
    store
        .record_findings(later, filings[1], &[], t0())
        .await
        .expect("record");
    let left: Vec<i64> = unrecorded(later)
        .await
        .expect("q")
        .iter()
        .map(|k| k.0)
        .collect();
    assert_eq!(left, [filings[0], filings[2]]);

    // Starting a run is in the audit log, with who started it.
    let trail = store
        .audit_for(Scope::All, &format!("run:{run}"))
        .await
        .expect("trail");
    assert_eq!(trail.len(), 1, "{trail:?}");
    assert_eq!(
        (
            trail[0].action.as_str(),
            trail[0].to.as_deref(),
            trail[0].actor.as_str()
        ),
        ("start_run", Some("running"), "system:test")
    );
    assert!(store.audit_verify().await.expect("verify").is_intact());
}

async fn issuing_is_idempotent_per_entity(store: Store) {
    let owner = customer(&store, "甲").await;
    let fid = import(&store, Some(owner), 1).await;
    let mut o = new_order(fid);
    o.items.push(OrderItem {
        position: 1,
        ..item("site.footer_link", "fp2")
    });
    o.inbox.push(NewInbox {
        customer_id: owner,
        order_id: None,
        title: "整改通知".into(),
        body: "请在期限内整改".into(),
    });
    let first = store.issue_order(&o, t0()).await.expect("first");
    let IssueOutcome::Issued { order_id } = first else {
        panic!("expected a new order, got {first:?}");
    };
    let second = store.issue_order(&o, t0()).await.expect("second");
    assert_eq!(second, IssueOutcome::AlreadyOpen { order_id });
    assert_eq!(scalar(&store, "SELECT COUNT(*) FROM orders").await, 1);
    assert_eq!(scalar(&store, "SELECT COUNT(*) FROM order_items").await, 2);
    assert_eq!(scalar(&store, "SELECT COUNT(*) FROM outbox").await, 1);
    assert_eq!(
        scalar(&store, "SELECT COUNT(*) FROM inbox_messages").await,
        1
    );
    assert_eq!(
        scalar(
            &store,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'issue'"
        )
        .await,
        1
    );
    let f = store
        .filing(Scope::All, fid)
        .await
        .expect("q")
        .expect("filing");
    assert_eq!(f.status, "rectification");
    let order = store
        .order(Scope::Customer(owner), order_id)
        .await
        .expect("q")
        .expect("order");
    assert_eq!(order.customer_id, Some(owner));
    assert_eq!(order.filing_number, "京ICP备2024000001号");
    assert_eq!((order.state.as_str(), order.version), ("issued", 1));
    let open = store
        .open_order_for_filing(Scope::All, fid)
        .await
        .expect("q");
    assert_eq!(open.map(|o| o.id), Some(order_id));

    // Access cancelled keeps the order open (it can be reinstated); resolved closes it.
    let mut t = Transition::new(
        &order,
        Scope::All,
        "access_cancelled",
        "confirm_access_cancellation",
        system(),
        t0(),
    );
    t.filing_status = Some("access_cancelled".into());
    let moved = store.transition(&t).await.expect("cancel access").order;
    assert!(matches!(
        store.issue_order(&o, t0()).await.expect("while cancelled"),
        IssueOutcome::AlreadyOpen { .. }
    ));
    let t = Transition::new(&moved, Scope::All, "resolved", "reinstate", system(), t0());
    let closed = store.transition(&t).await.expect("resolve").order;
    assert!(closed.closed_at.is_some());
    let third = store.issue_order(&o, t0()).await.expect("after resolution");
    assert!(matches!(third, IssueOutcome::Issued { order_id: new } if new != order_id));
}

async fn racing_issuers_make_one_order(store: Store) {
    let fid = import(&store, None, 1).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.issue_order(&new_order(fid), t0()).await
        }));
    }
    let mut issued = Vec::new();
    let mut open = HashSet::new();
    for t in tasks {
        let outcome = t.await.expect("task").expect("issue");
        if let IssueOutcome::Issued { order_id } = outcome {
            issued.push(order_id);
        }
        open.insert(outcome.order_id());
    }
    assert_eq!(issued.len(), 1, "exactly one racer issues");
    assert_eq!(open.len(), 1, "every racer names the same order");
    assert_eq!(scalar(&store, "SELECT COUNT(*) FROM orders").await, 1);
    assert_eq!(
        scalar(&store, "SELECT COUNT(*) FROM audit_log").await,
        2,
        "import and one issue"
    );
    assert!(store.audit_verify().await.expect("verify").is_intact());
}

async fn transition_refuses_a_stale_version(store: Store) {
    let fid = import(&store, None, 1).await;
    let order = issue(&store, fid).await;
    let mut submit = Transition::new(&order, Scope::All, "submitted", "submit", system(), t0());
    submit.outbox.push(NewOutbox {
        kind: OutboxKind::Webhook,
        recipient: "http://127.0.0.1:9/hook".into(),
        payload: json!({"event": "submit"}),
    });
    let out = store.transition(&submit).await.expect("submit");
    assert_eq!(
        (out.order.state.as_str(), out.order.version),
        ("submitted", 2)
    );

    // A second caller who read version 1 loses, and nothing of theirs is written.
    let mut late = Transition::new(
        &order,
        Scope::All,
        "overdue",
        "deadline_passed",
        system(),
        t0(),
    );
    late.outbox.push(NewOutbox {
        kind: OutboxKind::Email,
        recipient: "x@example.cn".into(),
        payload: json!({}),
    });
    late.filing_status = Some("overdue".into());
    let err = store.transition(&late).await.expect_err("stale");
    match err {
        StoreError::Stale {
            state,
            version,
            expected_version,
            ..
        } => {
            assert_eq!(
                (state.as_str(), version, expected_version),
                ("submitted", 2, 1)
            );
        }
        other => panic!("expected Stale, got {other}"),
    }
    let now = store
        .order(Scope::All, order.id)
        .await
        .expect("q")
        .expect("order");
    assert_eq!((now.state.as_str(), now.version), ("submitted", 2));
    assert_eq!(
        scalar(&store, "SELECT COUNT(*) FROM outbox").await,
        2,
        "issue + submit only"
    );
    let f = store.filing(Scope::All, fid).await.expect("q").expect("f");
    assert_eq!(f.status, "rectification");
    let trail = store
        .audit_for(Scope::All, &format!("order:{}", order.id))
        .await
        .expect("trail");
    let steps: Vec<_> = trail
        .iter()
        .map(|e| (e.action.as_str(), e.to.as_deref()))
        .collect();
    assert_eq!(
        steps,
        [("issue", Some("issued")), ("submit", Some("submitted"))]
    );
    // The same state but an unknown code is refused before touching the database.
    let mut bad = Transition::new(&now, Scope::All, "closed", "x", system(), t0());
    bad.from_version = now.version;
    assert!(matches!(
        store.transition(&bad).await,
        Err(StoreError::Invalid { .. })
    ));
}

async fn racing_transitions_one_wins(store: Store) {
    let fid = import(&store, None, 1).await;
    let order = issue(&store, fid).await;
    let mut tasks = Vec::new();
    for i in 0..6 {
        let store = store.clone();
        let order = order.clone();
        tasks.push(tokio::spawn(async move {
            let (to, event) = if i % 2 == 0 {
                ("submitted", "submit")
            } else {
                ("overdue", "deadline_passed")
            };
            let t = Transition::new(&order, Scope::All, to, event, Actor::system("racer"), t0());
            store.transition(&t).await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(out) => {
                won += 1;
                assert_eq!(out.order.version, 2);
            }
            Err(StoreError::Stale { version, .. }) => assert_eq!(version, 2),
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(won, 1, "exactly one of the racers moves the order");
    assert_eq!(
        scalar(&store, "SELECT COUNT(*) FROM audit_log").await,
        3,
        "import, issue and the one winning transition"
    );
    assert!(store.audit_verify().await.expect("verify").is_intact());
}

async fn workflow_decisions_apply_in_the_store(store: Store) {
    use beian_domain::workflow::{
        self as wf, ChangeKind, ChangeRequest as WfChange, Event, FieldChange, FieldOpinion,
        WorkflowPolicy, WorkingCalendar,
    };
    let calendar = WorkingCalendar::bundled().expect("bundled calendar");
    let policy = WorkflowPolicy::default();
    let tz = wf::calendar::shanghai();
    let fid = import(&store, None, 1).await;
    let mut o = new_order(fid);
    o.deadline_at = calendar
        .deadline_after(t0().with_timezone(&tz), policy.period_working_days)
        .expect("deadline")
        .with_timezone(&chrono::Utc);
    let id = store.issue_order(&o, t0()).await.expect("issue").order_id();
    let order = store
        .order(Scope::All, id)
        .await
        .expect("q")
        .expect("order");

    let submit = Event::Submit(WfChange {
        kind: ChangeKind::ChangeWebsite,
        fields: vec![FieldChange {
            path: "websites[0].name".into(),
            old: Some("云帆数据".into()),
            new: Some("云帆数据平台".into()),
        }],
        attachments: Vec::new(),
        note: "已修改".into(),
    });
    let now = t0() + Duration::days(2);
    let decided = wf::apply(
        &order.snapshot().expect("snapshot"),
        wf::Actor::Customer,
        &submit,
        &policy,
        &calendar,
        now.with_timezone(&tz),
    )
    .expect("customer may submit");
    let mut t =
        Transition::from_workflow(&order, Scope::All, &decided, Actor::system("customer"), now);
    t.record = Some(SideRecord::ChangeRequest {
        kind: "change_website".into(),
        fields: json!([{"path": "websites[0].name", "new": "云帆数据平台"}]),
        attachments: json!([]),
    });
    let out = store.transition(&t).await.expect("submit");
    assert_eq!(out.order.state, "submitted");
    let submitted = out.order;

    // The operator rejects late in the period: the customer keeps at least the policy's
    // working days, and the store keeps the deadline the workflow computed.
    let late = submitted.deadline_at - Duration::hours(30);
    let reject = Event::Reject {
        opinions: vec![FieldOpinion {
            path: "websites[0].name".into(),
            opinion: "名称仍与首页标题不一致".into(),
        }],
    };
    let decided = wf::apply(
        &submitted.snapshot().expect("snapshot"),
        wf::Actor::Operator,
        &reject,
        &policy,
        &calendar,
        late.with_timezone(&tz),
    )
    .expect("operator may reject");
    let mut t =
        Transition::from_workflow(&submitted, Scope::All, &decided, Actor::system("op"), late);
    t.record = Some(SideRecord::ChangeDecision {
        change_request_id: out.record_id.expect("change request"),
        approved: false,
        opinions: json!({"websites[0].name": "名称仍与首页标题不一致"}),
    });
    let returned = store.transition(&t).await.expect("reject").order;
    assert_eq!(returned.state, "returned");
    assert_eq!(
        returned.deadline_at,
        decided.deadline.with_timezone(&chrono::Utc)
    );
    assert!(
        returned.deadline_at > submitted.deadline_at,
        "the return gave days back"
    );
    assert_eq!(
        returned.snapshot().expect("snapshot").deadline,
        decided.deadline
    );
    let f = store.filing(Scope::All, fid).await.expect("q").expect("f");
    assert_eq!(f.status, "rectification");

    // A decision taken on the stale snapshot loses.
    let stale =
        Transition::from_workflow(&submitted, Scope::All, &decided, Actor::system("op"), late);
    assert!(matches!(
        store.transition(&stale).await,
        Err(StoreError::Stale { .. })
    ));
}

async fn side_records_follow_transitions(store: Store) {
    let owner = customer(&store, "甲").await;
    let fid = import(&store, Some(owner), 1).await;
    let order = issue(&store, fid).await;
    let scope = Scope::Customer(owner);

    let mut ext = Transition::new(&order, scope, "issued", "request_extension", system(), t0());
    ext.changes.extension_state = Some("requested".into());
    ext.changes.extension_days = Some(5);
    ext.record = Some(SideRecord::ExtensionRequest {
        days: 5,
        reason: "材料准备中".into(),
    });
    let order = store.transition(&ext).await.expect("extension").order;
    assert_eq!(order.extension_state, "requested");
    let mut again = Transition::new(&order, scope, "issued", "request_extension", system(), t0());
    again.record = Some(SideRecord::ExtensionRequest {
        days: 2,
        reason: "再次".into(),
    });
    assert!(matches!(
        store.transition(&again).await,
        Err(StoreError::Invalid { .. })
    ));

    let mut grant = Transition::new(
        &order,
        Scope::All,
        "issued",
        "decide_extension",
        system(),
        t0(),
    );
    grant.changes.extension_state = Some("granted".into());
    grant.changes.deadline_at = Some(t0() + Duration::days(21));
    grant.record = Some(SideRecord::ExtensionDecision { granted: true });
    let order = store.transition(&grant).await.expect("grant").order;
    assert_eq!(order.deadline_at, t0() + Duration::days(21));

    let mut submit = Transition::new(&order, scope, "submitted", "submit", system(), t0());
    submit.record = Some(SideRecord::ChangeRequest {
        kind: "change_website".into(),
        fields: json!([{"field": "websites[0].name", "value": "云帆数据"}]),
        attachments: json!([{"name": "授权书.pdf", "size": 1024}]),
    });
    let out = store.transition(&submit).await.expect("submit");
    let cr = out.record_id.expect("change request id");
    let mut reject = Transition::new(&out.order, Scope::All, "returned", "reject", system(), t0());
    reject.record = Some(SideRecord::ChangeDecision {
        change_request_id: cr,
        approved: false,
        opinions: json!({"websites[0].name": "名称与首页标题不一致"}),
    });
    let order = store.transition(&reject).await.expect("reject").order;
    let crs = store.change_requests(scope, order.id).await.expect("crs");
    assert_eq!(crs.len(), 1);
    assert_eq!(crs[0].state, "rejected");
    assert_eq!(
        crs[0].opinions.as_ref().expect("opinions")["websites[0].name"],
        "名称与首页标题不一致"
    );

    let mut appeal = Transition::new(&order, scope, "appealed", "appeal", system(), t0());
    appeal.record = Some(SideRecord::Appeal {
        reason: "已更正".into(),
        evidence: json!(["截图"]),
    });
    let order = store.transition(&appeal).await.expect("appeal").order;
    let mut decide = Transition::new(
        &order,
        Scope::All,
        "resolved",
        "decide_appeal",
        system(),
        t0(),
    );
    decide.record = Some(SideRecord::AppealDecision { upheld: true });
    decide.filing_status = Some("normal".into());
    decide.all_sites_status = Some("normal".into());
    let order = store.transition(&decide).await.expect("decide").order;
    assert_eq!(order.state, "resolved");
    let requests = store
        .order_requests(scope, order.id)
        .await
        .expect("requests");
    let kinds: Vec<_> = requests
        .iter()
        .map(|r| (r.kind.as_str(), r.state.as_str()))
        .collect();
    assert_eq!(kinds, [("extension", "granted"), ("appeal", "upheld")]);
    let f = store.filing(scope, fid).await.expect("q").expect("f");
    assert_eq!(f.status, "normal");
    assert_eq!(store.audit_verify().await.expect("verify").rows, 8);
}

async fn audit_log_refuses_update_and_delete(store: Store) {
    let fid = import(&store, None, 1).await;
    issue(&store, fid).await;
    assert!(
        raw(&store, "UPDATE audit_log SET actor = 'x'")
            .await
            .is_err()
    );
    assert!(raw(&store, "DELETE FROM audit_log").await.is_err());
    assert_eq!(scalar(&store, "SELECT COUNT(*) FROM audit_log").await, 2);
    assert!(store.audit_verify().await.expect("verify").is_intact());
}

async fn disable_update_trigger(store: &Store) {
    if store.backend() == Backend::Sqlite {
        raw(store, "DROP TRIGGER audit_log_no_update")
            .await
            .expect("drop trigger");
        raw(store, "DROP TRIGGER audit_log_no_delete")
            .await
            .expect("drop trigger");
    } else {
        raw(
            store,
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
        )
        .await
        .expect("disable trigger");
    }
}

async fn audit_chain_detects_tampering_behind_the_store(store: Store) {
    let a = customer(&store, "甲").await;
    let fid = import(&store, Some(a), 1).await;
    let order = issue(&store, fid).await;
    let t = Transition::new(&order, Scope::All, "submitted", "submit", system(), t0());
    store.transition(&t).await.expect("submit");
    let report = store.audit_verify().await.expect("verify");
    assert_eq!((report.rows, report.broken.clone()), (3, None));

    disable_update_trigger(&store).await;
    raw(
        &store,
        "UPDATE audit_log SET to_state = 'resolved' WHERE seq = 2",
    )
    .await
    .expect("tamper");
    let report = store.audit_verify().await.expect("verify");
    assert_eq!(report.broken.as_ref().map(|b| b.0), Some(2), "{report:?}");

    // Moving a row into another customer's view is caught as well.
    raw(
        &store,
        "UPDATE audit_log SET to_state = 'issued' WHERE seq = 2",
    )
    .await
    .expect("restore");
    assert!(store.audit_verify().await.expect("verify").is_intact());
    raw(
        &store,
        "UPDATE audit_log SET customer_id = NULL WHERE seq = 3",
    )
    .await
    .expect("tamper customer");
    let report = store.audit_verify().await.expect("verify");
    assert_eq!(report.broken.as_ref().map(|b| b.0), Some(3), "{report:?}");
}

async fn audit_chain_detects_a_removed_tail(store: Store) {
    let fid = import(&store, None, 1).await;
    issue(&store, fid).await;
    if store.backend() == Backend::Sqlite {
        raw(&store, "DROP TRIGGER audit_log_no_delete")
            .await
            .expect("drop");
    } else {
        raw(
            &store,
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
        )
        .await
        .expect("disable");
    }
    raw(&store, "DELETE FROM audit_log WHERE seq = 2")
        .await
        .expect("delete last");
    let report = store.audit_verify().await.expect("verify");
    assert_eq!(report.rows, 1);
    assert!(
        !report.is_intact(),
        "the chain head still counts the removed row"
    );
    raw(&store, "DELETE FROM audit_log WHERE seq = 1")
        .await
        .expect("delete first");
    let report = store.audit_verify().await.expect("verify");
    assert!(!report.is_intact());
}

fn job(queue: &str, n: i64) -> NewJob {
    NewJob {
        queue: queue.to_owned(),
        payload: json!({ "n": n }),
        run_at: t0(),
        dedupe_key: None,
        max_attempts: 3,
    }
}

async fn concurrent_claimers_never_share_a_job(store: Store) {
    const JOBS: i64 = 120;
    for n in 0..JOBS {
        store
            .enqueue(&job("sweep", n), t0())
            .await
            .expect("enqueue");
    }
    let mut workers = Vec::new();
    for w in 0..6 {
        let store = store.clone();
        workers.push(tokio::spawn(async move {
            let name = format!("worker-{w}");
            let mut got = Vec::new();
            while let Some(j) = store
                .claim("sweep", &name, Duration::seconds(60), t0())
                .await
                .expect("claim")
            {
                assert_eq!(j.locked_by.as_deref(), Some(name.as_str()));
                assert!(store.complete(j.id, &name, t0()).await.expect("complete"));
                got.push(j.id);
            }
            got
        }));
    }
    let mut seen = BTreeMap::new();
    for w in workers {
        for id in w.await.expect("worker") {
            *seen.entry(id).or_insert(0) += 1;
        }
    }
    assert_eq!(seen.len() as i64, JOBS, "every job was claimed");
    assert!(seen.values().all(|&n| n == 1), "no job went to two workers");
    let counts = store.job_counts("sweep").await.expect("counts");
    assert_eq!(
        counts,
        [Count {
            key: "done".into(),
            count: JOBS
        }]
    );
}

async fn expired_lease_is_reclaimed(store: Store) {
    let id = match store
        .enqueue(&job("sweep", 1), t0())
        .await
        .expect("enqueue")
    {
        Enqueued::New { job_id } => job_id,
        other => panic!("{other:?}"),
    };
    let lease = Duration::seconds(30);
    let a = store
        .claim("sweep", "a", lease, t0())
        .await
        .expect("claim")
        .expect("job");
    assert_eq!((a.id, a.attempts), (id, 1));
    assert!(
        store
            .claim("sweep", "b", lease, t0() + Duration::seconds(10))
            .await
            .expect("claim")
            .is_none()
    );
    // A heartbeat extends the lease past the first expiry.
    assert!(
        store
            .heartbeat(id, "a", lease, t0() + Duration::seconds(20))
            .await
            .expect("hb")
    );
    assert!(
        store
            .claim("sweep", "b", lease, t0() + Duration::seconds(40))
            .await
            .expect("claim")
            .is_none()
    );
    // Then worker a dies: after the lease, b takes the job over.
    let b = store
        .claim("sweep", "b", lease, t0() + Duration::seconds(51))
        .await
        .expect("claim")
        .expect("reclaimed");
    assert_eq!(
        (b.id, b.attempts, b.locked_by.as_deref()),
        (id, 2, Some("b"))
    );
    assert!(
        !store
            .complete(id, "a", t0() + Duration::seconds(52))
            .await
            .expect("late a")
    );
    assert!(
        !store
            .heartbeat(id, "a", lease, t0() + Duration::seconds(52))
            .await
            .expect("late hb")
    );
    assert_eq!(
        store
            .fail(id, "a", "late", t0() + Duration::seconds(52))
            .await
            .expect("late fail"),
        FailOutcome::LeaseLost
    );
    assert!(
        store
            .complete(id, "b", t0() + Duration::seconds(53))
            .await
            .expect("b")
    );
    assert_eq!(store.job(id).await.expect("q").expect("job").state, "done");
}

async fn failures_retry_with_backoff_then_dead_letter(store: Store) {
    store.enqueue(&job("mail", 1), t0()).await.expect("enqueue");
    let lease = Duration::seconds(60);
    let mut now = t0();
    for attempt in 1..=2 {
        let j = store
            .claim("mail", "w", lease, now)
            .await
            .expect("claim")
            .expect("job");
        assert_eq!(j.attempts, attempt);
        let out = store.fail(j.id, "w", "SMTP 451", now).await.expect("fail");
        let FailOutcome::Retry { run_at } = out else {
            panic!("attempt {attempt} should retry: {out:?}");
        };
        assert_eq!(run_at, now + retry_delay(attempt));
        assert!(
            store
                .claim("mail", "w", lease, run_at - Duration::milliseconds(1))
                .await
                .expect("claim")
                .is_none(),
            "not before the backoff"
        );
        now = run_at;
    }
    let j = store
        .claim("mail", "w", lease, now)
        .await
        .expect("claim")
        .expect("job");
    assert_eq!(j.attempts, 3);
    assert_eq!(
        store
            .fail(j.id, "w", "SMTP 550 拒收", now)
            .await
            .expect("fail"),
        FailOutcome::Dead
    );
    assert!(
        store
            .claim("mail", "w", lease, now + Duration::days(1))
            .await
            .expect("claim")
            .is_none()
    );
    let dead = store.dead_jobs("mail", 10).await.expect("dead");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].last_error.as_deref(), Some("SMTP 550 拒收"));
    assert!(store.retry_dead(j.id, now).await.expect("retry"));
    let again = store
        .claim("mail", "w", lease, now)
        .await
        .expect("claim")
        .expect("requeued");
    assert_eq!(again.attempts, 1);
}

async fn final_attempt_dying_goes_to_dead_letters(store: Store) {
    let mut j = job("sweep", 1);
    j.max_attempts = 1;
    store.enqueue(&j, t0()).await.expect("enqueue");
    let lease = Duration::seconds(30);
    store
        .claim("sweep", "a", lease, t0())
        .await
        .expect("claim")
        .expect("job");
    // a dies; its single attempt is spent.
    assert!(
        store
            .claim("sweep", "b", lease, t0() + Duration::minutes(5))
            .await
            .expect("claim")
            .is_none()
    );
    let dead = store.dead_jobs("sweep", 10).await.expect("dead");
    assert_eq!(dead.len(), 1);
    assert!(
        dead[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("lease expired")
    );
}

async fn dedupe_key_holds_while_pending(store: Store) {
    let mut j = job("recheck", 1);
    j.dedupe_key = Some("filing:1".into());
    let first = store.enqueue(&j, t0()).await.expect("first");
    let Enqueued::New { job_id } = first else {
        panic!("{first:?}")
    };
    assert_eq!(
        store.enqueue(&j, t0()).await.expect("dup"),
        Enqueued::Duplicate { job_id }
    );
    let pending = |store: Store| async move {
        store
            .pending_job("recheck", "filing:1")
            .await
            .expect("pending")
            .map(|job| (job.id, job.state))
    };
    assert_eq!(
        pending(store.clone()).await,
        Some((job_id, "queued".into()))
    );
    let claimed = store
        .claim("recheck", "w", Duration::seconds(60), t0())
        .await
        .expect("c")
        .expect("job");
    assert_eq!(
        pending(store.clone()).await,
        Some((job_id, "running".into()))
    );
    assert_eq!(
        store
            .pending_job("sweep", "filing:1")
            .await
            .expect("other queue"),
        None
    );
    assert_eq!(
        store.enqueue(&j, t0()).await.expect("dup while running"),
        Enqueued::Duplicate { job_id }
    );
    assert!(
        store
            .complete(claimed.id, "w", t0())
            .await
            .expect("complete")
    );
    assert_eq!(
        pending(store.clone()).await,
        None,
        "a done job is not pending"
    );
    assert!(
        matches!(store.enqueue(&j, t0()).await.expect("after"), Enqueued::New { job_id: n } if n != job_id)
    );
    let mut other = j.clone();
    other.queue = "sweep".into();
    assert!(matches!(
        store.enqueue(&other, t0()).await.expect("other queue"),
        Enqueued::New { .. }
    ));
}

async fn enqueue_many_skips_pending_keys_and_feeds_claims(store: Store) {
    // One key already pending; 1,000 more in one call (two statements, of a thousand and one).
    let keyed = |i: i64| {
        let mut j = job("verify", i);
        j.dedupe_key = Some(format!("verify:1:{i}"));
        j
    };
    store.enqueue(&keyed(0), t0()).await.expect("first");
    let jobs: Vec<NewJob> = (0..1_001).map(keyed).collect();
    assert_eq!(store.enqueue_many(&jobs, t0()).await.expect("many"), 1_000);
    assert_eq!(store.enqueue_many(&jobs, t0()).await.expect("again"), 0);
    assert_eq!(store.enqueue_many(&[], t0()).await.expect("none"), 0);
    let mut seen = HashSet::new();
    while let Some(claimed) = store
        .claim("verify", "w", Duration::seconds(60), t0())
        .await
        .expect("claim")
    {
        assert!(
            seen.insert(claimed.payload.clone()),
            "{:?}",
            claimed.payload
        );
        store.complete(claimed.id, "w", t0()).await.expect("done");
    }
    assert_eq!(seen.len(), 1_001);
    let mut bad = keyed(9_999);
    bad.max_attempts = 0;
    assert!(matches!(
        store.enqueue_many(&[keyed(10_000), bad], t0()).await,
        Err(StoreError::Invalid { .. })
    ));
    assert_eq!(
        scalar(
            &store,
            "SELECT COUNT(*) FROM jobs WHERE dedupe_key = 'verify:1:10000'"
        )
        .await,
        0,
        "a refused batch stores nothing"
    );

    // The keys of a run: ids and numbers in id order, by status, in pages.
    for n in 1..=5 {
        import(&store, None, n).await;
    }
    let keys = store.filing_keys(None, None, None, 3).await.expect("keys");
    assert_eq!(keys.len(), 3);
    let rest = store
        .filing_keys(None, None, Some(keys[2].0), 10)
        .await
        .expect("rest");
    assert_eq!(rest.len(), 2);
    assert!(
        keys.iter()
            .chain(&rest)
            .all(|(_, number)| number.contains("ICP"))
    );
    assert!(
        store
            .filing_keys(Some("no_such_status"), None, None, 10)
            .await
            .expect("none")
            .is_empty()
    );
}

async fn outbox_claims_and_retries(store: Store) {
    for i in 0..3 {
        store
            .enqueue_outbox(
                &NewOutbox {
                    kind: OutboxKind::Email,
                    recipient: format!("c{i}@example.cn"),
                    payload: json!({"i": i}),
                },
                t0(),
            )
            .await
            .expect("queue");
    }
    let lease = Duration::seconds(60);
    let first = store.claim_outbox(t0(), lease, 2).await.expect("claim");
    assert_eq!(first.len(), 2);
    let second = store.claim_outbox(t0(), lease, 10).await.expect("claim");
    assert_eq!(second.len(), 1, "claimed rows are not handed out twice");
    assert_ne!(second[0].id, first[0].id);
    assert!(
        store
            .outbox_delivered(first[0].id, t0())
            .await
            .expect("delivered")
    );
    assert!(
        store
            .outbox_failed(
                first[1].id,
                "connection refused",
                t0() + Duration::seconds(10)
            )
            .await
            .expect("failed")
    );
    // The sender of second[0] died: it comes back after the lease.
    assert!(
        store
            .claim_outbox(t0() + Duration::seconds(5), lease, 10)
            .await
            .expect("c")
            .is_empty()
    );
    let retry = store
        .claim_outbox(t0() + Duration::seconds(61), lease, 10)
        .await
        .expect("c");
    let ids: Vec<_> = retry.iter().map(|m| m.id).collect();
    assert_eq!(ids, [first[1].id, second[0].id]);
    assert_eq!(retry[0].attempts, 2);
    assert_eq!(retry[0].last_error.as_deref(), Some("connection refused"));
    assert_eq!(store.outbox_pending(10).await.expect("pending").len(), 2);
}

async fn order_listing_pages_filters_and_counts(store: Store) {
    let a = customer(&store, "甲").await;
    let b = customer(&store, "乙").await;
    let mut ids = Vec::new();
    for n in 0..12 {
        let owner = if n % 3 == 0 { b } else { a };
        let fid = import(&store, Some(owner), n).await;
        let mut o = new_order(fid);
        o.deadline_at = t0() + Duration::days(i64::from(n));
        o.keyword_only = n == 5;
        ids.push(store.issue_order(&o, t0()).await.expect("issue").order_id());
    }
    // Move two of customer a's orders on.
    for &id in &ids[1..3] {
        let order = store.order(Scope::All, id).await.expect("q").expect("o");
        let t = Transition::new(&order, Scope::All, "submitted", "submit", system(), t0());
        store.transition(&t).await.expect("submit");
    }
    let mut q = OrderQuery::new(Scope::Customer(a), 3);
    let mut seen = Vec::new();
    loop {
        let page = store.list_orders(&q).await.expect("page");
        assert!(page.items.len() <= 3);
        seen.extend(page.items.iter().map(|o| o.id));
        match page.next_after_id {
            Some(next) => q.after_id = Some(next),
            None => break,
        }
    }
    let mut expected: Vec<i64> = ids
        .iter()
        .enumerate()
        .filter(|(n, _)| n % 3 != 0)
        .map(|(_, &id)| id)
        .collect();
    expected.reverse();
    assert_eq!(
        seen, expected,
        "newest first, every order once, only customer a's"
    );

    let mut q = OrderQuery::new(Scope::All, 50);
    q.states = vec!["submitted".into()];
    let submitted = store.list_orders(&q).await.expect("submitted");
    assert_eq!(
        submitted.items.iter().map(|o| o.id).collect::<Vec<_>>(),
        [ids[2], ids[1]]
    );
    let mut q = OrderQuery::new(Scope::All, 50);
    q.keyword_only = Some(true);
    assert_eq!(store.list_orders(&q).await.expect("kw").items.len(), 1);

    let counts = store.order_counts(Scope::All).await.expect("counts");
    assert_eq!(
        counts,
        [
            Count {
                key: "issued".into(),
                count: 10
            },
            Count {
                key: "submitted".into(),
                count: 2
            },
        ]
    );
    let fc = store.filing_counts(Scope::Customer(b)).await.expect("fc");
    assert_eq!(
        fc,
        [Count {
            key: "rectification".into(),
            count: 4
        }]
    );

    // Overdue at t0 + 3.5 days: deadlines t0+0..t0+3 in customer states.
    let now = t0() + Duration::hours(84);
    let overdue = store
        .orders_due(Scope::All, None, now, CUSTOMER_ACTION_STATES, 100)
        .await
        .expect("overdue");
    assert_eq!(
        overdue.iter().map(|o| o.id).collect::<Vec<_>>(),
        [ids[0], ids[3]]
    );
    let soon = store
        .orders_due(
            Scope::Customer(a),
            Some(now),
            now + Duration::days(3),
            &[],
            100,
        )
        .await
        .expect("due soon");
    assert_eq!(
        soon.iter().map(|o| o.id).collect::<Vec<_>>(),
        [ids[4], ids[5]]
    );
    let mut bad = OrderQuery::new(Scope::All, 10);
    bad.states = vec!["'; DROP TABLE orders; --".into()];
    assert!(matches!(
        store.list_orders(&bad).await,
        Err(StoreError::Invalid { .. })
    ));
    let filings = store
        .list_filings(&FilingQuery {
            scope: Scope::All,
            status: None,
            after_id: None,
            limit: 5,
        })
        .await
        .expect("filings");
    assert_eq!(filings.items.len(), 5);
    assert!(filings.next_after_id.is_some());
}

async fn accounts_sessions_tokens(store: Store) {
    let c = customer(&store, "甲").await;
    let id = store
        .create_account(
            &NewAccount {
                login: "jia".into(),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
                role: Role::Customer,
                customer_id: Some(c),
                display_name: "甲方".into(),
            },
            t0(),
        )
        .await
        .expect("account");
    let staff = NewAccount {
        login: "op".into(),
        password_hash: "h".into(),
        role: Role::Operator,
        customer_id: Some(c),
        display_name: String::new(),
    };
    assert!(matches!(
        store.create_account(&staff, t0()).await,
        Err(StoreError::Invalid { .. })
    ));
    let acc = store
        .account_by_login("jia")
        .await
        .expect("q")
        .expect("found");
    assert_eq!((acc.id, acc.scope()), (id, Scope::Customer(c)));

    let token = "session-token-abc";
    store
        .create_session(&token_hash(token), id, t0() + Duration::hours(8), t0())
        .await
        .expect("session");
    let found = store
        .session_account(&token_hash(token), t0() + Duration::hours(1))
        .await
        .expect("q");
    assert_eq!(found.map(|a| a.id), Some(id));
    assert!(
        store
            .session_account(&token_hash(token), t0() + Duration::hours(9))
            .await
            .expect("q")
            .is_none()
    );
    assert!(
        store
            .session_account(&token_hash("other"), t0())
            .await
            .expect("q")
            .is_none()
    );
    assert_eq!(
        scalar(
            &store,
            "SELECT COUNT(*) FROM sessions WHERE token_hash = 'session-token-abc'"
        )
        .await,
        0,
        "only the hash is stored"
    );

    let tid = store
        .create_api_token(id, "ci", &token_hash("api-1"), None, t0())
        .await
        .expect("token");
    assert!(
        store
            .api_token_account(&token_hash("api-1"), t0())
            .await
            .expect("q")
            .is_some()
    );
    // The last use is written at most once a minute, so that requests do not all write.
    let last_used = || {
        scalar(
            &store,
            "SELECT COALESCE(MAX(last_used_at), 0) FROM api_tokens WHERE name = 'ci'",
        )
    };
    let first = last_used().await;
    assert_eq!(first, t0().timestamp_millis());
    for seconds in [1, 30, 59] {
        let later = t0() + Duration::seconds(seconds);
        store
            .api_token_account(&token_hash("api-1"), later)
            .await
            .expect("q")
            .expect("valid");
        assert_eq!(last_used().await, first, "{seconds} s later");
    }
    let minute = t0() + Duration::seconds(61);
    store
        .api_token_account(&token_hash("api-1"), minute)
        .await
        .expect("q")
        .expect("valid");
    assert_eq!(last_used().await, minute.timestamp_millis());
    assert!(store.revoke_api_token(id, tid, t0()).await.expect("revoke"));
    assert!(
        store
            .api_token_account(&token_hash("api-1"), t0())
            .await
            .expect("q")
            .is_none()
    );

    assert!(store.set_account_disabled(id, true).await.expect("disable"));
    assert!(
        store
            .session_account(&token_hash(token), t0())
            .await
            .expect("q")
            .is_none()
    );
}

async fn idempotency_keys_replay_and_refuse(store: Store) {
    let id = store
        .create_account(
            &NewAccount {
                login: "op".into(),
                password_hash: "h".into(),
                role: Role::Operator,
                customer_id: None,
                display_name: String::new(),
            },
            t0(),
        )
        .await
        .expect("account");
    assert_eq!(
        store
            .idempotency_begin(id, "k1", "req-a", t0())
            .await
            .expect("b"),
        IdempotencyBegin::New
    );
    assert_eq!(
        store
            .idempotency_begin(id, "k1", "req-a", t0())
            .await
            .expect("b"),
        IdempotencyBegin::InProgress
    );
    assert_eq!(
        store
            .idempotency_begin(id, "k1", "req-b", t0())
            .await
            .expect("b"),
        IdempotencyBegin::Mismatch
    );
    assert!(
        store
            .idempotency_finish(id, "k1", 201, "{\"id\":7}", t0())
            .await
            .expect("f")
    );
    assert_eq!(
        store
            .idempotency_begin(id, "k1", "req-a", t0())
            .await
            .expect("b"),
        IdempotencyBegin::Replay {
            status: 201,
            body: "{\"id\":7}".into()
        }
    );
    store
        .idempotency_begin(id, "k2", "req-c", t0())
        .await
        .expect("b");
    store.idempotency_abandon(id, "k2").await.expect("abandon");
    assert_eq!(
        store
            .idempotency_begin(id, "k2", "req-c", t0())
            .await
            .expect("b"),
        IdempotencyBegin::New
    );
    assert_eq!(
        store
            .idempotency_purge(t0() + Duration::hours(25))
            .await
            .expect("purge"),
        2
    );
}

async fn inbox_per_customer(store: Store) {
    let a = customer(&store, "甲").await;
    let b = customer(&store, "乙").await;
    for i in 0..3 {
        store
            .send_inbox(
                &NewInbox {
                    customer_id: a,
                    order_id: None,
                    title: format!("通知{i}"),
                    body: "正文".into(),
                },
                t0(),
            )
            .await
            .expect("send");
    }
    let page = store.inbox(a, false, None, 2).await.expect("inbox");
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[0].title, "通知2");
    let rest = store
        .inbox(a, false, page.next_after_id, 2)
        .await
        .expect("inbox");
    assert_eq!(rest.items.len(), 1);
    assert!(rest.next_after_id.is_none());
    assert!(
        !store
            .mark_inbox_read(b, page.items[0].id, t0())
            .await
            .expect("other's")
    );
    assert!(
        store
            .mark_inbox_read(a, page.items[0].id, t0())
            .await
            .expect("own")
    );
    assert_eq!(store.unread_count(a).await.expect("n"), 2);
    assert_eq!(
        store
            .inbox(a, true, None, 10)
            .await
            .expect("unread")
            .items
            .len(),
        2
    );
    assert!(
        store
            .inbox(b, false, None, 10)
            .await
            .expect("b")
            .items
            .is_empty()
    );
}

/// The ids a search found, in order.
async fn found(store: &Store, scope: Scope, text: &str) -> Vec<i64> {
    store
        .search_filings(scope, text, 50)
        .await
        .expect("search")
        .hits
        .iter()
        .map(|h| h.filing.id)
        .collect()
}

/// The statements of a migration that fill rows (UPDATE, INSERT), without the DDL.
fn backfill_statements(backend: &str, file: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend)
        .join(file);
    let text = std::fs::read_to_string(path).expect("migration file");
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    code.split(';')
        .map(str::trim)
        .filter(|s| s.starts_with("UPDATE") || s.starts_with("INSERT"))
        .map(str::to_owned)
        .collect()
}

async fn search_finds_filings_by_number_code_domain_and_name(store: Store) {
    let a = customer(&store, "甲").await;
    let b = customer(&store, "乙").await;
    // The long name first, so that the exact name has the higher id and still comes first.
    let mut long = filing(1);
    long.entity.name = "北京云帆数据科技有限公司".into();
    long.websites[0].domains = vec!["Yunfan-Data.CN".into(), "www.yunfan-data.cn".into()];
    let long = store
        .upsert_filing(Some(a), &long, &system(), t0())
        .await
        .expect("upsert")
        .filing_id;
    let mut short = filing(2);
    short.entity.name = "云帆数据".into();
    short.websites[0].domains = vec!["www.yunfan.com.cn".into()];
    let short = store
        .upsert_filing(Some(a), &short, &system(), t0())
        .await
        .expect("upsert")
        .filing_id;
    // A person: the certificate is an ID number, which no search may find.
    let mut person = filing(3);
    person.entity.name = "ACME 100% 工作室".into();
    person.entity.kind = beian_domain::EntityKind::Personal;
    person.entity.certificate_type = beian_domain::filing::CertificateType::ResidentId;
    person.entity.certificate_number = "11010519491231002X".into();
    person.websites[0].domains = vec!["acme-studio.cn".into()];
    let person = store
        .upsert_filing(Some(b), &person, &system(), t0())
        .await
        .expect("upsert")
        .filing_id;
    let order = issue(&store, long).await;

    let all = Scope::All;
    // Filing numbers: the entity's, a site's, leniently spelled; an unknown site of a known
    // entity still names the entity.
    for text in [
        "京ICP备2024000001号",
        "京ICP备2024000001号-1",
        " 京icp备２０２４０００００１号－1 ",
        "京ICP备2024000001号-9",
    ] {
        assert_eq!(found(&store, all, text).await, vec![long], "{text}");
    }
    let hit = store
        .search_filings(all, "京ICP备2024000001号", 50)
        .await
        .expect("search");
    assert_eq!(hit.kind, Some(SearchKind::FilingNumber));
    assert_eq!(hit.hits[0].open_order_id, Some(order.id));
    assert_eq!(hit.hits[0].filing.entity_name, "北京云帆数据科技有限公司");
    assert!(found(&store, all, "京ICP备2024000009号").await.is_empty());

    // Credit codes: exact, any case; the person's ID number is no key.
    let hit = store
        .search_filings(all, "91110108ma01xy7k9d", 50)
        .await
        .expect("search");
    assert_eq!(hit.kind, Some(SearchKind::CreditCode));
    let ids: Vec<i64> = hit.hits.iter().map(|h| h.filing.id).collect();
    assert_eq!(ids, vec![long, short]);
    let hit = store
        .search_filings(all, "11010519491231002X", 50)
        .await
        .expect("search");
    assert_eq!(hit.kind, Some(SearchKind::CreditCode));
    assert!(hit.hits.is_empty(), "an ID number finds nothing");

    // Domains: case, a trailing dot, `www.` and a pasted address aside, but exact.
    for (text, want) in [
        ("yunfan-data.cn", vec![long]),
        ("WWW.Yunfan-Data.cn.", vec![long]),
        ("https://www.yunfan-data.cn/about?x=1", vec![long]),
        ("yunfan.com.cn", vec![short]),
        ("www.yunfan.com.cn", vec![short]),
        ("data.cn", vec![]),
        ("yunfan-data.cn.evil.cn", vec![]),
    ] {
        assert_eq!(found(&store, all, text).await, want, "{text}");
    }
    assert_eq!(
        store
            .search_filings(all, "yunfan-data.cn", 50)
            .await
            .expect("search")
            .kind,
        Some(SearchKind::Domain)
    );

    // Names: a substring, the exact name first, ASCII case aside; % is only a character.
    let hit = store
        .search_filings(all, "云帆数据", 50)
        .await
        .expect("search");
    assert_eq!(hit.kind, Some(SearchKind::EntityName));
    let ids: Vec<i64> = hit.hits.iter().map(|h| h.filing.id).collect();
    assert_eq!(ids, vec![short, long], "the exact name first");
    assert_eq!(found(&store, all, "acme").await, vec![person]);
    assert_eq!(found(&store, all, "100%").await, vec![person]);
    assert_eq!(
        found(&store, all, "%").await,
        vec![person],
        "not a wildcard"
    );
    assert!(found(&store, all, "_").await.is_empty());
    assert!(found(&store, all, "星海").await.is_empty());

    // Scope: a customer finds only its own filings.
    assert_eq!(
        found(&store, Scope::Customer(a), "云帆").await,
        vec![long, short]
    );
    assert!(
        found(&store, Scope::Customer(b), "京ICP备2024000001号")
            .await
            .is_empty()
    );
    assert!(
        found(&store, Scope::Customer(b), "yunfan-data.cn")
            .await
            .is_empty()
    );

    // The cap: the first `limit` in order, and whether there were more.
    let capped = store
        .search_filings(all, "示例科技有限公司", 50)
        .await
        .expect("search");
    assert!(capped.hits.is_empty() && !capped.capped);
    let capped = store.search_filings(all, "云帆", 1).await.expect("search");
    assert_eq!(capped.hits.len(), 1);
    assert!(capped.capped);
    let whole = store.search_filings(all, "云帆", 2).await.expect("search");
    assert_eq!(whole.hits.len(), 2);
    assert!(!whole.capped);

    // Nothing to look for finds nothing.
    let empty = store.search_filings(all, "  ", 50).await.expect("search");
    assert_eq!((empty.kind, empty.hits.len()), (None, 0));

    // A new version moves the keys: the old domain is gone, the new one found.
    let mut moved = filing(2);
    moved.entity.name = "云帆数据".into();
    moved.websites[0].domains = vec!["yunfan.net.cn".into()];
    store
        .upsert_filing(Some(a), &moved, &system(), t0() + Duration::hours(1))
        .await
        .expect("new version");
    assert!(found(&store, all, "yunfan.com.cn").await.is_empty());
    assert_eq!(found(&store, all, "yunfan.net.cn").await, vec![short]);

    // The migration's SQL fills the same keys as the upsert for filings stored before it.
    let backend = match store.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    raw(&store, "DELETE FROM site_domains")
        .await
        .expect("clear");
    raw(&store, "UPDATE filings SET credit_code = NULL")
        .await
        .expect("clear");
    assert!(found(&store, all, "yunfan-data.cn").await.is_empty());
    for sql in backfill_statements(backend, "0004_search_keys.sql") {
        let sql = sqlx::AssertSqlSafe(sql);
        if let Some(pool) = store.sqlite_pool() {
            sqlx::raw_sql(sql).execute(pool).await.expect("backfill");
        } else {
            let pool = store.postgres_pool().expect("one of the two backends");
            sqlx::raw_sql(sql).execute(pool).await.expect("backfill");
        }
    }
    assert_eq!(
        found(&store, all, "www.yunfan-data.cn").await,
        vec![long],
        "mixed case and www. filled as the upsert fills them"
    );
    assert_eq!(found(&store, all, "yunfan.net.cn").await, vec![short]);
    assert_eq!(
        found(&store, all, "91110108MA01XY7K9D").await,
        vec![long, short]
    );
    assert!(
        found(&store, all, "11010519491231002X").await.is_empty(),
        "the backfill skips a person's ID number"
    );
}

/// A PDF-looking document whose bytes cover every byte value, NUL included, so that a
/// round trip proves the column keeps binary data exactly.
fn document(tag: u8) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..=255_u8).cycle().take(70_000));
    bytes.push(tag);
    bytes
}

fn sha256_of(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

async fn attachments_are_stored_once_by_content(store: Store) {
    let pdf = document(1);
    let key = store
        .put_attachment("application/pdf", &pdf, t0())
        .await
        .expect("put");
    assert_eq!(key, sha256_of(&pdf), "the key is the content's SHA-256");
    let again = store
        .put_attachment("application/pdf", &pdf, t0() + Duration::hours(1))
        .await
        .expect("put again");
    assert_eq!(again, key);
    // Racing uploads of the same document: every one succeeds, one row is kept.
    let racers: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            let pdf = pdf.clone();
            tokio::spawn(async move { store.put_attachment("application/pdf", &pdf, t0()).await })
        })
        .collect();
    for racer in racers {
        assert_eq!(racer.await.expect("join").expect("racing put"), key);
    }
    assert_eq!(scalar(&store, "SELECT COUNT(*) FROM attachments").await, 1);
    assert_eq!(
        scalar(&store, "SELECT size FROM attachments").await,
        pdf.len() as i64
    );
    store
        .put_attachment("image/png", b"\x89PNG\r\n\x1a\nrest", t0())
        .await
        .expect("another document");
    assert_eq!(scalar(&store, "SELECT COUNT(*) FROM attachments").await, 2);
    for bad in ["application/x-msdownload", "text/html", ""] {
        assert!(
            matches!(
                store.put_attachment(bad, b"MZ", t0()).await,
                Err(StoreError::Invalid { .. })
            ),
            "{bad:?} is refused"
        );
    }
    assert_eq!(scalar(&store, "SELECT COUNT(*) FROM attachments").await, 2);
}

/// Customer `owner`'s order with a submitted change request listing `listed`.
async fn order_listing(store: &Store, owner: i64, n: u32, listed: serde_json::Value) -> Order {
    let fid = import(store, Some(owner), n).await;
    let order = issue(store, fid).await;
    let mut submit = Transition::new(
        &order,
        Scope::Customer(owner),
        "submitted",
        "submit",
        system(),
        t0(),
    );
    submit.record = Some(SideRecord::ChangeRequest {
        kind: "change_filing".into(),
        fields: json!({"changes": [], "note": "换发营业执照"}),
        attachments: listed,
    });
    store.transition(&submit).await.expect("submit").order
}

async fn attachments_are_read_only_through_a_visible_listing(store: Store) {
    let a = customer(&store, "甲").await;
    let b = customer(&store, "乙").await;
    let licence = document(2);
    let key = store
        .put_attachment("application/pdf", &licence, t0())
        .await
        .expect("put");
    let never_stored = sha256_of(b"only the metadata was sent");
    let order_a = order_listing(
        &store,
        a,
        1,
        json!([
            {"name": "营业执照（副本）.pdf", "sha256": key, "size": licence.len()},
            {"name": "说明.pdf", "sha256": never_stored, "size": 26},
        ]),
    )
    .await;
    let order_b = order_listing(&store, b, 2, json!([])).await;
    let unlisted = store
        .put_attachment("image/jpeg", b"\xff\xd8\xffjpeg", t0())
        .await
        .expect("put");

    // The owner and staff read it, bytes and all, under the listed name.
    for scope in [Scope::Customer(a), Scope::All] {
        let file = store
            .attachment(scope, order_a.id, &key)
            .await
            .expect("read")
            .expect("listed and visible");
        assert_eq!(file.bytes, licence, "{scope:?}");
        assert_eq!(file.name, "营业执照（副本）.pdf");
        assert_eq!(file.media_type, "application/pdf");
        assert_eq!(file.size, licence.len() as i64);
        assert_eq!(file.sha256, key);
        assert_eq!(file.created_at, t0());
    }
    // Another customer finds nothing: not through A's order, not through their own order
    // (which does not list it), not by a stored hash no request lists.
    let not_found = [
        (Scope::Customer(b), order_a.id, key.as_str()),
        (Scope::Customer(b), order_b.id, key.as_str()),
        (Scope::All, order_b.id, key.as_str()),
        (Scope::Customer(a), order_a.id, unlisted.as_str()),
        (Scope::All, order_a.id, never_stored.as_str()),
        (Scope::All, order_a.id + order_b.id + 100, key.as_str()),
        (Scope::All, order_a.id, &key[..63]),
    ];
    for (scope, order, sha) in not_found {
        assert!(
            store
                .attachment(scope, order, sha)
                .await
                .expect("read")
                .is_none(),
            "{scope:?} order {order} {sha}"
        );
    }

    // The same document in a later request under another name: the newest name wins.
    let mut returned = Transition::new(&order_a, Scope::All, "returned", "reject", system(), t0());
    returned.record = Some(SideRecord::ChangeDecision {
        change_request_id: store
            .change_requests(Scope::All, order_a.id)
            .await
            .expect("crs")[0]
            .id,
        approved: false,
        opinions: json!([{"path": "note", "opinion": "请上传盖章版"}]),
    });
    let order_a = store.transition(&returned).await.expect("reject").order;
    let mut resubmit = Transition::new(
        &order_a,
        Scope::Customer(a),
        "submitted",
        "submit",
        system(),
        t0(),
    );
    resubmit.record = Some(SideRecord::ChangeRequest {
        kind: "change_filing".into(),
        fields: json!({"changes": [], "note": "已盖章"}),
        attachments: json!([{"name": "营业执照-盖章.pdf", "sha256": key, "size": licence.len()}]),
    });
    store.transition(&resubmit).await.expect("resubmit");
    let file = store
        .attachment(Scope::Customer(a), order_a.id, &key)
        .await
        .expect("read")
        .expect("still listed");
    assert_eq!(file.name, "营业执照-盖章.pdf");
}

async fn uploads_recorded_for_an_order_open_for_its_people_only(store: Store) {
    let a = customer(&store, "甲").await;
    let b = customer(&store, "乙").await;
    let order_a = issue(&store, import(&store, Some(a), 1).await).await;
    let order_b = issue(&store, import(&store, Some(b), 2).await).await;
    let scan = document(7);
    let key = store
        .put_attachment("image/png", &scan, t0())
        .await
        .expect("put");

    // Another customer cannot record an upload for A's order; A can, twice, and the
    // first name and time stay.
    assert!(
        !store
            .record_upload(Scope::Customer(b), order_a.id, &key, "截图.png", t0())
            .await
            .expect("record")
    );
    assert!(
        store
            .order_upload(Scope::All, order_a.id, &key)
            .await
            .expect("read")
            .is_none(),
        "nothing was recorded for B"
    );
    for (name, at) in [
        ("整改截图.png", t0()),
        ("另一个名字.png", t0() + Duration::hours(1)),
    ] {
        assert!(
            store
                .record_upload(Scope::Customer(a), order_a.id, &key, name, at)
                .await
                .expect("record")
        );
    }
    for scope in [Scope::Customer(a), Scope::All] {
        let upload = store
            .order_upload(scope, order_a.id, &key)
            .await
            .expect("read")
            .expect("recorded");
        assert_eq!(
            (
                upload.sha256.as_str(),
                upload.name.as_str(),
                upload.size,
                upload.uploaded_at
            ),
            (key.as_str(), "整改截图.png", scan.len() as i64, t0()),
            "{scope:?}"
        );
        // No change request lists it, and yet the order's people open it (a re-check's
        // documents), under the upload's name.
        let file = store
            .attachment(scope, order_a.id, &key)
            .await
            .expect("read")
            .expect("uploaded for the order");
        assert_eq!(
            (file.name.as_str(), file.bytes.as_slice()),
            ("整改截图.png", scan.as_slice())
        );
    }
    // Not for another customer, not through another order, not a hash never recorded.
    let absent = [
        (Scope::Customer(b), order_a.id, key.clone()),
        (Scope::Customer(b), order_b.id, key.clone()),
        (Scope::All, order_b.id, key.clone()),
        (Scope::All, order_a.id, sha256_of(b"never uploaded")),
    ];
    for (scope, order, sha) in absent {
        assert!(
            store
                .order_upload(scope, order, &sha)
                .await
                .expect("read")
                .is_none(),
            "{scope:?} order {order}"
        );
        assert!(
            store
                .attachment(scope, order, &sha)
                .await
                .expect("read")
                .is_none(),
            "{scope:?} order {order}"
        );
    }
    // Only stored bytes can be recorded.
    assert!(
        store
            .record_upload(
                Scope::All,
                order_b.id,
                &sha256_of(b"no bytes"),
                "x.pdf",
                t0()
            )
            .await
            .is_err()
    );
}
