//! Starting the core behind the tray: app-core with the desktop notifier
//! (popups with buttons), in demo mode when no Halo is configured; and the
//! log plugin writing to the platform's log folder.

use std::sync::Arc;

use app_core::{App, AppOptions, SetupOptions};
use desktop_notify::DesktopNotifier;
use tauri::{AppHandle, Manager};
use tauri_plugin_log::{Target, TargetKind};

use crate::notify_actions::PopupButtons;
use crate::state::AppState;
use crate::status_feed;

/// How often the demo logs a ticket: often enough that a first look shows
/// notifications, escalation and closing within a minute.
pub const DEMO_EVERY: std::time::Duration = std::time::Duration::from_secs(8);

/// Logs (ours and the core crates' `tracing` events) to the platform's log
/// folder and stderr; the window host writes its own file (`file_name`).
/// The level is `info` unless `HALO_NOTIFIER_LOG` names another (`debug`
/// when chasing a problem; secrets are never logged at any level).
pub fn log_plugin(file_name: Option<&str>) -> tauri::plugin::TauriPlugin<tauri::Wry> {
    tauri_plugin_log::Builder::new()
        .clear_targets()
        .target(Target::new(TargetKind::LogDir {
            file_name: file_name.map(str::to_owned),
        }))
        .target(Target::new(TargetKind::Stderr))
        .level(log_level(
            std::env::var("HALO_NOTIFIER_LOG").ok().as_deref(),
        ))
        .level_for("tao", log::LevelFilter::Warn)
        .level_for("zbus", log::LevelFilter::Warn)
        .build()
}

fn log_level(asked: Option<&str>) -> log::LevelFilter {
    asked
        .and_then(|level| level.trim().parse().ok())
        .unwrap_or(log::LevelFilter::Info)
}

/// Starts app-core in the background (the tray is already up) and, once it
/// runs, follows its events. A failure shows in the tray's tooltip.
pub fn start_core(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let notifier = DesktopNotifier::new("Halo Notifier")
            .with_actions(Arc::new(PopupButtons::new(app.clone())));
        let options = AppOptions {
            setup: SetupOptions::default(),
            notifier: Arc::new(notifier),
            demo_every: DEMO_EVERY,
        };
        let state = app.state::<AppState>();
        match App::start(options).await {
            Ok(running) => {
                tracing::info!("{}", running.mode().describe());
                let engine = running.handle().clone();
                state.install(running).await;
                status_feed::follow(app.clone(), engine);
            }
            Err(e) => {
                tracing::error!(error = %e, "could not start");
                state.start_failed(e.to_string());
                status_feed::refresh(&app).await;
            }
        }
    });
}

/// Stops the running core and starts it again on the saved settings (demo
/// becomes live once Halo is configured).
pub async fn restart_core(app: AppHandle) {
    app.state::<AppState>().stop().await;
    start_core(app);
}

#[cfg(test)]
mod tests {
    use super::log_level;

    #[test]
    fn the_log_level_is_info_unless_a_known_level_is_asked_for() {
        assert_eq!(log_level(None), log::LevelFilter::Info);
        assert_eq!(log_level(Some("debug")), log::LevelFilter::Debug);
        assert_eq!(log_level(Some(" TRACE ")), log::LevelFilter::Trace);
        assert_eq!(log_level(Some("loud")), log::LevelFilter::Info);
    }
}
