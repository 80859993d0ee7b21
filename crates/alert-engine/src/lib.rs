//! The alert engine: which ticket changes raise alerts ([`rules`]), what
//! they do to an alert's life ([`lifecycle`]), and the settings and
//! notifier interface the CLI and the app plug in. Plain Rust with no
//! desktop dependency, tested with explicit timestamps.

pub mod lifecycle;
pub mod notify;
pub mod rules;
pub mod settings;

pub use lifecycle::{AlertState, ResolveReason, TicketDecision};
pub use notify::{FanOut, JsonLines, Notification, NotificationKind, Notifier, NotifyError};
pub use rules::{FilterConfig, Filters, Scope, TeamRef, TriggerKind, Triggers};
pub use settings::{AcknowledgeWriteBack, EngineSettings, PollSettings};
