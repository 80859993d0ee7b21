//! `/api/Tickets`: the list with filters and paging, one ticket by id, and the
//! array POST that both updates and creates tickets.

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::body::{Fields, json_objects};
use super::ticket_query::TicketQuery;
use super::{Params, path_id, require};
use crate::auth::Permission;
use crate::dates;
use crate::halo_error::{self, ApiError};
use crate::shared::{Shared, lock};
use crate::store::{StoreError, TicketPatch, text_to_html};
use crate::wire::{self, TicketView};

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    request: Request,
) -> Result<Response, ApiError> {
    require(&request, Permission::ReadTickets)?;
    let query = TicketQuery::parse(&Params::from_query(request.uri().query()))?;
    let now = dates::now();
    let store = lock(&shared.store);
    let (total, rows) = query.run(&store);
    let tickets: Vec<Value> = rows
        .into_iter()
        .map(|t| wire::ticket(&store, t, TicketView::ListRow, now))
        .collect();
    drop(store);
    let body = match query.page {
        Some(page) => json!({
            "page_no": page.page_no,
            "page_size": page.page_size,
            "record_count": total,
            "tickets": tickets,
        }),
        None => json!({ "record_count": total, "tickets": tickets }),
    };
    Ok(halo_error::json_response(StatusCode::OK, &body))
}

pub(crate) async fn get_one(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    require(&request, Permission::ReadTickets)?;
    let id = path_id(&raw_id)?;
    let last_action = Params::from_query(request.uri().query()).bool("includelastaction")?;
    let store = lock(&shared.store);
    let ticket = store
        .ticket(id)
        .ok_or_else(|| ApiError::NotFound(format!("Ticket {id} not found.")))?;
    let body = wire::ticket(
        &store,
        ticket,
        TicketView::Full { last_action },
        dates::now(),
    );
    Ok(halo_error::json_response(StatusCode::OK, &body))
}

fn patch_from(fields: &Fields<'_>) -> Result<TicketPatch, ApiError> {
    let details_html = match fields.text("details_html")? {
        Some(html) => Some(html),
        None => fields.text("details")?.map(|t| text_to_html(&t)),
    };
    Ok(TicketPatch {
        id: fields.int("id")?,
        summary: fields.text("summary")?,
        details_html,
        status_id: fields.int("status_id")?,
        agent_id: fields.int("agent_id")?,
        team_id: fields.int("team_id")?,
        team_name: fields.text("team")?,
        priority_id: fields.int("priority_id")?,
        tickettype_id: fields.int("tickettype_id")?,
        client_id: fields.int("client_id")?,
        site_id: fields.int("site_id")?,
        user_name: fields.text("user_name")?,
        category: fields.text("category_1")?,
        impact: fields.int("impact")?,
        urgency: fields.int("urgency")?,
    })
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::UnknownTicket(id) => Self::NotFound(format!("Ticket {id} not found.")),
            StoreError::Invalid { message, .. } => Self::Validation(message),
        }
    }
}

pub(crate) async fn post(
    State(shared): State<Arc<Shared>>,
    request: Request,
) -> Result<Response, ApiError> {
    require(&request, Permission::EditTickets)?;
    let objects = json_objects(request, "Faults").await?;
    let patches = objects
        .iter()
        .enumerate()
        .map(|(index, map)| patch_from(&Fields { index, map }))
        .collect::<Result<Vec<_>, _>>()?;
    let now = dates::now();
    let mut store = lock(&shared.store);
    let mut first = None;
    for patch in patches {
        let id = store.apply_patch(patch, now)?;
        first.get_or_insert(id);
    }
    let body = first
        .and_then(|id| store.ticket(id))
        .map(|t| wire::ticket(&store, t, TicketView::Full { last_action: false }, now))
        .ok_or_else(|| ApiError::Server("The ticket could not be saved.".to_owned()))?;
    Ok(halo_error::json_response(StatusCode::OK, &body))
}
