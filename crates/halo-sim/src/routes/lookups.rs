//! The lookup lists a client reads once: statuses, teams, agents, priorities
//! and outcomes. Most are bare arrays; teams can be wrapped, as list endpoints
//! differ between Halo versions.

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{Params, path_id, require};
use crate::auth::Permission;
use crate::halo_error::{self, ApiError};
use crate::shared::{Shared, lock};
use crate::wire;

type Answer = Result<Response, ApiError>;

fn ok(body: &Value) -> Answer {
    Ok(halo_error::json_response(StatusCode::OK, body))
}

pub(crate) async fn statuses(State(shared): State<Arc<Shared>>, request: Request) -> Answer {
    require(&request, Permission::ReadTickets)?;
    let exclude_closed = Params::from_query(request.uri().query()).bool("excludeclosed")?;
    let store = lock(&shared.store);
    let list: Vec<Value> = store
        .statuses
        .iter()
        .filter(|s| !(exclude_closed && s.closed))
        .map(wire::status)
        .collect();
    ok(&Value::Array(list))
}

pub(crate) async fn teams(State(shared): State<Arc<Shared>>, request: Request) -> Answer {
    require(&request, Permission::AllTeams)?;
    let params = Params::from_query(request.uri().query());
    let mine_only = params.bool("myteamsonly")? || params.bool("memberonly")?;
    let store = lock(&shared.store);
    let my_teams = store
        .agent(store.api_agent_id)
        .map(|a| a.team_ids.clone())
        .unwrap_or_default();
    let list: Vec<Value> = store
        .teams
        .iter()
        .filter(|t| !mine_only || my_teams.contains(&t.id))
        .map(|t| wire::team(&store, t))
        .collect();
    if shared.config.wrap_teams {
        ok(&json!({ "record_count": list.len(), "teams": list }))
    } else {
        ok(&Value::Array(list))
    }
}

pub(crate) async fn agents(State(shared): State<Arc<Shared>>, request: Request) -> Answer {
    require(&request, Permission::ReadTickets)?;
    let include_api = Params::from_query(request.uri().query()).bool("includeapiagents")?;
    let store = lock(&shared.store);
    let list: Vec<Value> = store
        .agents
        .iter()
        .filter(|a| include_api || !a.is_api_agent)
        .map(|a| wire::agent(&store, a))
        .collect();
    ok(&Value::Array(list))
}

fn one_agent(shared: &Shared, id: i32) -> Answer {
    let store = lock(&shared.store);
    let agent = store
        .agent(id)
        .ok_or_else(|| ApiError::NotFound(format!("Agent {id} not found.")))?;
    ok(&wire::agent(&store, agent))
}

pub(crate) async fn agent_me(State(shared): State<Arc<Shared>>, request: Request) -> Answer {
    require(&request, Permission::ReadTickets)?;
    one_agent(&shared, shared.config.api_agent_id)
}

pub(crate) async fn agent_one(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    request: Request,
) -> Answer {
    require(&request, Permission::ReadTickets)?;
    one_agent(&shared, path_id(&raw_id)?)
}

pub(crate) async fn priorities(State(shared): State<Arc<Shared>>, request: Request) -> Answer {
    require(&request, Permission::ReadTickets)?;
    let store = lock(&shared.store);
    ok(&Value::Array(
        store.priorities.iter().map(wire::priority).collect(),
    ))
}

pub(crate) async fn outcomes(State(shared): State<Arc<Shared>>, request: Request) -> Answer {
    require(&request, Permission::ReadTickets)?;
    let store = lock(&shared.store);
    ok(&Value::Array(
        store.outcomes.iter().map(wire::outcome).collect(),
    ))
}
