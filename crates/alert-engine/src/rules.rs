//! Which ticket changes raise an alert: the triggers a technician switches on
//! (new ticket in a watched team, assigned to me, status change into chosen
//! statuses, customer reply on my ticket) and routing filters in the manner
//! of SIGNL4 and AlertOps (team, agent, priority, type, client, site, and
//! regular expressions on summary and client name).

use regex::Regex;
use serde::{Deserialize, Serialize};
use ticket_events::TicketSnapshot;

/// A team given by id or by name, as users write them in the config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TeamRef {
    Id(i32),
    Name(String),
}

impl TeamRef {
    pub fn matches(&self, snapshot: &TicketSnapshot) -> bool {
        match self {
            TeamRef::Id(id) => snapshot.team_id == Some(*id),
            TeamRef::Name(name) => snapshot
                .team_name
                .as_deref()
                .is_some_and(|team| team.trim().eq_ignore_ascii_case(name.trim())),
        }
    }
}

/// The triggers, each switched on or off by the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Triggers {
    /// A new ticket logged in a watched team.
    pub new_ticket_in_watched_team: bool,
    /// A ticket assigned to me (by anyone, including a rule).
    pub assigned_to_me: bool,
    /// A status change into one of these status ids.
    pub status_into: Vec<i32>,
    /// A new customer reply on a ticket I own.
    pub customer_reply_on_my_ticket: bool,
}

impl Default for Triggers {
    fn default() -> Self {
        Self {
            new_ticket_in_watched_team: true,
            assigned_to_me: true,
            status_into: Vec::new(),
            customer_reply_on_my_ticket: true,
        }
    }
}

/// Why an alert was raised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TriggerKind {
    NewTicketInTeam { team: String },
    AssignedToMe,
    StatusChanged { status: String },
    CustomerReply,
    Reopened,
    Test,
}

impl TriggerKind {
    pub fn describe(&self) -> String {
        match self {
            TriggerKind::NewTicketInTeam { team } => format!("new ticket in {team}"),
            TriggerKind::AssignedToMe => "assigned to you".to_owned(),
            TriggerKind::StatusChanged { status } => format!("status changed to {status}"),
            TriggerKind::CustomerReply => "the customer replied".to_owned(),
            TriggerKind::Reopened => "the ticket was reopened".to_owned(),
            TriggerKind::Test => "test alert".to_owned(),
        }
    }
}

/// Routing filters; every one that is set must match. Written in the config
/// as plain strings; regular expressions are compiled once by [`Filters::compile`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FilterConfig {
    pub teams: Vec<TeamRef>,
    pub agents: Vec<i32>,
    pub priorities: Vec<i32>,
    pub ticket_types: Vec<i32>,
    pub clients: Vec<String>,
    pub sites: Vec<String>,
    pub summary_regex: Option<String>,
    pub client_regex: Option<String>,
    /// Drop tickets whose summary matches, e.g. "(?i)newsletter".
    pub exclude_summary_regex: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("the filter {field} = {value:?} is not a valid regular expression: {reason}")]
pub struct FilterError {
    pub field: &'static str,
    pub value: String,
    pub reason: String,
}

/// Filters ready to match.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    config: FilterConfig,
    summary: Option<Regex>,
    client: Option<Regex>,
    exclude_summary: Option<Regex>,
}

