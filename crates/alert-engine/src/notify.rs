//! What the engine hands to whoever shows notifications: one [`Notification`]
//! value and the [`Notifier`] trait. The desktop (notify-rust), stdout JSON
//! lines and the app's tray all implement the same trait.

use std::io::Write;
use std::sync::Mutex;

use alert_policy::Urgency;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What kind of message this is; the JSON `type` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// An alert notifies (first time, repeat, or escalated step).
    Notification,
    /// An alert ended; a shown notification for it should go away.
    Resolved,
    /// Several alerts in one message (flood grouping, or the digest after
    /// quiet hours).
    Summary,
    /// The alert was acknowledged: its popup should go away.
    Acknowledged,
    /// The alert was snoozed: its popup should go away until it returns.
    Snoozed,
}

impl NotificationKind {
    /// Whether this message takes an alert's popup away rather than showing
    /// one.
    pub fn withdraws(self) -> bool {
        matches!(
            self,
            NotificationKind::Resolved | NotificationKind::Acknowledged | NotificationKind::Snoozed
        )
    }
}

/// One message to show. Serialised as-is for `run`'s stdout JSON lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    #[serde(rename = "type")]
    pub kind: NotificationKind,
    /// The alert this is about; `None` for summaries.
    pub alert_id: Option<i64>,
    /// The Halo ticket; `None` for summaries.
    pub ticket_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub urgency: Urgency,
    /// Whether the notification should play a sound.
    pub sound: bool,
    /// Escalation step (0-based) and repeat within it.
    pub step: u32,
    pub repeat: u32,
    pub at: DateTime<Utc>,
    /// Where "Open" goes: the ticket in Halo's web UI.
    pub link: Option<String>,
    /// Tickets a summary stands for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ticket_ids: Vec<i64>,
}

impl Notification {
    /// A message about one ticket outside its escalation (a withdrawal, a
    /// failed write to Halo): no step, no sound, no link.
    pub fn about_ticket(
        kind: NotificationKind,
        ticket_id: i64,
        title: String,
        body: String,
        urgency: Urgency,
        at: DateTime<Utc>,
    ) -> Self {
        Notification {
            kind,
            alert_id: None,
            ticket_id: Some(ticket_id),
            title,
            body,
            urgency,
            sound: false,
            step: 0,
            repeat: 0,
            at,
            link: None,
            ticket_ids: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("could not show the notification: {0}")]
pub struct NotifyError(pub String);

/// Shows notifications. The runtime calls it from one notifier thread fed by
/// a bounded queue, so a slow or hanging implementation delays only other
/// notifications; an error (or a panic) is logged and the notification is
/// tried again a few times. The alert lives on either way.
pub trait Notifier: Send + Sync {
    fn notify(&self, notification: &Notification) -> Result<(), NotifyError>;
}

/// Writes each notification as one JSON line (the headless `run` output).
pub struct JsonLines<W: Write + Send> {
    out: Mutex<W>,
}

impl<W: Write + Send> JsonLines<W> {
    pub fn new(out: W) -> Self {
        JsonLines {
            out: Mutex::new(out),
        }
    }
}

impl<W: Write + Send> Notifier for JsonLines<W> {
    fn notify(&self, notification: &Notification) -> Result<(), NotifyError> {
        let line = serde_json::to_string(notification).map_err(|e| NotifyError(e.to_string()))?;
        let mut out = self
            .out
            .lock()
            .map_err(|_| NotifyError("output lock poisoned".into()))?;
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|e| NotifyError(e.to_string()))
    }
}

/// Sends every notification to each notifier in turn; one failing does not
/// stop the others.
#[derive(Default)]
pub struct FanOut {
    notifiers: Vec<Box<dyn Notifier>>,
}

impl FanOut {
    pub fn new() -> Self {
        FanOut::default()
    }

    pub fn with(mut self, notifier: impl Notifier + 'static) -> Self {
        self.notifiers.push(Box::new(notifier));
        self
    }
}

impl Notifier for FanOut {
    fn notify(&self, notification: &Notification) -> Result<(), NotifyError> {
        let mut errors = Vec::new();
        for n in &self.notifiers {
            if let Err(e) = n.notify(notification) {
                errors.push(e.0);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(NotifyError(errors.join("; ")))
        }
    }
}
