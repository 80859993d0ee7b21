//! Turns Halo input into one normalised ticket snapshot, whichever way it
//! arrived.

mod snapshot;

pub use snapshot::TicketSnapshot;
