//! Every real reply in the shared test data parses to the values its `expected.tsv` gives.
//!
//! The shared data lives beside the repository (`../shared/testdata` from the workspace
//! root), on developer machines and in CI alike. If it is missing this test fails: a
//! registration parser that was never run against real replies must not look green.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use beian_registration::{Outcome, Registration, parse_rdap, parse_whois};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};

fn testdata() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata");
    assert!(
        dir.join("whois/expected.tsv").is_file() && dir.join("rdap/expected.tsv").is_file(),
        "the shared test data is missing: expected whois/expected.tsv and rdap/expected.tsv \
         under {} (the `shared/` directory that sits beside the repository)",
        dir.display()
    );
    dir
}

/// The rows of an expected.tsv, each as column name → cell.
fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .unwrap_or_else(|| panic!("{} has no header", path.display()))
        .split('\t')
        .map(str::to_owned)
        .collect();
    lines
        .map(|line| {
            header
                .iter()
                .cloned()
                .zip(
                    line.split('\t')
                        .map(str::to_owned)
                        .chain(std::iter::repeat(String::new())),
                )
                .collect()
        })
        .collect()
}

fn cell<'a>(row: &'a HashMap<String, String>, column: &str) -> &'a str {
    row.get(column)
        .map(|s| s.trim())
        .unwrap_or_else(|| panic!("no column {column} in {row:?}"))
}

/// The offset the expected table's zone-less times are in: per its notes, CNNIC, HKIRC and
/// TWNIC print China time (UTC+8); the `.com` registries print UTC.
fn local_offset(file: &str) -> FixedOffset {
    let hours = if ["cn_", "hk_", "tw_"].iter().any(|p| file.starts_with(p)) {
        8
    } else {
        0
    };
    FixedOffset::east_opt(hours * 3600).expect("offset")
}

/// An expected time, read independently of the crate's own time reader.
fn expected_time(text: &str, file: &str) -> Option<DateTime<FixedOffset>> {
    if text.is_empty() {
        return None;
    }
    let (text, offset) = match text.strip_suffix(" (UTC+8)") {
        Some(rest) => (rest, FixedOffset::east_opt(8 * 3600).expect("offset")),
        None => (text, local_offset(file)),
    };
    let parsed = DateTime::parse_from_rfc3339(text)
        .ok()
        .or_else(|| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z").ok())
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
                .ok()
                .and_then(|t| offset.from_local_datetime(&t).single())
        })
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .and_then(|t| offset.from_local_datetime(&t).single())
        });
    Some(parsed.unwrap_or_else(|| panic!("{file}: cannot read expected time {text:?}")))
}

fn expected_outcome(text: &str) -> Outcome {
    match text {
        "found" => Outcome::Found,
        "not_found" => Outcome::NotFound,
        // The table's notes: treat prohibited as reserved (unregistrable), not not-found.
        "reserved" | "prohibited" => Outcome::Reserved,
        other => panic!("unknown outcome {other:?} in expected.tsv"),
    }
}

fn optional(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// The expected domain, unless the table says the reply names none (`(unknown .cn)`).
fn expected_domain(text: &str) -> Option<String> {
    optional(text).filter(|d| !d.starts_with('('))
}

fn rfc3339(time: Option<DateTime<FixedOffset>>) -> Option<String> {
    time.map(|t| t.to_rfc3339())
}

/// Checks one parse against one row; returns the differences.
fn compare(file: &str, row: &HashMap<String, String>, got: &Registration) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |what: &str, expected: Option<String>, actual: Option<String>| {
        if expected != actual {
            problems.push(format!(
                "{file}: {what}: expected {expected:?}, got {actual:?}"
            ));
        }
    };
    check(
        "outcome",
        // The RDAP table has no outcome column: every RDAP sample is a found domain.
        Some(format!(
            "{:?}",
            expected_outcome(row.get("outcome").map_or("found", |o| o.trim()))
        )),
        Some(format!("{:?}", got.outcome)),
    );
    check(
        "registrar",
        optional(cell(row, "registrar")),
        got.registrar.clone(),
    );
    check(
        "registrant",
        optional(cell(row, "registrant")),
        got.registrant.clone(),
    );
    check(
        "created",
        rfc3339(expected_time(cell(row, "created"), file)),
        rfc3339(got.created),
    );
    check(
        "expires",
        rfc3339(expected_time(cell(row, "expires"), file)),
        rfc3339(got.expires),
    );
    problems
}

/// Parses every listed sample twice: without a hint (the domain must then be the one the
/// reply names, or none), and with the table's domain as the hint (the domain must then be
/// the table's, whether the reply names it or not).
fn run(
    kind: &str,
    parse: fn(&str, Option<&str>) -> Result<Registration, beian_registration::ParseError>,
) -> usize {
    let dir = testdata().join(kind);
    let rows = rows(&dir.join("expected.tsv"));
    assert!(!rows.is_empty(), "{kind}/expected.tsv lists no samples");
    let mut problems = Vec::new();
    for row in &rows {
        let file = cell(row, "file");
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read listed sample {}: {e}", path.display()));
        let domain = expected_domain(cell(row, "domain"));

        match parse(&text, None) {
            Ok(got) => {
                problems.extend(compare(file, row, &got));
                let named = got.domain.clone();
                let fine = named.is_none() || named == domain;
                let found_names_it = got.outcome != Outcome::Found || named == domain;
                if !fine || !found_names_it {
                    problems.push(format!(
                        "{file}: domain without hint: expected {domain:?} (or none for a reply that names none), got {named:?}"
                    ));
                }
            }
            Err(e) => problems.push(format!("{file}: without hint: {e}")),
        }
        match parse(&text, domain.as_deref()) {
            Ok(got) => {
                problems.extend(compare(file, row, &got));
                if got.domain != domain {
                    problems.push(format!(
                        "{file}: domain with hint: expected {domain:?}, got {:?}",
                        got.domain
                    ));
                }
            }
            Err(e) => problems.push(format!("{file}: with hint: {e}")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Every sample in the folder is listed, so none is silently left untested.
    let listed: Vec<&str> = rows.iter().map(|r| cell(r, "file")).collect();
    for entry in std::fs::read_dir(&dir).expect("read sample dir") {
        let name = entry
            .expect("dir entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name != "expected.tsv" && !name.ends_with(".md") {
            assert!(
                listed.contains(&name.as_str()),
                "{kind}/{name} is not in expected.tsv"
            );
        }
    }
    rows.len()
}

#[test]
fn every_whois_sample_parses_to_its_expected_values() {
    let count = run("whois", parse_whois);
    assert!(
        count >= 24,
        "expected at least 24 WHOIS samples, found {count}"
    );
}

#[test]
fn every_rdap_sample_parses_to_its_expected_values() {
    let count = run("rdap", parse_rdap);
    assert!(count >= 1);
}
