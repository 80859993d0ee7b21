//! Escalation cursors: one row per alert saying which step, repeat and loop
//! it is on and when it next fires, so a restart resumes exactly.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use crate::error::StoreError;
use crate::store::Store;
use crate::types::{AlertId, CursorRow, ms, ms_opt, ts, ts_opt};

const NEXT_DUE_SQL: &str = "SELECT c.alert_id, c.next_at FROM escalation_cursors c \
     CROSS JOIN alerts a ON a.id = c.alert_id \
     WHERE c.next_at IS NOT NULL AND a.state <> 'resolved' \
     ORDER BY c.next_at, c.alert_id LIMIT 1";

const DUE_CURSORS_SQL: &str = "SELECT c.alert_id, c.step, c.repeat, c.loops, c.next_at, c.updated_at \
     FROM escalation_cursors c CROSS JOIN alerts a ON a.id = c.alert_id \
     WHERE c.next_at <= ?1 AND a.state <> 'resolved' \
     ORDER BY c.next_at, c.alert_id";

fn cursor_from_row(row: &Row<'_>, first: usize) -> rusqlite::Result<CursorRow> {
    Ok(CursorRow {
        step: row.get(first)?,
        repeat: row.get(first + 1)?,
        loops: row.get(first + 2)?,
        next_at: ts_opt(row, first + 3)?,
        updated_at: ts(row, first + 4)?,
    })
}

impl Store {
    /// Creates or replaces an alert's cursor.
    pub fn set_cursor(&self, alert_id: AlertId, cursor: &CursorRow) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO escalation_cursors (alert_id, step, repeat, loops, next_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
             ON CONFLICT (alert_id) DO UPDATE SET step = excluded.step, repeat = excluded.repeat, \
             loops = excluded.loops, next_at = excluded.next_at, updated_at = excluded.updated_at",
        )?;
        stmt.execute(params![
            alert_id,
            cursor.step,
            cursor.repeat,
            cursor.loops,
            ms_opt(cursor.next_at),
            ms(cursor.updated_at),
        ])?;
        Ok(())
    }

    /// An alert's cursor, if it has one.
    pub fn cursor(&self, alert_id: AlertId) -> Result<Option<CursorRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT step, repeat, loops, next_at, updated_at FROM escalation_cursors \
             WHERE alert_id = ?1",
        )?;
        Ok(stmt
            .query_row(params![alert_id], |r| cursor_from_row(r, 0))
            .optional()?)
    }

    /// Removes an alert's cursor; returns whether there was one.
    pub fn delete_cursor(&self, alert_id: AlertId) -> Result<bool, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("DELETE FROM escalation_cursors WHERE alert_id = ?1")?;
        Ok(stmt.execute(params![alert_id])? > 0)
    }

    /// The earliest pending escalation among alerts that are not resolved:
    /// what the engine's timer should sleep until.
    pub fn next_due(&self) -> Result<Option<(AlertId, DateTime<Utc>)>, StoreError> {
        // A cursor left on a resolved alert must never wake the engine, hence
        // the join rather than trusting that cursors were deleted. CROSS JOIN
        // fixes the loop order: walk the next_at index and stop at the first
        // live alert, instead of scanning every open alert and sorting.
        let mut stmt = self.conn.prepare_cached(NEXT_DUE_SQL)?;
        Ok(stmt
            .query_row([], |r| Ok((r.get(0)?, ts(r, 1)?)))
            .optional()?)
    }

    /// Cursors due at or before `now` on alerts that are not resolved,
    /// earliest first.
    pub fn due_cursors(&self, now: DateTime<Utc>) -> Result<Vec<(AlertId, CursorRow)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(DUE_CURSORS_SQL)?;
        let rows = stmt.query_map(params![ms(now)], |r| {
            Ok((r.get(0)?, cursor_from_row(r, 1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The engine's timer asks for the next due cursor after every event;
    /// with thousands of open alerts a plan that scans and sorts them would
    /// quietly cost milliseconds each time.
    #[test]
    fn due_queries_walk_the_next_at_index_without_sorting() -> Result<(), StoreError> {
        let store = Store::open_in_memory()?;
        for sql in [NEXT_DUE_SQL, DUE_CURSORS_SQL] {
            let mut stmt = store.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
            let zeros = std::iter::repeat_n(0, stmt.parameter_count());
            let plan: Vec<String> = stmt
                .query_map(rusqlite::params_from_iter(zeros), |r| r.get(3))?
                .collect::<Result<_, _>>()?;
            let plan = plan.join(" / ");
            assert!(plan.contains("escalation_cursors_next_at"), "{plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{plan}");
        }
        Ok(())
    }
}
