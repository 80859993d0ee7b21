//! Everything the engine needs to know about what to watch and how to alert,
//! already validated. The CLI and the app build it from the config file
//! (the wiring crate's config); tests build it in code.

use std::time::Duration;

use alert_policy::{DutySchedule, GroupingRule, PolicySet, Templates};
use serde::{Deserialize, Serialize};

use crate::rules::{FilterConfig, TeamRef, Triggers};

/// The engine's settings. `Default` watches nothing but tickets assigned to
/// me, with the built-in escalation policies, no quiet hours and grouping of
/// floods (3 per 2 minutes).
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// The Halo web URL (`InstanceUrl::web()`), part of every alert's
    /// dedup key so two tenants never share alerts.
    pub instance: String,
    /// Teams watched, by id or name.
    pub teams: Vec<TeamRef>,
    /// Also watch tickets assigned to me in any team.
    pub assigned_to_me: bool,
    pub triggers: Triggers,
    pub filters: FilterConfig,
    pub policies: PolicySet,
    /// `None`: always on duty.
    pub schedule: Option<DutySchedule>,
    /// `None`: every new alert notifies on its own.
    pub grouping: Option<GroupingRule>,
    pub templates: Templates,
    pub acknowledge: AcknowledgeWriteBack,
    pub poll: PollSettings,
    /// History older than this is deleted: inbound log entries, finished
    /// writes to Halo, and alerts resolved before then with their timelines.
    pub inbound_retention: Duration,
    /// Status ids that count as closed, overriding what Halo's status list
    /// says (empty: use Halo's).
    pub closed_status_ids: Vec<i32>,
    /// Name written into "Acknowledged by …" notes when Halo's `/Agent/me`
    /// gives none.
    pub display_name: Option<String>,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            instance: String::new(),
            teams: Vec::new(),
            assigned_to_me: true,
            triggers: Triggers::default(),
            filters: FilterConfig::default(),
            policies: PolicySet::default(),
            schedule: None,
            grouping: Some(GroupingRule::default()),
            templates: Templates::default(),
            acknowledge: AcknowledgeWriteBack::default(),
            poll: PollSettings::default(),
            inbound_retention: Duration::from_secs(14 * 24 * 3600),
            closed_status_ids: Vec::new(),
            display_name: None,
        }
    }
}

/// What acknowledging writes back to Halo (through the outbox).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AcknowledgeWriteBack {
    /// Assign the ticket to me when I acknowledge it.
    pub take: bool,
    /// Add a private note "Acknowledged by NAME via Halo Notifier".
    pub note: bool,
}

/// How the poller paces itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollSettings {
    /// Time between delta polls in the steady state.
    pub interval: Duration,
    /// Time between full reconciliations of open tickets in scope.
    pub reconcile_every: Duration,
    /// How far back each delta reaches before the last poll (clock skew,
    /// Halo's write latency).
    pub overlap: Duration,
    /// Longest wait between attempts after repeated errors.
    pub max_backoff: Duration,
}

impl Default for PollSettings {
    fn default() -> Self {
        PollSettings {
            interval: Duration::from_secs(30),
            reconcile_every: Duration::from_secs(15 * 60),
            overlap: Duration::from_secs(120),
            max_backoff: Duration::from_secs(15 * 60),
        }
    }
}
