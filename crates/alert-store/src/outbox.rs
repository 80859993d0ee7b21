//! The outbox: Halo calls decided by the engine, written in the same
//! transaction as the decision, then drained by a worker with retries.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use crate::error::StoreError;
use crate::store::Store;
use crate::types::{NewOutboxItem, OutboxId, OutboxRow, OutboxState, ms, ts, ts_opt};

/// A claim older than this was abandoned (the app stopped mid-send): the
/// item is due again, and its sender checks Halo before repeating it.
pub const CLAIM_LEASE: chrono::Duration = chrono::Duration::minutes(10);

/// Column list matching [`outbox_from_row`], `concat!`ed into queries.
macro_rules! outbox_columns {
    () => {
        "id, created_at, kind, instance, alert_id, ticket_id, payload_json, state, attempts, \
         next_attempt_at, last_error, done_at, claimed_at, held \
         FROM outbox LEFT JOIN outbox_claims ON outbox_id = id"
    };
}

fn outbox_from_row(row: &Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        id: row.get(0)?,
        created_at: ts(row, 1)?,
        kind: row.get(2)?,
        instance: row.get(3)?,
        alert_id: row.get(4)?,
        ticket_id: row.get(5)?,
        payload_json: row.get(6)?,
        state: row.get(7)?,
        attempts: row.get(8)?,
        next_attempt_at: ts(row, 9)?,
        last_error: row.get(10)?,
        done_at: ts_opt(row, 11)?,
        claimed_at: ts_opt(row, 12)?,
        held: row.get(13)?,
    })
}

