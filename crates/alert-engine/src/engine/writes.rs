//! Writes back to Halo (take, note, close) queued in the store's outbox, and
//! the narrow methods the runtime's outbox worker uses to claim and settle
//! them.

use alert_store::{AlertId, NewOutboxItem, OutboxKind, OutboxRow, Store, TimelineKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Engine, EngineError};

/// Outbox payloads, stored as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum HaloWrite {
    Take {
        agent_id: i32,
    },
    Note {
        text: String,
        /// A token unique to this item, inside `text`: a retry looks for it
        /// among the ticket's actions before posting again. Older items
        /// have none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        marker: Option<String>,
    },
    Close {
        note: String,
        /// The closed status to set; `None`: the first closed status Halo
        /// lists.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status_id: Option<i32>,
    },
}

impl HaloWrite {
    /// A marker unique to one write: the ticket and the microsecond it was
    /// queued (one user, one app: two writes never share both).
    pub fn marker_for(ticket_id: i64, now: DateTime<Utc>) -> String {
        format!("hn-{ticket_id}-{:x}", now.timestamp_micros())
    }

    pub fn kind(&self) -> OutboxKind {
        match self {
            HaloWrite::Take { .. } => OutboxKind::Take,
            HaloWrite::Note { .. } => OutboxKind::Note,
            HaloWrite::Close { .. } => OutboxKind::Close,
        }
    }
}

pub(super) fn enqueue(
    tx: &Store,
    instance: &str,
    alert_id: Option<AlertId>,
    ticket_id: i64,
    write: &HaloWrite,
    now: DateTime<Utc>,
) -> Result<(), EngineError> {
    tx.enqueue(&NewOutboxItem {
        created_at: now,
        kind: write.kind(),
        instance: instance.to_owned(),
        alert_id,
        ticket_id,
        payload_json: serde_json::to_string(write).unwrap_or_default(),
    })?;
    Ok(())
}

/// How an attempt to write an outbox item to Halo ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Halo has it.
    Written,
    /// Failed; try again at the given time.
    RetryAt { error: String, at: DateTime<Utc> },
    /// Failed for good: the user is told.
    Failed { error: String },
    /// Cannot go through until the user acts (credentials revoked, a
    /// permission missing): waits, pending, until
    /// [`Engine::resume_held_writes`].
    WaitForUser { error: String },
}

impl Engine {
    /// Writes due at `now`, oldest first, at most `limit`.
    pub fn due_writes(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, EngineError> {
        Ok(self.store.due_outbox(now, limit)?)
    }

    /// When the next pending write is due.
    pub fn next_write_due(&self) -> Result<Option<DateTime<Utc>>, EngineError> {
        Ok(self.store.next_outbox_due()?)
    }

    /// Marks a due write in flight, in its own transaction, before it is
    /// sent; `false`: another worker has it, do not send.
    pub fn claim_write(
        &mut self,
        item: &OutboxRow,
        now: DateTime<Utc>,
    ) -> Result<bool, EngineError> {
        Ok(self.store.transaction(|tx| tx.claim_outbox(item.id, now))?)
    }

    /// The credentials work again: writes held for the user are due now.
    /// Returns how many.
    pub fn resume_held_writes(&mut self, now: DateTime<Utc>) -> Result<usize, EngineError> {
        Ok(self.store.outbox_release_held(now)?)
    }

    /// Records how writing `item` ended, with a timeline line on its alert,
    /// in one transaction.
    pub fn settle_write(
        &mut self,
        item: &OutboxRow,
        outcome: &WriteOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        self.store.transaction(|tx| {
            match outcome {
                WriteOutcome::Written => {
                    tx.outbox_succeeded(item.id, now)?;
                    if let Some(alert) = item.alert_id {
                        tx.append_timeline(
                            alert,
                            now,
                            &TimelineKind::Other(format!("halo_{}", item.kind)),
                            "written to Halo",
                        )?;
                    }
                }
                WriteOutcome::RetryAt { error, at } => {
                    tx.outbox_failed_attempt(item.id, error, *at)?;
                }
                WriteOutcome::WaitForUser { error } => {
                    tx.outbox_hold(item.id, error)?;
                    if let Some(alert) = item.alert_id {
                        tx.append_timeline(
                            alert,
                            now,
                            &TimelineKind::Other("halo_write_waiting".to_owned()),
                            error,
                        )?;
                    }
                }
                WriteOutcome::Failed { error } => {
                    tx.outbox_failed_permanently(item.id, error, now)?;
                    if let Some(alert) = item.alert_id {
                        tx.append_timeline(alert, now, &TimelineKind::OutboxFailed, error)?;
                    }
                }
            }
            Ok::<_, EngineError>(())
        })
    }
}
