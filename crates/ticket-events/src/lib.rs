//! Turns Halo input into normalised ticket events (a snapshot, where it
//! came from and its idempotency key), whichever way it arrived: the API or
//! any webhook body shape, one event per ticket of a batched delivery.

mod event;
mod snapshot;
mod webhook;

pub use event::{CONTENT_DEDUPE_WINDOW, EventSource, TicketEvent, WebhookKind};
pub use webhook::{WebhookError, parse_webhook, repair};

pub use snapshot::TicketSnapshot;
