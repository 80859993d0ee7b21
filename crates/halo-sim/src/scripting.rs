//! The in-process scripting API tests use to play the tenant's other users:
//! technicians changing tickets, customers replying, Halo misbehaving. Every
//! method is cheap and synchronous except webhook delivery.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::config::SimConfig;
use crate::dates;
use crate::error::{SimError, SimResult};
use crate::faults::Fault;
use crate::generator::GeneratorHandle;
use crate::model::{Agent, NewTicket, Outcome, Priority, SimAction, SimTicket, Status, Team};
use crate::page_change::PageChange;
use crate::record::RecordedRequest;
use crate::seed;
use crate::shared::{Shared, lock};
use crate::store::StoreError;
use crate::webhooks::{self, TemplateRendering, WebhookAuth, WebhookShape};
use crate::wire::{self, TicketView};

/// A cheap, cloneable handle on a running simulator's data. `SimHandle`
/// dereferences to it; clone it to move into spawned tasks.
#[derive(Clone)]
pub struct SimControl {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for SimControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimControl")
            .field("base_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

impl From<StoreError> for SimError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::UnknownTicket(id) => SimError::UnknownTicket(id),
            StoreError::Invalid { .. } => SimError::Invalid(e.to_string()),
        }
    }
}

impl SimControl {
    /// The Halo web URL, e.g. `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    pub fn config(&self) -> &SimConfig {
        &self.shared.config
    }

    // ---- tickets -------------------------------------------------------

    /// Logs a ticket as an end user would; returns its id.
    pub fn create_ticket(&self, new: NewTicket) -> i32 {
        lock(&self.shared.store).create_ticket(new, None, dates::now())
    }

    /// Logs a new ticket with realistic, generated content.
    pub fn create_realistic_ticket(&self) -> i32 {
        seed::add_realistic_ticket(&mut lock(&self.shared.store), dates::now(), false)
    }

    /// Adds `n` realistic tickets spread over the past two weeks; returns their ids.
    pub fn seed_bulk(&self, n: usize) -> Vec<i32> {
        let now = dates::now();
        let mut store = lock(&self.shared.store);
        (0..n)
            .map(|_| seed::add_realistic_ticket(&mut store, now, true))
            .collect()
    }

    /// A technician changes the status (closing if it is a closed status).
    pub fn set_status(&self, id: i32, status_id: i32) -> SimResult<()> {
        Ok(lock(&self.shared.store).set_status(id, status_id, dates::now())?)
    }

    /// A technician (re)assigns the ticket; `None` unassigns it.
    pub fn assign(&self, id: i32, agent_id: Option<i32>) -> SimResult<()> {
        Ok(lock(&self.shared.store).assign(id, agent_id, dates::now())?)
    }

    pub fn set_team(&self, id: i32, team_id: i32) -> SimResult<()> {
        Ok(lock(&self.shared.store).set_team(id, team_id, dates::now())?)
    }

    /// A technician closes the ticket through a "Close Ticket" action with a note.
    pub fn close(&self, id: i32, note: &str) -> SimResult<()> {
        Ok(lock(&self.shared.store).close(id, note, dates::now())?)
    }

    /// A technician reopens the ticket (status "In Progress").
    pub fn reopen(&self, id: i32) -> SimResult<()> {
        Ok(lock(&self.shared.store).reopen(id, dates::now())?)
    }

    /// The ticket's end user replies (moves `lastactiondate` and `last_update`).
    pub fn add_customer_reply(&self, id: i32, text: &str) -> SimResult<()> {
        Ok(lock(&self.shared.store).customer_reply(id, text, dates::now())?)
    }

    /// Overrides `last_update`, for delta-polling tests.
    pub fn set_last_update(&self, id: i32, at: DateTime<Utc>) -> SimResult<()> {
        Ok(lock(&self.shared.store).set_last_update(id, at)?)
    }

    pub fn ticket(&self, id: i32) -> Option<SimTicket> {
        lock(&self.shared.store).ticket(id).cloned()
    }

    /// The ticket exactly as `GET /api/Tickets/{id}` would return it.
    pub fn ticket_json(&self, id: i32) -> Option<Value> {
        let store = lock(&self.shared.store);
        store.ticket(id).map(|t| {
            wire::ticket(
                &store,
                t,
                TicketView::Full { last_action: false },
                dates::now(),
            )
        })
    }

    /// Every ticket, in id order.
    pub fn tickets(&self) -> Vec<SimTicket> {
        lock(&self.shared.store).tickets.values().cloned().collect()
    }

    pub fn actions(&self, id: i32) -> Vec<SimAction> {
        lock(&self.shared.store).actions_of(id).to_vec()
    }

    /// The actions exactly as `GET /api/Actions?ticket_id=` lists them.
    pub fn actions_json(&self, id: i32) -> Vec<Value> {
        let store = lock(&self.shared.store);
        store
            .actions_of(id)
            .iter()
            .map(|a| wire::action(&store, a))
            .collect()
    }

    // ---- lookups -------------------------------------------------------

    pub fn closed_status_id(&self) -> i32 {
        self.shared.config.closed_status_id
    }

    pub fn statuses(&self) -> Vec<Status> {
        lock(&self.shared.store).statuses.clone()
    }

    pub fn teams(&self) -> Vec<Team> {
        lock(&self.shared.store).teams.clone()
    }

    pub fn agents(&self) -> Vec<Agent> {
        lock(&self.shared.store).agents.clone()
    }

    pub fn priorities(&self) -> Vec<Priority> {
        lock(&self.shared.store).priorities.clone()
    }

    pub fn outcomes(&self) -> Vec<Outcome> {
        lock(&self.shared.store).outcomes.clone()
    }

    // ---- faults --------------------------------------------------------

    /// Queues a fault for the next matching API requests.
    pub fn inject(&self, fault: impl Into<Fault>) {
        lock(&self.shared.faults).push(fault.into());
    }

    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// What `ChangeBetweenPages` faults changed so far, oldest first.
    pub fn page_changes(&self) -> Vec<PageChange> {
        lock(&self.shared.page_changes).clone()
    }

    /// An administrator regenerates the application's client secret: from
    /// now on only `new_secret` gets a token (401 `invalid_client` for the
    /// old one). Tokens already issued stay valid until they expire.
    pub fn rotate_secret(&self, new_secret: impl Into<String>) {
        *lock(&self.shared.client_secret) = new_secret.into();
    }

    /// Invalidates every token issued so far; the next API call answers 401.
    pub fn expire_tokens(&self) {
        lock(&self.shared.tokens).expire_all();
    }

    // ---- recorded requests --------------------------------------------

    /// Requests received so far (not control requests), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.recorder).all()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.recorder).clear();
    }

    /// Token requests since start (or the last `clear_requests`).
    pub fn token_requests_count(&self) -> usize {
        lock(&self.shared.recorder).token_requests()
    }

    // ---- webhooks ------------------------------------------------------

    /// The body `fire_webhook` would send.
    pub fn webhook_body(
        &self,
        shape: &WebhookShape,
        ticket_id: i32,
        rendering: TemplateRendering,
    ) -> SimResult<String> {
        let store = lock(&self.shared.store);
        webhooks::render_body(
            &store,
            &self.shared.base_url,
            shape,
            ticket_id,
            rendering,
            dates::now(),
        )
    }

    /// POSTs a webhook about `ticket_id` to `url`; returns the receiver's status.
    pub async fn fire_webhook(
        &self,
        url: &str,
        shape: WebhookShape,
        ticket_id: i32,
        auth: WebhookAuth,
    ) -> SimResult<u16> {
        self.fire_webhook_rendered(url, shape, ticket_id, auth, TemplateRendering::Json)
            .await
    }

    /// Like `fire_webhook`, choosing how template placeholders are filled in.
    pub async fn fire_webhook_rendered(
        &self,
        url: &str,
        shape: WebhookShape,
        ticket_id: i32,
        auth: WebhookAuth,
        rendering: TemplateRendering,
    ) -> SimResult<u16> {
        let body = self.webhook_body(&shape, ticket_id, rendering)?;
        webhooks::deliver(&self.shared.http()?, url, body, &auth).await
    }

    // ---- background activity ------------------------------------------

    /// Logs a new realistic ticket every `interval` until the handle is dropped.
    pub fn start_generator(&self, interval: Duration) -> GeneratorHandle {
        GeneratorHandle::start(self.shared.clone(), interval)
    }
}
