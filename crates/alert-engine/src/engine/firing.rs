//! Escalation firing: every cursor due at `now` fires its step, is held
//! (paused, off duty) for a digest, or is grouped into a flood summary; and
//! when the timer must next wake.

use std::collections::{BTreeSet, HashMap};

use alert_policy::{Delivery, EscalationCursor, EscalationPolicy, GroupDecision, Grouper};
use alert_store::{
    AlertId, AlertRow, AlertState as StoredState, CursorRow, Store, StoreError, TimelineKind,
};
use chrono::{DateTime, Utc};
use ticket_events::TicketSnapshot;

use super::rows::{cursor_row, policy_of, snapshot_of};
use super::text::{
    digest_notification, first_notification, notification, notified_detail, summary_notification,
};
use super::{Effects, Engine, EngineError, GROUPING};
use crate::view::EngineEvent;

pub(super) const PAUSED_UNTIL: &str = "paused_until";
pub(super) const DIGEST: &str = "digest_alerts";

impl Engine {
    /// Fires every escalation due at `now`, grouping floods and folding
    /// quiet-hours backlog into one digest.
    pub fn fire_due(&mut self, now: DateTime<Utc>) -> Result<Effects, EngineError> {
        let settings = &self.settings;
        // Worked on a copy: the grouper changes only once the transaction
        // that records its decisions commits.
        let mut grouper = self.grouper.clone();
        let grouper_saved = &self.grouper_saved;
        let (mut effects, grouping_state, grouper) = self.store.transaction(move |tx| {
            let mut effects = Effects::default();
            let paused_until = paused_until(tx, now)?;
            // Alerts share a handful of policies: parse each once.
            let mut policies: HashMap<String, EscalationPolicy> = HashMap::new();
            let digest: BTreeSet<i64> = read_digest(tx)?;
            // Alerts acknowledged or resolved while held leave the digest.
            let mut live = BTreeSet::new();
            for id in digest {
                if tx
                    .alert(AlertId(id))?
                    .is_some_and(|a| a.state.is_open() && a.state != StoredState::Acknowledged)
                {
                    live.insert(id);
                }
            }
            let mut digest = live;
            let mut digest_due: Vec<(AlertRow, TicketSnapshot)> = Vec::new();
            for (id, row) in tx.due_cursors(now)? {
                let Some(mut alert) = tx.alert(id)? else {
                    tx.delete_cursor(id)?;
                    continue;
                };
                match alert.state {
                    StoredState::Resolved | StoredState::Acknowledged => {
                        tx.delete_cursor(id)?;
                        continue;
                    }
                    StoredState::Snoozed => {
                        if let Some(until) = alert.snoozed_until.filter(|u| *u > now) {
                            tx.set_cursor(
                                id,
                                &CursorRow {
                                    next_at: Some(until),
                                    ..row
                                },
                            )?;
                            continue;
                        }
                        alert.state = StoredState::Triggered;
                        alert.snoozed_until = None;
                        alert.updated_at = now;
                        tx.update_alert(&alert)?;
                        tx.append_timeline(id, now, &TimelineKind::Unsnoozed, "")?;
                        effects.touched(alert.id);
                    }
                    StoredState::Triggered => {}
                }
                let policy = policies
                    .entry(alert.policy_json.clone())
                    .or_insert_with(|| policy_of(&alert, settings))
                    .clone();
                let cursor = EscalationCursor {
                    step: row.step as usize,
                    repeat: row.repeat,
                    next_at: row.next_at,
                    loops: row.loops,
                };
                let ticket = snapshot_of(&alert);
                if let Some(until) = paused_until {
                    hold(
                        tx,
                        &alert,
                        &policy,
                        &cursor,
                        (until, "paused"),
                        &mut digest,
                        now,
                    )?;
                    continue;
                }
                let Some((firing, next)) = cursor.fire(&policy, now) else {
                    if cursor.next_at.is_some() && policy.steps.get(cursor.step).is_none() {
                        // Cannot fire: drop the cursor rather than wake for it forever.
                        tx.delete_cursor(id)?;
                    }
                    continue;
                };
                let delivery = settings
                    .schedule
                    .as_ref()
                    .map_or(Delivery::Notify, |s| s.decide(now, firing.urgency));
                if delivery == Delivery::RecordOnly {
                    let resume = settings
                        .schedule
                        .as_ref()
                        .and_then(|s| s.next_duty_start(now))
                        .unwrap_or(now + chrono::Duration::hours(1));
                    hold(
                        tx,
                        &alert,
                        &policy,
                        &cursor,
                        (resume, "off duty"),
                        &mut digest,
                        now,
                    )?;
                    continue;
                }
                tx.set_cursor(id, &cursor_row(&next, now))?;
                if digest.remove(&id.0) {
                    digest_due.push((alert, ticket));
                    continue;
                }
                let first = firing.step == 0 && firing.repeat == 0 && firing.loops == 0;
                if first
                    && settings.grouping.is_some()
                    && let Some(grouper) = grouper.as_mut()
                {
                    let key = ticket
                        .team_name
                        .clone()
                        .unwrap_or_else(|| "your watched tickets".to_owned());
                    if let GroupDecision::Summarise { count, .. } = grouper.observe(id.0, &key, now)
                    {
                        tx.append_timeline(
                            id,
                            now,
                            &TimelineKind::Summarised,
                            &format!("held for a summary of {key} ({count} so far)"),
                        )?;
                        continue;
                    }
                }
                let n = notification(settings, &alert, &ticket, &firing, now);
                let kind = if firing.step > 0 || firing.loops > 0 {
                    TimelineKind::Escalated
                } else {
                    TimelineKind::Notified
                };
                tx.append_timeline(id, now, &kind, &notified_detail(&n, firing.missed))?;
                effects.notify(n);
            }
            if let Some(grouper) = grouper.as_mut() {
                for summary in grouper.flush_due(now) {
                    if let Some(n) = summary_notification(tx, settings, &summary, now)? {
                        effects.notify(n);
                    }
                }
            }
            match digest_due.len() {
                0 => {}
                1 => {
                    if let Some((alert, ticket)) = digest_due.pop() {
                        let n = first_notification(settings, &alert, &ticket, now);
                        tx.append_timeline(
                            alert.id,
                            now,
                            &TimelineKind::Notified,
                            "after quiet hours",
                        )?;
                        effects.notify(n);
                    }
                }
                _ => {
                    let n = digest_notification(settings, &digest_due, now);
                    for (alert, _) in &digest_due {
                        tx.append_timeline(
                            alert.id,
                            now,
                            &TimelineKind::Summarised,
                            "in the digest",
                        )?;
                    }
                    effects.notify(n);
                }
            }
            write_digest(tx, &digest, now)?;
            let grouping_state = grouper
                .as_ref()
                .filter(|g| !g.is_idle())
                .and_then(|g| serde_json::to_string(g).ok());
            if grouping_state != *grouper_saved {
                match &grouping_state {
                    Some(json) => tx.set_setting(GROUPING, json, now)?,
                    None => {
                        tx.delete_setting(GROUPING)?;
                    }
                }
            }
            Ok::<_, EngineError>((effects, grouping_state, grouper))
        })?;
        self.grouper = grouper;
        self.grouper_saved = grouping_state;
        for n in &effects.notifications {
            let n = n.clone();
            effects
                .events
                .push(EngineEvent::Notified { notification: n });
        }
        Ok(effects)
    }

