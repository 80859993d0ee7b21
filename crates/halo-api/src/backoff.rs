//! The workspace's one backoff curve: a base wait doubling per attempt up to
//! a ceiling, and the jitter that keeps many clients from retrying in step.
//! Retries, Halo's 429 waits and the engine's poller all use it.

use std::time::Duration;

/// The wait before `attempt` (1-based): `base`, `2 × base`, `4 × base`...
/// capped at `max`. Attempt 0 counts as 1; huge attempts saturate at `max`.
pub fn exponential(base: Duration, max: Duration, attempt: u32) -> Duration {
    // 2^31 already exceeds any sane ceiling; clamping the exponent keeps
    // the multiplication from wrapping.
    let doublings = attempt.saturating_sub(1).min(31);
    base.saturating_mul(1u32 << doublings).min(max)
}

/// "Equal jitter": half of `wait` for sure plus a random share of the
/// other half, so retries spread out but never come sooner than `wait / 2`.
pub fn equal_jitter(wait: Duration) -> Duration {
    let millis = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(millis / 2 + fastrand::u64(0..=millis / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_the_base_up_to_the_ceiling() {
        let waits: Vec<u64> = (1..=7)
            .map(|n| exponential(Duration::from_secs(5), Duration::from_secs(60), n).as_secs())
            .collect();
        assert_eq!(waits, [5, 10, 20, 40, 60, 60, 60]);
        assert_eq!(
            exponential(Duration::from_secs(5), Duration::from_secs(60), 0),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn absurd_attempts_and_bases_saturate_at_the_ceiling() {
        let max = Duration::from_secs(900);
        assert_eq!(exponential(Duration::from_secs(30), max, u32::MAX), max);
        assert_eq!(exponential(Duration::MAX, max, 40), max);
    }

    #[test]
    fn jitter_stays_between_half_and_all_of_the_wait() {
        for _ in 0..100 {
            let wait = equal_jitter(Duration::from_secs(8));
            assert!(wait >= Duration::from_secs(4) && wait <= Duration::from_secs(8));
        }
        assert_eq!(equal_jitter(Duration::ZERO), Duration::ZERO);
    }
}
