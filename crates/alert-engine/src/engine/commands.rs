//! User commands: acknowledge, snooze, pause, take, close, resolve and the
//! test alert, each one transaction that also queues what must be written
//! back to Halo.

use alert_policy::EscalationCursor;
use alert_store::{
    AlertFilter, AlertId, AlertRow, AlertState as StoredState, CursorRow, Store, TimelineKind,
};
use chrono::{DateTime, Utc};
use ticket_events::{EventSource, TicketEvent, TicketSnapshot};

use super::firing::{PAUSED_UNTIL, read_digest};
use super::rows::{cursor_of, cursor_row, open_alert, policy_of, to_lifecycle, view};
use super::text::withdrawal;
use super::writes::{HaloWrite, enqueue};
use super::{ALL_ROWS, Applied, Effects, Engine, EngineError, TEST_TICKET_ID};
use crate::lifecycle::{self, AlertState, ResolveReason};
use crate::notify::NotificationKind;
use crate::view::{AlertView, EngineEvent};

impl Engine {
    /// Acknowledges the ticket's open alert, writing back to Halo as the
    /// settings say.
    pub fn acknowledge(
        &mut self,
        ticket_id: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(AlertView, Effects), EngineError> {
        let write_back = self.settings.acknowledge;
        let me = self.me.clone();
        let instance = self.settings.instance.clone();
        self.store.transaction(|tx| {
            let alert = open_alert(tx, &instance, ticket_id)?;
            let mut effects = Effects::default();
            let view = acknowledge_in(tx, alert, by, now, &instance, &mut effects)?;
            if write_back.take
                && let Some(me) = &me
            {
                enqueue(
                    tx,
                    &instance,
                    Some(AlertId(view.alert_id)),
                    ticket_id,
                    &HaloWrite::Take {
                        agent_id: me.agent_id,
                    },
                    now,
                )?;
            }
            if write_back.note {
                let marker = HaloWrite::marker_for(ticket_id, now);
                let text = format!("Acknowledged by {by} via Halo Notifier (ref {marker}).");
                enqueue(
                    tx,
                    &instance,
                    Some(AlertId(view.alert_id)),
                    ticket_id,
                    &HaloWrite::Note {
                        text,
                        marker: Some(marker),
                    },
                    now,
                )?;
            }
            Ok((view, effects))
        })
    }

    /// Acknowledges every alert that is triggered or snoozed.
    pub fn acknowledge_all(
        &mut self,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(Vec<AlertView>, Effects), EngineError> {
        let instance = self.settings.instance.clone();
        self.store.transaction(|tx| {
            let mut effects = Effects::default();
            let mut views = Vec::new();
            for alert in tx.list_alerts(AlertFilter::Open, ALL_ROWS)? {
                if alert.state == StoredState::Acknowledged {
                    continue;
                }
                views.push(acknowledge_in(tx, alert, by, now, &instance, &mut effects)?);
            }
            Ok((views, effects))
        })
    }

    /// Silences the ticket's alert until `until`; it then notifies again on
    /// the step it had reached.
    pub fn snooze(
        &mut self,
        ticket_id: i64,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(AlertView, Effects), EngineError> {
        let settings = &self.settings;
        self.store.transaction(|tx| {
            let mut alert = open_alert(tx, &settings.instance, ticket_id)?;
            let state = lifecycle::snooze(to_lifecycle(&alert), until)?;
            alert.state = StoredState::Snoozed;
            alert.snoozed_until = match state {
                AlertState::Snoozed { until } => Some(until),
                _ => None,
            };
            alert.updated_at = now;
            tx.update_alert(&alert)?;
            let policy = policy_of(&alert, settings);
            let cursor = match tx.cursor(alert.id)? {
                Some(row) => cursor_of(&row).restart_at(&policy, until),
                None => EscalationCursor::start(&policy, now).restart_at(&policy, until),
            };
            tx.set_cursor(alert.id, &cursor_row(&cursor, now))?;
            tx.append_timeline(
                alert.id,
                now,
                &TimelineKind::Snoozed,
                &format!("until {}", until.to_rfc3339()),
            )?;
            let mut effects = Effects::default();
            let view = view(tx, &alert, &settings.instance)?;
            effects.touched(alert.id);
            effects.notify(withdrawal(
                &alert,
                NotificationKind::Snoozed,
                "snoozed",
                now,
            ));
            Ok((view, effects))
        })
    }

    /// Pauses every notification until `until` (`None` resumes now). Alerts
    /// that fall due meanwhile are recorded and come back as one digest.
    pub fn pause(
        &mut self,
        until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Effects, EngineError> {
        self.store.transaction(|tx| {
            match until {
                Some(until) => {
                    tx.set_setting(PAUSED_UNTIL, &until.timestamp_millis().to_string(), now)?
                }
                None => {
                    tx.delete_setting(PAUSED_UNTIL)?;
                    // Held alerts come back now instead of at the old end.
                    for id in read_digest(tx)? {
                        if let Some(row) = tx.cursor(AlertId(id))?
                            && row.next_at.is_some_and(|at| at > now)
                        {
                            tx.set_cursor(
                                AlertId(id),
                                &CursorRow {
                                    next_at: Some(now),
                                    ..row
                                },
                            )?;
                        }
                    }
                }
            }
            let mut effects = Effects::default();
            effects.events.push(EngineEvent::Paused { until });
            Ok::<_, EngineError>(effects)
        })
    }

    /// Queues closing the ticket in Halo and resolves its alert here.
    pub fn close(
        &mut self,
        ticket_id: i64,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<Effects, EngineError> {
        self.close_with_status(ticket_id, note, None, now)
    }

    /// [`Engine::close`] setting one of Halo's closed statuses
    /// ([`Engine::closed_statuses`]); `None` sets the first one.
    pub fn close_with_status(
        &mut self,
        ticket_id: i64,
        note: &str,
        status_id: Option<i32>,
        now: DateTime<Utc>,
    ) -> Result<Effects, EngineError> {
        if let Some(id) = status_id
            && !self.closed.contains(id)
        {
            return Err(EngineError::NotAClosedStatus(id));
        }
        let instance = self.settings.instance.clone();
        self.store.transaction(|tx| {
            let mut effects = Effects::default();
            let alert = tx.open_alert_for(&instance, ticket_id)?;
            let alert_id = alert.as_ref().map(|a| a.id);
            enqueue(
                tx,
                &instance,
                alert_id,
                ticket_id,
                &HaloWrite::Close {
                    note: note.to_owned(),
                    status_id,
                },
                now,
            )?;
            if let Some(alert) = alert {
                resolve_in(tx, alert, &ResolveReason::ClosedFromApp, now, &mut effects)?;
            }
            Ok(effects)
        })
    }

    /// Queues assigning the ticket to me and acknowledges its alert.
    pub fn take(&mut self, ticket_id: i64, now: DateTime<Utc>) -> Result<Effects, EngineError> {
        let me = self.me.clone().ok_or(EngineError::UnknownAgent)?;
        let instance = self.settings.instance.clone();
        self.store.transaction(|tx| {
            let mut effects = Effects::default();
            let alert = tx.open_alert_for(&instance, ticket_id)?;
            enqueue(
                tx,
                &instance,
                alert.as_ref().map(|a| a.id),
                ticket_id,
                &HaloWrite::Take {
                    agent_id: me.agent_id,
                },
                now,
            )?;
            if let Some(alert) = alert.filter(|a| a.state != StoredState::Acknowledged) {
                acknowledge_in(tx, alert, &me.name, now, &instance, &mut effects)?;
            }
            Ok(effects)
        })
    }

    /// Resolves the ticket's open alert for a reason found outside an
    /// event (e.g. the ticket was deleted in Halo).
    pub fn resolve_ticket(
        &mut self,
        ticket_id: i64,
        why: &str,
        now: DateTime<Utc>,
    ) -> Result<Effects, EngineError> {
        let instance = self.settings.instance.clone();
        self.store.transaction(|tx| {
            let mut effects = Effects::default();
            if let Some(alert) = tx.open_alert_for(&instance, ticket_id)? {
                let reason = ResolveReason::LeftScope {
                    why: why.to_owned(),
                };
                resolve_in(tx, alert, &reason, now, &mut effects)?;
            }
            Ok(effects)
        })
    }

    /// Raises a test alert through the whole path: stored, escalated by the
    /// default policy, notified. A previous test alert is resolved first.
    pub fn test_alert(&mut self, now: DateTime<Utc>) -> Result<(Applied, Effects), EngineError> {
        let snapshot = TicketSnapshot {
            ticket_id: TEST_TICKET_ID,
            summary: Some("Test alert from Halo Notifier".to_owned()),
            details_text: Some(
                "If you can read this, notifications reach you. Acknowledge it to stop the repeats."
                    .to_owned(),
            ),
            priority_name: Some("Test".to_owned()),
            status_name: Some("New".to_owned()),
            team_name: Some("Halo Notifier".to_owned()),
            client_name: Some("Halo Notifier".to_owned()),
            last_update: Some(now),
            ..TicketSnapshot::default()
        };
        let event = TicketEvent {
            source: EventSource::Test,
            received_at: now,
            key: format!("test:{}", now.timestamp_millis()),
            event_name: Some("test alert".to_owned()),
            complete: true,
            snapshot,
        };
        self.ingest(&event, now)
    }
}

pub(super) fn acknowledge_in(
    tx: &Store,
    mut alert: AlertRow,
    by: &str,
    now: DateTime<Utc>,
    instance: &str,
    effects: &mut Effects,
) -> Result<AlertView, EngineError> {
    lifecycle::acknowledge(to_lifecycle(&alert))?;
    let was_acknowledged = alert.state == StoredState::Acknowledged;
    alert.state = StoredState::Acknowledged;
    alert.snoozed_until = None;
    if !was_acknowledged {
        alert.acknowledged_at = Some(now);
        alert.acknowledged_by = Some(by.to_owned());
        alert.updated_at = now;
        tx.update_alert(&alert)?;
        tx.append_timeline(
            alert.id,
            now,
            &TimelineKind::Acknowledged,
            &format!("by {by}"),
        )?;
        effects.notify(withdrawal(
            &alert,
            NotificationKind::Acknowledged,
            &format!("acknowledged by {by}"),
            now,
        ));
    }
    tx.delete_cursor(alert.id)?;
    let view = view(tx, &alert, instance)?;
    effects.touched(alert.id);
    Ok(view)
}

pub(super) fn resolve_in(
    tx: &Store,
    mut alert: AlertRow,
    reason: &ResolveReason,
    now: DateTime<Utc>,
    effects: &mut Effects,
) -> Result<(), EngineError> {
    alert.state = StoredState::Resolved;
    alert.resolved_at = Some(now);
    alert.resolve_reason = Some(reason.to_string());
    alert.snoozed_until = None;
    alert.updated_at = now;
    tx.update_alert(&alert)?;
    tx.delete_cursor(alert.id)?;
    let kind = match reason {
        ResolveReason::TakenBy { .. } => TimelineKind::TakenByColleague,
        _ => TimelineKind::Resolved,
    };
    tx.append_timeline(alert.id, now, &kind, &reason.to_string())?;
    effects.notify(withdrawal(
        &alert,
        NotificationKind::Resolved,
        &reason.to_string(),
        now,
    ));
    effects.touched(alert.id);
    Ok(())
}

/// The longest snooze or pause a command accepts: longer is surely a typo,
/// and dates beyond it could overflow.
pub const MAX_COMMAND_DURATION: std::time::Duration =
    std::time::Duration::from_secs(366 * 24 * 3600);

/// `now + duration` for a command, refusing more than
/// [`MAX_COMMAND_DURATION`] with a message instead of overflowing.
pub fn until_after(
    now: DateTime<Utc>,
    duration: std::time::Duration,
    what: &'static str,
) -> Result<DateTime<Utc>, EngineError> {
    let too_long = || EngineError::TooLong {
        what,
        asked: alert_policy::HumanDuration::from(duration).to_string(),
        limit: "366 days".to_owned(),
    };
    if duration > MAX_COMMAND_DURATION {
        return Err(too_long());
    }
    chrono::Duration::from_std(duration)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .ok_or_else(too_long)
}