impl Filters {
    pub fn compile(config: FilterConfig) -> Result<Self, FilterError> {
        let compile =
            |field: &'static str, pattern: &Option<String>| -> Result<Option<Regex>, FilterError> {
                pattern
                    .as_deref()
                    .map(|p| {
                        regex::RegexBuilder::new(p)
                            .size_limit(1 << 20)
                            .build()
                            .map_err(|e| FilterError {
                                field,
                                value: p.to_owned(),
                                reason: e.to_string(),
                            })
                    })
                    .transpose()
            };
        Ok(Self {
            summary: compile("summary_regex", &config.summary_regex)?,
            client: compile("client_regex", &config.client_regex)?,
            exclude_summary: compile("exclude_summary_regex", &config.exclude_summary_regex)?,
            config,
        })
    }

    /// Why the ticket does not pass, or `None` when it does.
    pub fn rejects(&self, ticket: &TicketSnapshot) -> Option<String> {
        let c = &self.config;
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let in_list = |list: &[String], value: &Option<String>| {
            list.iter().any(|item| {
                value
                    .as_deref()
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case(item.trim()))
            })
        };
        if !c.teams.is_empty() && !c.teams.iter().any(|t| t.matches(ticket)) {
            return Some(format!("team {} is not watched", text(&ticket.team_name)));
        }
        if !c.agents.is_empty() && !ticket.agent_id.is_some_and(|a| c.agents.contains(&a)) {
            return Some("agent filter".to_owned());
        }
        if !c.priorities.is_empty()
            && !ticket
                .priority_id
                .is_some_and(|p| c.priorities.contains(&p))
        {
            return Some(format!(
                "priority {} is filtered out",
                text(&ticket.priority_name)
            ));
        }
        if !c.ticket_types.is_empty()
            && !ticket
                .tickettype_id
                .is_some_and(|t| c.ticket_types.contains(&t))
        {
            return Some("ticket type filter".to_owned());
        }
        if !c.clients.is_empty() && !in_list(&c.clients, &ticket.client_name) {
            return Some(format!(
                "client {} is filtered out",
                text(&ticket.client_name)
            ));
        }
        if !c.sites.is_empty() && !in_list(&c.sites, &ticket.site_name) {
            return Some(format!("site {} is filtered out", text(&ticket.site_name)));
        }
        let summary = text(&ticket.summary);
        if self.summary.as_ref().is_some_and(|r| !r.is_match(&summary)) {
            return Some("summary does not match summary_regex".to_owned());
        }
        if self
            .exclude_summary
            .as_ref()
            .is_some_and(|r| r.is_match(&summary))
        {
            return Some("summary matches exclude_summary_regex".to_owned());
        }
        if self
            .client
            .as_ref()
            .is_some_and(|r| !r.is_match(&text(&ticket.client_name)))
        {
            return Some("client does not match client_regex".to_owned());
        }
        None
    }
}

/// What the technician watches.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub teams: Vec<TeamRef>,
    pub assigned_to_me: bool,
    pub me: Option<i32>,
}

impl Scope {
    pub fn in_watched_team(&self, ticket: &TicketSnapshot) -> bool {
        self.teams.iter().any(|t| t.matches(ticket))
    }

    pub fn mine(&self, ticket: &TicketSnapshot) -> bool {
        self.me.is_some() && ticket.agent_id == self.me
    }

    /// Whether the ticket belongs to what is watched at all.
    pub fn covers(&self, ticket: &TicketSnapshot) -> bool {
        self.in_watched_team(ticket) || (self.assigned_to_me && self.mine(ticket))
    }
}

