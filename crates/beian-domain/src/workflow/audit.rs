//! 审计日志 — the append-only audit log, chained by SHA-256 so that changing, removing or
//! reordering any row is detected.
//!
//! Each row's hash covers the previous row's hash and the row's own fields in a canonical
//! byte encoding (below), so verifying the log is recomputing the chain from the first row
//! (or from a trusted checkpoint) and comparing. The store computes the hash when it
//! appends a row, inside the transaction of the change the row records.
//!
//! # Canonical encoding (version 1)
//!
//! SHA-256 over the concatenation of:
//!
//! | Part | Bytes |
//! |---|---|
//! | domain tag | the 14 ASCII bytes `beian.audit.v1` |
//! | previous hash | 32 raw bytes; [`GENESIS`] (all zero) before the first row |
//! | `seq` | u64, big-endian |
//! | `at` | i64, big-endian: microseconds since the Unix epoch, UTC |
//! | `actor`, `action`, `subject` | each: u32 big-endian byte length, then the UTF-8 bytes |
//! | `from`, `to` | each: `0x00` if absent, else `0x01`, u32 big-endian length, UTF-8 bytes |
//! | `detail_json` | u32 big-endian byte length, then the bytes exactly as stored |
//!
//! Why these choices: lengths make the encoding unambiguous (no two records share one); the
//! instant is hashed in UTC microseconds because that is what PostgreSQL and SQLite keep,
//! so a row read back with another offset or without nanoseconds still verifies; the
//! detail is hashed as text, so the store must keep it as text (not `jsonb`, which
//! reorders keys).

use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash before the first row.
pub const GENESIS: [u8; 32] = [0; 32];

const DOMAIN_TAG: &[u8; 14] = b"beian.audit.v1";

/// 审计记录 — one row of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Position in the log, from 1, without gaps.
    pub seq: u64,
    /// When it happened.
    pub at: DateTime<FixedOffset>,
    /// Who did it: an [`super::Actor`] code, optionally with the person (`operator:zhang`).
    pub actor: String,
    /// What was done: for order transitions, [`super::Transition::audit_action`].
    pub action: String,
    /// What it was done to (`order:42`, `filing:京ICP备2024012345号`).
    pub subject: String,
    /// The state before, for state changes.
    pub from: Option<String>,
    /// The state after, for state changes.
    pub to: Option<String>,
    /// The event's data as JSON text, stored and hashed as is.
    pub detail_json: String,
}

/// 审计链断点 — where and why the chain does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("审计日志在第{seq}条处断开：{reason}")]
pub struct ChainBreak {
    /// The first row that does not verify.
    pub seq: u64,
    /// Why, in Chinese.
    pub reason: String,
}

/// A row with the hash stored next to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainedRecord {
    /// The row.
    pub record: AuditRecord,
    /// The hash stored with it, lower-case hex.
    pub hash: String,
}

/// The hash of `record` after `prev`, as raw bytes.
pub fn record_hash(prev: &[u8; 32], record: &AuditRecord) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(DOMAIN_TAG);
    h.update(prev);
    h.update(record.seq.to_be_bytes());
    h.update(record.at.timestamp_micros().to_be_bytes());
    for s in [&record.actor, &record.action, &record.subject] {
        put_str(&mut h, s);
    }
    for opt in [&record.from, &record.to] {
        match opt {
            None => h.update([0u8]),
            Some(s) => {
                h.update([1u8]);
                put_str(&mut h, s);
            }
        }
    }
    put_str(&mut h, &record.detail_json);
    h.finalize().into()
}

fn put_str(h: &mut Sha256, s: &str) {
    // Audit fields are far below 4 GiB; a longer one would be cut at the length, and the
    // chain would still be deterministic.
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    h.update(len.to_be_bytes());
    h.update(s.as_bytes());
}

/// The hash of `record` after `prev`, lower-case hex: what the store writes in the row.
pub fn chain_hash(prev: &[u8; 32], record: &AuditRecord) -> String {
    to_hex(&record_hash(prev, record))
}

/// Lower-case hex of a hash.
pub fn to_hex(bytes: &[u8; 32]) -> String {
    let mut s = String::with_capacity(64);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A hash from 64 hex digits (either case); `None` for anything else.
pub fn parse_hash(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = u8::try_from(hi * 16 + lo).ok()?;
    }
    Some(out)
}

