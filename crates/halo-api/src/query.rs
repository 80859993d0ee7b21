//! Filters for `GET /api/Tickets`, written with Halo's own parameter names
//! (Halo silently ignores names it does not know, so a typo fails quietly;
//! the OpenAPI fidelity test checks every name used here).

use chrono::{DateTime, Utc};

use crate::dates::format_halo_date;

/// Halo's maximum page size.
pub const MAX_PAGE_SIZE: u32 = 100;

#[derive(Debug, Clone, PartialEq)]
pub struct TicketQuery {
    /// Tickets in any of these teams (by id); empty means all visible teams.
    pub team_ids: Vec<i32>,
    pub agent_id: Option<i32>,
    pub status_id: Option<i32>,
    pub open_only: bool,
    /// Tickets whose `last_update` is at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
    /// Field to order by; paging orders by `id` when unset so pages are stable.
    pub order: Option<String>,
    pub order_desc: bool,
    pub page_size: u32,
    /// Stop after this many pages (e.g. 1 for a connection check).
    pub max_pages: Option<u32>,
}

impl Default for TicketQuery {
    fn default() -> Self {
        Self {
            team_ids: Vec::new(),
            agent_id: None,
            status_id: None,
            open_only: false,
            updated_since: None,
            order: None,
            order_desc: false,
            page_size: MAX_PAGE_SIZE,
            max_pages: None,
        }
    }
}

impl TicketQuery {
    pub fn open_in_teams(team_ids: &[i32]) -> Self {
        Self {
            team_ids: team_ids.to_vec(),
            open_only: true,
            ..Self::default()
        }
    }

    pub fn page_size(&self) -> u32 {
        self.page_size.clamp(1, MAX_PAGE_SIZE)
    }

    /// Query pairs for one page.
    pub fn to_pairs(&self, page_no: u32) -> Vec<(&'static str, String)> {
        let mut pairs = vec![
            ("pageinate", "true".to_owned()),
            ("page_size", self.page_size().to_string()),
            ("page_no", page_no.to_string()),
        ];
        if !self.team_ids.is_empty() {
            let ids: Vec<String> = self.team_ids.iter().map(i32::to_string).collect();
            pairs.push(("team", ids.join(",")));
        }
        if let Some(agent) = self.agent_id {
            pairs.push(("agent_id", agent.to_string()));
        }
        if let Some(status) = self.status_id {
            pairs.push(("status_id", status.to_string()));
        }
        if self.open_only {
            pairs.push(("open_only", "true".to_owned()));
        }
        if let Some(since) = self.updated_since {
            pairs.push(("lastupdatefromdate", format_halo_date(since)));
        }
        pairs.push((
            "order",
            self.order.clone().unwrap_or_else(|| "id".to_owned()),
        ));
        pairs.push(("orderdesc", self.order_desc.to_string()));
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_never_exceeds_halos_maximum() {
        let query = TicketQuery {
            page_size: 500,
            ..TicketQuery::default()
        };
        assert_eq!(query.page_size(), 100);
        let query = TicketQuery {
            page_size: 0,
            ..TicketQuery::default()
        };
        assert_eq!(query.page_size(), 1);
    }

    #[test]
    fn teams_are_comma_separated_ids() {
        let pairs = TicketQuery::open_in_teams(&[3, 5]).to_pairs(2);
        assert!(pairs.contains(&("team", "3,5".to_owned())));
        assert!(pairs.contains(&("open_only", "true".to_owned())));
        assert!(pairs.contains(&("page_no", "2".to_owned())));
        assert!(pairs.contains(&("pageinate", "true".to_owned())));
    }
}
