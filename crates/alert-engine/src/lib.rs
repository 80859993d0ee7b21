//! The alert engine: which ticket changes raise alerts ([`rules`]) and what
//! they do to an alert's life ([`lifecycle`]). Plain Rust with no desktop
//! dependency, tested with explicit timestamps.

pub mod lifecycle;
pub mod rules;

pub use lifecycle::{AlertState, ResolveReason, TicketDecision};
pub use rules::{FilterConfig, Filters, Scope, TeamRef, TriggerKind, Triggers};
