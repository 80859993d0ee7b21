//! Opening the database (pragmas, migrations) and the transaction helper that
//! lets the engine apply one event atomically.

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::error::StoreError;
use crate::migrations::{self, MIGRATIONS};

/// How long a writer waits for another connection's lock before giving up.
/// Long enough to ride out a checkpoint or a CLI `stats` read, short enough
/// that a stuck process surfaces as an error instead of a frozen tray.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Page size of a new database. Alert rows carry ~1 KiB snapshots, so the
/// 4 KiB default fits three to a page; 16 KiB pages measured ~20% faster on a
/// 10,000-alert batch and its checkpoint. Only takes effect when the file is
/// created (SQLite cannot change it once the database is in WAL mode).
const PAGE_SIZE: i64 = 16 * 1024;

/// Page cache ceiling (negative = KiB): 16 MiB.
const CACHE_SIZE_KIB: i64 = -16 * 1024;

/// WAL size after which a commit checkpoints by itself: 40 MiB, several
/// 10,000-ticket batches (in pages, as SQLite counts it).
const WAL_AUTOCHECKPOINT_PAGES: i64 = 40 * 1024 * 1024 / PAGE_SIZE;

/// Size the WAL file is cut back to after a checkpoint.
const JOURNAL_SIZE_LIMIT_BYTES: i64 = 16 * 1024 * 1024;

/// Statements kept prepared. Larger than the number of distinct queries so a
/// hot loop never re-parses SQL because of cache eviction.
const STATEMENT_CACHE: usize = 96;

/// The alert store: one SQLite connection. Every method is a single SQL
/// statement and therefore atomic by itself; use [`Store::transaction`] to
/// make several of them one unit.
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
    path: Option<PathBuf>,
}

/// The store inside a transaction: every [`Store`] method is available
/// through `Deref`. Engine code that must run inside a transaction can take
/// `&StoreTx` to say so in its signature.
#[derive(Debug)]
pub struct StoreTx<'s> {
    store: &'s Store,
}

