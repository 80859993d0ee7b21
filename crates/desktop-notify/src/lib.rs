//! Shows the engine's notifications on the desktop with notify-rust: the
//! freedesktop notification service over D-Bus on Linux (dunst, GNOME,
//! KDE), Notification Center on macOS, toasts on Windows.
//!
//! The body is escaped only where the notification server reads markup (on
//! Linux, a server announcing the `body-markup` capability); elsewhere it is
//! plain text and shown as written.
//!
//! A repeat or escalation of an alert replaces its earlier popup instead of
//! stacking a new one, and acknowledging, snoozing or resolving the alert
//! closes it (Linux; elsewhere the OS keeps its own history).

mod actions;

use std::borrow::Cow;
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
    /// Whether the server reads markup in bodies; asked once, on first use.
    #[cfg_attr(not(all(unix, not(target_os = "macos"))), allow(dead_code))]
    markup: std::sync::OnceLock<bool>,
}

/// macOS files a popup under the app whose bundle sends it, and
/// notify-rust would otherwise send them as Finder's: call once at start
/// with the app's bundle identifier. Elsewhere the app is named per popup,
/// and this does nothing.
pub fn use_bundle_identity(bundle_id: &str) {
    #[cfg(target_os = "macos")]
    if let Err(e) = notify_rust::set_application(bundle_id) {
        tracing::warn!(bundle_id, error = %e, "popups may show as another app's");
    }
    #[cfg(not(target_os = "macos"))]
    let _ = bundle_id;
}

/// The body as the server must receive it to show `body` literally: a
/// server that reads markup would make "<b>" bold the rest and drop
/// "<script>"; one that does not would show "&lt;b&gt;" if it were escaped.
pub fn body_for_server(body: &str, server_reads_markup: bool) -> Cow<'_, str> {
    if server_reads_markup {
        html_escape::encode_text(body)
    } else {
        Cow::Borrowed(body)
    }
}

impl DesktopNotifier {
    pub fn new(app_name: impl Into<String>) -> Self {
        DesktopNotifier {
            app_name: app_name.into(),
            shown: Mutex::new(HashMap::new()),
            actions: None,
            waiters: actions::Waiters::default(),
            markup: std::sync::OnceLock::new(),
        }
    }

    /// Offers `actions`' buttons on every alert's popup (Linux D-Bus
    /// actions, Windows toast buttons, a macOS button and dropdown) and
    /// reports the user's pick, or a click on the popup, to it from a
    /// waiting thread, never from the caller's.
    pub fn with_actions(mut self, actions: Arc<dyn NotificationActions>) -> Self {
        self.actions = Some(actions);
        self
    }

    /// Linux: the freedesktop server says whether it reads markup. If it
    /// cannot be asked, assume it does (most do), which at worst shows an
    /// escaped "&amp;" rather than letting ticket text format the popup.
    #[cfg(all(unix, not(target_os = "macos")))]
    fn server_reads_markup(&self) -> bool {
        *self.markup.get_or_init(|| match notify_rust::get_capabilities() {
            Ok(caps) => caps.iter().any(|c| c == "body-markup"),
            Err(e) => {
                tracing::debug!(error = %e, "could not ask the notification server's capabilities");
                true
            }
        })
    }

    /// macOS and Windows show notification text as plain text.
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    fn server_reads_markup(&self) -> bool {
        false
    }

    fn build(&self, n: &Notification) -> notify_rust::Notification {
        let mut popup = notify_rust::Notification::new();
        popup
            .appname(&self.app_name)
            .summary(&n.title)
            .body(&body_for_server(&n.body, self.server_reads_markup()))
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
        let popup = self.build(n);
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            let mut popup = popup;
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
        #[cfg(windows)]
        {
            let mut popup = popup;
            if let Some(actions) = &self.actions {
                // A click on the toast's body is "default": no button for it.
                for (id, label) in actions.buttons(n).iter().filter(|(id, _)| id != "default") {
                    popup.action(id, label);
                }
            }
            let handle = popup.show().map_err(unreachable_service)?;
            self.wait_for_response(n, handle);
        }
        #[cfg(target_os = "macos")]
        {
            let mut popup = popup;
            // Only popups that are waited on get buttons: unheard ones
            // would do nothing.
            if let Some(actions) = &self.actions
                && n.alert_id.is_some()
            {
                for (id, label) in actions::mac_buttons(actions.buttons(n)) {
                    popup.action(&id, &label);
                }
            }
            // Sends nothing yet: the popup goes out when the handle is
            // waited on or dropped.
            let handle = popup.show().map_err(unreachable_service)?;
            self.wait_for_response(n, handle);
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
        if n.alert_id.is_none() {
            return;
        }
        let id = handle.id();
        let generation = self.waiters.begin(id);
        let waiters = self.waiters.clone();
        let notification = n.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("notification-{id}"))
            .spawn(move || {
                handle.wait_for_action(|action| {
                    if action != "__closed" && waiters.is_current(id, generation) {
                        actions.invoked(&notification, action);
                    }
                });
                waiters.end(id, generation);
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "could not wait for the popup's buttons");
            self.waiters.end(id, generation);
        }
    }

    /// Windows and macOS: listens for a popup's buttons and a click on it
    /// on a thread of its own until it is picked or dismissed. These popups
    /// have no ids to replace, so each repeat has its own listener;
    /// whichever is picked speaks for the alert.
    ///
    /// On macOS the wait is also what sends the popup, and it blocks until
    /// the user acts on it or clears it from Notification Center; the answer
    /// comes through the main thread's run loop, which the app runs. A macOS
    /// handle that is not waited on sends its popup when dropped, unheard
    /// (headless, summaries, or if no thread could be started).
    #[cfg(any(windows, target_os = "macos"))]
    fn wait_for_response(&self, n: &Notification, handle: notify_rust::NotificationHandle) {
        let Some(actions) = self.actions.clone() else {
            return;
        };
        if n.alert_id.is_none() {
            return;
        }
        let notification = n.clone();
        let spawned = std::thread::Builder::new()
            .name("notification".into())
            .spawn(move || {
                let waited =
                    handle.wait_for_response(|response: &notify_rust::NotificationResponse| {
                        if let Some(action) = actions::picked(response) {
                            actions.invoked(&notification, action);
                        }
                    });
                // Windows: the toast went away without a word. macOS: the
                // wait sends the popup, so it was never shown.
                #[cfg(windows)]
                if let Err(e) = waited {
                    tracing::debug!(error = %e, "stopped waiting for a toast");
                }
                #[cfg(target_os = "macos")]
                if let Err(e) = waited {
                    tracing::warn!(error = %e, "could not show a notification");
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "could not listen to a popup's buttons");
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
                .body(&body_for_server(&n.body, self.server_reads_markup()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_only_for_servers_that_read_it() {
        let ticket = "Disk <b>full</b> & slow";
        assert_eq!(
            body_for_server(ticket, true),
            "Disk &lt;b&gt;full&lt;/b&gt; &amp; slow"
        );
        // A plain-text server shows exactly what the ticket said.
        assert_eq!(body_for_server(ticket, false), ticket);
    }
}
