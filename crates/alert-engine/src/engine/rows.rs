//! Row mapping: store rows to the engine's values and back (alert views,
//! snapshots, policies, cursors, lifecycle states, inbound sources).

use alert_policy::{EscalationCursor, EscalationPolicy};
use alert_store::{
    AlertRow, AlertState as StoredState, CursorRow, InboundSource, Store, TimelineKind,
};
use chrono::{DateTime, Utc};
use ticket_events::{EventSource, TicketSnapshot};

use super::EngineError;
use crate::lifecycle::AlertState;
use crate::settings::EngineSettings;
use crate::view::AlertView;

pub(super) fn inbound_source(source: &EventSource) -> InboundSource {
    match source {
        EventSource::Poll => InboundSource::Poll,
        EventSource::Reconcile => InboundSource::Reconcile,
        EventSource::Webhook(kind) => InboundSource::Webhook(kind.as_str().to_owned()),
        EventSource::Test => InboundSource::Test,
    }
}

pub(super) fn open_alert(
    tx: &Store,
    instance: &str,
    ticket_id: i64,
) -> Result<AlertRow, EngineError> {
    tx.open_alert_for(instance, ticket_id)?
        .ok_or(EngineError::NoOpenAlert(ticket_id))
}

pub(super) fn view(
    store: &Store,
    row: &AlertRow,
    instance: &str,
) -> Result<AlertView, EngineError> {
    let cursor = store.cursor(row.id)?;
    Ok(AlertView::new(row, cursor.as_ref(), instance))
}

pub(super) fn snapshot_of(alert: &AlertRow) -> TicketSnapshot {
    serde_json::from_str(&alert.snapshot_json).unwrap_or_else(|_| TicketSnapshot {
        ticket_id: i32::try_from(alert.ticket_id).unwrap_or_default(),
        summary: Some(alert.summary.clone()),
        priority_id: alert.priority_id,
        team_name: alert.team_name.clone(),
        ..TicketSnapshot::default()
    })
}

/// The policy the alert was raised with (editing policies never changes
/// alerts in flight), or today's policy for its priority if unreadable.
pub(super) fn policy_of(alert: &AlertRow, settings: &EngineSettings) -> EscalationPolicy {
    serde_json::from_str(&alert.policy_json)
        .unwrap_or_else(|_| settings.policies.policy_for(alert.priority_id).clone())
}

/// Halo changed the ticket's priority: a triggered alert takes the new
/// priority's policy from its first step (a P3 raised to P1 becomes critical
/// at once).
pub(super) fn repolicy(
    tx: &Store,
    alert: &AlertRow,
    priority: Option<i32>,
    settings: &EngineSettings,
    now: DateTime<Utc>,
) -> Result<(), EngineError> {
    let policy = settings.policies.policy_for(priority);
    if serde_json::to_string(policy).ok().as_deref() == Some(alert.policy_json.as_str()) {
        return Ok(());
    }
    let mut updated = tx.alert(alert.id)?.unwrap_or_else(|| alert.clone());
    updated.policy_json = serde_json::to_string(policy).unwrap_or_default();
    tx.update_alert(&updated)?;
    if updated.state == StoredState::Triggered {
        tx.set_cursor(
            alert.id,
            &cursor_row(&EscalationCursor::start(policy, now), now),
        )?;
        tx.append_timeline(
            alert.id,
            now,
            &TimelineKind::Other("policy_changed".to_owned()),
            &format!("now escalates as {}", policy.name),
        )?;
    }
    Ok(())
}

pub(super) fn to_lifecycle(alert: &AlertRow) -> AlertState {
    match alert.state {
        StoredState::Triggered => AlertState::Triggered,
        StoredState::Acknowledged => AlertState::Acknowledged,
        StoredState::Snoozed => AlertState::Snoozed {
            until: alert.snoozed_until.unwrap_or(alert.updated_at),
        },
        StoredState::Resolved => AlertState::Resolved,
    }
}

pub(super) fn cursor_of(row: &CursorRow) -> EscalationCursor {
    EscalationCursor {
        step: row.step as usize,
        repeat: row.repeat,
        next_at: row.next_at,
        loops: row.loops,
    }
}

pub(super) fn cursor_row(cursor: &EscalationCursor, now: DateTime<Utc>) -> CursorRow {
    CursorRow {
        step: u32::try_from(cursor.step).unwrap_or(u32::MAX),
        repeat: cursor.repeat,
        loops: cursor.loops,
        next_at: cursor.next_at,
        updated_at: now,
    }
}
