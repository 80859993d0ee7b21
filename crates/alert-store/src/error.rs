//! The store's error type. Variants the engine must react to (one open alert
//! per ticket, a schema from a newer app) are distinct; the rest wrap SQLite.

use std::path::PathBuf;

use crate::types::{AlertId, OutboxId, OutboxState};

/// Everything the store can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("could not create the directory for the alert database {path}: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "could not make {path} readable by you only: {source}; check that you own it \
         (or choose another data folder)"
    )]
    Permissions {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("could not open the alert database {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    /// The file was written by a newer Halo Notifier. Migrating "down" could
    /// lose data that version relies on, so the store refuses to touch it.
    #[error(
        "the alert database has schema version {found}, newer than this app understands \
         (up to {known}); update Halo Notifier or point it at another database file"
    )]
    SchemaTooNew { found: i64, known: usize },

    #[error("alert database migration {version} ({file}) failed: {source}")]
    Migration {
        version: usize,
        file: &'static str,
        #[source]
        source: rusqlite_migration::Error,
    },

    /// The one-open-alert-per-ticket rule: the ticket already has an alert
    /// that is not resolved.
    #[error("ticket {ticket_id} on {instance} already has an open alert")]
    OpenAlertExists { instance: String, ticket_id: i64 },

    #[error("no alert with id {0}")]
    AlertNotFound(AlertId),

    #[error("no outbox item with id {0}")]
    OutboxNotFound(OutboxId),

    /// Only pending items can succeed or fail; a second report for a finished
    /// item means two workers raced, which must not go unnoticed.
    #[error("outbox item {id} is already {state}, not pending")]
    OutboxNotPending { id: OutboxId, state: OutboxState },

    /// A settings or poll-state key that names a credential. Secrets belong in
    /// the OS keyring; this database is not encrypted.
    #[error(
        "refusing to store {0:?} in the alert database: it looks like a secret, which belongs in the OS keyring"
    )]
    SecretRefused(String),

    #[error("alert database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    /// Whether this is a UNIQUE constraint failure from SQLite.
    pub(crate) fn is_unique_violation(err: &rusqlite::Error) -> bool {
        err.sqlite_error()
            .is_some_and(|e| e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
    }
}
