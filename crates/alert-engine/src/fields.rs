//! Ticket fields for notification templates: the snapshot seen through
//! [`FieldSource`], with ticket HTML reduced to plain text.

use std::borrow::Cow;

use alert_policy::{FieldSource, html_to_text};
use chrono::{DateTime, Utc};
use ticket_events::TicketSnapshot;

/// A ticket as the templates see it at `now` (for `{age}`).
pub struct TicketFields<'a> {
    pub ticket: &'a TicketSnapshot,
    pub now: DateTime<Utc>,
    /// When the alert was raised, the start of `{age}` if Halo gave no date.
    pub since: DateTime<Utc>,
}

impl FieldSource for TicketFields<'_> {
    fn field(&self, name: &str) -> Option<Cow<'_, str>> {
        let t = self.ticket;
        match name {
            "id" => Some(Cow::Owned(t.ticket_id.to_string())),
            "summary" => text(&t.summary),
            "details" => t
                .details_text
                .as_deref()
                .map(|d| Cow::Owned(html_to_text(d))),
            "priority" => text(&t.priority_name)
                .or_else(|| t.priority_id.map(|p| Cow::Owned(format!("P{p}")))),
            "status" => text(&t.status_name),
            "team" => text(&t.team_name),
            "agent" => text(&t.agent_name),
            "client_name" => text(&t.client_name),
            "site_name" => text(&t.site_name),
            "user_name" => text(&t.user_name),
            "tickettype" => text(&t.tickettype_name),
            "age" => Some(Cow::Owned(human_age(self.now - self.since))),
            _ => None,
        }
    }
}

fn text(value: &Option<String>) -> Option<Cow<'_, str>> {
    value.as_deref().map(Cow::Borrowed)
}

/// "45s", "12m", "3h", "2d": how long a ticket has waited.
pub fn human_age(age: chrono::Duration) -> String {
    let secs = age.num_seconds().max(0);
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alert_policy::Templates;

    #[test]
    fn the_default_title_reads_like_a_ticket_and_html_is_plain_text() {
        let ticket = TicketSnapshot {
            ticket_id: 4711,
            summary: Some("Printer on fire".into()),
            priority_name: Some("P1".into()),
            client_name: Some("Acme & Sons".into()),
            details_text: Some("<p>Smoke <b>everywhere</b><script>x()</script></p>".into()),
            team_name: Some("Service Desk".into()),
            status_name: Some("New".into()),
            ..TicketSnapshot::default()
        };
        let now = Utc::now();
        let fields = TicketFields {
            ticket: &ticket,
            now,
            since: now,
        };
        let templates = Templates::default();
        assert_eq!(
            templates.title(&fields),
            "P1 · Acme & Sons: Printer on fire"
        );
        let body = templates.body(&fields);
        assert!(body.contains("#4711 · Service Desk · New"), "{body}");
        assert!(body.contains("Smoke everywhere"), "{body}");
        assert!(!body.contains('<'), "{body}");
    }

    #[test]
    fn ages_are_short() {
        assert_eq!(human_age(chrono::Duration::seconds(42)), "42s");
        assert_eq!(human_age(chrono::Duration::minutes(90)), "1h");
        assert_eq!(human_age(chrono::Duration::days(3)), "3d");
    }
}