impl Deref for StoreTx<'_> {
    type Target = Store;

    fn deref(&self) -> &Store {
        self.store
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`, its parent
    /// directories too, and migrates it to [`crate::SCHEMA_VERSION`].
    ///
    /// Refuses with [`StoreError::SchemaTooNew`] a database written by a newer
    /// app version.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
            private::restrict(dir, private::DIR_MODE)?;
        }
        private::create_file(path)?;
        private::restrict(path, private::FILE_MODE)?;
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Store::init(conn, Some(path.to_path_buf()))
    }

    /// A private in-memory database, for tests.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::init(Connection::open_in_memory()?, None)
    }

    fn init(mut conn: Connection, path: Option<PathBuf>) -> Result<Store, StoreError> {
        // First, so that even the journal-mode switch waits for a lock held
        // by another process instead of failing.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Before the switch to WAL, or it would be ignored for a new file.
        conn.pragma_update(None, "page_size", PAGE_SIZE)?;
        let mode = switch_to_wal(&conn)?;
        if mode.eq_ignore_ascii_case("wal") {
            // In WAL mode NORMAL only risks the last commits on power loss,
            // never corruption, and a killed process loses nothing committed.
            conn.pragma_update(None, "synchronous", "NORMAL")?;
        } else {
            // No WAL (in-memory, or a filesystem without shared memory):
            // NORMAL would no longer be crash-safe, so pay for FULL.
            if path.is_some() {
                tracing::warn!(
                    mode,
                    "WAL unavailable for the alert database; using synchronous=FULL"
                );
            }
            conn.pragma_update(None, "synchronous", "FULL")?;
        }
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // SQLite's 2 MiB default makes a 10,000-ticket batch spill pages to
        // disk mid-transaction; the cache only grows as pages are used.
        conn.pragma_update(None, "cache_size", CACHE_SIZE_KIB)?;
        // The default (checkpoint once the WAL passes 1,000 pages) would copy
        // and fsync inside the commit of every big batch, tripling its cost.
        // Raised, it still bounds the WAL if nobody calls `checkpoint()`, which
        // the engine does when idle so batches commit with only a WAL append.
        conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
        // Without a limit the WAL file keeps its peak size forever.
        conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT_BYTES)?;
        // Migrations run with foreign keys off, as SQLite's table-rebuild
        // procedure requires: with them on, dropping `alerts` to rebuild it
        // would cascade-delete every timeline. Each migration instead ends
        // with `PRAGMA foreign_key_check`, which refuses dangling references.
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        migrations::migrate(&mut conn, MIGRATIONS)?;
        // Then on for good (it cannot change inside a transaction, so here is
        // the place): the cascades and references depend on it.
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(Store { conn, path })
    }

    /// The database file, or `None` for an in-memory store.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version recorded in the database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        migrations::user_version(&self.conn)
    }

    /// Runs `f` in one transaction: committed if it returns `Ok`, rolled back
    /// if it returns `Err` or panics. The write lock is taken up front
    /// (`BEGIN IMMEDIATE`), so a busy database is waited for at the start
    /// rather than failing halfway through an event.
    ///
    /// `&mut self` makes nested transactions a compile error.
    pub fn transaction<T, E>(
        &mut self,
        f: impl FnOnce(&StoreTx<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        // On `Err` (or a panic) `tx` is dropped here, which rolls back.
        let value = f(&StoreTx { store: self })?;
        tx.commit().map_err(StoreError::from)?;
        Ok(value)
    }

    /// Copies committed WAL pages into the database file without waiting
    /// for (or blocking) anyone: `PRAGMA wal_checkpoint(PASSIVE)`. Call it
    /// when the engine is idle so that batches never pay for a checkpoint in
    /// their commit. A no-op for an in-memory store.
    ///
    /// `&mut self` keeps it out of [`StoreTx`]: inside a transaction SQLite
    /// refuses a checkpoint ("database table is locked").
    pub fn checkpoint(&mut self) -> Result<(), StoreError> {
        // Returns one row (busy, wal pages, checkpointed pages); a partial
        // checkpoint is fine, the next call continues it.
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// `PRAGMA integrity_check`: `["ok"]` for a healthy database.
    pub fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The current journal mode (`wal` for a file database).
    pub fn journal_mode(&self) -> Result<String, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))?)
    }

    /// Whether foreign keys are enforced on this connection.
    pub fn foreign_keys_enabled(&self) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))?)
    }

    /// The `synchronous` level (1 = NORMAL, 2 = FULL).
    pub fn synchronous(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))?)
    }

    /// The busy timeout in milliseconds.
    pub fn busy_timeout_ms(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "busy_timeout", |r| r.get(0))?)
    }
}

/// Switches the journal to WAL. Two processes creating the database at once
/// both ask for the exclusive lock while holding a shared one; SQLite answers
/// "busy" at once instead of calling the busy handler (that would deadlock),
/// so the wait happens here, within the usual busy timeout.
fn switch_to_wal(conn: &Connection) -> Result<String, rusqlite::Error> {
    let started = std::time::Instant::now();
    for attempt in 0u64.. {
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && started.elapsed() < BUSY_TIMEOUT =>
            {
                // Uneven pauses, so two waiting processes do not retry in step.
                std::thread::sleep(Duration::from_millis(2 + (attempt * 7) % 19));
            }
            other => return other,
        }
    }
    unreachable!("the loop only ends by returning")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_can_move_to_the_engines_blocking_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<Store>();
    }
}

/// Alerts name clients and tickets: the database and its folder are
/// readable by the user only. SQLite gives its `-wal` and `-shm` files the
/// database file's mode.
mod private {
    use std::path::Path;

    use crate::error::StoreError;

    pub(super) const DIR_MODE: u32 = 0o700;
    pub(super) const FILE_MODE: u32 = 0o600;

    /// Creates the database file with the user-only mode, so it is never
    /// readable by others even for a moment.
    pub(super) fn create_file(path: &Path) -> Result<(), StoreError> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
        options
            .open(path)
            .map(drop)
            .map_err(|source| StoreError::Permissions {
                path: path.to_path_buf(),
                source,
            })
    }

    #[cfg(unix)]
    pub(super) fn restrict(path: &Path, mode: u32) -> Result<(), StoreError> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|source| {
            StoreError::Permissions {
                path: path.to_path_buf(),
                source,
            }
        })
    }

    /// Elsewhere the user's profile folder already keeps others out.
    #[cfg(not(unix))]
    pub(super) fn restrict(_path: &Path, _mode: u32) -> Result<(), StoreError> {
        Ok(())
    }
}
