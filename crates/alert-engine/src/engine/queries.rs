//! Queries: alerts, timelines, the inbound log, statistics and the outbox as
//! the CLI and the windows show them, and the retention housekeeping.

use alert_store::{
    AlertFilter, AlertId, InboundRow, OutboxRow, OutboxState, PriorityStats, TimelineRow,
};
use chrono::{DateTime, Utc};

use super::firing::paused_until;
use super::memory::{KNOWN_RETENTION, load_known};
use super::rows::view;
use super::{ALL_ROWS, Engine, EngineError};
use crate::view::AlertView;

impl Engine {
    /// Until when notifications are paused, if they are.
    pub fn paused_until(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, EngineError> {
        Ok(paused_until(&self.store, now)?)
    }

    /// Alerts, newest first.
    pub fn list(&self, filter: AlertFilter) -> Result<Vec<AlertView>, EngineError> {
        let rows = self.store.list_alerts(filter, ALL_ROWS)?;
        rows.iter()
            .map(|row| view(&self.store, row, &self.settings.instance))
            .collect()
    }

    /// One alert by id.
    pub fn view_of(&self, id: AlertId) -> Result<Option<AlertView>, EngineError> {
        self.store
            .alert(id)?
            .map(|row| view(&self.store, &row, &self.settings.instance))
            .transpose()
    }

    /// The open alert for a ticket, if any.
    pub fn alert_for_ticket(&self, ticket_id: i64) -> Result<Option<AlertView>, EngineError> {
        self.store
            .open_alert_for(&self.settings.instance, ticket_id)?
            .map(|row| view(&self.store, &row, &self.settings.instance))
            .transpose()
    }

    pub fn timeline(&self, ticket_id: i64) -> Result<Vec<TimelineRow>, EngineError> {
        match self
            .store
            .latest_alert_for(&self.settings.instance, ticket_id)?
        {
            Some(alert) => Ok(self.store.timeline(alert.id)?),
            None => Ok(Vec::new()),
        }
    }

    pub fn inbound_log(&self, limit: usize) -> Result<Vec<InboundRow>, EngineError> {
        Ok(self.store.inbound_log(limit, None)?)
    }

    pub fn stats(&self, since: DateTime<Utc>) -> Result<Vec<PriorityStats>, EngineError> {
        Ok(self.store.stats_by_priority(since)?)
    }

    pub fn outbox(&self, state: Option<OutboxState>) -> Result<Vec<OutboxRow>, EngineError> {
        Ok(self.store.outbox_items(state, 200)?)
    }

    /// Folds SQLite's write-ahead log back into the database file.
    pub fn checkpoint(&mut self) -> Result<(), EngineError> {
        Ok(self.store.checkpoint()?)
    }

    /// Deletes what the retention settings say is old enough, and lets
    /// SQLite fold the WAL back while idle.
    pub fn housekeeping(&mut self, now: DateTime<Utc>) -> Result<(), EngineError> {
        // A retention too long to represent keeps everything rather than
        // overflowing (or falling back to a shorter one).
        let cutoff = chrono::Duration::from_std(self.settings.inbound_retention)
            .ok()
            .and_then(|keep| now.checked_sub_signed(keep))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let forgotten = self.store.transaction(|tx| {
            tx.prune_inbound(cutoff)?;
            tx.prune_processed(cutoff)?;
            tx.prune_outbox(cutoff)?;
            // Resolved alerts are history too: kept as long as the log.
            tx.prune_resolved_alerts(cutoff)?;
            tx.prune_known_tickets(now - KNOWN_RETENTION)
        })?;
        if forgotten > 0 {
            // Memory follows the store, so what the engine compares against
            // is what a restart would load.
            self.known = load_known(&self.store, &self.settings.instance)?;
        }
        self.store.checkpoint()?;
        Ok(())
    }
}
