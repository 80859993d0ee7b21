//! Handling-time figures for the `stats` command: time to acknowledge and to
//! resolve, per alert and aggregated per priority.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::params;

use crate::error::StoreError;
use crate::store::Store;
use crate::types::{AlertTiming, PriorityStats, ms, ts, ts_opt};

/// `later - earlier`, clamped at zero: a clock step backwards must not turn
/// into a nonsense negative (or panicking) duration.
fn elapsed(earlier: DateTime<Utc>, later: Option<DateTime<Utc>>) -> Option<Duration> {
    later.map(|l| (l - earlier).to_std().unwrap_or(Duration::ZERO))
}

fn median(sorted: &[Duration]) -> Option<Duration> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => sorted.get(n / 2).copied(),
        _ => {
            let a = sorted.get(n / 2 - 1)?;
            let b = sorted.get(n / 2)?;
            // `a + (b - a) / 2` on sorted input cannot overflow, unlike
            // `(a + b) / 2`.
            Some(a.saturating_add(b.saturating_sub(*a) / 2))
        }
    }
}

fn mean(values: &[Duration]) -> Option<Duration> {
    let n = u32::try_from(values.len()).ok().filter(|n| *n > 0)?;
    // `checked_add`, not `sum()`, which panics on overflow.
    let total = values
        .iter()
        .try_fold(Duration::ZERO, |acc, v| acc.checked_add(*v))?;
    Some(total / n)
}

impl Store {
    /// Time to acknowledge and to resolve of every alert created at or after
    /// `since`, oldest first.
    pub fn alert_timings(&self, since: DateTime<Utc>) -> Result<Vec<AlertTiming>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, priority_id, created_at, acknowledged_at, resolved_at FROM alerts \
             WHERE created_at >= ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![ms(since)], |row| {
            let created_at = ts(row, 2)?;
            Ok(AlertTiming {
                alert_id: row.get(0)?,
                priority_id: row.get(1)?,
                created_at,
                time_to_ack: elapsed(created_at, ts_opt(row, 3)?),
                time_to_resolve: elapsed(created_at, ts_opt(row, 4)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// [`Store::alert_timings`] aggregated per priority (count, median and
    /// mean handling times), ordered by priority with "no priority" first.
    pub fn stats_by_priority(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<PriorityStats>, StoreError> {
        let mut groups: BTreeMap<Option<i32>, (u64, Vec<Duration>, Vec<Duration>)> =
            BTreeMap::new();
        for t in self.alert_timings(since)? {
            let (count, acks, resolves) = groups.entry(t.priority_id).or_default();
            *count += 1;
            acks.extend(t.time_to_ack);
            resolves.extend(t.time_to_resolve);
        }
        Ok(groups
            .into_iter()
            .map(|(priority_id, (alerts, mut acks, mut resolves))| {
                acks.sort_unstable();
                resolves.sort_unstable();
                PriorityStats {
                    priority_id,
                    alerts,
                    acknowledged: acks.len() as u64,
                    resolved: resolves.len() as u64,
                    median_time_to_ack: median(&acks),
                    mean_time_to_ack: mean(&acks),
                    median_time_to_resolve: median(&resolves),
                    mean_time_to_resolve: mean(&resolves),
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|s| Duration::from_secs(*s)).collect()
    }

    #[test]
    fn median_and_mean() {
        assert_eq!(median(&[]), None);
        assert_eq!(mean(&[]), None);
        assert_eq!(median(&secs(&[1, 5, 9])), Some(Duration::from_secs(5)));
        assert_eq!(median(&secs(&[1, 3, 5, 100])), Some(Duration::from_secs(4)));
        assert_eq!(mean(&secs(&[1, 3, 5, 99])), Some(Duration::from_secs(27)));
    }

    #[test]
    fn negative_elapsed_clamps_to_zero() {
        let t = DateTime::from_timestamp_millis(10_000).expect("valid");
        let before = DateTime::from_timestamp_millis(5_000);
        assert_eq!(elapsed(t, before), Some(Duration::ZERO));
        assert_eq!(elapsed(t, None), None);
    }
}
