//! The engine's core: applies ticket events and user commands to the store,
//! one transaction each, and says which notifications are due. Synchronous
//! and clock-free (`now` is a parameter), so every rule is tested to the
//! millisecond; `runtime` drives it from tasks.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};

use alert_policy::{
    Delivery, EscalationCursor, EscalationPolicy, GroupDecision, Grouper, Summary, Urgency,
};
use alert_store::{
    AlertFilter, AlertId, AlertRow, AlertState as StoredState, CursorRow, InboundEntry,
    InboundOutcome, InboundRow, InboundSource, KnownVersion, NewAlert, NewOutboxItem, OutboxRow,
    OutboxState, PriorityStats, SnapshotUpdate, Store, StoreError, StoreTx, TimelineKind,
    TimelineRow,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ticket_events::{EventSource, TicketEvent, TicketSnapshot};

use crate::fields::TicketFields;
use crate::lifecycle::{self, AlertState, LifecycleError, ResolveReason, Rules, TicketDecision};
use crate::notify::{Notification, NotificationKind};
use crate::rules::{FilterError, Filters, Scope, TriggerKind};
use crate::settings::EngineSettings;
use crate::view::{AlertView, EngineEvent, ticket_link};

const PAUSED_UNTIL: &str = "paused_until";
const DIGEST: &str = "digest_alerts";
/// The grouper's open windows and held alerts, so a crash or restart inside
/// a flood still sends their summary.
const GROUPING: &str = "grouping_state";
/// "No limit" for list queries (SQLite takes a signed 64-bit LIMIT).
const ALL_ROWS: usize = i64::MAX as usize;
/// The ticket id test alerts use; Halo ids start at 1.
pub const TEST_TICKET_ID: i32 = 0;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("ticket {0} has no open alert: `halo-notifier-cli list` shows the open ones")]
    NoOpenAlert(i64),
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    #[error(transparent)]
    Filter(#[from] FilterError),
    #[error("the escalation policies are invalid: {0}")]
    Policy(String),
    #[error("taking a ticket needs to know who you are in Halo: test the connection first")]
    UnknownAgent,
}

/// What one event did.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub outcome: InboundOutcome,
    pub alert_id: Option<AlertId>,
    pub reason: String,
}

/// Notifications to dispatch and changes to broadcast, in order.
#[derive(Debug, Default)]
pub struct Effects {
    pub notifications: Vec<Notification>,
    pub events: Vec<EngineEvent>,
    /// Alerts created or changed, in order (may repeat).
    pub changed_alerts: Vec<AlertId>,
}

impl Effects {
    fn notify(&mut self, n: Notification) {
        self.notifications.push(n);
    }

    /// Marks an alert as changed; subscribers get its view when the
    /// effects are dispatched (built only if anyone listens).
    fn touched(&mut self, id: AlertId) {
        self.changed_alerts.push(id);
    }

    pub fn extend(&mut self, other: Effects) {
        self.notifications.extend(other.notifications);
        self.events.extend(other.events);
        self.changed_alerts.extend(other.changed_alerts);
    }

    pub fn is_empty(&self) -> bool {
        self.notifications.is_empty() && self.events.is_empty() && self.changed_alerts.is_empty()
    }
}

/// Who I am in Halo, for "assigned to me" and write-backs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub agent_id: i32,
    pub name: String,
}

/// Which statuses are closed: Halo's status list, or the user's override.
#[derive(Debug, Clone, Default)]
pub struct ClosedStatuses {
    ids: HashSet<i32>,
}

impl ClosedStatuses {
    pub fn new(ids: impl IntoIterator<Item = i32>) -> Self {
        ClosedStatuses {
            ids: ids.into_iter().collect(),
        }
    }

    /// Closed by status when the status list is known; otherwise (or for a
    /// webhook that named no status id) what the input itself said.
    pub fn is_closed(&self, t: &TicketSnapshot) -> bool {
        match t.status_id {
            Some(id) if !self.ids.is_empty() => self.ids.contains(&id),
            _ => t.closed_hint.unwrap_or(false) || t.date_closed.is_some(),
        }
    }
}

/// Outbox payloads, stored as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum HaloWrite {
    Take { agent_id: i32 },
    Note { text: String },
    Close { note: String },
}

