//! Halo's rate limit as the client lives it: after a 429, no request goes
//! out until the wait Halo asked for (or our backoff) has passed.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::retry::{RetryPolicy, parse_retry_after};

#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    state: Mutex<RateState>,
}

#[derive(Debug, Default)]
struct RateState {
    /// 429s in a row, for the backoff when Halo gives no `Retry-After`.
    consecutive: u32,
    until: Option<DateTime<Utc>>,
}

impl RateLimiter {
    fn state(&self) -> MutexGuard<'_, RateState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How long the current wait still runs, if any.
    pub fn remaining(&self, now: DateTime<Utc>) -> Option<Duration> {
        let until = self.state().until?;
        (until - now).to_std().ok().filter(|d| !d.is_zero())
    }

    /// Records a 429: waits what Halo asked (clamped), else backs off.
    pub fn limited(&self, retry_after: Option<&str>, now: DateTime<Utc>, policy: &RetryPolicy) {
        let mut state = self.state();
        state.consecutive = state.consecutive.saturating_add(1);
        let wait = retry_after
            .and_then(|value| parse_retry_after(value, now))
            .unwrap_or_else(|| policy.rate_limit_backoff(state.consecutive));
        // The wait is clamped, so this only fails at the end of chrono's
        // calendar; then wait the longest we can rather than not at all.
        let until = chrono::Duration::from_std(wait)
            .ok()
            .and_then(|wait| now.checked_add_signed(wait))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        state.until = Some(until);
        tracing::warn!(wait_secs = wait.as_secs(), "Halo rate limit reached");
    }

    pub fn succeeded(&self) {
        self.state().consecutive = 0;
    }

    pub fn clear(&self) {
        self.state().until = None;
    }
}
