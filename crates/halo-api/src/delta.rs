//! Delta polling: ask for tickets updated since the last poll minus an
//! overlap (Halo's clock and ours differ, and whether it reads the date as
//! UTC is undocumented), then drop what was already seen by
//! (`id`, `last_update`, content). The content counts because Halo may
//! render `last_update` in whole seconds: a ticket logged and assigned to me
//! within one second shows the same `last_update` twice, and the second
//! version must still be news, whether or not the engine tracks the ticket.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::models::Ticket;

#[derive(Debug, Clone)]
pub struct DeltaTracker {
    overlap: Duration,
    /// Newest `last_update` seen per ticket, and its content's fingerprint.
    seen: HashMap<i32, (Option<DateTime<Utc>>, u64)>,
    /// When the last successful poll started, by our clock.
    last_poll_started: Option<DateTime<Utc>>,
}

impl DeltaTracker {
    pub fn new(overlap: Duration) -> Self {
        Self {
            overlap,
            seen: HashMap::new(),
            last_poll_started: None,
        }
    }

    /// Resumes after a restart from the last poll time kept in the store.
    pub fn resume(overlap: Duration, last_poll_started: Option<DateTime<Utc>>) -> Self {
        Self {
            last_poll_started,
            ..Self::new(overlap)
        }
    }

    /// The `lastupdatefromdate` for the next poll; `None` before the first
    /// poll, which must list everything in scope.
    pub fn since(&self) -> Option<DateTime<Utc>> {
        let overlap = chrono::Duration::from_std(self.overlap).unwrap_or(chrono::Duration::zero());
        self.last_poll_started.map(|at| at - overlap)
    }

    /// Keeps the tickets that are new or changed since they were last seen;
    /// `poll_started` becomes the base of the next delta. Pass Halo's clock
    /// ([`crate::TicketList::server_date`]) when known, so a local clock
    /// that runs ahead cannot skip changes.
    pub fn accept(&mut self, tickets: Vec<Ticket>, poll_started: DateTime<Utc>) -> Vec<Ticket> {
        self.last_poll_started = Some(poll_started);
        tickets
            .into_iter()
            .filter(|ticket| self.remember(ticket))
            .collect()
    }

    /// Records a sighting; true when it is news: unseen, another
    /// `last_update` (backwards too: a restored or merged ticket), none at
    /// all, or the same `last_update` with other content.
    pub fn remember(&mut self, ticket: &Ticket) -> bool {
        let now = (ticket.last_update, fingerprint(ticket));
        match self.seen.insert(ticket.id, now) {
            None => true,
            Some(previous) => previous != now || ticket.last_update.is_none(),
        }
    }

    pub fn last_poll_started(&self) -> Option<DateTime<Utc>> {
        self.last_poll_started
    }

    /// Forgets tickets not updated within `keep`, so memory stays bounded.
    pub fn forget_older_than(&mut self, cutoff: DateTime<Utc>) {
        self.seen
            .retain(|_, (last, _)| last.is_none_or(|at| at >= cutoff));
    }

    pub fn tracked(&self) -> usize {
        self.seen.len()
    }
}

/// What in a list row decides whether and how a ticket alerts. Fields that
/// move by themselves (SLA state, countdowns) are left out, or every poll
/// would make every ticket news again.
fn fingerprint(t: &Ticket) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (
        t.status_id,
        t.team_id,
        t.agent_id,
        t.priority_id,
        t.tickettype_id,
        t.client_id,
        t.site_id,
        &t.summary,
    )
        .hash(&mut hasher);
    (
        t.dateclosed,
        t.lastactiondate,
        t.lastincomingemail,
        t.onhold,
    )
        .hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ticket(id: i32, minute: u32) -> Ticket {
        Ticket {
            id,
            last_update: Utc.with_ymd_and_hms(2026, 3, 1, 10, minute, 0).single(),
            ..Ticket::default()
        }
    }

    #[test]
    fn the_same_ticket_version_is_delivered_once() {
        let start = Utc
            .with_ymd_and_hms(2026, 3, 1, 10, 0, 0)
            .single()
            .expect("valid");
        let mut tracker = DeltaTracker::new(Duration::from_secs(120));
        assert_eq!(tracker.since(), None);
        let first = tracker.accept(vec![ticket(1, 1), ticket(2, 2)], start);
        assert_eq!(first.len(), 2);
        assert_eq!(tracker.since(), Some(start - chrono::Duration::minutes(2)));
        let second = tracker.accept(vec![ticket(1, 1), ticket(2, 5)], start);
        assert_eq!(second.iter().map(|t| t.id).collect::<Vec<_>>(), [2]);
    }

    #[test]
    fn a_change_within_the_same_whole_second_is_news() {
        let start = Utc
            .with_ymd_and_hms(2026, 3, 1, 10, 0, 0)
            .single()
            .expect("valid");
        let mut tracker = DeltaTracker::new(Duration::from_secs(120));
        assert_eq!(tracker.accept(vec![ticket(1, 1)], start).len(), 1);
        let assigned = Ticket {
            agent_id: Some(7),
            ..ticket(1, 1)
        };
        let again = tracker.accept(vec![assigned.clone()], start);
        assert_eq!(
            again,
            std::slice::from_ref(&assigned),
            "same last_update, new agent"
        );
        assert!(tracker.accept(vec![assigned], start).is_empty());
    }
}
