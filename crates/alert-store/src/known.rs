//! The last version of each ticket the engine saw, stored as JSON so the
//! engine's snapshot type can grow without a schema change.

use chrono::{DateTime, Utc};
use rusqlite::params;

use crate::error::StoreError;
use crate::store::Store;
use crate::types::ms;

impl Store {
    /// Records the latest version of a ticket.
    pub fn set_known_ticket(
        &self,
        instance: &str,
        ticket_id: i64,
        seen_at: DateTime<Utc>,
        snapshot_json: &str,
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO known_tickets (instance, ticket_id, seen_at, snapshot_json) \
             VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (instance, ticket_id) DO UPDATE \
             SET seen_at = excluded.seen_at, snapshot_json = excluded.snapshot_json",
        )?;
        stmt.execute(params![instance, ticket_id, ms(seen_at), snapshot_json])?;
        Ok(())
    }

    /// Forgets one ticket (it left the watched scope); returns whether it
    /// was known.
    pub fn delete_known_ticket(&self, instance: &str, ticket_id: i64) -> Result<bool, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("DELETE FROM known_tickets WHERE instance = ?1 AND ticket_id = ?2")?;
        Ok(stmt.execute(params![instance, ticket_id])? > 0)
    }

    /// Every known ticket of an instance, as `(ticket_id, snapshot_json)`.
    pub fn known_tickets(&self, instance: &str) -> Result<Vec<(i64, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT ticket_id, snapshot_json FROM known_tickets WHERE instance = ?1",
        )?;
        let rows = stmt.query_map(params![instance], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Forgets tickets not seen since `older_than` (closed long ago, or gone
    /// from the watched scope); returns how many were removed.
    pub fn prune_known_tickets(&self, older_than: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("DELETE FROM known_tickets WHERE seen_at < ?1")?;
        Ok(stmt.execute(params![ms(older_than)])?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_latest_version_wins_and_old_ones_are_pruned() -> Result<(), StoreError> {
        let store = Store::open_in_memory()?;
        let t0 = Utc.timestamp_millis_opt(1_767_258_000_000).unwrap();
        store.set_known_ticket("https://a", 1, t0, r#"{"v":1}"#)?;
        store.set_known_ticket("https://a", 1, t0, r#"{"v":2}"#)?;
        store.set_known_ticket("https://b", 1, t0, r#"{"v":3}"#)?;
        assert_eq!(
            store.known_tickets("https://a")?,
            vec![(1, r#"{"v":2}"#.to_owned())]
        );
        let later = t0 + chrono::Duration::days(1);
        store.set_known_ticket("https://a", 2, later, "{}")?;
        assert_eq!(store.prune_known_tickets(later)?, 2);
        assert_eq!(store.known_tickets("https://a")?.len(), 1);
        Ok(())
    }
}
