//! Alerts: create, find (open or latest per ticket), update, list, count and
//! retention. The one-open-alert-per-ticket rule is a unique partial index.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use crate::error::StoreError;
use crate::store::Store;
use crate::types::{
    AlertFilter, AlertId, AlertRow, NewAlert, SnapshotUpdate, ms, ms_opt, ts, ts_opt,
};

/// Column list matching [`alert_from_row`]; a macro so queries can be
/// `concat!`ed at compile time instead of formatted on every call.
macro_rules! alert_columns {
    () => {
        "id, instance, ticket_id, state, created_at, updated_at, acknowledged_at, \
         acknowledged_by, snoozed_until, resolved_at, resolve_reason, priority_id, team_name, \
         summary, snapshot_json, policy_json, trigger_reason"
    };
}

fn alert_from_row(row: &Row<'_>) -> rusqlite::Result<AlertRow> {
    Ok(AlertRow {
        id: row.get(0)?,
        instance: row.get(1)?,
        ticket_id: row.get(2)?,
        state: row.get(3)?,
        created_at: ts(row, 4)?,
        updated_at: ts(row, 5)?,
        acknowledged_at: ts_opt(row, 6)?,
        acknowledged_by: row.get(7)?,
        snoozed_until: ts_opt(row, 8)?,
        resolved_at: ts_opt(row, 9)?,
        resolve_reason: row.get(10)?,
        priority_id: row.get(11)?,
        team_name: row.get(12)?,
        summary: row.get(13)?,
        snapshot_json: row.get(14)?,
        policy_json: row.get(15)?,
        trigger_reason: row.get(16)?,
    })
}

