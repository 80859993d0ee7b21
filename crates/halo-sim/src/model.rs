//! The tenant's records as the simulator keeps them: plain typed values with
//! UTC dates. How they look on the wire is `wire.rs`'s business.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A ticket status (`TStatus`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub id: i32,
    pub name: String,
    pub shortname: String,
    /// Halo's `type`; its meaning is undocumented. The simulator uses
    /// 0 = open, 1 = waiting (SLA on hold), 2 = resolved, 4 = closed.
    pub status_type: i32,
    pub colour: String,
    pub sequence: i32,
    /// Whether a ticket in this status counts as closed.
    pub closed: bool,
    /// Whether the SLA clock stops (`onhold` on the ticket).
    pub sla_hold: bool,
}

/// A team (`SectionDetail`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    pub id: i32,
    pub guid: String,
    pub name: String,
    pub inactive: bool,
}

/// An agent (`Uname`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub team_ids: Vec<i32>,
    pub is_api_agent: bool,
    pub colour: String,
}

/// A priority of the tenant's one SLA (`Policy`); tickets refer to `priorityid`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Priority {
    pub priorityid: i32,
    pub guid: String,
    pub name: String,
    pub colour: String,
    pub fix_hours: f64,
    pub response_hours: f64,
}

/// An action outcome (`TOutcome`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub id: i32,
    pub name: String,
    pub buttonname: String,
    pub newstatus: Option<i32>,
    pub mustaddnote: bool,
    pub hidden_from_user: bool,
    pub colour: String,
    pub sequence: i32,
}

/// A ticket type (request type).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketType {
    pub id: i32,
    pub name: String,
    /// Types without an SLA carry "no date" in `fixbydate` / `respondbydate`.
    pub has_sla: bool,
}

/// A customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Client {
    pub id: i32,
    pub name: String,
}

/// A customer's site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    pub id: i32,
    pub client_id: i32,
    pub name: String,
}

/// An end user at a customer's site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndUser {
    pub id: i32,
    pub client_id: i32,
    pub site_id: i32,
    pub name: String,
    pub email: String,
}

/// A ticket (`Faults`) as stored. `agent_id: None` is unassigned (0 on the wire).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimTicket {
    pub id: i32,
    pub summary: String,
    pub details_html: String,
    pub status_id: i32,
    pub priority_id: i32,
    pub tickettype_id: i32,
    pub team_id: i32,
    pub agent_id: Option<i32>,
    pub client_id: i32,
    pub site_id: i32,
    pub user_id: i32,
    pub user_name: String,
    pub category: String,
    pub impact: i32,
    pub urgency: i32,
    pub dateoccurred: DateTime<Utc>,
    pub datecreated: DateTime<Utc>,
    pub dateclosed: Option<DateTime<Utc>>,
    pub last_update: DateTime<Utc>,
    pub lastactiondate: DateTime<Utc>,
    pub fixbydate: Option<DateTime<Utc>>,
    pub respondbydate: Option<DateTime<Utc>>,
    pub hasbeenclosed: bool,
}

/// Who wrote an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionAuthor {
    Agent(i32),
    EndUser(i32),
    /// Halo itself (automations, the ticket's logging).
    System,
}

/// An action on a ticket (`Actions`). `id` counts from 1 within each ticket,
/// as Halo's action numbers do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimAction {
    pub id: i32,
    pub ticket_id: i32,
    pub outcome: String,
    pub outcome_id: i32,
    pub author: ActionAuthor,
    /// The author's display name (`who`).
    pub who: String,
    pub note_html: String,
    pub datetime: DateTime<Utc>,
    pub actiondatecreated: DateTime<Utc>,
    pub old_status: i32,
    pub new_status: Option<i32>,
    pub new_agent: Option<i32>,
    pub hiddenfromuser: bool,
    pub timetaken: f64,
    pub sendemail: bool,
}

/// What a test or the control API supplies to log a ticket. Every field has a
/// default, so `NewTicket { summary: "..".into(), ..Default::default() }` works.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewTicket {
    pub summary: String,
    pub details_html: String,
    pub team_id: i32,
    pub agent_id: Option<i32>,
    pub priority_id: i32,
    pub client_id: i32,
    pub site_id: i32,
    pub tickettype_id: i32,
    pub status_id: i32,
    /// The reporting end user; `None` takes the site's first user.
    pub user_name: Option<String>,
}

impl Default for NewTicket {
    fn default() -> Self {
        Self {
            summary: "Test ticket".to_owned(),
            details_html: String::new(),
            team_id: 1,
            agent_id: None,
            priority_id: 3,
            client_id: 1,
            site_id: 1,
            tickettype_id: 1,
            status_id: 1,
            user_name: None,
        }
    }
}

impl NewTicket {
    pub fn new(summary: impl Into<String>) -> Self {
        Self {
            summary: summary.into(),
            ..Self::default()
        }
    }
}
