//! Turns Halo input into one normalised ticket snapshot, whichever way it
//! arrived.

mod event;
mod snapshot;
mod webhook;

pub use event::{EventSource, TicketEvent, WebhookKind};
pub use webhook::{WebhookError, parse_webhook, repair};

pub use snapshot::TicketSnapshot;
