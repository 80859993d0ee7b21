//! One poll delta of 10,000 changed tickets through the engine core, on a
//! real SQLite file: the goal is ≤ 100 ms per delta.
//!
//! `cargo bench -p alert-engine --bench delta` prints the figures.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use alert_engine::{Engine, EngineSettings, Me, TeamRef};
use alert_store::Store;
use chrono::{DateTime, TimeZone, Utc};
use ticket_events::{EventSource, TicketEvent, TicketSnapshot};

const TICKETS: i32 = 10_000;
const ROUNDS: usize = 5;

fn events(at: DateTime<Utc>, status: i32, agent_every: i32) -> Vec<TicketEvent> {
    (1..=TICKETS)
        .map(|id| {
            // Every field a poll of Halo's ticket list fills in.
            let priority = id % 4 + 1;
            let agent = (id % agent_every == 0).then_some(2);
            let snapshot = TicketSnapshot {
                ticket_id: id,
                summary: Some(format!(
                    "Ticket {id}: printer on floor {} shows \"paper jam\" after toner swap",
                    id % 7
                )),
                details_text: None,
                status_id: Some(status),
                status_name: Some(format!("Status {status}")),
                priority_id: Some(priority),
                priority_name: Some(format!("P{priority}")),
                tickettype_id: Some(1),
                tickettype_name: Some("Incident".into()),
                team_id: Some(1),
                team_name: Some("Service Desk".into()),
                agent_id: agent,
                agent_name: agent.map(|_| "Priya Raman".into()),
                client_id: Some(id % 50 + 1),
                client_name: Some(format!("Contoso Holdings {}", id % 50)),
                site_id: Some(id % 50 + 100),
                site_name: Some("Head Office".into()),
                user_name: Some("Jordan Smith".into()),
                last_update: Some(at),
                last_customer_reply: Some(at - chrono::Duration::minutes(5)),
                date_closed: None,
                closed_hint: None,
            };
            TicketEvent {
                source: EventSource::Poll,
                received_at: at,
                key: format!("ticket:{id}:{}", at.timestamp_millis()),
                event_name: None,
                complete: true,
                snapshot,
            }
        })
        .collect()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let rounds = if quick { 1 } else { ROUNDS };
    let t0 = Utc
        .with_ymd_and_hms(2026, 11, 25, 10, 0, 0)
        .single()
        .unwrap();
    let mut new_times = Vec::new();
    let mut update_times = Vec::new();
    for round in 0..rounds {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("alerts.sqlite")).unwrap();
        let mut engine = Engine::new(
            store,
            EngineSettings {
                instance: "https://acme.halopsa.com".into(),
                teams: vec![TeamRef::Id(1)],
                ..EngineSettings::default()
            },
        )
        .unwrap();
        engine.set_me(Some(Me {
            agent_id: 7,
            name: "Me".into(),
        }));
        engine.set_closed_statuses([9]);

        // 10,000 tickets new to the engine: 9,000 raise alerts (grouped into
        // summaries), 1,000 held by a colleague are remembered only.
        let first = events(t0, 1, 10);
        let start = Instant::now();
        let (applied, effects) = engine
            .ingest_batch(first, t0, Some(("last_poll_started", "0")))
            .unwrap();
        new_times.push(start.elapsed());
        assert_eq!(applied.len(), TICKETS as usize);
        engine.checkpoint().unwrap();

        // The same 10,000 tickets changed status: appended to open alerts.
        let later = t0 + chrono::Duration::minutes(1);
        let second = events(later, 2, 10);
        let start = Instant::now();
        let (applied, _) = engine
            .ingest_batch(second, later, Some(("last_poll_started", "1")))
            .unwrap();
        update_times.push(start.elapsed());
        assert_eq!(applied.len(), TICKETS as usize);
        if round == 0 {
            println!(
                "first delta: {} notifications ({} summaries)",
                effects.notifications.len(),
                effects
                    .notifications
                    .iter()
                    .filter(|n| n.kind == alert_engine::NotificationKind::Summary)
                    .count()
            );
        }
    }
    println!(
        "delta of {TICKETS} new tickets (alerts raised, logged, remembered): median {:?} over {rounds} rounds (min {:?}, max {:?})",
        median(new_times.clone()),
        new_times.iter().min().unwrap(),
        new_times.iter().max().unwrap()
    );
    println!(
        "delta of {TICKETS} changed tickets (appended to open alerts): median {:?} over {rounds} rounds (min {:?}, max {:?})",
        median(update_times.clone()),
        update_times.iter().min().unwrap(),
        update_times.iter().max().unwrap()
    );
}
