//! Webhooks leaving the simulator, and the `/_sim` control API.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use halo_sim::{SimConfig, TemplateRendering, WebhookAuth, WebhookShape};
use serde_json::{Value, json};
use tokio::sync::mpsc;

type Delivery = (HeaderMap, Bytes);

/// A receiver that hands every delivery to the test and answers 202.
async fn receiver() -> (String, mpsc::UnboundedReceiver<Delivery>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new()
        .route(
            "/hook/{secret}",
            post(
                |State(tx): State<mpsc::UnboundedSender<Delivery>>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let _ = tx.send((headers, body));
                    axum::http::StatusCode::ACCEPTED
                },
            ),
        )
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind receiver");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook/s3cret"), rx)
}

#[tokio::test]
async fn native_webhook_carries_the_event_and_small_ticket() {
    let sim = halo_sim::start(SimConfig::default()).await.expect("start");
    let (url, mut rx) = receiver().await;
    let id = sim.tickets()[0].id;
    let status = sim
        .fire_webhook(
            &url,
            WebhookShape::Native {
                event: "Ticket Status Changed".into(),
            },
            id,
            WebhookAuth::Bearer("tok".into()),
        )
        .await
        .expect("delivered");
    assert_eq!(status, 202);
    let (headers, body) = rx.recv().await.expect("delivery");
    assert_eq!(
        headers.get("authorization").and_then(|v| v.to_str().ok()),
        Some("Bearer tok")
    );
    let v: Value = serde_json::from_slice(&body).expect("native payloads are JSON");
    assert_eq!(v["event"], json!("Ticket Status Changed"));
    assert_eq!(v["object_id"], json!(id));
    for key in ["id", "status_id", "team_id", "agent_id", "hasbeenclosed"] {
        assert!(v["ticket"].get(key).is_some(), "{key}");
    }
}

#[tokio::test]
async fn naive_templates_can_break_json_and_basic_auth_is_sent() {
    let sim = halo_sim::start(SimConfig::default()).await.expect("start");
    let (url, mut rx) = receiver().await;
    let id = sim.create_ticket(halo_sim::NewTicket::new("Says \"hello\""));
    sim.fire_webhook_rendered(
        &url,
        WebhookShape::Signl4,
        id,
        WebhookAuth::Basic {
            user: "halo".into(),
            password: "pw".into(),
        },
        TemplateRendering::NaiveText,
    )
    .await
    .expect("delivered");
    let (headers, body) = rx.recv().await.expect("delivery");
    assert!(
        headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Basic "))
    );
    assert!(serde_json::from_slice::<Value>(&body).is_err());
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains(&format!("\"HaloPSA-{id}\"")));
}

#[tokio::test]
async fn the_control_api_scripts_a_running_sim() {
    let sim = halo_sim::start(SimConfig::default()).await.expect("start");
    let http = reqwest::Client::new();
    let base = sim.base_url();

    let created: Value = http
        .post(format!("{base}/_sim/tickets"))
        .json(&json!({ "summary": "From the CLI", "priority_id": 1 }))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("JSON");
    let id = i32::try_from(created["id"].as_i64().expect("id")).expect("fits");
    assert_eq!(sim.ticket(id).map(|t| t.priority_id), Some(1));

    let closed = http
        .post(format!("{base}/_sim/tickets/{id}/close"))
        .json(&json!({ "note": "done" }))
        .send()
        .await
        .expect("close");
    assert!(closed.status().is_success());
    assert_eq!(sim.ticket(id).map(|t| t.hasbeenclosed), Some(true));

    let fault = http
        .post(format!("{base}/_sim/faults"))
        .json(&json!({ "kind": "server-error", "times": 1 }))
        .send()
        .await
        .expect("fault");
    assert!(fault.status().is_success());
    let r = http
        .get(format!("{base}/api/Status"))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), reqwest::StatusCode::INTERNAL_SERVER_ERROR);

    let requests: Value = http
        .get(format!("{base}/_sim/requests"))
        .send()
        .await
        .expect("requests")
        .json()
        .await
        .expect("JSON");
    let list = requests.as_array().expect("array");
    assert_eq!(list.len(), 1, "control calls are not recorded");
    assert_eq!(list[0]["status"], json!(500));

    let missing = http
        .post(format!("{base}/_sim/tickets/999999/reopen"))
        .send()
        .await
        .expect("reopen");
    assert_eq!(missing.status(), reqwest::StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn generator_logs_tickets_until_dropped() {
    let sim = halo_sim::start(SimConfig::default().with_seed_tickets(0))
        .await
        .expect("start");
    tokio::time::pause();
    let generator = sim.start_generator(std::time::Duration::from_secs(30));
    // Paused time only jumps ahead when every task is idle, so by the time
    // this 95 s sleep ends the ticks at 30, 60 and 90 s have all run.
    tokio::time::sleep(std::time::Duration::from_secs(95)).await;
    assert_eq!(sim.tickets().len(), 3);
    drop(generator);
    tokio::time::sleep(std::time::Duration::from_secs(300)).await;
    assert_eq!(sim.tickets().len(), 3);
}