/// Verifies a whole log, which must start at `seq` 1.
pub fn verify_chain(records: &[ChainedRecord]) -> Result<(), ChainBreak> {
    verify_chain_from(&GENESIS, 1, records).map(|_| ())
}

/// Verifies a stretch of the log that starts at `first_seq` after the trusted hash `prev`
/// (a checkpoint), and returns the last hash for the next stretch.
pub fn verify_chain_from(
    prev: &[u8; 32],
    first_seq: u64,
    records: &[ChainedRecord],
) -> Result<[u8; 32], ChainBreak> {
    let mut prev = *prev;
    let mut expected_seq = first_seq;
    for row in records {
        let seq = row.record.seq;
        if seq != expected_seq {
            // The break is reported at the position where row `expected_seq` should be,
            // whatever number the row there claims.
            return Err(ChainBreak {
                seq: expected_seq,
                reason: format!(
                    "序号应为{expected_seq}，实际为{seq}（记录缺失、重复或顺序被改动）"
                ),
            });
        }
        let stored = parse_hash(&row.hash).ok_or_else(|| ChainBreak {
            seq,
            reason: format!("保存的哈希值「{}」不是64位十六进制", row.hash),
        })?;
        let computed = record_hash(&prev, &row.record);
        if stored != computed {
            return Err(ChainBreak {
                seq,
                reason: "记录内容与保存的哈希值不符（记录或其之前的哈希被改动）".to_owned(),
            });
        }
        prev = computed;
        expected_seq = seq.saturating_add(1);
    }
    Ok(prev)
}

