//! The client secret goes nowhere but the instance's own token URL: not
//! along a redirect, not to an auth server a tampered `authinfo` names.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{StatusCode, Uri, header};
use axum::response::IntoResponse;
use axum::routing::{any, get, post};
use halo_api::{ClientSecret, ConnectionSettings, HaloClient, HaloError, InstanceUrl};
use serde_json::json;

const SECRET: &str = "s3cret-that-must-not-travel";

/// Serves `app` on a loopback port.
async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// A server that records every request it gets, body included.
async fn collector() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = Router::new().fallback(any(move |uri: Uri, body: String| {
        let log = log.clone();
        async move {
            log.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(format!("{uri} {body}"));
            (
                StatusCode::OK,
                axum::Json(json!({"access_token": "stolen"})),
            )
        }
    }));
    (serve(app).await, seen)
}

fn settings(halo: SocketAddr) -> ConnectionSettings {
    let instance = InstanceUrl::parse(&format!("http://{halo}"), false).expect("loopback");
    ConnectionSettings::new(instance, "client-id")
}

fn client(settings: ConnectionSettings) -> HaloClient {
    HaloClient::new(settings, ClientSecret::new(SECRET)).expect("client")
}

#[tokio::test]
async fn a_redirected_token_request_does_not_carry_the_secret_along() {
    let (elsewhere, seen) = collector().await;
    let target = format!("http://{elsewhere}/auth/token");
    let app = Router::new()
        .route("/api/authinfo", get(|| async { axum::Json(json!({})) }))
        .route(
            "/auth/token",
            post(move || {
                let target = target.clone();
                async move {
                    (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, target)]).into_response()
                }
            }),
        );
    let halo = serve(app).await;
    let error = client(settings(halo))
        .statuses()
        .await
        .expect_err("redirect refused");
    assert!(
        matches!(error, HaloError::TokenRedirected { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains(&elsewhere.to_string()), "{message}");
    assert!(message.contains("auth_server"), "{message}");
    assert!(!message.contains(SECRET), "{message}");
    let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    assert!(
        seen.is_empty(),
        "the redirect target was contacted: {seen:?}"
    );
}

#[tokio::test]
async fn an_auth_server_on_another_origin_from_authinfo_is_refused() {
    let (elsewhere, seen) = collector().await;
    let foreign = format!("http://{elsewhere}/auth");
    let app = Router::new().route(
        "/api/authinfo",
        get(move || {
            let foreign = foreign.clone();
            async move { axum::Json(json!({ "auth_url": foreign })) }
        }),
    );
    let halo = serve(app).await;
    let mut settings = settings(halo);
    // Even where plain http is allowed, another origin is not.
    settings.allow_insecure_http = true;
    let error = client(settings)
        .statuses()
        .await
        .expect_err("foreign auth refused");
    assert!(
        matches!(error, HaloError::ForeignAuthServer { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("auth_server"), "{error}");
    assert!(error.needs_user());
    let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    assert!(
        seen.is_empty(),
        "the foreign server was contacted: {seen:?}"
    );
}

#[tokio::test]
async fn an_auth_server_set_explicitly_may_live_elsewhere() {
    let (auth, seen) = collector().await;
    let halo = serve(Router::new().route(
        "/api/Status",
        get(|| async { axum::Json(json!([{"id": 1, "name": "New"}])) }),
    ))
    .await;
    let settings = settings(halo)
        .with_auth_server(&format!("http://{auth}/auth"))
        .expect("loopback auth server");
    let statuses = client(settings).statuses().await.expect("statuses");
    assert_eq!(statuses.len(), 1);
    let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    assert!(
        seen.iter().any(|r| r.starts_with("/auth/token")),
        "{seen:?}"
    );
}
