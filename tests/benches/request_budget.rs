//! How much of Halo's request budget (300 requests per 5 minutes per
//! tenant) one technician's engine spends, measured against the simulator
//! with a busy service desk: a new ticket every 5 polls, one closed every
//! 10, one taken by a colleague every 15.
//!
//! Time is compressed 30×: a poll every second instead of every 30 s, a
//! reconciliation every 30 s instead of every 15 min. Requests per poll do
//! not depend on the interval, so the figure per real 5 minutes is the
//! count over 10 polls plus a third of a reconciliation.
//!
//! `cargo bench -p halo-notifier-tests --bench request_budget` (60 polls;
//! a 5-poll smoke run under `cargo test`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use alert_engine::{Engine, EngineEvent, EngineSettings, PollSettings, TeamRef};
use alert_runtime::EngineHandle;
use alert_store::Store;
use halo_notifier_tests::{Recorder, client_for, wait_for};
use halo_sim::{NewTicket, SimConfig};

const COLLEAGUE: i32 = 2;

fn new_ticket(n: usize) -> NewTicket {
    NewTicket {
        summary: format!("Budget bench ticket {n}"),
        details_html: "<p>Users cannot print</p>".into(),
        team_id: 1,
        agent_id: None,
        priority_id: (n % 4 + 1) as i32,
        client_id: 1,
        site_id: 1,
        tickettype_id: 1,
        status_id: 1,
        user_name: None,
    }
}

fn main() {
    let polls = if std::env::args().any(|a| a == "--bench") {
        60
    } else {
        5
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(polls));
}

async fn run(polls: usize) {
    let sim = halo_sim::start(SimConfig {
        seed_tickets: 40,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let halo = Arc::new(client_for(&sim.base_url()));
    let instance = halo.settings().instance.web().to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("alerts.sqlite")).expect("store");
    let engine = Engine::new(
        store,
        EngineSettings {
            instance,
            teams: vec![TeamRef::Name("Service Desk".into())],
            poll: PollSettings {
                // Polls are driven one by one below.
                interval: Duration::from_secs(3600),
                reconcile_every: Duration::from_secs(30),
                ..PollSettings::default()
            },
            ..EngineSettings::default()
        },
    )
    .expect("engine");
    let recorder = Recorder::default();
    let handle = EngineHandle::new(
        engine,
        Arc::new(halo_api::SystemClock),
        Arc::new(recorder.clone()),
        Some(halo.clone()),
    );
    let mut events = handle.subscribe();
    handle.start();
    wait_for(
        &mut events,
        |e| matches!(e, EngineEvent::Intake { status } if status.last_poll_at.is_some()),
    )
    .await;
    let startup = sim.requests().len();
    sim.clear_requests();

    let mut per_poll = Vec::with_capacity(polls);
    let mut created = Vec::new();
    for poll in 1..=polls {
        if poll % 5 == 0 {
            created.push(sim.create_ticket(new_ticket(poll)));
        }
        if poll % 10 == 0
            && let Some(id) = created.first().copied()
        {
            sim.close(id, "Fixed").expect("close");
            created.remove(0);
        }
        if poll % 15 == 0
            && let Some(id) = created.last().copied()
        {
            sim.assign(id, Some(COLLEAGUE)).expect("assign");
        }
        let before = sim.requests().len();
        // One poll a second, as if 30 s had passed.
        tokio::time::sleep(Duration::from_secs(1)).await;
        handle.poll_now();
        wait_for(&mut events, |e| matches!(e, EngineEvent::Intake { .. })).await;
        per_poll.push(sim.requests().len() - before);
    }
    let requests = sim.requests();
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    for r in &requests {
        let path = r.path.to_ascii_lowercase();
        let kind = match (r.method.as_str(), path.as_str()) {
            ("GET", "/api/tickets") if r.query.iter().any(|(k, _)| k == "lastupdatefromdate") => {
                "delta list".to_owned()
            }
            ("GET", "/api/tickets") => "reconcile list".to_owned(),
            ("GET", p) if p.starts_with("/api/tickets/") => "ticket by id".to_owned(),
            (m, p) => format!("{m} {p}"),
        };
        *by_kind.entry(kind).or_default() += 1;
    }
    let total: usize = per_poll.iter().sum();
    let worst_10 = per_poll
        .windows(10.min(per_poll.len()))
        .map(|w| w.iter().sum::<usize>())
        .max()
        .unwrap_or(0);
    // Reconciliations happened every 30 polls here; at the real schedule
    // there is one every 30 polls too (15 min / 30 s), so a 10-poll window
    // holds at most one: the worst window already counts it.
    println!(
        "startup: {startup} requests (token, statuses, me, teams, first sync); then {total} over {polls} polls: {by_kind:?}"
    );
    println!(
        "per real 5 minutes (10 polls at 30 s): average {:.1}, worst {worst_10} requests = {:.1}% of Halo's 300; {} notifications raised",
        total as f64 / polls as f64 * 10.0,
        worst_10 as f64 / 300.0 * 100.0,
        recorder.all().len()
    );
    handle.shutdown();
}
