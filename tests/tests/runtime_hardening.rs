//! The running engine when things go wrong around it: a notification daemon
//! that hangs, a desktop clock ahead of Halo's, repeated and batched webhook
//! bodies, closing a ticket as a chosen closed status, and a database that
//! fails right after a webhook event is stored.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use alert_engine::{
    Engine, EngineEvent, EngineSettings, Notification, NotificationKind, Notifier, NotifyError,
    PollSettings, TeamRef,
};
use alert_runtime::EngineHandle;
use alert_store::{InboundOutcome, Store};
use chrono::{DateTime, Utc};
use halo_notifier_tests::{PATIENCE, Recorder, client_for, wait_for, webhook_rig};
use halo_sim::{NewTicket, SimConfig};
use webhook_receiver::ReceiverLimits;

const TOKEN: &str = "test-token-0123456789abcdef";

fn settings(instance: &str) -> EngineSettings {
    EngineSettings {
        instance: instance.to_owned(),
        teams: vec![TeamRef::Name("Service Desk".into())],
        grouping: None,
        poll: PollSettings {
            interval: Duration::from_secs(3600),
            reconcile_every: Duration::from_secs(3600),
            overlap: Duration::from_secs(60),
            max_backoff: Duration::from_secs(3600),
        },
        ..EngineSettings::default()
    }
}

fn new_ticket(summary: &str) -> NewTicket {
    NewTicket {
        summary: summary.to_owned(),
        details_html: "<p>details</p>".to_owned(),
        team_id: 1,
        agent_id: None,
        priority_id: 2,
        client_id: 1,
        site_id: 1,
        tickettype_id: 1,
        status_id: 1,
        user_name: None,
    }
}

/// A notification daemon that hangs on its first call until the test lets
/// it go (as a stuck D-Bus call would for 25 s), then shows everything.
#[derive(Clone)]
struct HangingNotifier {
    release: Arc<Mutex<std::sync::mpsc::Receiver<()>>>,
    recorder: Recorder,
}

impl Notifier for HangingNotifier {
    fn notify(&self, n: &Notification) -> Result<(), NotifyError> {
        // Blocks until the test sends (or drops its sender).
        let _ = self
            .release
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .recv();
        self.recorder.notify(n)
    }
}

/// A clock some minutes ahead of the real one (and of the simulator's).
#[derive(Debug)]
struct AheadClock(chrono::Duration);

impl halo_api::Clock for AheadClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.0
    }
}

struct Running {
    sim: halo_sim::SimHandle,
    handle: EngineHandle,
    url: String,
    receiver: webhook_receiver::Receiver,
}

async fn start(
    seed_tickets: usize,
    settings_for: impl FnOnce(&str, &halo_sim::SimHandle) -> EngineSettings,
    clock: halo_api::SharedClock,
    notifier: Arc<dyn Notifier>,
) -> Running {
    let store = Store::open_in_memory().expect("store");
    start_over(store, seed_tickets, settings_for, clock, notifier).await
}

