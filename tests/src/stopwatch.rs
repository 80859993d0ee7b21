//! A notifier for the latency benchmarks: remembers when each ticket's
//! first notification reached it (on the runtime's notifier thread).

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use alert_engine::{Notification, NotificationKind, Notifier, NotifyError};
use chrono::{DateTime, Utc};

#[derive(Default)]
pub struct Stopwatch {
    at: Mutex<HashMap<i64, (Instant, DateTime<Utc>)>>,
    shown: Condvar,
}

impl Stopwatch {
    /// When the ticket's notification was shown (monotonic and wall
    /// clock), waiting up to `patience` for it; panics naming the ticket
    /// if it never comes.
    pub fn wait_for(&self, id: i64, patience: Duration) -> (Instant, DateTime<Utc>) {
        let at = self.at.lock().unwrap_or_else(|p| p.into_inner());
        let (at, timeout) = self
            .shown
            .wait_timeout_while(at, patience, |at| !at.contains_key(&id))
            .unwrap_or_else(|p| p.into_inner());
        assert!(!timeout.timed_out(), "ticket {id} was never notified");
        at[&id]
    }
}

impl Notifier for Stopwatch {
    fn notify(&self, n: &Notification) -> Result<(), NotifyError> {
        if n.kind == NotificationKind::Notification
            && let Some(id) = n.ticket_id
        {
            self.at
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(id)
                .or_insert((Instant::now(), Utc::now()));
            self.shown.notify_all();
        }
        Ok(())
    }
}

/// The `p` quantile (0.0–1.0) of sorted figures, nearest rank.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}
