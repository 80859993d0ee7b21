//! The alert engine's persistence: one SQLite file holding alerts, their
//! timelines and escalation cursors, the inbound log, idempotency keys, the
//! outbox and settings, behind a plain synchronous API.
//!
//! All engine state lives here (GoAlert's model), so a restart resumes
//! exactly where the engine stopped. Apply each event with
//! [`Store::transaction`] so it commits whole or not at all:
//!
//! ```
//! use alert_store::{CursorRow, NewAlert, Store, StoreError, TimelineKind};
//! use chrono::Utc;
//!
//! let mut store = Store::open_in_memory()?;
//! let now = Utc::now();
//! let id = store.transaction(|tx| {
//!     let id = tx.insert_alert(&NewAlert {
//!         instance: "https://acme.halopsa.com".into(),
//!         ticket_id: 42,
//!         created_at: now,
//!         priority_id: Some(1),
//!         team_name: Some("Service Desk".into()),
//!         summary: "Server down".into(),
//!         snapshot_json: "{}".into(),
//!         policy_json: "{}".into(),
//!         trigger_reason: "new P1 ticket".into(),
//!     })?;
//!     tx.append_timeline(id, now, &TimelineKind::Created, "")?;
//!     tx.set_cursor(id, &CursorRow { step: 0, repeat: 0, loops: 0, next_at: Some(now), updated_at: now })?;
//!     Ok::<_, StoreError>(id)
//! })?;
//! assert_eq!(store.due_cursors(now)?.len(), 1);
//! # let _ = id;
//! # Ok::<(), StoreError>(())
//! ```

mod alerts;
mod cursors;
mod error;
mod inbound;
mod known;
mod kv;
mod migrations;
mod outbox;
mod stats;
mod store;
mod timeline;
mod types;

pub use error::StoreError;
pub use inbound::MAX_EXCERPT_BYTES;
pub use known::{KnownTicket, KnownVersion};
pub use migrations::SCHEMA_VERSION;
pub use outbox::CLAIM_LEASE;
pub use store::{Store, StoreTx};
pub use types::{
    AlertFilter, AlertId, AlertRow, AlertState, AlertTiming, CursorRow, InboundEntry,
    InboundOutcome, InboundRow, InboundSource, NewAlert, NewOutboxItem, OutboxId, OutboxKind,
    OutboxRow, OutboxState, PriorityStats, SnapshotUpdate, TimelineKind, TimelineRow,
};
