//! The webhook endpoint in front of a running engine under hostile input:
//! a wrong or missing token, the token in a place it is not accepted, an
//! oversized body, a slow body or slow headers, and a flood of ~1,000
//! requests/s from loopback for 10 s. Each bad request gets its documented
//! status code (or a timely close), and every legitimate event sent during
//! the flood is accepted and in the engine's store.
//!
//! The flood test prints its figures (`cargo test -p halo-notifier-tests
//! --test webhook_abuse -- --nocapture`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alert_engine::{Engine, TeamRef};
use alert_runtime::EngineHandle;
use alert_store::{AlertFilter, InboundOutcome, Store};
use halo_notifier_tests::{Recorder, client_for, webhook_rig};
use halo_sim::{NewTicket, SimConfig, TemplateRendering, WebhookShape};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use webhook_receiver::ReceiverLimits;

const TOKEN: &str = "abuse-token-0123456789abcdef";
/// A bound for answers that should take milliseconds.
const PROMPT: Duration = Duration::from_secs(5);

struct Setup {
    sim: halo_sim::SimHandle,
    handle: EngineHandle,
    receiver: webhook_receiver::Receiver,
    _recorder: Recorder,
    _dir: tempfile::TempDir,
}

impl Setup {
    fn addr(&self) -> SocketAddr {
        self.receiver.local_addr()
    }

    /// A ticket in Halo and its native webhook body.
    fn event(&self, summary: &str) -> (i32, String) {
        let id = self.sim.create_ticket(NewTicket {
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
        });
        let shape = WebhookShape::Native {
            event: "New Ticket Logged".into(),
        };
        let body = self
            .sim
            .webhook_body(&shape, id, TemplateRendering::Json)
            .expect("body renders");
        (id, body)
    }

    async fn alert_ticket_ids(&self) -> Vec<i64> {
        let alerts = self.handle.list(AlertFilter::All).await.expect("list");
        alerts.into_iter().map(|a| a.ticket_id).collect()
    }
}

async fn setup(limits: ReceiverLimits) -> Setup {
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
    // A database file, as the app runs: every refusal is a write to it.
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("alerts.sqlite3")).expect("store");
    let engine = Engine::new(store, settings).expect("engine");
    let recorder = Recorder::default();
    let handle = EngineHandle::new(
        engine,
        Arc::new(halo_api::SystemClock),
        Arc::new(recorder.clone()),
        Some(halo.clone()),
    );
    handle.learn_instance(&halo).await.expect("learn");
    let receiver = webhook_rig::receiver_for(&handle, TOKEN, limits).await;
    Setup {
        sim,
        handle,
        receiver,
        _recorder: recorder,
        _dir: dir,
    }
}

/// Writes `request` and returns the status code of the answer, or `None`
/// when the server closed without one; fails if neither happens promptly.
async fn raw_status(addr: SocketAddr, request: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    // The server may answer and close before all of it is written.
    let _ = stream.write_all(request).await;
    status_of(&mut stream).await
}

async fn status_of(stream: &mut TcpStream) -> Option<u16> {
    let mut answer = vec![0u8; 1024];
    let read = tokio::time::timeout(PROMPT, stream.read(&mut answer))
        .await
        .expect("the server answers or closes promptly")
        .unwrap_or(0);
    let text = String::from_utf8_lossy(&answer[..read]);
    text.strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
}

