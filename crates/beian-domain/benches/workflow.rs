//! Audit-chain verification throughput, against the floor of hashing the same bytes.
//!
//! `beian audit verify` recomputes the whole chain, so its speed bounds how large a log can
//! be checked routinely. The log here is 200,000 rows shaped like order transitions (a
//! ~120-byte detail). (a) baseline: SHA-256 over each row's canonical bytes, prepared in
//! advance, chained the same way; that is the cost of the hashing alone. (b) ours:
//! `verify_chain`, which encodes each row, hashes it and compares with the stored hex. The
//! runs alternate after a warm-up; best and median are reported.
//! Run: `cargo bench -p beian-domain --bench workflow`.

use std::time::{Duration, Instant};

use beian_domain::workflow::audit::{AuditRecord, GENESIS, chain, verify_chain};
use chrono::{DateTime, FixedOffset};
use sha2::{Digest, Sha256};

const ROWS: u64 = 200_000;
const REPS: usize = 7;

fn rows() -> Vec<AuditRecord> {
    let start: DateTime<FixedOffset> =
        DateTime::parse_from_rfc3339("2026-03-02T10:00:00.123456+08:00").expect("time");
    (1..=ROWS)
        .map(|seq| AuditRecord {
            seq,
            at: start + chrono::Duration::milliseconds(seq as i64 * 37),
            actor: if seq % 3 == 0 { "system".into() } else { format!("operator:{}", seq % 17) },
            action: "approve".into(),
            subject: format!("order:{}", seq / 4),
            from: Some("submitted".into()),
            to: Some("miit_review".into()),
            detail_json: format!(
                "{{\"kind\":\"approve\",\"data\":{{\"needs_miit\":true}},\"note\":\"第{seq}条，材料齐全，已提交管局\"}}"
            ),
        })
        .collect()
}

/// The canonical bytes of a row without the previous hash, built by hand.
fn body(r: &AuditRecord) -> Vec<u8> {
    let mut b = Vec::with_capacity(256);
    b.extend(r.seq.to_be_bytes());
    b.extend(r.at.timestamp_micros().to_be_bytes());
    for s in [&r.actor, &r.action, &r.subject] {
        b.extend((s.len() as u32).to_be_bytes());
        b.extend(s.as_bytes());
    }
    for o in [&r.from, &r.to] {
        match o {
            None => b.push(0),
            Some(s) => {
                b.push(1);
                b.extend((s.len() as u32).to_be_bytes());
                b.extend(s.as_bytes());
            }
        }
    }
    b.extend((r.detail_json.len() as u32).to_be_bytes());
    b.extend(r.detail_json.as_bytes());
    b
}

fn main() {
    let records = rows();
    let bodies: Vec<Vec<u8>> = records.iter().map(body).collect();
    let chained = chain(records);
    let baseline = || {
        let mut prev = GENESIS;
        for b in &bodies {
            let mut h = Sha256::new();
            h.update(b"beian.audit.v1");
            h.update(prev);
            h.update(b);
            prev = h.finalize().into();
        }
        prev
    };
    // Both must agree, or the baseline measures something else.
    let last = baseline();
    assert_eq!(
        beian_domain::workflow::audit::to_hex(&last),
        chained.last().expect("rows").hash
    );
    let ours = || verify_chain(&chained).expect("a clean log verifies");

    let _ = (baseline(), ours());
    let mut a = Vec::new();
    let mut b = Vec::new();
    for _ in 0..REPS {
        let t = Instant::now();
        std::hint::black_box(baseline());
        a.push(t.elapsed());
        let t = Instant::now();
        ours();
        b.push(t.elapsed());
    }
    report("(a) baseline: SHA-256 of prepared bytes", &mut a);
    report("(b) verify_chain", &mut b);
}

fn report(name: &str, times: &mut [Duration]) {
    times.sort();
    let best = times[0];
    let median = times[times.len() / 2];
    let rate = |d: Duration| ROWS as f64 / d.as_secs_f64();
    println!(
        "{name}: {ROWS} rows, best {:.1} ms ({:.0} rows/s), median {:.1} ms ({:.0} rows/s)",
        best.as_secs_f64() * 1e3,
        rate(best),
        median.as_secs_f64() * 1e3,
        rate(median)
    );
}
