//! Counts requests sent to Halo over a rolling window. Halo-hosted tenants
//! allow 300 requests per rolling 5 minutes, shared by every integration on
//! the tenant, so the figure is shown to the user.

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// Halo's documented limit, per rolling five minutes.
pub const HALO_LIMIT_PER_5_MIN: usize = 300;

#[derive(Debug, Default)]
pub struct RequestBudget {
    sent: Mutex<VecDeque<DateTime<Utc>>>,
}

/// Requests in the last 5 minutes and the last hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct BudgetReport {
    pub last_5_min: usize,
    pub last_hour: usize,
}

impl BudgetReport {
    /// Share of Halo's 5-minute limit in use, in percent.
    pub fn percent_of_limit(&self) -> usize {
        self.last_5_min * 100 / HALO_LIMIT_PER_5_MIN
    }
}

impl std::fmt::Display for BudgetReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} requests in the last 5 min ({}% of Halo's {}), {} in the last hour",
            self.last_5_min,
            self.percent_of_limit(),
            HALO_LIMIT_PER_5_MIN,
            self.last_hour
        )
    }
}

impl RequestBudget {
    pub fn record(&self, at: DateTime<Utc>) {
        let mut sent = self.lock();
        sent.push_back(at);
        Self::prune(&mut sent, at);
    }

    pub fn report(&self, now: DateTime<Utc>) -> BudgetReport {
        let mut sent = self.lock();
        Self::prune(&mut sent, now);
        let five_min_ago = now - Duration::minutes(5);
        BudgetReport {
            last_5_min: sent.iter().filter(|at| **at > five_min_ago).count(),
            last_hour: sent.len(),
        }
    }

    fn prune(sent: &mut VecDeque<DateTime<Utc>>, now: DateTime<Utc>) {
        let hour_ago = now - Duration::hours(1);
        while sent.front().is_some_and(|at| *at <= hour_ago) {
            sent.pop_front();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<DateTime<Utc>>> {
        self.sent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn counts_over_rolling_windows() {
        let start = Utc
            .with_ymd_and_hms(2026, 1, 1, 9, 0, 0)
            .single()
            .expect("valid");
        let budget = RequestBudget::default();
        for minute in 0..60 {
            budget.record(start + Duration::minutes(minute));
        }
        let report = budget.report(start + Duration::minutes(59) + Duration::seconds(30));
        assert_eq!(
            report,
            BudgetReport {
                last_5_min: 5,
                last_hour: 60
            }
        );
        let later = budget.report(start + Duration::minutes(130));
        assert_eq!(
            later,
            BudgetReport {
                last_5_min: 0,
                last_hour: 0
            }
        );
    }
}
