//! Starting the core behind the tray: app-core with the desktop notifier
//! (popups with buttons), in demo mode when no Halo is configured.

use std::sync::Arc;

use app_core::{App, AppOptions, SetupOptions};
use desktop_notify::DesktopNotifier;
use halo_notifier::async_runtime;

use crate::notify_actions::PopupButtons;
use crate::shell::Shell;
use crate::status_feed;

/// How often the demo logs a ticket: often enough that a first look shows
/// notifications, escalation and closing within a minute.
pub const DEMO_EVERY: std::time::Duration = std::time::Duration::from_secs(8);

/// Starts app-core in the background (the tray is already up) and, once it
/// runs, follows its events. A failure shows in the tray's tooltip.
pub fn start_core(app: Shell) {
    async_runtime::spawn(async move {
        let notifier = DesktopNotifier::new("Halo Notifier")
            .with_actions(Arc::new(PopupButtons::new(app.clone())));
        let options = AppOptions {
            setup: SetupOptions::default(),
            notifier: Arc::new(notifier),
            demo_every: DEMO_EVERY,
        };
        let state = app.state();
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
pub async fn restart_core(app: Shell) {
    app.state().stop().await;
    start_core(app);
}
