//! Versioned schema migrations: SQL files compiled into the binary, applied
//! one version at a time with `rusqlite_migration` (tracked in `user_version`).

use rusqlite::{Connection, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

use crate::error::StoreError;

/// One migration: the file it came from (for error messages) and its SQL.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MigrationFile {
    pub(crate) file: &'static str,
    pub(crate) sql: &'static str,
}

/// Every migration, in order. Version N is `MIGRATIONS[N - 1]`. Never edit a
/// released file: add the next one, because installed databases already ran it.
pub(crate) const MIGRATIONS: &[MigrationFile] = &[
    MigrationFile {
        file: "001_initial.sql",
        sql: include_str!("../migrations/001_initial.sql"),
    },
    MigrationFile {
        file: "002_known_tickets.sql",
        sql: include_str!("../migrations/002_known_tickets.sql"),
    },
    MigrationFile {
        file: "003_known_tickets_rowid.sql",
        sql: include_str!("../migrations/003_known_tickets_rowid.sql"),
    },
    MigrationFile {
        file: "004_outbox_in_flight.sql",
        sql: include_str!("../migrations/004_outbox_in_flight.sql"),
    },
];

/// The schema version this build creates and understands.
pub const SCHEMA_VERSION: usize = MIGRATIONS.len();

/// The schema version recorded in the database (0 for a new file).
pub(crate) fn user_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Brings the database up to the last of `files`, refusing one that is ahead.
pub(crate) fn migrate(conn: &mut Connection, files: &[MigrationFile]) -> Result<(), StoreError> {
    let found = user_version(conn)?;
    let known = files.len();
    let current = usize::try_from(found).map_err(|_| StoreError::SchemaTooNew { found, known })?;
    if current > known {
        return Err(StoreError::SchemaTooNew { found, known });
    }
    let migrations = Migrations::new(
        files
            .iter()
            // Checking foreign keys after each step catches a migration that
            // leaves dangling references before it is committed.
            .map(|m| M::up(m.sql).foreign_key_check())
            .collect(),
    );
    // One version per transaction, so a failure names exactly which file
    // broke and every earlier version stays applied.
    //
    // The CLI and the app may open a new database at the same moment: with
    // immediate transactions the second waits for the first's write lock, and
    // its own attempt then fails on the schema the first one created. A
    // version that is already in place after a failure is that race, not an
    // error.
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    let result = (|| {
        for (index, file) in files.iter().enumerate().skip(current) {
            let version = index + 1;
            let attempt = migrations.to_version(conn, version);
            match attempt {
                Ok(()) => tracing::info!(version, file = file.file, "alert database migrated"),
                Err(_) if user_version(conn)? >= version as i64 => {}
                Err(source) => {
                    return Err(StoreError::Migration {
                        version,
                        file: file.file,
                        source,
                    });
                }
            }
        }
        Ok(())
    })();
    conn.set_transaction_behavior(TransactionBehavior::Deferred);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_validate() {
        let migrations = Migrations::new(MIGRATIONS.iter().map(|m| M::up(m.sql)).collect());
        assert!(migrations.validate().is_ok());
    }

    #[test]
    fn file_names_match_their_version() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert!(
                m.file.starts_with(&format!("{:03}_", i + 1)),
                "{} is not version {}",
                m.file,
                i + 1
            );
        }
    }

    #[test]
    fn a_failed_migration_names_its_file_and_version_and_keeps_earlier_ones() {
        let mut conn = Connection::open_in_memory().expect("open");
        let files = [
            MigrationFile {
                file: "001_ok.sql",
                sql: "CREATE TABLE a (x INTEGER);",
            },
            MigrationFile {
                file: "002_broken.sql",
                sql: "CREATE TABLE b (x INTEGER); CREATE TABLE a (x INTEGER);",
            },
        ];
        let err = migrate(&mut conn, &files).expect_err("must fail");
        let msg = err.to_string();
        assert!(
            matches!(
                err,
                StoreError::Migration {
                    version: 2,
                    file: "002_broken.sql",
                    ..
                }
            ),
            "{msg}"
        );
        assert!(
            msg.contains("002_broken.sql") && msg.contains("migration 2"),
            "{msg}"
        );
        // Version 1 committed; version 2 rolled back as a whole.
        assert_eq!(user_version(&conn).expect("version"), 1);
        let b_exists: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'b'",
                [],
                |r| r.get(0),
            )
            .expect("query");
        assert_eq!(b_exists, 0);
    }

    #[test]
    fn tickets_remembered_before_version_3_are_kept() {
        let mut conn = Connection::open_in_memory().expect("open");
        migrate(&mut conn, &MIGRATIONS[..2]).expect("version 2");
        conn.execute(
            "INSERT INTO known_tickets VALUES ('https://a', 5, 1000, '{\"ticket_id\":5}')",
            [],
        )
        .expect("insert");
        migrate(&mut conn, MIGRATIONS).expect("latest");
        let row: (i64, i64, Option<String>) = conn
            .query_row(
                "SELECT ticket_id, seen_at, snapshot_json FROM known_tickets",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .expect("row");
        assert_eq!(row, (5, 1000, Some("{\"ticket_id\":5}".to_owned())));
    }
}
