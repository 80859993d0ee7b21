//! How one simulated tenant is set up: credentials, scopes, quirks to imitate.
//! Defaults give a Halo-hosted tenant "demo" whose application may do everything.

use std::time::Duration;

/// Settings for one simulated Halo tenant. Build with `SimConfig::default()`
/// and struct-update syntax, or with the `with_*` helpers.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The API application's client ID.
    pub client_id: String,
    /// The API application's client secret.
    pub client_secret: String,
    /// `Some` imitates a Halo-hosted instance, whose token endpoint needs `tenant`.
    pub tenant: Option<String>,
    /// Permissions granted to the application (`all`, `read:tickets`, `edit:tickets`,
    /// `all:teams`, ...). A token gets the overlap of these and what it asks for.
    pub scopes: Vec<String>,
    /// How long an access token lives (real clock).
    pub token_lifetime: Duration,
    /// The id of the status named "Closed" (Halo's default is 9, but instances differ).
    pub closed_status_id: i32,
    /// `false`: `GET /api/Team` answers a bare array; `true`: `{"teams": [...]}`.
    pub wrap_teams: bool,
    /// How many realistic tickets to seed at start.
    pub seed_tickets: usize,
    /// `Some((n, window))` enforces Halo's rolling-window limit (Halo: 300 per 5 minutes).
    pub rate_limit: Option<(u32, Duration)>,
    /// The agent the application logs in as (`/api/Agent/me`, `mine=true`).
    pub api_agent_id: i32,
    /// Seed for the deterministic data generator.
    pub data_seed: u64,
    /// Serve `/_sim/*` to non-loopback peers too (off: a demo bound to 0.0.0.0
    /// must not let the network script it).
    pub control_from_any_address: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            client_id: "demo-client".to_owned(),
            client_secret: "demo-secret".to_owned(),
            tenant: Some("demo".to_owned()),
            scopes: vec!["all".to_owned()],
            token_lifetime: Duration::from_secs(3600),
            closed_status_id: 9,
            wrap_teams: false,
            seed_tickets: 40,
            rate_limit: None,
            api_agent_id: 1,
            data_seed: 0x4A10_5EED,
            control_from_any_address: false,
        }
    }
}

impl SimConfig {
    /// The documented Halo-hosted limit: 300 requests per rolling 5 minutes.
    pub const HALO_RATE_LIMIT: (u32, Duration) = (300, Duration::from_secs(300));

    pub fn with_credentials(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.client_id = id.into();
        self.client_secret = secret.into();
        self
    }

    pub fn with_tenant(mut self, tenant: Option<&str>) -> Self {
        self.tenant = tenant.map(str::to_owned);
        self
    }

    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    pub fn with_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    pub fn with_closed_status_id(mut self, id: i32) -> Self {
        self.closed_status_id = id;
        self
    }

    pub fn with_wrapped_teams(mut self, wrap: bool) -> Self {
        self.wrap_teams = wrap;
        self
    }

    pub fn with_seed_tickets(mut self, n: usize) -> Self {
        self.seed_tickets = n;
        self
    }

    pub fn with_rate_limit(mut self, limit: Option<(u32, Duration)>) -> Self {
        self.rate_limit = limit;
        self
    }

    pub fn with_api_agent_id(mut self, id: i32) -> Self {
        self.api_agent_id = id;
        self
    }
}
