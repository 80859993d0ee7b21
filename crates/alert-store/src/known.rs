//! The last version of each ticket the engine saw, stored as JSON so the
//! engine's snapshot type can grow without a schema change. A ticket with an
//! alert keeps its version in the alert row only (see [`KnownVersion`]).

use chrono::{DateTime, Utc};
use rusqlite::params;

use crate::error::StoreError;
use crate::store::Store;
use crate::types::ms;

/// Where the latest version of a ticket is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownVersion<'a> {
    /// This snapshot JSON.
    Json(&'a str),
    /// The ticket's most recent alert row holds it (written in the same
    /// transaction); every later change to that alert's snapshot keeps it so.
    InLatestAlert,
}

/// One remembered ticket, as loaded at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownTicket {
    pub ticket_id: i64,
    pub snapshot_json: String,
    /// The version came from the ticket's latest alert.
    pub in_alert: bool,
}

impl Store {
    /// Records the latest version of a ticket.
    pub fn set_known_ticket(
        &self,
        instance: &str,
        ticket_id: i64,
        seen_at: DateTime<Utc>,
        version: KnownVersion<'_>,
    ) -> Result<(), StoreError> {
        let json = match version {
            KnownVersion::Json(json) => Some(json),
            KnownVersion::InLatestAlert => None,
        };
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO known_tickets (instance, ticket_id, seen_at, snapshot_json) \
             VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (instance, ticket_id) DO UPDATE \
             SET seen_at = excluded.seen_at, snapshot_json = excluded.snapshot_json",
        )?;
        stmt.execute(params![instance, ticket_id, ms(seen_at), json])?;
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

