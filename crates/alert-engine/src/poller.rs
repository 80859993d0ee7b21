//! Intake by polling: one delta request per cycle (`lastupdatefromdate`
//! with an overlap, deduplicated on id + last_update), a periodic
//! reconciliation of open tickets in scope to catch closures a delta missed,
//! jittered intervals, exponential backoff on errors, and Halo's 429 waits
//! honoured by scheduling rather than by sleeping inside a request.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use halo_api::{DeltaTracker, HaloClient, HaloError, Ticket, TicketQuery};
use ticket_events::{EventSource, TicketEvent};

use crate::rules::TeamRef;
use crate::runtime::EngineHandle;

/// Poll-state key: when the last successful delta poll started.
pub const LAST_POLL_KEY: &str = "last_poll_started";

pub(crate) async fn run(handle: EngineHandle, halo: Arc<HaloClient>) {
    let mut shutdown = handle.shutdown_receiver();
    let settings = handle.with_engine(|e| e.settings().poll);
    let mut poller = Poller::new(&handle, settings.overlap);
    let mut failures: u32 = 0;
    loop {
        let wait = match poller.cycle(&handle, &halo).await {
            Ok(()) => {
                failures = 0;
                jitter(settings.interval)
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                let wait = match &e {
                    CycleError::Halo(HaloError::RateLimited { retry_after }) => {
                        (*retry_after).max(settings.interval)
                    }
                    _ => backoff(settings.interval, settings.max_backoff, failures),
                };
                tracing::warn!(error = %e, retry_in = ?wait, "poll failed");
                handle.set_status(|s| {
                    s.ok = false;
                    s.problem = Some(format!("{e} (retrying in {}s)", wait.as_secs()));
                    s.budget = halo.budget().to_string();
                });
                wait
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = handle.poll_requested().notified() => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// ±10% so that many technicians' apps started together spread out.
fn jitter(interval: Duration) -> Duration {
    let spread = interval.as_millis() as f64 * 0.1;
    let offset = (fastrand::f64() * 2.0 - 1.0) * spread;
    Duration::from_millis((interval.as_millis() as f64 + offset).max(1000.0) as u64)
}

/// interval × 2^failures, capped, jittered.
pub(crate) fn backoff(interval: Duration, max: Duration, failures: u32) -> Duration {
    let factor = 2u32.saturating_pow(failures.min(16));
    jitter(interval.saturating_mul(factor).min(max))
}

struct Poller {
    tracker: DeltaTracker,
    last_reconcile: Option<DateTime<Utc>>,
    learned: bool,
    team_ids: Option<Vec<i32>>,
}

impl Poller {
    fn new(handle: &EngineHandle, overlap: Duration) -> Self {
        Poller {
            tracker: DeltaTracker::resume(overlap, persisted_last_poll(handle)),
            last_reconcile: None,
            learned: false,
            team_ids: None,
        }
    }

    async fn cycle(&mut self, handle: &EngineHandle, halo: &HaloClient) -> Result<(), CycleError> {
        if !self.learned {
            handle.learn_instance(halo).await?;
            self.learned = true;
        }
        let settings = handle.with_engine(|e| e.settings().clone());
        if self.team_ids.is_none() {
            self.team_ids = Some(resolve_teams(halo, &settings.teams).await?);
        }
        let started = handle.now();
        match self.tracker.since() {
            None => self.baseline(handle, halo, started).await?,
            Some(since) => {
                // The whole tenant's changes, not just watched teams: a
                // ticket moved out of a team, or assigned to me in another
                // one, must be seen too. One request in the steady state.
                let list = halo
                    .tickets_changed_since(&TicketQuery::default(), since)
                    .await?;
                log_rejected(handle, &list.rejected);
                let received = list.tickets.len();
                let changed = self.news(handle, list.tickets, started);
                tracing::debug!(%since, received, news = changed.len(), "delta poll");
                let changed = with_details(handle, halo, changed).await;
                if let Err(e) = apply(handle, &changed, EventSource::Poll, started, false).await {
                    self.rewind(handle);
                    return Err(e);
                }
            }
        }
        let reconcile_due = self.last_reconcile.is_none_or(|at| {
            started - at
                >= chrono::Duration::from_std(settings.poll.reconcile_every).unwrap_or_default()
        });
        if reconcile_due {
            self.reconcile(handle, halo).await?;
            self.last_reconcile = Some(started);
        }
        self.tracker
            .forget_older_than(started - chrono::Duration::days(2));
        handle.set_status(|s| {
            s.ok = true;
            s.problem = None;
            s.last_poll_at = Some(started);
            s.budget = halo.budget().to_string();
        });
        Ok(())
    }

    /// What in a delta is news: unseen (id, last_update) pairs, and known
    /// tickets whose content changed without `last_update` moving (Halo may
    /// render it in whole seconds, so two changes in one second share it).
    fn news(
        &mut self,
        handle: &EngineHandle,
        tickets: Vec<Ticket>,
        started: DateTime<Utc>,
    ) -> Vec<Ticket> {
        let all = tickets.clone();
        let fresh = self.tracker.accept(tickets, started);
        let fresh_ids: std::collections::HashSet<i32> = fresh.iter().map(|t| t.id).collect();
        let mut news = fresh;
        handle.with_engine(|e| {
            for t in all {
                if fresh_ids.contains(&t.id) {
                    continue;
                }
                if let Some(known) = e.known_ticket(t.id)
                    && *known
                        != ticket_events::TicketSnapshot::from(&t).keep_unlisted_fields(Some(known))
                {
                    news.push(t);
                }
            }
        });
        news
    }

    /// The first poll ever: open tickets in watched teams and mine.
    async fn baseline(
        &mut self,
        handle: &EngineHandle,
        halo: &HaloClient,
        started: DateTime<Utc>,
    ) -> Result<(), CycleError> {
        let tickets = self.open_in_scope(handle, halo).await?;
        let accepted = self.tracker.accept(tickets, started);
        if let Err(e) = apply(handle, &accepted, EventSource::Poll, started, true).await {
            self.rewind(handle);
            return Err(e);
        }
        // A reconcile right after a baseline would repeat the same requests.
        self.last_reconcile = Some(started);
        Ok(())
    }

    /// Open tickets in the watched teams, plus those assigned to me.
    async fn open_in_scope(
        &self,
        handle: &EngineHandle,
        halo: &HaloClient,
    ) -> Result<Vec<Ticket>, HaloError> {
        let (me, assigned_to_me) =
            handle.with_engine(|e| (e.me().map(|m| m.agent_id), e.settings().assigned_to_me));
        let mut tickets = Vec::new();
        let teams = self.team_ids.clone().unwrap_or_default();
        if !teams.is_empty() {
            let list = halo
                .list_tickets(&TicketQuery::open_in_teams(&teams))
                .await?;
            log_rejected(handle, &list.rejected);
            tickets.extend(list.tickets);
        }
        if assigned_to_me && let Some(me) = me {
            let list = halo
                .list_tickets(&TicketQuery {
                    agent_id: Some(me),
                    open_only: true,
                    ..TicketQuery::default()
                })
                .await?;
            log_rejected(handle, &list.rejected);
            for t in list.tickets {
                if !tickets.iter().any(|known| known.id == t.id) {
                    tickets.push(t);
                }
            }
        }
        Ok(tickets)
    }

    /// Catches what deltas missed: any open alert whose ticket is no longer
    /// among the open tickets in scope is looked up on its own (closed,
    /// moved, deleted).
    async fn reconcile(
        &mut self,
        handle: &EngineHandle,
        halo: &HaloClient,
    ) -> Result<(), CycleError> {
        let open = self.open_in_scope(handle, halo).await?;
        let now = handle.now();
        let alerts = handle
            .with_engine(|e| e.list(alert_store::AlertFilter::Open))
            .unwrap_or_default();
        let mut changed: Vec<Ticket> = open
            .iter()
            .filter(|t| {
                handle.with_engine(|e| {
                    let known = e.known_ticket(t.id);
                    let snap = ticket_events::TicketSnapshot::from(*t).keep_unlisted_fields(known);
                    known != Some(&snap)
                })
            })
            .cloned()
            .collect();
        for alert in alerts {
            let Ok(id) = i32::try_from(alert.ticket_id) else {
                continue;
            };
            if id == crate::engine::TEST_TICKET_ID || open.iter().any(|t| t.id == id) {
                continue;
            }
            match halo.ticket(id).await {
                Ok(ticket) => changed.push(ticket),
                Err(HaloError::NotFound { .. }) => {
                    // Deleted in Halo: nothing left to alert about.
                    let _ = handle
                        .close_locally(alert.ticket_id, "the ticket no longer exists in Halo");
                }
                Err(e) => return Err(e.into()),
            }
        }
        apply(handle, &changed, EventSource::Reconcile, now, false).await
    }

    /// Forgets what this process accepted since the last poll the store
    /// recorded: a batch that could not be saved is fetched and offered
    /// again next cycle instead of counting as seen.
    fn rewind(&mut self, handle: &EngineHandle) {
        let overlap = handle.with_engine(|e| e.settings().poll.overlap);
        self.tracker = DeltaTracker::resume(overlap, persisted_last_poll(handle));
    }
}

fn persisted_last_poll(handle: &EngineHandle) -> Option<DateTime<Utc>> {
    handle.with_engine(|e| {
        e.store()
            .poll_state(LAST_POLL_KEY)
            .ok()
            .flatten()
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(DateTime::from_timestamp_millis)
    })
}

/// At most this many new tickets per cycle are fetched in full: enough for
/// the everyday trickle, while a flood (say the first sync of a busy team)
/// costs only a few requests of Halo's budget; the rest alert without
/// details.
pub const MAX_DETAIL_FETCHES: usize = 5;

/// Halo's ticket list has no details (the description the end user wrote).
/// A ticket that is new and likely to alert is fetched on its own so its
/// first notification can show them.
async fn with_details(
    handle: &EngineHandle,
    halo: &HaloClient,
    mut tickets: Vec<Ticket>,
) -> Vec<Ticket> {
    let wanted: Vec<usize> = handle.with_engine(|e| {
        tickets
            .iter()
            .enumerate()
            .filter(|(_, t)| e.may_alert_on_new(&ticket_events::TicketSnapshot::from(*t)))
            .map(|(i, _)| i)
            .take(MAX_DETAIL_FETCHES)
            .collect()
    });
    for i in wanted {
        match halo.ticket(tickets[i].id).await {
            Ok(full) => tickets[i] = full,
            // Out of budget: the rest go without details.
            Err(e @ HaloError::RateLimited { .. }) => {
                tracing::debug!(error = %e, "ticket details skipped");
                break;
            }
            Err(e) => tracing::debug!(error = %e, ticket = tickets[i].id, "ticket details skipped"),
        }
    }
    tickets
}

/// Team names in the config become ids for the list queries (matching
/// alerts by name needs no lookup).
async fn resolve_teams(halo: &HaloClient, teams: &[TeamRef]) -> Result<Vec<i32>, HaloError> {
    let mut ids: Vec<i32> = teams
        .iter()
        .filter_map(|t| match t {
            TeamRef::Id(id) => Some(*id),
            TeamRef::Name(_) => None,
        })
        .collect();
    if teams.iter().any(|t| matches!(t, TeamRef::Name(_))) {
        let all = halo.teams().await?;
        for t in teams {
            if let TeamRef::Name(name) = t {
                match all.iter().find(|team| {
                    team.name
                        .as_deref()
                        .is_some_and(|n| n.trim().eq_ignore_ascii_case(name.trim()))
                }) {
                    Some(team) => ids.push(team.id),
                    None => {
                        tracing::warn!(team = %name, "no team of that name in Halo; check [watch] teams")
                    }
                }
            }
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

fn log_rejected(handle: &EngineHandle, rejected: &[halo_api::RejectedRecord]) {
    for r in rejected {
        let _ = handle.log_rejected(
            alert_store::InboundSource::Poll,
            &match r.id {
                Some(id) => format!("ticket {id} could not be read: {}", r.reason),
                None => format!("a ticket row could not be read: {}", r.reason),
            },
            None,
        );
    }
}

/// Applies tickets as one batch off the async threads (a 10,000-ticket
/// delta is one transaction of some tens of milliseconds).
async fn apply(
    handle: &EngineHandle,
    tickets: &[Ticket],
    source: EventSource,
    started: DateTime<Utc>,
    baseline: bool,
) -> Result<(), CycleError> {
    let now = handle.now();
    let events: Vec<TicketEvent> = tickets
        .iter()
        .map(|t| TicketEvent::from_api(t, source.clone(), now))
        .collect();
    let state = started.timestamp_millis().to_string();
    let h = handle.clone();
    let result = tokio::task::spawn_blocking(move || {
        h.with_engine(|e| {
            let poll_state = Some((LAST_POLL_KEY, state.as_str()));
            if baseline {
                e.ingest_baseline(events, now, poll_state)
            } else {
                e.ingest_batch(events, now, poll_state)
            }
        })
    })
    .await;
    match result {
        Ok(Ok((applied, effects))) => {
            tracing::debug!(
                events = applied.len(),
                notifications = effects.notifications.len(),
                baseline,
                "applied"
            );
            handle.dispatch_effects(effects);
            Ok(())
        }
        Ok(Err(e)) => Err(not_saved(e.to_string())),
        Err(e) => Err(not_saved(e.to_string())),
    }
}

/// A batch the store could not take (disk full, database locked): reported
/// like a failed poll, so the status shows it and the cycle backs off.
fn not_saved(error: String) -> CycleError {
    tracing::error!(%error, "polled tickets could not be saved");
    CycleError::NotSaved(error)
}

/// Why a poll cycle failed.
#[derive(Debug, thiserror::Error)]
enum CycleError {
    #[error(transparent)]
    Halo(#[from] HaloError),
    #[error("polled tickets could not be saved ({0}); they are fetched again next cycle")]
    NotSaved(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let base = Duration::from_secs(30);
        let max = Duration::from_secs(900);
        let first = backoff(base, max, 1);
        assert!(first >= Duration::from_secs(54) && first <= Duration::from_secs(66));
        let late = backoff(base, max, 30);
        assert!(late <= Duration::from_secs(990) && late >= Duration::from_secs(810));
    }
}
