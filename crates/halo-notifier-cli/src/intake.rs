//! Webhooks into the engine: the receiver's sink parses each delivery and
//! hands it to the engine, which re-fetches the ticket from Halo.

use std::net::SocketAddr;
use std::sync::Arc;

use alert_engine::EngineHandle;
use alert_store::{InboundOutcome, InboundSource};
use anyhow::{Result, anyhow};
use webhook_receiver::{
    DEFAULT_BODY_LIMIT, InboundWebhook, Receiver, ReceiverConfig, Refusal, SinkReply, WebhookSink,
    WebhookToken,
};

use crate::config::Config;

pub struct EngineSink {
    pub handle: EngineHandle,
}

impl WebhookSink for EngineSink {
    async fn receive(&self, hook: InboundWebhook) -> SinkReply {
        let now = self.handle.now();
        match ticket_events::parse_webhook(&hook.headers, &hook.body, now) {
            Err(e) => {
                let excerpt = String::from_utf8_lossy(&hook.body).into_owned();
                let reason = e.to_string();
                if let Err(log) = self.handle.log_rejected(
                    InboundSource::Webhook("unusable".to_owned()),
                    &reason,
                    Some(excerpt),
                ) {
                    tracing::error!(error = %log, "could not log a rejected webhook");
                }
                SinkReply::Unusable(reason)
            }
            Ok(event) => match self.handle.ingest_webhook(event).await {
                Ok(applied) if applied.outcome == InboundOutcome::Duplicate => SinkReply::Duplicate,
                Ok(_) => SinkReply::Accepted,
                Err(e) => SinkReply::Failed(e.to_string()),
            },
        }
    }

    async fn refused(&self, reason: Refusal, peer: SocketAddr) {
        let why = match reason {
            Refusal::BadToken => format!("wrong or missing webhook token from {peer}"),
        };
        let _ = self
            .handle
            .log_rejected(InboundSource::Webhook("refused".to_owned()), &why, None);
    }
}

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
        },
        Arc::new(EngineSink { handle }),
    )
    .await?;
    eprintln!(
        "Receiving webhooks on http://{}/webhook/<token>",
        receiver.local_addr()
    );
    Ok(receiver)
}
