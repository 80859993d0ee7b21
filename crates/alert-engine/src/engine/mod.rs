//! The engine's core: applies ticket events and user commands to the store,
//! one transaction each, and says which notifications are due. Synchronous
//! and clock-free (`now` is a parameter), so every rule is tested to the
//! millisecond; the `alert-runtime` crate drives it from tasks.

mod commands;
mod firing;
mod inbound;
mod intake;
mod memory;
mod queries;
mod rows;
mod text;
mod writes;

use std::collections::{HashMap, HashSet};

use alert_policy::{Grouper, PolicyError};
use alert_store::{AlertId, InboundOutcome, Store, StoreError};
use serde::{Deserialize, Serialize};
use ticket_events::TicketSnapshot;

use crate::lifecycle::LifecycleError;
use crate::notify::Notification;
use crate::rules::{FilterError, Filters, Scope};
use crate::settings::EngineSettings;
use crate::view::EngineEvent;
use memory::Known;

pub use commands::{MAX_COMMAND_DURATION, until_after};
pub use writes::{HaloWrite, WriteOutcome};

/// The grouper's open windows and held alerts, so a crash or restart inside
/// a flood still sends their summary.
const GROUPING: &str = "grouping_state";
/// "No limit" for list queries (SQLite takes a signed 64-bit LIMIT).
const ALL_ROWS: usize = i64::MAX as usize;
/// The ticket id test alerts use; Halo ids start at 1.
pub const TEST_TICKET_ID: i32 = 0;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("ticket {0} has no open alert: `halo-notifier-cli list` shows the open ones")]
    NoOpenAlert(i64),
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    #[error(transparent)]
    Filter(#[from] FilterError),
    #[error("the escalation policies are invalid: {0}")]
    Policy(#[from] PolicyError),
    #[error("taking a ticket needs to know who you are in Halo: test the connection first")]
    UnknownAgent,
    #[error(
        "status {0} is not one of Halo's closed statuses: pick one from the list of closed statuses"
    )]
    NotAClosedStatus(i32),
    #[error("{what} of {asked} is too long: {limit} at the most")]
    TooLong {
        what: &'static str,
        asked: String,
        limit: String,
    },
    #[error("the engine has stopped (the app is shutting down): start it again")]
    Stopped,
}

/// One of Halo's closed statuses, for the "close as" choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedStatus {
    pub id: i32,
    pub name: String,
}

/// What one event did.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub outcome: InboundOutcome,
    pub alert_id: Option<AlertId>,
    pub reason: String,
}

/// Notifications to dispatch and changes to broadcast, in order.
#[derive(Debug, Default)]
pub struct Effects {
    pub notifications: Vec<Notification>,
    pub events: Vec<EngineEvent>,
    /// Alerts created or changed, in order (may repeat).
    pub changed_alerts: Vec<AlertId>,
}

impl Effects {
    fn notify(&mut self, n: Notification) {
        self.notifications.push(n);
    }

    /// Marks an alert as changed; subscribers get its view when the
    /// effects are dispatched (built only if anyone listens).
    fn touched(&mut self, id: AlertId) {
        self.changed_alerts.push(id);
    }

    pub fn extend(&mut self, other: Effects) {
        self.notifications.extend(other.notifications);
        self.events.extend(other.events);
        self.changed_alerts.extend(other.changed_alerts);
    }

    pub fn is_empty(&self) -> bool {
        self.notifications.is_empty() && self.events.is_empty() && self.changed_alerts.is_empty()
    }
}

/// Who I am in Halo, for "assigned to me" and write-backs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub agent_id: i32,
    pub name: String,
}

/// Which statuses are closed: Halo's status list, or the user's override.
#[derive(Debug, Clone, Default)]
pub struct ClosedStatuses {
    ids: HashSet<i32>,
}

impl ClosedStatuses {
    pub fn new(ids: impl IntoIterator<Item = i32>) -> Self {
        ClosedStatuses {
            ids: ids.into_iter().collect(),
        }
    }