fn post(path: &str, headers: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: notifier\r\nContent-Type: application/json\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn basic(user: &str, password: &str) -> String {
    // Base64 by hand: the test crate has no encoder, and this is short.
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{user}:{password}").into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    format!("Authorization: Basic {out}\r\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_and_tokens_in_the_wrong_place_are_refused_before_the_engine() {
    let s = setup(ReceiverLimits::default()).await;
    let (id, body) = s.event("Must not be accepted");
    let wrong = format!("{}X", &TOKEN[..TOKEN.len() - 1]);
    let refused: Vec<(&str, String, String)> = vec![
        ("missing", "/webhook".into(), String::new()),
        (
            "wrong in the path",
            format!("/webhook/{wrong}"),
            String::new(),
        ),
        (
            "wrong Bearer",
            "/webhook".into(),
            format!("Authorization: Bearer {wrong}\r\n"),
        ),
        (
            "in the query string",
            format!("/webhook?token={TOKEN}"),
            String::new(),
        ),
        (
            "in the query string of the path route",
            format!("/webhook/x?token={TOKEN}"),
            String::new(),
        ),
        (
            "in a header of its own",
            "/webhook".into(),
            format!("X-Webhook-Token: {TOKEN}\r\nX-Api-Key: {TOKEN}\r\n"),
        ),
        (
            "as Authorization without a scheme",
            "/webhook".into(),
            format!("Authorization: {TOKEN}\r\n"),
        ),
        (
            "as the Basic user name",
            "/webhook".into(),
            basic(TOKEN, ""),
        ),
        (
            "in a cookie",
            "/webhook".into(),
            format!("Cookie: token={TOKEN}\r\n"),
        ),
    ];
    for (what, path, headers) in &refused {
        let status = raw_status(s.addr(), &post(path, headers, &body)).await;
        assert_eq!(status, Some(401), "token {what}: {path}");
    }
    // In the body: the body is never read without a token in the request.
    let with_token_inside = body.replacen('{', &format!("{{\"token\":\"{TOKEN}\","), 1);
    assert_eq!(
        raw_status(s.addr(), &post("/webhook", "", &with_token_inside)).await,
        Some(401),
        "token in the body"
    );
    // The same body with the token where it belongs goes through, so the
    // refusals above were about the token alone.
    assert_eq!(
        raw_status(s.addr(), &post(&format!("/webhook/{TOKEN}"), "", &body)).await,
        Some(202)
    );
    let log = s.handle.inbound_log(100).await.expect("log");
    let rejected = log
        .iter()
        .filter(|r| r.outcome == InboundOutcome::Rejected)
        .count();
    // Refusals from one address are coalesced: one row a minute (a flood
    // must not fill the disk), here the first of the burst above.
    assert_eq!(rejected, 1, "{log:?}");
    assert!(
        log.iter()
            .any(|r| r.reason.contains("wrong or missing webhook token")),
        "{log:?}"
    );
    assert!(log.iter().all(|r| {
        !r.reason.contains(TOKEN)
            && !r
                .payload_excerpt
                .as_deref()
                .unwrap_or_default()
                .contains(TOKEN)
    }));
    assert_eq!(s.alert_ticket_ids().await, vec![i64::from(id)]);
    s.receiver.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_slow_and_malformed_requests_get_their_status_or_a_prompt_close() {
    let limits = ReceiverLimits {
        header_timeout: Duration::from_millis(500),
        body_timeout: Duration::from_millis(500),
        ..ReceiverLimits::default()
    };
    let s = setup(limits).await;
    let addr = s.addr();
    let token_path = format!("/webhook/{TOKEN}");

    // A declared body over the limit is refused before it is sent.
    let head = format!(
        "POST {token_path} HTTP/1.1\r\nHost: notifier\r\nContent-Length: {}\r\n\r\n",
        webhook_receiver::DEFAULT_BODY_LIMIT * 4
    );
    let started = Instant::now();
    assert_eq!(raw_status(addr, head.as_bytes()).await, Some(413));
    assert!(started.elapsed() < PROMPT);

    // Slow body: the headers, then a byte every 100 ms, for ever.
    let (_, body) = s.event("Trickled");
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    let head = format!(
        "POST {token_path} HTTP/1.1\r\nHost: notifier\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    let started = Instant::now();
    let trickle = async {
        for byte in body.as_bytes() {
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            // The answer may already be waiting.
            let mut peek = [0u8; 16];
            if let Ok(Ok(n)) =
                tokio::time::timeout(Duration::from_millis(1), stream.peek(&mut peek)).await
                && n > 0
            {
                break;
            }
        }
    };
    tokio::time::timeout(PROMPT, trickle)
        .await
        .expect("the trickle is cut off");
    assert_eq!(status_of(&mut stream).await, Some(408));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "408 after {took:?}");

    // Slowloris: headers that never end are closed (with or without a 408).
    let started = Instant::now();
    let status = raw_status(
        addr,
        b"POST /webhook HTTP/1.1\r\nHost: notifier\r\nX-Slow: a",
    )
    .await;
    assert!(matches!(status, None | Some(408)), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(2));

    // Not HTTP at all; the wrong method; a path that is not the webhook.
    assert_eq!(
        raw_status(addr, b"\x16\x03\x01garbage\r\n\r\n").await,
        Some(400)
    );
    let get = format!("GET {token_path} HTTP/1.1\r\nHost: notifier\r\nConnection: close\r\n\r\n");
    assert_eq!(raw_status(addr, get.as_bytes()).await, Some(405));
    assert_eq!(
        raw_status(addr, &post(&format!("/hook/{TOKEN}"), "", "{}")).await,
        Some(404)
    );
    // A token and a body that names no ticket.
    assert_eq!(
        raw_status(addr, &post(&token_path, "", "{\"hello\":\"world\"}")).await,
        Some(400)
    );
    assert!(s.alert_ticket_ids().await.is_empty());
    s.receiver.shutdown().await;
}

/// What the flood's requests got back.
#[derive(Default)]
struct Tally {
    codes: BTreeMap<String, usize>,
}

impl Tally {
    fn add(&mut self, outcome: String) {
        *self.codes.entry(outcome).or_default() += 1;
    }

    fn total(&self) -> usize {
        self.codes.values().sum()
    }
}

/// A flood request's outcome: its status code, `closed` without one,
/// `connect failed`, or `no answer` within [`PROMPT`].
async fn flood_request(addr: SocketAddr, request: Vec<u8>) -> String {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return "connect failed".to_owned();
    };
    let _ = stream.write_all(&request).await;
    let mut answer = vec![0u8; 1024];
    match tokio::time::timeout(PROMPT, stream.read(&mut answer)).await {
        Err(_) => "no answer".to_owned(),
        Ok(read) => {
            let read = read.unwrap_or(0);
            let text = String::from_utf8_lossy(&answer[..read]);
            text.strip_prefix("HTTP/1.1 ")
                .and_then(|rest| rest.get(..3))
                .map_or_else(|| "closed".to_owned(), str::to_owned)
        }
    }
}

/// One flood request: mostly wrong tokens, some with no token, oversized
/// or not HTTP at all.
fn junk(i: usize) -> Vec<u8> {
    match i % 10 {
        0 => post("/webhook", "", "{\"ticket\":{\"id\":1}}"),
        1 => b"\x00\x01 not http\r\n\r\n".to_vec(),
        2 => format!(
            "POST /webhook/not-the-token-{i} HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n"
        )
        .into_bytes(),
        _ => post(
            &format!("/webhook/wrong-token-{i:08}-0123456789"),
            "",
            "{\"object_id\": 1, \"event\": \"New Ticket Logged\"}",
        ),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(at).copied().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legitimate_events_all_get_through_a_ten_second_flood() {
    const RATE: u64 = 1_000;
    const FLOOD: Duration = Duration::from_secs(10);
    const LEGITIMATE: usize = 40;
    let s = setup(ReceiverLimits::default()).await;
    let addr = s.addr();
    let events: Vec<(i32, String)> = (0..LEGITIMATE)
        .map(|i| s.event(&format!("Legitimate during the flood #{i}")))
        .collect();

    // The flood: RATE requests a second, 10 every 10 ms, each on its own
    // connection (as a scanner would), for FLOOD.
    let flood = tokio::spawn(async move {
        let mut tally = Tally::default();
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let mut running = tokio::task::JoinSet::new();
        let started = Instant::now();
        let mut sent = 0usize;
        while started.elapsed() < FLOOD {
            tick.tick().await;
            for _ in 0..RATE / 100 {
                let request = junk(sent);
                sent += 1;
                running.spawn(flood_request(addr, request));
            }
            while let Some(done) = running.try_join_next() {
                tally.add(done.expect("flood request"));
            }
        }
        while let Some(done) = running.join_next().await {
            tally.add(done.expect("flood request"));
        }
        (tally, started.elapsed())
    });

    // Meanwhile Halo's deliveries, one every 200 ms, each timed.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let http = reqwest::Client::new();
    let mut latencies = Vec::new();
    for (id, body) in &events {
        let started = Instant::now();
        let status = tokio::time::timeout(
            PROMPT,
            http.post(format!("http://{addr}/webhook/{TOKEN}"))
                .header("content-type", "application/json")
                .body(body.clone())
                .send(),
        )
        .await
        .unwrap_or_else(|_| panic!("ticket {id}: no answer within {PROMPT:?} during the flood"))
        .expect("answered")
        .status();
        latencies.push(started.elapsed());
        assert_eq!(status.as_u16(), 202, "ticket {id}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (tally, took) = flood.await.expect("flood");

    let mut stored = s.alert_ticket_ids().await;
    stored.sort_unstable();
    let mut expected: Vec<i64> = events.iter().map(|(id, _)| i64::from(*id)).collect();
    expected.sort_unstable();
    assert_eq!(stored, expected, "every legitimate event is in the store");
    // Every flood request was answered with a refusal or closed.
    let allowed = ["400", "401", "closed", "connect failed"];
    assert!(
        tally
            .codes
            .keys()
            .all(|code| allowed.contains(&code.as_str())),
        "{:?}",
        tally.codes
    );
    assert!(tally.codes.get("401").copied().unwrap_or(0) > 0);
    // And answered: a receiver that sheds most of a flood by closing
    // connections (its last resort at the connection cap) is not keeping up.
    let unanswered = ["closed", "connect failed", "no answer"]
        .iter()
        .map(|k| tally.codes.get(*k).copied().unwrap_or(0))
        .sum::<usize>();
    assert!(
        unanswered * 20 <= tally.total(),
        "{unanswered} of {} flood requests got no answer: {:?}",
        tally.total(),
        tally.codes
    );

    // Thousands of refusals from one address left one row in the inbound
    // log, not one each.
    let log = s.handle.inbound_log(50_000).await.expect("log");
    let refusal_rows = log
        .iter()
        .filter(|r| r.reason.contains("wrong or missing webhook token"))
        .count();
    assert_eq!(refusal_rows, 1, "{} rows in the inbound log", log.len());

    latencies.sort_unstable();
    let rate = tally.total() as f64 / took.as_secs_f64();
    eprintln!(
        "flood: {} requests in {:.1}s = {rate:.0}/s; status codes {:?}",
        tally.total(),
        took.as_secs_f64(),
        tally.codes
    );
    eprintln!(
        "legitimate events: {} of {} stored; latency p50 {:?}, p99 {:?}, max {:?}",
        stored.len(),
        events.len(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or_default()
    );
    s.receiver.shutdown().await;
}
