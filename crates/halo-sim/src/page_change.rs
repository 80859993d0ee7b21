//! The `ChangeBetweenPages` fault: colleagues working while a client pages
//! through a ticket list. After page 1 is answered, tickets on it are closed
//! and new ones logged, so in an open-only list every later page starts a few
//! rows further on than the client expects.

use axum::body::Body;
use axum::response::Response;
use serde_json::Value;

use crate::dates;
use crate::model::NewTicket;
use crate::shared::{Shared, lock};

/// What one application of the fault changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageChange {
    /// Open tickets from page 1, closed right after it was answered.
    pub closed: Vec<i32>,
    /// Tickets logged right after page 1 was answered.
    pub created: Vec<i32>,
}

/// Whether this request is page 1 of a paged ticket list.
pub(crate) fn is_first_page(method: &str, path: &str, query: &[(String, String)]) -> bool {
    let value = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    method == "GET"
        && path == "/api/tickets"
        && value("pageinate").is_some_and(|v| v.eq_ignore_ascii_case("true"))
        && value("page_no").is_none_or(|v| v.trim() == "1")
}

/// Passes page 1 through unchanged and changes the tenant behind it.
pub(crate) async fn after_first_page(
    shared: &Shared,
    response: Response,
    close: usize,
    create: usize,
) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let listed: Vec<i32> = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v.get("tickets").and_then(Value::as_array).cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t.get("id").and_then(Value::as_i64))
        .filter_map(|id| i32::try_from(id).ok())
        .collect();
    let now = dates::now();
    let mut store = lock(&shared.store);
    let team_id = listed
        .first()
        .and_then(|id| store.ticket(*id))
        .map_or(1, |t| t.team_id);
    let open: Vec<i32> = listed
        .iter()
        .copied()
        .filter(|id| {
            store
                .ticket(*id)
                .is_some_and(|t| !store.is_closed(t.status_id))
        })
        .take(close)
        .collect();
    let mut change = PageChange {
        closed: Vec::new(),
        created: Vec::new(),
    };
    for id in open {
        if store
            .close(id, "Closed by a colleague while the list was paged", now)
            .is_ok()
        {
            change.closed.push(id);
        }
    }
    for n in 0..create {
        let new = NewTicket {
            summary: format!("Logged while a list was being paged ({n})"),
            details_html: "<p>Logged between two pages of a list.</p>".to_owned(),
            team_id,
            agent_id: None,
            ..NewTicket::default()
        };
        change.created.push(store.create_ticket(new, None, now));
    }
    drop(store);
    tracing::debug!(?change, "changed the tenant between pages");
    lock(&shared.page_changes).push(change);
    Response::from_parts(parts, Body::from(bytes))
}
