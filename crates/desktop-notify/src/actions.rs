//! Buttons on a popup (freedesktop D-Bus actions, Linux): which ones a
//! notification offers and who hears the user's pick. The wait for the pick
//! blocks, so it runs on a thread of its own per shown popup id.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use alert_engine::Notification;

/// What an app does with a popup's buttons. The headless binary has none.
pub trait NotificationActions: Send + Sync + 'static {
    /// The buttons for this notification as (action id, label). The id
    /// `"default"` is the click on the popup itself (no button is drawn).
    fn buttons(&self, notification: &Notification) -> Vec<(String, String)>;
    /// The user picked `action` on the popup shown for `notification`.
    /// Runs on the waiting thread: hand slow work elsewhere.
    fn invoked(&self, notification: &Notification, action: &str);
}

/// The action a popup's answer stands for: a click on its body is the
/// freedesktop `"default"` action on every platform; a close is none.
#[cfg_attr(not(windows), allow(dead_code))]
pub(crate) fn picked(response: &notify_rust::NotificationResponse) -> Option<&str> {
    use notify_rust::NotificationResponse as Answer;
    match response {
        Answer::Default => Some("default"),
        Answer::Action(action) => Some(action),
        Answer::Reply(_) | Answer::Closed(_) => None,
    }
}

/// Which waiter speaks for a popup id. A repeat replaces the popup under
/// the same id and gets a waiter of its own; the daemon may or may not end
/// the earlier wait, so only the newest waiter of an id reports a pick (two
/// would act twice).
/// (Only freedesktop popups have buttons: unused on macOS and Windows.)
#[derive(Default, Clone)]
#[cfg_attr(not(all(unix, not(target_os = "macos"))), allow(dead_code))]
pub(crate) struct Waiters(Arc<Mutex<HashMap<u32, u64>>>);

#[cfg_attr(not(all(unix, not(target_os = "macos"))), allow(dead_code))]
impl Waiters {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u32, u64>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new waiter for `id`; earlier ones of the same id go quiet.
    pub(crate) fn begin(&self, id: u32) -> u64 {
        let mut map = self.lock();
        let generation = map.get(&id).map_or(0, |g| g + 1);
        map.insert(id, generation);
        generation
    }

    pub(crate) fn is_current(&self, id: u32, generation: u64) -> bool {
        self.lock().get(&id) == Some(&generation)
    }

    /// The waiter ended; forgets the id unless a newer waiter took over.
    pub(crate) fn end(&self, id: u32, generation: u64) {
        let mut map = self.lock();
        if map.get(&id) == Some(&generation) {
            map.remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_click_on_the_body_is_the_default_action_and_a_close_is_none() {
        use notify_rust::{CloseReason, NotificationResponse as Answer};
        assert_eq!(picked(&Answer::Default), Some("default"));
        assert_eq!(
            picked(&Answer::Action("acknowledge".into())),
            Some("acknowledge")
        );
        assert_eq!(picked(&Answer::Closed(CloseReason::Dismissed)), None);
        assert_eq!(picked(&Answer::Reply("ok".into())), None);
    }

    #[test]
    fn only_the_newest_waiter_of_a_replaced_popup_reports() {
        let waiters = Waiters::default();
        let first = waiters.begin(7);
        let repeat = waiters.begin(7);
        assert!(
            !waiters.is_current(7, first),
            "the replaced popup's waiter must stay quiet"
        );
        assert!(waiters.is_current(7, repeat));
        waiters.end(7, first);
        assert!(
            waiters.is_current(7, repeat),
            "an old waiter ending must not silence the new one"
        );
        waiters.end(7, repeat);
        assert!(!waiters.is_current(7, repeat));
    }
}
