//! The receiver over real HTTP against clients that misbehave: slow
//! headers, trickling bodies, floods of wrong tokens, a hung request at
//! shutdown. Legitimate deliveries must still get through, promptly.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use webhook_receiver::{
    InboundWebhook, ReceiverConfig, ReceiverLimits, Refusal, SinkReply, WebhookSink, WebhookToken,
};

const TOKEN: &str = "correct-horse-battery-staple";
/// A bound for things that should take milliseconds, so a regression fails
/// the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(5);

#[derive(Default)]
struct Sink {
    accepted: Mutex<Vec<String>>,
    refused: AtomicUsize,
    /// A body "hang" blocks in the sink until the test ends.
    entered: Notify,
    never: Notify,
}

impl WebhookSink for Sink {
    async fn receive(&self, hook: InboundWebhook) -> SinkReply {
        let body = String::from_utf8_lossy(&hook.body).into_owned();
        if body == "hang" {
            self.entered.notify_one();
            self.never.notified().await;
        }
        self.accepted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(body);
        SinkReply::Accepted
    }

    async fn refused(&self, _reason: Refusal, _peer: SocketAddr) {
        self.refused.fetch_add(1, Ordering::SeqCst);
    }
}

async fn start(limits: ReceiverLimits) -> (webhook_receiver::Receiver, Arc<Sink>) {
    let sink = Arc::new(Sink::default());
    let config = ReceiverConfig {
        bind: "127.0.0.1:0".parse().expect("address"),
        token: WebhookToken::new(TOKEN).expect("token"),
        body_limit: webhook_receiver::DEFAULT_BODY_LIMIT,
        limits,
    };
    let receiver = webhook_receiver::bind(config, sink.clone())
        .await
        .expect("binds");
    (receiver, sink)
}

/// Sends raw bytes and reads until the server answers or closes.
async fn raw(addr: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut answer = vec![0u8; 4096];
    let read = tokio::time::timeout(PATIENCE, stream.read(&mut answer))
        .await
        .expect("the server answers or closes in time")
        .unwrap_or(0);
    String::from_utf8_lossy(&answer[..read]).into_owned()
}

fn headers_only(path: &str, content_length: usize) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: halo\r\nContent-Type: application/json\r\nContent-Length: {content_length}\r\n\r\n"
    )
}

async fn deliver(addr: SocketAddr, body: &'static str) -> reqwest::StatusCode {
    let response = tokio::time::timeout(
        PATIENCE,
        reqwest::Client::new()
            .post(format!("http://{addr}/webhook/{TOKEN}"))
            .body(body)
            .send(),
    )
    .await
    .expect("a legitimate delivery is answered promptly")
    .expect("answered");
    response.status()
}