    /// When the timer must next wake: the earliest escalation, or the end of
    /// a grouping window.
    pub fn next_wake(&self) -> Result<Option<DateTime<Utc>>, EngineError> {
        let due = self.store.next_due()?.map(|(_, at)| at);
        let flush = self.grouper.as_ref().and_then(Grouper::next_flush_at);
        Ok(match (due, flush) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        })
    }
}

/// Holds a due alert (paused or off duty) until `until`, remembering it for
/// the digest.
pub(super) fn hold(
    tx: &Store,
    alert: &AlertRow,
    policy: &EscalationPolicy,
    cursor: &EscalationCursor,
    (until, why): (DateTime<Utc>, &str),
    digest: &mut BTreeSet<i64>,
    now: DateTime<Utc>,
) -> Result<(), EngineError> {
    tx.set_cursor(
        alert.id,
        &cursor_row(&cursor.restart_at(policy, until), now),
    )?;
    if digest.insert(alert.id.0) {
        tx.append_timeline(
            alert.id,
            now,
            &TimelineKind::SuppressedQuietHours,
            &format!("{why}: held until {}", until.to_rfc3339()),
        )?;
    }
    Ok(())
}

pub(super) fn paused_until(
    store: &Store,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(store
        .setting(PAUSED_UNTIL)?
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(DateTime::from_timestamp_millis)
        .filter(|until| *until > now))
}

pub(super) fn read_digest(store: &Store) -> Result<BTreeSet<i64>, StoreError> {
    Ok(store
        .setting(DIGEST)?
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default())
}

pub(super) fn write_digest(
    store: &Store,
    digest: &BTreeSet<i64>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if digest.is_empty() {
        store.delete_setting(DIGEST)?;
    } else {
        let json = serde_json::to_string(digest).unwrap_or_else(|_| "[]".to_owned());
        store.set_setting(DIGEST, &json, now)?;
    }
    Ok(())
}
