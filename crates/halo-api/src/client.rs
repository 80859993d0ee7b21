//! The Halo API client: one request path with token renewal, retries, rate
//! limit handling and the request budget, and the calls a notifier needs.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::auth::{self, CachedToken, TokenEndpoint};
use crate::budget::{BudgetReport, RequestBudget};
use crate::clock::{SharedClock, SystemClock};
use crate::connection::{ClientSecret, ConnectionSettings};
use crate::error::{HaloError, Operation, describe_shape, error_detail, excerpt, permission_in};
use crate::models::{
    Action, Agent, NewAction, Outcome, Priority, RejectedRecord, Status, Team, Ticket, TicketList,
    TicketUpdate,
};
use crate::query::TicketQuery;
use crate::retry::{RetryPolicy, parse_retry_after};
use crate::statuses::StatusCatalog;

/// A cheap-to-clone handle; clones share the token, budget and rate state.
#[derive(Clone)]
pub struct HaloClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    settings: ConnectionSettings,
    secret: ClientSecret,
    clock: SharedClock,
    retry: RetryPolicy,
    endpoint: Mutex<Option<TokenEndpoint>>,
    token: Mutex<Option<CachedToken>>,
    budget: RequestBudget,
    rate: std::sync::Mutex<RateState>,
}

#[derive(Debug, Default)]
struct RateState {
    consecutive: u32,
    until: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for HaloClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HaloClient")
            .field("instance", &self.inner.settings.instance.web())
            .field("client_id", &self.inner.settings.client_id)
            .finish_non_exhaustive()
    }
}

/// Whether a request may be sent again after a failure whose effect is
/// unknown: adding an action twice would leave two notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Idempotent {
    Yes,
    No,
}

impl HaloClient {
    pub fn new(settings: ConnectionSettings, secret: ClientSecret) -> Result<Self, HaloError> {
        Self::with_options(
            settings,
            secret,
            Arc::new(SystemClock),
            RetryPolicy::default(),
        )
    }

