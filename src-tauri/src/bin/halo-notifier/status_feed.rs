//! Keeps the tray and the windows current: follows the engine's events,
//! passes each to the windows (in the window host) as `engine-event`, and after each burst
//! recomputes the status (`app-status` when it changed) and the tray.

use alert_engine::{AlertView, EngineEvent};
use alert_runtime::EngineHandle;
use alert_store::{AlertFilter, AlertState};
use halo_notifier::async_runtime;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use crate::shell::Shell;
use crate::{tray, window_hosts};

/// Follows `engine` until it stops.
pub fn follow(app: Shell, engine: EngineHandle) {
    let mut events = engine.subscribe();
    async_runtime::spawn(async move {
        refresh(&app).await;
        loop {
            match events.recv().await {
                Ok(event) => pass_on(&app, &event),
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            }
            // Coalesce a burst (a big poll) into one refresh.
            loop {
                match events.try_recv() {
                    Ok(event) => pass_on(&app, &event),
                    Err(TryRecvError::Lagged(_)) => {}
                    Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                }
            }
            refresh(&app).await;
        }
    });
}

fn pass_on(app: &Shell, event: &EngineEvent) {
    window_hosts::emit(app, "engine-event", event);
}

/// Recomputes the status and the tray now.
pub async fn refresh(app: &Shell) {
    let state = app.state();
    let status = match state.status().await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the app's status");
            return;
        }
    };
    let newest = match state.engine() {
        Ok(engine) => newest_waiting(&engine).await.unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    tray::refresh(app, &status, &newest);
    if state.status_changed(&status) {
        window_hosts::emit(app, "app-status", &status);
    }
}

/// The alerts waiting for someone, newest first, as many as the menu lists.
async fn newest_waiting(engine: &EngineHandle) -> crate::error::CommandResult<Vec<AlertView>> {
    let mut waiting = engine
        .list(AlertFilter::State(AlertState::Triggered))
        .await?;
    waiting.sort_by_key(|a| std::cmp::Reverse(a.created_at));
    waiting.truncate(tray::MENU_ALERTS);
    Ok(waiting)
}
