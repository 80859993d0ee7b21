//! Halo's JSON for each record type: field names and types from the OpenAPI
//! schemas (`Faults`, `Actions`, `TStatus`, `SectionDetail`, `Uname`, `Policy`,
//! `TOutcome`), dates in Halo's mixed forms, and Halo's habit of omitting nulls.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::dates::{self, DateField, NO_DATE_0001, NO_DATE_1900};
use crate::model::{ActionAuthor, Agent, Outcome, Priority, SimAction, SimTicket, Status, Team};
use crate::plaintext::html_to_text;
use crate::store::Store;

/// How much of a ticket to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TicketView {
    /// A row of `GET /api/Tickets`: no details, no `priority` object.
    ListRow,
    /// `GET /api/Tickets/{id}`; `last_action` adds the `action_*` fields.
    Full { last_action: bool },
}

/// The single SLA every ticket type with an SLA uses.
const SLA_ID: i32 = 1;
const SLA_NAME: &str = "Standard SLA";

fn insert(map: &mut Map<String, Value>, key: &str, value: Value) {
    map.insert(key.to_owned(), value);
}

/// `slastate`: "I" inside the fix-by target, "O" outside, "" with no SLA.
fn sla_state(t: &SimTicket, now: DateTime<Utc>) -> &'static str {
    match t.fixbydate {
        None => "",
        Some(fix) if t.dateclosed.unwrap_or(now) <= fix => "I",
        Some(_) => "O",
    }
}