    pub fn with_options(
        settings: ConnectionSettings,
        secret: ClientSecret,
        clock: SharedClock,
        retry: RetryPolicy,
    ) -> Result<Self, HaloError> {
        let instance = &settings.instance;
        if instance.is_plain_http() && !instance.is_loopback() && !settings.allow_insecure_http {
            return Err(HaloError::InsecureUrl {
                url: instance.web(),
            });
        }
        let http = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .user_agent(concat!("halo-notifier/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| HaloError::Network {
                operation: Operation::Discover,
                detail: e.to_string(),
                timed_out: false,
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                settings,
                secret,
                clock,
                retry,
                endpoint: Mutex::new(None),
                token: Mutex::new(None),
                budget: RequestBudget::default(),
                rate: std::sync::Mutex::new(RateState::default()),
            }),
        })
    }

    pub fn settings(&self) -> &ConnectionSettings {
        &self.inner.settings
    }

    /// Requests sent in the last 5 minutes and hour (tokens included).
    pub fn budget(&self) -> BudgetReport {
        self.inner.budget.report(self.inner.clock.now())
    }

    /// How long Halo asked us to wait, when rate limited right now.
    pub fn rate_limited_for(&self) -> Option<Duration> {
        let until = self.rate_state().until?;
        (until - self.inner.clock.now())
            .to_std()
            .ok()
            .filter(|d| !d.is_zero())
    }

    /// Forgets the cached token, e.g. after the secret changed.
    pub async fn forget_token(&self) {
        *self.inner.token.lock().await = None;
    }

    // ----- calls -----

    /// Every ticket matching `query`, following Halo's pagination.
    pub async fn list_tickets(&self, query: &TicketQuery) -> Result<TicketList, HaloError> {
        let mut list = TicketList::default();
        let mut seen = std::collections::HashSet::new();
        let page_size = query.page_size();
        let mut page_no = 1u32;
        loop {
            let pairs = query.to_pairs(page_no);
            let body = self
                .send(
                    Operation::ReadTickets,
                    Method::GET,
                    "/Tickets",
                    &pairs,
                    None,
                    Idempotent::Yes,
                )
                .await?;
            list.pages += 1;
            let count = body.get("record_count").and_then(Value::as_u64);
            let rows =
                list_items(&body, "tickets").ok_or_else(|| HaloError::UnexpectedResponse {
                    operation: Operation::ReadTickets,
                    detail: format!(
                        "expected {{\"tickets\": [...]}}, got {}",
                        describe_shape(&body)
                    ),
                })?;
            let row_count = rows.len();
            let mut new_rows = 0usize;
            for row in rows {
                match serde_json::from_value::<Ticket>(row.clone()) {
                    Ok(ticket) => {
                        if seen.insert(ticket.id) {
                            new_rows += 1;
                            list.tickets.push(ticket);
                        }
                    }
                    Err(error) => {
                        new_rows += 1;
                        list.rejected.push(RejectedRecord {
                            id: row.get("id").and_then(crate::lenient::int_from),
                            reason: error.to_string(),
                        });
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
                return Err(HaloError::UnexpectedResponse {
                    operation: Operation::ReadTickets,
                    detail: format!(
                        "page {page_no} repeated earlier tickets; Halo ignored the paging parameters"
                    ),
                });
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
        let body = self
            .send(
                Operation::ReadTicket,
                Method::GET,
                &format!("/Tickets/{id}"),
                &[("includedetails", "true".to_owned())],
                None,
                Idempotent::Yes,
            )
            .await
            .map_err(|e| name_missing(e, format!("Ticket {id}")))?;
        parse_one(Operation::ReadTicket, body)
    }

    pub async fn statuses(&self) -> Result<Vec<Status>, HaloError> {
        self.lookup(Operation::ReadStatuses, "/Status", "statuses")
            .await
    }

    /// The instance's statuses with the closed ones found by name, unless
    /// the user listed them.
    pub async fn status_catalog(
        &self,
        closed_overrides: &[i32],
    ) -> Result<StatusCatalog, HaloError> {
        Ok(StatusCatalog::new(self.statuses().await?, closed_overrides))
    }

    pub async fn teams(&self) -> Result<Vec<Team>, HaloError> {
        self.lookup(Operation::ReadTeams, "/Team", "teams").await
    }

    pub async fn priorities(&self) -> Result<Vec<Priority>, HaloError> {
        self.lookup(Operation::ReadPriorities, "/Priority", "priorities")
            .await
    }

    pub async fn outcomes(&self) -> Result<Vec<Outcome>, HaloError> {
        self.lookup(Operation::ReadOutcomes, "/Outcome", "outcomes")
            .await
    }

    /// The agent the API application logs in as.
    pub async fn me(&self) -> Result<Agent, HaloError> {
        let body = self
            .send(
                Operation::ReadAgent,
                Method::GET,
                "/Agent/me",
                &[],
                None,
                Idempotent::Yes,
            )
            .await?;
        parse_one(Operation::ReadAgent, body)
    }

    pub async fn actions(&self, ticket_id: i32) -> Result<Vec<Action>, HaloError> {
        let body = self
            .send(
                Operation::ReadActions,
                Method::GET,
                "/Actions",
                &[("ticket_id", ticket_id.to_string())],
                None,
                Idempotent::Yes,
            )
            .await?;
        let rows = list_items(&body, "actions").ok_or_else(|| HaloError::UnexpectedResponse {
            operation: Operation::ReadActions,
            detail: format!(
                "expected {{\"actions\": [...]}}, got {}",
                describe_shape(&body)
            ),
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|row| serde_json::from_value(row).ok())
            .collect())
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

    /// Adds a private note (hidden from the end user, no email).
    pub async fn add_private_note(
        &self,
        ticket_id: i32,
        note: &str,
    ) -> Result<Option<Action>, HaloError> {
        let outcome = self
            .pick_outcome(&[
                &|o: &Outcome| name_has(o, &["private note"]),
                &|o: &Outcome| name_has(o, &["note"]),
            ])
            .await;
        let action = NewAction {
            ticket_id,
            outcome: outcome.as_ref().and_then(|o| o.outcome.clone()),
            outcome_id: outcome.as_ref().map(|o| o.id),
            note: Some(note.to_owned()),
            hiddenfromuser: true,
            ..NewAction::default()
        };
        self.post_action(action).await
    }

    /// Closes a ticket the way an agent would: an action carrying the note
    /// and the closed status, with the matching outcome when Halo has one.
    pub async fn close_ticket(
        &self,
        ticket_id: i32,
        note: &str,
        catalog: &StatusCatalog,
    ) -> Result<Option<Action>, HaloError> {
        let closed = catalog
            .closing_status()
            .ok_or_else(|| HaloError::UnexpectedResponse {
                operation: Operation::ReadStatuses,
                detail: "no status named Closed; set the closed status id in the settings"
                    .to_owned(),
            })?;
        let outcome = self
            .pick_outcome(&[
                &|o: &Outcome| o.newstatus == Some(closed),
                &|o: &Outcome| name_has(o, &["close", "resolve"]),
            ])
            .await;
        let action = NewAction {
            ticket_id,
            outcome: outcome.as_ref().and_then(|o| o.outcome.clone()),
            outcome_id: outcome.as_ref().map(|o| o.id),
            note: Some(note.to_owned()),
            new_status: Some(closed),
            hiddenfromuser: true,
            sendemail: false,
        };
        self.post_action(action).await
    }

    /// Checks the URL, credentials and the permissions a notifier needs,
    /// returning the agent the application logs in as.
    pub async fn test_connection(&self) -> Result<Agent, HaloError> {
        let agent = self.me().await?;
        self.statuses().await?;
        self.list_tickets(&TicketQuery {
            page_size: 1,
            max_pages: Some(1),
            ..TicketQuery::default()
        })
        .await
        .map(|_| ())
        .or_else(|e| {
            if matches!(e, HaloError::UnexpectedResponse { .. }) {
                Ok(())
            } else {
                Err(e)
            }
        })?;
        Ok(agent)
    }

    async fn post_action(&self, action: NewAction) -> Result<Option<Action>, HaloError> {
        let ticket_id = action.ticket_id;
        self.post_one(
            Operation::AddAction,
            "/Actions",
            action,
            ticket_id,
            Idempotent::No,
        )
        .await
    }

    /// Halo's writes take an array of records; this sends one and reads
    /// back the record Halo answers with, if it answers with one.
    async fn post_one<T: serde::Serialize, R: DeserializeOwned>(
        &self,
        operation: Operation,
        path: &str,
        record: T,
        ticket_id: i32,
        idempotent: Idempotent,
    ) -> Result<Option<R>, HaloError> {
        let body =
            serde_json::to_value([record]).map_err(|e| unexpected(operation, e.to_string()))?;
        let answer = self
            .send(operation, Method::POST, path, &[], Some(body), idempotent)
            .await
            .map_err(|e| name_missing(e, format!("Ticket {ticket_id}")))?;
        Ok(first_record(answer).and_then(|v| serde_json::from_value(v).ok()))
    }

    /// Reads the outcomes once and takes the first that matches the most
    /// preferred test; none when Halo has no match or can't be read.
    async fn pick_outcome(
        &self,
        preferences: &[&(dyn Fn(&Outcome) -> bool + Sync)],
    ) -> Option<Outcome> {
        let outcomes = match self.outcomes().await {
            Ok(outcomes) => outcomes,
            Err(error) => {
                tracing::debug!(%error, "outcomes unavailable; acting without one");
                return None;
            }
        };
        preferences
            .iter()
            .find_map(|matches| outcomes.iter().find(|o| matches(o)).cloned())
    }

    async fn lookup<T: DeserializeOwned>(
        &self,
        operation: Operation,
        path: &str,
        key: &str,
    ) -> Result<Vec<T>, HaloError> {
        let body = self
            .send(operation, Method::GET, path, &[], None, Idempotent::Yes)
            .await?;
        let rows = list_items(&body, key).ok_or_else(|| HaloError::UnexpectedResponse {
            operation,
            detail: format!(
                "expected a list or {{\"{key}\": [...]}}, got {}",
                describe_shape(&body)
            ),
        })?;
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            match serde_json::from_value(row) {
                Ok(item) => items.push(item),
                Err(error) => tracing::warn!(%error, "skipped an unreadable {key} record"),
            }
        }
        Ok(items)
    }

    // ----- the request path -----

    async fn send(
        &self,
        operation: Operation,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Value>,
        idempotent: Idempotent,
    ) -> Result<Value, HaloError> {
        let url = format!("{}{path}", self.inner.settings.instance.api_base());
        let mut transient_failures = 0u32;
        let mut rate_waits = 0u32;
        let mut renewed = false;
        loop {
            self.wait_out_rate_limit(&mut rate_waits).await?;
            let token = self.access_token().await?;
            let mut request = self
                .inner
                .http
                .request(method.clone(), &url)
                .bearer_auth(&token)
                .query(query);
            if let Some(body) = &body {
                request = request.json(body);
            }
            self.inner.budget.record(self.inner.clock.now());
            let response = match request.send().await {
                Ok(response) => response,
                Err(error) => {
                    let failure = network_error(operation, &error);
                    if idempotent == Idempotent::Yes
                        && transient_failures < self.inner.retry.transient_retries
                    {
                        transient_failures += 1;
                        tracing::debug!(%failure, attempt = transient_failures, "retrying");
                        tokio::time::sleep(self.inner.retry.transient_backoff(transient_failures))
                            .await;
                        continue;
                    }
                    return Err(failure);
                }
            };
            let status = response.status();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let text = match response.text().await {
                Ok(text) => text,
                Err(error) => {
                    let failure = network_error(operation, &error);
                    if idempotent == Idempotent::Yes
                        && transient_failures < self.inner.retry.transient_retries
                    {
                        transient_failures += 1;
                        tokio::time::sleep(self.inner.retry.transient_backoff(transient_failures))
                            .await;
                        continue;
                    }
                    return Err(failure);
                }
            };
            if status.is_success() {
                self.rate_state().consecutive = 0;
                return parse_json(operation, &text);
            }
            match status {
                StatusCode::UNAUTHORIZED if !renewed => {
                    renewed = true;
                    *self.inner.token.lock().await = None;
                }
                StatusCode::UNAUTHORIZED => {
                    return Err(HaloError::Unauthorized {
                        detail: error_detail(&text),
                    });
                }
                StatusCode::FORBIDDEN => {
                    let detail = error_detail(&text);
                    let permission =
                        permission_in(&detail).unwrap_or_else(|| operation.permission().to_owned());
                    return Err(HaloError::Forbidden {
                        operation,
                        permission,
                        detail,
                    });
                }
                StatusCode::NOT_FOUND => {
                    return Err(HaloError::NotFound {
                        what: format!("{path} ({})", error_detail(&text)),
                    });
                }
                StatusCode::TOO_MANY_REQUESTS => {
                    self.note_rate_limit(retry_after.as_deref());
                }
                _ if status.is_server_error() => {
                    if idempotent == Idempotent::Yes
                        && transient_failures < self.inner.retry.transient_retries
                    {
                        transient_failures += 1;
                        tokio::time::sleep(self.inner.retry.transient_backoff(transient_failures))
                            .await;
                        continue;
                    }
                    return Err(HaloError::Server {
                        operation,
                        status: status.as_u16(),
                        detail: error_detail(&text),
                        attempts: transient_failures + 1,
                    });
                }
                _ => {
                    return Err(HaloError::BadRequest {
                        operation,
                        status: status.as_u16(),
                        detail: error_detail(&text),
                    });
                }
            }
        }
    }

    fn rate_state(&self) -> std::sync::MutexGuard<'_, RateState> {
        self.inner
            .rate
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn note_rate_limit(&self, retry_after: Option<&str>) {
        let now = self.inner.clock.now();
        let mut state = self.rate_state();
        state.consecutive += 1;
        let wait = retry_after
            .and_then(|value| parse_retry_after(value, now))
            .unwrap_or_else(|| self.inner.retry.rate_limit_backoff(state.consecutive));
        state.until =
            Some(now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::zero()));
        tracing::warn!(wait_secs = wait.as_secs(), "Halo rate limit reached");
    }

    /// Sits out a rate-limit wait when allowed, else reports it.
    async fn wait_out_rate_limit(&self, waits: &mut u32) -> Result<(), HaloError> {
        let Some(wait) = self.rate_limited_for() else {
            return Ok(());
        };
        let retry = &self.inner.retry;
        if *waits >= retry.rate_limit_retries || wait > retry.max_rate_limit_wait {
            return Err(HaloError::RateLimited { retry_after: wait });
        }
        *waits += 1;
        tokio::time::sleep(wait).await;
        self.rate_state().until = None;
        Ok(())
    }

    async fn access_token(&self) -> Result<String, HaloError> {
        let mut cached = self.inner.token.lock().await;
        let now = self.inner.clock.now();
        if let Some(token) = cached.as_ref().filter(|t| t.renew_at > now) {
            return Ok(token.access_token.clone());
        }
        let endpoint = self.token_endpoint().await;
        self.inner.budget.record(now);
        let token = auth::request_token(
            &self.inner.http,
            &endpoint,
            &self.inner.settings,
            &self.inner.secret,
            now,
        )
        .await?;
        let access = token.access_token.clone();
        *cached = Some(token);
        Ok(access)
    }

    async fn token_endpoint(&self) -> TokenEndpoint {
        let mut endpoint = self.inner.endpoint.lock().await;
        if let Some(found) = endpoint.as_ref() {
            return found.clone();
        }
        let (found, discovery_url) = auth::discover(&self.inner.http, &self.inner.settings).await;
        if discovery_url.is_some() {
            self.inner.budget.record(self.inner.clock.now());
        }
        tracing::debug!(token_url = %found.url, "token endpoint");
        *endpoint = Some(found.clone());
        found
    }
}

pub(crate) fn network_error(operation: Operation, error: &reqwest::Error) -> HaloError {
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        detail.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    HaloError::Network {
        operation,
        detail,
        timed_out: error.is_timeout(),
    }
}

fn unexpected(operation: Operation, detail: String) -> HaloError {
    HaloError::UnexpectedResponse { operation, detail }
}

fn parse_json(operation: Operation, text: &str) -> Result<Value, HaloError> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(text).map_err(|error| {
        unexpected(
            operation,
            format!("the body is not valid JSON ({error}): {}", excerpt(text)),
        )
    })
}

fn parse_one<T: DeserializeOwned>(operation: Operation, body: Value) -> Result<T, HaloError> {
    let shape = describe_shape(&body);
    serde_json::from_value(body)
        .map_err(|error| unexpected(operation, format!("{error} in {shape}")))
}

/// Halo's list endpoints answer either a bare array or `{key: [...]}`.
fn list_items(body: &Value, key: &str) -> Option<Vec<Value>> {
    match body {
        Value::Array(items) => Some(items.clone()),
        Value::Object(map) => match map.get(key) {
            Some(Value::Array(items)) => Some(items.clone()),
            Some(Value::Null) => Some(Vec::new()),
            _ => None,
        },
        _ => None,
    }
}

/// Write endpoints answer an object, an array of them, or nothing.
fn first_record(body: Value) -> Option<Value> {
    match body {
        Value::Array(mut items) if !items.is_empty() => Some(items.swap_remove(0)),
        value @ Value::Object(_) => Some(value),
        _ => None,
    }
}

fn name_missing(error: HaloError, what: String) -> HaloError {
    match error {
        HaloError::NotFound { .. } => HaloError::NotFound { what },
        other => other,
    }
}

fn name_has(outcome: &Outcome, words: &[&str]) -> bool {
    let names = [outcome.outcome.as_deref(), outcome.buttonname.as_deref()];
    names.into_iter().flatten().any(|name| {
        let name = name.to_ascii_lowercase();
        words.iter().any(|word| name.contains(word))
    })
}
