//! The alert engine: which ticket changes raise alerts ([`rules`]), what
//! they do to an alert's life ([`lifecycle`]), and the synchronous core
//! ([`Engine`]) that applies events and commands to the store. Plain Rust
//! with no async runtime or desktop dependency, tested with explicit
//! timestamps; the `alert-runtime` crate drives it from tasks.

mod engine;
mod fields;
pub mod lifecycle;
pub mod notify;
pub mod rules;
pub mod settings;
pub mod view;

pub use engine::{
    Applied, ClosedStatus, ClosedStatuses, Effects, Engine, EngineError, HaloWrite,
    MAX_COMMAND_DURATION, Me, TEST_TICKET_ID, WriteOutcome, until_after,
};
pub use lifecycle::{AlertState, ResolveReason, TicketDecision};
pub use notify::{FanOut, JsonLines, Notification, NotificationKind, Notifier, NotifyError};
pub use rules::{FilterConfig, Filters, Scope, TeamRef, TriggerKind, Triggers};
pub use settings::{AcknowledgeWriteBack, EngineSettings, PollSettings};
pub use view::{AlertView, EngineEvent, EscalationView, IntakeStatus, ticket_link};
