//! The alert lifecycle as pure functions: Triggered → (Acknowledged |
//! Snoozed → Triggered) → Resolved, one alert per ticket, and what a new
//! version of a ticket does to it. The engine stores the result; nothing here
//! does I/O or reads a clock.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use ticket_events::TicketSnapshot;

use crate::rules::{Filters, Scope, TriggerKind, Triggers, fired_trigger};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum AlertState {
    Triggered,
    Acknowledged,
    Snoozed { until: DateTime<Utc> },
    Resolved,
}

impl AlertState {
    pub fn is_open(self) -> bool {
        self != AlertState::Resolved
    }

    /// Only a triggered alert notifies and escalates.
    pub fn notifies(self) -> bool {
        self == AlertState::Triggered
    }

    pub fn name(self) -> &'static str {
        match self {
            AlertState::Triggered => "triggered",
            AlertState::Acknowledged => "acknowledged",
            AlertState::Snoozed { .. } => "snoozed",
            AlertState::Resolved => "resolved",
        }
    }
}

/// Why an alert ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum ResolveReason {
    ClosedInHalo { status: String },
    LeftScope { why: String },
    TakenBy { name: String },
    ClosedFromApp,
}

impl std::fmt::Display for ResolveReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveReason::ClosedInHalo { status } => write!(f, "closed in Halo ({status})"),
            ResolveReason::LeftScope { why } => write!(f, "no longer watched: {why}"),
            ResolveReason::TakenBy { name } => write!(f, "taken by {name}"),
            ResolveReason::ClosedFromApp => f.write_str("closed from Halo Notifier"),
        }
    }
}

/// What a ticket version does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketDecision {
    Raise(TriggerKind),
    /// The open alert's timeline gets these changes.
    Append(Vec<String>),
    Resolve(ResolveReason),
    /// Nothing new: the same version again.
    Duplicate,
    /// In scope but excluded by a filter.
    Filtered(String),
    /// Not an alert: out of scope, closed, or no trigger fired.
    Ignore(String),
}

/// The rules a decision needs besides the ticket itself.
pub struct Rules<'a> {
    pub scope: &'a Scope,
    pub triggers: &'a Triggers,
    pub filters: &'a Filters,
    pub is_closed: &'a dyn Fn(&TicketSnapshot) -> bool,
}

/// Decides what `current` does, given the open alert's latest snapshot (if
/// an alert is open), the last version seen, and whether an earlier alert
/// for the ticket was resolved.
pub fn decide(
    rules: &Rules<'_>,
    open_alert: Option<&TicketSnapshot>,
    previous: Option<&TicketSnapshot>,
    had_alert_before: bool,
    current: &TicketSnapshot,
) -> TicketDecision {
    let closed = (rules.is_closed)(current);
    if let Some(alerted) = open_alert {
        if closed {
            let status = current
                .status_name
                .clone()
                .unwrap_or_else(|| "closed".to_owned());
            return TicketDecision::Resolve(ResolveReason::ClosedInHalo { status });
        }
        let was_free_or_mine = alerted.agent_id.is_none() || alerted.agent_id == rules.scope.me;
        if let Some(taker) = current.agent_id.filter(|a| Some(*a) != rules.scope.me)
            && was_free_or_mine
        {
            let name = current
                .agent_name
                .clone()
                .unwrap_or_else(|| format!("agent {taker}"));
            return TicketDecision::Resolve(ResolveReason::TakenBy { name });
        }
        if !rules.scope.covers(current) {
            let team = current
                .team_name
                .clone()
                .unwrap_or_else(|| "another team".to_owned());
            return TicketDecision::Resolve(ResolveReason::LeftScope {
                why: format!("moved to {team}"),
            });
        }
        if let Some(why) = rules.filters.rejects(current) {
            return TicketDecision::Resolve(ResolveReason::LeftScope { why });
        }
        let changes = describe_changes(alerted, current);
        return if changes.is_empty() {
            TicketDecision::Duplicate
        } else {
            TicketDecision::Append(changes)
        };
    }
    if previous == Some(current) {
        return TicketDecision::Duplicate;
    }
    if closed {
        return TicketDecision::Ignore("the ticket is closed".to_owned());
    }
    if !rules.scope.covers(current) {
        return TicketDecision::Ignore("not in a watched team nor assigned to you".to_owned());
    }
    if let Some(why) = rules.filters.rejects(current) {
        return TicketDecision::Filtered(why);
    }
    let reopened = had_alert_before && previous.is_some_and(|p| (rules.is_closed)(p));
    if reopened {
        return TicketDecision::Raise(TriggerKind::Reopened);
    }
    match fired_trigger(rules.triggers, rules.scope, previous, current) {
        Some(trigger) => TicketDecision::Raise(trigger),
        None => TicketDecision::Ignore("no trigger fired".to_owned()),
    }
}

