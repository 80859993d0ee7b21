//! A background task that keeps the demo tenant busy: a new realistic ticket
//! every interval, until its handle is stopped or dropped. It works on the
//! shared store directly, so the scripting API can start it without a cycle.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::dates;
use crate::seed;
use crate::shared::{Shared, lock};

/// Stops the generator when dropped.
#[derive(Debug)]
pub struct GeneratorHandle {
    task: JoinHandle<()>,
}

impl GeneratorHandle {
    pub(crate) fn start(shared: Arc<Shared>, interval: Duration) -> Self {
        // A zero interval would spin; a millisecond is already absurdly busy.
        let interval = interval.max(Duration::from_millis(1));
        let runtime = shared.runtime.clone();
        // The schedule starts now, not when the task first happens to run.
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let task = runtime.spawn(async move {
            loop {
                ticks.tick().await;
                let id = seed::add_realistic_ticket(&mut lock(&shared.store), dates::now(), false);
                tracing::info!(ticket_id = id, "generator logged a ticket");
            }
        });
        Self { task }
    }

    /// Stops generating.
    pub fn stop(self) {
        // Drop does the work.
    }
}

impl Drop for GeneratorHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}
