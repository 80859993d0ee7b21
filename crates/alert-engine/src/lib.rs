//! The alert engine: which ticket changes raise alerts ([`rules`]), what
//! they do to an alert's life ([`lifecycle`]), and the settings and
//! notifier interface the CLI and the app plug in. Plain Rust with no
//! desktop dependency, tested with explicit timestamps.

pub mod engine;
mod fields;
pub mod lifecycle;
pub mod notify;
pub mod outbox;
pub mod poller;
pub mod rules;
pub mod runtime;
pub mod settings;
pub mod view;
mod webhook;

pub use engine::{
    Applied, ClosedStatuses, Effects, Engine, EngineError, HaloWrite, Me, TEST_TICKET_ID,
};
pub use lifecycle::{AlertState, ResolveReason, TicketDecision};
pub use notify::{FanOut, JsonLines, Notification, NotificationKind, Notifier, NotifyError};
pub use rules::{FilterConfig, Filters, Scope, TeamRef, TriggerKind, Triggers};
pub use runtime::EngineHandle;
pub use settings::{AcknowledgeWriteBack, EngineSettings, PollSettings};
pub use view::{AlertView, EngineEvent, IntakeStatus, ticket_link};
