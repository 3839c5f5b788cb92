//! 容错 — the pieces that keep a registry client polite and alive: exponential backoff with
//! jitter, a circuit breaker, a token-bucket rate limit and a cache with a time to live.
//!
//! Each is a plain value that takes the current [`Instant`] as an argument, so its rules
//! are table-tested without sleeping; the client holds them behind a mutex.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

/// The wait before retry number `attempt` (0-based): `base · 2^attempt`, capped at `max`,
/// then a random point in its upper half, so that many clients that failed together do
/// not come back together.
pub fn backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    let full = base
        .checked_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX))
        .unwrap_or(max)
        .min(max);
    let half = full / 2;
    let spread = full.saturating_sub(half).as_micros() as u64;
    let jitter = if spread == 0 {
        0
    } else {
        random_u64() % (spread + 1)
    };
    half + Duration::from_micros(jitter)
}

/// A random number from the standard library's per-process hash keys and a counter.
fn random_u64() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

/// `now + wait`, or a century from now when the clock cannot count that far: a pause or a
/// TTL set in code beyond any sane value must not panic.
fn later(now: Instant, wait: Duration) -> Instant {
    now.checked_add(wait)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 86_400)))
        .unwrap_or(now)
}

/// `Retry-After` as seconds (the HTTP-date form is not used by the contract).
pub fn retry_after(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// 熔断器 — stops asking a registry that keeps failing, and tries again after a pause.
///
/// Closed: requests go through; `threshold` failed requests in a row open it. Open: every
/// request is refused at once until `cooldown` has passed. Then one probe request goes
/// through (half-open): its success closes the breaker, its failure opens it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breaker {
    threshold: u32,
    cooldown: Duration,
    state: BreakerState,
}

/// Where a breaker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Requests go through; this many have failed in a row.
    Closed(u32),
    /// Requests are refused until this moment.
    Open(Instant),
    /// One probe is out; others are refused until it ends.
    HalfOpen,
}

impl Breaker {
    /// A closed breaker. A threshold of 0 never opens.
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Breaker {
            threshold,
            cooldown,
            state: BreakerState::Closed(0),
        }
    }

    /// The current state.
    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// Whether a request may go out at `now`; if not, how long until it may.
    pub fn allow(&mut self, now: Instant) -> Result<(), Duration> {
        match self.state {
            BreakerState::Closed(_) => Ok(()),
            BreakerState::Open(until) if now >= until => {
                self.state = BreakerState::HalfOpen;
                Ok(())
            }
            BreakerState::Open(until) => Err(until - now),
            BreakerState::HalfOpen => Err(self.cooldown),
        }
    }

    /// A request succeeded (the registry answered as agreed, found or not).
    pub fn success(&mut self) {
        self.state = BreakerState::Closed(0);
    }

    /// A request failed for good (retries exhausted, or refused).
    pub fn failure(&mut self, now: Instant) {
        self.state = match self.state {
            BreakerState::Closed(n) if self.threshold == 0 || n + 1 < self.threshold => {
                BreakerState::Closed(n + 1)
            }
            _ => BreakerState::Open(later(now, self.cooldown)),
        };
    }
}

/// 限流 — a token bucket: `rate` requests a second on average, bursts of up to `burst`.
#[derive(Debug, Clone)]
pub struct RateLimit {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Option<Instant>,
}

impl RateLimit {
    /// A full bucket. A rate of 0 (or less) is no limit.
    pub fn new(rate: f64, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        RateLimit {
            rate,
            burst,
            tokens: burst,
            last: None,
        }
    }

    /// Takes a token at `now` and returns how long to wait before using it (zero when one
    /// was there). Tokens may go negative: later callers queue behind earlier ones.
    pub fn reserve(&mut self, now: Instant) -> Duration {
        if self.rate <= 0.0 {
            return Duration::ZERO;
        }
        if let Some(last) = self.last {
            let refill = now.saturating_duration_since(last).as_secs_f64() * self.rate;
            self.tokens = (self.tokens + refill).min(self.burst);
        }
        self.last = Some(now);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            // A rate so low that the wait has no `Duration` waits for ever.
            Duration::try_from_secs_f64(-self.tokens / self.rate).unwrap_or(Duration::MAX)
        }
    }
}

