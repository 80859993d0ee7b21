//! The outbox worker: delivers queued writes to Halo (take, note, close).
//! Each item is claimed (in flight) in a committed transaction before it is
//! sent, so it is never sent twice; a retry first looks for the item's own
//! marker in Halo. Transient failures back off; refused credentials hold
//! the item for the user until they work again; the rest fail for good
//! (then the user is told). Items live in SQLite, so nothing is lost.

use std::sync::Arc;
use std::time::Duration;

use alert_engine::{Effects, EngineEvent, HaloWrite, Notification, NotificationKind, WriteOutcome};
use alert_store::{OutboxKind, OutboxRow};
use chrono::{DateTime, Utc};
use halo_api::{HaloClient, HaloError, StatusCatalog};

use crate::handle::EngineHandle;

/// Attempts before a transiently failing write is given up on (about a day
/// with the backoff below).
pub const MAX_ATTEMPTS: u32 = 20;
const FIRST_RETRY: Duration = Duration::from_secs(15);
const LONGEST_RETRY: Duration = Duration::from_secs(2 * 3600);
const IDLE_RECHECK: Duration = Duration::from_secs(60);

pub(crate) async fn worker(handle: EngineHandle, halo: Arc<HaloClient>) {
    let mut shutdown = handle.shutdown_receiver();
    let mut catalog: Option<StatusCatalog> = None;
    // Started again (maybe after the settings were fixed): held writes try
    // once more.
    let _ = handle.resume_held_writes().await;
    loop {
        deliver_due(&handle, &halo, &mut catalog).await;
        let next = handle
            .call(|e| e.next_write_due().ok().flatten())
            .await
            .ok()
            .flatten();
        let changed = &handle.shared.outbox_changed;
        if !handle
            .wait_for_turn(next, IDLE_RECHECK, changed, &mut shutdown)
            .await
        {
            return;
        }
    }
}

impl EngineHandle {
    /// The credentials work again: writes held for the user go out now.
    pub async fn resume_held_writes(&self) -> Result<usize, alert_engine::EngineError> {
        let now = self.now();
        let resumed = self.call(move |e| e.resume_held_writes(now)).await??;
        if resumed > 0 {
            tracing::info!(resumed, "Halo writes held for the credentials go out now");
            self.shared.outbox_changed.notify_one();
        }
        Ok(resumed)
    }

    /// Delivers every write to Halo due now, once, and returns how many
    /// were attempted. The CLI calls this after `take` or `close` so the
    /// user sees the result at once.
    pub async fn deliver_writes_now(&self) -> usize {
        match self.halo().cloned() {
            Some(halo) => deliver_due(self, &halo, &mut None).await,
            None => 0,
        }
    }
}

/// Delivers every item due now; returns how many were attempted.
async fn deliver_due(
    handle: &EngineHandle,
    halo: &HaloClient,
    catalog: &mut Option<StatusCatalog>,
) -> usize {
    let now = handle.now();
    let due = handle
        .call(move |e| e.due_writes(now, 20))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let count = due.len();
    for item in due {
        if halo.rate_limited_for().is_some() {
            break;
        }
        let claimed = item.clone();
        let now = handle.now();
        match handle.call(move |e| e.claim_write(&claimed, now)).await {
            Ok(Ok(true)) => {}
            // Another worker has it, or it changed meanwhile.
            Ok(Ok(false)) => continue,
            Ok(Err(e)) | Err(e) => {
                tracing::warn!(error = %e, "could not claim an outbox item; trying later");
                break;
            }
        }
        let result = deliver(halo, &item, catalog).await;
        record(handle, item, result).await;
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
    // Tried before, or claimed by a sender that stopped mid-send: it may
    // have landed.
    let retrying = item.attempts > 0 || item.claimed_at.is_some();
    match write {
        HaloWrite::Take { agent_id } => {
            halo.assign_ticket(ticket_id, agent_id).await?;
        }
        HaloWrite::Note { text, marker } => {
            // A note POST that failed with an unknown outcome may have
            // landed: look for this item's marker before writing it twice
            // (items queued before markers existed look for their text).
            let wanted = marker.as_deref().unwrap_or(&text);
            if retrying && has_note(halo, ticket_id, wanted).await? {
                return Ok(());
            }
            halo.add_private_note(ticket_id, &text).await?;
        }
        HaloWrite::Close { note, status_id } => {
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
            match status_id {
                // The status the user picked becomes the one to set.
                Some(id) => {
                    let chosen = StatusCatalog::new(Vec::new(), &[id]);
                    halo.close_ticket(ticket_id, &note, &chosen).await?;
                }
                None => {
                    halo.close_ticket(ticket_id, &note, catalog).await?;
                }
            }
        }
    }
    Ok(())
}

async fn has_note(halo: &HaloClient, ticket_id: i32, marker: &str) -> Result<bool, HaloError> {
    Ok(halo
        .actions(ticket_id)
        .await?
        .iter()
        .any(|a| a.note.as_deref().is_some_and(|n| n.contains(marker))))
}

async fn record(handle: &EngineHandle, item: OutboxRow, result: Result<(), HaloError>) {
    let now = handle.now();
    let outcome = match result {
        Ok(()) => WriteOutcome::Written,
        Err(error) if error.needs_user() => {
            tracing::warn!(kind = %item.kind, ticket = item.ticket_id, %error, "Halo write waits until the credentials work again");
            WriteOutcome::WaitForUser {
                error: error.to_string(),
            }
        }
        Err(error) => {
            let attempts = item.attempts + 1;
            if error.is_transient() && attempts < MAX_ATTEMPTS {
                let at = retry_at(now, attempts, &error);
                tracing::warn!(kind = %item.kind, ticket = item.ticket_id, %error, retry_at = %at, "Halo write failed; will retry");
                WriteOutcome::RetryAt {
                    error: error.to_string(),
                    at,
                }
            } else {
                tracing::error!(kind = %item.kind, ticket = item.ticket_id, %error, "Halo write failed for good");
                WriteOutcome::Failed {
                    error: error.to_string(),
                }
            }
        }
    };
    let settled = outcome.clone();
    let row = item.clone();
    match handle
        .call(move |e| e.settle_write(&row, &settled, now))
        .await
    {
        Ok(Ok(())) => {}
        Ok(Err(e)) | Err(e) => {
            tracing::error!(error = %e, "recording an outbox result");
            return;
        }
    }
    let mut effects = Effects::default();
    match outcome {
        WriteOutcome::Written => effects.events.push(EngineEvent::Written {
            ticket_id: item.ticket_id,
            kind: item.kind.to_string(),
        }),
        WriteOutcome::RetryAt { .. } => return,
        WriteOutcome::WaitForUser { error } => effects.events.push(EngineEvent::WriteWaiting {
            ticket_id: item.ticket_id,
            kind: item.kind.to_string(),
            error,
        }),
        WriteOutcome::Failed { error } => {
            effects.events.push(EngineEvent::OutboxFailed {
                ticket_id: item.ticket_id,
                kind: item.kind.to_string(),
                error: error.clone(),
            });
            effects.notifications.push(Notification::about_ticket(
                NotificationKind::Notification,
                item.ticket_id,
                format!(
                    "Could not {} ticket #{} in Halo",
                    verb(item.kind),
                    item.ticket_id
                ),
                error,
                alert_policy::Urgency::Normal,
                now,
            ));
        }
    }
    handle.dispatch(effects, Vec::new());
}

fn verb(kind: OutboxKind) -> &'static str {
    match kind {
        OutboxKind::Take => "take",
        OutboxKind::Note => "add a note to",
        OutboxKind::Close => "close",
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
