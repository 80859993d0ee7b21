//! The outbox worker: delivers queued writes to Halo (take, note, close),
//! retrying transient failures with backoff until they succeed or fail for
//! good (then the user is told). Items live in SQLite, so nothing is lost
//! across restarts.

use std::sync::Arc;
use std::time::Duration;

use alert_store::{OutboxRow, TimelineKind};
use chrono::{DateTime, Utc};
use halo_api::{HaloClient, HaloError, StatusCatalog};

use crate::engine::HaloWrite;
use crate::notify::{Notification, NotificationKind};
use crate::runtime::EngineHandle;
use crate::view::EngineEvent;

/// Attempts before a transiently failing write is given up on (about a day
/// with the backoff below).
pub const MAX_ATTEMPTS: u32 = 20;
const FIRST_RETRY: Duration = Duration::from_secs(15);
const LONGEST_RETRY: Duration = Duration::from_secs(2 * 3600);
const IDLE_RECHECK: Duration = Duration::from_secs(60);

pub(crate) async fn worker(handle: EngineHandle, halo: Arc<HaloClient>) {
    let mut shutdown = handle.shutdown_receiver();
    let mut catalog: Option<StatusCatalog> = None;
    loop {
        deliver_due(&handle, &halo, &mut catalog).await;
        let next = handle.with_engine(|e| e.store().next_outbox_due().ok().flatten());
        let wait = next
            .map(|at| (at - handle.now()).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(IDLE_RECHECK)
            .min(IDLE_RECHECK);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = handle.outbox_changed().notified() => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Delivers every item due now; returns how many were attempted. The CLI
/// calls this once after `close` so the user sees the result at once.
pub async fn deliver_due(
    handle: &EngineHandle,
    halo: &HaloClient,
    catalog: &mut Option<StatusCatalog>,
) -> usize {
    let now = handle.now();
    let due = handle
        .with_engine(|e| e.store().due_outbox(now, 20))
        .unwrap_or_default();
    let count = due.len();
    for item in due {
        if halo.rate_limited_for().is_some() {
            break;
        }
        let result = deliver(halo, &item, catalog).await;
        record(handle, &item, result);
    }
    count
}

async fn deliver(
    halo: &HaloClient,
    item: &OutboxRow,
    catalog: &mut Option<StatusCatalog>,
) -> Result<(), HaloError> {
    let write: HaloWrite =
        serde_json::from_str(&item.payload_json).map_err(|e| HaloError::UnexpectedResponse {
            operation: halo_api::Operation::AddAction,
            detail: format!("outbox item {} is unreadable: {e}", item.id),
        })?;
    let ticket_id = i32::try_from(item.ticket_id).map_err(|_| HaloError::NotFound {
        what: format!("Ticket {}", item.ticket_id),
    })?;
    let retrying = item.attempts > 0;
    match write {
        HaloWrite::Take { agent_id } => {
            halo.assign_ticket(ticket_id, agent_id).await?;
        }
        HaloWrite::Note { text } => {
            // A note POST that failed with an unknown outcome may have
            // landed: look before writing it twice.
            if retrying && has_note(halo, ticket_id, &text).await? {
                return Ok(());
            }
            halo.add_private_note(ticket_id, &text).await?;
        }
        HaloWrite::Close { note } => {
            if catalog.is_none() {
                *catalog = Some(halo.status_catalog(&[]).await?);
            }
            let Some(catalog) = catalog.as_ref() else {
                return Ok(());
            };
            if retrying {
                let ticket = halo.ticket(ticket_id).await?;
                if ticket.status_id.is_some_and(|s| catalog.is_closed(s)) {
                    return Ok(());
                }
            }
            halo.close_ticket(ticket_id, &note, catalog).await?;
        }
    }
    Ok(())
}

async fn has_note(halo: &HaloClient, ticket_id: i32, text: &str) -> Result<bool, HaloError> {
    Ok(halo
        .actions(ticket_id)
        .await?
        .iter()
        .any(|a| a.note.as_deref().is_some_and(|n| n.contains(text))))
}

fn record(handle: &EngineHandle, item: &OutboxRow, result: Result<(), HaloError>) {
    let now = handle.now();
    let item_succeeded = result.is_ok();
    let outcome = handle.with_engine(|e| -> Result<Option<String>, alert_store::StoreError> {
        let store = e.store();
        match result {
            Ok(()) => {
                store.outbox_succeeded(item.id, now)?;
                if let Some(alert) = item.alert_id {
                    store.append_timeline(alert, now, &TimelineKind::Other(format!("halo_{}", item.kind)), "written to Halo")?;
                }
                Ok(None)
            }
            Err(error) => {
                let message = error.to_string();
                let attempts = item.attempts + 1;
                if error.is_transient() && attempts < MAX_ATTEMPTS {
                    let next = retry_at(now, attempts, &error);
                    store.outbox_failed_attempt(item.id, &message, next)?;
                    tracing::warn!(kind = %item.kind, ticket = item.ticket_id, error = %message, retry_at = %next, "Halo write failed; will retry");
                    Ok(None)
                } else {
                    store.outbox_failed_permanently(item.id, &message, now)?;
                    if let Some(alert) = item.alert_id {
                        store.append_timeline(alert, now, &TimelineKind::OutboxFailed, &message)?;
                    }
                    Ok(Some(message))
                }
            }
        }
    });
    match outcome {
        Ok(Some(error)) => {
            tracing::error!(kind = %item.kind, ticket = item.ticket_id, %error, "Halo write failed for good");
            let mut effects = crate::engine::Effects::default();
            effects.events.push(EngineEvent::OutboxFailed {
                ticket_id: item.ticket_id,
                kind: item.kind.clone(),
                error: error.clone(),
            });
            effects.notifications.push(Notification {
                kind: NotificationKind::Notification,
                alert_id: None,
                ticket_id: Some(item.ticket_id),
                title: format!(
                    "Could not {} ticket #{} in Halo",
                    verb(&item.kind),
                    item.ticket_id
                ),
                body: error,
                urgency: alert_policy::Urgency::Normal,
                sound: false,
                step: 0,
                repeat: 0,
                at: now,
                link: None,
                ticket_ids: Vec::new(),
            });
            handle.dispatch_effects(effects);
        }
        Ok(None) => {
            if item_succeeded {
                let mut effects = crate::engine::Effects::default();
                effects.events.push(EngineEvent::Written {
                    ticket_id: item.ticket_id,
                    kind: item.kind.clone(),
                });
                handle.dispatch_effects(effects);
            }
        }
        Err(e) => tracing::error!(error = %e, "recording an outbox result"),
    }
}

fn verb(kind: &str) -> &str {
    match kind {
        "take" => "take",
        "note" => "add a note to",
        "close" => "close",
        other => other,
    }
}

/// 15 s doubling to 2 h, or Halo's own wait after a 429.
fn retry_at(now: DateTime<Utc>, attempts: u32, error: &HaloError) -> DateTime<Utc> {
    let wait = match error {
        HaloError::RateLimited { retry_after } => *retry_after,
        _ => FIRST_RETRY
            .saturating_mul(2u32.saturating_pow(attempts.saturating_sub(1).min(16)))
            .min(LONGEST_RETRY),
    };
    now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_two_hours() {
        let now = Utc::now();
        let e = HaloError::Network {
            operation: halo_api::Operation::AddAction,
            detail: "reset".into(),
            timed_out: false,
        };
        assert_eq!(retry_at(now, 1, &e) - now, chrono::Duration::seconds(15));
        assert_eq!(retry_at(now, 3, &e) - now, chrono::Duration::seconds(60));
        assert_eq!(retry_at(now, 19, &e) - now, chrono::Duration::hours(2));
    }
}
