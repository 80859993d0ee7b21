//! The Halo API client handle: built from the connection settings, cheap to
//! clone, and what it knows about the session (request budget, rate limit,
//! Halo's clock). The calls themselves live in `endpoints/`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::budget::BudgetReport;
use crate::clock::{SharedClock, SystemClock};
use crate::connection::{ClientSecret, ConnectionSettings};
use crate::error::HaloError;
use crate::retry::RetryPolicy;
use crate::transport::Transport;

/// A cheap-to-clone handle; clones share the token, budget and rate state.
#[derive(Clone)]
pub struct HaloClient {
    pub(crate) transport: Arc<Transport>,
}

impl std::fmt::Debug for HaloClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HaloClient")
            .field("instance", &self.transport.settings.instance.web())
            .field("client_id", &self.transport.settings.client_id)
            .finish_non_exhaustive()
    }
}

impl HaloClient {
    pub fn new(settings: ConnectionSettings, secret: ClientSecret) -> Result<Self, HaloError> {
        Self::with_options(
            settings,
            secret,
            Arc::new(SystemClock),
            RetryPolicy::default(),
        )
    }

    pub fn with_options(
        settings: ConnectionSettings,
        secret: ClientSecret,
        clock: SharedClock,
        retry: RetryPolicy,
    ) -> Result<Self, HaloError> {
        Ok(Self {
            transport: Arc::new(Transport::new(settings, secret, clock, retry)?),
        })
    }

    pub fn settings(&self) -> &ConnectionSettings {
        &self.transport.settings
    }

    /// Requests sent in the last 5 minutes and hour (tokens included).
    pub fn budget(&self) -> BudgetReport {
        self.transport.budget.report(self.transport.clock.now())
    }

    /// How long Halo asked us to wait, when rate limited right now.
    pub fn rate_limited_for(&self) -> Option<Duration> {
        self.transport.rate.remaining(self.transport.clock.now())
    }

    /// Halo's clock now, from the `Date` header of its last answer moved on
    /// by our clock since; `None` before the first answer. Use it for
    /// `lastupdatefromdate` so a desktop clock that is off misses nothing.
    pub fn server_now(&self) -> Option<DateTime<Utc>> {
        self.transport.server_now()
    }

    /// Forgets the cached token, e.g. after the secret changed.
    pub async fn forget_token(&self) {
        self.transport.forget_token().await;
    }
}
