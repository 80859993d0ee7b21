//! The tenant's data and the rules Halo applies when it changes: status changes
//! that close or reopen, actions that move `last_update`, reassignment.
//! Everything here is synchronous and runs under one lock.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};

use crate::model::{
    ActionAuthor, Agent, Client, EndUser, NewTicket, Outcome, Priority, SimAction, SimTicket, Site,
    Status, Team, TicketType,
};

/// Why a change was refused; routes turn this into Halo's error bodies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum StoreError {
    #[error("no ticket with id {0}")]
    UnknownTicket(i32),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
}

impl StoreError {
    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// Names of outcomes the simulator's own scripted changes use.
pub(crate) const OUTCOME_LOGGED: &str = "Ticket Logged";
pub(crate) const OUTCOME_CLOSE: &str = "Close Ticket";
pub(crate) const OUTCOME_REOPEN: &str = "Re-open";
pub(crate) const OUTCOME_USER_UPDATE: &str = "User Update";
pub(crate) const OUTCOME_PRIVATE_NOTE: &str = "Private Note";
pub(crate) const OUTCOME_STATUS_CHANGE: &str = "Status Change";
pub(crate) const OUTCOME_REASSIGN: &str = "Reassign";

/// A request to add an action, from `POST /api/Actions` or a scripted change.
#[derive(Debug, Clone, Default)]
pub(crate) struct ActionInput {
    pub ticket_id: i32,
    pub outcome_id: Option<i32>,
    pub outcome_name: Option<String>,
    pub note_html: String,
    pub new_status: Option<i32>,
    /// `Some(0)` unassigns.
    pub new_agent: Option<i32>,
    pub hiddenfromuser: Option<bool>,
    pub timetaken: f64,
    pub sendemail: bool,
    pub author: Option<ActionAuthor>,
}

/// A partial ticket from `POST /api/Tickets`; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub(crate) struct TicketPatch {
    pub id: Option<i32>,
    pub summary: Option<String>,
    pub details_html: Option<String>,
    pub status_id: Option<i32>,
    /// `Some(0)` unassigns.
    pub agent_id: Option<i32>,
    pub team_id: Option<i32>,
    pub team_name: Option<String>,
    pub priority_id: Option<i32>,
    pub tickettype_id: Option<i32>,
    pub client_id: Option<i32>,
    pub site_id: Option<i32>,
    pub user_name: Option<String>,
    pub category: Option<String>,
    pub impact: Option<i32>,
    pub urgency: Option<i32>,
}

pub(crate) struct Store {
    pub statuses: Vec<Status>,
    pub teams: Vec<Team>,
    pub agents: Vec<Agent>,
    pub priorities: Vec<Priority>,
    pub outcomes: Vec<Outcome>,
    pub tickettypes: Vec<TicketType>,
    pub clients: Vec<Client>,
    pub sites: Vec<Site>,
    pub users: Vec<EndUser>,
    pub tickets: BTreeMap<i32, SimTicket>,
    pub actions: HashMap<i32, Vec<SimAction>>,
    pub closed_status_id: i32,
    pub api_agent_id: i32,
    pub next_ticket_id: i32,
    /// Drives generated content (bulk seeding, the generator) deterministically.
    pub rng: fastrand::Rng,
}

impl Store {
    pub(crate) fn status(&self, id: i32) -> Option<&Status> {
        self.statuses.iter().find(|s| s.id == id)
    }

