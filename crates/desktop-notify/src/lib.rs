//! Shows the engine's notifications on the desktop with notify-rust: the
//! freedesktop notification service over D-Bus on Linux (dunst, GNOME,
//! KDE), Notification Center on macOS, toasts on Windows.
//!
//! A repeat or escalation of an alert replaces its earlier popup instead of
//! stacking a new one, and acknowledging, snoozing or resolving the alert
//! closes it (Linux; elsewhere the OS keeps its own history).

mod actions;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use actions::NotificationActions;

use alert_engine::{Notification, NotificationKind, Notifier, NotifyError};
use alert_policy::Urgency;

/// The desktop's notification service.
pub struct DesktopNotifier {
    app_name: String,
    /// Alert id → the desktop's id of its popup, to replace or close it.
    #[cfg_attr(not(all(unix, not(target_os = "macos"))), allow(dead_code))]
    shown: Mutex<HashMap<i64, u32>>,
    /// Buttons and who hears them (the desktop app); none when headless.
    #[cfg_attr(not(all(unix, not(target_os = "macos"))), allow(dead_code))]
    actions: Option<Arc<dyn NotificationActions>>,
    #[cfg_attr(not(all(unix, not(target_os = "macos"))), allow(dead_code))]
    waiters: actions::Waiters,
}

impl DesktopNotifier {
    pub fn new(app_name: impl Into<String>) -> Self {
        DesktopNotifier {
            app_name: app_name.into(),
            shown: Mutex::new(HashMap::new()),
            actions: None,
            waiters: actions::Waiters::default(),
        }
    }

    /// Offers `actions`' buttons on every alert's popup (Linux D-Bus
    /// actions) and reports the user's pick to it from a waiting thread,
    /// never from the caller's.
    pub fn with_actions(mut self, actions: Arc<dyn NotificationActions>) -> Self {
        self.actions = Some(actions);
        self
    }

    fn build(&self, n: &Notification) -> notify_rust::Notification {
        let mut popup = notify_rust::Notification::new();
        popup
            .appname(&self.app_name)
            .summary(&n.title)
            // The freedesktop body is a markup subset: a ticket saying
            // "<b>" must show literally, not bold the rest.
            .body(&html_escape::encode_text(&n.body))
            .icon("dialog-warning");
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            popup.urgency(match n.urgency {
                Urgency::Low => notify_rust::Urgency::Low,
                Urgency::Normal => notify_rust::Urgency::Normal,
                Urgency::Critical => notify_rust::Urgency::Critical,
            });
            if n.urgency == Urgency::Critical {
                popup.timeout(notify_rust::Timeout::Never);
            }
            if n.sound {
                popup.sound_name("message-new-instant");
            }
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        {
            let _ = Urgency::Low;
        }
        popup
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, u32>> {
        self.shown.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Notifier for DesktopNotifier {
    fn notify(&self, n: &Notification) -> Result<(), NotifyError> {
        if n.kind.withdraws() {
            self.withdraw(n);
            return Ok(());
        }
        let mut popup = self.build(n);
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            if let Some(alert) = n.alert_id
                && let Some(id) = self.lock().get(&alert)
            {
                popup.id(*id);
            }
            if let Some(actions) = &self.actions {
                for (id, label) in actions.buttons(n) {
                    popup.action(&id, &label);
                }
            }
            let handle = popup.show().map_err(unreachable_service)?;
            if let Some(alert) = n.alert_id {
                self.lock().insert(alert, handle.id());
            }
            self.wait_for_buttons(n, handle);
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        {
            popup.show().map_err(unreachable_service)?;
        }
        Ok(())
    }
}

impl DesktopNotifier {
    /// Listens for the popup's buttons on a thread of its own (the wait
    /// blocks until a pick or the popup closes, then reports `__closed`).
    #[cfg(all(unix, not(target_os = "macos")))]
    fn wait_for_buttons(&self, n: &Notification, handle: notify_rust::NotificationHandle) {
        let Some(actions) = self.actions.clone() else {
            return;
        };
        let id = handle.id();
        if n.alert_id.is_none() || !self.waiters.claim(id) {
            return;
        }
        let waiters = self.waiters.clone();
        let notification = n.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("notification-{id}"))
            .spawn(move || {
                handle.wait_for_action(|action| {
                    if action != "__closed" {
                        actions.invoked(&notification, action);
                    }
                });
                waiters.release(id);
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "could not wait for the popup's buttons");
            self.waiters.release(id);
        }
    }

    /// Replaces the alert's popup with a brief low-urgency line saying what
    /// happened ("Acknowledged by Alex"), which expires by itself. Closing by
    /// id would need to keep one D-Bus connection per popup alive.
    fn withdraw(&self, n: &Notification) {
        debug_assert!(matches!(
            n.kind,
            NotificationKind::Resolved | NotificationKind::Acknowledged | NotificationKind::Snoozed
        ));
        let Some(alert) = n.alert_id else { return };
        let Some(id) = self.lock().remove(&alert) else {
            return;
        };
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            let mut popup = notify_rust::Notification::new();
            popup
                .id(id)
                .appname(&self.app_name)
                .summary(&n.title)
                .body(&html_escape::encode_text(&n.body))
                .urgency(notify_rust::Urgency::Low)
                .timeout(notify_rust::Timeout::Milliseconds(WITHDRAWN_FOR_MS));
            if let Err(e) = popup.show() {
                tracing::debug!(error = %e, alert, "could not replace the popup");
            }
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        {
            let _ = id;
        }
    }
}

/// How long the "acknowledged / resolved" line stays.
#[cfg(all(unix, not(target_os = "macos")))]
const WITHDRAWN_FOR_MS: u32 = 4000;

fn unreachable_service(e: notify_rust::error::Error) -> NotifyError {
    NotifyError(format!(
        "no desktop notification service answered ({e}); on Linux a notification daemon \
         (GNOME Shell, KDE Plasma, dunst, mako) must be running in your session"
    ))
}
