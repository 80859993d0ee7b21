//! `/api/Actions`: a ticket's history, and the array POST through which notes,
//! status changes and closures are recorded.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::body::{Fields, json_objects};
use super::{Params, require};
use crate::auth::Permission;
use crate::dates;
use crate::halo_error::{self, ApiError};
use crate::model::ActionAuthor;
use crate::shared::{Shared, lock};
use crate::store::{ActionInput, text_to_html};
use crate::wire;

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    request: Request,
) -> Result<Response, ApiError> {
    require(&request, Permission::ReadTickets)?;
    let params = Params::from_query(request.uri().query());
    let ticket_id = params
        .int("ticket_id")?
        .ok_or_else(|| ApiError::Validation("ticket_id is required.".to_owned()))?;
    let exclude_private = params.bool("excludeprivate")?;
    let exclude_system = params.bool("excludesys")?;
    let agent_only = params.bool("agentonly")?;
    let count = params
        .int("count")?
        .and_then(|c| usize::try_from(c).ok())
        .filter(|&c| c > 0)
        .unwrap_or(usize::MAX);
    let store = lock(&shared.store);
    let actions: Vec<Value> = store
        .actions_of(ticket_id)
        .iter()
        .filter(|a| !(exclude_private && a.hiddenfromuser))
        .filter(|a| !(exclude_system && a.author == ActionAuthor::System))
        .filter(|a| !agent_only || matches!(a.author, ActionAuthor::Agent(_)))
        .take(count)
        .map(|a| wire::action(&store, a))
        .collect();
    drop(store);
    Ok(halo_error::json_response(
        StatusCode::OK,
        &json!({ "record_count": actions.len(), "actions": actions }),
    ))
}

fn input_from(fields: &Fields<'_>) -> Result<ActionInput, ApiError> {
    let ticket_id = fields.int("ticket_id")?.ok_or_else(|| {
        ApiError::field(
            format!("[{}].ticket_id", fields.index),
            "The ticket_id field is required.",
        )
    })?;
    let note_html = match fields.text("note_html")? {
        Some(html) => html,
        None => fields
            .text("note")?
            .map(|t| text_to_html(&t))
            .unwrap_or_default(),
    };
    Ok(ActionInput {
        ticket_id,
        outcome_id: fields.int("outcome_id")?,
        outcome_name: fields.text("outcome")?,
        note_html,
        new_status: fields.int("new_status")?,
        new_agent: fields.int("new_agent")?,
        hiddenfromuser: fields.bool("hiddenfromuser")?,
        timetaken: fields.float("timetaken")?.unwrap_or(0.0),
        sendemail: fields.bool("sendemail")?.unwrap_or(false),
        author: None,
    })
}

pub(crate) async fn post(
    State(shared): State<Arc<Shared>>,
    request: Request,
) -> Result<Response, ApiError> {
    require(&request, Permission::EditTickets)?;
    let objects = json_objects(request, "Actions").await?;
    let inputs = objects
        .iter()
        .enumerate()
        .map(|(index, map)| input_from(&Fields { index, map }))
        .collect::<Result<Vec<_>, _>>()?;
    let now = dates::now();
    let mut store = lock(&shared.store);
    // Actions posted through the API are the application's agent's.
    let author = ActionAuthor::Agent(store.api_agent_id);
    let mut first = None;
    for mut input in inputs {
        input.author = Some(author);
        let action = store.add_action(input, now)?;
        first.get_or_insert(action);
    }
    let action =
        first.ok_or_else(|| ApiError::Server("The action could not be saved.".to_owned()))?;
    let body = wire::action(&store, &action);
    Ok(halo_error::json_response(StatusCode::OK, &body))
}
