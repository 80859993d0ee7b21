//! Ticket logged in Halo → notification, when the app only polls (no
//! webhook): tickets created at random moments against the simulator, the
//! real poller asking for changes every 2 s. The delay is the wait for the
//! next poll plus the app's own work; the second part does not depend on
//! the interval, so it is reported apart (notification − start of the
//! first delta request after the ticket was logged), and the delay at the
//! default 30 s interval follows: on average half the interval plus that.
//!
//! `cargo bench -p halo-notifier-tests --bench poll_latency` (40 tickets;
//! a 4-ticket smoke run under `cargo test`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use alert_engine::{Engine, PollSettings, TeamRef};
use alert_runtime::EngineHandle;
use alert_store::Store;
use chrono::{DateTime, Utc};
use halo_notifier_tests::stopwatch::{Stopwatch, percentile};
use halo_notifier_tests::{client_for, webhook_rig};
use halo_sim::{NewTicket, SimConfig};

const INTERVAL: Duration = Duration::from_secs(2);

fn main() {
    let tickets = if std::env::args().any(|a| a == "--bench") {
        40
    } else {
        4
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(tickets));
}

/// A small deterministic spread of creation moments within a poll interval.
fn offsets(n: usize) -> impl Iterator<Item = Duration> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n).map(move |_| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        Duration::from_millis(x % INTERVAL.as_millis() as u64)
    })
}

async fn run(tickets: usize) {
    let sim = halo_sim::start(SimConfig {
        seed_tickets: 20,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let halo = Arc::new(client_for(&sim.base_url()));
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("alerts.sqlite")).expect("store");
    let engine = Engine::new(
        store,
        webhook_rig::engine_settings(&halo, TeamRef::Id(1), INTERVAL),
    )
    .expect("engine");
    let stopwatch = Arc::new(Stopwatch::default());
    let handle = EngineHandle::new(
        engine,
        Arc::new(halo_api::SystemClock),
        stopwatch.clone(),
        Some(halo.clone()),
    );
    handle.start();

    let mut delays = Vec::with_capacity(tickets);
    let mut work = Vec::with_capacity(tickets);
    for (n, wait) in offsets(tickets).enumerate() {
        tokio::time::sleep(wait).await;
        let (created, created_wall) = (Instant::now(), Utc::now());
        let id = sim.create_ticket(NewTicket {
            summary: format!("Poll bench ticket {n}"),
            details_html: "<p>bench</p>".into(),
            team_id: 1,
            agent_id: None,
            priority_id: 2,
            client_id: 1,
            site_id: 1,
            tickettype_id: 1,
            status_id: 1,
            user_name: None,
        });
        let (shown, shown_wall) = tokio::task::spawn_blocking({
            let stopwatch = stopwatch.clone();
            move || stopwatch.wait_for(i64::from(id), INTERVAL * 10)
        })
        .await
        .expect("joined");
        delays.push(shown - created);
        if let Some(poll) = first_delta_after(&sim, created_wall) {
            work.push((shown_wall - poll).to_std().unwrap_or_default());
        }
    }
    delays.sort();
    work.sort();
    let p50 = percentile(&work, 0.5);
    println!(
        "logged → notified, polling every {INTERVAL:?}, {tickets} tickets: p50 {:.1?}, p90 {:.1?}, max {:.1?}",
        percentile(&delays, 0.5),
        percentile(&delays, 0.9),
        delays[delays.len() - 1]
    );
    println!(
        "  of which the app's own work (delta request sent → notification): p50 {p50:.1?}, p99 {:.1?}, max {:.1?}",
        percentile(&work, 0.99),
        work[work.len() - 1]
    );
    let default = PollSettings::default().interval;
    println!(
        "  at the default {default:?} interval: about {:.1?} on average, at most {:.1?}",
        default / 2 + p50,
        default + percentile(&work, 0.99)
    );
    handle.shutdown();
}

/// When the first delta list request after `after` was sent.
fn first_delta_after(sim: &halo_sim::SimHandle, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    sim.requests()
        .into_iter()
        .filter(|r| r.path.eq_ignore_ascii_case("/api/tickets") && r.at >= after)
        .filter(|r| r.query_value("lastupdatefromdate").is_some())
        .map(|r| r.at)
        .min()
}
