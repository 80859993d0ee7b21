//! Checking a [`Config`] as the settings window needs it: every problem at
//! once, each as a field path (`halo.url`) and a message saying what to
//! write instead. Durations outside sane bounds are refused here, so no
//! absurd value ever reaches the engine's clock arithmetic.

use std::net::SocketAddr;
use std::time::Duration;

use alert_engine::Filters;
use alert_policy::{GroupingRule, HumanDuration};
use halo_api::{ConnectionSettings, InstanceUrl};
use serde::Serialize;

use super::file::{Config, DEFAULT_WEBHOOK_BIND};

/// The bounds every duration in the config must stay within.
pub struct Limits;

impl Limits {
    /// Halo asks integrations to stay under 300 requests per 5 minutes per
    /// tenant; polling faster than this would spend a large share of it.
    pub const MIN_POLL_INTERVAL: Duration = Duration::from_secs(10);
    /// Slower than this and "never miss a ticket" no longer holds.
    pub const MAX_POLL_INTERVAL: Duration = Duration::from_secs(3600);
    pub const MIN_RECONCILE: Duration = Duration::from_secs(60);
    pub const MAX_RECONCILE: Duration = Duration::from_secs(24 * 3600);
    pub const MAX_OVERLAP: Duration = Duration::from_secs(3600);
    pub const MAX_RETENTION_DAYS: u32 = 3650;
    /// The longest `snooze` or `pause` a command accepts.
    pub const MAX_SNOOZE: Duration = Duration::from_secs(30 * 24 * 3600);
    /// The longest look-back of `stats --since`.
    pub const MAX_LOOKBACK: Duration = Duration::from_secs(3650 * 24 * 3600);
}

/// One thing wrong with a config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The field's path, e.g. `watch.poll_interval`.
    pub field: String,
    pub message: String,
}

/// Every problem found, in the order of the file's sections.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(Problem {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// Field path to message (the first one per field).
    pub fn fields(&self) -> std::collections::BTreeMap<String, String> {
        let mut map = std::collections::BTreeMap::new();
        for p in &self.0 {
            map.entry(p.field.clone())
                .or_insert_with(|| p.message.clone());
        }
        map
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Config {
    /// Every problem, as field path → message. `Ok` means the engine can
    /// run with it (given a secret).
    pub fn validate(&self) -> Result<(), Problems> {
        let mut problems = Problems::default();
        self.check_halo(&mut problems);
        self.check_watch(&mut problems);
        if let Err(e) = Filters::compile(self.filters.clone()) {
            problems.add(&format!("filters.{}", e.field), e.to_string());
        }
        self.check_webhook(&mut problems);
        if self.grouping.enabled {
            let rule = GroupingRule {
                threshold: self.grouping.threshold,
                window: self.grouping.window,
            };
            if let Err(e) = rule.validate() {
                problems.add("grouping.window", e.to_string());
            }
        }
        let days = self.log.retention_days;
        if days == 0 || days > Limits::MAX_RETENTION_DAYS {
            problems.add(
                "log.retention_days",
                format!(
                    "{days} days is out of range: keep the log between 1 and {} days",
                    Limits::MAX_RETENTION_DAYS
                ),
            );
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    fn check_halo(&self, problems: &mut Problems) {
        let h = &self.halo;
        let Some(url) = h.url.as_deref().filter(|u| !u.trim().is_empty()) else {
            return;
        };
        let parsed = match InstanceUrl::parse(url, h.allow_insecure_http) {
            Ok(parsed) => Some(parsed),
            Err(e) => {
                problems.add("halo.url", e.to_string());
                None
            }
        };
        let client_id = h.client_id.as_deref().filter(|c| !c.trim().is_empty());
        if client_id.is_none() {
            problems.add(
                "halo.client_id",
                "is missing: create an API application in Halo (Configuration > Integrations > \
                 Halo API, authentication \"Client ID and Secret\") and put its client ID here \
                 or in HALO_CLIENT_ID",
            );
        }
        if let (Some(parsed), Some(auth)) = (parsed, h.auth_server.as_deref()) {
            let mut settings = ConnectionSettings::new(parsed, client_id.unwrap_or_default());
            settings.allow_insecure_http = h.allow_insecure_http;
            if let Err(e) = settings.with_auth_server(auth) {
                problems.add("halo.auth_server", e.to_string());
            }
        }
    }

    fn check_watch(&self, problems: &mut Problems) {
        let w = &self.watch;
        let mut within = |field: &str, value: HumanDuration, min: Duration, max: Duration, why| {
            let d = value.as_std();
            if d < min {
                problems.add(
                    field,
                    format!("{value} is too short: at least {}{why}", HumanDuration(min)),
                );
            } else if d > max {
                problems.add(
                    field,
                    format!("{value} is too long: at most {}", HumanDuration(max)),
                );
            }
        };
        within(
            "watch.poll_interval",
            w.poll_interval,
            Limits::MIN_POLL_INTERVAL,
            Limits::MAX_POLL_INTERVAL,
            ", to stay well under Halo's 300 requests per 5 minutes",
        );
        within(
            "watch.reconcile_every",
            w.reconcile_every,
            Limits::MIN_RECONCILE,
            Limits::MAX_RECONCILE,
            "",
        );
        within(
            "watch.overlap",
            w.overlap,
            Duration::ZERO,
            Limits::MAX_OVERLAP,
            "",
        );
    }

    fn check_webhook(&self, problems: &mut Problems) {
        let w = &self.webhook;
        match w.bind.trim().parse::<SocketAddr>() {
            Err(_) => problems.add(
                "webhook.bind",
                format!(
                    "{:?} is not an address:port such as {DEFAULT_WEBHOOK_BIND}",
                    w.bind
                ),
            ),
            Ok(bind) if !bind.ip().is_loopback() && !w.allow_remote => problems.add(
                "webhook.bind",
                format!(
                    "{bind} accepts webhooks from other machines: set allow_remote = true if \
                     that is intended (and put TLS in front), or bind 127.0.0.1"
                ),
            ),
            Ok(_) => {}
        }
        if let Some(public) = w.public_url.as_deref().filter(|u| !u.trim().is_empty())
            && !(public.starts_with("https://") || public.starts_with("http://"))
        {
            problems.add(
                "webhook.public_url",
                format!("{public:?} is not a URL: write it as https://host[:port]"),
            );
        }
    }
}

/// Parses a duration given to a command (`snooze 1234 15m`), refusing one
/// beyond `max` with a message naming the limit.
pub fn command_duration(
    what: &str,
    text: &str,
    max: Duration,
) -> Result<Duration, crate::AppError> {
    let d: HumanDuration = text.parse().map_err(|e| crate::AppError::Invalid {
        what: what.to_owned(),
        message: format!("{e}"),
    })?;
    if d.as_std() > max {
        return Err(crate::AppError::Invalid {
            what: what.to_owned(),
            message: format!("{d} is too long: at most {}", HumanDuration(max)),
        });
    }
    Ok(d.as_std())
}
