//! `beian score`: compare a sweep's results with the sandbox's ground truth.
//!
//! The sandbox writes, for every filing it generates, the failing and warning findings
//! the checks must report (`truth.jsonl`). This command reads that and a sweep's
//! `results.jsonl` and counts, per check, the expected findings found, missed and the
//! unexpected ones. Exit 0 only when nothing is missed and nothing is extra.
//!
//! Some expected findings can only be found with an outside registry (their `needs` names
//! it: `business_registry`, `identity`, `phone`, `domain_real_name`). They count for a
//! result line only when that line says the registry was asked (its `registries`), so a
//! sweep without `--config` is scored on what it could see.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::output::{Format, Painter, pad, pad_left, print_json};
use crate::{FormatArg, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 沙箱写出的标准答案（truth.jsonl）
    #[arg(long)]
    truth: PathBuf,
    /// beian sweep 写出的结果（results.jsonl）
    #[arg(long)]
    results: PathBuf,
    #[command(flatten)]
    format: FormatArg,
}

/// (input line, check id, status, website index or none for the entity).
type Key = (u64, String, String, Option<u64>);

fn read_jsonl(path: &Path, what: &str) -> anyhow::Result<Vec<Value>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("无法读取{what} {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).with_context(|| {
                format!("{what} {} 第 {} 行不是有效的 JSON", path.display(), i + 1)
            })
        })
        .collect()
}

fn keys(line: u64, findings: &Value) -> impl Iterator<Item = Key> + '_ {
    findings
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(move |f| {
            let status = f["status"].as_str()?;
            if status != "fail" && status != "warn" {
                return None;
            }
            Some((
                line,
                f["check"].as_str()?.to_owned(),
                status.to_owned(),
                f["target"].get("index").and_then(Value::as_u64),
            ))
        })
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let truth = read_jsonl(&args.truth, "标准答案文件")?;
    let results = read_jsonl(&args.results, "结果文件")?;
    let mut found: BTreeSet<Key> = BTreeSet::new();
    let mut checked: BTreeSet<u64> = BTreeSet::new();
    let mut asked: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
    for (i, result) in results.iter().enumerate() {
        let Some(line) = result["line"].as_u64() else {
            bail!("结果文件第 {} 行缺少 line 字段", i + 1);
        };
        checked.insert(line);
        found.extend(keys(line, &result["findings"]));
        let registries = result["registries"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect();
        asked.insert(line, registries);
    }
    let mut expected: BTreeSet<Key> = BTreeSet::new();
    for (i, entry) in truth.iter().enumerate() {
        let Some(line) = entry["line"].as_u64() else {
            bail!("标准答案文件第 {} 行缺少 line 字段", i + 1);
        };
        // What only an outside registry reveals counts when that registry was asked.
        let seen: Vec<Value> = entry["expected"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| match e["needs"].as_str() {
                Some(needs) => asked.get(&line).is_some_and(|r| r.contains(needs)),
                None => true,
            })
            .cloned()
            .collect();
        expected.extend(keys(line, &Value::Array(seen)).collect::<Vec<_>>());
    }
    // Only filings that were checked count: a partial sweep is scored on what it did.
    expected.retain(|k| checked.contains(&k.0));

    let mut per_check: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    for key in expected.union(&found) {
        let slot = match (expected.contains(key), found.contains(key)) {
            (true, true) => 0,
            (true, false) => 1,
            (false, _) => 2,
        };
        per_check.entry(key.1.clone()).or_default()[slot] += 1;
    }
    let missing: Vec<&Key> = expected.difference(&found).collect();
    let extra: Vec<&Key> = found.difference(&expected).collect();

    match args.format.format {
        Format::Json => print_json(&json!({
            "filings": checked.len(),
            "expected": expected.len(),
            "found": expected.len() - missing.len(),
            "missing": missing.iter().map(|k| json!({"line": k.0, "check": k.1, "status": k.2, "website": k.3})).collect::<Vec<_>>(),
            "extra": extra.iter().map(|k| json!({"line": k.0, "check": k.1, "status": k.2, "website": k.3})).collect::<Vec<_>>(),
        }))?,
        Format::Text => {
            let paint = Painter::stdout();
            println!("{}", paint.bold("对照标准答案"));
            println!(
                "  {} {} {} {}",
                pad("核查项", 34),
                pad_left("命中", 8),
                pad_left("漏报", 8),
                pad_left("误报", 8)
            );
            for (check, [hit, miss, extra]) in &per_check {
                println!("  {check:<34} {hit:>8} {miss:>8} {extra:>8}");
            }
            println!(
                "\n  备案 {} 份；应报 {} 项，命中 {}，漏报 {}，误报 {}",
                checked.len(),
                expected.len(),
                expected.len() - missing.len(),
                missing.len(),
                extra.len()
            );
            for key in missing.iter().take(10) {
                println!(
                    "  漏报：第 {} 行 {} {}（网站 {:?}）",
                    key.0, key.1, key.2, key.3
                );
            }
            for key in extra.iter().take(10) {
                println!(
                    "  误报：第 {} 行 {} {}（网站 {:?}）",
                    key.0, key.1, key.2, key.3
                );
            }
        }
    }
    Ok(if missing.is_empty() && extra.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}
