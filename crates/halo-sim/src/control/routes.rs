//! Handlers of `/_sim/*`: thin wrappers over `SimControl`, answering JSON and
//! `{"error": ...}` on bad input.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::dto::{
    Assignment, BulkCreated, BulkRequest, CloseRequest, Created, FaultSpec, LastUpdateChange,
    ReplyRequest, SimInfo, StatusChange, TeamChange, WebhookResult, WebhookSpec,
};
use crate::error::SimError;
use crate::halo_error::json_response;
use crate::model::NewTicket;
use crate::scripting::SimControl;
use crate::shared::Shared;

type ControlState = State<Arc<Shared>>;
type Answer = Result<Response, ControlError>;

/// `{"error": ...}` with a status.
#[derive(Debug)]
pub(crate) struct ControlError {
    status: StatusCode,
    message: String,
}

impl ControlError {
    fn bad(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

impl From<SimError> for ControlError {
    fn from(e: SimError) -> Self {
        let status = match e {
            SimError::UnknownTicket(_) => StatusCode::NOT_FOUND,
            SimError::Webhook { .. } => StatusCode::BAD_GATEWAY,
            _ => StatusCode::BAD_REQUEST,
        };
        Self {
            status,
            message: e.to_string(),
        }
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        json_response(self.status, &json!({ "error": self.message }))
    }
}

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_sim/info", get(info))
        .route("/_sim/tickets", post(create_ticket))
        .route("/_sim/tickets/bulk", post(bulk))
        .route("/_sim/tickets/{id}", get(ticket))
        .route("/_sim/tickets/{id}/actions", get(actions))
        .route("/_sim/tickets/{id}/status", post(status))
        .route("/_sim/tickets/{id}/assign", post(assign))
        .route("/_sim/tickets/{id}/team", post(team))
        .route("/_sim/tickets/{id}/close", post(close))
        .route("/_sim/tickets/{id}/reopen", post(reopen))
        .route("/_sim/tickets/{id}/reply", post(reply))
        .route("/_sim/tickets/{id}/last-update", post(last_update))
        .route("/_sim/faults", post(inject).delete(clear_faults))
        .route("/_sim/expire-tokens", post(expire_tokens))
        .route("/_sim/requests", get(requests).delete(clear_requests))
        .route("/_sim/webhooks", post(webhook))
}

fn control(shared: Arc<Shared>) -> SimControl {
    SimControl { shared }
}

fn ok<T: Serialize>(value: &T) -> Answer {
    let value = serde_json::to_value(value).map_err(|e| ControlError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: e.to_string(),
    })?;
    Ok(json_response(StatusCode::OK, &value))
}

fn done() -> Answer {
    Ok(json_response(StatusCode::OK, &json!({ "ok": true })))
}

/// An empty body reads as `{}`, so commands without options need no body.
fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, ControlError> {
    let text: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(text).map_err(|e| ControlError::bad(e.to_string()))
}

fn ticket_id(raw: &str) -> Result<i32, ControlError> {
    raw.parse()
        .map_err(|_| ControlError::bad(format!("'{raw}' is not a ticket id")))
}

async fn info(State(shared): ControlState) -> Answer {
    let c = &shared.config;
    let base = &shared.base_url;
    let token_url = match &c.tenant {
        Some(t) => format!("{base}/auth/token?tenant={t}"),
        None => format!("{base}/auth/token"),
    };
    ok(&SimInfo {
        base_url: base.clone(),
        api_url: format!("{base}/api"),
        auth_url: format!("{base}/auth"),
        token_url,
        client_id: c.client_id.clone(),
        client_secret: c.client_secret.clone(),
        tenant: c.tenant.clone(),
        scopes: c.scopes.clone(),
        closed_status_id: c.closed_status_id,
        api_agent_id: c.api_agent_id,
    })
}

async fn create_ticket(State(shared): ControlState, body: Bytes) -> Answer {
    let new: NewTicket = parse(&body)?;
    ok(&Created {
        id: control(shared).create_ticket(new),
    })
}

async fn bulk(State(shared): ControlState, body: Bytes) -> Answer {
    let request: BulkRequest = parse(&body)?;
    let ids = control(shared).seed_bulk(request.count);
    ok(&BulkCreated {
        count: ids.len(),
        first_id: ids.first().copied(),
        last_id: ids.last().copied(),
    })
}

async fn ticket(State(shared): ControlState, Path(raw): Path<String>) -> Answer {
    let id = ticket_id(&raw)?;
    let value = control(shared)
        .ticket_json(id)
        .ok_or(SimError::UnknownTicket(id))?;
    Ok(json_response(StatusCode::OK, &value))
}

async fn actions(State(shared): ControlState, Path(raw): Path<String>) -> Answer {
    ok(&control(shared).actions_json(ticket_id(&raw)?))
}

async fn status(State(shared): ControlState, Path(raw): Path<String>, body: Bytes) -> Answer {
    let request: StatusChange = parse(&body)?;
    control(shared).set_status(ticket_id(&raw)?, request.status_id)?;
    done()
}

async fn assign(State(shared): ControlState, Path(raw): Path<String>, body: Bytes) -> Answer {
    let request: Assignment = parse(&body)?;
    control(shared).assign(ticket_id(&raw)?, request.agent_id.filter(|&a| a != 0))?;
    done()
}

async fn team(State(shared): ControlState, Path(raw): Path<String>, body: Bytes) -> Answer {
    let request: TeamChange = parse(&body)?;
    control(shared).set_team(ticket_id(&raw)?, request.team_id)?;
    done()
}

async fn close(State(shared): ControlState, Path(raw): Path<String>, body: Bytes) -> Answer {
    let request: CloseRequest = parse(&body)?;
    let note = request.note.as_deref().unwrap_or("Closed.");
    control(shared).close(ticket_id(&raw)?, note)?;
    done()
}

async fn reopen(State(shared): ControlState, Path(raw): Path<String>) -> Answer {
    control(shared).reopen(ticket_id(&raw)?)?;
    done()
}

async fn reply(State(shared): ControlState, Path(raw): Path<String>, body: Bytes) -> Answer {
    let request: ReplyRequest = parse(&body)?;
    control(shared).add_customer_reply(ticket_id(&raw)?, &request.text)?;
    done()
}

async fn last_update(State(shared): ControlState, Path(raw): Path<String>, body: Bytes) -> Answer {
    let request: LastUpdateChange = parse(&body)?;
    control(shared).set_last_update(ticket_id(&raw)?, request.last_update)?;
    done()
}

async fn inject(State(shared): ControlState, body: Bytes) -> Answer {
    let spec: FaultSpec = parse(&body)?;
    control(shared).inject(spec.to_fault()?);
    done()
}

async fn clear_faults(State(shared): ControlState) -> Answer {
    control(shared).clear_faults();
    done()
}

async fn expire_tokens(State(shared): ControlState) -> Answer {
    control(shared).expire_tokens();
    done()
}

async fn requests(State(shared): ControlState) -> Answer {
    ok(&control(shared).requests())
}

async fn clear_requests(State(shared): ControlState) -> Answer {
    control(shared).clear_requests();
    done()
}

async fn webhook(State(shared): ControlState, body: Bytes) -> Answer {
    let spec: WebhookSpec = parse(&body)?;
    let (shape, auth, rendering) = spec.parts()?;
    let status = control(shared)
        .fire_webhook_rendered(&spec.url, shape, spec.ticket_id, auth, rendering)
        .await?;
    ok(&WebhookResult { status })
}
