//! The append-only alert timeline (the database refuses UPDATEs on it).

use chrono::{DateTime, Utc};
use rusqlite::params;

use crate::error::StoreError;
use crate::store::Store;
use crate::types::{AlertId, TimelineKind, TimelineRow, ms, ts};

impl Store {
    /// Appends an entry to an alert's timeline and returns its id. `detail`
    /// is JSON or plain text; the store does not interpret it.
    pub fn append_timeline(
        &self,
        alert_id: AlertId,
        at: DateTime<Utc>,
        kind: &TimelineKind,
        detail: &str,
    ) -> Result<i64, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO alert_timeline (alert_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4)",
        )?;
        stmt.execute(params![alert_id, ms(at), kind, detail])?;
        Ok(self.conn.last_insert_rowid())
    }

    /// An alert's timeline in the order it was written.
    pub fn timeline(&self, alert_id: AlertId) -> Result<Vec<TimelineRow>, StoreError> {
        // Ordered by id, not `at`: two entries in the same millisecond keep
        // the order in which they happened.
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, alert_id, at, kind, detail FROM alert_timeline \
             WHERE alert_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![alert_id], |row| {
            Ok(TimelineRow {
                id: row.get(0)?,
                alert_id: row.get(1)?,
                at: ts(row, 2)?,
                kind: row.get(3)?,
                detail: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
