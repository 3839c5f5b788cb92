//! Crash safety: a sweep whose workers are killed with SIGKILL at random moments and
//! restarted ends with exactly the orders of an uninterrupted sweep over the same filings,
//! none lost and none duplicated, every order with its audit rows, an intact audit chain
//! and the run's counts right.
//!
//! The filings come from the sandbox's world generator; the workers verify them with the
//! offline judges (`--offline`, on a date when most certificates have expired), slowed by `--offline-delay-ms` so that a kill lands while
//! jobs are in flight, as it would while a live check waits on the network. The sizes
//! come from the environment so that `scripts/kill-test.sh` runs the long version:
//! `BEIAN_KILL_SITES` (90 sites, about 60 filings), `BEIAN_KILL_KILLS` (5),
//! `BEIAN_KILL_DELAY_MS` (150), `BEIAN_KILL_SEED` (from the clock, printed).

mod store_harness;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use store_harness::{TestDb, describe};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// xorshift64*: enough randomness for kill times, reproducible from the printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

/// The date the filings are judged on: far enough ahead that most of the world's
/// certificates have expired, so most filings get an order (the deadlines still count from
/// today).
const DATE: &str = "2045-01-01";

/// The filings of a sandbox world of `sites` sites, in `dir`.
fn world(db: &TestDb, sites: u64) -> std::path::PathBuf {
    let out = db.dir.join("world");
    let made = db.beian(&[
        "sandbox",
        "--sites",
        &sites.to_string(),
        "--seed",
        "7",
        "--out",
        out.to_str().expect("utf-8"),
        "--for-seconds",
        "0",
    ]);
    assert_eq!(made.status.code(), Some(0), "{}", describe(&made));
    out.join("filings.jsonl")
}

/// Imports the filings and queues a run; returns the run id and the number of filings.
fn prepare(db: &TestDb, filings: &Path) -> (i64, i64) {
    let migrated = db.beian(&["db", "migrate"]);
    assert_eq!(migrated.status.code(), Some(0), "{}", describe(&migrated));
    let imported = db.beian(&[
        "import",
        filings.to_str().expect("utf-8"),
        "--customer",
        "沙箱",
        "--format",
        "json",
    ]);
    assert_eq!(imported.status.code(), Some(0), "{}", describe(&imported));
    let started = db.json(&["run", "start", "--format", "json"]);
    (
        started["run"].as_i64().expect("run"),
        started["queued"].as_i64().expect("queued"),
    )
}

fn run_state(db: &TestDb, run: i64) -> Value {
    db.json(&["run", "show", &run.to_string(), "--format", "json"])
}

fn finished(run: &Value) -> bool {
    run["status"] == "finished" && run["done"] == run["total"]
}

/// Filing number → the fingerprints of its order's items.
type OrderSet = BTreeMap<String, BTreeSet<String>>;

