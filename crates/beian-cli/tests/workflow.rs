//! The rectification workflow from the command line, on SQLite and on PostgreSQL: import,
//! a verification run done by `beian worker`, the orders it issues, and every step an
//! operator or a customer takes (list, show, submit, review, extend, appeal, enforce),
//! with the errors a person sees when they get something wrong.

mod store_harness;

use std::process::{Command, Output};

use serde_json::Value;
use store_harness::{TestDb, describe, root};

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The order of the filing with this number.
fn order_of(db: &TestDb, filing_number: &str) -> Value {
    let list = db.json(&["orders", "list", "--format", "json"]);
    list["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .find(|o| o["filing_number"] == filing_number)
        .unwrap_or_else(|| panic!("no order for {filing_number}: {list}"))
        .clone()
}

/// Runs `work` on the test's store, opened beside the binary's.
fn on_store<T, F: std::future::Future<Output = T>>(
    db: &TestDb,
    work: impl FnOnce(beian_store::Store) -> F,
) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let store = beian_store::Store::open(&db.url).await.expect("open");
            let out = work(store.clone()).await;
            store.close().await;
            out
        })
}

/// Takes the verification job due first at `at` off the queue, as a worker that did it.
async fn take_job(
    store: &beian_store::Store,
    at: chrono::DateTime<chrono::Utc>,
) -> serde_json::Value {
    let queue = beian_service::worker::VERIFY_QUEUE;
    let taken = store
        .claim(queue, "test", chrono::Duration::seconds(60), at)
        .await
        .expect("claim")
        .expect("a job due");
    store.complete(taken.id, "test", at).await.expect("done");
    taken.payload
}

fn state(db: &TestDb, id: &str) -> String {
    db.json(&["orders", "show", id, "--format", "json"])["state"]
        .as_str()
        .expect("state")
        .to_owned()
}

const PERSONAL: &str = "川ICP备2021003158号";
const COMPANY: &str = "浙ICP备2022031415号";

