//! Buttons on a popup (freedesktop D-Bus actions, Linux): which ones a
//! notification offers and who hears the user's pick. The wait for the pick
//! blocks, so it runs on a thread of its own per shown popup id.

use std::collections::HashSet;
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

/// Popup ids that already have a thread waiting for their buttons: a
/// repeat replaces the popup under the same id, and one waiter per id hears
/// its buttons (two would act twice).
#[derive(Default, Clone)]
pub(crate) struct Waiters(Arc<Mutex<HashSet<u32>>>);

impl Waiters {
    /// Claims `id`; false when a waiter already listens to it.
    pub(crate) fn claim(&self, id: u32) -> bool {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).insert(id)
    }

    pub(crate) fn release(&self, id: u32) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_popup_keeps_one_waiter_until_it_is_released() {
        let waiters = Waiters::default();
        assert!(waiters.claim(7));
        assert!(
            !waiters.claim(7),
            "the repeat must not start a second waiter"
        );
        waiters.release(7);
        assert!(waiters.claim(7));
    }
}
