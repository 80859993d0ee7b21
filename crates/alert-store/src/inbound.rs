//! The inbound log (what came in and what the engine made of it) and the
//! processed-event keys that make applying the same event twice a no-op.

use std::borrow::Cow;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use rusqlite::{Statement, params};

use crate::error::StoreError;
use crate::store::Store;
use crate::types::{InboundEntry, InboundRow, ms, ts};

/// Largest stored payload excerpt, in bytes. Enough to see what Halo sent,
/// small enough that a webhook storm cannot bloat the database.
pub const MAX_EXCERPT_BYTES: usize = 4096;

/// Marks an excerpt that was cut, so the log viewer can say so.
const ELLIPSIS: char = '…';

/// Cuts `s` to at most [`MAX_EXCERPT_BYTES`] on a char boundary, ending in
/// an ellipsis when anything was dropped.
pub(crate) fn excerpt(s: &str) -> Cow<'_, str> {
    if s.len() <= MAX_EXCERPT_BYTES {
        return Cow::Borrowed(s);
    }
    let mut end = MAX_EXCERPT_BYTES - ELLIPSIS.len_utf8();
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(MAX_EXCERPT_BYTES);
    out.push_str(s.get(..end).unwrap_or_default());
    out.push(ELLIPSIS);
    Cow::Owned(out)
}

/// Values per inbound log row in [`insert_sql`].
const COLUMNS: usize = 7;

/// `INSERT` of `rows` inbound log rows, [`COLUMNS`] parameters each.
fn insert_sql(rows: usize) -> String {
    let values = vec!["(?, ?, ?, ?, ?, ?, ?)"; rows].join(", ");
    format!(
        "INSERT INTO inbound_log (received_at, source, ticket_id, event_key, outcome, reason, \
         payload_excerpt) VALUES {values}"
    )
}

/// Binds one entry's values from parameter `first` on.
fn bind_entry(
    stmt: &mut Statement<'_>,
    first: usize,
    entry: &InboundEntry,
) -> rusqlite::Result<()> {
    stmt.raw_bind_parameter(first, ms(entry.received_at))?;
    stmt.raw_bind_parameter(first + 1, &entry.source)?;
    stmt.raw_bind_parameter(first + 2, entry.ticket_id)?;
    stmt.raw_bind_parameter(first + 3, &entry.event_key)?;
    stmt.raw_bind_parameter(first + 4, entry.outcome)?;
    stmt.raw_bind_parameter(first + 5, &entry.reason)?;
    stmt.raw_bind_parameter(first + 6, entry.payload_excerpt.as_deref().map(excerpt))
}

impl Store {
    /// Logs one inbound change; returns its id.
    pub fn log_inbound(&self, entry: &InboundEntry) -> Result<i64, StoreError> {
        static ONE: LazyLock<String> = LazyLock::new(|| insert_sql(1));
        let mut stmt = self.conn.prepare_cached(&ONE)?;
        bind_entry(&mut stmt, 1, entry)?;
        stmt.raw_execute()?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Logs many inbound changes in order, several rows per statement (a
    /// poll's batch logs thousands).
    pub fn log_inbound_all(&self, entries: &[InboundEntry]) -> Result<(), StoreError> {
        const ROWS: usize = 64;
        let mut chunks = entries.chunks_exact(ROWS);
        if chunks.len() > 0 {
            static MANY: LazyLock<String> = LazyLock::new(|| insert_sql(ROWS));
            let mut stmt = self.conn.prepare_cached(&MANY)?;
            for chunk in chunks.by_ref() {
                for (n, entry) in chunk.iter().enumerate() {
                    bind_entry(&mut stmt, 1 + n * COLUMNS, entry)?;
                }
                stmt.raw_execute()?;
            }
        }
        for entry in chunks.remainder() {
            self.log_inbound(entry)?;
        }
        Ok(())
    }

    /// The newest `limit` log entries, optionally only those received at or
    /// after `since`; newest first.
    pub fn inbound_log(
        &self,
        limit: usize,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<InboundRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, received_at, source, ticket_id, event_key, outcome, reason, payload_excerpt \
             FROM inbound_log WHERE received_at >= ?1 ORDER BY received_at DESC, id DESC LIMIT ?2",
        )?;
        let since = since.map_or(i64::MIN, ms);
        let rows = stmt.query_map(
            params![since, i64::try_from(limit).unwrap_or(i64::MAX)],
            |row| {
                Ok(InboundRow {
                    id: row.get(0)?,
                    received_at: ts(row, 1)?,
                    source: row.get(2)?,
                    ticket_id: row.get(3)?,
                    event_key: row.get(4)?,
                    outcome: row.get(5)?,
                    reason: row.get(6)?,
                    payload_excerpt: row.get(7)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Deletes log entries received before `older_than`; returns how many.
    pub fn prune_inbound(&self, older_than: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("DELETE FROM inbound_log WHERE received_at < ?1")?;
        Ok(stmt.execute(params![ms(older_than)])?)
    }

    /// Records that the event `event_key` was applied. Returns `false` if it
    /// already was, in which case the caller must not apply it again. Call
    /// it inside the event's transaction so the key and its effects commit
    /// together.
    pub fn mark_processed(&self, event_key: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO processed_events (event_key, at) VALUES (?1, ?2) \
             ON CONFLICT (event_key) DO UPDATE SET at = excluded.at \
             WHERE processed_events.at < excluded.at",
        )?;
        Ok(stmt.execute(params![event_key, ms(at)])? == 1)
    }

    /// Whether `event_key` was already applied.
    pub fn is_processed(&self, event_key: &str) -> Result<bool, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM processed_events WHERE event_key = ?1)",
        )?;
        Ok(stmt.query_row(params![event_key], |r| r.get(0))?)
    }

    /// Whether `event_key` was applied at or after `since` (keys that
    /// deduplicate only within a window).
    pub fn is_processed_since(
        &self,
        event_key: &str,
        since: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM processed_events WHERE event_key = ?1 AND at >= ?2)",
        )?;
        Ok(stmt.query_row(params![event_key, ms(since)], |r| r.get(0))?)
    }

    /// Forgets keys recorded before `older_than` (older than any redelivery
    /// Halo would attempt); returns how many.
    pub fn prune_processed(&self, older_than: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("DELETE FROM processed_events WHERE at < ?1")?;
        Ok(stmt.execute(params![ms(older_than)])?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_excerpts_are_kept_whole() {
        let s = "x".repeat(MAX_EXCERPT_BYTES);
        assert!(matches!(excerpt(&s), Cow::Borrowed(_)));
    }

    #[test]
    fn long_excerpts_are_cut_on_a_char_boundary() {
        // 3-byte chars put the naive cut point inside a character.
        for prefix in ["", "a", "ab"] {
            let s = format!("{prefix}{}", "€".repeat(3000));
            let cut = excerpt(&s);
            assert!(cut.len() <= MAX_EXCERPT_BYTES, "{}", cut.len());
            assert!(cut.len() > MAX_EXCERPT_BYTES - 6);
            assert!(cut.ends_with(ELLIPSIS));
            assert!(s.starts_with(cut.trim_end_matches(ELLIPSIS)));
        }
    }
}
