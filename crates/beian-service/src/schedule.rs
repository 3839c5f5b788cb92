//! 排程 — when each filing is re-verified and when reminders go out.
//!
//! A provider re-checks every filing once per period. Starting them all at midnight would
//! put the whole sweep into one burst; instead each filing gets a fixed offset inside the
//! period derived from its filing number, so the load is flat and a filing's slot does not
//! move between runs of the scheduler (which may restart at any time).

use chrono::{DateTime, Duration, FixedOffset};

/// The offset of a filing's slot inside a period, stable for the same key and period.
///
/// FNV-1a over the key's bytes: cheap, deterministic across platforms and releases
/// (unlike `std`'s `DefaultHasher`), and spread well enough for slotting.
pub fn slot_offset(key: &str, period: Duration) -> Duration {
    let period_secs = period.num_seconds().max(1) as u64;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    Duration::seconds((hash % period_secs) as i64)
}

/// The next moment at or after `now` at which the filing `key` is due, with periods
/// counted from `epoch`.
pub fn next_slot(
    key: &str,
    epoch: DateTime<FixedOffset>,
    period: Duration,
    now: DateTime<FixedOffset>,
) -> DateTime<FixedOffset> {
    let offset = slot_offset(key, period);
    let period_secs = period.num_seconds().max(1);
    let elapsed = (now - epoch).num_seconds();
    let periods = elapsed.div_euclid(period_secs);
    let mut slot = epoch + Duration::seconds(periods * period_secs) + offset;
    if slot < now {
        slot += Duration::seconds(period_secs);
    }
    slot
}

/// 到期提醒 — which reminder (days before the deadline) is due now, if any.
///
/// `days_before` lists the reminders in any order (for example 7, 3 and 1 days);
/// `already_sent` the ones sent for this order and deadline. The most urgent reminder
/// that is due and not sent is returned, so a scheduler that was down for a week sends one
/// reminder, not three.
pub fn reminder_due(
    deadline: DateTime<FixedOffset>,
    now: DateTime<FixedOffset>,
    days_before: &[u32],
    already_sent: &[u32],
) -> Option<u32> {
    if now >= deadline {
        return None;
    }
    // Once a reminder went out, the less urgent ones are moot.
    let most_urgent_sent = already_sent.iter().copied().min().unwrap_or(u32::MAX);
    days_before
        .iter()
        .copied()
        .filter(|days| now >= deadline - Duration::days(i64::from(*days)))
        .filter(|days| *days < most_urgent_sent)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("test moment")
    }

    #[test]
    fn slots_are_stable_and_inside_the_period() {
        let period = Duration::days(30);
        for key in ["京ICP备12345678号", "粤ICP备2020000001号", ""] {
            let offset = slot_offset(key, period);
            assert_eq!(offset, slot_offset(key, period));
            assert!(offset >= Duration::zero() && offset < period);
        }
    }

    #[test]
    fn slots_spread_evenly() {
        let period = Duration::days(30);
        let mut per_day = [0u32; 30];
        for n in 0..30_000 {
            let key = format!("京ICP备{:08}号", 10_000_000 + n);
            let day = slot_offset(&key, period).num_days() as usize;
            per_day[day] += 1;
        }
        // 1,000 expected per day; a day more than 15% off means the hash clusters.
        for (day, count) in per_day.iter().enumerate() {
            assert!(
                (850..=1150).contains(count),
                "day {day} has {count} filings"
            );
        }
    }

    #[test]
    fn next_slot_is_never_in_the_past_and_within_one_period() {
        let epoch = at("2026-01-01T00:00:00+08:00");
        let period = Duration::days(7);
        for now in [
            "2025-12-01T00:00:00+08:00",
            "2026-01-01T00:00:00+08:00",
            "2026-11-29T16:00:00+08:00",
        ] {
            let now = at(now);
            let slot = next_slot("浙ICP备20001234号", epoch, period, now);
            assert!(slot >= now);
            assert!(slot - now <= period);
        }
    }

    #[test]
    fn reminders() {
        let deadline = at("2026-12-11T23:59:59+08:00");
        let days = [7, 3, 1];
        let cases: &[(&str, &[u32], Option<u32>)] = &[
            ("2026-12-01T09:00:00+08:00", &[], None),
            ("2026-12-05T00:00:00+08:00", &[], Some(7)),
            ("2026-12-05T00:00:00+08:00", &[7], None),
            ("2026-12-09T00:00:00+08:00", &[7], Some(3)),
            ("2026-12-11T08:00:00+08:00", &[], Some(1)),
            ("2026-12-11T08:00:00+08:00", &[7, 3, 1], None),
            ("2026-12-09T00:00:00+08:00", &[3], None),
            ("2026-12-11T08:00:00+08:00", &[3], Some(1)),
            ("2026-12-12T00:00:00+08:00", &[], None),
        ];
        for (now, sent, expected) in cases {
            assert_eq!(
                reminder_due(deadline, at(now), &days, sent),
                *expected,
                "at {now} with {sent:?} sent"
            );
        }
    }
}
