//! Webhooks into the engine: the receiver's sink parses each delivery,
//! re-fetches the ticket from Halo when it can, and applies it; unusable
//! and refused deliveries go to the inbound log with the reason.

use std::net::SocketAddr;

use alert_store::{InboundOutcome, InboundSource};
use webhook_receiver::{InboundWebhook, Refusal, SinkReply, WebhookSink};

use crate::runtime::EngineHandle;

impl WebhookSink for EngineHandle {
    async fn receive(&self, hook: InboundWebhook) -> SinkReply {
        let now = self.now();
        match ticket_events::parse_webhook(&hook.headers, &hook.body, now) {
            Err(e) => {
                let excerpt = String::from_utf8_lossy(&hook.body).into_owned();
                let reason = e.to_string();
                if let Err(log) = self.log_rejected(
                    InboundSource::Webhook("unusable".to_owned()),
                    &reason,
                    Some(excerpt),
                ) {
                    tracing::error!(error = %log, "could not log a rejected webhook");
                }
                SinkReply::Unusable(reason)
            }
            Ok(event) => match self.ingest_webhook(event).await {
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
        let _ = self.log_rejected(InboundSource::Webhook("refused".to_owned()), &why, None);
    }
}
