//! The authorisation side: `GET /api/authinfo` (discovery, no token) and
//! `POST /auth/token` (client credentials). Validation order: tenant,
//! grant type, client credentials, scope.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use crate::auth::effective_scopes;
use crate::halo_error;
use crate::shared::{Shared, lock};

pub(crate) async fn authinfo(State(shared): State<Arc<Shared>>) -> Response {
    let mut body = json!({ "auth_url": format!("{}/auth", shared.base_url) });
    if let Some(tenant) = &shared.config.tenant {
        body["tenant_id"] = json!(tenant);
    }
    halo_error::json_response(StatusCode::OK, &body)
}

pub(crate) async fn token(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let query_tenant = request.uri().query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k.eq_ignore_ascii_case("tenant"))
            .map(|(_, v)| v.into_owned())
    });
    let Ok(bytes) = axum::body::to_bytes(request.into_body(), usize::MAX).await else {
        return halo_error::oauth(StatusCode::BAD_REQUEST, "invalid_request", None);
    };
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&bytes).into_owned().collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let config = &shared.config;

    if let Some(expected) = &config.tenant {
        let given = query_tenant.as_deref().or_else(|| field("tenant"));
        match given {
            None => {
                return halo_error::oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    Some("A tenant is required: add ?tenant=<tenant> to the token URL."),
                );
            }
            Some(t) if !t.eq_ignore_ascii_case(expected) => {
                return halo_error::oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    Some("The tenant is not known."),
                );
            }
            Some(_) => {}
        }
    }
    match field("grant_type") {
        None => {
            return halo_error::oauth(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                Some("The mandatory 'grant_type' parameter is missing."),
            );
        }
        Some("client_credentials") => {}
        Some(_) => {
            return halo_error::oauth(StatusCode::BAD_REQUEST, "unsupported_grant_type", None);
        }
    }
    let secret_ok = field("client_secret") == Some(lock(&shared.client_secret).as_str());
    if field("client_id") != Some(config.client_id.as_str()) || !secret_ok {
        return halo_error::oauth(StatusCode::UNAUTHORIZED, "invalid_client", None);
    }
    let scopes = effective_scopes(field("scope"), &config.scopes);
    if scopes.is_empty() {
        return halo_error::oauth(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            Some("None of the requested scopes is granted to this application."),
        );
    }
    let scope = scopes.join(" ");
    let access_token = lock(&shared.tokens).issue(scopes, config.token_lifetime);
    let mut response = halo_error::json_response(
        StatusCode::OK,
        &json!({
            "token_type": "Bearer",
            "access_token": access_token,
            "expires_in": config.token_lifetime.as_secs(),
            "scope": scope,
        }),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
