//! Intake: ticket events (a poll's delta, a webhook, a test alert) applied
//! to the store in one transaction per batch, deciding per ticket whether
//! to raise, append to, resolve or ignore an alert.

use std::borrow::Cow;
use std::collections::HashMap;

use alert_policy::EscalationCursor;
use alert_store::{
    InboundEntry, InboundOutcome, KnownVersion, NewAlert, SnapshotUpdate, StoreTx, TimelineKind,
};
use chrono::{DateTime, Utc};
use ticket_events::{EventSource, TicketEvent, TicketSnapshot};

use super::commands::resolve_in;
use super::inbound::{DUPLICATE_REASON, deduplicated_by_key, duplicate, seen_before};
use super::memory::{Known, Memory, fingerprint};
use super::rows::{cursor_row, inbound_source, repolicy, snapshot_of};
use super::{Applied, ClosedStatuses, Effects, Engine, EngineError};
use crate::lifecycle::{self, ResolveReason, Rules, TicketDecision};
use crate::rules::{Filters, Scope, TriggerKind};
use crate::settings::EngineSettings;

impl Engine {
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
        // The batch is committed: a failure from here on must not report it
        // as failed (a webhook sender would retry what is stored; the poll
        // would be rewound), so it is logged and the timer fires them.
        if !new_alerts.is_empty() {
            match self.fire_due(now) {
                Ok(fired) => effects.extend(fired),
                Err(e) => tracing::warn!(error = %e, "first notifications left to the timer"),
            }
        }
        Ok((applied, effects))
    }
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
        let dedupe_by_key = deduplicated_by_key(&event);
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
        if dedupe_by_key && seen_before(tx, &event, now)? {
            log(InboundOutcome::Duplicate, DUPLICATE_REASON);
            return Ok((duplicate(), Memory::Unchanged));
        }
        // A version older than one already applied (a poll that fetched the
        // ticket before a webhook about its next change was applied) would
        // undo that change: reopen a ticket just closed, bring back an old
        // priority. Halo's last_update only moves forward, but some of its
        // date forms have whole seconds only: at the same instant, a close
        // already applied wins (nobody reopens a ticket within its second).
        // A remembered version dated in the future (a webhook body's
        // zoneless local time read as UTC, a wrong clock) is not trusted:
        // it would otherwise hold back every real change until then.
        if let (Some(theirs), Some(known)) = (event.snapshot.last_update, previous)
            && let Some(ours) = known.last_update
            && ours <= now + TRUSTED_CLOCK_SKEW
            && (theirs < ours
                || (theirs == ours
                    && self.closed.is_closed(known)
                    && !self.closed.is_closed(&event.snapshot)))
            && event.source != EventSource::Test
        {
            log(InboundOutcome::Ignored, STALE_REASON);
            return Ok((ignored(STALE_REASON), Memory::Unchanged));
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

/// How far in the future a remembered ticket version may be dated (Halo's
/// clock ahead of ours) and still count as the newest.
const TRUSTED_CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// Why an event with a ticket version older than the one applied is skipped.
const STALE_REASON: &str = "an older version of the ticket than one already applied";

fn ignored(why: &str) -> Applied {
    Applied {
        outcome: InboundOutcome::Ignored,
        alert_id: None,
        reason: why.to_owned(),
    }
}
