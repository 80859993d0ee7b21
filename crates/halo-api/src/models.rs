//! Typed models of the Halo records a notifier reads and writes. Field names
//! and types follow Halo's OpenAPI document (schema names in each doc
//! comment); unknown fields are ignored, or kept in `extra` on tickets.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{dates, lenient};

/// A Halo ticket (OpenAPI schema `Faults`). List rows carry fewer fields
/// than a ticket fetched by id; every field but `id` may be missing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    #[serde(deserialize_with = "lenient::id")]
    pub id: i32,
    #[serde(default, deserialize_with = "lenient::text")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub details: Option<String>,
    /// HTML written by end users: hostile input, never render it unescaped.
    #[serde(default, deserialize_with = "lenient::text")]
    pub details_html: Option<String>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub status_id: Option<i32>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub status_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub priority_id: Option<i32>,
    /// Seen in real responses, absent from the OpenAPI document.
    #[serde(default, deserialize_with = "lenient_priority")]
    pub priority: Option<PriorityRef>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub tickettype_id: Option<i32>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub tickettype_name: Option<String>,
    /// The team's name (not its id).
    #[serde(default, deserialize_with = "lenient::text")]
    pub team: Option<String>,
    /// Seen in real responses, absent from the OpenAPI document.
    #[serde(default, deserialize_with = "lenient::int")]
    pub team_id: Option<i32>,
    /// 0, -1 or missing when nobody is assigned.
    #[serde(default, deserialize_with = "lenient::int")]
    pub agent_id: Option<i32>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub agent_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub client_id: Option<i32>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub client_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub site_id: Option<i32>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub site_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub user_name: Option<String>,
    #[serde(default, with = "dates::optional")]
    pub dateoccurred: Option<DateTime<Utc>>,
    #[serde(default, with = "dates::optional")]
    pub datecreated: Option<DateTime<Utc>>,
    #[serde(default, with = "dates::optional")]
    pub dateclosed: Option<DateTime<Utc>>,
    #[serde(default, with = "dates::optional")]
    pub last_update: Option<DateTime<Utc>>,
    #[serde(default, with = "dates::optional")]
    pub lastactiondate: Option<DateTime<Utc>>,
    /// When the end user last wrote in: a customer reply.
    #[serde(default, with = "dates::optional")]
    pub lastincomingemail: Option<DateTime<Utc>>,
    #[serde(default, with = "dates::optional")]
    pub fixbydate: Option<DateTime<Utc>>,
    #[serde(default, with = "dates::optional")]
    pub respondbydate: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub slastate: Option<String>,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub onhold: Option<bool>,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub hasbeenclosed: Option<bool>,
    /// Fields this client does not model, kept for templates and debugging.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Ticket {
    /// The assigned agent, treating Halo's 0 / -1 "unassigned" as none.
    pub fn assigned_agent(&self) -> Option<i32> {
        self.agent_id.filter(|id| *id > 0)
    }

    pub fn priority_name(&self) -> Option<&str> {
        self.priority.as_ref().and_then(|p| p.name.as_deref())
    }
}

/// The `priority` object embedded in tickets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PriorityRef {
    #[serde(default, deserialize_with = "lenient::text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub colour: Option<String>,
}

fn lenient_priority<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<PriorityRef>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(value @ Value::Object(_)) => serde_json::from_value(value).ok(),
        Some(Value::String(name)) => Some(PriorityRef {
            name: Some(name),
            colour: None,
        }),
        _ => None,
    })
}

/// A ticket status (schema `TStatus`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Status {
    #[serde(deserialize_with = "lenient::id")]
    pub id: i32,
    #[serde(default, deserialize_with = "lenient::text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub shortname: Option<String>,
    /// Its meaning is undocumented; closed statuses are found by name.
    #[serde(rename = "type", default, deserialize_with = "lenient::int")]
    pub kind: Option<i32>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub colour: Option<String>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub sequence: Option<i32>,
}

/// A team (schema `SectionDetail`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Team {
    #[serde(deserialize_with = "lenient::id")]
    pub id: i32,
    #[serde(default, deserialize_with = "lenient::text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub inactive: Option<bool>,
    #[serde(default, deserialize_with = "lenient::list")]
    pub agents: Vec<TeamMembership>,
}

/// One agent-in-team link (schema `UnameSection`), used both for a team's
/// agents and an agent's teams.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TeamMembership {
    #[serde(default, deserialize_with = "lenient::int")]
    pub agent_id: Option<i32>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub agent_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub team_id: Option<i32>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub team_name: Option<String>,
}

/// An agent (schema `Uname`), e.g. from `GET /api/Agent/me`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    #[serde(deserialize_with = "lenient::id")]
    pub id: i32,
    #[serde(default, deserialize_with = "lenient::text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient::list")]
    pub teams: Vec<TeamMembership>,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub isapiagent: Option<bool>,
}

/// A priority (schema `Policy`): keyed by `priorityid`; its `id` is a GUID.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Priority {
    #[serde(default, deserialize_with = "lenient::int")]
    pub priorityid: Option<i32>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub colour: Option<String>,
}

