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
