//! Webhooks over real HTTP: the simulator posts every payload shape to the
//! receiver in front of a running engine; each is accepted, re-fetched from
//! Halo, notified once, and a repeat delivery changes nothing.

use std::sync::Arc;

use alert_engine::{Engine, NotificationKind, TeamRef};
use alert_runtime::EngineHandle;
use alert_store::{AlertFilter, AlertState, InboundOutcome, Store};
use halo_notifier_tests::{Recorder, client_for, webhook_rig};
use halo_sim::{NewTicket, SimConfig, TemplateRendering, WebhookAuth, WebhookShape};
use webhook_receiver::ReceiverLimits;

const TOKEN: &str = "test-token-0123456789abcdef";
const NASTY: &str = "He said \"hi\"\n\tand left \\ ünïcødé 🚀 <b>bold</b>";

struct Setup {
    sim: halo_sim::SimHandle,
    handle: EngineHandle,
    recorder: Recorder,
    url: String,
    receiver: webhook_receiver::Receiver,
}

async fn setup() -> Setup {
    let sim = halo_sim::start(SimConfig {
        seed_tickets: 0,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let halo = Arc::new(client_for(&sim.base_url()));
    let settings = webhook_rig::engine_settings(
        &halo,
        TeamRef::Name("Service Desk".into()),
        webhook_rig::WEBHOOKS_ONLY,
    );
    let engine = Engine::new(Store::open_in_memory().expect("store"), settings).expect("engine");
    let recorder = Recorder::default();
    let handle = EngineHandle::new(
        engine,
        Arc::new(halo_api::SystemClock),
        Arc::new(recorder.clone()),
        Some(halo.clone()),
    );
    // Who "me" is and the closed statuses, as the poller would learn them.
    handle.learn_instance(&halo).await.expect("learn");
    let receiver = webhook_rig::receiver_for(&handle, TOKEN, ReceiverLimits::default()).await;
    let url = format!("http://{}/webhook", receiver.local_addr());
    Setup {
        sim,
        handle,
        recorder,
        url,
        receiver,
    }
}

fn ticket(summary: &str) -> NewTicket {
    NewTicket {
        summary: summary.to_owned(),
        details_html: "<p>details</p>".to_owned(),
        team_id: 1,
        agent_id: None,
        priority_id: 2,
        client_id: 5,
        site_id: 7,
        tickettype_id: 1,
        status_id: 1,
        user_name: None,
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
async fn every_payload_shape_is_accepted_notified_once_and_deduplicated() {
    let s = setup().await;
    let shapes = [
        (
            WebhookShape::Native {
                event: "New Ticket Logged".into(),
            },
            TemplateRendering::Json,
        ),
        (WebhookShape::IlertRecommended, TemplateRendering::Json),
        (WebhookShape::IlertRecommended, TemplateRendering::NaiveText),
        (WebhookShape::IlertFull, TemplateRendering::Json),
        (WebhookShape::IlertFull, TemplateRendering::NaiveText),
        (WebhookShape::Signl4, TemplateRendering::Json),
        (WebhookShape::Signl4, TemplateRendering::NaiveText),
    ];
    for (i, (shape, rendering)) in shapes.into_iter().enumerate() {
        let id = s.sim.create_ticket(ticket(&format!("{NASTY} #{i}")));
        let body = s
            .sim
            .webhook_body(&shape, id, rendering)
            .expect("body renders");
        let url = format!("{}/{TOKEN}", s.url);
        assert_eq!(
            post(&url, &body).await,
            202,
            "{shape:?} {rendering:?}: {body}"
        );
        let n = s
            .recorder
            .next(|n| n.kind == NotificationKind::Notification && n.ticket_id == Some(id.into()))
            .await;
        assert!(
            n.title.ends_with(
                &format!("{NASTY} #{i}")
                    .replace(['\n', '\t'], " ")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            "{shape:?}: {}",
            n.title
        );
        // The same delivery again: 200, nothing new.
        assert_eq!(
            post(&url, &body).await,
            200,
            "{shape:?} {rendering:?} repeat"
        );
    }
    let shown = s
        .recorder
        .all()
        .into_iter()
        .filter(|n| n.kind == NotificationKind::Notification)
        .count();
    assert_eq!(shown, 7, "one notification per ticket");
    let log = s.handle.inbound_log(100).await.expect("log");
    assert_eq!(
        log.iter()
            .filter(|r| r.outcome == InboundOutcome::Duplicate)
            .count(),
        7
    );
    s.receiver.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_and_basic_auth_work_and_a_wrong_token_is_refused_and_logged() {
    let s = setup().await;
    let id = s.sim.create_ticket(ticket("Basic auth ticket"));
    let basic = WebhookAuth::Basic {
        user: "halo".into(),
        password: TOKEN.into(),
    };
    let status = s
        .sim
        .fire_webhook(
            &s.url,
            WebhookShape::Native {
                event: "New Ticket Logged".into(),
            },
            id,
            basic,
        )
        .await
        .expect("fired");
    assert_eq!(status, 202);
    let status = s
        .sim
        .fire_webhook(
            &s.url,
            WebhookShape::IlertRecommended,
            id,
            WebhookAuth::Bearer(TOKEN.into()),
        )
        .await
        .expect("fired");
    assert_eq!(status, 200, "the same change again is a duplicate");
    let wrong = format!("{}x", &TOKEN[..TOKEN.len() - 1]);
    let status = s
        .sim
        .fire_webhook(
            &s.url,
            WebhookShape::IlertRecommended,
            id,
            WebhookAuth::Bearer(wrong),
        )
        .await
        .expect("fired");
    assert_eq!(status, 401);
    let log = s.handle.inbound_log(10).await.expect("log");
    assert!(
        log.iter().any(|r| r.outcome == InboundOutcome::Rejected
            && r.reason.contains("wrong or missing webhook token")),
        "{log:?}"
    );
    assert!(log.iter().all(|r| !r.reason.contains(TOKEN)));
    s.receiver.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signl4_resolve_after_closing_in_halo_resolves_the_alert() {
    let s = setup().await;
    let id = s.sim.create_ticket(ticket("Switch down"));
    let url = format!("{}/{TOKEN}", s.url);
    let body = s
        .sim
        .webhook_body(&WebhookShape::Signl4, id, TemplateRendering::Json)
        .expect("body");
    assert_eq!(post(&url, &body).await, 202);
    s.sim.close(id, "Replaced the PSU").expect("close");
    let resolve = s
        .sim
        .webhook_body(&WebhookShape::Signl4Resolve, id, TemplateRendering::Json)
        .expect("body");
    assert_eq!(post(&url, &resolve).await, 202);
    let alerts = s.handle.list(AlertFilter::All).await.expect("list");
    assert_eq!(alerts[0].state, AlertState::Resolved);
    s.receiver.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nulls_odd_fields_and_unusable_bodies() {
    let s = setup().await;
    let id = s.sim.create_ticket(ticket("Null-heavy body"));
    let url = format!("{}/{TOKEN}", s.url);
    let nulls = format!(
        r#"{{"ticket": {{"id": "{id}", "summary": null, "status": null, "agent": null, "priority": {{"id": null}}}}}}"#
    );
    assert_eq!(post(&url, &nulls).await, 202);
    s.recorder
        .next(|n| n.ticket_id == Some(id.into()) && n.title.ends_with("Null-heavy body"))
        .await;
    assert_eq!(post(&url, "{\"hello\": \"world\"}").await, 400);
    let too_big = "x".repeat(webhook_receiver::DEFAULT_BODY_LIMIT + 1);
    assert_eq!(post(&url, &too_big).await, 413);
    let log = s.handle.inbound_log(10).await.expect("log");
    assert!(
        log.iter()
            .any(|r| r.outcome == InboundOutcome::Rejected && r.reason.contains("no ticket id"))
    );
    s.receiver.shutdown().await;
}

/// The raw status code of an HTTP/1.1 request whose body is sent in chunks
/// (no Content-Length up front, as a streaming sender does).
async fn post_chunked(url: &str, body: &[u8]) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = url::Url::parse(url).expect("url");
    let addr = format!(
        "{}:{}",
        url.host_str().expect("host"),
        url.port().expect("port")
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        url.path()
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    for chunk in body.chunks(64 * 1024) {
        let sent = async {
            stream
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            stream.write_all(chunk).await?;
            stream.write_all(b"\r\n").await
        };
        // The server may answer 413 and close before the rest is sent.
        if sent.await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response);
    text.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_body_limit_is_exactly_one_mebibyte_however_the_body_is_sent() {
    let s = setup().await;
    let id = s.sim.create_ticket(ticket("Big body"));
    let url = format!("{}/{TOKEN}", s.url);
    // A usable body padded with whitespace to exactly the limit.
    let mut exact = format!(r#"{{"ticket": {{"id": {id}, "summary": "Big body"}}}}"#).into_bytes();
    exact.resize(webhook_receiver::DEFAULT_BODY_LIMIT, b' ');
    assert_eq!(post_chunked(&url, &exact).await, 202);
    let mut over = exact.clone();
    over.push(b' ');
    assert_eq!(post_chunked(&url, &over).await, 413);
    assert_eq!(
        post(&url, &String::from_utf8(over).expect("ascii")).await,
        413
    );
    s.receiver.shutdown().await;
}
