//! Client for the HaloPSA / HaloITSM REST API: URL normalisation and
//! discovery, OAuth2 client credentials, typed models, paging and delta
//! queries, and one error type that says what to do next.
//!
//! Layers, each using only those above it: `connection` and `error`;
//! `auth` (tokens) and `rate_limit`; `transport` (the one request path);
//! `client` (the handle) with the calls in `endpoints/`. No Tauri or
//! desktop dependency: the engine, the CLI and the app share it.

mod auth;
pub mod backoff;
pub mod body;
pub mod budget;
mod client;
pub mod clock;
pub mod connection;
pub mod dates;
pub mod delta;
mod endpoints;
pub mod error;
mod html_page;
mod lenient;
pub mod models;
pub mod query;
mod rate_limit;
pub mod retry;
pub mod statuses;
mod transport;

pub use budget::{BudgetReport, RequestBudget};
pub use client::HaloClient;
pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use connection::{ClientSecret, ConnectionSettings, InstanceUrl};
pub use delta::DeltaTracker;
pub use endpoints::{TicketPage, read_ticket_page};
pub use error::{HaloError, Operation};
pub use models::*;
pub use query::TicketQuery;
pub use retry::RetryPolicy;
pub use statuses::StatusCatalog;
