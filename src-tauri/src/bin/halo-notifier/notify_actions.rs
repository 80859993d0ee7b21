//! The popup buttons of the desktop app (Linux D-Bus actions, Windows toast
//! buttons, a macOS dropdown; see desktop-notify): Acknowledge,
//! Snooze 15 min, Open in Halo, and a click on the popup opening the alerts
//! window on that alert. desktop-notify runs the wait on its own thread; the
//! work is handed to the async runtime so that thread only listens.

use std::time::Duration;

use alert_engine::{Notification, NotificationKind};
use desktop_notify::NotificationActions;
use halo_notifier::async_runtime;

use crate::shell::Shell;
use crate::start_option::WindowKind;
use crate::window_hosts;

pub const ACKNOWLEDGE: &str = "acknowledge";
pub const SNOOZE: &str = "snooze-15";
pub const OPEN_IN_HALO: &str = "open-in-halo";
/// The freedesktop id of a click on the popup itself.
pub const CLICK: &str = "default";

const SNOOZE_FOR: Duration = Duration::from_secs(15 * 60);

pub struct PopupButtons {
    app: Shell,
}

impl PopupButtons {
    pub fn new(app: Shell) -> Self {
        PopupButtons { app }
    }
}

/// The buttons an alert's popup offers; summaries only open the window.
pub fn buttons_for(notification: &Notification) -> Vec<(String, String)> {
    let mut buttons = vec![(CLICK.to_owned(), "Show".to_owned())];
    if notification.kind == NotificationKind::Notification && notification.ticket_id.is_some() {
        buttons.push((ACKNOWLEDGE.to_owned(), "Acknowledge".to_owned()));
        buttons.push((SNOOZE.to_owned(), "Snooze 15 min".to_owned()));
        if notification.link.is_some() {
            buttons.push((OPEN_IN_HALO.to_owned(), "Open in Halo".to_owned()));
        }
    }
    buttons
}

impl NotificationActions for PopupButtons {
    fn buttons(&self, notification: &Notification) -> Vec<(String, String)> {
        buttons_for(notification)
    }

    fn invoked(&self, notification: &Notification, action: &str) {
        let app = self.app.clone();
        let action = action.to_owned();
        let ticket = notification.ticket_id;
        async_runtime::spawn(async move {
            if let Err(e) = act(&app, &action, ticket).await {
                tracing::warn!(action, ticket, error = %e, "a notification button failed");
            }
        });
    }
}

async fn act(
    app: &Shell,
    action: &str,
    ticket: Option<i64>,
) -> Result<(), crate::error::CommandError> {
    let state = app.state();
    match (action, ticket) {
        (ACKNOWLEDGE, Some(t)) => {
            state.acknowledge(t).await?;
        }
        (SNOOZE, Some(t)) => {
            state.snooze(t, SNOOZE_FOR).await?;
        }
        (OPEN_IN_HALO, Some(t)) => state.open_in_halo(t).await?,
        (_, ticket) => window_hosts::show(app, WindowKind::Alerts, ticket),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alert_policy::Urgency;
    use chrono::Utc;

    fn popup(kind: NotificationKind, ticket: Option<i64>) -> Notification {
        Notification {
            kind,
            alert_id: ticket,
            ticket_id: ticket,
            title: "P1 Mail down".into(),
            body: "Acme".into(),
            urgency: Urgency::Critical,
            sound: true,
            step: 0,
            repeat: 0,
            at: Utc::now(),
            link: ticket.map(|t| format!("https://acme.halopsa.com/ticket?id={t}")),
            ticket_ids: vec![],
        }
    }

    #[test]
    fn an_alert_popup_offers_acknowledge_snooze_and_open() {
        let ids: Vec<String> = buttons_for(&popup(NotificationKind::Notification, Some(7)))
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(ids, [CLICK, ACKNOWLEDGE, SNOOZE, OPEN_IN_HALO]);
    }

    #[test]
    fn a_summary_only_opens_the_window() {
        let ids: Vec<String> = buttons_for(&popup(NotificationKind::Summary, None))
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(ids, [CLICK]);
    }
}