/// Human-readable differences for the timeline ("status: New → In Progress").
pub fn describe_changes(before: &TicketSnapshot, after: &TicketSnapshot) -> Vec<String> {
    // Borrowed, since this runs for every changed ticket of a poll and most
    // fields do not change.
    fn name_or_id<'a>(name: &'a Option<String>, id: Option<i32>) -> Option<Cow<'a, str>> {
        match name {
            Some(name) => Some(Cow::Borrowed(name)),
            None => id.map(|i| Cow::Owned(i.to_string())),
        }
    }
    let mut changes = Vec::new();
    let mut field = |name: &str, a: Option<Cow<'_, str>>, b: Option<Cow<'_, str>>| {
        if a != b {
            changes.push(format!(
                "{name}: {} → {}",
                a.as_deref().unwrap_or("none"),
                b.as_deref().unwrap_or("none")
            ));
        }
    };
    field(
        "status",
        name_or_id(&before.status_name, before.status_id),
        name_or_id(&after.status_name, after.status_id),
    );
    field(
        "priority",
        name_or_id(&before.priority_name, before.priority_id),
        name_or_id(&after.priority_name, after.priority_id),
    );
    field(
        "agent",
        name_or_id(&before.agent_name, before.agent_id),
        name_or_id(&after.agent_name, after.agent_id),
    );
    field(
        "team",
        name_or_id(&before.team_name, before.team_id),
        name_or_id(&after.team_name, after.team_id),
    );
    field(
        "summary",
        before.summary.as_deref().map(Cow::Borrowed),
        after.summary.as_deref().map(Cow::Borrowed),
    );
    if after.last_customer_reply > before.last_customer_reply {
        changes.push("the customer replied".to_owned());
    }
    if changes.is_empty() && after.last_update != before.last_update {
        changes.push("updated in Halo".to_owned());
    }
    changes
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("the alert is already resolved ({0}); nothing to do")]
    AlreadyResolved(String),
    #[error("the alert is already acknowledged; it does not notify again")]
    AlreadyAcknowledged,
}

/// Acknowledging stops notifications for good (a reopened ticket raises a
/// new alert). Acknowledging twice is harmless.
pub fn acknowledge(state: AlertState) -> Result<AlertState, LifecycleError> {
    match state {
        AlertState::Resolved => Err(LifecycleError::AlreadyResolved("resolved".to_owned())),
        _ => Ok(AlertState::Acknowledged),
    }
}

/// Snoozing silences a triggered alert until `until`, then it triggers again.
pub fn snooze(state: AlertState, until: DateTime<Utc>) -> Result<AlertState, LifecycleError> {
    match state {
        AlertState::Triggered | AlertState::Snoozed { .. } => Ok(AlertState::Snoozed { until }),
        AlertState::Acknowledged => Err(LifecycleError::AlreadyAcknowledged),
        AlertState::Resolved => Err(LifecycleError::AlreadyResolved("resolved".to_owned())),
    }
}

