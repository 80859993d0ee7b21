//! The set-up the webhook tests and latency benches share: an engine
//! watching one team of a simulator, and a webhook receiver in front of it.

use std::sync::Arc;
use std::time::Duration;

use alert_engine::{EngineSettings, PollSettings, TeamRef};
use alert_runtime::EngineHandle;
use halo_api::HaloClient;
use webhook_receiver::{Receiver, ReceiverConfig, ReceiverLimits, WebhookToken};

/// A poll interval so long that only webhooks bring tickets in (the
/// poller must not find them first).
pub const WEBHOOKS_ONLY: Duration = Duration::from_secs(3600);

/// An engine's settings for `team` on `halo`, polling every `interval`,
/// reconciling hourly, no grouping.
pub fn engine_settings(halo: &HaloClient, team: TeamRef, interval: Duration) -> EngineSettings {
    EngineSettings {
        instance: halo.settings().instance.web(),
        teams: vec![team],
        grouping: None,
        poll: PollSettings {
            interval,
            reconcile_every: Duration::from_secs(3600),
            ..PollSettings::default()
        },
        ..EngineSettings::default()
    }
}

/// A receiver on a free loopback port that hands `handle` what it
/// accepts with `token`.
pub async fn receiver_for(handle: &EngineHandle, token: &str, limits: ReceiverLimits) -> Receiver {
    webhook_receiver::bind(
        ReceiverConfig {
            bind: "127.0.0.1:0".parse().expect("addr"),
            token: WebhookToken::new(token).expect("token"),
            body_limit: webhook_receiver::DEFAULT_BODY_LIMIT,
            limits,
        },
        Arc::new(handle.clone()),
    )
    .await
    .expect("receiver binds")
}
