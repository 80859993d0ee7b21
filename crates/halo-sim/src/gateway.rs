//! The path every request takes before a route sees it: IIS-style
//! case-insensitive paths, recording, injected faults, the rate limit and the
//! bearer-token check. Control requests (`/_sim/*`) skip all but the first.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, Uri, header};
use axum::response::Response;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use serde_json::json;
use tower::ServiceExt;

use crate::auth::{self, AuthContext};
use crate::dates;
use crate::faults::{FaultKind, RequestClass};
use crate::halo_error;
use crate::page_change;
use crate::record::RecordedRequest;
use crate::shared::{Shared, lock};

/// Bodies larger than this are refused (413) rather than buffered.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Returned to hyper to make it close the connection without answering.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped on purpose")]
pub(crate) struct ConnectionDropped;

/// `reset` is the connection's: set, the server aborts the socket (RST)
/// instead of closing it once this request ends without an answer.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    router: Router,
    peer: SocketAddr,
    reset: Arc<AtomicBool>,
    request: hyper::Request<Incoming>,
) -> Result<Response, ConnectionDropped> {
    let (mut parts, body) = request.into_parts();
    let bytes = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            let mut response = halo_error::bad_request("The request body is too large.");
            *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            return Ok(response);
        }
        // The client went away mid-body; nobody is left to answer.
        Err(_) => return Err(ConnectionDropped),
    };
    let original_path = parts.uri.path().to_owned();
    let raw_query = parts.uri.query().map(str::to_owned);
    let path = normalise_path(&original_path);
    let path_and_query = match &raw_query {
        Some(q) => format!("{path}?{q}"),
        None => path.clone(),
    };
    if let Ok(uri) = Uri::builder().path_and_query(path_and_query).build() {
        parts.uri = uri;
    }

    if path == "/_sim" || path.starts_with("/_sim/") {
        // `to_canonical` so ::ffff:127.0.0.1 (a dual-stack bind) counts as loopback.
        if !peer.ip().to_canonical().is_loopback() && !shared.config.control_from_any_address {
            return Ok(halo_error::json_response(
                StatusCode::FORBIDDEN,
                &json!({ "error": "the control API only answers loopback clients" }),
            ));
        }
        let request = Request::from_parts(parts, Body::from(bytes));
        return Ok(dispatch(router, request).await);
    }

    let recorded = RecordedRequest {
        method: parts.method.to_string(),
        path: original_path,
        query: raw_query
            .as_deref()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default(),
        authorization: parts
            .headers
            .get(header::AUTHORIZATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        status: None,
        at: dates::now(),
    };
    let method = recorded.method.clone();
    let first_page = page_change::is_first_page(&method, &path, &recorded.query);
    let seq = lock(&shared.recorder).push(recorded);
    let class = RequestClass::of(&path);
    let fault = lock(&shared.faults).take(&path, class, first_page);
    if fault.is_some() {
        tracing::debug!(%method, %path, ?fault, "injecting fault");
    }

    let mut truncate = false;
    let mut page_change = None;
    let early = match fault {
        None => None,
        Some(FaultKind::DropConnection) => {
            lock(&shared.recorder).set_status(seq, None);
            return Err(ConnectionDropped);
        }
        Some(FaultKind::ResetConnection) => {
            lock(&shared.recorder).set_status(seq, None);
            reset.store(true, Ordering::SeqCst);
            return Err(ConnectionDropped);
        }
        Some(FaultKind::Gateway { status }) => Some(halo_error::gateway(status)),
        Some(FaultKind::HugeBody { bytes }) => Some(halo_error::huge_body(bytes)),
        Some(FaultKind::ChangeBetweenPages { close, create }) => {
            page_change = Some((close, create));
            None
        }
        Some(FaultKind::RateLimited { retry_after }) => Some(halo_error::rate_limited(
            halo_error::RATE_LIMIT_TEXT,
            retry_after,
        )),
        Some(FaultKind::ServerError) => Some(halo_error::server_error(
            "An unexpected error occurred. Please contact your administrator.",
        )),
        Some(FaultKind::Forbidden { permission }) => Some(halo_error::forbidden(&permission)),
        Some(FaultKind::ErrorBody { status, shape }) => Some(halo_error::shaped(
            status,
            shape,
            "An error occurred processing the request.",
        )),
        Some(FaultKind::InvalidClient) => Some(halo_error::oauth(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            None,
        )),
        Some(FaultKind::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            None
        }
        Some(FaultKind::ExpireTokens) => {
            lock(&shared.tokens).expire_all();
            None
        }
        Some(FaultKind::MalformedJson) => {
            truncate = true;
            None
        }
    };

    let request = Request::from_parts(parts, Body::from(bytes));
    let mut response = match early {
        Some(response) => response,
        None => answer(&shared, router, request, class).await,
    };
    if truncate {
        response = truncate_body(response).await;
    }
    if let Some((close, create)) = page_change {
        response = page_change::after_first_page(&shared, response, close, create).await;
    }
    let status = response.status().as_u16();
    tracing::debug!(%method, %path, status, "answered");
    lock(&shared.recorder).set_status(seq, Some(status));
    Ok(response)
}

/// The normal answer: rate limit, token check, then the route.
async fn answer(
    shared: &Shared,
    router: Router,
    mut request: Request,
    class: RequestClass,
) -> Response {
    if matches!(class, RequestClass::Resource | RequestClass::AuthInfo)
        && let Some(rate) = &shared.rate
    {
        let mut window = lock(rate);
        if !window.try_acquire(Instant::now()) {
            return halo_error::rate_limited(&window.message(), None);
        }
    }
    if class == RequestClass::Resource {
        let scopes = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(auth::bearer_token)
            .and_then(|token| lock(&shared.tokens).validate(token));
        match scopes {
            Some(scopes) => {
                request.extensions_mut().insert(AuthContext { scopes });
            }
            None => return halo_error::unauthorized(),
        }
    }
    dispatch(router, request).await
}

async fn dispatch(router: Router, request: Request) -> Response {
    match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// IIS matches paths case-insensitively and ignores a trailing slash.
fn normalise_path(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_owned()
    } else {
        trimmed.to_ascii_lowercase()
    }
}

/// The MalformedJson fault: the first half of the real body.
async fn truncate_body(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let cut = if bytes.len() > 2 {
        bytes.slice(..bytes.len() / 2)
    } else {
        axum::body::Bytes::from_static(b"{\"")
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(cut))
}

#[cfg(test)]
mod tests {
    use super::normalise_path;

    #[test]
    fn paths_are_case_and_slash_insensitive() {
        assert_eq!(normalise_path("/api/Tickets/"), "/api/tickets");
        assert_eq!(normalise_path("/API/Agent/Me"), "/api/agent/me");
        assert_eq!(normalise_path("/"), "/");
        assert_eq!(normalise_path(""), "/");
    }
}