/// Chains plain records from the start: the hashes a store would have written.
pub fn chain(records: Vec<AuditRecord>) -> Vec<ChainedRecord> {
    let mut prev = GENESIS;
    records
        .into_iter()
        .map(|record| {
            let hash = record_hash(&prev, &record);
            prev = hash;
            ChainedRecord {
                record,
                hash: to_hex(&hash),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).expect("test time")
    }

    fn rec(seq: u64) -> AuditRecord {
        AuditRecord {
            seq,
            at: at("2026-03-02T10:00:00.123456+08:00") + chrono::Duration::seconds(seq as i64),
            actor: "operator:zhang".into(),
            action: "approve".into(),
            subject: format!("order:{}", seq % 3),
            from: Some("submitted".into()),
            to: Some("miit_review".into()),
            detail_json: format!("{{\"kind\":\"approve\",\"needs_miit\":true,\"n\":{seq}}}"),
        }
    }

    fn log(n: u64) -> Vec<ChainedRecord> {
        chain((1..=n).map(rec).collect())
    }

    /// Every field, changed in a way that keeps the row well-formed.
    const TAMPERS: [fn(&mut AuditRecord); 8] = [
        |r| r.at += chrono::Duration::microseconds(1),
        |r| r.actor.push('x'),
        |r| r.action = "reject".into(),
        |r| r.subject.push('0'),
        |r| r.from = None,
        |r| r.to = Some("rechecking".into()),
        |r| r.detail_json = r.detail_json.replace("true", "false"),
        |r| r.from = Some(String::new()),
    ];

    #[test]
    fn the_encoding_is_as_documented() {
        // The bytes written out by hand from the table in the module doc.
        let r = AuditRecord {
            seq: 7,
            at: at("1970-01-01T08:00:01.000002+08:00"),
            actor: "system".into(),
            action: "escalate".into(),
            subject: "order:1".into(),
            from: Some("overdue".into()),
            to: None,
            detail_json: "{}".into(),
        };
        let mut bytes = b"beian.audit.v1".to_vec();
        bytes.extend([0u8; 32]);
        bytes.extend([0, 0, 0, 0, 0, 0, 0, 7]);
        bytes.extend(1_000_002i64.to_be_bytes());
        bytes.extend([0, 0, 0, 6]);
        bytes.extend(b"system");
        bytes.extend([0, 0, 0, 8]);
        bytes.extend(b"escalate");
        bytes.extend([0, 0, 0, 7]);
        bytes.extend(b"order:1");
        bytes.extend([1, 0, 0, 0, 7]);
        bytes.extend(b"overdue");
        bytes.push(0);
        bytes.extend([0, 0, 0, 2]);
        bytes.extend(b"{}");
        let want: [u8; 32] = Sha256::digest(&bytes).into();
        assert_eq!(record_hash(&GENESIS, &r), want);
    }

    #[test]
    fn a_clean_log_verifies() {
        assert_eq!(verify_chain(&log(50)), Ok(()));
        assert_eq!(verify_chain(&[]), Ok(()));
    }

    #[test]
    fn the_offset_and_nanoseconds_do_not_matter() {
        let r = rec(1);
        let mut shifted = r.clone();
        shifted.at = r.at.with_timezone(&FixedOffset::east_opt(0).expect("utc"));
        assert_eq!(chain_hash(&GENESIS, &r), chain_hash(&GENESIS, &shifted));
    }

    #[test]
    fn tampering_any_field_breaks_at_that_row() {
        for (i, tamper) in TAMPERS.iter().enumerate().take(8) {
            for k in [0usize, 3, 9] {
                let mut rows = log(10);
                tamper(&mut rows[k].record);
                let err = verify_chain(&rows).unwrap_err();
                assert_eq!(err.seq, k as u64 + 1, "tamper {i} at row {k}: {err}");
            }
        }
    }

    #[test]
    fn removing_reordering_or_rehashing_breaks() {
        let mut rows = log(10);
        rows.remove(4);
        assert_eq!(verify_chain(&rows).unwrap_err().seq, 5);

        let mut rows = log(10);
        rows.swap(2, 3);
        assert_eq!(verify_chain(&rows).unwrap_err().seq, 3);

        // A row whose number is changed, up or down.
        for claimed in [1u64, 2, 6, 99] {
            let mut rows = log(10);
            rows[4].record.seq = claimed;
            assert_eq!(
                verify_chain(&rows).unwrap_err().seq,
                5,
                "seq 5 claimed {claimed}"
            );
        }

        // Rewriting a row and its own hash still breaks the next row.
        let mut rows = log(10);
        rows[6].record.actor = "admin".into();
        let prev = parse_hash(&rows[5].hash).expect("hex");
        rows[6].hash = chain_hash(&prev, &rows[6].record);
        assert_eq!(verify_chain(&rows).unwrap_err().seq, 8);

        let mut rows = log(3);
        rows[1].hash = "zz".into();
        let err = verify_chain(&rows).unwrap_err();
        assert_eq!(err.seq, 2);
        assert!(err.to_string().contains("第2条"), "{err}");
    }

    #[test]
    fn stretches_verify_from_a_checkpoint() {
        let rows = log(20);
        let mid = verify_chain_from(&GENESIS, 1, &rows[..12]).expect("first half");
        assert_eq!(to_hex(&mid), rows[11].hash);
        let end = verify_chain_from(&mid, 13, &rows[12..]).expect("second half");
        assert_eq!(to_hex(&end), rows[19].hash);
        assert!(verify_chain_from(&GENESIS, 13, &rows[12..]).is_err());
    }

    #[test]
    fn hex_round_trips() {
        let h = record_hash(&GENESIS, &rec(1));
        assert_eq!(parse_hash(&to_hex(&h)), Some(h));
        assert_eq!(parse_hash(&to_hex(&h).to_uppercase()), Some(h));
        assert_eq!(parse_hash("00"), None);
        assert_eq!(parse_hash(&"g".repeat(64)), None);
        assert_eq!(parse_hash(&"é".repeat(32)), None);
    }

    proptest! {
        #[test]
        fn any_single_tamper_is_found_at_its_row(
            n in 1u64..30,
            k_frac in 0.0f64..1.0,
            which in 0usize..8,
        ) {
            let mut rows = log(n);
            let k = ((n as f64) * k_frac) as usize;
            let k = k.min(rows.len() - 1);
            TAMPERS[which](&mut rows[k].record);
            let err = verify_chain(&rows).unwrap_err();
            prop_assert_eq!(err.seq, k as u64 + 1);
        }

        #[test]
        fn fields_are_not_ambiguous(a in "[a-z]{0,4}", b in "[a-z]{0,4}", c in "[a-z]{0,4}") {
            // Moving bytes between adjacent fields changes the hash.
            let mut x = rec(1);
            x.actor = format!("{a}{b}");
            x.action = c.clone();
            let mut y = rec(1);
            y.actor = a.clone();
            y.action = format!("{b}{c}");
            if !b.is_empty() {
                prop_assert_ne!(chain_hash(&GENESIS, &x), chain_hash(&GENESIS, &y));
            }
        }
    }
}
