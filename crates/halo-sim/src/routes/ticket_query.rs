//! `GET /api/Tickets` filters, ordering and paging, read from the query string
//! with Halo's spelling (`pageinate`, sic) and applied to the store.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use super::Params;
use crate::halo_error::ApiError;
use crate::model::SimTicket;
use crate::store::Store;

const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OrderBy {
    Id,
    LastUpdate,
    DateOccurred,
    DateCreated,
    LastActionDate,
    FixByDate,
    Priority,
    Status,
    Summary,
    Agent,
    Team,
}

impl OrderBy {
    /// Unknown names fall back to the default order, as Halo ignores them.
    fn parse(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "id" | "ticket_id" | "faultid" => Self::Id,
            "last_update" | "lastupdate" => Self::LastUpdate,
            "dateoccurred" | "dateoccured" => Self::DateOccurred,
            "datecreated" => Self::DateCreated,
            "lastactiondate" => Self::LastActionDate,
            "fixbydate" => Self::FixByDate,
            "priority" | "priority_id" => Self::Priority,
            "status" | "status_id" => Self::Status,
            "summary" => Self::Summary,
            "agent" | "agent_id" => Self::Agent,
            "team" | "team_id" => Self::Team,
            _ => return None,
        })
    }

    fn compare(self, a: &SimTicket, b: &SimTicket) -> Ordering {
        match self {
            Self::Id => a.id.cmp(&b.id),
            Self::LastUpdate => a.last_update.cmp(&b.last_update),
            Self::DateOccurred => a.dateoccurred.cmp(&b.dateoccurred),
            Self::DateCreated => a.datecreated.cmp(&b.datecreated),
            Self::LastActionDate => a.lastactiondate.cmp(&b.lastactiondate),
            Self::FixByDate => a.fixbydate.cmp(&b.fixbydate),
            Self::Priority => a.priority_id.cmp(&b.priority_id),
            Self::Status => a.status_id.cmp(&b.status_id),
            Self::Summary => a.summary.cmp(&b.summary),
            Self::Agent => a.agent_id.cmp(&b.agent_id),
            Self::Team => a.team_id.cmp(&b.team_id),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Page {
    pub page_no: usize,
    pub page_size: usize,
}

#[derive(Debug)]
pub(crate) struct TicketQuery {
    teams: Option<Vec<i32>>,
    /// Team names given in `team` instead of ids (lower-case).
    team_names: Vec<String>,
    agent_id: Option<i32>,
    status_id: Option<i32>,
    open_only: bool,
    closed_only: bool,
    mine: bool,
    priorities: Option<Vec<i32>>,
    requesttypes: Option<Vec<i32>>,
    client_id: Option<i32>,
    site_id: Option<i32>,
    user_id: Option<i32>,
    ticket_ids: Option<Vec<i32>>,
    search: Option<String>,
    updated_from: Option<DateTime<Utc>>,
    updated_to: Option<DateTime<Utc>>,
    order: OrderBy,
    descending: bool,
    count: Option<usize>,
    pub page: Option<Page>,
}

impl TicketQuery {
    pub(crate) fn parse(p: &Params) -> Result<Self, ApiError> {
        let page = if p.bool("pageinate")? {
            let size = p.int("page_size")?.unwrap_or(DEFAULT_PAGE_SIZE as i32);
            let no = p.int("page_no")?.unwrap_or(1);
            Some(Page {
                page_size: usize::try_from(size.max(1)).unwrap_or(1).min(MAX_PAGE_SIZE),
                page_no: usize::try_from(no.max(1)).unwrap_or(1),
            })
        } else {
            None
        };
        let requesttypes = p
            .int_list("requesttype")
            .or_else(|| p.int_list("requesttype_id"))
            .or_else(|| p.int_list("tickettype_id"));
        // `team` takes ids; a name is tolerated too (Halo's exact rule is unknown).
        let team_names = p
            .text("team")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|part| !part.is_empty() && part.parse::<i32>().is_err())
                    .map(str::to_lowercase)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            teams: p.int_list("team"),
            team_names,
            agent_id: p.int("agent_id")?,
            status_id: p.int("status_id")?,
            open_only: p.bool("open_only")?,
            closed_only: p.bool("closed_only")?,
            mine: p.bool("mine")?,
            priorities: p.int_list("priority"),
            requesttypes,
            client_id: p.int("client_id")?,
            site_id: p.int("site_id")?,
            user_id: p.int("user_id")?,
            ticket_ids: p.int_list("ticketids"),
            search: p.text("search").map(str::to_lowercase),
            updated_from: p.date("lastupdatefromdate")?,
            updated_to: p.date("lastupdatetodate")?,
            order: p
                .text("order")
                .and_then(OrderBy::parse)
                .unwrap_or(OrderBy::Id),
            descending: p.bool("orderdesc")?,
            count: p
                .int("count")?
                .and_then(|c| usize::try_from(c).ok())
                .filter(|&c| c > 0),
            page,
        })
    }

    fn matches(&self, store: &Store, t: &SimTicket) -> bool {
        let closed = store.is_closed(t.status_id);
        let agent = t.agent_id.unwrap_or(0);
        let in_list =
            |list: &Option<Vec<i32>>, v: i32| list.as_ref().is_none_or(|l| l.contains(&v));
        let team_ok = in_list(&self.teams, t.team_id)
            || store
                .team(t.team_id)
                .is_some_and(|team| self.team_names.contains(&team.name.to_lowercase()));
        team_ok
            && self.agent_id.is_none_or(|a| a == agent)
            && self.status_id.is_none_or(|s| s == t.status_id)
            && !(self.open_only && closed)
            && (!self.closed_only || closed)
            && (!self.mine || agent == store.api_agent_id)
            && in_list(&self.priorities, t.priority_id)
            && in_list(&self.requesttypes, t.tickettype_id)
            && self.client_id.is_none_or(|c| c == t.client_id)
            && self.site_id.is_none_or(|s| s == t.site_id)
            && self.user_id.is_none_or(|u| u == t.user_id)
            && in_list(&self.ticket_ids, t.id)
            && self.updated_from.is_none_or(|from| t.last_update >= from)
            && self.updated_to.is_none_or(|to| t.last_update <= to)
            && self
                .search
                .as_ref()
                .is_none_or(|s| t.summary.to_lowercase().contains(s) || t.id.to_string() == *s)
    }

    /// The matching tickets in order, the total, and the page's slice of them.
    pub(crate) fn run<'a>(&self, store: &'a Store) -> (usize, Vec<&'a SimTicket>) {
        let mut rows: Vec<&SimTicket> = store
            .tickets
            .values()
            .filter(|t| self.matches(store, t))
            .collect();
        let order = self.order;
        rows.sort_by(|a, b| order.compare(a, b).then(a.id.cmp(&b.id)));
        if self.descending {
            rows.reverse();
        }
        let total = rows.len();
        let rows = match self.page {
            Some(page) => rows
                .into_iter()
                .skip((page.page_no - 1).saturating_mul(page.page_size))
                .take(page.page_size)
                .collect(),
            None => match self.count {
                Some(count) => rows.into_iter().take(count).collect(),
                None => rows,
            },
        };
        (total, rows)
    }
}