pub(crate) fn ticket(store: &Store, t: &SimTicket, view: TicketView, now: DateTime<Utc>) -> Value {
    let id = i64::from(t.id);
    let status = store.status(t.status_id);
    let priority = store.priority(t.priority_id);
    let user = store.user(t.user_id);
    let date = |dt, field, none| Value::String(dates::render_field(dt, id, field, none));
    let mut m = Map::new();
    insert(&mut m, "id", json!(t.id));
    insert(&mut m, "summary", json!(t.summary));
    if let TicketView::Full { .. } = view {
        insert(&mut m, "details", json!(html_to_text(&t.details_html)));
        insert(&mut m, "details_html", json!(t.details_html));
    }
    insert(&mut m, "status_id", json!(t.status_id));
    if let Some(s) = status {
        insert(&mut m, "status_name", json!(s.name));
    }
    insert(&mut m, "priority_id", json!(t.priority_id));
    insert(&mut m, "tickettype_id", json!(t.tickettype_id));
    if let TicketView::Full { .. } = view {
        // Seen in real responses though missing from the OpenAPI document.
        if let Some(p) = priority {
            insert(
                &mut m,
                "priority",
                json!({ "name": p.name, "colour": p.colour }),
            );
        }
        if let Some(tt) = store.tickettype(t.tickettype_id) {
            insert(&mut m, "tickettype_name", json!(tt.name));
        }
    }
    let has_sla = t.fixbydate.is_some();
    insert(&mut m, "sla_id", json!(if has_sla { SLA_ID } else { 0 }));
    if has_sla {
        insert(&mut m, "sla_name", json!(SLA_NAME));
    }
    insert(
        &mut m,
        "team",
        json!(store.team(t.team_id).map_or("", |team| team.name.as_str())),
    );
    // Seen in real responses though missing from the OpenAPI document.
    insert(&mut m, "team_id", json!(t.team_id));
    insert(&mut m, "agent_id", json!(t.agent_id.unwrap_or(0)));
    if let Some(agent) = t.agent_id.and_then(|a| store.agent(a)) {
        insert(&mut m, "agent_name", json!(agent.name));
    }
    insert(&mut m, "client_id", json!(t.client_id));
    if let Some(c) = store.client(t.client_id) {
        insert(&mut m, "client_name", json!(c.name));
    }
    insert(&mut m, "site_id", json!(t.site_id));
    if let Some(s) = store.site(t.site_id) {
        insert(&mut m, "site_name", json!(s.name));
    }
    insert(&mut m, "user_id", json!(t.user_id));
    insert(&mut m, "user_name", json!(t.user_name));
    if let (TicketView::Full { .. }, Some(u)) = (view, user) {
        insert(&mut m, "user_email", json!(u.email));
        insert(&mut m, "reportedby", json!(u.email));
    }
    insert(&mut m, "category_1", json!(t.category));
    insert(&mut m, "impact", json!(t.impact));
    insert(&mut m, "urgency", json!(t.urgency));
    insert(
        &mut m,
        "dateoccurred",
        date(Some(t.dateoccurred), DateField::Occurred, NO_DATE_1900),
    );
    insert(
        &mut m,
        "datecreated",
        date(Some(t.datecreated), DateField::Created, NO_DATE_1900),
    );
    insert(
        &mut m,
        "dateclosed",
        date(t.dateclosed, DateField::Closed, NO_DATE_1900),
    );
    insert(
        &mut m,
        "last_update",
        date(Some(t.last_update), DateField::LastUpdate, NO_DATE_1900),
    );
    insert(
        &mut m,
        "lastactiondate",
        date(Some(t.lastactiondate), DateField::LastAction, NO_DATE_1900),
    );
    insert(
        &mut m,
        "fixbydate",
        date(t.fixbydate, DateField::FixBy, NO_DATE_1900),
    );
    insert(
        &mut m,
        "respondbydate",
        date(t.respondbydate, DateField::RespondBy, NO_DATE_0001),
    );
    insert(&mut m, "slastate", json!(sla_state(t, now)));
    insert(&mut m, "onhold", json!(status.is_some_and(|s| s.sla_hold)));
    insert(&mut m, "hasbeenclosed", json!(t.hasbeenclosed));
    insert(&mut m, "excludefromsla", json!(!has_sla));
    insert(&mut m, "inactive", json!(false));
    insert(&mut m, "organisation_id", json!(0));
    insert(&mut m, "department_id", json!(0));
    if let TicketView::Full { last_action } = view {
        insert(&mut m, "deadlinedate", json!(NO_DATE_1900));
        insert(&mut m, "startdate", json!(NO_DATE_0001));
        if let Some(s) = status {
            insert(&mut m, "statuscolor", json!(s.colour));
        }
        insert(&mut m, "workflow_name", json!(""));
        insert(&mut m, "oppcompanyname", json!(""));
        if last_action && let Some(a) = store.actions_of(t.id).last() {
            insert(&mut m, "action_number", json!(a.id));
            insert(
                &mut m,
                "action_datetime",
                json!(dates::render_field(
                    Some(a.datetime),
                    id,
                    DateField::ActionDate,
                    NO_DATE_1900
                )),
            );
            insert(&mut m, "action_outcome", json!(a.outcome));
            insert(&mut m, "action_note", json!(html_to_text(&a.note_html)));
            insert(&mut m, "action_agent_name", json!(a.who));
            insert(&mut m, "lastnote", json!(html_to_text(&a.note_html)));
        }
    }
    Value::Object(m)
}

