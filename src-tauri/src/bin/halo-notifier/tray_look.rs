//! What the tray shows for the app's state: which icon (idle, open alerts
//! with their count on a badge, critical pending, paused, not connected) and
//! the tooltip, which names the count and any problem in words.

use chrono::{DateTime, Local, Utc};

/// The tray's states, most pressing first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayState {
    Error,
    Critical,
    Paused,
    Alerts,
    Idle,
}

/// What the tray's look is computed from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrayFacts {
    pub open: usize,
    pub critical: usize,
    pub paused_until: Option<DateTime<Utc>>,
    /// Why Halo cannot be reached, when it cannot.
    pub problem: Option<String>,
    pub demo: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayLook {
    pub state: TrayState,
    pub icon: &'static [u8],
    pub tooltip: String,
}

/// Not being able to reach Halo hides every new ticket, so it outranks
/// everything; a pending critical alert outranks a pause the user chose.
pub fn state_of(facts: &TrayFacts) -> TrayState {
    if facts.problem.is_some() {
        TrayState::Error
    } else if facts.critical > 0 {
        TrayState::Critical
    } else if facts.paused_until.is_some() {
        TrayState::Paused
    } else if facts.open > 0 {
        TrayState::Alerts
    } else {
        TrayState::Idle
    }
}

pub fn look(facts: &TrayFacts) -> TrayLook {
    let state = state_of(facts);
    let icon = match state {
        TrayState::Error => ICON_ERROR,
        TrayState::Critical => ICON_CRITICAL,
        TrayState::Paused => ICON_PAUSED,
        TrayState::Alerts => ALERT_COUNT_ICONS[facts.open.clamp(1, 10) - 1],
        TrayState::Idle => ICON_IDLE,
    };
    TrayLook {
        state,
        icon,
        tooltip: tooltip(facts, state),
    }
}

fn tooltip(facts: &TrayFacts, state: TrayState) -> String {
    let mut lines = vec![if facts.demo {
        "Halo Notifier (demo)".to_owned()
    } else {
        "Halo Notifier".to_owned()
    }];
    if let Some(problem) = &facts.problem {
        lines.push(format!("Not connected: {problem}"));
    }
    lines.push(match (facts.open, facts.critical) {
        (0, _) => "No open alerts".to_owned(),
        (1, 1) => "1 open alert, critical".to_owned(),
        (1, _) => "1 open alert".to_owned(),
        (n, 0) => format!("{n} open alerts"),
        (n, c) => format!("{n} open alerts, {c} critical"),
    });
    if let Some(until) = facts.paused_until {
        lines.push(format!(
            "Notifications paused until {}",
            until.with_timezone(&Local).format("%a %H:%M")
        ));
    }
    debug_assert!(state != TrayState::Error || facts.problem.is_some());
    lines.join("\n")
}

const ICON_IDLE: &[u8] = include_bytes!("../../../../icons/tray-idle.png");
const ICON_CRITICAL: &[u8] = include_bytes!("../../../../icons/tray-critical.png");
const ICON_PAUSED: &[u8] = include_bytes!("../../../../icons/tray-paused.png");
const ICON_ERROR: &[u8] = include_bytes!("../../../../icons/tray-error.png");
/// 1 to 9 open alerts, then "9+".
const ALERT_COUNT_ICONS: [&[u8]; 10] = [
    include_bytes!("../../../../icons/tray-alerts-1.png"),
    include_bytes!("../../../../icons/tray-alerts-2.png"),
    include_bytes!("../../../../icons/tray-alerts-3.png"),
    include_bytes!("../../../../icons/tray-alerts-4.png"),
    include_bytes!("../../../../icons/tray-alerts-5.png"),
    include_bytes!("../../../../icons/tray-alerts-6.png"),
    include_bytes!("../../../../icons/tray-alerts-7.png"),
    include_bytes!("../../../../icons/tray-alerts-8.png"),
    include_bytes!("../../../../icons/tray-alerts-9.png"),
    include_bytes!("../../../../icons/tray-alerts-9plus.png"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_open_shows_the_idle_bell() {
        let look = look(&TrayFacts::default());
        assert_eq!(look.state, TrayState::Idle);
        assert_eq!(look.icon, ICON_IDLE);
        assert!(look.tooltip.contains("No open alerts"));
    }

    #[test]
    fn open_alerts_show_their_count_in_icon_and_tooltip() {
        let three = look(&TrayFacts {
            open: 3,
            ..TrayFacts::default()
        });
        assert_eq!(three.state, TrayState::Alerts);
        assert_eq!(three.icon, ALERT_COUNT_ICONS[2]);
        assert!(three.tooltip.contains("3 open alerts"), "{}", three.tooltip);
        let many = look(&TrayFacts {
            open: 42,
            ..TrayFacts::default()
        });
        assert_eq!(many.icon, ALERT_COUNT_ICONS[9]);
        assert!(many.tooltip.contains("42 open alerts"));
    }

    #[test]
    fn a_pending_critical_alert_outranks_a_pause() {
        let facts = TrayFacts {
            open: 2,
            critical: 1,
            paused_until: Some(Utc::now()),
            ..TrayFacts::default()
        };
        let look = look(&facts);
        assert_eq!(look.state, TrayState::Critical);
        assert!(look.tooltip.contains("2 open alerts, 1 critical"));
        assert!(look.tooltip.contains("paused until"));
    }

    #[test]
    fn paused_with_nothing_critical_shows_the_paused_bell() {
        let facts = TrayFacts {
            open: 1,
            paused_until: Some(Utc::now()),
            ..TrayFacts::default()
        };
        assert_eq!(look(&facts).icon, ICON_PAUSED);
    }

    #[test]
    fn not_reaching_halo_shows_the_reason_in_the_tooltip() {
        let facts = TrayFacts {
            open: 4,
            critical: 2,
            problem: Some("Halo rejected the client secret: enter it again in Settings".into()),
            ..TrayFacts::default()
        };
        let look = look(&facts);
        assert_eq!(look.state, TrayState::Error);
        assert_eq!(look.icon, ICON_ERROR);
        assert!(
            look.tooltip
                .contains("Not connected: Halo rejected the client secret")
        );
    }
}