    /// Closed by status when the status list is known; otherwise (or for a
    /// webhook that named no status id) what the input itself said.
    pub fn is_closed(&self, t: &TicketSnapshot) -> bool {
        match t.status_id {
            Some(id) if !self.ids.is_empty() => self.ids.contains(&id),
            _ => t.closed_hint.unwrap_or(false) || t.date_closed.is_some(),
        }
    }

    /// Whether `id` is a closed status; any id while the list is unknown
    /// (Halo decides then).
    pub fn contains(&self, id: i32) -> bool {
        self.ids.is_empty() || self.ids.contains(&id)
    }
}

pub struct Engine {
    store: Store,
    settings: EngineSettings,
    filters: Filters,
    me: Option<Me>,
    closed: ClosedStatuses,
    /// Halo's closed statuses with their names, as last learnt.
    closed_named: Vec<ClosedStatus>,
    known: HashMap<i32, Known>,
    grouper: Option<Grouper<i64>>,
    /// The grouper state last written to the store.
    grouper_saved: Option<String>,
}

impl Engine {
    /// Opens the engine over a store, loading what it knew about tickets.
    pub fn new(store: Store, settings: EngineSettings) -> Result<Self, EngineError> {
        let filters = Filters::compile(settings.filters.clone())?;
        settings.policies.validate()?;
        let known = memory::load_known(&store, &settings.instance)?;
        let saved = store.setting(GROUPING)?;
        let restored = saved
            .as_deref()
            .and_then(|json| serde_json::from_str::<Grouper<i64>>(json).ok());
        // Alerts held when the app stopped still get their summary, even if
        // grouping was since changed or turned off.
        let grouper = match (settings.grouping, restored) {
            (Some(rule), Some(g)) => Some(g.with_rule(rule)),
            (Some(rule), None) => Some(Grouper::new(rule)),
            (None, restored) => restored,
        };
        let closed = ClosedStatuses::new(settings.closed_status_ids.iter().copied());
        Ok(Engine {
            store,
            settings,
            filters,
            me: None,
            closed,
            closed_named: Vec::new(),
            known,
            grouper,
            grouper_saved: saved,
        })
    }

    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    pub fn me(&self) -> Option<&Me> {
        self.me.as_ref()
    }

    pub fn set_me(&mut self, me: Option<Me>) {
        self.me = me;
    }

    /// Halo's closed statuses; the user's override wins when set.
    pub fn set_closed_statuses(&mut self, ids: impl IntoIterator<Item = i32>) {
        if self.settings.closed_status_ids.is_empty() {
            self.closed = ClosedStatuses::new(ids);
        }
    }

    /// Halo's closed statuses (id and name) as learnt from its status list;
    /// the user's override, when set, decides which count.
    pub fn set_closed_status_names(&mut self, statuses: Vec<ClosedStatus>) {
        if self.settings.closed_status_ids.is_empty() {
            self.closed = ClosedStatuses::new(statuses.iter().map(|s| s.id));
        }
        self.closed_named = statuses;
    }

    /// The closed statuses a ticket can be closed as, first the default.
    pub fn closed_statuses(&self) -> &[ClosedStatus] {
        &self.closed_named
    }

    pub fn known_ticket(&self, id: i32) -> Option<&TicketSnapshot> {
        self.known.get(&id).map(|k| &k.snapshot)
    }

    /// Whether this version of a ticket the engine has never seen is likely
    /// to raise an alert (open, watched, not filtered out): worth fetching
    /// in full, with its details, before it does.
    pub fn may_alert_on_new(&self, ticket: &TicketSnapshot) -> bool {
        !self.known.contains_key(&ticket.ticket_id)
            && !self.closed.is_closed(ticket)
            && self.scope().covers(ticket)
            && self.filters.rejects(ticket).is_none()
    }

    fn scope(&self) -> Scope {
        Scope {
            teams: self.settings.teams.clone(),
            assigned_to_me: self.settings.assigned_to_me,
            me: self.me.as_ref().map(|m| m.agent_id),
        }
    }
}
