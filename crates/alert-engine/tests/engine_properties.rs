//! Properties of the engine over any interleaving of Halo events (polls and
//! webhooks, repeated or not), user actions and the passing of time, against
//! a real SQLite file: nothing is lost, and nothing notifies that should not.

#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};

use alert_engine::{Engine, EngineSettings, Me, NotificationKind, TeamRef};
use alert_store::{AlertFilter, AlertState, InboundOutcome, Store};
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use ticket_events::{EventSource, TicketEvent, TicketSnapshot, WebhookKind};

const CLOSED: i32 = 9;
const ME: i32 = 7;
const COLLEAGUE: i32 = 3;

#[derive(Debug, Clone)]
enum Step {
    /// A version of a ticket arrives by poll (or by webhook when `webhook`).
    Event {
        ticket: i32,
        closed: bool,
        agent: Option<i32>,
        priority: i32,
        webhook: bool,
    },
    /// The last event arrives again (a retried webhook, an overlapping poll).
    Repeat,
    Ack(i32),
    Snooze(i32, i64),
    Close(i32),
    /// Minutes pass; due escalations fire.
    Tick(i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (1..=3i32, prop::bool::weighted(0.2), prop::option::of(prop_oneof![Just(ME), Just(COLLEAGUE)]), 1..=4i32, any::<bool>())
            .prop_map(|(ticket, closed, agent, priority, webhook)| Step::Event { ticket, closed, agent, priority, webhook }),
        1 => Just(Step::Repeat),
        1 => (1..=3i32).prop_map(Step::Ack),
        1 => (1..=3i32, 1..30i64).prop_map(|(t, m)| Step::Snooze(t, m)),
        1 => (1..=3i32).prop_map(Step::Close),
        3 => (0..20i64).prop_map(Step::Tick),
    ]
}

fn snapshot(
    ticket: i32,
    closed: bool,
    agent: Option<i32>,
    priority: i32,
    at: DateTime<Utc>,
) -> TicketSnapshot {
    TicketSnapshot {
        ticket_id: ticket,
        summary: Some(format!("Ticket {ticket}")),
        status_id: Some(if closed { CLOSED } else { 1 }),
        status_name: Some(if closed { "Closed" } else { "New" }.into()),
        priority_id: Some(priority),
        team_id: Some(1),
        team_name: Some("Service Desk".into()),
        agent_id: agent,
        agent_name: agent.map(|a| {
            if a == ME {
                "Alex Tech".into()
            } else {
                "Sam Colleague".into()
            }
        }),
        last_update: Some(at),
        ..TicketSnapshot::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn nothing_is_lost_and_nothing_notifies_that_should_not(steps in prop::collection::vec(step(), 1..50)) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("alerts.sqlite")).unwrap();
        let mut engine = Engine::new(store, EngineSettings {
            instance: "https://acme.halopsa.com".into(),
            teams: vec![TeamRef::Id(1)],
            grouping: None,
            ..EngineSettings::default()
        }).unwrap();
        engine.set_me(Some(Me { agent_id: ME, name: "Alex Tech".into() }));
        engine.set_closed_statuses([CLOSED]);

        let mut now = Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).single().unwrap();
        let mut ingested = 0usize;
        let mut last: Option<TicketEvent> = None;
        let mut seen_keys: HashSet<String> = HashSet::new();
        // Alerts that were acknowledged or resolved, by id: they never
        // notify again (a reopened ticket gets a new alert).
        let mut silenced: HashSet<i64> = HashSet::new();
        let mut latest: HashMap<i32, bool> = HashMap::new();

        for step in steps {
            now += Duration::seconds(1);
            let effects = match step {
                Step::Event { ticket, closed, agent, priority, webhook } => {
                    let snap = snapshot(ticket, closed, agent, priority, now);
                    let event = TicketEvent {
                        source: if webhook { EventSource::Webhook(WebhookKind::Native) } else { EventSource::Poll },
                        received_at: now,
                        key: format!("native:{ticket}:{}", now.timestamp_millis()),
                        event_name: None,
                        complete: true,
                        snapshot: snap,
                    };
                    latest.insert(ticket, closed);
                    last = Some(event.clone());
                    let (_, effects) = engine.ingest(&event, now).unwrap();
                    ingested += 1;
                    seen_keys.insert(event.key.clone());
                    effects
                }
                Step::Repeat => {
                    let Some(event) = last.clone() else { continue };
                    let (applied, effects) = engine.ingest(&event, now).unwrap();
                    ingested += 1;
                    // The same delivery twice changes nothing.
                    if matches!(event.source, EventSource::Webhook(_)) {
                        prop_assert_eq!(applied.outcome, InboundOutcome::Duplicate);
                        prop_assert!(effects.notifications.is_empty());
                    }
                    effects
                }
                Step::Ack(t) => engine.acknowledge(i64::from(t), "Alex Tech", now).map(|(_, e)| e).unwrap_or_default(),
                Step::Snooze(t, m) => engine.snooze(i64::from(t), now + Duration::minutes(m), now).map(|(_, e)| e).unwrap_or_default(),
                Step::Close(t) => engine.close(i64::from(t), "done", now).unwrap(),
                Step::Tick(m) => {
                    now += Duration::minutes(m);
                    engine.fire_due(now).unwrap()
                }
            };
            for n in &effects.notifications {
                if n.kind == NotificationKind::Notification && let Some(id) = n.alert_id {
                    prop_assert!(!silenced.contains(&id), "alert {id} notified after it was acknowledged or resolved: {n:?}");
                }
            }
            for alert in engine.list(AlertFilter::All).unwrap() {
                if matches!(alert.state, AlertState::Acknowledged | AlertState::Resolved) {
                    silenced.insert(alert.alert_id);
                }
            }
            // A ticket Halo last reported closed has no open alert.
            for (ticket, closed) in &latest {
                if *closed {
                    prop_assert!(engine.alert_for_ticket(i64::from(*ticket)).unwrap().is_none_or(|a| a.state == AlertState::Resolved),
                        "ticket {ticket} is closed in Halo but its alert is open");
                }
            }
        }
        // Every event that came in is in the inbound log with its outcome.
        let log = engine.inbound_log(usize::MAX).unwrap();
        prop_assert_eq!(log.len(), ingested);
        for key in seen_keys {
            prop_assert!(log.iter().any(|row| row.event_key.as_deref() == Some(key.as_str())), "event {key} missing from the log");
        }
    }
}
