//! Halo's REST surface: one module per resource, all mounted on lower-case
//! paths (the gateway lower-cases every request first). The permission check
//! and the id parsing every route shares live here.

mod actions;
mod body;
mod lookups;
mod params;
mod ticket_query;
mod tickets;
mod token;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::response::Response;
use axum::routing::{get, post};

use crate::auth::{AuthContext, Permission};
use crate::halo_error::{self, ApiError};
use crate::shared::Shared;

pub(crate) use params::Params;

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/authinfo", get(token::authinfo))
        .route("/auth/token", post(token::token))
        .route("/api/tickets", get(tickets::list).post(tickets::post))
        .route("/api/tickets/{id}", get(tickets::get_one))
        .route("/api/actions", get(actions::list).post(actions::post))
        .route("/api/status", get(lookups::statuses))
        .route("/api/team", get(lookups::teams))
        .route("/api/agent", get(lookups::agents))
        .route("/api/agent/me", get(lookups::agent_me))
        .route("/api/agent/{id}", get(lookups::agent_one))
        .route("/api/priority", get(lookups::priorities))
        .route("/api/outcome", get(lookups::outcomes))
}

/// 404 for any path Halo would not know.
pub(crate) async fn not_found(request: Request) -> Response {
    halo_error::not_found(&format!(
        "No HTTP resource was found that matches the request URI '{}'.",
        request.uri().path()
    ))
}

/// Checks the caller's token grants `permission`; the 403 names it otherwise.
pub(crate) fn require(request: &Request, permission: Permission) -> Result<(), ApiError> {
    let granted = request
        .extensions()
        .get::<AuthContext>()
        .is_some_and(|ctx| permission.granted_by(&ctx.scopes));
    if granted {
        Ok(())
    } else {
        Err(ApiError::Forbidden(permission.scope()))
    }
}

/// Parses a path segment as an id the way ASP.NET binds one.
pub(crate) fn path_id(raw: &str) -> Result<i32, ApiError> {
    raw.trim()
        .parse()
        .map_err(|_| ApiError::field("id", format!("The value '{raw}' is not valid.")))
}
