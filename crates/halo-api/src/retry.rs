//! How long to wait before trying again: Halo's 429 (honouring
//! `Retry-After`, clamped, else 5 s doubling to 60 s) and bounded, jittered
//! retries for server errors and dropped connections.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::backoff;

/// The longest `Retry-After` believed. Halo's window is 5 minutes; a larger
/// value is a misconfigured proxy or garbage, and waiting it out would
/// silence the notifier for good.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Extra attempts after a 5xx or a network error, for idempotent calls.
    pub transient_retries: u32,
    pub transient_base: Duration,
    pub transient_max: Duration,
    /// How often a call waits out a 429 itself before returning
    /// `RateLimited`; the engine's poller sets 0 and schedules instead.
    pub rate_limit_retries: u32,
    /// Longest 429 wait a call sits through; longer ones are returned.
    pub max_rate_limit_wait: Duration,
    pub rate_limit_base: Duration,
    pub rate_limit_max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            transient_retries: 2,
            transient_base: Duration::from_millis(500),
            transient_max: Duration::from_secs(8),
            rate_limit_retries: 1,
            max_rate_limit_wait: Duration::from_secs(60),
            rate_limit_base: Duration::from_secs(5),
            rate_limit_max: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait after the `consecutive`-th 429 in a row (1-based) when Halo
    /// gave no `Retry-After`: 5 s, 10 s, 20 s, 40 s, then 60 s.
    pub fn rate_limit_backoff(&self, consecutive: u32) -> Duration {
        backoff::exponential(self.rate_limit_base, self.rate_limit_max, consecutive)
    }

    /// The wait before retry `attempt` (1-based) after a transient failure:
    /// exponential, jittered so many clients don't retry in step.
    pub fn transient_backoff(&self, attempt: u32) -> Duration {
        backoff::equal_jitter(backoff::exponential(
            self.transient_base,
            self.transient_max,
            attempt,
        ))
    }
}

/// Reads `Retry-After` as seconds or as an HTTP date, clamped to
/// [`MAX_RETRY_AFTER`]; a date in the past means no wait. Anything else
/// (negative, fractional, garbage) is `None`: the caller backs off instead.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    let wait = if value.bytes().all(|b| b.is_ascii_digit()) && !value.is_empty() {
        // Digits too many for a u64 are still a (very) long wait.
        Duration::from_secs(value.parse::<u64>().unwrap_or(u64::MAX))
    } else {
        let at = DateTime::parse_from_rfc2822(value)
            .ok()?
            .with_timezone(&Utc);
        (at - now).to_std().unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2015, 10, 21, 7, 27, 30)
            .single()
            .expect("valid")
    }

    #[test]
    fn rate_limit_backoff_doubles_from_5s_to_60s() {
        let policy = RetryPolicy::default();
        let waits: Vec<u64> = (1..=7)
            .map(|n| policy.rate_limit_backoff(n).as_secs())
            .collect();
        assert_eq!(waits, [5, 10, 20, 40, 60, 60, 60]);
    }

    #[test]
    fn transient_backoff_stays_within_its_bounds() {
        let policy = RetryPolicy::default();
        for attempt in 1..10 {
            let wait = policy.transient_backoff(attempt);
            assert!(wait <= policy.transient_max, "{wait:?}");
            assert!(wait >= policy.transient_base / 2, "{wait:?}");
        }
    }

    #[test]
    fn retry_after_as_seconds_or_date() {
        assert_eq!(
            parse_retry_after("17", now()),
            Some(Duration::from_secs(17))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now()),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now()),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn absurd_retry_after_is_clamped_to_an_hour() {
        for huge in [
            "1000000000000000",
            "18446744073709551615",
            "99999999999999999999999999999",
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            assert_eq!(
                parse_retry_after(huge, now()),
                Some(MAX_RETRY_AFTER),
                "{huge}"
            );
        }
    }

    #[test]
    fn garbage_retry_after_is_ignored() {
        for garbage in ["soon", "-5", "1.5", "", "  ", "5 s", "+3", "\u{1F600}"] {
            assert_eq!(parse_retry_after(garbage, now()), None, "{garbage:?}");
        }
    }
}