/// A snooze that has run out triggers the alert again.
pub fn wake(state: AlertState, now: DateTime<Utc>) -> AlertState {
    match state {
        AlertState::Snoozed { until } if until <= now => AlertState::Triggered,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{FilterConfig, TeamRef};
    use chrono::TimeZone;
    use proptest::prelude::*;

    const CLOSED: i32 = 23;

    fn scope() -> Scope {
        Scope {
            teams: vec![TeamRef::Id(1)],
            assigned_to_me: true,
            me: Some(7),
        }
    }

    fn ticket(status: i32, agent: Option<i32>) -> TicketSnapshot {
        TicketSnapshot {
            ticket_id: 42,
            team_id: Some(1),
            team_name: Some("Service Desk".into()),
            status_id: Some(status),
            status_name: Some(if status == CLOSED { "Closed" } else { "New" }.into()),
            agent_id: agent,
            agent_name: agent.map(|a| {
                if a == 7 {
                    "Me".to_owned()
                } else {
                    "Sam Colleague".to_owned()
                }
            }),
            ..TicketSnapshot::default()
        }
    }

    fn with_rules<T>(f: impl FnOnce(&Rules<'_>) -> T) -> T {
        let scope = scope();
        let triggers = Triggers::default();
        let filters = Filters::compile(FilterConfig::default()).expect("valid");
        let is_closed = |t: &TicketSnapshot| t.status_id == Some(CLOSED);
        f(&Rules {
            scope: &scope,
            triggers: &triggers,
            filters: &filters,
            is_closed: &is_closed,
        })
    }

    #[test]
    fn a_colleague_taking_the_ticket_stops_my_alert() {
        let open = ticket(1, None);
        let taken = ticket(1, Some(3));
        let decision = with_rules(|r| decide(r, Some(&open), Some(&open), false, &taken));
        assert_eq!(
            decision,
            TicketDecision::Resolve(ResolveReason::TakenBy {
                name: "Sam Colleague".into()
            })
        );
        assert_eq!(
            ResolveReason::TakenBy {
                name: "Sam Colleague".into()
            }
            .to_string(),
            "taken by Sam Colleague"
        );
    }

    #[test]
    fn closing_in_halo_resolves_and_reopening_raises_again() {
        let open = ticket(1, None);
        let closed = ticket(CLOSED, None);
        let decision = with_rules(|r| decide(r, Some(&open), Some(&open), false, &closed));
        assert!(matches!(
            decision,
            TicketDecision::Resolve(ResolveReason::ClosedInHalo { .. })
        ));
        let reopened = with_rules(|r| decide(r, None, Some(&closed), true, &open));
        assert_eq!(reopened, TicketDecision::Raise(TriggerKind::Reopened));
    }

    #[test]
    fn later_versions_append_instead_of_raising_a_new_alert() {
        let open = ticket(1, None);
        let changed = TicketSnapshot {
            priority_name: Some("P1".into()),
            ..open.clone()
        };
        let decision = with_rules(|r| decide(r, Some(&open), Some(&open), false, &changed));
        assert_eq!(
            decision,
            TicketDecision::Append(vec!["priority: none → P1".into()])
        );
        assert_eq!(
            with_rules(|r| decide(r, Some(&changed), Some(&changed), false, &changed)),
            TicketDecision::Duplicate
        );
    }

    #[test]
    fn moving_out_of_the_watched_team_resolves() {
        let open = ticket(1, None);
        let moved = TicketSnapshot {
            team_id: Some(9),
            team_name: Some("Projects".into()),
            ..open.clone()
        };
        let decision = with_rules(|r| decide(r, Some(&open), Some(&open), false, &moved));
        assert_eq!(
            decision,
            TicketDecision::Resolve(ResolveReason::LeftScope {
                why: "moved to Projects".into()
            })
        );
    }

    #[test]
    fn snooze_returns_to_triggered_only_after_it_runs_out() {
        let t0 = Utc
            .with_ymd_and_hms(2026, 1, 1, 9, 0, 0)
            .single()
            .expect("valid");
        let until = t0 + chrono::Duration::minutes(10);
        let snoozed = snooze(AlertState::Triggered, until).expect("snoozed");
        assert_eq!(wake(snoozed, t0), snoozed);
        assert_eq!(wake(snoozed, until), AlertState::Triggered);
        assert_eq!(
            snooze(AlertState::Acknowledged, until),
            Err(LifecycleError::AlreadyAcknowledged)
        );
        assert!(acknowledge(AlertState::Resolved).is_err());
    }

    #[derive(Debug, Clone)]
    enum Step {
        Ack,
        Snooze(i64),
        Tick(i64),
        Update(i32, Option<i32>),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            Just(Step::Ack),
            (1i64..120).prop_map(Step::Snooze),
            (1i64..120).prop_map(Step::Tick),
            (
                prop_oneof![Just(1), Just(2), Just(CLOSED)],
                prop_oneof![Just(None), Just(Some(7)), Just(Some(3))]
            )
                .prop_map(|(s, a)| Step::Update(s, a)),
        ]
    }

    proptest! {
        /// No event order makes an acknowledged alert notify again or a
        /// resolved alert come back to life; every event is accounted for.
        #[test]
        fn acknowledged_never_notifies_and_resolved_never_escalates(steps in proptest::collection::vec(step(), 1..60)) {
            let mut now = Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).single().expect("valid");
            let mut state = AlertState::Triggered;
            let mut snapshot = ticket(1, None);
            let mut acknowledged = false;
            for step in steps {
                let before = state;
                match step {
                    Step::Ack => { if let Ok(next) = acknowledge(state) { state = next; acknowledged = true; } }
                    Step::Snooze(minutes) => { if let Ok(next) = snooze(state, now + chrono::Duration::minutes(minutes)) { state = next; } }
                    Step::Tick(minutes) => { now += chrono::Duration::minutes(minutes); state = wake(state, now); }
                    Step::Update(status, agent) => {
                        let current = ticket(status, agent);
                        let open = state.is_open().then_some(&snapshot);
                        let decision = with_rules(|r| decide(r, open, Some(&snapshot), false, &current));
                        if state.is_open() {
                            prop_assert!(!matches!(decision, TicketDecision::Raise(_) | TicketDecision::Ignore(_) | TicketDecision::Filtered(_)),
                                "an open alert's event must append, resolve or be a duplicate, got {decision:?}");
                        }
                        if let TicketDecision::Resolve(_) = decision { state = AlertState::Resolved; }
                        snapshot = current;
                    }
                }
                if acknowledged && state.is_open() {
                    prop_assert!(!state.notifies(), "acknowledged alert notifies again after {before:?}");
                }
                if before == AlertState::Resolved {
                    prop_assert_eq!(state, AlertState::Resolved);
                }
            }
        }
    }
}
