//! Turns Halo input into one normalised ticket snapshot, whichever way it
//! arrived.

mod event;
mod snapshot;

pub use event::{EventSource, TicketEvent, WebhookKind};

pub use snapshot::TicketSnapshot;