fn workflow(db: &TestDb) {
    let migrated = db.beian(&["db", "migrate"]);
    assert_eq!(migrated.status.code(), Some(0), "{}", describe(&migrated));

    // Import: the fourth example has no filing number yet and is refused by line; the
    // others are stored, and a second import changes nothing.
    let first = db.beian(&["import", "examples/filings.jsonl", "--customer", "云帆"]);
    assert_eq!(first.status.code(), Some(2), "{}", describe(&first));
    let out = String::from_utf8_lossy(&first.stdout);
    assert!(out.contains("新增 3") && out.contains("拒绝 1 行"), "{out}");
    assert!(
        stderr(&first).contains("filings.jsonl 第 4 行") && stderr(&first).contains("主体备案号"),
        "{}",
        stderr(&first)
    );
    let again = db.beian(&[
        "import",
        "examples/filings.jsonl",
        "--customer",
        "云帆",
        "--format",
        "json",
    ]);
    assert_eq!(again.status.code(), Some(2));
    let summary: Value = serde_json::from_slice(&again.stdout).expect("json");
    assert_eq!(
        (
            &summary["created"],
            &summary["unchanged"],
            &summary["refused"]
        ),
        (&Value::from(0), &Value::from(3), &Value::from(1)),
        "{summary}"
    );
    assert_eq!(summary["errors"][0]["line"], 4);

    // A broken line is refused with its line; nothing of it is stored, the good line is.
    let examples =
        std::fs::read_to_string(root().join("examples/filings.jsonl")).expect("examples");
    let mut bad = examples
        .lines()
        .next()
        .expect("a line")
        .replace("北京云帆数据科技有限公司", "北京云帆数据科技有限公司（新）");
    bad.push_str("\n{\"entity\": {\"kind\": \"企业\", \"name\": 7}}\n");
    let bad_path = db.dir.join("bad.jsonl");
    std::fs::write(&bad_path, bad).expect("write");
    let refused = db.beian(&[
        "import",
        bad_path.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    assert_eq!(refused.status.code(), Some(2), "{}", describe(&refused));
    let summary: Value = serde_json::from_slice(&refused.stdout).expect("json");
    assert_eq!(
        (&summary["updated"], &summary["refused"]),
        (&Value::from(1), &Value::from(1))
    );
    assert_eq!(summary["errors"][0]["line"], 2, "{summary}");
    assert!(
        summary["errors"][0]["field"]
            .as_str()
            .is_some_and(|f| f.contains("entity")),
        "{summary}"
    );

    // A run, done by a worker: two filings fail and get an order each.
    let started = db.json(&["run", "start", "--format", "json"]);
    assert_eq!(started["queued"], 3, "{started}");
    let run_id = started["run"].as_i64().expect("run id");
    let stats = db.json(&[
        "worker",
        "--offline",
        "--drain",
        "--date",
        "2026-11-30",
        "--format",
        "json",
    ]);
    assert_eq!(
        (&stats["done"], &stats["issued"]),
        (&Value::from(3), &Value::from(2)),
        "{stats}"
    );
    let shown = db.json(&["run", "show", &run_id.to_string(), "--format", "json"]);
    assert_eq!(
        (&shown["status"], &shown["done"]),
        (&Value::from("finished"), &Value::from(3))
    );
    // The offline judges decide everything: a retry of the run has nothing to check.
    assert_eq!(shown["inconclusive_filings"], 0, "{shown}");
    assert_eq!(shown["stalled"], false, "{shown}");
    let retry = db.json(&[
        "run",
        "start",
        "--inconclusive-of",
        &run_id.to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(retry["queued"], 0, "{retry}");
    let retried = db.json(&["run", "show", &retry["run"].to_string(), "--format", "json"]);
    assert_eq!(
        (&retried["kind"], &retried["status"]),
        (&Value::from("retry"), &Value::from("finished")),
        "{retried}"
    );
    let requeued = db.json(&["run", "requeue", &run_id.to_string(), "--format", "json"]);
    assert_eq!(
        requeued["queued"], 0,
        "a finished run misses nothing: {requeued}"
    );
    let unknown = db.beian(&["run", "requeue", "999999"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", describe(&unknown));
    assert!(stderr(&unknown).contains("核查批次 999999 不存在"));
    let unknown = db.beian(&["run", "start", "--inconclusive-of", "999999"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", describe(&unknown));
    assert!(stderr(&unknown).contains("核查批次 999999 不存在"));
    let both = db.beian(&[
        "run",
        "start",
        "--inconclusive-of",
        "1",
        "--status",
        "normal",
    ]);
    assert_eq!(both.status.code(), Some(2), "{}", describe(&both));

    // List and show.
    let personal = order_of(db, PERSONAL);
    let company = order_of(db, COMPANY);
    let pid = personal["id"].to_string();
    let cid = company["id"].to_string();
    assert_eq!(personal["state"], "issued");
    let list = db.beian(&["orders", "list", "--state", "待整改"]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.contains(PERSONAL) && text.contains(COMPANY), "{text}");
    let show = db.beian(&["orders", "show", &pid]);
    let text = String::from_utf8_lossy(&show.stdout);
    for needle in ["不通过原因：", "解决措施：", "北京时间", "下发整改单"] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    assert!(!text.contains("13800138000"), "phones are masked:\n{text}");

    // Mistakes: an unknown order is bad input (2); a step the workflow refuses is 1, with
    // the reason in Chinese; a field that does not exist is refused before anything is stored.
    let unknown = db.beian(&["order", "approve", "999999", "--operator", "zhang"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("整改单 999999 不存在"),
        "{}",
        stderr(&unknown)
    );
    let early = db.beian(&["order", "approve", &pid, "--operator", "zhang"]);
    assert_eq!(early.status.code(), Some(1), "{}", describe(&early));
    assert!(
        stderr(&early).contains("待整改") && stderr(&early).contains("不能"),
        "{}",
        stderr(&early)
    );
    let no_field = db.beian(&[
        "order",
        "submit",
        &pid,
        "--as",
        "customer:wxh",
        "--kind",
        "变更网站",
        "--set",
        "websites[5].name=新名称",
    ]);
    assert_eq!(no_field.status.code(), Some(2), "{}", describe(&no_field));
    assert!(
        stderr(&no_field).contains("websites[5]"),
        "{}",
        stderr(&no_field)
    );
    let no_actor = db.beian(&["order", "escalate", &pid]);
    assert_eq!(no_actor.status.code(), Some(2));
    assert!(stderr(&no_actor).contains("--as"), "{}", stderr(&no_actor));
    assert_eq!(state(db, &pid), "issued");

    // An attachment is held to the console's rules: a text file is refused by its
    // content, whatever its name, and nothing is submitted.
    let renamed = db.dir.join("说明.pdf");
    std::fs::write(&renamed, "网站改名说明").expect("write");
    let refused = db.beian(&[
        "order",
        "submit",
        &pid,
        "--as",
        "customer:wxh",
        "--kind",
        "变更网站",
        "--set",
        "websites[0].name=小红旅游",
        "--attach",
        renamed.to_str().expect("utf-8"),
    ]);
    assert_eq!(refused.status.code(), Some(2), "{}", describe(&refused));
    assert!(
        stderr(&refused).contains("附件「说明.pdf」不是 PDF、JPG 或 PNG 文件"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(state(db, &pid), "issued");

    // Submit, reject with an opinion per field, submit again, approve.
    let attachment = db.dir.join("说明.pdf");
    std::fs::write(
        &attachment,
        b"%PDF-1.4\n% \xe7\xbd\x91\xe7\xab\x99\xe6\x94\xb9\xe5\x90\x8d\n%%EOF\n",
    )
    .expect("write");
    let submit = |name: &str| {
        db.beian(&[
            "order",
            "submit",
            &pid,
            "--as",
            "customer:wxh",
            "--kind",
            "变更网站",
            "--set",
            &format!("websites[0].name={name}"),
            "--attach",
            attachment.to_str().expect("utf-8"),
            "--note",
            "网站改名",
        ])
    };
    let submitted = submit("小红旅游");
    assert_eq!(submitted.status.code(), Some(0), "{}", describe(&submitted));
    assert_eq!(state(db, &pid), "submitted");
    let self_approve = db.beian(&["order", "approve", &pid, "--as", "customer:wxh"]);
    assert_eq!(
        self_approve.status.code(),
        Some(1),
        "{}",
        describe(&self_approve)
    );
    assert!(
        stderr(&self_approve).contains("无权"),
        "{}",
        stderr(&self_approve)
    );
    let rejected = db.beian(&[
        "order",
        "reject",
        &pid,
        "--operator",
        "zhang",
        "--opinion",
        "websites[0].name=个人网站名称不能只写“旅游”",
    ]);
    assert_eq!(rejected.status.code(), Some(0), "{}", describe(&rejected));
    assert_eq!(state(db, &pid), "returned");
    let shown = db.json(&["orders", "show", &pid, "--format", "json"]);
    assert_eq!(shown["change_requests"][0]["state"], "rejected", "{shown}");
    let listed = &shown["change_requests"][0]["attachments"][0];
    assert_eq!(listed["name"], "说明.pdf", "{shown}");
    assert_eq!(listed["size"], 30, "{shown}");
    // The bytes are in the store, for the reviewer to open.
    let sha256 = listed["sha256"].as_str().expect("a SHA-256").to_owned();
    let order_id: i64 = pid.parse().expect("an order id");
    let kept = on_store(db, |store| async move {
        store
            .attachment(beian_store::Scope::All, order_id, &sha256)
            .await
            .expect("read")
    })
    .expect("the document is stored");
    assert_eq!(
        kept.bytes,
        std::fs::read(&attachment).expect("read"),
        "byte for byte"
    );
    assert_eq!(kept.media_type, "application/pdf");
    assert_eq!(submit("王小红的旅行笔记").status.code(), Some(0));
    let approved = db.beian(&["order", "approve", &pid, "--as", "operator:zhang"]);
    assert_eq!(approved.status.code(), Some(0), "{}", describe(&approved));
    assert_eq!(state(db, &pid), "rechecking");

    // Were the re-check left undecided twice (a source that does not answer), `orders show`
    // would say so, and when the next one is due.
    let due = chrono::Utc::now() + chrono::Duration::minutes(20);
    let queued_run = on_store(db, |store| async move {
        let now = chrono::Utc::now();
        // The re-check queued on approval.
        let job: beian_service::worker::VerifyJob =
            serde_json::from_value(take_job(&store, now).await).expect("payload");
        let deferred = beian_service::worker::VerifyJob {
            undecided: 2,
            ..job
        };
        beian_service::worker::enqueue_recheck(&store, deferred, due, now)
            .await
            .expect("deferred");
        job
    });
    let shown = db.json(&["orders", "show", &pid, "--format", "json"]);
    assert_eq!(shown["deferred_recheck"]["undecided"], 2, "{shown}");
    let text = db.beian(&["orders", "show", &pid]);
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(text.contains("已连续 2 次未能得出结论"), "{text}");
    // Back to the re-check as queued on approval, for the rest of the story.
    on_store(db, |store| async move {
        take_job(&store, due + chrono::Duration::minutes(1)).await;
        let now = chrono::Utc::now();
        beian_service::worker::enqueue_recheck(&store, queued_run, now, now)
            .await
            .expect("queued again");
    });
    assert!(
        db.json(&["orders", "show", &pid, "--format", "json"])["deferred_recheck"].is_null(),
        "nothing deferred any more"
    );

    // The re-check runs on the changed filing; the other items still fail, the customer
    // appeals and the operator upholds the appeal.
    let stats = db.json(&[
        "worker",
        "--offline",
        "--drain",
        "--date",
        "2026-11-30",
        "--format",
        "json",
    ]);
    assert_eq!(stats["still_failing"], 1, "{stats}");
    assert_eq!(state(db, &pid), "recheck_failed");
    let appeal = db.beian(&[
        "order",
        "appeal",
        &pid,
        "--as",
        "customer:wxh",
        "--reason",
        "证件已更换，系统尚未同步",
    ]);
    assert_eq!(appeal.status.code(), Some(0), "{}", describe(&appeal));
    let decided = db.beian(&[
        "order",
        "decide-appeal",
        &pid,
        "--operator",
        "zhang",
        "--uphold",
    ]);
    assert_eq!(decided.status.code(), Some(0), "{}", describe(&decided));
    assert_eq!(state(db, &pid), "resolved");

    // The company's order: an extension, granted, moves the deadline; after it passes
    // the scheduler finds the order overdue and hands it to an operator, who cancels
    // access; the customer fixes things and the order is reinstated for a re-check.
    let before = company["deadline"].as_str().expect("deadline").to_owned();
    let extend = db.beian(&[
        "order",
        "extend",
        &cid,
        "--as",
        "customer:qinghe",
        "--days",
        "5",
        "--reason",
        "等待营业执照换发",
    ]);
    assert_eq!(extend.status.code(), Some(0), "{}", describe(&extend));
    let twice = db.beian(&[
        "order",
        "extend",
        &cid,
        "--as",
        "customer:qinghe",
        "--days",
        "3",
        "--reason",
        "再延",
    ]);
    assert_eq!(twice.status.code(), Some(1), "{}", describe(&twice));
    let grant = db.beian(&[
        "order",
        "decide-extension",
        &cid,
        "--operator",
        "zhang",
        "--grant",
    ]);
    assert_eq!(grant.status.code(), Some(0), "{}", describe(&grant));
    let after = order_of(db, COMPANY)["deadline"]
        .as_str()
        .expect("deadline")
        .to_owned();
    assert!(after > before, "{before} -> {after}");
    let tick = db.json(&[
        "scheduler",
        "--once",
        "--period-days",
        "0",
        "--now",
        "2026-12-31T02:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(
        (&tick["overdue"], &tick["escalated"]),
        (&Value::from(1), &Value::from(1)),
        "{tick}"
    );
    assert_eq!(state(db, &cid), "enforcement_pending");
    let cancel = db.beian(&["order", "cancel-access", &cid, "--operator", "zhang"]);
    assert_eq!(cancel.status.code(), Some(0), "{}", describe(&cancel));
    assert_eq!(state(db, &cid), "access_cancelled");
    let reinstate = db.beian(&["order", "reinstate", &cid, "--operator", "zhang"]);
    assert_eq!(reinstate.status.code(), Some(0), "{}", describe(&reinstate));
    assert_eq!(state(db, &cid), "rechecking");

    // The timeline names every actor; the chain verifies.
    let shown = db.json(&["orders", "show", &cid, "--format", "json"]);
    let actors: Vec<&str> = shown["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|a| a["actor"].as_str())
        .collect();
    assert!(
        actors.contains(&"customer:qinghe")
            && actors.contains(&"operator:zhang")
            && actors.contains(&"system:scheduler"),
        "{actors:?}"
    );
    let verified = db.json(&["audit", "verify", "--format", "json"]);
    assert_eq!(verified["intact"], true, "{verified}");
    assert!(verified["rows"].as_i64().expect("rows") > 10, "{verified}");

    // Runs compare; exports are written, masked by default.
    let runs = db.json(&["run", "list", "--format", "json"]);
    assert!(runs.as_array().expect("runs").len() >= 2, "{runs}");
    let newest = runs[0]["id"].to_string();
    let diff = db.json(&[
        "run",
        "diff",
        &run_id.to_string(),
        &newest,
        "--format",
        "json",
    ]);
    assert!(diff["resolved"].as_array().is_some(), "{diff}");
    let csv = db.dir.join("orders.csv");
    let exported = db.beian(&["export", "orders", "--out", csv.to_str().expect("utf-8")]);
    assert_eq!(exported.status.code(), Some(0), "{}", describe(&exported));
    let text = std::fs::read_to_string(&csv).expect("csv");
    assert!(
        text.contains("整改单号") && text.contains(COMPANY),
        "{text}"
    );
    assert!(!text.contains("13800138000"), "{text}");
    for what in ["filings", "findings", "orders"] {
        let xlsx = db.dir.join(format!("{what}.xlsx"));
        let out = db.beian(&["export", what, "--out", xlsx.to_str().expect("utf-8")]);
        assert_eq!(out.status.code(), Some(0), "{what}: {}", describe(&out));
        assert!(std::fs::metadata(&xlsx).expect("xlsx").len() > 1000);
    }
    let wrong = db.beian(&["export", "orders", "--out", "orders.txt"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(stderr(&wrong).contains(".csv"), "{}", stderr(&wrong));
}

#[test]
fn the_workflow_from_the_command_line_on_sqlite() {
    workflow(&TestDb::sqlite());
}

#[test]
fn the_workflow_from_the_command_line_on_postgres() {
    workflow(&TestDb::postgres());
}

#[test]
fn a_broken_audit_chain_is_found_and_named() {
    let db = TestDb::sqlite();
    assert_eq!(
        db.beian(&["import", "examples/filings.jsonl"])
            .status
            .code(),
        Some(2)
    );
    let intact = db.beian(&["audit", "verify"]);
    assert_eq!(intact.status.code(), Some(0), "{}", describe(&intact));
    // Tamper behind the store's back: the triggers refuse UPDATE, so drop them first, as
    // someone with the database file would.
    let path = db.url.trim_start_matches("sqlite://").to_owned();
    let sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'";
    let triggers = Command::new("sqlite3")
        .args([&path, sql])
        .output()
        .expect("the sqlite3 shell must be installed");
    let mut script = String::new();
    for name in String::from_utf8_lossy(&triggers.stdout).lines() {
        script.push_str(&format!("DROP TRIGGER {name};"));
    }
    script.push_str("UPDATE audit_log SET actor = 'someone' WHERE seq = 1;");
    let tampered = Command::new("sqlite3")
        .args([&path, &script])
        .output()
        .expect("sqlite3");
    assert!(tampered.status.success(), "{}", describe(&tampered));
    let broken = db.beian(&["audit", "verify"]);
    assert_eq!(broken.status.code(), Some(1), "{}", describe(&broken));
    assert!(
        String::from_utf8_lossy(&broken.stdout).contains("第 1 条"),
        "{}",
        describe(&broken)
    );
}

#[test]
fn a_dry_run_reads_and_refuses_but_stores_nothing() {
    let db = TestDb::sqlite();
    let dry = db.beian(&[
        "import",
        "examples/filings.csv",
        "--dry-run",
        "--format",
        "json",
    ]);
    assert_eq!(dry.status.code(), Some(2), "{}", describe(&dry));
    let summary: Value = serde_json::from_slice(&dry.stdout).expect("json");
    assert_eq!(
        (&summary["created"], &summary["refused"]),
        (&Value::from(3), &Value::from(1))
    );
    assert!(
        summary["errors"][0]["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("filings.csv")),
        "{summary}"
    );
    let real = db.json(&["orders", "list", "--format", "json"]);
    assert_eq!(real["orders"], Value::Array(Vec::new()));
    let imported = db.beian(&["import", "examples/filings.csv", "--format", "json"]);
    let summary: Value = serde_json::from_slice(&imported.stdout).expect("json");
    assert_eq!(
        summary["created"], 3,
        "nothing was stored by the dry run: {summary}"
    );
}
