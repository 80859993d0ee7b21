//! A stand-in for a HaloPSA / HaloITSM tenant over real HTTP.
//!
//! Tests start one with [`start`], point a Halo client at
//! [`SimHandle::base_url`], and script the tenant through the handle:
//! technicians changing tickets, customers replying, Halo failing in the ways
//! it does (429s, expired tokens, dropped connections), webhooks going out.
//! The wire format follows Halo's OpenAPI document and what real responses
//! show; see the crate README for the quirks imitated and the choices made
//! where Halo's behaviour is unknown.

mod auth;
mod config;
pub mod control;
mod dates;
mod error;
mod faults;
mod gateway;
mod generator;
mod halo_error;
mod handle;
mod model;
mod page_change;
mod plaintext;
mod ratelimit;
mod record;
mod routes;
mod scripting;
mod seed;
mod server;
mod shared;
mod store;
mod webhooks;
mod wire;

pub use config::SimConfig;
pub use dates::{NO_DATE_0001, NO_DATE_1900, parse_halo_date};
pub use error::{SimError, SimResult};
pub use faults::{Fault, FaultKind};
pub use generator::GeneratorHandle;
pub use halo_error::{ErrorShape, RATE_LIMIT_TEXT};
pub use handle::{SimHandle, start, start_on};
pub use model::{
    ActionAuthor, Agent, Client, EndUser, NewTicket, Outcome, Priority, SimAction, SimTicket, Site,
    Status, Team, TicketType,
};
pub use page_change::PageChange;
pub use record::RecordedRequest;
pub use scripting::SimControl;
pub use webhooks::{TemplateRendering, WebhookAuth, WebhookShape};
