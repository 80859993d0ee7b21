//! Webhook received → notification dispatched, over loopback HTTP: 1,000
//! native Halo webhooks, each for a new ticket, through the receiver, the
//! parser, a re-fetch of the ticket from the simulator, the engine (SQLite
//! file) and the notifier. Goal: p99 ≤ 20 ms.
//!
//! Each figure runs from just before the POST is sent to the moment the
//! notifier is called, so it includes the client's send: an upper bound.
//! `cargo bench -p halo-notifier-tests --bench webhook_latency`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use alert_engine::{Engine, TeamRef};
use alert_runtime::EngineHandle;
use alert_store::Store;
use halo_notifier_tests::stopwatch::{Stopwatch, percentile};
use halo_notifier_tests::{client_for, webhook_rig};
use halo_sim::{NewTicket, SimConfig, TemplateRendering, WebhookShape};
use webhook_receiver::ReceiverLimits;

const TOKEN: &str = "bench-token-0123456789abcdef";

fn main() {
    let events = if std::env::args().any(|a| a == "--bench") {
        1000
    } else {
        50
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(events));
}

async fn run(events: usize) {
    let sim = halo_sim::start(SimConfig {
        seed_tickets: 0,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let halo = Arc::new(client_for(&sim.base_url()));
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("alerts.sqlite")).expect("store");
    let engine = Engine::new(
        store,
        webhook_rig::engine_settings(&halo, TeamRef::Id(1), webhook_rig::WEBHOOKS_ONLY),
    )
    .expect("engine");
    let stopwatch = Arc::new(Stopwatch::default());
    let handle = EngineHandle::new(
        engine,
        Arc::new(halo_api::SystemClock),
        stopwatch.clone(),
        Some(halo.clone()),
    );
    handle.learn_instance(&halo).await.expect("learn");
    let receiver = webhook_rig::receiver_for(&handle, TOKEN, ReceiverLimits::default()).await;
    let url = format!("http://{}/webhook/{TOKEN}", receiver.local_addr());
    let bodies: Vec<(i64, String)> = (0..events)
        .map(|i| {
            let id = sim.create_ticket(NewTicket {
                summary: format!("Bench ticket {i}"),
                details_html: "<p>bench</p>".into(),
                team_id: 1,
                agent_id: None,
                priority_id: 3,
                client_id: 1,
                site_id: 1,
                tickettype_id: 1,
                status_id: 1,
                user_name: None,
            });
            let body = sim
                .webhook_body(
                    &WebhookShape::Native {
                        event: "New Ticket Logged".into(),
                    },
                    id,
                    TemplateRendering::Json,
                )
                .expect("body");
            (i64::from(id), body)
        })
        .collect();
    let http = reqwest::Client::new();
    let mut latencies = Vec::with_capacity(events);
    for (id, body) in bodies {
        let sent = Instant::now();
        let status = http
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("sent")
            .status();
        assert_eq!(status.as_u16(), 202);
        let (at, _) = stopwatch.wait_for(id, Duration::from_secs(10));
        latencies.push(at - sent);
    }
    latencies.sort();
    println!(
        "webhook → notification over {events} events: p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1]
    );
    receiver.shutdown().await;
}
