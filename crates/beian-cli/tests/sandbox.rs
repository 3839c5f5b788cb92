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

#[test]
fn sweep_over_the_sandbox_finds_exactly_the_truth() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("beian-sandbox-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.join("world");
    let child = Command::new(env!("CARGO_BIN_EXE_beian"))
        .args(["sandbox", "--sites", "30", "--seed", "3", "--showcase"])
        .arg("--out")
        .arg(&out)
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
    let flags: Vec<&str> = flags.split_whitespace().collect();
    assert!(flags.contains(&"--dns-server") && flags.contains(&"--allow-private"));

    let results = dir.join("results.jsonl");
    let sweep = Command::new(env!("CARGO_BIN_EXE_beian"))
        .arg("sweep")
        .arg("--filings")
        .arg(out.join("filings.jsonl"))
        .arg("--out")
        .arg(&results)
        .args(["--quiet", "--deadline", "2"])
        .args(&flags)
        .output()
        .expect("beian sweep runs");
    assert!(
        matches!(sweep.status.code(), Some(0 | 1)),
        "sweep failed: {}",
        String::from_utf8_lossy(&sweep.stderr)
    );
    drop(sandbox);

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
