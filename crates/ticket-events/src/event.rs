//! The normalised event: a ticket snapshot plus where it came from and the
//! key that makes processing it twice harmless.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::snapshot::TicketSnapshot;

/// Which webhook body shape an event came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookKind {
    /// Halo's own webhook payload (`event`, `object_id`, `ticket`).
    Native,
    /// ilert's recommended custom body, `{"ticket": {"status": {...}, ...}}`.
    IlertRecommended,
    /// ilert's full body, `{"ticket": <<ticket>>}`.
    IlertFull,
    /// SIGNL4's flat body with `X-S4-ExternalID: HaloPSA-<id>`.
    Signl4,
    /// SIGNL4's resolve body (`X-S4-Status: resolved`).
    Signl4Resolve,
    /// A flat body with AlertOps-style status names.
    AlertOps,
    /// Something else that still named a ticket.
    Unknown,
}

impl WebhookKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookKind::Native => "native",
            WebhookKind::IlertRecommended => "ilert",
            WebhookKind::IlertFull => "ilert_full",
            WebhookKind::Signl4 => "signl4",
            WebhookKind::Signl4Resolve => "signl4_resolve",
            WebhookKind::AlertOps => "alertops",
            WebhookKind::Unknown => "unknown",
        }
    }
}

/// Where an event came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventSource {
    Poll,
    /// The periodic full check of open tickets.
    Reconcile,
    Webhook(WebhookKind),
    /// A test alert raised by the user.
    Test,
}

impl fmt::Display for EventSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventSource::Poll => f.write_str("poll"),
            EventSource::Reconcile => f.write_str("reconcile"),
            EventSource::Webhook(kind) => write!(f, "webhook:{}", kind.as_str()),
            EventSource::Test => f.write_str("test"),
        }
    }
}

/// One thing that happened to a ticket, whichever way it arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketEvent {
    pub source: EventSource,
    pub received_at: DateTime<Utc>,
    pub snapshot: TicketSnapshot,
    /// What the sender called it ("New Ticket Logged", a status name).
    pub event_name: Option<String>,
    /// True when the snapshot is a whole ticket from Halo's API; webhook
    /// bodies carry part of one, so the engine re-fetches or merges.
    pub complete: bool,
    /// The same delivery twice gives the same key.
    pub key: String,
}

/// How long a key made from a body's content (a custom integration with no
/// delivery id) counts as a duplicate: Halo's retries come within minutes,
/// and the same body an hour later is a new event (the ticket changed and
/// changed back).
pub const CONTENT_DEDUPE_WINDOW: chrono::Duration = chrono::Duration::minutes(10);

impl TicketEvent {
    /// How long this event's key makes a repeat a duplicate: `None` for
    /// ever (a delivery id), [`CONTENT_DEDUPE_WINDOW`] for a content key.
    pub fn dedupe_window(&self) -> Option<chrono::Duration> {
        self.key
            .starts_with(crate::webhook::CONTENT_KEY_PREFIX)
            .then_some(CONTENT_DEDUPE_WINDOW)
    }

    /// A ticket read from Halo's API.
    pub fn from_api(
        ticket: &halo_api::Ticket,
        source: EventSource,
        received_at: DateTime<Utc>,
    ) -> Self {
        let version = ticket
            .last_update
            .map_or_else(|| "none".to_owned(), |d| d.timestamp_millis().to_string());
        TicketEvent {
            key: format!("ticket:{}:{version}", ticket.id),
            source,
            received_at,
            snapshot: TicketSnapshot::from(ticket),
            event_name: None,
            complete: true,
        }
    }
}