/// The trigger this change fires, if any. `previous` is the last version the
/// engine saw (`None`: never seen before).
pub fn fired_trigger(
    triggers: &Triggers,
    scope: &Scope,
    previous: Option<&TicketSnapshot>,
    current: &TicketSnapshot,
) -> Option<TriggerKind> {
    let mine_now = scope.mine(current);
    let mine_before = previous.is_some_and(|p| scope.mine(p));
    if triggers.assigned_to_me && mine_now && !mine_before {
        return Some(TriggerKind::AssignedToMe);
    }
    // A new ticket a colleague already holds is theirs, not an alert for me.
    let free_or_mine = current.agent_id.is_none() || mine_now;
    if triggers.new_ticket_in_watched_team
        && previous.is_none()
        && free_or_mine
        && scope.in_watched_team(current)
    {
        let team = current
            .team_name
            .clone()
            .unwrap_or_else(|| "a watched team".to_owned());
        return Some(TriggerKind::NewTicketInTeam { team });
    }
    if let Some(status) = current
        .status_id
        .filter(|s| triggers.status_into.contains(s))
    {
        let changed = previous.is_none_or(|p| p.status_id != Some(status));
        if changed && scope.covers(current) {
            let name = current
                .status_name
                .clone()
                .unwrap_or_else(|| status.to_string());
            return Some(TriggerKind::StatusChanged { status: name });
        }
    }
    if triggers.customer_reply_on_my_ticket && mine_now {
        let replied = match (
            previous.and_then(|p| p.last_customer_reply),
            current.last_customer_reply,
        ) {
            (Some(before), Some(now)) => now > before,
            (None, Some(_)) => previous.is_some(),
            _ => false,
        };
        if replied {
            return Some(TriggerKind::CustomerReply);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn ticket(team: i32, agent: Option<i32>) -> TicketSnapshot {
        TicketSnapshot {
            ticket_id: 1,
            team_id: Some(team),
            team_name: Some(
                if team == 1 {
                    "Service Desk"
                } else {
                    "Projects"
                }
                .to_owned(),
            ),
            agent_id: agent,
            summary: Some("Printer on fire".to_owned()),
            client_name: Some("Contoso Ltd".to_owned()),
            ..TicketSnapshot::default()
        }
    }

    fn scope() -> Scope {
        Scope {
            teams: vec![TeamRef::Name("service desk".to_owned())],
            assigned_to_me: true,
            me: Some(7),
        }
    }

    #[test]
    fn a_new_ticket_in_a_watched_team_fires_once() {
        let t = ticket(1, None);
        let fired = fired_trigger(&Triggers::default(), &scope(), None, &t);
        assert_eq!(
            fired,
            Some(TriggerKind::NewTicketInTeam {
                team: "Service Desk".to_owned()
            })
        );
        assert_eq!(
            fired_trigger(&Triggers::default(), &scope(), Some(&t), &t),
            None
        );
        assert_eq!(
            fired_trigger(&Triggers::default(), &scope(), None, &ticket(2, None)),
            None
        );
        assert_eq!(
            fired_trigger(&Triggers::default(), &scope(), None, &ticket(1, Some(3))),
            None,
            "a colleague's already"
        );
    }

    #[test]
    fn being_assigned_a_ticket_in_any_team_fires() {
        let before = ticket(2, Some(3));
        let after = ticket(2, Some(7));
        assert_eq!(
            fired_trigger(&Triggers::default(), &scope(), Some(&before), &after),
            Some(TriggerKind::AssignedToMe)
        );
        let off = Triggers {
            assigned_to_me: false,
            ..Triggers::default()
        };
        assert_eq!(fired_trigger(&off, &scope(), Some(&before), &after), None);
    }

    #[test]
    fn a_customer_reply_on_my_ticket_fires() {
        let at = |m| Utc.with_ymd_and_hms(2026, 1, 1, 9, m, 0).single();
        let before = TicketSnapshot {
            last_customer_reply: at(0),
            ..ticket(1, Some(7))
        };
        let after = TicketSnapshot {
            last_customer_reply: at(5),
            ..ticket(1, Some(7))
        };
        assert_eq!(
            fired_trigger(&Triggers::default(), &scope(), Some(&before), &after),
            Some(TriggerKind::CustomerReply)
        );
        let colleagues = TicketSnapshot {
            agent_id: Some(3),
            ..after.clone()
        };
        let colleagues_before = TicketSnapshot {
            agent_id: Some(3),
            ..before
        };
        assert_eq!(
            fired_trigger(
                &Triggers::default(),
                &scope(),
                Some(&colleagues_before),
                &colleagues
            ),
            None
        );
    }

    #[test]
    fn a_status_change_into_a_chosen_status_fires() {
        let triggers = Triggers {
            status_into: vec![4],
            ..Triggers::default()
        };
        let before = TicketSnapshot {
            status_id: Some(2),
            ..ticket(1, Some(3))
        };
        let after = TicketSnapshot {
            status_id: Some(4),
            status_name: Some("Escalated".into()),
            ..before.clone()
        };
        assert_eq!(
            fired_trigger(&triggers, &scope(), Some(&before), &after),
            Some(TriggerKind::StatusChanged {
                status: "Escalated".into()
            })
        );
    }

    #[test]
    fn filters_route_like_signl4_and_alertops() {
        let filters = Filters::compile(FilterConfig {
            priorities: vec![1, 2],
            summary_regex: Some("(?i)down|fire".into()),
            client_regex: Some("^Contoso".into()),
            ..FilterConfig::default()
        })
        .expect("valid");
        let p1 = TicketSnapshot {
            priority_id: Some(1),
            ..ticket(1, None)
        };
        assert_eq!(filters.rejects(&p1), None);
        let p4 = TicketSnapshot {
            priority_id: Some(4),
            priority_name: Some("P4".into()),
            ..p1.clone()
        };
        assert!(filters.rejects(&p4).is_some_and(|r| r.contains("P4")));
        let other = TicketSnapshot {
            summary: Some("Password reset".into()),
            ..p1.clone()
        };
        assert!(filters.rejects(&other).is_some());
    }

    #[test]
    fn a_bad_regex_names_the_field_and_value() {
        let error = Filters::compile(FilterConfig {
            summary_regex: Some("(unclosed".into()),
            ..FilterConfig::default()
        })
        .expect_err("invalid");
        assert!(
            error.to_string().contains("summary_regex") && error.to_string().contains("(unclosed")
        );
    }
}