/// An action outcome (schema `TOutcome`), e.g. "Private Note" or "Close".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    #[serde(deserialize_with = "lenient::id")]
    pub id: i32,
    #[serde(default, deserialize_with = "lenient::text")]
    pub outcome: Option<String>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub newstatus: Option<i32>,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub mustaddnote: Option<bool>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub buttonname: Option<String>,
}

/// An action on a ticket (schema `Actions`): a note, reply or status change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Action {
    #[serde(default, deserialize_with = "lenient::int")]
    pub id: Option<i32>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub ticket_id: Option<i32>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub outcome: Option<String>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub outcome_id: Option<i32>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub note: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub note_html: Option<String>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub new_status: Option<i32>,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub hiddenfromuser: Option<bool>,
    #[serde(default, deserialize_with = "lenient::int")]
    pub who_agentid: Option<i32>,
    #[serde(default, with = "dates::optional")]
    pub datetime: Option<DateTime<Utc>>,
    #[serde(default, with = "dates::optional")]
    pub actiondatecreated: Option<DateTime<Utc>>,
}

/// The body of `POST /api/Actions` (one element of the array).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NewAction {
    pub ticket_id: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome_id: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_status: Option<i32>,
    /// Private: not shown to the end user.
    pub hiddenfromuser: bool,
    pub sendemail: bool,
}

/// The body of `POST /api/Tickets` (one element of the array): only the
/// fields that change.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TicketUpdate {
    pub id: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_id: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<i32>,
}

/// One record of a list that could not be read; reported, never dropped
/// silently.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedRecord {
    pub id: Option<i32>,
    pub reason: String,
}

/// The tickets of a listing, with any rows that could not be read.
#[derive(Debug, Clone, Default)]
pub struct TicketList {
    pub tickets: Vec<Ticket>,
    /// Halo's `record_count`: matches across all pages.
    pub record_count: Option<u64>,
    pub rejected: Vec<RejectedRecord>,
    /// Requests spent, for the budget display.
    pub pages: u32,
    /// Halo's clock (its `Date` header) when it answered the first page:
    /// the safe base for the next delta's `lastupdatefromdate`.
    pub server_date: Option<chrono::DateTime<chrono::Utc>>,
}

/// Every model field name, per OpenAPI schema, for the fidelity test.
pub fn model_fields() -> Vec<(&'static str, Vec<String>)> {
    fn keys<T: Serialize>(sample: &T) -> Vec<String> {
        match serde_json::to_value(sample) {
            Ok(Value::Object(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }
    vec![
        ("Faults", keys(&Ticket::default())),
        ("TStatus", keys(&Status::default())),
        ("SectionDetail", keys(&Team::default())),
        ("UnameSection", keys(&TeamMembership::default())),
        ("Uname", keys(&Agent::default())),
        ("Policy", keys(&Priority::default())),
        ("TOutcome", keys(&Outcome::default())),
        ("Actions", keys(&Action::default())),
        (
            "Actions",
            keys(&NewAction {
                outcome: Some(String::new()),
                outcome_id: Some(0),
                note: Some(String::new()),
                new_status: Some(0),
                ..NewAction::default()
            }),
        ),
        (
            "Faults",
            keys(&TicketUpdate {
                agent_id: Some(0),
                status_id: Some(0),
                team_id: Some(0),
                ..TicketUpdate::default()
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_row_with_few_fields_and_odd_types_still_reads() {
        let ticket: Ticket = serde_json::from_value(serde_json::json!({
            "id": "42", "summary": 7, "agent_id": null, "priority_id": "2",
            "onhold": 0, "hasbeenclosed": "true", "dateclosed": "1900-01-01T00:00:00",
            "last_update": "2024-05-01T10:00:00.1234567Z", "priority": "P1",
            "customfields": [{"name": "CF"}]
        }))
        .expect("readable");
        assert_eq!(ticket.id, 42);
        assert_eq!(ticket.summary.as_deref(), Some("7"));
        assert_eq!(ticket.priority_id, Some(2));
        assert_eq!(ticket.onhold, Some(false));
        assert_eq!(ticket.hasbeenclosed, Some(true));
        assert_eq!(ticket.dateclosed, None);
        assert!(ticket.last_update.is_some());
        assert_eq!(ticket.priority_name(), Some("P1"));
        assert!(ticket.extra.contains_key("customfields"));
    }

    #[test]
    fn unassigned_means_zero_minus_one_or_missing() {
        for agent in [None, Some(0), Some(-1)] {
            let ticket = Ticket {
                agent_id: agent,
                ..Ticket::default()
            };
            assert_eq!(ticket.assigned_agent(), None);
        }
        assert_eq!(
            Ticket {
                agent_id: Some(7),
                ..Ticket::default()
            }
            .assigned_agent(),
            Some(7)
        );
    }

    #[test]
    fn a_ticket_without_a_readable_id_is_an_error_not_a_guess() {
        assert!(serde_json::from_str::<Ticket>(r#"{"id": "abc"}"#).is_err());
        assert!(serde_json::from_str::<Ticket>(r#"{"summary": "x"}"#).is_err());
    }
}
