//! The normalised ticket every input becomes: the fields a notifier needs,
//! whether they came from Halo's API or from a webhook body.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A ticket as the engine sees it. Only `ticket_id` is certain; webhook
/// bodies may carry little else.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketSnapshot {
    pub ticket_id: i32,
    pub summary: Option<String>,
    pub details_text: Option<String>,
    pub status_id: Option<i32>,
    pub status_name: Option<String>,
    pub priority_id: Option<i32>,
    pub priority_name: Option<String>,
    pub tickettype_id: Option<i32>,
    pub tickettype_name: Option<String>,
    pub team_id: Option<i32>,
    pub team_name: Option<String>,
    /// `None` when nobody is assigned (Halo's 0 / -1).
    pub agent_id: Option<i32>,
    pub agent_name: Option<String>,
    pub client_id: Option<i32>,
    pub client_name: Option<String>,
    pub site_id: Option<i32>,
    pub site_name: Option<String>,
    pub user_name: Option<String>,
    pub last_update: Option<DateTime<Utc>>,
    /// Halo's `lastincomingemail`: when the end user last wrote in.
    pub last_customer_reply: Option<DateTime<Utc>>,
    pub date_closed: Option<DateTime<Utc>>,
    /// What the input itself says about being closed, when it says anything.
    pub closed_hint: Option<bool>,
}

impl TicketSnapshot {
    /// This (partial) version laid over what was known: every field this
    /// version carries wins, the rest keep their known values. A webhook body
    /// cannot say "nobody is assigned" apart from "not stated", so a known
    /// agent stays until the ticket is re-fetched from Halo (the engine does
    /// that whenever it has credentials).
    pub fn merged_over(&self, base: &TicketSnapshot) -> TicketSnapshot {
        fn pick<T: Clone>(mine: &Option<T>, base: &Option<T>) -> Option<T> {
            mine.clone().or_else(|| base.clone())
        }
        TicketSnapshot {
            ticket_id: self.ticket_id,
            summary: pick(&self.summary, &base.summary),
            details_text: pick(&self.details_text, &base.details_text),
            status_id: pick(&self.status_id, &base.status_id),
            // A status name only goes with its own id.
            status_name: if self.status_id.is_some() || self.status_name.is_some() {
                self.status_name.clone()
            } else {
                base.status_name.clone()
            },
            priority_id: pick(&self.priority_id, &base.priority_id),
            priority_name: name_for(
                (&self.priority_id, &self.priority_name),
                (&base.priority_id, &base.priority_name),
            ),
            tickettype_id: pick(&self.tickettype_id, &base.tickettype_id),
            tickettype_name: name_for(
                (&self.tickettype_id, &self.tickettype_name),
                (&base.tickettype_id, &base.tickettype_name),
            ),
            team_id: pick(&self.team_id, &base.team_id),
            team_name: pick(&self.team_name, &base.team_name),
            agent_id: pick(&self.agent_id, &base.agent_id),
            agent_name: if self.agent_id.is_some() {
                self.agent_name.clone()
            } else {
                pick(&self.agent_name, &base.agent_name)
            },
            client_id: pick(&self.client_id, &base.client_id),
            client_name: pick(&self.client_name, &base.client_name),
            site_id: pick(&self.site_id, &base.site_id),
            site_name: pick(&self.site_name, &base.site_name),
            user_name: pick(&self.user_name, &base.user_name),
            last_update: pick(&self.last_update, &base.last_update),
            last_customer_reply: pick(&self.last_customer_reply, &base.last_customer_reply),
            date_closed: pick(&self.date_closed, &base.date_closed),
            closed_hint: pick(&self.closed_hint, &base.closed_hint),
        }
    }

