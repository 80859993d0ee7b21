//! What the command surface returns and broadcasts: alerts as the CLI, the
//! tray and the windows show them, and the change events they subscribe to.

use alert_policy::{EscalationPolicy, Urgency};
use alert_store::{AlertRow, AlertState, CursorRow};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ticket_events::TicketSnapshot;

use crate::notify::Notification;

/// One alert, ready to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertView {
    pub alert_id: i64,
    pub ticket_id: i64,
    pub state: AlertState,
    pub summary: String,
    pub priority_id: Option<i32>,
    pub team_name: Option<String>,
    pub trigger_reason: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub acknowledged_by: Option<String>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolve_reason: Option<String>,
    /// When it notifies next, if it will.
    pub next_notification_at: Option<DateTime<Utc>>,
    /// The ticket in Halo's web UI.
    pub link: String,
    /// The latest version of the ticket.
    pub ticket: TicketSnapshot,
    /// Where an open alert is in its escalation; `None` once acknowledged
    /// or resolved.
    pub escalation: Option<EscalationView>,
}

/// An open alert's escalation step, for the alerts window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationView {
    /// The step reached, from 1.
    pub step: u32,
    /// How many steps the alert's policy has.
    pub steps: u32,
    /// That step's urgency.
    pub urgency: Urgency,
}

impl EscalationView {
    /// From the policy the alert was raised with and its cursor.
    fn of(row: &AlertRow, cursor: &CursorRow) -> Option<Self> {
        let policy: EscalationPolicy = serde_json::from_str(&row.policy_json).ok()?;
        let steps = u32::try_from(policy.steps.len()).unwrap_or(u32::MAX);
        let index = usize::try_from(cursor.step)
            .unwrap_or(usize::MAX)
            .min(policy.steps.len().checked_sub(1)?);
        let step = policy.steps.get(index)?;
        Some(EscalationView {
            step: u32::try_from(index).unwrap_or(u32::MAX).saturating_add(1),
            steps,
            urgency: step.urgency,
        })
    }
}

impl AlertView {
    pub(crate) fn new(row: &AlertRow, cursor: Option<&CursorRow>, instance: &str) -> Self {
        let ticket = serde_json::from_str(&row.snapshot_json).unwrap_or_else(|_| TicketSnapshot {
            ticket_id: i32::try_from(row.ticket_id).unwrap_or_default(),
            summary: Some(row.summary.clone()),
            ..TicketSnapshot::default()
        });
        AlertView {
            alert_id: row.id.0,
            ticket_id: row.ticket_id,
            state: row.state,
            summary: row.summary.clone(),
            priority_id: row.priority_id,
            team_name: row.team_name.clone(),
            trigger_reason: row.trigger_reason.clone(),
            created_at: row.created_at,
            updated_at: row.updated_at,
            acknowledged_by: row.acknowledged_by.clone(),
            snoozed_until: row.snoozed_until,
            resolved_at: row.resolved_at,
            resolve_reason: row.resolve_reason.clone(),
            next_notification_at: cursor
                .and_then(|c| c.next_at)
                .filter(|_| row.state.is_open()),
            link: ticket_link(instance, row.ticket_id),
            ticket,
            escalation: cursor
                .filter(|_| matches!(row.state, AlertState::Triggered | AlertState::Snoozed))
                .and_then(|c| EscalationView::of(row, c)),
        }
    }
}

/// Halo's agent UI page for a ticket.
pub fn ticket_link(instance: &str, ticket_id: i64) -> String {
    format!("{}/ticket?id={ticket_id}", instance.trim_end_matches('/'))
}

/// A change subscribers hear about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum EngineEvent {
    /// An alert was created or changed state or content.
    AlertChanged { alert: Box<AlertView> },
    /// Many alerts changed at once (a big poll): reload the list.
    AlertsChanged { count: usize },
    /// A notification was dispatched.
    Notified { notification: Notification },
    /// A write to Halo (take, note, close) went through.
    Written { ticket_id: i64, kind: String },
    /// A write to Halo gave up; the user should act.
    OutboxFailed {
        ticket_id: i64,
        kind: String,
        error: String,
    },
    /// A write to Halo waits until the credentials work again (they were
    /// refused, or a permission is missing); the user should fix them.
    WriteWaiting {
        ticket_id: i64,
        kind: String,
        error: String,
    },
    /// Notifications were paused until the given time, or resumed (`None`).
    Paused { until: Option<DateTime<Utc>> },
    /// The poller's state changed (ok, failing, rate limited).
    Intake { status: IntakeStatus },
}

/// How intake is doing, for the tray's state and the settings window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeStatus {
    pub ok: bool,
    pub last_poll_at: Option<DateTime<Utc>>,
    /// What went wrong and what to do, when not ok.
    pub problem: Option<String>,
    /// "N requests in the last 5 min (x% of Halo's 300), M in the last hour".
    pub budget: String,
}
