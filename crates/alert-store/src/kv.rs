//! Small key/value tables: non-secret user settings and poller bookkeeping.
//! Keys that name a credential are refused, as a last line of defence.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use crate::error::StoreError;
use crate::store::Store;

/// Key fragments that mean "credential". The database is a plain file any
/// local process can read, so a credential must never land here, even by a
/// careless `set_setting("halo_client_secret", ..)`.
const SECRET_MARKERS: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "api_key",
    "apikey",
    "access_token",
    "refresh_token",
    "bearer",
    "private_key",
];

fn refuse_secret(key: &str) -> Result<(), StoreError> {
    let lower = key.to_ascii_lowercase().replace('-', "_");
    if SECRET_MARKERS.iter().any(|m| lower.contains(m)) {
        return Err(StoreError::SecretRefused(key.to_owned()));
    }
    Ok(())
}

impl Store {
    /// A setting's value.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?;
        Ok(stmt.query_row(params![key], |r| r.get(0)).optional()?)
    }

    /// Sets a (non-secret) setting. Keys that look like credentials are
    /// refused with [`StoreError::SecretRefused`].
    pub fn set_setting(&self, key: &str, value: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        refuse_secret(key)?;
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )?;
        stmt.execute(params![key, value, at.timestamp_millis()])?;
        Ok(())
    }

    /// Removes a setting; returns whether it existed.
    pub fn delete_setting(&self, key: &str) -> Result<bool, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("DELETE FROM settings WHERE key = ?1")?;
        Ok(stmt.execute(params![key])? > 0)
    }

    /// Every setting, by key.
    pub fn settings(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, value FROM settings ORDER BY key")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A poll-state value (e.g. the last delta poll time).
    pub fn poll_state(&self, key: &str) -> Result<Option<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT value FROM poll_state WHERE key = ?1")?;
        Ok(stmt.query_row(params![key], |r| r.get(0)).optional()?)
    }

    /// Sets a poll-state value. Write it in the same transaction as the
    /// batch it describes, so a crash never skips or half-applies a delta.
    pub fn set_poll_state(&self, key: &str, value: &str) -> Result<(), StoreError> {
        refuse_secret(key)?;
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO poll_state (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?;
        stmt.execute(params![key, value])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_keys_are_recognised() {
        for key in [
            "halo_client_secret",
            "Client-Secret",
            "smtp_password",
            "webhook.api-key",
            "oauth_access_token",
        ] {
            assert!(refuse_secret(key).is_err(), "{key}");
        }
        for key in ["halo_url", "snooze_minutes", "token_url", "last_delta_poll"] {
            assert!(refuse_secret(key).is_ok(), "{key}");
        }
    }
}
