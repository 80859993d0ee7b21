//! Live or demo, and why: front ends show it (the CLI on stderr, the app in
//! its status), so a config in the wrong place is never mistaken for
//! monitoring.

use std::path::PathBuf;

use serde::Serialize;

/// What the app is connected to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Mode {
    /// A configured Halo, by its web address.
    Live { instance: String },
    /// The built-in simulator.
    Demo { reason: DemoReason },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum DemoReason {
    /// The user asked for it (`run --demo`, the app's demo switch).
    Requested,
    /// No Halo is configured; `looked_at` is where the config was sought.
    NotConfigured { looked_at: Option<PathBuf> },
}

impl Mode {
    /// `"live"` or `"demo"`, as `AppStatus.mode`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Mode::Live { .. } => "live",
            Mode::Demo { .. } => "demo",
        }
    }

    pub fn is_demo(&self) -> bool {
        matches!(self, Mode::Demo { .. })
    }

    /// One sentence for people.
    pub fn describe(&self) -> String {
        match self {
            Mode::Live { instance } => format!("watching {instance}"),
            Mode::Demo {
                reason: DemoReason::Requested,
            } => "DEMO: a simulated Halo with generated tickets (asked for with --demo)".to_owned(),
            Mode::Demo {
                reason: DemoReason::NotConfigured { looked_at },
            } => format!(
                "DEMO: no Halo is configured, so this is a simulated Halo with generated \
                 tickets, not your tickets. The config was looked for at {}; put one there \
                 (`halo-notifier-cli config --example` prints one) or set HALO_URL and \
                 HALO_CLIENT_ID",
                looked_at.as_ref().map_or_else(
                    || "(no config folder on this system)".to_owned(),
                    |p| p.display().to_string()
                )
            ),
        }
    }
}
