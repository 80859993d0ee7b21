//! Starting the webhook receiver in front of the engine.

use std::sync::Arc;

use alert_runtime::EngineHandle;
use anyhow::{Result, anyhow};
use webhook_receiver::{DEFAULT_BODY_LIMIT, Receiver, ReceiverConfig, WebhookToken};

use crate::config::Config;

/// Starts the receiver with the token from HALO_WEBHOOK_TOKEN or the keyring.
pub async fn start_webhooks(config: &Config, handle: EngineHandle) -> Result<Receiver> {
    let token = match std::env::var("HALO_WEBHOOK_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
    {
        Some(t) => t,
        None => tokio::task::spawn_blocking(|| secrets::SecretStore::new().webhook_token())
            .await??
            .ok_or_else(|| {
                anyhow!(
                    "[webhook] is enabled but no token is set: run `halo-notifier-cli login \
                     --webhook-token` or set HALO_WEBHOOK_TOKEN"
                )
            })?,
    };
    let receiver = webhook_receiver::bind(
        ReceiverConfig {
            bind: config.webhook.bind,
            token: WebhookToken::new(token)?,
            body_limit: DEFAULT_BODY_LIMIT,
            limits: webhook_receiver::ReceiverLimits::default(),
        },
        Arc::new(handle),
    )
    .await?;
    eprintln!(
        "Receiving webhooks on http://{}/webhook/<token>",
        receiver.local_addr()
    );
    Ok(receiver)
}
