//! The webhook path, in one place: the receiver's sink parses a delivery
//! into its events (one per element of a batch), and each is deduplicated,
//! re-fetched from Halo when the body carried only part of the ticket,
//! applied and logged on its own. Unusable deliveries go to the inbound log
//! with the reason; refused ones too, at most one row per address a minute
//! (see `refusals`).

use std::net::SocketAddr;

use alert_engine::{Applied, EngineError};
use alert_store::{InboundOutcome, InboundSource};
use ticket_events::TicketEvent;
use webhook_receiver::{InboundWebhook, Refusal, SinkReply, WebhookSink};

use crate::handle::EngineHandle;

impl EngineHandle {
    /// Logs the refusals of addresses whose minute passed without another
    /// row (a flood that stopped): called by the timer on each turn.
    pub(crate) async fn settle_refusals(&self) {
        for (address, count) in self.shared.refusals.settle(self.now()) {
            let why = format!(
                "{count} more webhook requests refused from {address} (wrong or missing token) after the last entry"
            );
            tracing::warn!("webhook refused: {why}");
            let _ = self
                .log_rejected(InboundSource::Webhook("refused".to_owned()), &why, None)
                .await;
        }
    }

    /// Applies one webhook event: a duplicate is logged and skipped before
    /// any request to Halo; otherwise the ticket is re-fetched first when
    /// the body carried only part of it and credentials exist.
    pub async fn ingest_webhook(&self, mut event: TicketEvent) -> Result<Applied, EngineError> {
        let now = self.now();
        let probe = event.clone();
        let duplicate = self.call(move |e| e.is_duplicate(&probe, now)).await??;
        if duplicate {
            return self.call(move |e| e.record_duplicate(&event)).await?;
        }
        if !event.complete
            && let Some(halo) = self.halo()
        {
            match halo.ticket(event.snapshot.ticket_id).await {
                Ok(ticket) => {
                    let fresh =
                        TicketEvent::from_api(&ticket, event.source.clone(), event.received_at);
                    event.snapshot = fresh.snapshot;
                    event.complete = true;
                }
                Err(e) => {
                    tracing::warn!(error = %e, ticket = event.snapshot.ticket_id, "webhook: could not re-fetch the ticket; using the body");
                }
            }
        }
        self.ingest(event).await
    }
}

impl WebhookSink for EngineHandle {
    async fn receive(&self, hook: InboundWebhook) -> SinkReply {
        let now = self.now();
        let events = match ticket_events::parse_webhook(&hook.headers, &hook.body, now) {
            Ok(events) => events,
            Err(e) => {
                let excerpt = String::from_utf8_lossy(&hook.body).into_owned();
                let reason = e.to_string();
                if let Err(log) = self
                    .log_rejected(
                        InboundSource::Webhook("unusable".to_owned()),
                        &reason,
                        Some(excerpt),
                    )
                    .await
                {
                    tracing::error!(error = %log, "could not log a rejected webhook");
                }
                return SinkReply::Unusable(reason);
            }
        };
        let mut accepted = false;
        let mut failed = None;
        for event in events {
            match self.ingest_webhook(event).await {
                Ok(applied) => accepted |= applied.outcome != InboundOutcome::Duplicate,
                Err(e) => failed = Some(e.to_string()),
            }
        }
        // A batch with an element not stored is retried whole; what was
        // stored is then a duplicate.
        match (failed, accepted) {
            (Some(why), _) => SinkReply::Failed(why),
            (None, true) => SinkReply::Accepted,
            (None, false) => SinkReply::Duplicate,
        }
    }

    async fn refused(&self, reason: Refusal, peer: SocketAddr) {
        let Some(unlogged) = self.shared.refusals.admit(peer.ip(), self.now()) else {
            return;
        };
        let mut why = match reason {
            Refusal::BadToken => format!("wrong or missing webhook token from {peer}"),
        };
        if unlogged > 0 {
            why.push_str(&format!(
                " ({unlogged} more refused from this address since the last entry)"
            ));
        }
        tracing::warn!("webhook refused: {why}");
        let _ = self
            .log_rejected(InboundSource::Webhook("refused".to_owned()), &why, None)
            .await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use alert_engine::Engine;
    use halo_api::ManualClock;

    use super::*;

    #[tokio::test]
    async fn a_flood_that_stops_still_logs_how_many_its_last_minute_refused() {
        let clock = ManualClock::starting_now();
        let engine = Engine::new(
            alert_store::Store::open_in_memory().expect("store"),
            alert_engine::EngineSettings::default(),
        )
        .expect("engine");
        let handle = EngineHandle::new(
            engine,
            Arc::new(clock.clone()),
            Arc::new(alert_engine::FanOut::new()),
            None,
        );
        let scanner: SocketAddr = "192.0.2.7:40000".parse().expect("addr");
        for _ in 0..25 {
            handle.refused(Refusal::BadToken, scanner).await;
        }
        handle.settle_refusals().await;
        let reasons = |rows: Vec<alert_store::InboundRow>| -> Vec<String> {
            rows.into_iter().map(|r| r.reason).collect()
        };
        let logged = reasons(handle.inbound_log(10).await.expect("log"));
        assert_eq!(logged.len(), 1, "{logged:?}");

        // The flood stopped; its minute passes with 24 refusals unlogged.
        clock.advance(Duration::from_secs(61));
        handle.settle_refusals().await;
        let logged = reasons(handle.inbound_log(10).await.expect("log"));
        assert_eq!(logged.len(), 2, "{logged:?}");
        assert!(
            logged
                .iter()
                .any(|r| r.starts_with("24 more webhook requests refused from 192.0.2.7")),
            "{logged:?}"
        );
    }
}