    /// A row of Halo's ticket list leaves out what only a ticket fetched by
    /// id carries: the details and the names of the priority and the ticket
    /// type. Those keep their known values (names only while the id is the
    /// same), so a list row is not mistaken for a change, nor does it wipe
    /// what a full fetch learnt.
    pub fn keep_unlisted_fields(mut self, known: Option<&TicketSnapshot>) -> TicketSnapshot {
        let Some(known) = known.filter(|k| k.ticket_id == self.ticket_id) else {
            return self;
        };
        if self.details_text.is_none() {
            self.details_text.clone_from(&known.details_text);
        }
        // Names only go with their own id.
        if self.priority_name.is_none()
            && (self.priority_id.is_none() || self.priority_id == known.priority_id)
        {
            self.priority_name.clone_from(&known.priority_name);
        }
        if self.tickettype_name.is_none()
            && (self.tickettype_id.is_none() || self.tickettype_id == known.tickettype_id)
        {
            self.tickettype_name.clone_from(&known.tickettype_name);
        }
        self
    }
}

/// The name this version gives, else the known one if it names the same id.
fn name_for(
    (id, name): (&Option<i32>, &Option<String>),
    (known_id, known_name): (&Option<i32>, &Option<String>),
) -> Option<String> {
    match name {
        Some(name) => Some(name.clone()),
        None if id.is_none() || id == known_id => known_name.clone(),
        None => None,
    }
}

impl From<&halo_api::Ticket> for TicketSnapshot {
    fn from(ticket: &halo_api::Ticket) -> Self {
        let details = ticket
            .details
            .clone()
            .filter(|d| !d.trim().is_empty())
            .or_else(|| ticket.details_html.clone());
        Self {
            ticket_id: ticket.id,
            summary: ticket.summary.clone(),
            details_text: details,
            status_id: ticket.status_id,
            status_name: ticket.status_name.clone(),
            priority_id: ticket.priority_id,
            priority_name: ticket.priority_name().map(str::to_owned),
            tickettype_id: ticket.tickettype_id,
            tickettype_name: ticket.tickettype_name.clone(),
            team_id: ticket.team_id,
            team_name: ticket.team.clone(),
            agent_id: ticket.assigned_agent(),
            agent_name: ticket.assigned_agent().and(ticket.agent_name.clone()),
            client_id: ticket.client_id,
            client_name: ticket.client_name.clone(),
            site_id: ticket.site_id,
            site_name: ticket.site_name.clone(),
            user_name: ticket.user_name.clone(),
            last_update: ticket.last_update,
            last_customer_reply: ticket.lastincomingemail,
            date_closed: ticket.dateclosed,
            closed_hint: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> TicketSnapshot {
        TicketSnapshot {
            ticket_id: 8,
            details_text: Some("It broke".into()),
            priority_id: Some(2),
            priority_name: Some("P2 - High".into()),
            tickettype_id: Some(1),
            tickettype_name: Some("Incident".into()),
            ..TicketSnapshot::default()
        }
    }

    #[test]
    fn a_list_row_keeps_what_only_a_full_fetch_carries() {
        let row = TicketSnapshot {
            ticket_id: 8,
            priority_id: Some(2),
            tickettype_id: Some(1),
            ..TicketSnapshot::default()
        };
        assert_eq!(row.keep_unlisted_fields(Some(&full())), full());
    }

    #[test]
    fn a_changed_priority_drops_the_old_name() {
        let row = TicketSnapshot {
            ticket_id: 8,
            priority_id: Some(1),
            tickettype_id: Some(1),
            ..TicketSnapshot::default()
        };
        let kept = row.clone().keep_unlisted_fields(Some(&full()));
        assert_eq!(kept.priority_name, None);
        assert_eq!(kept.tickettype_name.as_deref(), Some("Incident"));
        assert_eq!(row.merged_over(&full()).priority_name, None);
        // Another ticket's memory is never used.
        let other = TicketSnapshot {
            ticket_id: 9,
            ..row
        };
        assert_eq!(other.clone().keep_unlisted_fields(Some(&full())), other);
    }

    #[test]
    fn an_unassigned_api_ticket_has_no_agent() {
        let ticket = halo_api::Ticket {
            id: 5,
            agent_id: Some(0),
            agent_name: Some("Unassigned".into()),
            team: Some("Service Desk".into()),
            ..halo_api::Ticket::default()
        };
        let snapshot = TicketSnapshot::from(&ticket);
        assert_eq!((snapshot.agent_id, snapshot.agent_name), (None, None));
        assert_eq!(snapshot.team_name.as_deref(), Some("Service Desk"));
    }
}
