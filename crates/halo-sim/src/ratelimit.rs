//! Halo-hosted instances allow 300 requests per rolling 5 minutes. The sim keeps
//! one budget for the whole tenant (Halo's real scope is unknown: per
//! application, tenant or address), counting only requests it lets through.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub(crate) struct RollingWindow {
    limit: u32,
    window: Duration,
    hits: VecDeque<Instant>,
}

impl RollingWindow {
    pub(crate) fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            hits: VecDeque::new(),
        }
    }

    /// Counts a request if the budget allows it.
    pub(crate) fn try_acquire(&mut self, now: Instant) -> bool {
        while let Some(&oldest) = self.hits.front() {
            if now.duration_since(oldest) >= self.window {
                self.hits.pop_front();
            } else {
                break;
            }
        }
        if self.hits.len() >= self.limit as usize {
            return false;
        }
        self.hits.push_back(now);
        true
    }

    /// Halo's 429 text, with this window's numbers.
    pub(crate) fn message(&self) -> String {
        let secs = self.window.as_secs();
        let span = if secs >= 60 && secs.is_multiple_of(60) {
            format!("{} minute", secs / 60)
        } else {
            format!("{secs} second")
        };
        format!(
            "Rate Limit Reached - {} Requests per rolling {span} window",
            self.limit
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::halo_error::RATE_LIMIT_TEXT;

    #[test]
    fn window_rolls() {
        let mut w = RollingWindow::new(2, Duration::from_secs(10));
        let t0 = Instant::now();
        assert!(w.try_acquire(t0));
        assert!(w.try_acquire(t0 + Duration::from_secs(1)));
        assert!(!w.try_acquire(t0 + Duration::from_secs(2)));
        assert!(w.try_acquire(t0 + Duration::from_secs(10)));
        assert!(!w.try_acquire(t0 + Duration::from_secs(10)));
    }

    #[test]
    fn halo_numbers_give_halo_text() {
        let w = RollingWindow::new(300, Duration::from_secs(300));
        assert_eq!(w.message(), RATE_LIMIT_TEXT);
    }
}
