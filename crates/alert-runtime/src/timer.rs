//! The escalation timer (mini-redis's expiry task): fires what is due, then
//! sleeps until the next deadline or until the schedule changes; hourly
//! housekeeping rides along.

use std::time::Duration;

use crate::handle::{EngineHandle, alert_events};

/// Longest the timer sleeps with nothing due: changes made by another
/// process (the CLI acting on the same database) are seen within this.
const IDLE_RECHECK: Duration = Duration::from_secs(30);

pub(crate) async fn run(handle: EngineHandle) {
    let mut shutdown = handle.shutdown_receiver();
    let mut last_housekeeping = handle.now();
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
                match fired {
                    Ok((effects, views)) if !effects.is_empty() => handle.dispatch(effects, views),
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "escalation timer"),
                }
                next.unwrap_or(None)
            }
            Err(_) => return,
        };
        let changed = &handle.shared.schedule_changed;
        if !handle
            .wait_for_turn(next, IDLE_RECHECK, changed, &mut shutdown)
            .await
        {
            return;
        }
    }
}
