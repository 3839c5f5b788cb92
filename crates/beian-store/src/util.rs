//! Small pure helpers shared by both backends: time conversion, hashes, fingerprints and
//! the code lists the schema accepts.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Milliseconds since the epoch: how the schema stores every instant.
pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The instant of a stored millisecond value.
pub(crate) fn from_ms(v: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(v).unwrap_or(DateTime::UNIX_EPOCH)
}

pub(crate) fn from_ms_opt(v: Option<i64>) -> Option<DateTime<Utc>> {
    v.map(from_ms)
}

/// Lower-case hex SHA-256.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The hash under which a session or API token is stored: hex SHA-256 of the token.
///
/// Tokens are long random strings, so a plain hash is enough (no salt or stretching); the
/// database never holds a usable token.
pub fn token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// 整改单状态 codes.
pub const ORDER_STATES: &[&str] = &[
    "issued",
    "submitted",
    "returned",
    "miit_review",
    "rechecking",
    "recheck_failed",
    "appealed",
    "resolved",
    "overdue",
    "enforcement_pending",
    "access_cancelled",
    "deregistration_pending",
    "deregistered",
];

/// The final states (`OrderState::is_terminal`); an entity may get a new order after one
/// of these. An order whose access was cancelled stays open: it can be reinstated.
pub const CLOSED_ORDER_STATES: &[&str] = &["resolved", "deregistered"];

/// The states in which the customer is the one to act, so the deadline runs.
pub const CUSTOMER_ACTION_STATES: &[&str] = &["issued", "returned", "recheck_failed"];

/// 主体 / 网站备案状态 codes.
pub const FILING_STATUSES: &[&str] = &[
    "normal",
    "rectification",
    "overdue",
    "access_cancelled",
    "deregistered",
];

/// 延期状态 codes.
pub const EXTENSION_STATES: &[&str] = &["none", "requested", "granted", "denied"];

/// 变更类型 codes of a change request.
pub const CHANGE_KINDS: &[&str] = &[
    "change_filing",
    "change_website",
    "cancel_website",
    "cancel_entity",
];

/// The media types an attachment may have (the schema's CHECK): PDF, JPEG and PNG, the
/// formats in which scans and approval documents come and which a reviewer can open
/// without running anything.
pub const ATTACHMENT_MEDIA_TYPES: &[&str] = &["application/pdf", "image/jpeg", "image/png"];

pub(crate) fn check_code(
    field: &'static str,
    value: &str,
    allowed: &[&str],
) -> crate::error::Result<()> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(crate::error::StoreError::Invalid {
            field,
            value: value.to_owned(),
            reason: "not a known code",
        })
    }
}

/// How long a failed job waits before its next attempt: 2 s doubled per attempt, at most
/// one hour.
pub fn retry_delay(attempts: i64) -> chrono::Duration {
    let exp = attempts.clamp(1, 12) - 1;
    let secs = (2_i64 << exp).min(3600);
    chrono::Duration::seconds(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_doubles_and_caps() {
        let table = [
            (0, 2),
            (1, 2),
            (2, 4),
            (3, 8),
            (6, 64),
            (11, 2048),
            (12, 3600),
            (40, 3600),
        ];
        for (attempts, secs) in table {
            assert_eq!(
                retry_delay(attempts).num_seconds(),
                secs,
                "attempts {attempts}"
            );
        }
    }

    #[test]
    fn millisecond_round_trip() {
        let t = DateTime::from_timestamp_millis(1_764_400_000_123).expect("valid");
        assert_eq!(from_ms(ms(t)), t);
    }
}