#[tokio::test]
async fn a_wrong_token_is_refused_without_reading_the_body() {
    let (receiver, sink) = start(ReceiverLimits {
        body_timeout: Duration::from_secs(60),
        ..ReceiverLimits::default()
    })
    .await;
    // A megabyte is announced and never sent: only a server that checks
    // the token first can answer.
    let answer = raw(
        receiver.local_addr(),
        &headers_only("/webhook/wrong-token-wrong-token", 1_000_000),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    let json: serde_json::Value = serde_json::from_str(body).expect("a JSON reply");
    assert_eq!(json["status"], "unauthorized");
    assert_eq!(sink.refused.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_body_that_trickles_is_cut_off() {
    let (receiver, sink) = start(ReceiverLimits {
        body_timeout: Duration::from_millis(300),
        ..ReceiverLimits::default()
    })
    .await;
    let mut request = headers_only(&format!("/webhook/{TOKEN}"), 100);
    request.push_str("{\"id\":");
    let answer = raw(receiver.local_addr(), &request).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        sink.accepted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    );
}

#[tokio::test]
async fn headers_that_never_end_are_cut_off() {
    let (receiver, _sink) = start(ReceiverLimits {
        header_timeout: Duration::from_millis(300),
        ..ReceiverLimits::default()
    })
    .await;
    // The connection is closed (with or without a 408) instead of held.
    let answer = raw(
        receiver.local_addr(),
        "POST /webhook HTTP/1.1\r\nHost: halo\r\nX-Slow: ",
    )
    .await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
}

#[tokio::test]
async fn slow_and_flooding_clients_do_not_stall_legitimate_events() {
    let (receiver, sink) = start(ReceiverLimits {
        header_timeout: Duration::from_secs(60),
        body_timeout: Duration::from_secs(60),
        max_in_flight: 4,
        ..ReceiverLimits::default()
    })
    .await;
    let addr = receiver.local_addr();
    // Slowloris: headers that never end.
    let mut slow_headers = TcpStream::connect(addr).await.expect("connects");
    slow_headers
        .write_all(b"POST /webhook HTTP/1.1\r\nHost: halo\r\n")
        .await
        .expect("writes");
    // A body that trickles, with the right token.
    let mut trickle = TcpStream::connect(addr).await.expect("connects");
    trickle
        .write_all(format!("{}{{", headers_only(&format!("/webhook/{TOKEN}"), 500)).as_bytes())
        .await
        .expect("writes");
    // A flood of wrong tokens announcing bodies they never send.
    let flood: Vec<_> = (0..200)
        .map(|_| {
            tokio::spawn(async move {
                raw(addr, &headers_only("/webhook/not-the-token-at-all", 50_000)).await
            })
        })
        .collect();
    let started = Instant::now();
    assert_eq!(
        deliver(addr, "{\"id\":1}").await,
        reqwest::StatusCode::ACCEPTED
    );
    assert!(started.elapsed() < PATIENCE, "{:?}", started.elapsed());
    for answer in flood {
        let answer = answer.await.expect("flood task");
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    }
    let accepted = sink
        .accepted
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    assert_eq!(accepted, ["{\"id\":1}"]);
    drop((slow_headers, trickle));
}

#[tokio::test]
async fn shutdown_completes_within_its_bound_with_a_hung_request_and_client() {
    let grace = Duration::from_millis(300);
    let (receiver, sink) = start(ReceiverLimits {
        header_timeout: Duration::from_secs(60),
        body_timeout: Duration::from_secs(60),
        shutdown_grace: grace,
        ..ReceiverLimits::default()
    })
    .await;
    let addr = receiver.local_addr();
    let mut idle = TcpStream::connect(addr).await.expect("connects");
    idle.write_all(b"POST /webhook HTTP/1.1\r\n")
        .await
        .expect("writes");
    let hung = tokio::spawn(deliver_hang(addr));
    sink.entered.notified().await;
    let started = Instant::now();
    tokio::time::timeout(PATIENCE, receiver.shutdown())
        .await
        .expect("shutdown is bounded");
    assert!(
        started.elapsed() >= grace,
        "in-flight requests get their grace"
    );
    hung.abort();
    drop(idle);
}

async fn deliver_hang(addr: SocketAddr) {
    let _ = reqwest::Client::new()
        .post(format!("http://{addr}/webhook/{TOKEN}"))
        .body("hang")
        .send()
        .await;
}

#[tokio::test]
async fn replies_are_valid_json_whatever_the_detail_holds() {
    struct Odd;
    impl WebhookSink for Odd {
        async fn receive(&self, _hook: InboundWebhook) -> SinkReply {
            SinkReply::Unusable("quote \" backslash \\ newline \n tab \t nul \0 é".to_owned())
        }
        async fn refused(&self, _reason: Refusal, _peer: SocketAddr) {}
    }
    let config = ReceiverConfig {
        bind: "127.0.0.1:0".parse().expect("address"),
        token: WebhookToken::new(TOKEN).expect("token"),
        body_limit: 1024,
        limits: ReceiverLimits::default(),
    };
    let receiver = webhook_receiver::bind(config, Arc::new(Odd))
        .await
        .expect("binds");
    let response = reqwest::Client::new()
        .post(format!("http://{}/webhook/{TOKEN}", receiver.local_addr()))
        .body("{}")
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST);
    let json: serde_json::Value = response.json().await.expect("valid JSON");
    assert_eq!(
        json["detail"],
        "quote \" backslash \\ newline \n tab \t nul \0 é"
    );
}
