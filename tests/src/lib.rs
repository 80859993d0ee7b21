//! Shared helpers for the black-box tests in `tests/tests/`: a Halo client
//! wired to a running simulator, and Halo's OpenAPI document; the running
//! engine against a simulator, the fault matrix's scenario and checks, and
//! the latency benchmarks' stopwatch.

pub mod engine_run;
pub mod fault_checks;
pub mod panics;
pub mod scenario;
pub mod stopwatch;
pub mod webhook_rig;

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

/// A notifier that keeps what it was asked to show, for tests to await.
#[derive(Clone, Default)]
pub struct Recorder {
    seen: Arc<std::sync::Mutex<Vec<alert_engine::Notification>>>,
    added: Arc<tokio::sync::Notify>,
}

impl alert_engine::Notifier for Recorder {
    fn notify(
        &self,
        notification: &alert_engine::Notification,
    ) -> Result<(), alert_engine::NotifyError> {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(notification.clone());
        self.added.notify_waiters();
        Ok(())
    }
}

/// How long a test waits for something that should take milliseconds
/// before failing with a clear message instead of hanging.
pub const PATIENCE: Duration = Duration::from_secs(20);

impl Recorder {
    pub fn all(&self) -> Vec<alert_engine::Notification> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The first notification (shown so far or later) matching `wanted`.
    pub async fn next(
        &self,
        wanted: impl Fn(&alert_engine::Notification) -> bool,
    ) -> alert_engine::Notification {
        let wait = async {
            loop {
                // Registered before looking, so a notification shown in
                // between still wakes us.
                let added = self.added.notified();
                tokio::pin!(added);
                added.as_mut().enable();
                if let Some(n) = self.all().into_iter().find(|n| wanted(n)) {
                    return n;
                }
                added.await;
            }
        };
        match tokio::time::timeout(PATIENCE, wait).await {
            Ok(n) => n,
            Err(_) => panic!(
                "no matching notification within {PATIENCE:?}; shown: {:#?}",
                self.all()
            ),
        }
    }
}

/// Waits until `done` holds, checking on every engine event.
pub async fn wait_for(
    events: &mut tokio::sync::broadcast::Receiver<alert_engine::EngineEvent>,
    mut done: impl FnMut(&alert_engine::EngineEvent) -> bool,
) {
    let wait = async {
        loop {
            match events.recv().await {
                Ok(event) if done(&event) => return,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                    panic!("the engine stopped")
                }
            }
        }
    };
    if tokio::time::timeout(PATIENCE, wait).await.is_err() {
        panic!("the awaited engine event did not come within {PATIENCE:?}");
    }
}