    pub(crate) fn status_by_name(&self, name: &str) -> Option<&Status> {
        self.statuses
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    pub(crate) fn is_closed(&self, status_id: i32) -> bool {
        self.status(status_id).is_some_and(|s| s.closed)
    }

    pub(crate) fn team(&self, id: i32) -> Option<&Team> {
        self.teams.iter().find(|t| t.id == id)
    }

    pub(crate) fn agent(&self, id: i32) -> Option<&Agent> {
        self.agents.iter().find(|a| a.id == id)
    }

    pub(crate) fn priority(&self, id: i32) -> Option<&Priority> {
        self.priorities.iter().find(|p| p.priorityid == id)
    }

    pub(crate) fn tickettype(&self, id: i32) -> Option<&TicketType> {
        self.tickettypes.iter().find(|t| t.id == id)
    }

    pub(crate) fn client(&self, id: i32) -> Option<&Client> {
        self.clients.iter().find(|c| c.id == id)
    }

    pub(crate) fn site(&self, id: i32) -> Option<&Site> {
        self.sites.iter().find(|s| s.id == id)
    }

    pub(crate) fn user(&self, id: i32) -> Option<&EndUser> {
        self.users.iter().find(|u| u.id == id)
    }

    pub(crate) fn outcome(&self, id: i32) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.id == id)
    }

    pub(crate) fn outcome_by_name(&self, name: &str) -> Option<&Outcome> {
        self.outcomes
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(name.trim()))
    }

    pub(crate) fn ticket(&self, id: i32) -> Option<&SimTicket> {
        self.tickets.get(&id)
    }

    pub(crate) fn actions_of(&self, ticket_id: i32) -> &[SimAction] {
        self.actions.get(&ticket_id).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn author_name(&self, author: ActionAuthor) -> String {
        match author {
            ActionAuthor::Agent(id) => self
                .agent(id)
                .map_or_else(|| format!("Agent {id}"), |a| a.name.clone()),
            ActionAuthor::EndUser(id) => self
                .user(id)
                .map_or_else(|| "End User".to_owned(), |u| u.name.clone()),
            ActionAuthor::System => "System".to_owned(),
        }
    }

    /// SLA target dates for a new ticket of this type and priority.
    pub(crate) fn sla_targets(
        &self,
        tickettype_id: i32,
        priority_id: i32,
        from: DateTime<Utc>,
    ) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        let has_sla = self.tickettype(tickettype_id).is_some_and(|t| t.has_sla);
        match self.priority(priority_id) {
            Some(p) if has_sla => (
                Some(from + hours(p.fix_hours)),
                Some(from + hours(p.response_hours)),
            ),
            _ => (None, None),
        }
    }

    fn validate_refs(
        &self,
        team_id: Option<i32>,
        agent_id: Option<i32>,
        status_id: Option<i32>,
        priority_id: Option<i32>,
    ) -> Result<(), StoreError> {
        if let Some(id) = team_id
            && self.team(id).is_none()
        {
            return Err(StoreError::invalid(
                "team_id",
                format!("Team {id} does not exist"),
            ));
        }
        if let Some(id) = agent_id.filter(|&id| id != 0)
            && self.agent(id).is_none()
        {
            return Err(StoreError::invalid(
                "agent_id",
                format!("Agent {id} does not exist"),
            ));
        }
        if let Some(id) = status_id
            && self.status(id).is_none()
        {
            return Err(StoreError::invalid(
                "status_id",
                format!("Status {id} does not exist"),
            ));
        }
        if let Some(id) = priority_id
            && self.priority(id).is_none()
        {
            return Err(StoreError::invalid(
                "priority_id",
                format!("Priority {id} does not exist"),
            ));
        }
        Ok(())
    }

    /// Logs a new ticket with an opening action, as Halo does.
    pub(crate) fn create_ticket(
        &mut self,
        new: NewTicket,
        logged_by: Option<ActionAuthor>,
        now: DateTime<Utc>,
    ) -> i32 {
        let id = self.next_ticket_id;
        self.next_ticket_id += 1;
        let (user_id, user_name) = self.pick_user(new.client_id, new.site_id, new.user_name);
        let (fixbydate, respondbydate) = self.sla_targets(new.tickettype_id, new.priority_id, now);
        let closed = self.is_closed(new.status_id);
        let ticket = SimTicket {
            id,
            summary: new.summary,
            details_html: new.details_html,
            status_id: new.status_id,
            priority_id: new.priority_id,
            tickettype_id: new.tickettype_id,
            team_id: new.team_id,
            agent_id: new.agent_id.filter(|&a| a != 0),
            client_id: new.client_id,
            site_id: new.site_id,
            user_id,
            user_name,
            category: String::new(),
            impact: 3,
            urgency: 3,
            dateoccurred: now,
            datecreated: now,
            dateclosed: closed.then_some(now),
            last_update: now,
            lastactiondate: now,
            fixbydate,
            respondbydate,
            hasbeenclosed: closed,
        };
        let author = logged_by.unwrap_or(if user_id > 0 {
            ActionAuthor::EndUser(user_id)
        } else {
            ActionAuthor::System
        });
        let note = ticket.details_html.clone();
        self.insert_ticket(ticket);
        self.push_action(id, OUTCOME_LOGGED, author, note, None, None, now);
        id
    }

    /// Stores a fully formed ticket (seeding); keeps the id counter ahead of it.
    pub(crate) fn insert_ticket(&mut self, ticket: SimTicket) {
        self.next_ticket_id = self.next_ticket_id.max(ticket.id + 1);
        self.tickets.insert(ticket.id, ticket);
    }

    fn pick_user(&self, client_id: i32, site_id: i32, name: Option<String>) -> (i32, String) {
        if let Some(name) = name {
            let id = self
                .users
                .iter()
                .find(|u| u.name == name)
                .map_or(0, |u| u.id);
            return (id, name);
        }
        self.users
            .iter()
            .find(|u| u.site_id == site_id)
            .or_else(|| self.users.iter().find(|u| u.client_id == client_id))
            .map_or((0, "General User".to_owned()), |u| (u.id, u.name.clone()))
    }

    /// Appends an action record and moves the ticket's action and update dates.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push_action(
        &mut self,
        ticket_id: i32,
        outcome_name: &str,
        author: ActionAuthor,
        note_html: String,
        new_status: Option<i32>,
        new_agent: Option<i32>,
        now: DateTime<Utc>,
    ) -> Option<SimAction> {
        let outcome = self.outcome_by_name(outcome_name).cloned();
        let who = self.author_name(author);
        let old_status = self.tickets.get(&ticket_id)?.status_id;
        let list = self.actions.entry(ticket_id).or_default();
        let action = SimAction {
            id: list.last().map_or(1, |a| a.id + 1),
            ticket_id,
            outcome: outcome
                .as_ref()
                .map_or_else(|| outcome_name.to_owned(), |o| o.name.clone()),
            outcome_id: outcome.as_ref().map_or(0, |o| o.id),
            author,
            who,
            note_html,
            datetime: now,
            actiondatecreated: now,
            old_status,
            new_status,
            new_agent,
            hiddenfromuser: outcome.as_ref().is_some_and(|o| o.hidden_from_user),
            timetaken: 0.0,
            sendemail: false,
        };
        list.push(action.clone());
        if let Some(t) = self.tickets.get_mut(&ticket_id) {
            t.lastactiondate = now;
            t.last_update = now;
        }
        Some(action)
    }

    /// Moves a ticket to a status, applying Halo's closure bookkeeping.
    fn apply_status(&mut self, ticket_id: i32, status_id: i32, now: DateTime<Utc>) {
        let closed = self.is_closed(status_id);
        if let Some(t) = self.tickets.get_mut(&ticket_id) {
            let was_closed = t.dateclosed.is_some();
            t.status_id = status_id;
            if closed && !was_closed {
                t.dateclosed = Some(now);
                t.hasbeenclosed = true;
            } else if !closed {
                t.dateclosed = None;
                t.hasbeenclosed = false;
            }
            t.last_update = now;
        }
    }

    fn apply_agent(&mut self, ticket_id: i32, agent_id: i32, now: DateTime<Utc>) {
        if let Some(t) = self.tickets.get_mut(&ticket_id) {
            t.agent_id = (agent_id != 0).then_some(agent_id);
            t.last_update = now;
        }
    }

    /// The agent a scripted change is attributed to: the ticket's own agent,
    /// else a member of its team, else the API agent.
    fn acting_agent(&self, ticket_id: i32) -> i32 {
        let Some(t) = self.ticket(ticket_id) else {
            return self.api_agent_id;
        };
        t.agent_id
            .or_else(|| {
                self.agents
                    .iter()
                    .find(|a| a.team_ids.contains(&t.team_id) && a.id != self.api_agent_id)
                    .map(|a| a.id)
            })
            .unwrap_or(self.api_agent_id)
    }

    /// `POST /api/Actions` and every scripted change that leaves a trace.
    pub(crate) fn add_action(
        &mut self,
        input: ActionInput,
        now: DateTime<Utc>,
    ) -> Result<SimAction, StoreError> {
        if !self.tickets.contains_key(&input.ticket_id) {
            return Err(StoreError::UnknownTicket(input.ticket_id));
        }
        let outcome = match (input.outcome_id, input.outcome_name.as_deref()) {
            (Some(id), _) if id > 0 => self.outcome(id).cloned().ok_or_else(|| {
                StoreError::invalid("outcome_id", format!("Outcome {id} does not exist"))
            })?,
            (_, Some(name)) if !name.trim().is_empty() => {
                self.outcome_by_name(name).cloned().ok_or_else(|| {
                    StoreError::invalid("outcome", format!("Outcome '{name}' does not exist"))
                })?
            }
            _ => self
                .outcome_by_name(OUTCOME_PRIVATE_NOTE)
                .cloned()
                .ok_or_else(|| StoreError::invalid("outcome", "An outcome is required"))?,
        };
        let old_status = self.ticket(input.ticket_id).map_or(0, |t| t.status_id);
        let new_status = input.new_status.filter(|&s| s > 0).or(outcome.newstatus);
        self.validate_refs(None, input.new_agent, new_status, None)?;
        let author = input
            .author
            .unwrap_or(ActionAuthor::Agent(self.api_agent_id));
        if let Some(status) = new_status {
            self.apply_status(input.ticket_id, status, now);
        }
        if let Some(agent) = input.new_agent {
            self.apply_agent(input.ticket_id, agent, now);
        }
        let mut action = self
            .push_action(
                input.ticket_id,
                &outcome.name,
                author,
                input.note_html,
                new_status,
                input.new_agent,
                now,
            )
            .ok_or(StoreError::UnknownTicket(input.ticket_id))?;
        action.old_status = old_status;
        action.hiddenfromuser = input.hiddenfromuser.unwrap_or(outcome.hidden_from_user);
        action.timetaken = input.timetaken;
        action.sendemail = input.sendemail;
        if let Some(stored) = self
            .actions
            .get_mut(&input.ticket_id)
            .and_then(|l| l.last_mut())
        {
            *stored = action.clone();
        }
        Ok(action)
    }

    /// `POST /api/Tickets` with one element: update, or create when `id` is 0/absent.
    pub(crate) fn apply_patch(
        &mut self,
        patch: TicketPatch,
        now: DateTime<Utc>,
    ) -> Result<i32, StoreError> {
        let team_id = match (&patch.team_id, &patch.team_name) {
            (Some(id), _) => Some(*id),
            (None, Some(name)) => Some(
                self.teams
                    .iter()
                    .find(|t| t.name.eq_ignore_ascii_case(name))
                    .map(|t| t.id)
                    .ok_or_else(|| {
                        StoreError::invalid("team", format!("Team '{name}' does not exist"))
                    })?,
            ),
            (None, None) => None,
        };
        self.validate_refs(team_id, patch.agent_id, patch.status_id, patch.priority_id)?;
        let id = match patch.id.filter(|&id| id > 0) {
            None => {
                let defaults = NewTicket::default();
                let new = NewTicket {
                    summary: patch.summary.clone().unwrap_or_default(),
                    details_html: patch.details_html.clone().unwrap_or_default(),
                    team_id: team_id.unwrap_or(defaults.team_id),
                    agent_id: patch.agent_id,
                    priority_id: patch.priority_id.unwrap_or(defaults.priority_id),
                    client_id: patch.client_id.unwrap_or(defaults.client_id),
                    site_id: patch.site_id.unwrap_or(defaults.site_id),
                    tickettype_id: patch.tickettype_id.unwrap_or(defaults.tickettype_id),
                    status_id: patch.status_id.unwrap_or(defaults.status_id),
                    user_name: patch.user_name.clone(),
                };
                let author = ActionAuthor::Agent(self.api_agent_id);
                return Ok(self.create_ticket(new, Some(author), now));
            }
            Some(id) => id,
        };
        if !self.tickets.contains_key(&id) {
            return Err(StoreError::UnknownTicket(id));
        }
        if let Some(status) = patch.status_id {
            self.apply_status(id, status, now);
        }
        if let Some(agent) = patch.agent_id {
            self.apply_agent(id, agent, now);
        }
        let Some(t) = self.tickets.get_mut(&id) else {
            return Err(StoreError::UnknownTicket(id));
        };
        if let Some(v) = patch.summary {
            t.summary = v;
        }
        if let Some(v) = patch.details_html {
            t.details_html = v;
        }
        if let Some(v) = team_id {
            t.team_id = v;
        }
        if let Some(v) = patch.priority_id {
            t.priority_id = v;
        }
        if let Some(v) = patch.tickettype_id {
            t.tickettype_id = v;
        }
        if let Some(v) = patch.client_id {
            t.client_id = v;
        }
        if let Some(v) = patch.site_id {
            t.site_id = v;
        }
        if let Some(v) = patch.user_name {
            t.user_name = v;
        }
        if let Some(v) = patch.category {
            t.category = v;
        }
        if let Some(v) = patch.impact {
            t.impact = v;
        }
        if let Some(v) = patch.urgency {
            t.urgency = v;
        }
        t.last_update = now;
        Ok(id)
    }

    // Scripted changes below stand for what a technician or an end user does
    // in Halo's own UI; each leaves the action Halo would record.

    pub(crate) fn set_status(
        &mut self,
        id: i32,
        status_id: i32,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let agent = self.acting_agent(id);
        let outcome = if self.is_closed(status_id) {
            OUTCOME_CLOSE
        } else {
            OUTCOME_STATUS_CHANGE
        };
        self.add_action(
            ActionInput {
                ticket_id: id,
                outcome_name: Some(outcome.to_owned()),
                new_status: Some(status_id),
                author: Some(ActionAuthor::Agent(agent)),
                ..ActionInput::default()
            },
            now,
        )
        .map(drop)
    }

    pub(crate) fn assign(
        &mut self,
        id: i32,
        agent_id: Option<i32>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let actor = self.acting_agent(id);
        self.add_action(
            ActionInput {
                ticket_id: id,
                outcome_name: Some(OUTCOME_REASSIGN.to_owned()),
                new_agent: Some(agent_id.unwrap_or(0)),
                author: Some(ActionAuthor::Agent(actor)),
                ..ActionInput::default()
            },
            now,
        )
        .map(drop)
    }

    pub(crate) fn set_team(
        &mut self,
        id: i32,
        team_id: i32,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.apply_patch(
            TicketPatch {
                id: Some(id),
                team_id: Some(team_id),
                ..TicketPatch::default()
            },
            now,
        )
        .map(drop)
    }

    pub(crate) fn close(
        &mut self,
        id: i32,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let agent = self.acting_agent(id);
        let closed = self.closed_status_id;
        self.add_action(
            ActionInput {
                ticket_id: id,
                outcome_name: Some(OUTCOME_CLOSE.to_owned()),
                note_html: text_to_html(note),
                new_status: Some(closed),
                author: Some(ActionAuthor::Agent(agent)),
                ..ActionInput::default()
            },
            now,
        )
        .map(drop)
    }

    pub(crate) fn reopen(&mut self, id: i32, now: DateTime<Utc>) -> Result<(), StoreError> {
        let agent = self.acting_agent(id);
        self.add_action(
            ActionInput {
                ticket_id: id,
                outcome_name: Some(OUTCOME_REOPEN.to_owned()),
                author: Some(ActionAuthor::Agent(agent)),
                ..ActionInput::default()
            },
            now,
        )
        .map(drop)
    }

    /// An end user's e-mail reply: an action by the ticket's user. The status
    /// stays as it is (Halo can be configured either way).
    pub(crate) fn customer_reply(
        &mut self,
        id: i32,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let user_id = self
            .ticket(id)
            .map(|t| t.user_id)
            .ok_or(StoreError::UnknownTicket(id))?;
        let author = if user_id > 0 {
            ActionAuthor::EndUser(user_id)
        } else {
            ActionAuthor::System
        };
        let mut action = self.add_action(
            ActionInput {
                ticket_id: id,
                outcome_name: Some(OUTCOME_USER_UPDATE.to_owned()),
                note_html: text_to_html(text),
                hiddenfromuser: Some(false),
                author: Some(author),
                ..ActionInput::default()
            },
            now,
        )?;
        if user_id == 0
            && let Some(t) = self.ticket(id)
        {
            action.who = t.user_name.clone();
            if let Some(stored) = self.actions.get_mut(&id).and_then(|l| l.last_mut()) {
                *stored = action;
            }
        }
        Ok(())
    }

    pub(crate) fn set_last_update(&mut self, id: i32, at: DateTime<Utc>) -> Result<(), StoreError> {
        let t = self
            .tickets
            .get_mut(&id)
            .ok_or(StoreError::UnknownTicket(id))?;
        t.last_update = at;
        Ok(())
    }
}

fn hours(h: f64) -> Duration {
    Duration::seconds((h * 3600.0) as i64)
}

/// Plain text as the HTML Halo would store for it.
pub(crate) fn text_to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}
