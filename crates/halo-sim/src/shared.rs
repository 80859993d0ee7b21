//! The state one running simulator shares between its HTTP tasks, the
//! in-process scripting API and the generator. Each part has its own lock,
//! held only for short synchronous work and never across an await.

use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use crate::auth::TokenStore;
use crate::config::SimConfig;
use crate::faults::FaultQueue;
use crate::page_change::PageChange;
use crate::ratelimit::RollingWindow;
use crate::record::Recorder;
use crate::store::Store;

pub(crate) struct Shared {
    pub config: SimConfig,
    pub base_url: String,
    pub store: Mutex<Store>,
    pub tokens: Mutex<TokenStore>,
    pub faults: Mutex<FaultQueue>,
    /// The client secret the token endpoint accepts now (rotated by tests).
    pub client_secret: Mutex<String>,
    /// What `ChangeBetweenPages` faults did, oldest first.
    pub page_changes: Mutex<Vec<PageChange>>,
    pub recorder: Mutex<Recorder>,
    pub rate: Option<Mutex<RollingWindow>>,
    /// For outgoing webhooks; built on first use, since loading TLS roots
    /// would slow down every test's start for the few that send webhooks.
    pub http: OnceLock<reqwest::Client>,
    /// The runtime the server runs on, for tasks started from synchronous code.
    pub runtime: tokio::runtime::Handle,
}

impl Shared {
    pub(crate) fn http(&self) -> Result<reqwest::Client, crate::error::SimError> {
        if let Some(client) = self.http.get() {
            return Ok(client.clone());
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| {
                crate::error::SimError::Invalid(format!("cannot build an HTTP client: {e}"))
            })?;
        Ok(self.http.get_or_init(|| client).clone())
    }
}

/// Locks, shrugging off poisoning: a panicked test thread must not take the
/// simulator down for the tests that follow.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
