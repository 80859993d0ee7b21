//! The routes: the token is checked from the request line and headers
//! before a byte of the body is read; the body must then arrive within its
//! limits of size and time. Replies are small JSON objects built by serde.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use tower::limit::ConcurrencyLimitLayer;

use crate::{InboundWebhook, ReceiverConfig, Refusal, SinkReply, WebhookSink, WebhookToken};

struct AppState<S> {
    sink: Arc<S>,
    token: WebhookToken,
    body_limit: usize,
    body_timeout: Duration,
}

/// The routes, for serving or for calling directly in tests.
pub fn router<S: WebhookSink>(config: &ReceiverConfig, sink: Arc<S>) -> Router {
    let state = Arc::new(AppState {
        sink,
        token: config.token.clone(),
        body_limit: config.body_limit,
        body_timeout: config.limits.body_timeout,
    });
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/webhook", post(with_header_token::<S>))
        .route("/webhook/{token}", post(with_path_token::<S>))
        .layer(ConcurrencyLimitLayer::new(
            config.limits.max_in_flight.max(1),
        ))
        .with_state(state)
}

async fn with_path_token<S: WebhookSink>(
    State(state): State<Arc<AppState<S>>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let ok = state.token.matches(&token) || state.token.in_headers(&headers);
    handle(state, peer, ok, headers, body).await
}

async fn with_header_token<S: WebhookSink>(
    State(state): State<Arc<AppState<S>>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let ok = state.token.in_headers(&headers);
    handle(state, peer, ok, headers, body).await
}

async fn handle<S: WebhookSink>(
    state: Arc<AppState<S>>,
    peer: SocketAddr,
    authorised: bool,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if !authorised {
        // The sink logs refusals, coalesced per address: a flood must not
        // fill the log file either.
        tracing::debug!(%peer, "webhook refused: wrong or missing token");
        state.sink.refused(Refusal::BadToken, peer).await;
        let mut response = reply(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "put the webhook token at the end of the URL (/webhook/<token>), or send it as a Bearer token or as the Basic-auth password",
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Basic realm=\"halo-notifier\""),
        );
        return response;
    }
    let body = match read_body(&state, &headers, body).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
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
        SinkReply::Accepted => reply(StatusCode::ACCEPTED, "accepted", ""),
        SinkReply::Duplicate => reply(StatusCode::OK, "duplicate", "already processed"),
        SinkReply::Unusable(why) => reply(StatusCode::BAD_REQUEST, "unusable", &why),
        SinkReply::Failed(why) => reply(StatusCode::SERVICE_UNAVAILABLE, "retry", &why),
    }
}

/// The whole body, if it fits the size limit and arrives in time; a
/// declared length over the limit is refused without reading anything.
async fn read_body<S>(
    state: &AppState<S>,
    headers: &HeaderMap,
    body: Body,
) -> Result<axum::body::Bytes, Response> {
    let too_large = || {
        let detail = format!("the body is larger than {} bytes", state.body_limit);
        reply(StatusCode::PAYLOAD_TOO_LARGE, "too large", &detail)
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > state.body_limit as u64) {
        return Err(too_large());
    }
    match tokio::time::timeout(
        state.body_timeout,
        axum::body::to_bytes(body, state.body_limit),
    )
    .await
    {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(error)) => {
            let over_limit = error
                .into_inner()
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            if over_limit {
                Err(too_large())
            } else {
                Err(reply(
                    StatusCode::BAD_REQUEST,
                    "unreadable",
                    "the body could not be read",
                ))
            }
        }
        Err(_) => {
            let detail = format!(
                "the body did not arrive within {}s; send it in one go",
                state.body_timeout.as_secs_f32()
            );
            Err(reply(StatusCode::REQUEST_TIMEOUT, "too slow", &detail))
        }
    }
}

#[derive(Serialize)]
struct ReplyBody<'a> {
    status: &'a str,
    detail: &'a str,
}

fn reply(code: StatusCode, status: &str, detail: &str) -> Response {
    (code, axum::Json(ReplyBody { status, detail })).into_response()
}