impl HaloWrite {
    pub fn kind(&self) -> &'static str {
        match self {
            HaloWrite::Take { .. } => "take",
            HaloWrite::Note { .. } => "note",
            HaloWrite::Close { .. } => "close",
        }
    }
}

pub struct Engine {
    store: Store,
    settings: EngineSettings,
    filters: Filters,
    me: Option<Me>,
    closed: ClosedStatuses,
    known: HashMap<i32, Known>,
    grouper: Option<Grouper<i64>>,
    /// The grouper state last written to the store.
    grouper_saved: Option<String>,
}

impl Engine {
    /// Opens the engine over a store, loading what it knew about tickets.
    pub fn new(store: Store, settings: EngineSettings) -> Result<Self, EngineError> {
        let filters = Filters::compile(settings.filters.clone())?;
        settings
            .policies
            .validate()
            .map_err(|e| EngineError::Policy(e.to_string()))?;
        let known = load_known(&store, &settings.instance)?;
        let saved = store.setting(GROUPING)?;
        let restored = saved
            .as_deref()
            .and_then(|json| serde_json::from_str::<Grouper<i64>>(json).ok());
        // Alerts held when the app stopped still get their summary, even if
        // grouping was since changed or turned off.
        let grouper = match (settings.grouping, restored) {
            (Some(rule), Some(g)) => Some(g.with_rule(rule)),
            (Some(rule), None) => Some(Grouper::new(rule)),
            (None, restored) => restored,
        };
        let closed = ClosedStatuses::new(settings.closed_status_ids.iter().copied());
        Ok(Engine {
            store,
            settings,
            filters,
            me: None,
            closed,
            known,
            grouper,
            grouper_saved: saved,
        })
    }

    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    pub fn me(&self) -> Option<&Me> {
        self.me.as_ref()
    }

    pub fn set_me(&mut self, me: Option<Me>) {
        self.me = me;
    }

    /// Halo's closed statuses; the user's override wins when set.
    pub fn set_closed_statuses(&mut self, ids: impl IntoIterator<Item = i32>) {
        if self.settings.closed_status_ids.is_empty() {
            self.closed = ClosedStatuses::new(ids);
        }
    }

    pub fn known_ticket(&self, id: i32) -> Option<&TicketSnapshot> {
        self.known.get(&id).map(|k| &k.snapshot)
    }

    /// Whether this version of a ticket the engine has never seen is likely
    /// to raise an alert (open, watched, not filtered out): worth fetching
    /// in full, with its details, before it does.
    pub fn may_alert_on_new(&self, ticket: &TicketSnapshot) -> bool {
        !self.known.contains_key(&ticket.ticket_id)
            && !self.closed.is_closed(ticket)
            && self.scope().covers(ticket)
            && self.filters.rejects(ticket).is_none()
    }

    fn scope(&self) -> Scope {
        Scope {
            teams: self.settings.teams.clone(),
            assigned_to_me: self.settings.assigned_to_me,
            me: self.me.as_ref().map(|m| m.agent_id),
        }
    }

    /// Applies one event in its own transaction.
    pub fn ingest(
        &mut self,
        event: &TicketEvent,
        now: DateTime<Utc>,
    ) -> Result<(Applied, Effects), EngineError> {
        let mut results = self.ingest_batch(vec![event.clone()], now, None)?;
        let applied = results.0.pop().unwrap_or(Applied {
            outcome: InboundOutcome::Ignored,
            alert_id: None,
            reason: String::new(),
        });
        Ok((applied, results.1))
    }

    /// Applies a batch (a poll's delta) in ONE transaction, with `poll_state`
    /// (key, value) written in the same commit so a crash never half-applies
    /// or skips a delta.
    pub fn ingest_batch(
        &mut self,
        events: Vec<TicketEvent>,
        now: DateTime<Utc>,
        poll_state: Option<(&str, &str)>,
    ) -> Result<(Vec<Applied>, Effects), EngineError> {
        self.apply_batch(events, now, poll_state, false)
    }

