//! Buttons on a popup (freedesktop D-Bus actions on Linux, toast buttons on
//! Windows, a button and its dropdown on macOS): which ones a notification
//! offers and who hears the user's pick. The wait for the pick blocks, so it
//! runs on a thread of its own per shown popup.

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
#[cfg_attr(not(any(windows, target_os = "macos")), allow(dead_code))]
pub(crate) fn picked(response: &notify_rust::NotificationResponse) -> Option<&str> {
    use notify_rust::NotificationResponse as Answer;
    match response {
        Answer::Default => Some("default"),
        Answer::Action(action) => Some(action),
        Answer::Reply(_) | Answer::Closed(_) => None,
    }
}

/// The buttons as a macOS popup must be given them for every pick to come
/// back as its id. notify-rust shows one button as is and several in a
/// dropdown under a title of its own ("Options"), reports a press on that
/// title as the first button, and names a pick by its label. So:
/// - the click on the popup ("default") goes first, so that pressing the
///   title only opens the alert;
/// - there is always at least that one button (labelled "Show" if the app
///   gave no label): without a button the wait returns at once and a click
///   on the popup is never heard;
/// - the labels travel joined by commas, so a comma in one becomes a
///   look-alike (U+201A), and a repeated label is dropped, as the pick
///   could not say which of the two it was.
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
pub(crate) fn mac_buttons(buttons: Vec<(String, String)>) -> Vec<(String, String)> {
    const CLICK: &str = "default";
    let (click, others): (Vec<_>, Vec<_>) = buttons.into_iter().partition(|(id, _)| id == CLICK);
    let click_label = click
        .into_iter()
        .map(|(_, label)| label)
        .find(|label| !label.trim().is_empty())
        .unwrap_or_else(|| "Show".to_owned());
    let mut shown: Vec<(String, String)> = Vec::new();
    for (id, label) in std::iter::once((CLICK.to_owned(), click_label)).chain(others) {
        let label = label.replace(',', "\u{201A}");
        if !label.trim().is_empty() && shown.iter().all(|(_, l)| *l != label) {
            shown.push((id, label));
        }
    }
    shown
}

/// Which waiter speaks for a popup id. A repeat replaces the popup under
/// the same id and gets a waiter of its own; the daemon may or may not end
/// the earlier wait, so only the newest waiter of an id reports a pick (two
/// would act twice).
/// (Only freedesktop popups are replaced by id: unused on macOS and Windows.)
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

    fn pairs(buttons: &[(&str, &str)]) -> Vec<(String, String)> {
        buttons
            .iter()
            .map(|(id, label)| ((*id).to_owned(), (*label).to_owned()))
            .collect()
    }

    #[test]
    fn on_macos_the_click_comes_first_so_the_dropdown_title_only_opens_the_alert() {
        let app = pairs(&[
            ("acknowledge", "Acknowledge"),
            ("snooze-15", "Snooze 15 min"),
            ("default", "Show"),
            ("open-in-halo", "Open in Halo"),
        ]);
        assert_eq!(
            mac_buttons(app),
            pairs(&[
                ("default", "Show"),
                ("acknowledge", "Acknowledge"),
                ("snooze-15", "Snooze 15 min"),
                ("open-in-halo", "Open in Halo"),
            ])
        );
    }

    #[test]
    fn on_macos_there_is_always_a_button_to_wait_on() {
        assert_eq!(mac_buttons(vec![]), pairs(&[("default", "Show")]));
        assert_eq!(
            mac_buttons(pairs(&[("default", "")])),
            pairs(&[("default", "Show")])
        );
        assert_eq!(
            mac_buttons(pairs(&[("acknowledge", "Acknowledge")])),
            pairs(&[("default", "Show"), ("acknowledge", "Acknowledge")])
        );
    }

    #[test]
    fn on_macos_each_label_names_one_button() {
        let app = pairs(&[
            ("default", "Show"),
            ("snooze-15", "Snooze, 15 min"),
            ("later", "Snooze, 15 min"),
            ("again", "Show"),
            ("blank", " "),
        ]);
        assert_eq!(
            mac_buttons(app),
            pairs(&[("default", "Show"), ("snooze-15", "Snooze\u{201A} 15 min")])
        );
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
