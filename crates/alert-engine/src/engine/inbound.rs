//! Inbound bookkeeping outside the lifecycle: the one duplicate rule (a
//! delivery id for good, a content key within its window), inputs that
//! could not be used, and the poller's saved state.

use alert_store::{InboundEntry, InboundOutcome, InboundSource, Store, StoreError};
use chrono::{DateTime, Utc};
use ticket_events::{EventSource, TicketEvent};

use super::rows::inbound_source;
use super::{Applied, Engine, EngineError};

pub(super) const DUPLICATE_REASON: &str = "this delivery was already processed";

/// Polls and reconciliations are deduplicated by version instead (the
/// delta tracker and the engine's memory); everything else by key.
pub(super) fn deduplicated_by_key(event: &TicketEvent) -> bool {
    !matches!(event.source, EventSource::Poll | EventSource::Reconcile)
}

/// Whether the event's key was applied already: for ever for a delivery
/// id, within the window for a key made from the body's content.
pub(super) fn seen_before(
    store: &Store,
    event: &TicketEvent,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    match event
        .dedupe_window()
        .and_then(|window| now.checked_sub_signed(window))
    {
        Some(since) => store.is_processed_since(&event.key, since),
        None => store.is_processed(&event.key),
    }
}

pub(super) fn duplicate() -> Applied {
    Applied {
        outcome: InboundOutcome::Duplicate,
        alert_id: None,
        reason: "already processed".to_owned(),
    }
}

impl Engine {
    /// Whether applying `event` now would be a duplicate: lets the webhook
    /// path skip re-fetching the ticket (the transaction checks again, for
    /// two deliveries racing).
    pub fn is_duplicate(
        &self,
        event: &TicketEvent,
        now: DateTime<Utc>,
    ) -> Result<bool, EngineError> {
        Ok(deduplicated_by_key(event) && seen_before(&self.store, event, now)?)
    }

    /// Logs `event` as a duplicate without applying it.
    pub fn record_duplicate(&mut self, event: &TicketEvent) -> Result<Applied, EngineError> {
        self.store.log_inbound(&InboundEntry {
            received_at: event.received_at,
            source: inbound_source(&event.source),
            ticket_id: Some(i64::from(event.snapshot.ticket_id)),
            event_key: Some(event.key.clone()),
            outcome: InboundOutcome::Duplicate,
            reason: DUPLICATE_REASON.to_owned(),
            payload_excerpt: None,
        })?;
        Ok(duplicate())
    }

    /// Records an input that could not be used, with the reason.
    pub fn log_rejected(
        &mut self,
        source: InboundSource,
        reason: &str,
        excerpt: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        self.store.log_inbound(&InboundEntry {
            received_at: now,
            source,
            ticket_id: None,
            event_key: None,
            outcome: InboundOutcome::Rejected,
            reason: reason.to_owned(),
            payload_excerpt: excerpt,
        })?;
        Ok(())
    }

    /// A value the poller saved with its last batch (see
    /// [`Engine::ingest_batch`]).
    pub fn poll_state(&self, key: &str) -> Result<Option<String>, EngineError> {
        Ok(self.store.poll_state(key)?)
    }
}