    /// The first sync with a Halo instance: tickets somebody already holds
    /// are remembered without alerting (a technician starting the app does
    /// not want a popup for each of their 30 open tickets); unassigned open
    /// tickets in watched teams alert, since nobody has them yet.
    pub fn ingest_baseline(
        &mut self,
        events: Vec<TicketEvent>,
        now: DateTime<Utc>,
        poll_state: Option<(&str, &str)>,
    ) -> Result<(Vec<Applied>, Effects), EngineError> {
        self.apply_batch(events, now, poll_state, true)
    }

    fn apply_batch(
        &mut self,
        events: Vec<TicketEvent>,
        now: DateTime<Utc>,
        poll_state: Option<(&str, &str)>,
        baseline: bool,
    ) -> Result<(Vec<Applied>, Effects), EngineError> {
        let scope = self.scope();
        let ctx = Ctx {
            settings: &self.settings,
            filters: &self.filters,
            closed: &self.closed,
            scope: &scope,
            now,
            baseline,
        };
        let known = &self.known;
        let mut seen: HashMap<i32, Option<Known>> = HashMap::with_capacity(events.len());
        let (applied, effects, new_alerts) = self.store.transaction(|tx| {
            let mut effects = Effects::default();
            let mut applied = Vec::with_capacity(events.len());
            let mut new_alerts = Vec::new();
            // Written together at the end, still in this transaction: a
            // poll's thousands of log lines cost a few statements.
            let mut log_entries = Vec::with_capacity(events.len());
            for event in events {
                let id = event.snapshot.ticket_id;
                let previous = match seen.get(&id) {
                    Some(version) => version.as_ref(),
                    None => known.get(&id),
                };
                let (result, memory) =
                    ctx.apply(tx, event, previous, &mut log_entries, &mut effects)?;
                match memory {
                    Memory::Remember(current) => {
                        seen.insert(id, Some(*current));
                    }
                    Memory::Forget(id) => {
                        seen.insert(id, None);
                    }
                    Memory::Unchanged => {}
                }
                if matches!(
                    result.outcome,
                    InboundOutcome::Created | InboundOutcome::Reopened
                ) && let Some(id) = result.alert_id
                {
                    new_alerts.push(id);
                }
                applied.push(result);
            }
            tx.log_inbound_all(&log_entries)?;
            if let Some((key, value)) = poll_state {
                tx.set_poll_state(key, value)?;
            }
            Ok::<_, EngineError>((applied, effects, new_alerts))
        })?;
        for (id, version) in seen {
            match version {
                Some(v) => self.known.insert(id, v),
                None => self.known.remove(&id),
            };
        }
        let mut effects = effects;
        // New alerts' first notifications are usually due at once: send them
        // now rather than on the timer's next turn.
        if !new_alerts.is_empty() {
            effects.extend(self.fire_due(now)?);
        }
        Ok((applied, effects))
    }