impl Store {
    /// Queues a Halo call, due immediately (at `created_at`).
    pub fn enqueue(&self, item: &NewOutboxItem) -> Result<OutboxId, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO outbox (created_at, kind, instance, alert_id, ticket_id, payload_json, \
             next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?1)",
        )?;
        stmt.execute(params![
            ms(item.created_at),
            item.kind,
            item.instance,
            item.alert_id,
            item.ticket_id,
            item.payload_json,
        ])?;
        Ok(OutboxId(self.conn.last_insert_rowid()))
    }

    /// Pending items due at or before `now`, not held for the user and not
    /// in flight (or abandoned in flight), oldest due first, at most `limit`.
    pub fn due_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT ",
            outbox_columns!(),
            " WHERE state = 'pending' AND next_attempt_at <= ?1 AND held IS NULL \
             AND (claimed_at IS NULL OR claimed_at <= ?3) ORDER BY next_attempt_at, id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(
            params![ms(now), limit, ms(now - CLAIM_LEASE)],
            outbox_from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// When the next pending item is due, for the worker's timer.
    pub fn next_outbox_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT min(next_attempt_at) FROM outbox LEFT JOIN outbox_claims ON outbox_id = id \
             WHERE state = 'pending' AND held IS NULL",
        )?;
        Ok(stmt.query_row([], |r| ts_opt(r, 0))?)
    }

    /// Marks a due item in flight; `false` when another worker has it (or
    /// it is no longer pending), in which case it must not be sent. Call it
    /// in a transaction of its own, committed before sending.
    pub fn claim_outbox(&self, id: OutboxId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO outbox_claims (outbox_id, claimed_at) \
             SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM outbox WHERE id = ?1 AND state = 'pending') \
             ON CONFLICT (outbox_id) DO UPDATE SET claimed_at = excluded.claimed_at \
             WHERE held IS NULL AND (claimed_at IS NULL OR claimed_at <= ?3)",
        )?;
        Ok(stmt.execute(params![id, ms(now), ms(now - CLAIM_LEASE)])? == 1)
    }

    /// The item cannot go through until the user acts (credentials revoked,
    /// a permission missing): it waits, pending, with the reason.
    pub fn outbox_hold(&self, id: OutboxId, reason: &str) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "UPDATE outbox SET last_error = ?2, attempts = attempts + 1 \
             WHERE id = ?1 AND state = 'pending'",
        )?;
        let changed = stmt.execute(params![id, reason])?;
        self.check_outbox_transition(id, changed)?;
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO outbox_claims (outbox_id, claimed_at, held) VALUES (?1, NULL, ?2) \
             ON CONFLICT (outbox_id) DO UPDATE SET claimed_at = NULL, held = excluded.held",
        )?;
        stmt.execute(params![id, reason])?;
        Ok(())
    }

    /// Releases every held item, due at `now` (the credentials work
    /// again); returns how many.
    pub fn outbox_release_held(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "UPDATE outbox SET next_attempt_at = ?1 WHERE state = 'pending' \
             AND id IN (SELECT outbox_id FROM outbox_claims WHERE held IS NOT NULL)",
        )?;
        let released = stmt.execute(params![ms(now)])?;
        self.conn
            .prepare_cached("DELETE FROM outbox_claims WHERE held IS NOT NULL")?
            .execute([])?;
        Ok(released)
    }

    /// An item settled (done, failed, or back to waiting for a retry): no
    /// longer in flight.
    fn release_claim(&self, id: OutboxId) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM outbox_claims WHERE outbox_id = ?1")?
            .execute(params![id])?;
        Ok(())
    }

    /// The item was delivered.
    pub fn outbox_succeeded(&self, id: OutboxId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "UPDATE outbox SET state = 'done', attempts = attempts + 1, done_at = ?2, \
             last_error = NULL WHERE id = ?1 AND state = 'pending'",
        )?;
        let changed = stmt.execute(params![id, ms(at)])?;
        self.check_outbox_transition(id, changed)?;
        self.release_claim(id)
    }

    /// A delivery attempt failed but may work later: retry at
    /// `next_attempt_at`.
    pub fn outbox_failed_attempt(
        &self,
        id: OutboxId,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3 \
             WHERE id = ?1 AND state = 'pending'",
        )?;
        let changed = stmt.execute(params![id, error, ms(next_attempt_at)])?;
        self.check_outbox_transition(id, changed)?;
        self.release_claim(id)
    }

    /// The item can never be delivered (rejected by Halo, or out of
    /// retries). `at` is when that was decided.
    pub fn outbox_failed_permanently(
        &self,
        id: OutboxId,
        error: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?2, \
             done_at = ?3 WHERE id = ?1 AND state = 'pending'",
        )?;
        let changed = stmt.execute(params![id, error, ms(at)])?;
        self.check_outbox_transition(id, changed)?;
        self.release_claim(id)
    }

    /// Turns "no row changed" into the reason: no such item, or not pending.
    fn check_outbox_transition(&self, id: OutboxId, changed: usize) -> Result<(), StoreError> {
        if changed > 0 {
            return Ok(());
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT state FROM outbox WHERE id = ?1")?;
        match stmt.query_row(params![id], |r| r.get(0)).optional()? {
            Some(state) => Err(StoreError::OutboxNotPending { id, state }),
            None => Err(StoreError::OutboxNotFound(id)),
        }
    }

    /// One outbox item by id.
    pub fn outbox_item(&self, id: OutboxId) -> Result<Option<OutboxRow>, StoreError> {
        let mut stmt =
            self.conn
                .prepare_cached(concat!("SELECT ", outbox_columns!(), " WHERE id = ?1"))?;
        Ok(stmt.query_row(params![id], outbox_from_row).optional()?)
    }

    /// Items in `state` (all items if `None`), oldest first, at most `limit`.
    pub fn outbox_items(
        &self,
        state: Option<OutboxState>,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        // `?1 IS NULL` keeps one statement for both cases; the outbox is
        // small, so a scan costs nothing worth a second query text.
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT ",
            outbox_columns!(),
            " WHERE (?1 IS NULL OR state = ?1) ORDER BY id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![state, limit], outbox_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Deletes finished (done or failed) items that finished before
    /// `older_than`; returns how many.
    pub fn prune_outbox(&self, older_than: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("DELETE FROM outbox WHERE state <> 'pending' AND done_at < ?1")?;
        Ok(stmt.execute(params![ms(older_than)])?)
    }
}
