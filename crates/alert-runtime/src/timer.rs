//! The escalation timer (mini-redis's expiry task): fires what is due, then
//! sleeps until the next deadline or until the schedule changes; hourly
//! housekeeping and settling refused webhooks ride along.

use std::time::Duration;

use crate::handle::{EngineHandle, alert_events};

/// Longest the timer sleeps with nothing due: changes made by another
/// process (the CLI acting on the same database) are seen within this.
const IDLE_RECHECK: Duration = Duration::from_secs(30);
/// After a failed turn (disk full, database broken) the due cursor is still
/// due: wait before retrying instead of spinning, doubling up to a minute.
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(60);

pub(crate) async fn run(handle: EngineHandle) {
    let mut shutdown = handle.shutdown_receiver();
    let mut last_housekeeping = handle.now();
    let mut failures: u32 = 0;
    loop {
        let now = handle.now();
        let housekeeping = now - last_housekeeping > chrono::Duration::hours(1);
        if housekeeping {
            last_housekeeping = now;
        }
        let listening = handle.shared_listeners();
        let turn = handle
            .call(move |e| {
                let fired = e.fire_due(now).map(|effects| {
                    let views = if listening {
                        alert_events(e, &effects.changed_alerts)
                    } else {
                        Vec::new()
                    };
                    (effects, views)
                });
                if housekeeping && let Err(err) = e.housekeeping(now) {
                    tracing::warn!(error = %err, "housekeeping");
                }
                (fired, e.next_wake())
            })
            .await;
        let next = match turn {
            Ok((fired, next)) => {
                let next = next.unwrap_or(None);
                match fired {
                    Ok((effects, views)) => {
                        failures = 0;
                        if !effects.is_empty() {
                            handle.dispatch(effects, views);
                        }
                        next
                    }
                    Err(e) => {
                        failures = failures.saturating_add(1);
                        let wait = halo_api::backoff::exponential(RETRY_FIRST, RETRY_MAX, failures);
                        tracing::error!(error = %e, retry_in = ?wait, "escalation timer");
                        let retry_at = handle.now()
                            + chrono::Duration::from_std(wait)
                                .unwrap_or(chrono::Duration::seconds(60));
                        Some(next.map_or(retry_at, |at| at.max(retry_at)))
                    }
                }
            }
            Err(_) => return,
        };
        // At least every IDLE_RECHECK: a flood's last minute of refused
        // webhooks gets its row within half a minute of that minute.
        handle.settle_refusals().await;
        let changed = &handle.shared.schedule_changed;
        if !handle
            .wait_for_turn(next, IDLE_RECHECK, changed, &mut shutdown)
            .await
        {
            return;
        }
    }
}
