//! Shared helpers for the black-box tests in `tests/tests/`: a Halo client
//! wired to a running simulator, and Halo's OpenAPI document.

use std::sync::Arc;
use std::time::Duration;

use halo_api::{
    ClientSecret, ConnectionSettings, HaloClient, InstanceUrl, RetryPolicy, SharedClock,
    SystemClock,
};
use serde_json::Value;

/// Settings that reach `base_url` with the simulator's default credentials.
pub fn settings_for(base_url: &str) -> ConnectionSettings {
    let instance = InstanceUrl::parse(base_url, false).expect("the simulator's URL is valid");
    let defaults = halo_sim::SimConfig::default();
    let mut settings = ConnectionSettings::new(instance, defaults.client_id);
    settings.tenant = defaults.tenant;
    settings.request_timeout = Duration::from_secs(5);
    settings
}

/// Retries short enough for tests, rate limits returned rather than waited.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        transient_base: Duration::from_millis(10),
        transient_max: Duration::from_millis(40),
        rate_limit_retries: 0,
        ..RetryPolicy::default()
    }
}

pub fn client_with(
    settings: ConnectionSettings,
    clock: SharedClock,
    retry: RetryPolicy,
) -> HaloClient {
    let secret = ClientSecret::new(halo_sim::SimConfig::default().client_secret);
    HaloClient::with_options(settings, secret, clock, retry).expect("client builds")
}

pub fn client_for(base_url: &str) -> HaloClient {
    client_with(
        settings_for(base_url),
        Arc::new(SystemClock),
        quick_retries(),
    )
}

/// Halo's own OpenAPI document (a public copy from September 2024).
pub fn openapi() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/halo-openapi.json");
    let text = std::fs::read_to_string(path).expect("tests/fixtures/halo-openapi.json is readable");
    serde_json::from_str(&text).expect("the OpenAPI document is JSON")
}