    /// Every known ticket of an instance. A ticket whose version was in an
    /// alert that no longer exists is left out: only its "previous" is lost.
    pub fn known_tickets(&self, instance: &str) -> Result<Vec<KnownTicket>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT k.ticket_id, k.snapshot_json IS NULL, \
                    COALESCE(k.snapshot_json, \
                             (SELECT a.snapshot_json FROM alerts a \
                              WHERE a.instance = k.instance AND a.ticket_id = k.ticket_id \
                              ORDER BY a.id DESC LIMIT 1)) \
             FROM known_tickets k WHERE k.instance = ?1",
        )?;
        let rows = stmt.query_map(params![instance], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        let mut known = Vec::new();
        for row in rows {
            if let (ticket_id, in_alert, Some(snapshot_json)) = row? {
                known.push(KnownTicket {
                    ticket_id,
                    snapshot_json,
                    in_alert,
                });
            }
        }
        Ok(known)
    }

    /// Forgets tickets not seen since `older_than` (closed long ago, or gone
    /// from the watched scope); returns how many were removed. A ticket whose
    /// version lives in an alert counts as seen when that alert last changed,
    /// and is kept while the alert is open.
    pub fn prune_known_tickets(&self, older_than: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "DELETE FROM known_tickets WHERE seen_at < ?1 AND ( \
                snapshot_json IS NOT NULL OR NOT EXISTS ( \
                    SELECT 1 FROM alerts a \
                    WHERE a.instance = known_tickets.instance \
                      AND a.ticket_id = known_tickets.ticket_id \
                      AND (a.updated_at >= ?1 OR a.state <> 'resolved')))",
        )?;
        Ok(stmt.execute(params![ms(older_than)])?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::types::{AlertState, NewAlert};
    use chrono::TimeZone;

    const A: &str = "https://a";

    fn t(days: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(1_767_258_000_000).unwrap() + chrono::Duration::days(days)
    }

    fn alert(store: &Store, ticket_id: i64, json: &str, at: DateTime<Utc>) -> crate::AlertId {
        store
            .insert_alert(&NewAlert {
                instance: A.to_owned(),
                ticket_id,
                created_at: at,
                priority_id: None,
                team_name: None,
                summary: String::new(),
                snapshot_json: json.to_owned(),
                policy_json: "{}".to_owned(),
                trigger_reason: String::new(),
            })
            .unwrap()
    }

    fn loaded(store: &Store) -> Vec<(i64, String, bool)> {
        let mut rows: Vec<_> = store
            .known_tickets(A)
            .unwrap()
            .into_iter()
            .map(|k| (k.ticket_id, k.snapshot_json, k.in_alert))
            .collect();
        rows.sort();
        rows
    }

    #[test]
    fn the_latest_version_wins_per_instance() -> Result<(), StoreError> {
        let store = Store::open_in_memory()?;
        store.set_known_ticket(A, 1, t(0), KnownVersion::Json(r#"{"v":1}"#))?;
        store.set_known_ticket(A, 1, t(0), KnownVersion::Json(r#"{"v":2}"#))?;
        store.set_known_ticket("https://b", 1, t(0), KnownVersion::Json(r#"{"v":3}"#))?;
        assert_eq!(loaded(&store), vec![(1, r#"{"v":2}"#.to_owned(), false)]);
        Ok(())
    }

    #[test]
    fn a_version_kept_in_an_alert_is_read_from_the_latest_alert() -> Result<(), StoreError> {
        let store = Store::open_in_memory()?;
        let first = alert(&store, 1, r#"{"v":1}"#, t(0));
        let mut row = store.alert(first)?.unwrap();
        row.state = AlertState::Resolved;
        row.resolved_at = Some(t(0));
        store.update_alert(&row)?;
        alert(&store, 1, r#"{"v":2}"#, t(1));
        store.set_known_ticket(A, 1, t(1), KnownVersion::InLatestAlert)?;
        assert_eq!(loaded(&store), vec![(1, r#"{"v":2}"#.to_owned(), true)]);

        // A later plain version replaces the pointer.
        store.set_known_ticket(A, 1, t(2), KnownVersion::Json(r#"{"v":3}"#))?;
        assert_eq!(loaded(&store), vec![(1, r#"{"v":3}"#.to_owned(), false)]);
        Ok(())
    }

    #[test]
    fn pruning_the_alert_that_held_a_version_keeps_the_version() -> Result<(), StoreError> {
        let store = Store::open_in_memory()?;
        let id = alert(&store, 1, r#"{"v":1}"#, t(0));
        store.set_known_ticket(A, 1, t(0), KnownVersion::InLatestAlert)?;
        // Another ticket's version is its own JSON: left alone.
        store.set_known_ticket(A, 2, t(0), KnownVersion::Json(r#"{"v":9}"#))?;
        let mut row = store.alert(id)?.unwrap();
        row.state = AlertState::Resolved;
        row.resolved_at = Some(t(0));
        store.update_alert(&row)?;
        assert_eq!(store.prune_resolved_alerts(t(1))?, 1);
        assert!(store.alert(id)?.is_none());
        assert_eq!(
            loaded(&store),
            vec![
                (1, r#"{"v":1}"#.to_owned(), false),
                (2, r#"{"v":9}"#.to_owned(), false)
            ]
        );
        Ok(())
    }

    #[test]
    fn a_pointer_to_a_deleted_alert_is_left_out() -> Result<(), StoreError> {
        let store = Store::open_in_memory()?;
        let id = alert(&store, 1, r#"{"v":1}"#, t(0));
        store.set_known_ticket(A, 1, t(0), KnownVersion::InLatestAlert)?;
        store
            .conn
            .execute("DELETE FROM alerts WHERE id = ?1", [id.0])?;
        assert!(loaded(&store).is_empty());
        Ok(())
    }

    #[test]
    fn old_versions_are_pruned_but_not_those_of_open_or_recent_alerts() -> Result<(), StoreError> {
        let store = Store::open_in_memory()?;
        // Seen long ago, nothing since: forgotten.
        store.set_known_ticket(A, 1, t(0), KnownVersion::Json("{}"))?;
        // Seen recently: kept.
        store.set_known_ticket(A, 2, t(10), KnownVersion::Json("{}"))?;
        // Its version lives in an alert that is still open: kept.
        alert(&store, 3, "{}", t(0));
        store.set_known_ticket(A, 3, t(0), KnownVersion::InLatestAlert)?;
        // In an alert resolved long ago: forgotten.
        let id = alert(&store, 4, "{}", t(0));
        let mut row = store.alert(id)?.unwrap();
        row.state = AlertState::Resolved;
        row.resolved_at = Some(t(0));
        store.update_alert(&row)?;
        store.set_known_ticket(A, 4, t(0), KnownVersion::InLatestAlert)?;

        assert_eq!(store.prune_known_tickets(t(5))?, 2);
        let left: Vec<i64> = loaded(&store).into_iter().map(|k| k.0).collect();
        assert_eq!(left, vec![2, 3]);
        Ok(())
    }
}