pub(crate) fn action(store: &Store, a: &SimAction) -> Value {
    let object_id = i64::from(a.ticket_id) * 1000 + i64::from(a.id);
    let (who_type, agent_id, user_id) = match a.author {
        ActionAuthor::Agent(id) => (1, id, 0),
        ActionAuthor::EndUser(id) => (2, 0, id),
        ActionAuthor::System => (0, 0, 0),
    };
    let mut m = Map::new();
    insert(&mut m, "id", json!(a.id));
    insert(&mut m, "ticket_id", json!(a.ticket_id));
    insert(&mut m, "outcome", json!(a.outcome));
    insert(&mut m, "outcome_id", json!(a.outcome_id));
    // `who` is in real action responses although the Actions schema lacks it.
    insert(&mut m, "who", json!(a.who));
    insert(&mut m, "who_type", json!(who_type));
    insert(&mut m, "who_agentid", json!(agent_id));
    insert(&mut m, "actionby_agent_id", json!(agent_id));
    insert(&mut m, "actionby_user_id", json!(user_id));
    insert(
        &mut m,
        "datetime",
        json!(dates::render_field(
            Some(a.datetime),
            object_id,
            DateField::ActionDate,
            NO_DATE_1900
        )),
    );
    insert(
        &mut m,
        "actiondatecreated",
        json!(dates::render_field(
            Some(a.actiondatecreated),
            object_id,
            DateField::ActionCreated,
            NO_DATE_1900
        )),
    );
    insert(&mut m, "note", json!(html_to_text(&a.note_html)));
    insert(&mut m, "note_html", json!(a.note_html));
    insert(&mut m, "old_status", json!(a.old_status));
    if let Some(s) = a.new_status {
        insert(&mut m, "new_status", json!(s));
        if let Some(status) = store.status(s) {
            insert(&mut m, "new_status_name", json!(status.name));
        }
    }
    if let Some(agent) = a.new_agent {
        insert(&mut m, "new_agent", json!(agent));
    }
    insert(&mut m, "hiddenfromuser", json!(a.hiddenfromuser));
    insert(&mut m, "timetaken", json!(a.timetaken));
    insert(&mut m, "sendemail", json!(a.sendemail));
    Value::Object(m)
}

pub(crate) fn status(s: &Status) -> Value {
    json!({
        "id": s.id,
        "name": s.name,
        "shortname": s.shortname,
        "type": s.status_type,
        "colour": s.colour,
        "sequence": s.sequence,
        "showonquickchange": true,
        "includeinloadbalance": !s.closed,
    })
}

fn team_link(team: &Team, agent: &Agent) -> Value {
    json!({
        "id": agent.id * 1000 + team.id,
        "agent_id": agent.id,
        "agent_name": agent.name,
        "team_id": team.id,
        "team_guid": team.guid,
        "team_name": team.name,
        "fortickets": true,
    })
}

pub(crate) fn team(store: &Store, t: &Team) -> Value {
    let agents: Vec<Value> = store
        .agents
        .iter()
        .filter(|a| a.team_ids.contains(&t.id))
        .map(|a| team_link(t, a))
        .collect();
    json!({
        "id": t.id,
        "guid": t.guid,
        "name": t.name,
        "sequence": t.id,
        "forrequests": true,
        "inactive": t.inactive,
        "agents": agents,
    })
}

pub(crate) fn agent(store: &Store, a: &Agent) -> Value {
    let teams: Vec<Value> = a
        .team_ids
        .iter()
        .filter_map(|id| store.team(*id))
        .map(|t| team_link(t, a))
        .collect();
    let (first, last) = a.name.split_once(' ').unwrap_or((a.name.as_str(), ""));
    let initials: String = [first, last]
        .iter()
        .filter_map(|part| part.chars().next())
        .collect();
    let default_team = a
        .team_ids
        .first()
        .and_then(|id| store.team(*id))
        .map_or("", |t| t.name.as_str());
    json!({
        "id": a.id,
        "name": a.name,
        "firstname": first,
        "surname": last,
        "initials": initials,
        "email": a.email,
        "colour": a.colour,
        "team": default_team,
        "teams": teams,
        "isdisabled": false,
        "is_agent": true,
        "isapiagent": a.is_api_agent,
    })
}

pub(crate) fn priority(p: &Priority) -> Value {
    json!({
        "id": p.guid,
        "slaid": SLA_ID,
        "priorityid": p.priorityid,
        "name": p.name,
        "fixtime": p.fix_hours,
        "fixunits": "h",
        "responsetime": p.response_hours,
        "responseunits": "h",
        "ishidden": false,
        "colour": p.colour,
    })
}

pub(crate) fn outcome(o: &Outcome) -> Value {
    json!({
        "id": o.id,
        "outcome": o.name,
        "buttonname": o.buttonname,
        "labellong": o.name,
        "colour": o.colour,
        "sequence": o.sequence,
        "hidden": false,
        "newstatus": o.newstatus.unwrap_or(0),
        "mustaddnote": o.mustaddnote,
        "hidefromuser": o.hidden_from_user,
    })
}
