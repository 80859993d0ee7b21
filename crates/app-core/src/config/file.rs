//! The config file's structure, one struct per `[section]`: the TOML on disk
//! and the JSON of the settings window are the same shape, so a form saved
//! from the window reads back as the file a user would write.

use alert_engine::{AcknowledgeWriteBack, FilterConfig, PollSettings, TeamRef, Triggers};
use alert_policy::{DutySchedule, GroupingRule, HumanDuration, PolicySet, Templates};
use halo_api::InstanceUrl;
use serde::{Deserialize, Serialize};

use super::HaloConfig;

pub const DEFAULT_WEBHOOK_BIND: &str = "127.0.0.1:8787";

/// The whole file. Every section may be left out; `Default` is an empty file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub halo: HaloSection,
    pub watch: WatchSection,
    pub triggers: Triggers,
    pub filters: FilterConfig,
    pub acknowledge: AcknowledgeWriteBack,
    pub webhook: WebhookSection,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalation: Option<PolicySet>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<DutySchedule>,
    pub grouping: GroupingSection,
    pub templates: Templates,
    pub log: LogSection,
}

/// `[halo]`: where Halo is and which API application signs in. The client
/// secret is not here: it lives in the OS keyring.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HaloSection {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_server: Option<String>,
    pub allow_insecure_http: bool,
    pub closed_status_ids: Vec<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// `[watch]`: what to watch and how often to ask Halo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WatchSection {
    pub teams: Vec<TeamRef>,
    pub assigned_to_me: bool,
    pub poll_interval: HumanDuration,
    pub reconcile_every: HumanDuration,
    pub overlap: HumanDuration,
}

impl Default for WatchSection {
    fn default() -> Self {
        let poll = PollSettings::default();
        WatchSection {
            teams: Vec::new(),
            assigned_to_me: true,
            poll_interval: HumanDuration::from(poll.interval),
            reconcile_every: HumanDuration::from(poll.reconcile_every),
            overlap: HumanDuration::from(poll.overlap),
        }
    }
}

/// `[webhook]`: the optional listener Halo's webhooks post to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSection {
    pub enabled: bool,
    pub bind: String,
    pub allow_remote: bool,
    /// The URL Halo must post to when a tunnel or reverse proxy sits in
    /// front of `bind` (e.g. `https://alerts.example.com`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
}

impl Default for WebhookSection {
    fn default() -> Self {
        WebhookSection {
            enabled: false,
            bind: DEFAULT_WEBHOOK_BIND.to_owned(),
            allow_remote: false,
            public_url: None,
        }
    }
}

/// `[grouping]`: floods of new tickets become one summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GroupingSection {
    pub enabled: bool,
    pub threshold: usize,
    pub window: HumanDuration,
}

impl Default for GroupingSection {
    fn default() -> Self {
        let rule = GroupingRule::default();
        GroupingSection {
            enabled: true,
            threshold: rule.threshold,
            window: rule.window,
        }
    }
}

/// `[log]`: how long the history (inbound log, resolved alerts) is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSection {
    pub retention_days: u32,
}

impl Default for LogSection {
    fn default() -> Self {
        LogSection { retention_days: 14 }
    }
}

impl Config {
    /// The Halo connection this config describes, `None` when no URL is set.
    /// Call on a validated config (an invalid URL also gives `None`).
    pub fn halo_config(&self) -> Option<HaloConfig> {
        let h = &self.halo;
        let url = h.url.as_deref().filter(|u| !u.trim().is_empty())?;
        let url = InstanceUrl::parse(url, h.allow_insecure_http).ok()?;
        Some(HaloConfig {
            url,
            tenant: h.tenant.clone().filter(|t| !t.is_empty()),
            client_id: h.client_id.clone().unwrap_or_default(),
            scope: h.scope.clone().unwrap_or_else(|| "all".to_owned()),
            auth_server: h.auth_server.clone().filter(|a| !a.is_empty()),
            allow_insecure_http: h.allow_insecure_http,
        })
    }
}