/// Every order: (filing number → the set of its items' fingerprints), with the number of
/// `issue` rows in each order's audit timeline.
fn orders(db: &TestDb) -> (OrderSet, Vec<(i64, usize)>) {
    let mut by_filing = BTreeMap::new();
    let mut issue_rows = Vec::new();
    let mut after: Option<i64> = None;
    loop {
        let mut args = vec!["orders", "list", "--limit", "1000", "--format", "json"];
        let after_text = after.map(|a| a.to_string());
        if let Some(a) = &after_text {
            args.extend(["--after", a.as_str()]);
        }
        let page = db.json(&args);
        for order in page["orders"].as_array().expect("orders") {
            let id = order["id"].as_i64().expect("id");
            let shown = db.json(&["orders", "show", &id.to_string(), "--format", "json"]);
            let fingerprints: BTreeSet<String> = shown["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| i["fingerprint"].as_str().expect("fingerprint").to_owned())
                .collect();
            let number = order["filing_number"].as_str().expect("number").to_owned();
            assert!(
                by_filing.insert(number.clone(), fingerprints).is_none(),
                "two orders for {number}"
            );
            let issues = shown["timeline"]
                .as_array()
                .expect("timeline")
                .iter()
                .filter(|a| a["action"] == "issue")
                .count();
            issue_rows.push((id, issues));
        }
        match page["next_after"].as_i64() {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    (by_filing, issue_rows)
}

fn spawn_worker(db: &TestDb, name: &str, delay_ms: u64) -> Child {
    db.command(&[
        "worker",
        "--offline",
        "--offline-delay-ms",
        &delay_ms.to_string(),
        "--concurrency",
        "4",
        "--lease-seconds",
        "5",
        "--date",
        DATE,
        "--id",
        name,
        "--format",
        "json",
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .expect("spawn a worker")
}

/// What a kill test measured.
#[derive(Debug)]
struct Figures {
    filings: i64,
    kills: u64,
    workers: usize,
    seconds: f64,
    orders: usize,
}

/// Runs the sweep on `db` with `workers` workers, killing one with SIGKILL at a random
/// moment `kills` times and starting it again; then lets the survivors drain the queue
/// and stops them with SIGTERM.
fn sweep_with_kills(
    db: &TestDb,
    filings: &Path,
    workers: usize,
    kills: u64,
    delay_ms: u64,
    rng: &mut Rng,
) -> Figures {
    let (run, total) = prepare(db, filings);
    let started = Instant::now();
    let mut children: Vec<Child> = (0..workers)
        .map(|i| spawn_worker(db, &format!("crash-{i}-0"), delay_ms))
        .collect();
    let mut done_kills = 0;
    let mut generation = 0;
    while done_kills < kills {
        std::thread::sleep(Duration::from_millis(rng.between(100, 400)));
        let slot = (rng.next() % workers as u64) as usize;
        if children[slot].try_wait().expect("worker status").is_none() {
            children[slot].kill().expect("SIGKILL");
            children[slot].wait().expect("reap");
            done_kills += 1;
        }
        assert!(
            !finished(&run_state(db, run)),
            "the run finished after {done_kills} of {kills} kills: slow the workers (BEIAN_KILL_DELAY_MS) or give more filings"
        );
        generation += 1;
        children[slot] = spawn_worker(db, &format!("crash-{slot}-{generation}"), delay_ms);
    }
    // The jobs the killed workers held come back when their leases run out.
    let limit = Instant::now() + Duration::from_secs(300);
    loop {
        let state = run_state(db, run);
        if finished(&state) {
            break;
        }
        assert!(Instant::now() < limit, "the run did not finish: {state}");
        std::thread::sleep(Duration::from_millis(300));
    }
    let seconds = started.elapsed().as_secs_f64();
    for child in &mut children {
        let term = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(term.success());
        let status = child.wait().expect("wait");
        assert_eq!(
            status.code(),
            Some(0),
            "a worker stopped by SIGTERM exits cleanly"
        );
    }
    Figures {
        filings: total,
        kills: done_kills,
        workers,
        seconds,
        orders: 0,
    }
}

fn reference(filings: &Path) -> (OrderSet, Value) {
    let db = TestDb::sqlite();
    let (run, _) = prepare(&db, filings);
    let drained = db.json(&[
        "worker",
        "--offline",
        "--drain",
        "--date",
        DATE,
        "--format",
        "json",
    ]);
    assert_eq!(drained["failed"], 0, "{drained}");
    let state = run_state(&db, run);
    assert!(finished(&state), "{state}");
    (orders(&db).0, state)
}

fn kill_test(db: TestDb, workers: usize) {
    let sites = env_or("BEIAN_KILL_SITES", 90);
    let kills = env_or("BEIAN_KILL_KILLS", 5);
    let delay = env_or("BEIAN_KILL_DELAY_MS", 150);
    let seed = env_or(
        "BEIAN_KILL_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    )
    .max(1);
    let filings = world(&db, sites);
    let (want, want_run) = reference(&filings);
    assert!(!want.is_empty(), "the world has failing filings");
    let mut rng = Rng(seed);
    let mut figures = sweep_with_kills(&db, &filings, workers, kills, delay, &mut rng);
    let (got, issue_rows) = orders(&db);
    figures.orders = got.len();

    // Nothing lost, nothing duplicated, nothing different.
    let missing: Vec<&String> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    let extra: Vec<&String> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "seed {seed}: missing {missing:?}, extra {extra:?}"
    );
    assert_eq!(
        got, want,
        "seed {seed}: the orders' items differ from an uninterrupted run"
    );
    // Every order has exactly one issue row in the audit log, and the chain holds.
    for (id, issues) in &issue_rows {
        assert_eq!(
            *issues, 1,
            "seed {seed}: order {id} has {issues} issue rows"
        );
    }
    let verified = db.json(&["audit", "verify", "--format", "json"]);
    assert_eq!(verified["intact"], true, "seed {seed}: {verified}");
    // The run counts each filing once.
    let runs = db.json(&["run", "list", "--format", "json"]);
    let run = &runs[0];
    assert_eq!(run["total"], want_run["total"], "{run}");
    assert_eq!(run["done"], want_run["done"], "{run}");
    assert_eq!(run["failed"], want_run["failed"], "seed {seed}: {run}");
    assert_eq!(run["failed"].as_u64(), Some(got.len() as u64), "{run}");
    println!(
        "kill test: {} filings, {} workers, {} SIGKILLs (seed {seed}), {:.1} s, {} orders equal to an uninterrupted run, audit chain of {} rows intact",
        figures.filings,
        figures.workers,
        figures.kills,
        figures.seconds,
        figures.orders,
        verified["rows"]
    );
}

#[test]
fn killed_workers_lose_and_duplicate_nothing_on_postgres() {
    kill_test(TestDb::postgres(), 2);
}

#[test]
fn a_killed_worker_loses_and_duplicates_nothing_on_sqlite() {
    kill_test(TestDb::sqlite(), 1);
}
