//! The running engine (poller, timer, outbox) against the Halo simulator
//! over real HTTP: what a technician sees when tickets change in Halo.

use std::sync::Arc;
use std::time::Duration;

use alert_engine::{Engine, EngineSettings, NotificationKind, PollSettings, TeamRef};
use alert_runtime::EngineHandle;
use alert_store::{AlertFilter, AlertState, Store};
use halo_notifier_tests::{Recorder, client_for, wait_for};
use halo_sim::{NewTicket, SimConfig};

const SERVICE_DESK: i32 = 1;
const COLLEAGUE: i32 = 2;

fn fast_polling() -> PollSettings {
    PollSettings {
        interval: Duration::from_secs(3600),
        reconcile_every: Duration::from_secs(3600),
        overlap: Duration::from_secs(60),
        max_backoff: Duration::from_secs(3600),
    }
}

fn settings(instance: &str) -> EngineSettings {
    EngineSettings {
        instance: instance.to_owned(),
        teams: vec![TeamRef::Name("Service Desk".into())],
        grouping: None,
        poll: fast_polling(),
        ..EngineSettings::default()
    }
}

fn new_ticket(summary: &str) -> NewTicket {
    NewTicket {
        summary: summary.to_owned(),
        details_html: "<p>It <b>broke</b></p>".to_owned(),
        team_id: SERVICE_DESK,
        agent_id: None,
        priority_id: 2,
        client_id: 1,
        site_id: 1,
        tickettype_id: 1,
        status_id: 1,
        user_name: None,
    }
}

struct Running {
    sim: halo_sim::SimHandle,
    handle: EngineHandle,
    recorder: Recorder,
}

