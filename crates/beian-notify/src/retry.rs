//! 重试 — delivery errors that say whether to try again, and when.

use std::time::Duration;

/// 投递失败 — why a message was not delivered, and whether trying again can help.
///
/// Retryable: the server or network may recover (connection refused or reset, timeouts,
/// SMTP 4xx such as a mailbox busy or greylisting, HTTP 408, 429 and 5xx). Permanent: the
/// same message will fail the same way (SMTP 5xx such as an unknown mailbox, an address
/// that is not an address, HTTP 4xx, a channel that is not configured); the store should
/// move it to the dead letters for a person to look at rather than retry it forever.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct DeliveryError {
    /// Whether a later attempt may succeed.
    pub retryable: bool,
    /// What went wrong, in Chinese, with the server's own words where there are some.
    pub reason: String,
}

impl DeliveryError {
    /// A failure worth retrying.
    pub fn retryable(reason: impl Into<String>) -> Self {
        DeliveryError {
            retryable: true,
            reason: reason.into(),
        }
    }

    /// A failure that retrying will not fix.
    pub fn permanent(reason: impl Into<String>) -> Self {
        DeliveryError {
            retryable: false,
            reason: reason.into(),
        }
    }

    /// Whether a later attempt may succeed.
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }
}

/// The first wait after a failure.
pub const FIRST_RETRY: Duration = Duration::from_secs(30);

/// The longest wait between two attempts.
pub const MAX_RETRY: Duration = Duration::from_secs(6 * 3600);

/// How long to wait before the next attempt after `attempts` failed ones: nothing before the
/// first attempt, then 30 s doubling each time (30 s, 1 min, 2 min, 4 min …) up to 6 hours.
///
/// Doubling keeps a broken mail server from being hammered while a short outage still
/// clears within minutes; the cap keeps a message alive for days at a few tries a day, so
/// an outage over a weekend delays a notice rather than dropping it. The store adds the
/// result to the time of the failed attempt.
pub fn next_attempt_after(attempts: u32) -> Duration {
    if attempts == 0 {
        return Duration::ZERO;
    }
    let doublings = (attempts - 1).min(20);
    FIRST_RETRY
        .checked_mul(1u32 << doublings)
        .map_or(MAX_RETRY, |d| d.min(MAX_RETRY))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let cases = [
            (0, 0),
            (1, 30),
            (2, 60),
            (3, 120),
            (4, 240),
            (10, 15_360),
            (11, 21_600),
            (12, 21_600),
            (40, 21_600),
            (u32::MAX, 21_600),
        ];
        for (attempts, seconds) in cases {
            assert_eq!(
                next_attempt_after(attempts),
                Duration::from_secs(seconds),
                "{attempts}"
            );
        }
    }

    #[test]
    fn errors_say_whether_to_retry() {
        assert!(DeliveryError::retryable("x").is_retryable());
        assert!(!DeliveryError::permanent("x").is_retryable());
        assert_eq!(
            DeliveryError::permanent("收件人不存在").to_string(),
            "收件人不存在"
        );
    }
}
