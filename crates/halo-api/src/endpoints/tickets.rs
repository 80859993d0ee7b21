//! Reading and assigning tickets: paged listings (with Halo's clock for the
//! next delta), the delta query, one ticket, and "take it".

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::Value;

use super::{first_record, list_items, name_missing, parse_one, unexpected};
use crate::client::HaloClient;
use crate::error::{HaloError, Operation};
use crate::models::{RejectedRecord, Ticket, TicketList, TicketUpdate};
use crate::query::TicketQuery;
use crate::transport::{Call, Idempotent};

/// One page of a ticket listing as Halo answered it: each row read on its
/// own (lenient per field), so one unreadable row costs only itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketPage {
    /// In Halo's order; a row without a readable id is a rejected record.
    pub rows: Vec<Result<Ticket, RejectedRecord>>,
    /// Halo's `record_count`: matches across all pages.
    pub record_count: Option<u64>,
}

/// Reads one page of `GET /api/Tickets` (a bare array or
/// `{"record_count": n, "tickets": [...]}`); only a body that is neither is
/// an error.
pub fn read_ticket_page(body: Value) -> Result<TicketPage, HaloError> {
    let record_count = body.get("record_count").and_then(Value::as_u64);
    let rows = list_items(Operation::ReadTickets, body, "tickets")?
        .into_iter()
        .map(|row| {
            let id = row.get("id").and_then(crate::lenient::int_from);
            serde_json::from_value::<Ticket>(row).map_err(|error| RejectedRecord {
                id,
                reason: error.to_string(),
            })
        })
        .collect();
    Ok(TicketPage { rows, record_count })
}

impl HaloClient {
    /// Every ticket matching `query`, following Halo's pagination.
    pub async fn list_tickets(&self, query: &TicketQuery) -> Result<TicketList, HaloError> {
        let operation = Operation::ReadTickets;
        let mut list = TicketList::default();
        let mut seen = HashSet::new();
        let page_size = query.page_size();
        let mut page_no = 1u32;
        loop {
            let pairs = query.to_pairs(page_no);
            let reply = self
                .transport
                .send(Call::get(operation, "/Tickets", &pairs))
                .await?;
            list.pages += 1;
            // The first page's date: anything changed after it may be
            // missing from later pages, so the next delta starts there.
            list.server_date = list.server_date.or(reply.server_date);
            let page = read_ticket_page(reply.body)?;
            let count = page.record_count;
            let row_count = page.rows.len();
            let mut new_rows = 0usize;
            for row in page.rows {
                match row {
                    Ok(ticket) => {
                        if seen.insert(ticket.id) {
                            new_rows += 1;
                            list.tickets.push(ticket);
                        }
                    }
                    Err(rejected) => {
                        new_rows += 1;
                        list.rejected.push(rejected);
                    }
                }
            }
            if count.is_some() {
                list.record_count = count;
            }
            let fetched = (list.tickets.len() + list.rejected.len()) as u64;
            let short_page = row_count < page_size as usize;
            let all_counted = count.is_some_and(|total| fetched >= total);
            let page_limit = query.max_pages.is_some_and(|max| list.pages >= max);
            if row_count == 0 || short_page || all_counted || page_limit {
                break;
            }
            if new_rows == 0 {
                return Err(unexpected(
                    operation,
                    format!(
                        "page {page_no} repeated earlier tickets; Halo ignored the paging parameters"
                    ),
                ));
            }
            page_no += 1;
        }
        if !list.rejected.is_empty() {
            tracing::warn!(
                rejected = list.rejected.len(),
                "some ticket rows could not be read"
            );
        }
        Ok(list)
    }

    /// Tickets in `scope` updated since `since` (open or not, so closures
    /// are seen). The caller subtracts its overlap, see [`crate::DeltaTracker`].
    pub async fn tickets_changed_since(
        &self,
        scope: &TicketQuery,
        since: DateTime<Utc>,
    ) -> Result<TicketList, HaloError> {
        let query = TicketQuery {
            updated_since: Some(since),
            open_only: false,
            ..scope.clone()
        };
        self.list_tickets(&query).await
    }

    pub async fn ticket(&self, id: i32) -> Result<Ticket, HaloError> {
        let operation = Operation::ReadTicket;
        let path = format!("/Tickets/{id}");
        let query = [("includedetails", "true".to_owned())];
        let reply = self
            .transport
            .send(Call::get(operation, &path, &query))
            .await
            .map_err(|e| name_missing(e, format!("Ticket {id}")))?;
        parse_one(operation, reply.body)
    }

    /// Assigns the ticket to `agent_id` ("take it").
    pub async fn assign_ticket(
        &self,
        ticket_id: i32,
        agent_id: i32,
    ) -> Result<Option<Ticket>, HaloError> {
        let update = TicketUpdate {
            id: ticket_id,
            agent_id: Some(agent_id),
            ..TicketUpdate::default()
        };
        self.post_one(
            Operation::UpdateTicket,
            "/Tickets",
            update,
            ticket_id,
            Idempotent::Yes,
        )
        .await
    }

    /// Halo's writes take an array of records; this sends one and reads
    /// back the record Halo answers with, if it answers with one.
    pub(super) async fn post_one<T: serde::Serialize, R: serde::de::DeserializeOwned>(
        &self,
        operation: Operation,
        path: &str,
        record: T,
        ticket_id: i32,
        idempotent: Idempotent,
    ) -> Result<Option<R>, HaloError> {
        let body =
            serde_json::to_value([record]).map_err(|e| unexpected(operation, e.to_string()))?;
        let call = Call {
            operation,
            method: Method::POST,
            path,
            query: &[],
            body: Some(body),
            idempotent,
        };
        let reply = self
            .transport
            .send(call)
            .await
            .map_err(|e| name_missing(e, format!("Ticket {ticket_id}")))?;
        Ok(first_record(reply.body).and_then(|v| serde_json::from_value(v).ok()))
    }
}