    /// Fires every escalation due at `now`, grouping floods and folding
    /// quiet-hours backlog into one digest.
    pub fn fire_due(&mut self, now: DateTime<Utc>) -> Result<Effects, EngineError> {
        let settings = &self.settings;
        let grouper = &mut self.grouper;
        let grouper_saved = &mut self.grouper_saved;
        let (mut effects, grouping_state) = self.store.transaction(|tx| {
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
            Ok::<_, EngineError>((effects, grouping_state))
        })?;
        *grouper_saved = grouping_state;
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
                let text = format!("Acknowledged by {by} via Halo Notifier.");
                enqueue(
                    tx,
                    &instance,
                    Some(AlertId(view.alert_id)),
                    ticket_id,
                    &HaloWrite::Note { text },
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

    /// Until when notifications are paused, if they are.
    pub fn paused_until(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, EngineError> {
        Ok(paused_until(&self.store, now)?)
    }

    /// Queues closing the ticket in Halo and resolves its alert here.
    pub fn close(
        &mut self,
        ticket_id: i64,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<Effects, EngineError> {
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

    /// Alerts, newest first.
    pub fn list(&self, filter: AlertFilter) -> Result<Vec<AlertView>, EngineError> {
        let rows = self.store.list_alerts(filter, ALL_ROWS)?;
        rows.iter()
            .map(|row| view(&self.store, row, &self.settings.instance))
            .collect()
    }

    /// One alert by id.
    pub fn view_of(&self, id: AlertId) -> Result<Option<AlertView>, EngineError> {
        self.store
            .alert(id)?
            .map(|row| view(&self.store, &row, &self.settings.instance))
            .transpose()
    }

    /// The open alert for a ticket, if any.
    pub fn alert_for_ticket(&self, ticket_id: i64) -> Result<Option<AlertView>, EngineError> {
        self.store
            .open_alert_for(&self.settings.instance, ticket_id)?
            .map(|row| view(&self.store, &row, &self.settings.instance))
            .transpose()
    }

    pub fn timeline(&self, ticket_id: i64) -> Result<Vec<TimelineRow>, EngineError> {
        match self
            .store
            .latest_alert_for(&self.settings.instance, ticket_id)?
        {
            Some(alert) => Ok(self.store.timeline(alert.id)?),
            None => Ok(Vec::new()),
        }
    }

    pub fn inbound_log(&self, limit: usize) -> Result<Vec<InboundRow>, EngineError> {
        Ok(self.store.inbound_log(limit, None)?)
    }

    pub fn stats(&self, since: DateTime<Utc>) -> Result<Vec<PriorityStats>, EngineError> {
        Ok(self.store.stats_by_priority(since)?)
    }

    pub fn outbox(&self, state: Option<OutboxState>) -> Result<Vec<OutboxRow>, EngineError> {
        Ok(self.store.outbox_items(state, 200)?)
    }

    /// Deletes what the retention settings say is old enough, and lets
    /// SQLite fold the WAL back while idle.
    pub fn housekeeping(&mut self, now: DateTime<Utc>) -> Result<(), EngineError> {
        let cutoff = now
            - chrono::Duration::from_std(self.settings.inbound_retention)
                .unwrap_or(chrono::Duration::days(14));
        let forgotten = self.store.transaction(|tx| {
            tx.prune_inbound(cutoff)?;
            tx.prune_processed(cutoff)?;
            tx.prune_outbox(cutoff)?;
            tx.prune_known_tickets(now - KNOWN_RETENTION)
        })?;
        if forgotten > 0 {
            // Memory follows the store, so what the engine compares against
            // is what a restart would load.
            self.known = load_known(&self.store, &self.settings.instance)?;
        }
        self.store.checkpoint()?;
        Ok(())
    }
}

/// What the store remembers of each ticket of `instance`.
fn load_known(store: &Store, instance: &str) -> Result<HashMap<i32, Known>, StoreError> {
    let mut known = HashMap::new();
    for row in store.known_tickets(instance)? {
        // A row this version cannot read is only a lost "previous"; the next
        // poll replaces it.
        if let (Ok(id), Ok(snapshot)) = (
            i32::try_from(row.ticket_id),
            serde_json::from_str(&row.snapshot_json),
        ) {
            known.insert(id, Known::new(snapshot, &row.snapshot_json, row.in_alert));
        }
    }
    Ok(known)
}

/// Tickets untouched this long are forgotten: one that changes after that is
/// new to the engine again. Long, because forgetting too early turns an old
/// ticket's next update into a "new ticket" alert.
const KNOWN_RETENTION: chrono::Duration = chrono::Duration::days(90);

/// What an event does to the engine's memory of the ticket.
enum Memory {
    Unchanged,
    Remember(Box<Known>),
    Forget(i32),
}

/// The last version of a ticket the engine saw, with a fingerprint of the
/// JSON it was stored as: an open alert whose stored snapshot has the same
/// fingerprint holds this very version, so it need not be parsed again.
struct Known {
    snapshot: TicketSnapshot,
    fingerprint: u64,
    /// The store keeps this version in the ticket's latest alert row
    /// ([`KnownVersion::InLatestAlert`]), so a change that rewrites that
    /// alert's snapshot needs no second write.
    in_alert: bool,
}

impl Known {
    fn new(snapshot: TicketSnapshot, json: &str, in_alert: bool) -> Self {
        Known {
            snapshot,
            fingerprint: fingerprint(json),
            in_alert,
        }
    }
}

fn fingerprint(json: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    json.hash(&mut hasher);
    hasher.finish()
}

/// Borrowed settings for applying events inside a transaction.
struct Ctx<'a> {
    settings: &'a EngineSettings,
    filters: &'a Filters,
    closed: &'a ClosedStatuses,
    scope: &'a Scope,
    now: DateTime<Utc>,
    baseline: bool,
}

impl Ctx<'_> {
    /// Applies one event; returns what happened and the ticket version to
    /// remember (None when nothing about the ticket changed).
    fn apply(
        &self,
        tx: &StoreTx<'_>,
        event: TicketEvent,
        known: Option<&Known>,
        log_entries: &mut Vec<InboundEntry>,
        effects: &mut Effects,
    ) -> Result<(Applied, Memory), EngineError> {
        let previous = known.map(|k| &k.snapshot);
        let instance = &self.settings.instance;
        let now = self.now;
        let id = event.snapshot.ticket_id;
        let ticket_id = i64::from(id);
        let source = inbound_source(&event.source);
        let dedupe_by_key = !matches!(event.source, EventSource::Poll | EventSource::Reconcile);
        let mut log = |outcome: InboundOutcome, reason: &str| {
            log_entries.push(InboundEntry {
                received_at: event.received_at,
                source: source.clone(),
                ticket_id: Some(ticket_id),
                event_key: Some(event.key.clone()),
                outcome,
                reason: reason.to_owned(),
                payload_excerpt: None,
            });
        };
        if dedupe_by_key && tx.is_processed(&event.key)? {
            log(
                InboundOutcome::Duplicate,
                "this delivery was already processed",
            );
            return Ok((
                Applied {
                    outcome: InboundOutcome::Duplicate,
                    alert_id: None,
                    reason: "already processed".to_owned(),
                },
                Memory::Unchanged,
            ));
        }
        let current = if event.complete {
            event.snapshot.keep_unlisted_fields(previous)
        } else {
            event
                .snapshot
                .merged_over(previous.unwrap_or(&TicketSnapshot::default()))
        };
        let open = tx.open_alert_for(instance, ticket_id)?;
        let decision = if event.source == EventSource::Test {
            if let Some(old) = open.clone() {
                let reason = ResolveReason::LeftScope {
                    why: "replaced by a new test alert".to_owned(),
                };
                resolve_in(tx, old, &reason, now, effects)?;
            }
            TicketDecision::Raise(TriggerKind::Test)
        } else if self.baseline && open.is_none() && current.agent_id.is_some() {
            let who = current
                .agent_name
                .clone()
                .unwrap_or_else(|| "an agent".to_owned());
            TicketDecision::Ignore(format!(
                "already assigned to {who} when Halo Notifier started watching"
            ))
        } else {
            let open_snapshot = open.as_ref().map(|alert| match known {
                Some(k) if k.fingerprint == fingerprint(&alert.snapshot_json) => {
                    Cow::Borrowed(&k.snapshot)
                }
                _ => Cow::Owned(snapshot_of(alert)),
            });
            let had_before = open.is_none()
                && previous.is_some_and(|p| self.closed.is_closed(p))
                && tx.latest_alert_for(instance, ticket_id)?.is_some();
            let is_closed = |t: &TicketSnapshot| self.closed.is_closed(t);
            let rules = Rules {
                scope: self.scope,
                triggers: &self.settings.triggers,
                filters: self.filters,
                is_closed: &is_closed,
            };
            lifecycle::decide(
                &rules,
                open_snapshot.as_deref(),
                previous,
                had_before,
                &current,
            )
        };
        let snapshot_json = serde_json::to_string(&current).unwrap_or_else(|_| "{}".to_owned());
        // Raise, Append and Resolve store `current` in the ticket's latest
        // alert row; the memory then points there instead of a second copy.
        let mut in_alert = false;
        let (outcome, alert_id, reason) = match decision {
            TicketDecision::Raise(trigger) => {
                let policy = self.settings.policies.policy_for(current.priority_id);
                let id = tx.insert_alert(&NewAlert {
                    instance: instance.clone(),
                    ticket_id,
                    created_at: now,
                    priority_id: current.priority_id,
                    team_name: current.team_name.clone(),
                    summary: current.summary.clone().unwrap_or_default(),
                    snapshot_json: snapshot_json.clone(),
                    policy_json: serde_json::to_string(policy).unwrap_or_default(),
                    trigger_reason: trigger.describe(),
                })?;
                let reopened = trigger == TriggerKind::Reopened;
                let kind = if reopened {
                    TimelineKind::Reopened
                } else {
                    TimelineKind::Created
                };
                tx.append_timeline(id, now, &kind, &trigger.describe())?;
                let cursor = EscalationCursor::start(policy, now);
                tx.set_cursor(id, &cursor_row(&cursor, now))?;
                effects.touched(id);
                in_alert = true;
                let outcome = if reopened {
                    InboundOutcome::Reopened
                } else {
                    InboundOutcome::Created
                };
                (outcome, Some(id), trigger.describe())
            }
            TicketDecision::Append(changes) => {
                let Some(alert) = open else {
                    unreachable_append();
                    return Ok((ignored("no open alert to append to"), Memory::Unchanged));
                };
                let detail = changes.join("; ");
                tx.update_alert_snapshot(
                    alert.id,
                    &SnapshotUpdate {
                        updated_at: now,
                        summary: current.summary.as_deref().unwrap_or(&alert.summary),
                        priority_id: current.priority_id,
                        team_name: current.team_name.as_deref(),
                        snapshot_json: &snapshot_json,
                    },
                )?;
                tx.append_timeline(alert.id, now, &TimelineKind::Appended, &detail)?;
                if current.priority_id != alert.priority_id {
                    repolicy(tx, &alert, current.priority_id, self.settings, now)?;
                }
                effects.touched(alert.id);
                in_alert = true;
                (InboundOutcome::Appended, Some(alert.id), detail)
            }
            TicketDecision::Resolve(reason) => {
                let Some(mut alert) = open else {
                    return Ok((ignored("no open alert to resolve"), Memory::Unchanged));
                };
                alert.snapshot_json = snapshot_json.clone();
                let id = alert.id;
                resolve_in(tx, alert, &reason, now, effects)?;
                in_alert = true;
                (InboundOutcome::Resolved, Some(id), reason.to_string())
            }
            TicketDecision::Duplicate => (
                InboundOutcome::Duplicate,
                open.map(|a| a.id),
                "nothing new".to_owned(),
            ),
            TicketDecision::Filtered(why) => (InboundOutcome::Filtered, None, why),
            TicketDecision::Ignore(why) => (InboundOutcome::Ignored, None, why),
        };
        log(outcome, &reason);
        if dedupe_by_key {
            tx.mark_processed(&event.key, now)?;
        }
        // Only tickets in scope are remembered: one that moves into a watched
        // team later is then new to it, and one assigned to me later fires
        // "assigned to me".
        let memory = if event.source == EventSource::Test {
            Memory::Unchanged
        } else if self.scope.covers(&current) {
            if previous == Some(&current) {
                Memory::Unchanged
            } else {
                // Already pointing at the alert just rewritten: nothing to write.
                if !(in_alert && known.is_some_and(|k| k.in_alert)) {
                    let version = if in_alert {
                        KnownVersion::InLatestAlert
                    } else {
                        KnownVersion::Json(&snapshot_json)
                    };
                    tx.set_known_ticket(instance, ticket_id, now, version)?;
                }
                Memory::Remember(Box::new(Known::new(current, &snapshot_json, in_alert)))
            }
        } else if previous.is_some() {
            tx.delete_known_ticket(instance, ticket_id)?;
            Memory::Forget(id)
        } else {
            Memory::Unchanged
        };
        Ok((
            Applied {
                outcome,
                alert_id,
                reason,
            },
            memory,
        ))
    }
}

fn unreachable_append() {
    tracing::warn!("decide() appended without an open alert; ignoring");
}

fn ignored(why: &str) -> Applied {
    Applied {
        outcome: InboundOutcome::Ignored,
        alert_id: None,
        reason: why.to_owned(),
    }
}

fn inbound_source(source: &EventSource) -> InboundSource {
    match source {
        EventSource::Poll => InboundSource::Poll,
        EventSource::Reconcile => InboundSource::Reconcile,
        EventSource::Webhook(kind) => InboundSource::Webhook(kind.as_str().to_owned()),
        EventSource::Test => InboundSource::Test,
    }
}

fn open_alert(tx: &Store, instance: &str, ticket_id: i64) -> Result<AlertRow, EngineError> {
    tx.open_alert_for(instance, ticket_id)?
        .ok_or(EngineError::NoOpenAlert(ticket_id))
}

fn view(store: &Store, row: &AlertRow, instance: &str) -> Result<AlertView, EngineError> {
    let cursor = store.cursor(row.id)?;
    Ok(AlertView::new(row, cursor.as_ref(), instance))
}

fn snapshot_of(alert: &AlertRow) -> TicketSnapshot {
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
fn policy_of(alert: &AlertRow, settings: &EngineSettings) -> EscalationPolicy {
    serde_json::from_str(&alert.policy_json)
        .unwrap_or_else(|_| settings.policies.policy_for(alert.priority_id).clone())
}

/// Halo changed the ticket's priority: a triggered alert takes the new
/// priority's policy from its first step (a P3 raised to P1 becomes critical
/// at once).
fn repolicy(
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

fn to_lifecycle(alert: &AlertRow) -> AlertState {
    match alert.state {
        StoredState::Triggered => AlertState::Triggered,
        StoredState::Acknowledged => AlertState::Acknowledged,
        StoredState::Snoozed => AlertState::Snoozed {
            until: alert.snoozed_until.unwrap_or(alert.updated_at),
        },
        StoredState::Resolved => AlertState::Resolved,
    }
}

fn cursor_of(row: &CursorRow) -> EscalationCursor {
    EscalationCursor {
        step: row.step as usize,
        repeat: row.repeat,
        next_at: row.next_at,
        loops: row.loops,
    }
}

fn cursor_row(cursor: &EscalationCursor, now: DateTime<Utc>) -> CursorRow {
    CursorRow {
        step: u32::try_from(cursor.step).unwrap_or(u32::MAX),
        repeat: cursor.repeat,
        loops: cursor.loops,
        next_at: cursor.next_at,
        updated_at: now,
    }
}

fn acknowledge_in(
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

fn resolve_in(
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

/// Holds a due alert (paused or off duty) until `until`, remembering it for
/// the digest.
fn hold(
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

fn enqueue(
    tx: &Store,
    instance: &str,
    alert_id: Option<AlertId>,
    ticket_id: i64,
    write: &HaloWrite,
    now: DateTime<Utc>,
) -> Result<(), EngineError> {
    tx.enqueue(&NewOutboxItem {
        created_at: now,
        kind: write.kind().to_owned(),
        instance: instance.to_owned(),
        alert_id,
        ticket_id,
        payload_json: serde_json::to_string(write).unwrap_or_default(),
    })?;
    Ok(())
}

fn paused_until(store: &Store, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(store
        .setting(PAUSED_UNTIL)?
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(DateTime::from_timestamp_millis)
        .filter(|until| *until > now))
}

fn read_digest(store: &Store) -> Result<BTreeSet<i64>, StoreError> {
    Ok(store
        .setting(DIGEST)?
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default())
}

fn write_digest(
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

fn notification(
    settings: &EngineSettings,
    alert: &AlertRow,
    ticket: &TicketSnapshot,
    firing: &alert_policy::Firing,
    now: DateTime<Utc>,
) -> Notification {
    let fields = TicketFields {
        ticket,
        now,
        since: alert.created_at,
    };
    Notification {
        kind: NotificationKind::Notification,
        alert_id: Some(alert.id.0),
        ticket_id: Some(alert.ticket_id),
        title: settings.templates.title(&fields),
        body: settings.templates.body(&fields),
        urgency: firing.urgency,
        sound: firing.sound,
        step: u32::try_from(firing.step).unwrap_or(u32::MAX),
        repeat: firing.repeat,
        at: now,
        link: link_for(settings, alert.ticket_id),
        ticket_ids: Vec::new(),
    }
}

/// The alert's first notification, for one held back by quiet hours.
fn first_notification(
    settings: &EngineSettings,
    alert: &AlertRow,
    ticket: &TicketSnapshot,
    now: DateTime<Utc>,
) -> Notification {
    let policy = policy_of(alert, settings);
    let (urgency, sound) = policy
        .steps
        .first()
        .map_or((Urgency::Normal, false), |s| (s.urgency, s.sound));
    let firing = alert_policy::Firing {
        step: 0,
        repeat: 0,
        urgency,
        sound,
        loops: 0,
        due_at: now,
        missed: 0,
    };
    notification(settings, alert, ticket, &firing, now)
}

fn link_for(settings: &EngineSettings, ticket_id: i64) -> Option<String> {
    (ticket_id != i64::from(TEST_TICKET_ID) && !settings.instance.is_empty())
        .then(|| ticket_link(&settings.instance, ticket_id))
}

fn notified_detail(n: &Notification, missed: u32) -> String {
    let mut detail = format!(
        "{} (step {}, repeat {}): {}",
        n.urgency,
        n.step + 1,
        n.repeat,
        n.title
    );
    if missed > 0 {
        detail.push_str(&format!(
            "; {missed} earlier reminders were missed while the app was not running"
        ));
    }
    detail
}

/// A message that takes an alert's popup away.
fn withdrawal(
    alert: &AlertRow,
    kind: NotificationKind,
    why: &str,
    now: DateTime<Utc>,
) -> Notification {
    Notification {
        kind,
        alert_id: Some(alert.id.0),
        ticket_id: Some(alert.ticket_id),
        title: alert.summary.clone(),
        body: why.to_owned(),
        urgency: Urgency::Low,
        sound: false,
        step: 0,
        repeat: 0,
        at: now,
        link: None,
        ticket_ids: Vec::new(),
    }
}

fn summary_notification(
    tx: &Store,
    settings: &EngineSettings,
    summary: &Summary<i64>,
    now: DateTime<Utc>,
) -> Result<Option<Notification>, EngineError> {
    // Alerts acknowledged, snoozed or resolved while held are left out, and
    // the title counts only those still waiting for someone.
    let mut live = Vec::new();
    for id in &summary.alert_ids {
        if let Some(alert) = tx.alert(AlertId(*id))?
            && alert.state == StoredState::Triggered
        {
            live.push(alert);
        }
    }
    if let [alert] = live.as_slice() {
        // A "summary" of one ticket says less than the ticket's own popup.
        tx.append_timeline(alert.id, now, &TimelineKind::Notified, "held, then alone")?;
        return Ok(Some(first_notification(
            settings,
            alert,
            &snapshot_of(alert),
            now,
        )));
    }
    let mut ticket_ids = Vec::new();
    let mut urgency = Urgency::Low;
    let mut sound = false;
    let mut lines = Vec::new();
    for alert in &live {
        let policy = policy_of(alert, settings);
        if let Some(step) = policy.steps.first() {
            urgency = urgency.max(step.urgency);
            sound |= step.sound;
        }
        ticket_ids.push(alert.ticket_id);
        lines.push(format!("#{} {}", alert.ticket_id, alert.summary));
        tx.append_timeline(
            alert.id,
            now,
            &TimelineKind::Summarised,
            &format!("in the summary for {}", summary.group_key),
        )?;
    }
    if ticket_ids.is_empty() {
        return Ok(None);
    }
    let counted = Summary {
        alert_ids: live.iter().map(|a| a.id.0).collect(),
        group_key: summary.group_key.clone(),
        window_start: summary.window_start,
        flush_at: summary.flush_at,
    };
    Ok(Some(Notification {
        kind: NotificationKind::Summary,
        alert_id: None,
        ticket_id: None,
        title: settings.templates.summary_title(&counted),
        body: alert_policy::template::truncate(&lines.join("\n"), 400),
        urgency,
        sound,
        step: 0,
        repeat: 0,
        at: now,
        link: None,
        ticket_ids,
    }))
}

fn digest_notification(
    settings: &EngineSettings,
    alerts: &[(AlertRow, TicketSnapshot)],
    now: DateTime<Utc>,
) -> Notification {
    let mut urgency = Urgency::Low;
    let mut sound = false;
    for (alert, _) in alerts {
        if let Some(step) = policy_of(alert, settings).steps.first() {
            urgency = urgency.max(step.urgency);
            sound |= step.sound;
        }
    }
    let lines: Vec<String> = alerts
        .iter()
        .map(|(a, _)| format!("#{} {}", a.ticket_id, a.summary))
        .collect();
    Notification {
        kind: NotificationKind::Summary,
        alert_id: None,
        ticket_id: None,
        title: format!("{} alerts waiting since you were away", alerts.len()),
        body: alert_policy::template::truncate(&lines.join("\n"), 400),
        urgency,
        sound,
        step: 0,
        repeat: 0,
        at: now,
        link: None,
        ticket_ids: alerts.iter().map(|(a, _)| a.ticket_id).collect(),
    }
}
