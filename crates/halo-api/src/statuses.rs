//! Which statuses mean "closed" on this instance. Halo's default Closed is 9
//! but each instance configures its own, so closed statuses are found at run
//! time by name, with a user override.

use crate::models::Status;

#[derive(Debug, Clone, Default)]
pub struct StatusCatalog {
    statuses: Vec<Status>,
    closed: Vec<i32>,
}

impl StatusCatalog {
    /// `overrides`, when not empty, is the user's list of closed status ids
    /// and replaces detection.
    pub fn new(statuses: Vec<Status>, overrides: &[i32]) -> Self {
        let closed = if overrides.is_empty() {
            let mut found: Vec<&Status> = statuses.iter().filter(|s| looks_closed(s)).collect();
            // The status named exactly "Closed" first: it is the one to set.
            found.sort_by_key(|s| !is_exactly_closed(s));
            found.iter().map(|s| s.id).collect()
        } else {
            overrides.to_vec()
        };
        Self { statuses, closed }
    }

    pub fn is_closed(&self, status_id: i32) -> bool {
        self.closed.contains(&status_id)
    }

    pub fn closed_ids(&self) -> &[i32] {
        &self.closed
    }

    /// The status to set when closing a ticket.
    pub fn closing_status(&self) -> Option<i32> {
        self.closed.first().copied()
    }

    pub fn name(&self, status_id: i32) -> Option<&str> {
        self.statuses
            .iter()
            .find(|s| s.id == status_id)
            .and_then(|s| s.name.as_deref())
    }

    pub fn statuses(&self) -> &[Status] {
        &self.statuses
    }
}

fn is_exactly_closed(status: &Status) -> bool {
    status
        .name
        .as_deref()
        .is_some_and(|name| name.trim().eq_ignore_ascii_case("closed"))
}

fn looks_closed(status: &Status) -> bool {
    [status.name.as_deref(), status.shortname.as_deref()]
        .into_iter()
        .flatten()
        .any(|name| name.to_ascii_lowercase().contains("closed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(id: i32, name: &str) -> Status {
        Status {
            id,
            name: Some(name.to_owned()),
            ..Status::default()
        }
    }

    #[test]
    fn finds_closed_by_name_not_by_id_9() {
        let catalog = StatusCatalog::new(
            vec![
                status(1, "New"),
                status(9, "Waiting"),
                status(23, "Closed"),
                status(30, "Closed - Duplicate"),
            ],
            &[],
        );
        assert!(!catalog.is_closed(9));
        assert!(catalog.is_closed(23) && catalog.is_closed(30));
        assert_eq!(catalog.closing_status(), Some(23));
    }

    #[test]
    fn a_user_override_wins() {
        let catalog = StatusCatalog::new(vec![status(9, "Closed"), status(12, "Resolved")], &[12]);
        assert!(catalog.is_closed(12) && !catalog.is_closed(9));
    }
}
