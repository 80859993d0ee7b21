//! What the engine remembers of each watched ticket (its last version),
//! loaded from the store at start and kept in step with it, so a delta is
//! compared without reading thousands of rows.

use std::collections::HashMap;

use alert_store::{Store, StoreError};
use ticket_events::TicketSnapshot;

/// What the store remembers of each ticket of `instance`.
pub(super) fn load_known(store: &Store, instance: &str) -> Result<HashMap<i32, Known>, StoreError> {
    let mut known = HashMap::new();
    for row in store.known_tickets(instance)? {
        // A row this version cannot read is only a lost "previous"; the next
        // poll replaces it.
        if let (Ok(id), Ok(snapshot)) = (
            i32::try_from(row.ticket_id),
            serde_json::from_str(&row.snapshot_json),
        ) {
            known.insert(id, Known::new(snapshot, &row.snapshot_json, row.in_alert));
        }
    }
    Ok(known)
}

/// Tickets untouched this long are forgotten: one that changes after that is
/// new to the engine again. Long, because forgetting too early turns an old
/// ticket's next update into a "new ticket" alert.
pub(super) const KNOWN_RETENTION: chrono::Duration = chrono::Duration::days(90);

/// What an event does to the engine's memory of the ticket.
pub(super) enum Memory {
    Unchanged,
    Remember(Box<Known>),
    Forget(i32),
}

/// The last version of a ticket the engine saw, with a fingerprint of the
/// JSON it was stored as: an open alert whose stored snapshot has the same
/// fingerprint holds this very version, so it need not be parsed again.
pub(super) struct Known {
    pub(super) snapshot: TicketSnapshot,
    pub(super) fingerprint: u64,
    /// The store keeps this version in the ticket's latest alert row
    /// ([`KnownVersion::InLatestAlert`]), so a change that rewrites that
    /// alert's snapshot needs no second write.
    pub(super) in_alert: bool,
}

impl Known {
    pub(super) fn new(snapshot: TicketSnapshot, json: &str, in_alert: bool) -> Self {
        Known {
            snapshot,
            fingerprint: fingerprint(json),
            in_alert,
        }
    }
}

pub(super) fn fingerprint(json: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    json.hash(&mut hasher);
    hasher.finish()
}
