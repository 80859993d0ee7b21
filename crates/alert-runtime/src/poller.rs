//! Intake by polling: one delta request per cycle (`lastupdatefromdate`
//! with an overlap, deduplicated on id + last_update) whose base is Halo's
//! own clock (the newest `last_update` it returned), a periodic
//! reconciliation of open tickets in scope to catch closures a delta missed,
//! jittered intervals, exponential backoff on errors, and Halo's 429 waits
//! honoured by scheduling rather than by sleeping inside a request.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use halo_api::{DeltaTracker, HaloClient, HaloError, Ticket, TicketQuery};
use ticket_events::{EventSource, TicketEvent};

use alert_engine::{TEST_TICKET_ID, TeamRef};

use crate::handle::EngineHandle;

/// Poll-state key: the base of the next delta, by Halo's clock (the newest
/// `last_update` Halo returned).
pub const LAST_POLL_KEY: &str = "last_poll_started";
/// With no `last_update` from Halo yet (an empty tenant), the base is the
/// desktop's clock this far back, so a desktop clock up to a day ahead of
/// Halo's still misses nothing.
const NO_HALO_TIME_MARGIN: chrono::Duration = chrono::Duration::days(1);

pub(crate) async fn run(handle: EngineHandle, halo: Arc<HaloClient>) {
    let mut shutdown = handle.shutdown_receiver();
    let Ok(settings) = handle.call(|e| e.settings().poll).await else {
        return;
    };
    let mut poller = Poller::new(&handle, settings.overlap).await;
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
            () = handle.shared.poll_now.notified() => {}
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

/// interval × 2^failures, capped (the workspace's one curve), jittered.
pub(crate) fn backoff(interval: Duration, max: Duration, failures: u32) -> Duration {
    jitter(halo_api::backoff::exponential(
        interval,
        max,
        failures.saturating_add(1),
    ))
}

struct Poller {
    tracker: DeltaTracker,
    last_reconcile: Option<DateTime<Utc>>,
    learned: bool,
    team_ids: Option<Vec<i32>>,
}

impl Poller {
    async fn new(handle: &EngineHandle, overlap: Duration) -> Self {
        Poller {
            tracker: DeltaTracker::resume(overlap, persisted_last_poll(handle).await),
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
        let settings = handle.call(|e| e.settings().clone()).await?;
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
                log_rejected(handle, &list.rejected).await;
                let received = list.tickets.len();
                let base = self.halo_base(&list.tickets, started);
                let changed = self.news(handle, list.tickets, base).await?;
                tracing::debug!(%since, received, news = changed.len(), "delta poll");
                let changed = with_details(handle, halo, changed).await;
                if let Err(e) = apply(handle, &changed, EventSource::Poll, base, false).await {
                    self.rewind(handle).await;
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
        if !handle.intake_status().ok {
            // Halo answers again (maybe with new credentials): writes held
            // for the user try once more.
            let _ = handle.resume_held_writes().await;
        }
        handle.set_status(|s| {
            s.ok = true;
            s.problem = None;
            s.last_poll_at = Some(started);
            s.budget = halo.budget().to_string();
        });
        Ok(())
    }

    /// The base of the next delta by Halo's clock: the newest `last_update`
    /// Halo has returned (never the desktop's clock, which may run ahead and
    /// skip changes), or, before Halo returned any, the desktop's clock a
    /// day back.
    fn halo_base(&self, tickets: &[Ticket], started: DateTime<Utc>) -> DateTime<Utc> {
        let newest = tickets.iter().filter_map(|t| t.last_update).max();
        match (self.tracker.last_poll_started(), newest) {
            (Some(previous), Some(newest)) => previous.max(newest),
            (Some(previous), None) => previous,
            (None, Some(newest)) => newest,
            (None, None) => started - NO_HALO_TIME_MARGIN,
        }
    }

    /// What in a delta is news: unseen (id, last_update) pairs, and known
    /// tickets whose content changed without `last_update` moving (Halo may
    /// render it in whole seconds, so two changes in one second share it).
    async fn news(
        &mut self,
        handle: &EngineHandle,
        tickets: Vec<Ticket>,
        base: DateTime<Utc>,
    ) -> Result<Vec<Ticket>, CycleError> {
        let all = tickets.clone();
        let fresh = self.tracker.accept(tickets, base);
        let fresh_ids: std::collections::HashSet<i32> = fresh.iter().map(|t| t.id).collect();
        let changed = handle
            .call(move |e| {
                all.into_iter()
                    .filter(|t| !fresh_ids.contains(&t.id))
                    .filter(|t| {
                        e.known_ticket(t.id).is_some_and(|known| {
                            *known
                                != ticket_events::TicketSnapshot::from(t)
                                    .keep_unlisted_fields(Some(known))
                        })
                    })
                    .collect::<Vec<Ticket>>()
            })
            .await?;
        let mut news = fresh;
        news.extend(changed);
        Ok(news)
    }

    /// The first poll ever: open tickets in watched teams and mine.
    async fn baseline(
        &mut self,
        handle: &EngineHandle,
        halo: &HaloClient,
        started: DateTime<Utc>,
    ) -> Result<(), CycleError> {
        let tickets = self.open_in_scope(handle, halo).await?;
        let base = self.halo_base(&tickets, started);
        let accepted = self.tracker.accept(tickets, base);
        if let Err(e) = apply(handle, &accepted, EventSource::Poll, base, true).await {
            self.rewind(handle).await;
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
    ) -> Result<Vec<Ticket>, CycleError> {
        let (me, assigned_to_me) = handle
            .call(|e| (e.me().map(|m| m.agent_id), e.settings().assigned_to_me))
            .await?;
        let mut tickets = Vec::new();
        let teams = self.team_ids.clone().unwrap_or_default();
        if !teams.is_empty() {
            let list = halo
                .list_tickets(&TicketQuery::open_in_teams(&teams))
                .await?;
            log_rejected(handle, &list.rejected).await;
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
            log_rejected(handle, &list.rejected).await;
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
            .list(alert_store::AlertFilter::Open)
            .await
            .unwrap_or_default();
        let candidates = open.clone();
        let mut changed: Vec<Ticket> = handle
            .call(move |e| {
                candidates
                    .into_iter()
                    .filter(|t| {
                        let known = e.known_ticket(t.id);
                        let snap =
                            ticket_events::TicketSnapshot::from(t).keep_unlisted_fields(known);
                        known != Some(&snap)
                    })
                    .collect::<Vec<Ticket>>()
            })
            .await?;
        for alert in alerts {
            let Ok(id) = i32::try_from(alert.ticket_id) else {
                continue;
            };
            if id == TEST_TICKET_ID || open.iter().any(|t| t.id == id) {
                continue;
            }
            match halo.ticket(id).await {
                Ok(ticket) => changed.push(ticket),
                Err(HaloError::NotFound { .. }) => {
                    // Deleted in Halo: nothing left to alert about.
                    let _ = handle
                        .close_locally(alert.ticket_id, "the ticket no longer exists in Halo")
                        .await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        apply(handle, &changed, EventSource::Reconcile, now, false).await
    }

    /// Forgets what this process accepted since the last poll the store
    /// recorded: a batch that could not be saved is fetched and offered
    /// again next cycle instead of counting as seen.
    async fn rewind(&mut self, handle: &EngineHandle) {
        let Ok(overlap) = handle.call(|e| e.settings().poll.overlap).await else {
            return;
        };
        self.tracker = DeltaTracker::resume(overlap, persisted_last_poll(handle).await);
    }
}

async fn persisted_last_poll(handle: &EngineHandle) -> Option<DateTime<Utc>> {
    handle
        .call(|e| e.poll_state(LAST_POLL_KEY))
        .await
        .ok()?
        .ok()
        .flatten()
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(DateTime::from_timestamp_millis)
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
    let snapshots: Vec<ticket_events::TicketSnapshot> = tickets
        .iter()
        .map(ticket_events::TicketSnapshot::from)
        .collect();
    let wanted: Vec<usize> = handle
        .call(move |e| {
            snapshots
                .iter()
                .enumerate()
                .filter(|(_, t)| e.may_alert_on_new(t))
                .map(|(i, _)| i)
                .take(MAX_DETAIL_FETCHES)
                .collect()
        })
        .await
        .unwrap_or_default();
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

async fn log_rejected(handle: &EngineHandle, rejected: &[halo_api::RejectedRecord]) {
    for r in rejected {
        let _ = handle
            .log_rejected(
                alert_store::InboundSource::Poll,
                &match r.id {
                    Some(id) => format!("ticket {id} could not be read: {}", r.reason),
                    None => format!("a ticket row could not be read: {}", r.reason),
                },
                None,
            )
            .await;
    }
}

/// Applies tickets as one batch off the async threads (a 10,000-ticket
/// delta is one transaction of some tens of milliseconds), saving `base` as
/// the next delta's base in the same commit.
async fn apply(
    handle: &EngineHandle,
    tickets: &[Ticket],
    source: EventSource,
    base: DateTime<Utc>,
    baseline: bool,
) -> Result<(), CycleError> {
    let now = handle.now();
    let events: Vec<TicketEvent> = tickets
        .iter()
        .map(|t| TicketEvent::from_api(t, source.clone(), now))
        .collect();
    let state = base.timestamp_millis().to_string();
    let result = handle
        .run(move |e, now| {
            let poll_state = Some((LAST_POLL_KEY, state.as_str()));
            let (applied, effects) = if baseline {
                e.ingest_baseline(events, now, poll_state)?
            } else {
                e.ingest_batch(events, now, poll_state)?
            };
            Ok((applied.len(), effects))
        })
        .await;
    match result {
        Ok(count) => {
            tracing::debug!(events = count, baseline, "applied");
            Ok(())
        }
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
    #[error(transparent)]
    Engine(#[from] alert_engine::EngineError),
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
