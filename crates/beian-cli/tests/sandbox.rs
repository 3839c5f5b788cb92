//! `beian sandbox` end to end: start it, sweep its filings with the flags it printed, and
//! find exactly the failing and warning findings of its truth file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The sandbox process, killed on drop.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

type Key = (String, String, Option<u64>);

fn key(check: &Value, status: &Value, target: &Value) -> Key {
    (
        check.as_str().unwrap_or_default().to_owned(),
        status.as_str().unwrap_or_default().to_owned(),
        target.get("index").and_then(Value::as_u64),
    )
}

fn read_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

/// Starts `beian sandbox` with `args`, writing its world to `out`, and returns it with the
/// flags it printed for `check` and `sweep`.
fn start_sandbox(out: &Path, args: &[&str]) -> (Running, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_beian"))
        .arg("sandbox")
        .args(args)
        .arg("--out")
        .arg(out)
        .args(["--for-seconds", "60"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("beian sandbox starts");
    let mut sandbox = Running(child);
    let flags_file = out.join("flags.txt");
    let started = Instant::now();
    let flags = loop {
        if let Ok(text) = std::fs::read_to_string(&flags_file)
            && text.ends_with('\n')
        {
            break text;
        }
        if let Ok(Some(status)) = sandbox.0.try_wait() {
            panic!("beian sandbox exited early: {status}");
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no flags.txt");
        std::thread::sleep(Duration::from_millis(50));
    };
    (sandbox, flags)
}

/// `beian score --format json` of `results` against `truth`: its exit code and report.
fn score(truth: &Path, results: &Path) -> (Option<i32>, Value) {
    let score = Command::new(env!("CARGO_BIN_EXE_beian"))
        .arg("score")
        .arg("--truth")
        .arg(truth)
        .arg("--results")
        .arg(results)
        .args(["--format", "json"])
        .output()
        .expect("beian score runs");
    let report = serde_json::from_slice(&score.stdout).expect("score json");
    (score.status.code(), report)
}

/// `beian sweep` of a sandbox's filings into `results`, the rest of its flags to add.
fn sweep_of(world: &Path, results: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_beian"));
    command
        .arg("sweep")
        .arg("--filings")
        .arg(world.join("filings.jsonl"))
        .arg("--out")
        .arg(results)
        .arg("--quiet");
    command
}

#[test]
fn a_sweep_short_of_open_files_blames_no_site() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("beian-sandbox-nofile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.join("world");
    let (sandbox, flags) = start_sandbox(&out, &["--sites", "60", "--seed", "5"]);
    let results = dir.join("results.jsonl");
    // A hard limit of 48 open files (ulimit -n sets both limits, so the sweep cannot
    // raise it) against 64 filings at once: most connections cannot be made.
    let sweep = Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 48 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_beian"))
        .arg("sweep")
        .arg("--filings")
        .arg(out.join("filings.jsonl"))
        .arg("--out")
        .arg(&results)
        .args(["--quiet", "--deadline", "5", "--concurrency", "64"])
        .args(flags.split_whitespace())
        .output()
        .expect("beian sweep runs");
    let stderr = String::from_utf8_lossy(&sweep.stderr);
    assert!(
        matches!(sweep.status.code(), Some(0 | 1)),
        "sweep failed: {stderr}"
    );
    assert!(
        stderr.contains("最多可打开 48 个文件"),
        "no warning: {stderr}"
    );
    let text = std::fs::read_to_string(&results).expect("results");
    assert!(
        text.contains("本机资源不足"),
        "the limit was never reached, so this test shows nothing"
    );
    let (_, report) = score(&out.join("truth.jsonl"), &results);
    assert_eq!(report["extra"], serde_json::json!([]), "{report:#}");
    // A line's status says the worst of its findings: nothing failed but something left
    // undecided is not a pass.
    let mut undecided_only = 0;
    for line in text.lines() {
        let result: Value = serde_json::from_str(line).expect("json");
        let statuses: Vec<&str> = result["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["status"].as_str().expect("status"))
            .collect();
        let expected = if statuses.contains(&"fail") {
            "fail"
        } else if statuses.contains(&"inconclusive") {
            undecided_only += 1;
            "inconclusive"
        } else {
            "pass"
        };
        assert_eq!(result["status"], expected, "{line}");
    }
    assert!(undecided_only > 0, "no filing was left undecided alone");
    assert!(
        String::from_utf8_lossy(&sweep.stdout).contains("--retry-inconclusive"),
        "the summary points to the retry"
    );
    let retried = text
        .lines()
        .filter(|l| {
            let result: Value = serde_json::from_str(l).expect("json");
            result["findings"]
                .as_array()
                .is_some_and(|fs| fs.iter().any(|f| f["status"] == "inconclusive"))
        })
        .count();

    // The same output swept again with the machine's own limit: only the filings left
    // undecided are checked again, and then every expected finding is there, once.
    let retry = sweep_of(&out, &results)
        .args(["--deadline", "5", "--retry-inconclusive"])
        .args(flags.split_whitespace())
        .output()
        .expect("beian sweep runs");
    drop(sandbox);
    let summary = String::from_utf8_lossy(&retry.stdout);
    assert!(
        matches!(retry.status.code(), Some(0 | 1)),
        "retry failed: {}",
        String::from_utf8_lossy(&retry.stderr)
    );
    let filings = std::fs::read_to_string(out.join("filings.jsonl"))
        .expect("filings")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    assert!(
        summary.contains(&format!(
            "本次核查 {retried}，此前已完成 {}",
            filings - retried
        )),
        "{summary}"
    );
    let text = std::fs::read_to_string(&results).expect("results");
    assert!(!text.contains("本机资源不足"), "{text}");
    let mut lines: Vec<u64> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("json")["line"]
                .as_u64()
                .expect("line")
        })
        .collect();
    lines.sort_unstable();
    lines.dedup();
    assert_eq!(lines.len(), filings, "one result per filing");
    assert_eq!(text.lines().count(), filings, "one result per filing");
    let (code, report) = score(&out.join("truth.jsonl"), &results);
    assert_eq!(code, Some(0), "{report:#}");
}

#[test]
fn sweep_over_the_sandbox_finds_exactly_the_truth() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("beian-sandbox-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.join("world");
    let (sandbox, flags) = start_sandbox(&out, &["--sites", "30", "--seed", "3", "--showcase"]);
    let flags: Vec<&str> = flags.split_whitespace().collect();
    assert!(flags.contains(&"--dns-server") && flags.contains(&"--allow-private"));
    // The registries come with the flags: the sandbox wrote their beian.toml.
    assert!(flags.contains(&"--config"), "{flags:?}");
    assert!(out.join("beian.toml").exists());

    let results = dir.join("results.jsonl");
    let sweep = sweep_of(&out, &results)
        .args(["--deadline", "2", "--all-findings"])
        .args(&flags)
        .output()
        .expect("beian sweep runs");
    assert!(
        matches!(sweep.status.code(), Some(0 | 1)),
        "sweep failed: {}",
        String::from_utf8_lossy(&sweep.stderr)
    );
    let summary = String::from_utf8_lossy(&sweep.stdout);
    assert!(!summary.contains("未执行"), "nothing is skipped: {summary}");

    // The same sweep without the registries: scored on what it could see.
    let without: Vec<&str> = {
        let at = flags
            .iter()
            .position(|f| *f == "--config")
            .expect("--config");
        flags
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != at && *i != at + 1)
            .map(|(_, f)| *f)
            .collect()
    };
    let bare = dir.join("results-without-registries.jsonl");
    let sweep = sweep_of(&out, &bare)
        .args(["--deadline", "2"])
        .args(&without)
        .output()
        .expect("beian sweep runs");
    assert!(matches!(sweep.status.code(), Some(0 | 1)));
    let summary = String::from_utf8_lossy(&sweep.stdout);
    assert!(
        summary.contains("entity.business_status") && summary.contains("未配置工商登记查询接口"),
        "{summary}"
    );
    drop(sandbox);

    // beian score agrees, with the registries and without them.
    for results in [&results, &bare] {
        let (code, report) = score(&out.join("truth.jsonl"), results);
        assert_eq!(code, Some(0), "{report:#}");
        assert_eq!(report["missing"], serde_json::json!([]), "{report:#}");
        assert_eq!(report["extra"], serde_json::json!([]), "{report:#}");
    }
    // With the registries every seed check ran (passes are written with --all-findings);
    // without them, the registry checks did not.
    let reported = |path: &Path| -> BTreeSet<String> {
        read_lines(path)
            .iter()
            .flat_map(|line| line["findings"].as_array().cloned().unwrap_or_default())
            .filter_map(|f| f["check"].as_str().map(str::to_owned))
            .collect()
    };
    let with = reported(&results);
    for id in [
        "entity.business_status",
        "entity.certificate_mismatch",
        "entity.legal_rep_mismatch",
        "entity.principal_id_expired",
        "entity.principal_id_mismatch",
        "entity.domain_owner_mismatch",
        "entity.contact_invalid",
        "site.domain_expired",
        "site.ip_mismatch",
        "site.content_mismatch",
        "site.title_mismatch",
        "site.pre_approval",
        "site.name_violation",
        "site.content_violation",
    ] {
        assert!(with.contains(id), "{id} not reported: {with:?}");
    }
    // No raw ID or phone number in the results, registry evidence included.
    let text = std::fs::read_to_string(&results).expect("results");
    for filing in read_lines(&out.join("filings.jsonl")) {
        let principal = &filing["entity"]["principal"];
        for field in ["id_number", "mobile", "emergency_phone"] {
            if let Some(raw) = principal[field].as_str().filter(|r| r.len() >= 11) {
                assert!(!text.contains(raw), "{field} {raw} appears unmasked");
            }
        }
    }
    let bare_checks = reported(&bare);
    assert!(
        !bare_checks.contains("entity.business_status"),
        "{bare_checks:?}"
    );

    let truth: BTreeMap<u64, BTreeSet<Key>> = read_lines(&out.join("truth.jsonl"))
        .iter()
        .map(|line| {
            let expected = line["expected"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .map(|e| key(&e["check"], &e["status"], &e["target"]))
                        .collect()
                })
                .unwrap_or_default();
            (line["line"].as_u64().unwrap_or(0), expected)
        })
        .collect();
    let got: BTreeMap<u64, BTreeSet<Key>> = read_lines(&results)
        .iter()
        .map(|line| {
            let findings = line["findings"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .filter(|f| matches!(f["status"].as_str(), Some("fail" | "warn")))
                        .map(|f| key(&f["check"], &f["status"], &f["target"]))
                        .collect()
                })
                .unwrap_or_default();
            (line["line"].as_u64().unwrap_or(0), findings)
        })
        .collect();
    assert_eq!(got.len(), truth.len());
    for (line, expected) in &truth {
        assert_eq!(got.get(line), Some(expected), "filing on line {line}");
    }
    assert!(truth.values().map(BTreeSet::len).sum::<usize>() > 20);
    let _ = std::fs::remove_dir_all(&dir);
}