impl Store {
    /// Inserts a `triggered` alert. Fails with
    /// [`StoreError::OpenAlertExists`] if the ticket already has an open one.
    pub fn insert_alert(&self, alert: &NewAlert) -> Result<AlertId, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO alerts (instance, ticket_id, state, created_at, updated_at, \
             priority_id, team_name, summary, snapshot_json, policy_json, trigger_reason) \
             VALUES (?1, ?2, 'triggered', ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        let result = stmt.execute(params![
            alert.instance,
            alert.ticket_id,
            ms(alert.created_at),
            alert.priority_id,
            alert.team_name,
            alert.summary,
            alert.snapshot_json,
            alert.policy_json,
            alert.trigger_reason,
        ]);
        match result {
            Ok(_) => Ok(AlertId(self.conn.last_insert_rowid())),
            Err(e) if StoreError::is_unique_violation(&e) => Err(StoreError::OpenAlertExists {
                instance: alert.instance.clone(),
                ticket_id: alert.ticket_id,
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// The ticket's alert that is not resolved, if any.
    pub fn open_alert_for(
        &self,
        instance: &str,
        ticket_id: i64,
    ) -> Result<Option<AlertRow>, StoreError> {
        // `state <> 'resolved'` matches the partial index's WHERE clause, so
        // this is one lookup in the unique index.
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT ",
            alert_columns!(),
            " FROM alerts WHERE instance = ?1 AND ticket_id = ?2 AND state <> 'resolved'"
        ))?;
        Ok(stmt
            .query_row(params![instance, ticket_id], alert_from_row)
            .optional()?)
    }

    /// The ticket's most recent alert, resolved or not (to decide on reopen).
    pub fn latest_alert_for(
        &self,
        instance: &str,
        ticket_id: i64,
    ) -> Result<Option<AlertRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT ",
            alert_columns!(),
            " FROM alerts WHERE instance = ?1 AND ticket_id = ?2 ORDER BY id DESC LIMIT 1"
        ))?;
        Ok(stmt
            .query_row(params![instance, ticket_id], alert_from_row)
            .optional()?)
    }

    /// One alert by id.
    pub fn alert(&self, id: AlertId) -> Result<Option<AlertRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT ",
            alert_columns!(),
            " FROM alerts WHERE id = ?1"
        ))?;
        Ok(stmt.query_row(params![id], alert_from_row).optional()?)
    }

    /// Writes every mutable field of `alert` (all but `id`, `instance`,
    /// `ticket_id` and `created_at`, which identify it). Reopening an alert
    /// while the ticket has another open one fails with
    /// [`StoreError::OpenAlertExists`].
    pub fn update_alert(&self, alert: &AlertRow) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "UPDATE alerts SET state = ?2, updated_at = ?3, acknowledged_at = ?4, \
             acknowledged_by = ?5, snoozed_until = ?6, resolved_at = ?7, resolve_reason = ?8, \
             priority_id = ?9, team_name = ?10, summary = ?11, snapshot_json = ?12, \
             policy_json = ?13, trigger_reason = ?14 WHERE id = ?1",
        )?;
        let result = stmt.execute(params![
            alert.id,
            alert.state,
            ms(alert.updated_at),
            ms_opt(alert.acknowledged_at),
            alert.acknowledged_by,
            ms_opt(alert.snoozed_until),
            ms_opt(alert.resolved_at),
            alert.resolve_reason,
            alert.priority_id,
            alert.team_name,
            alert.summary,
            alert.snapshot_json,
            alert.policy_json,
            alert.trigger_reason,
        ]);
        match result {
            Ok(0) => Err(StoreError::AlertNotFound(alert.id)),
            Ok(_) => Ok(()),
            Err(e) if StoreError::is_unique_violation(&e) => Err(StoreError::OpenAlertExists {
                instance: alert.instance.clone(),
                ticket_id: alert.ticket_id,
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Refreshes what an alert knows about its ticket (snapshot, summary,
    /// priority, team) without touching its state: the common path when a
    /// watched ticket changes. Cheaper than [`Store::update_alert`] because
    /// leaving `state` alone spares the one-open-alert index an update.
    pub fn update_alert_snapshot(
        &self,
        id: AlertId,
        update: &SnapshotUpdate<'_>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "UPDATE alerts SET updated_at = ?2, summary = ?3, priority_id = ?4, team_name = ?5, \
             snapshot_json = ?6 WHERE id = ?1",
        )?;
        let changed = stmt.execute(params![
            id,
            ms(update.updated_at),
            update.summary,
            update.priority_id,
            update.team_name,
            update.snapshot_json,
        ])?;
        if changed == 0 {
            return Err(StoreError::AlertNotFound(id));
        }
        Ok(())
    }

    /// Alerts matching `filter`, newest first, at most `limit`.
    pub fn list_alerts(
        &self,
        filter: AlertFilter,
        limit: usize,
    ) -> Result<Vec<AlertRow>, StoreError> {
        // A fixed SQL text per filter, so each gets its own cached statement.
        let (sql, state) = match filter {
            AlertFilter::Open => (
                concat!(
                    "SELECT ",
                    alert_columns!(),
                    " FROM alerts WHERE state <> 'resolved' ORDER BY id DESC LIMIT ?1"
                ),
                None,
            ),
            AlertFilter::State(s) => (
                concat!(
                    "SELECT ",
                    alert_columns!(),
                    " FROM alerts WHERE state = ?2 ORDER BY id DESC LIMIT ?1"
                ),
                Some(s),
            ),
            AlertFilter::All => (
                concat!(
                    "SELECT ",
                    alert_columns!(),
                    " FROM alerts ORDER BY id DESC LIMIT ?1"
                ),
                None,
            ),
        };
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = match state {
            Some(s) => stmt.query_map(params![limit, s], alert_from_row)?,
            None => stmt.query_map(params![limit], alert_from_row)?,
        };
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many alerts are not resolved.
    pub fn count_open(&self) -> Result<u64, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT count(*) FROM alerts WHERE state <> 'resolved'")?;
        Ok(stmt.query_row([], |r| r.get(0))?)
    }

    /// Deletes alerts resolved before `older_than`, with their timelines and
    /// cursors (outbox items keep their history with `alert_id` cleared).
    /// A remembered ticket whose version lived in such an alert gets a copy
    /// first, so the engine still knows it after a restart. Returns how many
    /// alerts went.
    pub fn prune_resolved_alerts(&self, older_than: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut keep = self.conn.prepare_cached(
            "UPDATE known_tickets SET snapshot_json = ( \
                 SELECT a.snapshot_json FROM alerts a \
                 WHERE a.instance = known_tickets.instance \
                   AND a.ticket_id = known_tickets.ticket_id \
                 ORDER BY a.id DESC LIMIT 1) \
             WHERE snapshot_json IS NULL AND EXISTS ( \
                 SELECT 1 FROM alerts a \
                 WHERE a.instance = known_tickets.instance \
                   AND a.ticket_id = known_tickets.ticket_id \
                   AND a.state = 'resolved' AND a.resolved_at < ?1 \
                   AND a.id = (SELECT max(b.id) FROM alerts b \
                               WHERE b.instance = a.instance AND b.ticket_id = a.ticket_id))",
        )?;
        keep.execute(params![ms(older_than)])?;
        let mut stmt = self
            .conn
            .prepare_cached("DELETE FROM alerts WHERE state = 'resolved' AND resolved_at < ?1")?;
        Ok(stmt.execute(params![ms(older_than)])?)
    }
}
