//! The webhook endpoint. It only does transport: checks the token (last
//! path segment as SIGNL4 does, `Authorization: Bearer`, or the Basic-auth
//! password as Halo's native webhooks send it) in constant time, limits
//! the body, and maps what the [`WebhookSink`] made of it to a status code:
//! 202 accepted, 200 duplicate, 400 unusable, 401 bad token, 413 too large.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use subtle::ConstantTimeEq;

/// Halo's payloads are small; a megabyte leaves room for full tickets.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// Shorter tokens are guessable.
pub const MIN_TOKEN_LEN: usize = 16;

/// One delivery, minus its credentials.
#[derive(Debug, Clone)]
pub struct InboundWebhook {
    /// Lower-case names; `authorization` is never included.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub peer: SocketAddr,
}

/// What the engine made of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinkReply {
    Accepted,
    Duplicate,
    /// Logged, but nothing could be done with it.
    Unusable(String),
    /// Could not be processed now (e.g. the database is busy): the sender
    /// should retry.
    Failed(String),
}

/// Why a request was refused before the sink saw its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    BadToken,
}

/// Where accepted deliveries go.
pub trait WebhookSink: Send + Sync + 'static {
    fn receive(&self, hook: InboundWebhook) -> impl Future<Output = SinkReply> + Send;
    /// A refused request, for the inbound log; never with body or token.
    fn refused(&self, reason: Refusal, peer: SocketAddr) -> impl Future<Output = ()> + Send;
}

/// The shared secret, hidden from Debug output.
#[derive(Clone)]
pub struct WebhookToken(String);

impl WebhookToken {
    pub fn new(token: impl Into<String>) -> Result<Self, ReceiverError> {
        let token = token.into();
        if token.trim().len() < MIN_TOKEN_LEN {
            return Err(ReceiverError::WeakToken);
        }
        Ok(WebhookToken(token.trim().to_owned()))
    }

    /// Constant-time for equal lengths; the length of a random token is
    /// not what protects it.
    fn matches(&self, presented: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), presented.as_bytes());
        a.len() == b.len() && bool::from(a.ct_eq(b))
    }
}

impl std::fmt::Debug for WebhookToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookToken(hidden)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiverError {
    #[error(
        "the webhook token is too short (at least {MIN_TOKEN_LEN} characters): generate a long \
         random one, e.g. `openssl rand -hex 24`, and store it with \
         `halo-notifier-cli login --webhook-token`"
    )]
    WeakToken,
    #[error(
        "cannot listen for webhooks on {addr}: {source}; another program may use the port: \
         change [webhook] bind"
    )]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    pub bind: SocketAddr,
    pub token: WebhookToken,
    pub body_limit: usize,
}

struct AppState<S> {
    sink: Arc<S>,
    token: WebhookToken,
}

/// The routes, for serving or for calling directly in tests.
pub fn router<S: WebhookSink>(token: WebhookToken, body_limit: usize, sink: Arc<S>) -> Router {
    let state = Arc::new(AppState { sink, token });
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/webhook", post(with_header_token::<S>))
        .route("/webhook/{token}", post(with_path_token::<S>))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}

async fn with_path_token<S: WebhookSink>(
    State(state): State<Arc<AppState<S>>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ok = state.token.matches(&token) || header_token_matches(&state.token, &headers);
    handle(state, peer, ok, headers, body).await
}

async fn with_header_token<S: WebhookSink>(
    State(state): State<Arc<AppState<S>>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ok = header_token_matches(&state.token, &headers);
    handle(state, peer, ok, headers, body).await
}

fn header_token_matches(token: &WebhookToken, headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
    if scheme.eq_ignore_ascii_case("bearer") {
        return token.matches(rest.trim());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        // Any user name; the password is the token.
        return base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|pair| pair.split_once(':').map(|(_, pw)| pw.to_owned()))
            .is_some_and(|pw| token.matches(&pw));
    }
    false
}

async fn handle<S: WebhookSink>(
    state: Arc<AppState<S>>,
    peer: SocketAddr,
    authorised: bool,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorised {
        tracing::warn!(%peer, "webhook refused: wrong or missing token");
        state.sink.refused(Refusal::BadToken, peer).await;
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Basic realm=\"halo-notifier\"")],
            reply(
                "unauthorized",
                "put the webhook token at the end of the URL (/webhook/<token>), or send it as a Bearer token or as the Basic-auth password",
            ),
        )
            .into_response();
    }
    let headers = headers
        .iter()
        .filter(|(name, _)| *name != header::AUTHORIZATION)
        .filter_map(|(name, value)| {
            value
                .to_str()
                .ok()
                .map(|v| (name.as_str().to_owned(), v.to_owned()))
        })
        .collect();
    let hook = InboundWebhook {
        headers,
        body,
        peer,
    };
    match state.sink.receive(hook).await {
        SinkReply::Accepted => (StatusCode::ACCEPTED, reply("accepted", "")).into_response(),
        SinkReply::Duplicate => {
            (StatusCode::OK, reply("duplicate", "already processed")).into_response()
        }
        SinkReply::Unusable(why) => {
            (StatusCode::BAD_REQUEST, reply("unusable", &why)).into_response()
        }
        SinkReply::Failed(why) => {
            (StatusCode::SERVICE_UNAVAILABLE, reply("retry", &why)).into_response()
        }
    }
}

fn reply(status: &str, detail: &str) -> ([(header::HeaderName, &'static str); 1], String) {
    let body = format!(
        "{{\"status\":{},\"detail\":{}}}",
        json_string(status),
        json_string(detail)
    );
    ([(header::CONTENT_TYPE, "application/json")], body)
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A listening receiver.
pub struct Receiver {
    local_addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting and waits for requests in flight.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = self.task.await;
    }
}

/// Binds and starts serving in the background.
pub async fn bind<S: WebhookSink>(
    config: ReceiverConfig,
    sink: Arc<S>,
) -> Result<Receiver, ReceiverError> {
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|source| ReceiverError::Bind {
            addr: config.bind,
            source,
        })?;
    let local_addr = listener
        .local_addr()
        .map_err(|source| ReceiverError::Bind {
            addr: config.bind,
            source,
        })?;
    let app = router(config.token, config.body_limit, sink)
        .into_make_service_with_connect_info::<SocketAddr>();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "webhook receiver stopped");
        }
    });
    tracing::info!(%local_addr, "listening for webhooks");
    Ok(Receiver {
        local_addr,
        shutdown: Some(tx),
        task,
    })
}