async fn start_over(
    store: Store,
    seed_tickets: usize,
    settings_for: impl FnOnce(&str, &halo_sim::SimHandle) -> EngineSettings,
    clock: halo_api::SharedClock,
    notifier: Arc<dyn Notifier>,
) -> Running {
    let sim = halo_sim::start(SimConfig {
        seed_tickets,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let halo = Arc::new(client_for(&sim.base_url()));
    let instance = halo.settings().instance.web().to_string();
    let engine = Engine::new(store, settings_for(&instance, &sim)).expect("engine opens");
    let handle = EngineHandle::new(engine, clock, notifier, Some(halo));
    let mut events = handle.subscribe();
    handle.start();
    wait_for(
        &mut events,
        |e| matches!(e, EngineEvent::Intake { status } if status.last_poll_at.is_some()),
    )
    .await;
    let receiver = webhook_rig::receiver_for(&handle, TOKEN, ReceiverLimits::default()).await;
    let url = format!("http://{}/webhook/{TOKEN}", receiver.local_addr());
    Running {
        sim,
        handle,
        url,
        receiver,
    }
}

async fn post(url: &str, body: &str) -> u16 {
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("delivered")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_notification_daemon_delays_no_escalation_poll_or_webhook_reply() {
    let (release, gate) = std::sync::mpsc::channel::<()>();
    let recorder = Recorder::default();
    let notifier = HangingNotifier {
        release: Arc::new(Mutex::new(gate)),
        recorder: recorder.clone(),
    };
    let run = start(
        0,
        |i, _| settings(i),
        Arc::new(halo_api::SystemClock),
        Arc::new(notifier),
    )
    .await;
    let mut events = run.handle.subscribe();
    // The first alert's popup hangs the daemon.
    let first = run.sim.create_ticket(new_ticket("VPN down"));
    run.handle.poll_now();
    wait_for(&mut events, |e| {
        matches!(e, EngineEvent::Notified { notification } if notification.ticket_id == Some(first.into()))
    })
    .await;
    // While it hangs: a second ticket is polled and its escalation fires...
    let second = run.sim.create_ticket(new_ticket("Printer on fire"));
    run.handle.poll_now();
    wait_for(&mut events, |e| {
        matches!(e, EngineEvent::Notified { notification } if notification.ticket_id == Some(second.into()))
    })
    .await;
    // ...and a webhook is answered.
    let third = run.sim.create_ticket(new_ticket("Mail queue stuck"));
    let body = format!(r#"{{"TicketID":{third},"Subject":"Mail queue stuck","Status":"New"}}"#);
    let status = tokio::time::timeout(PATIENCE, post(&run.url, &body))
        .await
        .expect("the webhook reply did not wait for the notifier");
    assert_eq!(status, 202);
    assert!(recorder.all().is_empty(), "the daemon is still hanging");
    // Once the daemon answers, nothing was lost.
    drop(release);
    for id in [first, second, third] {
        recorder
            .next(|n| n.kind == NotificationKind::Notification && n.ticket_id == Some(id.into()))
            .await;
    }
    run.handle.shutdown();
    run.receiver.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desktop_clock_ahead_of_halo_misses_no_change() {
    let recorder = Recorder::default();
    // Ten minutes ahead: a delta based on the desktop's clock would ask Halo
    // for changes since nine minutes in Halo's future.
    let run = start(
        3,
        |i, _| settings(i),
        Arc::new(AheadClock(chrono::Duration::minutes(10))),
        Arc::new(recorder.clone()),
    )
    .await;
    let id = run.sim.create_ticket(new_ticket("Server room too hot"));
    let mut events = run.handle.subscribe();
    run.handle.poll_now();
    wait_for(&mut events, |e| matches!(e, EngineEvent::Intake { .. })).await;
    recorder
        .next(|n| n.kind == NotificationKind::Notification && n.ticket_id == Some(id.into()))
        .await;
    run.handle.shutdown();
    run.receiver.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batched_webhook_applies_every_ticket_and_deduplicates_each() {
    let recorder = Recorder::default();
    let run = start(
        0,
        |i, _| settings(i),
        Arc::new(halo_api::SystemClock),
        Arc::new(recorder.clone()),
    )
    .await;
    let a = run.sim.create_ticket(new_ticket("Disk full"));
    let b = run.sim.create_ticket(new_ticket("Backup failed"));
    let body = format!(
        r#"[{{"TicketID":{a},"Subject":"Disk full","Status":"New"}},
            {{"TicketID":{b},"Subject":"Backup failed","Status":"New"}}]"#
    );
    assert_eq!(post(&run.url, &body).await, 202);
    for id in [a, b] {
        recorder
            .next(|n| n.kind == NotificationKind::Notification && n.ticket_id == Some(id.into()))
            .await;
    }
    // The same batch again: both elements are duplicates.
    assert_eq!(post(&run.url, &body).await, 200);
    let log = run.handle.inbound_log(20).await.expect("log");
    for id in [a, b] {
        let outcomes: Vec<InboundOutcome> = log
            .iter()
            .filter(|r| r.ticket_id == Some(id.into()))
            .map(|r| r.outcome)
            .collect();
        assert_eq!(
            outcomes,
            vec![InboundOutcome::Duplicate, InboundOutcome::Created],
            "ticket {id}"
        );
    }
    run.handle.shutdown();
    run.receiver.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_closes_as_the_closed_status_the_user_picks() {
    let recorder = Recorder::default();
    const RESOLVED: i32 = 8;
    let run = start(
        0,
        |i, sim| EngineSettings {
            // Halo's "Resolved" counts as closed here too.
            closed_status_ids: vec![sim.closed_status_id(), RESOLVED],
            ..settings(i)
        },
        Arc::new(halo_api::SystemClock),
        Arc::new(recorder.clone()),
    )
    .await;
    let statuses = run.handle.closed_statuses().await.expect("statuses");
    let names: Vec<(i32, &str)> = statuses.iter().map(|s| (s.id, s.name.as_str())).collect();
    assert_eq!(
        names,
        vec![
            (run.sim.closed_status_id(), "Closed"),
            (RESOLVED, "Resolved")
        ]
    );
    let id = run.sim.create_ticket(new_ticket("Password reset"));
    run.handle.poll_now();
    recorder
        .next(|n| n.kind == NotificationKind::Notification && n.ticket_id == Some(id.into()))
        .await;
    let open_status = 2;
    let refused = run
        .handle
        .close(id.into(), "Done", Some(open_status))
        .await
        .expect_err("an open status is refused");
    assert!(
        refused
            .to_string()
            .contains("not one of Halo's closed statuses")
    );
    let mut events = run.handle.subscribe();
    run.handle
        .close(id.into(), "Reset and confirmed", Some(RESOLVED))
        .await
        .expect("close queued");
    wait_for(&mut events, |_| {
        run.sim.ticket(id).is_some_and(|t| t.status_id == RESOLVED)
    })
    .await;
    run.handle.shutdown();
    run.receiver.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_refused_for_credentials_waits_for_the_user_then_goes_through() {
    let recorder = Recorder::default();
    let run = start(
        0,
        |i, _| EngineSettings {
            acknowledge: alert_engine::AcknowledgeWriteBack {
                take: false,
                note: true,
            },
            ..settings(i)
        },
        Arc::new(halo_api::SystemClock),
        Arc::new(recorder.clone()),
    )
    .await;
    let id = run.sim.create_ticket(new_ticket("Laptop stolen"));
    run.handle.poll_now();
    recorder
        .next(|n| n.kind == NotificationKind::Notification && n.ticket_id == Some(id.into()))
        .await;
    // The API application lost its edit permission.
    run.sim.inject(
        halo_sim::Fault::once(halo_sim::FaultKind::Forbidden {
            permission: "edit:tickets".into(),
        })
        .on_path("/api/Actions"),
    );
    let mut events = run.handle.subscribe();
    run.handle
        .acknowledge(id.into(), "Alex Tech")
        .await
        .expect("acknowledged");
    wait_for(&mut events, |e| {
        matches!(e, EngineEvent::WriteWaiting { .. })
    })
    .await;
    let items = run.handle.outbox_items(None).await.expect("outbox");
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0].state,
        alert_store::OutboxState::Pending,
        "not failed for good"
    );
    assert!(
        items[0]
            .held
            .as_deref()
            .is_some_and(|h| h.contains("edit:tickets")),
        "{:?}",
        items[0].held
    );
    // Fixed in Halo: the write goes through once resumed.
    run.handle.resume_held_writes().await.expect("resumed");
    wait_for(&mut events, |e| matches!(e, EngineEvent::Written { .. })).await;
    let notes: Vec<String> = run
        .sim
        .actions(id)
        .into_iter()
        .map(|a| a.note_html)
        .filter(|n| n.contains("Acknowledged by Alex Tech"))
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    run.handle.shutdown();
    run.receiver.shutdown().await;
}

/// The database refuses what comes after a webhook event is stored (here:
/// recording its first notification, as a busy or full disk would): the
/// sender is told the event was taken, not asked to retry it, the timer
/// shows the notification once it can, and a redelivery is a duplicate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_webhook_event_is_accepted_when_its_first_notification_cannot_be_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("alerts.sqlite");
    let recorder = Recorder::default();
    let run = start_over(
        Store::open(&path).expect("store"),
        0,
        |i, _| settings(i),
        Arc::new(halo_api::SystemClock),
        Arc::new(recorder.clone()),
    )
    .await;
    // Another connection makes every "notified" timeline entry fail: the
    // event's own transaction commits, the step after it does not.
    let other = rusqlite::Connection::open(&path).expect("second connection");
    other.busy_timeout(PATIENCE).expect("busy timeout");
    other
        .execute_batch(
            "CREATE TRIGGER fail_notified BEFORE INSERT ON alert_timeline
             WHEN NEW.kind = 'notified'
             BEGIN SELECT RAISE(ABORT, 'disk I/O error (injected)'); END;",
        )
        .expect("trigger");
    let id = run.sim.create_ticket(new_ticket("Core switch down"));
    let body = format!(r#"{{"TicketID":{id},"Subject":"Core switch down","Status":"New"}}"#);
    let status = post(&run.url, &body).await;
    assert!(
        (200..300).contains(&status),
        "the event is stored, so the sender must not retry it: got {status}"
    );
    let alert = run
        .handle
        .alert_for_ticket(id.into())
        .await
        .expect("query")
        .expect("the alert exists");
    assert!(recorder.all().is_empty(), "nothing could be shown yet");
    other
        .execute_batch("DROP TRIGGER fail_notified;")
        .expect("drop trigger");
    // The timer shows what could not be recorded before.
    recorder
        .next(|n| n.kind == NotificationKind::Notification && n.ticket_id == Some(id.into()))
        .await;
    // The sender delivers again anyway: a duplicate, not a second alert.
    assert_eq!(post(&run.url, &body).await, 200);
    let log = run.handle.inbound_log(20).await.expect("log");
    let outcomes: Vec<InboundOutcome> = log
        .iter()
        .filter(|r| r.ticket_id == Some(id.into()))
        .map(|r| r.outcome)
        .collect();
    assert_eq!(
        outcomes,
        vec![InboundOutcome::Duplicate, InboundOutcome::Created]
    );
    let again = run
        .handle
        .alert_for_ticket(id.into())
        .await
        .expect("query")
        .expect("the alert exists");
    assert_eq!(again.alert_id, alert.alert_id, "one alert for the ticket");
    run.handle.shutdown();
    run.receiver.shutdown().await;
}