async fn start(store: Store, seed_tickets: usize) -> Running {
    let sim = halo_sim::start(SimConfig {
        seed_tickets,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    start_with(sim, store).await
}

async fn start_with(sim: halo_sim::SimHandle, store: Store) -> Running {
    let halo = Arc::new(client_for(&sim.base_url()));
    let instance = halo.settings().instance.web().to_string();
    let engine = Engine::new(store, settings(&instance)).expect("engine opens");
    let recorder = Recorder::default();
    let handle = EngineHandle::new(
        engine,
        Arc::new(halo_api::SystemClock),
        Arc::new(recorder.clone()),
        Some(halo),
    );
    handle.start();
    let mut events = handle.subscribe();
    wait_for(&mut events, |e| {
        matches!(e, alert_engine::EngineEvent::Intake { status } if status.last_poll_at.is_some())
    })
    .await;
    Running {
        sim,
        handle,
        recorder,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_ticket_notifies_within_one_poll_cycle() {
    let run = start(Store::open_in_memory().expect("store"), 0).await;
    let id = run
        .sim
        .create_ticket(new_ticket("Email is down for everyone"));
    run.handle.poll_now();
    let n = run
        .recorder
        .next(|n| n.kind == NotificationKind::Notification && n.ticket_id == Some(id.into()))
        .await;
    assert_eq!(
        n.title,
        "P2 - High · Contoso Ltd: Email is down for everyone"
    );
    // The list has no details: the new ticket was fetched in full, and its
    // HTML reduced to text.
    assert_eq!(
        n.body,
        format!("#{id} · Service Desk · New\nIt broke"),
        "{}",
        n.body
    );
    run.handle.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_colleague_taking_the_ticket_stops_the_alert() {
    let run = start(Store::open_in_memory().expect("store"), 0).await;
    let id = run.sim.create_ticket(new_ticket("Printer jammed"));
    run.handle.poll_now();
    run.recorder
        .next(|n| n.kind == NotificationKind::Notification && n.ticket_id == Some(id.into()))
        .await;
    run.sim.assign(id, Some(COLLEAGUE)).expect("assign");
    run.handle.poll_now();
    let resolved = run
        .recorder
        .next(|n| n.kind == NotificationKind::Resolved && n.ticket_id == Some(id.into()))
        .await;
    assert_eq!(resolved.body, "taken by Priya Raman");
    run.handle.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_in_halo_resolves_the_alert() {
    let run = start(Store::open_in_memory().expect("store"), 0).await;
    let id = run.sim.create_ticket(new_ticket("VPN flaps"));
    run.handle.poll_now();
    run.recorder
        .next(|n| n.kind == NotificationKind::Notification && n.ticket_id == Some(id.into()))
        .await;
    run.sim.close(id, "Rebooted the firewall").expect("close");
    run.handle.poll_now();
    let resolved = run
        .recorder
        .next(|n| n.kind == NotificationKind::Resolved && n.ticket_id == Some(id.into()))
        .await;
    assert!(
        resolved.body.starts_with("closed in Halo"),
        "{}",
        resolved.body
    );
    let alerts = run.handle.list(AlertFilter::All).await.expect("list");
    assert_eq!(alerts[0].state, AlertState::Resolved);
    run.handle.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_from_the_app_closes_the_ticket_in_halo_with_the_note() {
    let run = start(Store::open_in_memory().expect("store"), 0).await;
    let id = run.sim.create_ticket(new_ticket("Disk full on FS01"));
    run.handle.poll_now();
    run.recorder
        .next(|n| n.kind == NotificationKind::Notification && n.ticket_id == Some(id.into()))
        .await;
    let mut events = run.handle.subscribe();
    run.handle
        .close(id.into(), "Cleared old backups", None)
        .await
        .expect("close queued");
    // The outbox worker delivers it; its timeline records the write.
    wait_for(&mut events, |_| {
        run.sim
            .ticket(id)
            .is_some_and(|t| t.status_id == run.sim.closed_status_id())
    })
    .await;
    let notes: Vec<String> = run
        .sim
        .actions(id)
        .into_iter()
        .map(|a| a.note_html)
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("Cleared old backups")),
        "{notes:?}"
    );
    run.handle.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_escalation_resumes_the_escalation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("alerts.sqlite");
    let sim = halo_sim::start(SimConfig {
        seed_tickets: 0,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let halo = Arc::new(client_for(&sim.base_url()));
    let instance = halo.settings().instance.web().to_string();
    let policies: alert_policy::PolicySet = toml::from_str(
        r#"
        default = "fast"
        [by_priority]
        2 = "fast"
        [policies.fast]
        [[policies.fast.steps]]
        urgency = "normal"
        repeat_every = "1s"
        max_repeats = 100
        "#,
    )
    .expect("policy");
    let make = |store: Store, recorder: &Recorder| {
        let engine = Engine::new(
            store,
            EngineSettings {
                policies: policies.clone(),
                ..settings(&instance)
            },
        )
        .expect("engine");
        EngineHandle::new(
            engine,
            Arc::new(halo_api::SystemClock),
            Arc::new(recorder.clone()),
            Some(halo.clone()),
        )
    };
    let first = Recorder::default();
    let handle = make(Store::open(&path).expect("store"), &first);
    let mut events = handle.subscribe();
    handle.start();
    wait_for(&mut events, |e| {
        matches!(e, alert_engine::EngineEvent::Intake { .. })
    })
    .await;
    let id = sim.create_ticket(new_ticket("Core switch down"));
    handle.poll_now();
    first
        .next(|n| n.ticket_id == Some(id.into()) && n.repeat == 0)
        .await;
    handle.shutdown();
    drop(handle);

    // A new engine over the same file, with Halo silent: the escalation
    // continues from the stored cursor.
    let second = Recorder::default();
    let handle = make(Store::open(&path).expect("store"), &second);
    handle.start();
    let repeat = second
        .next(|n| n.ticket_id == Some(id.into()) && n.kind == NotificationKind::Notification)
        .await;
    assert!(repeat.repeat >= 1, "resumed, not restarted: {repeat:?}");
    handle.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_steady_state_costs_one_request_per_poll() {
    let run = start(Store::open_in_memory().expect("store"), 40).await;
    run.sim.clear_requests();
    let mut events = run.handle.subscribe();
    for _ in 0..5 {
        run.handle.poll_now();
        wait_for(&mut events, |e| {
            matches!(e, alert_engine::EngineEvent::Intake { .. })
        })
        .await;
    }
    let requests = run.sim.requests();
    let summary: Vec<String> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(summary.len(), 5, "{summary:?}");
    assert!(
        summary.iter().all(|r| r == "GET /api/Tickets"),
        "{summary:?}"
    );
    assert!(
        requests
            .iter()
            .all(|r| r.query.iter().any(|(k, _)| k == "lastupdatefromdate")),
        "every poll is a delta"
    );
    run.handle.shutdown();
}

/// A new ticket is fetched in full (the list has no details); the list rows
/// of later polls, which lack the details and the priority's name, are not
/// news: no duplicate log lines, no "priority changed" in the timeline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn later_list_rows_do_not_undo_a_full_fetch() {
    let run = start(Store::open_in_memory().expect("store"), 0).await;
    let id = run.sim.create_ticket(new_ticket("Phones dead"));
    let mut events = run.handle.subscribe();
    run.handle.poll_now();
    run.recorder
        .next(|n| n.kind == NotificationKind::Notification && n.ticket_id == Some(id.into()))
        .await;
    // Still inside the delta's overlap window: every poll lists it again.
    for _ in 0..3 {
        run.handle.poll_now();
        wait_for(&mut events, |e| {
            matches!(e, alert_engine::EngineEvent::Intake { .. })
        })
        .await;
    }
    let log = run.handle.inbound_log(100).await.expect("log");
    let timeline = run.handle.timeline(id.into()).await.expect("timeline");
    let about: Vec<_> = log
        .iter()
        .filter(|row| row.ticket_id == Some(id.into()))
        .map(|row| (row.outcome, row.reason.clone()))
        .collect();
    assert_eq!(about.len(), 1, "{about:?}");
    assert!(
        timeline.iter().all(|t| !t.detail.contains("priority")),
        "{timeline:?}"
    );
    let view = run
        .handle
        .alert_for_ticket(id.into())
        .await
        .expect("view")
        .expect("alert");
    assert_eq!(view.ticket.details_text.as_deref(), Some("It broke"));
    run.handle.shutdown();
}