/// 缓存 — answers kept for `ttl`, at most `capacity` of them.
///
/// Every entry lives the same `ttl`, so the order of insertion is the order of expiry: a
/// queue of (expiry, key) in that order finds the entry to drop in constant time. An
/// earlier version scanned the whole map on every insert once it was full, which at the
/// default capacity made a 100,000-site sweep spend most of its CPU in the cache.
#[derive(Debug)]
pub struct TtlCache<V> {
    ttl: Duration,
    capacity: usize,
    entries: HashMap<String, (Instant, V)>,
    /// (expiry, key) in insertion order; an item whose key has since been put again (a
    /// later expiry in `entries`) or removed is stale and skipped.
    order: VecDeque<(Instant, String)>,
}

impl<V: Clone> TtlCache<V> {
    /// An empty cache. A TTL of zero keeps nothing.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        TtlCache {
            ttl,
            capacity: capacity.max(1),
            entries: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// The value under `key`, if it has not expired at `now`.
    pub fn get(&mut self, key: &str, now: Instant) -> Option<V> {
        match self.entries.get(key) {
            Some((expires, value)) if now < *expires => Some(value.clone()),
            Some(_) => {
                self.entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Keeps `value` under `key` from `now` for the TTL. When full, expired entries go
    /// first, then the one closest to expiry.
    pub fn put(&mut self, key: String, value: V, now: Instant) {
        if self.ttl.is_zero() {
            return;
        }
        self.drop_expired(now);
        if !self.entries.contains_key(&key) {
            while self.entries.len() >= self.capacity && self.drop_oldest() {}
        }
        let expires = later(now, self.ttl);
        self.entries.insert(key.clone(), (expires, value));
        self.order.push_back((expires, key));
        // Stale queue items (keys put again) are bounded by compacting now and then.
        if self.order.len() > 2 * self.capacity {
            let entries = &self.entries;
            self.order
                .retain(|(at, key)| entries.get(key).is_some_and(|(e, _)| e == at));
        }
    }

    /// Drops the entries that expired by `now`, from the front of the queue.
    fn drop_expired(&mut self, now: Instant) {
        while let Some((at, _)) = self.order.front()
            && *at <= now
        {
            self.drop_oldest();
        }
    }

    /// Drops the front of the queue (and its entry, if the item is not stale); false when
    /// the queue is empty.
    fn drop_oldest(&mut self) -> bool {
        let Some((at, key)) = self.order.pop_front() else {
            return false;
        };
        if self
            .entries
            .get(&key)
            .is_some_and(|(expires, _)| *expires == at)
        {
            self.entries.remove(&key);
        }
        true
    }

    /// How many entries are held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_and_lifetimes_beyond_the_clock_do_not_panic() {
        let t0 = Instant::now();
        let mut breaker = Breaker::new(1, Duration::MAX);
        breaker.failure(t0);
        assert!(breaker.allow(t0 + Duration::from_secs(3600)).is_err());
        let mut cache = TtlCache::new(Duration::MAX, 4);
        cache.put("a".into(), 1, t0);
        assert_eq!(cache.get("a", t0 + Duration::from_secs(3600)), Some(1));
        let mut limit = RateLimit::new(1e-300, 1);
        assert_eq!(limit.reserve(t0), Duration::ZERO);
        assert_eq!(limit.reserve(t0), Duration::MAX);
    }

    #[test]
    fn backoff_doubles_up_to_its_cap_with_jitter_in_the_upper_half() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        for (attempt, full) in [
            (0, 100),
            (1, 200),
            (2, 400),
            (3, 800),
            (4, 1600),
            (5, 2000),
            (40, 2000),
        ] {
            for _ in 0..50 {
                let wait = backoff(attempt, base, max);
                let full = Duration::from_millis(full);
                assert!(
                    wait >= full / 2 && wait <= full,
                    "attempt {attempt}: {wait:?}"
                );
            }
        }
        assert_eq!(backoff(3, Duration::ZERO, max), Duration::ZERO);
    }

    #[test]
    fn retry_after_reads_seconds() {
        assert_eq!(retry_after(Some("2")), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(Some(" 0 ")), Some(Duration::ZERO));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
        assert_eq!(retry_after(None), None);
    }

    #[test]
    fn the_breaker_opens_waits_probes_and_closes() {
        let t0 = Instant::now();
        let cooldown = Duration::from_secs(10);
        let mut breaker = Breaker::new(3, cooldown);
        // Steps: (action, at seconds, expected allow before it or state after it).
        breaker.failure(t0);
        breaker.failure(t0);
        assert_eq!(breaker.state(), BreakerState::Closed(2));
        breaker.success();
        assert_eq!(
            breaker.state(),
            BreakerState::Closed(0),
            "a success resets the count"
        );
        for _ in 0..3 {
            assert!(breaker.allow(t0).is_ok());
            breaker.failure(t0);
        }
        assert_eq!(breaker.state(), BreakerState::Open(t0 + cooldown));
        assert_eq!(
            breaker.allow(t0 + Duration::from_secs(4)),
            Err(Duration::from_secs(6))
        );
        // After the cooldown one probe goes; a second waits for it.
        assert!(breaker.allow(t0 + cooldown).is_ok());
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        assert!(breaker.allow(t0 + cooldown).is_err());
        // The probe fails: open again for a whole cooldown.
        breaker.failure(t0 + cooldown);
        assert_eq!(breaker.state(), BreakerState::Open(t0 + cooldown * 2));
        assert!(breaker.allow(t0 + cooldown * 2).is_ok());
        breaker.success();
        assert_eq!(breaker.state(), BreakerState::Closed(0));

        let mut never = Breaker::new(0, cooldown);
        for _ in 0..100 {
            never.failure(t0);
        }
        assert!(never.allow(t0).is_ok());
    }

    #[test]
    fn the_bucket_lets_a_burst_through_then_spaces_requests() {
        let t0 = Instant::now();
        let mut limit = RateLimit::new(10.0, 2);
        assert_eq!(limit.reserve(t0), Duration::ZERO);
        assert_eq!(limit.reserve(t0), Duration::ZERO);
        let third = limit.reserve(t0);
        assert!((third.as_secs_f64() - 0.1).abs() < 1e-6, "{third:?}");
        let fourth = limit.reserve(t0);
        assert!((fourth.as_secs_f64() - 0.2).abs() < 1e-6, "{fourth:?}");
        // A second later the bucket is full again (capped at the burst).
        let mut limit = RateLimit::new(10.0, 2);
        limit.reserve(t0);
        assert_eq!(limit.reserve(t0 + Duration::from_secs(1)), Duration::ZERO);
        let mut unlimited = RateLimit::new(0.0, 1);
        for _ in 0..1000 {
            assert_eq!(unlimited.reserve(t0), Duration::ZERO);
        }
    }

    #[test]
    fn the_cache_forgets_after_its_ttl_and_stays_within_capacity() {
        let t0 = Instant::now();
        let ttl = Duration::from_secs(60);
        let mut cache = TtlCache::new(ttl, 2);
        cache.put("a".into(), 1, t0);
        assert_eq!(cache.get("a", t0 + Duration::from_secs(59)), Some(1));
        assert_eq!(cache.get("a", t0 + ttl), None);
        assert!(cache.is_empty(), "an expired entry is dropped when seen");
        cache.put("a".into(), 1, t0);
        cache.put("b".into(), 2, t0 + Duration::from_secs(1));
        cache.put("c".into(), 3, t0 + Duration::from_secs(2));
        assert_eq!(cache.len(), 2);
        assert_eq!(
            cache.get("a", t0 + Duration::from_secs(3)),
            None,
            "the oldest went"
        );
        assert_eq!(cache.get("c", t0 + Duration::from_secs(3)), Some(3));
        let mut off = TtlCache::new(Duration::ZERO, 10);
        off.put("a".into(), 1, t0);
        assert_eq!(off.get("a", t0), None);
    }

    #[test]
    fn a_key_put_again_lives_from_its_last_put_and_the_queue_stays_bounded() {
        let t0 = Instant::now();
        let ttl = Duration::from_secs(10);
        let mut cache = TtlCache::new(ttl, 3);
        cache.put("a".into(), 1, t0);
        cache.put("b".into(), 2, t0 + Duration::from_secs(1));
        // "a" again: it is now the newest, so "b" is the next to go.
        cache.put("a".into(), 10, t0 + Duration::from_secs(2));
        cache.put("c".into(), 3, t0 + Duration::from_secs(3));
        cache.put("d".into(), 4, t0 + Duration::from_secs(4));
        let at = t0 + Duration::from_secs(5);
        assert_eq!(cache.get("b", at), None, "the oldest went");
        assert_eq!(cache.get("a", at), Some(10));
        assert_eq!(cache.len(), 3);
        // Expiry follows the last put: "a" outlives its first put's TTL.
        assert_eq!(cache.get("a", t0 + Duration::from_secs(11)), Some(10));
        // The same keys put over and over keep the queue within twice the capacity.
        for i in 0..1000u64 {
            let key = ["a", "c", "d"][(i % 3) as usize];
            cache.put(key.into(), i, t0 + Duration::from_millis(5000 + i));
        }
        assert_eq!(cache.len(), 3);
        assert!(cache.order.len() <= 6, "{}", cache.order.len());
        // Everything expires.
        cache.put("e".into(), 5, t0 + Duration::from_secs(100));
        assert_eq!(cache.len(), 1);
    }
}
