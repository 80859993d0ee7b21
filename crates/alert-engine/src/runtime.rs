//! The running engine: one [`EngineHandle`] shared by the CLI, the tray and
//! the windows (list, acknowledge, snooze, take, close, pause, subscribe),
//! and the tasks that drive the core: the escalation timer, the poller and
//! the outbox worker. Modelled on mini-redis: shared state behind a mutex,
//! a background task that sleeps until the next deadline and is woken by a
//! `Notify` when the schedule changes.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use alert_store::{AlertFilter, AlertId, InboundEntry, InboundOutcome, InboundSource};
use chrono::{DateTime, Utc};
use halo_api::{HaloClient, SharedClock};
use ticket_events::{EventSource, TicketEvent};
use tokio::sync::{Notify, broadcast, watch};

use crate::engine::{Applied, Effects, Engine, EngineError, Me};
use crate::notify::Notifier;
use crate::view::{AlertView, EngineEvent, IntakeStatus};

/// Longest the timer sleeps with nothing due: changes made by another
/// process (the CLI acting on the same database) are seen within this.
const IDLE_RECHECK: Duration = Duration::from_secs(30);
/// Beyond this many changed alerts in one go, subscribers get one
/// `AlertsChanged` and reload.
const MAX_ALERT_EVENTS: usize = 100;

struct Shared {
    engine: Mutex<Engine>,
    clock: SharedClock,
    notifier: Arc<dyn Notifier>,
    events: broadcast::Sender<EngineEvent>,
    schedule_changed: Notify,
    outbox_changed: Notify,
    poll_now: Notify,
    halo: Option<Arc<HaloClient>>,
    status: Mutex<IntakeStatus>,
    shutdown: watch::Sender<bool>,
}

/// The command and query surface. Cheap to clone; every clone drives the
/// same engine.
#[derive(Clone)]
pub struct EngineHandle {
    shared: Arc<Shared>,
}

impl EngineHandle {
    pub fn new(
        engine: Engine,
        clock: SharedClock,
        notifier: Arc<dyn Notifier>,
        halo: Option<Arc<HaloClient>>,
    ) -> Self {
        let (events, _) = broadcast::channel(1024);
        let (shutdown, _) = watch::channel(false);
        EngineHandle {
            shared: Arc::new(Shared {
                engine: Mutex::new(engine),
                clock,
                notifier,
                events,
                schedule_changed: Notify::new(),
                outbox_changed: Notify::new(),
                poll_now: Notify::new(),
                halo,
                status: Mutex::new(IntakeStatus {
                    ok: true,
                    last_poll_at: None,
                    problem: None,
                    budget: String::new(),
                }),
                shutdown,
            }),
        }
    }

    /// Runs `f` on the engine. Holding a std mutex is fine here: every core
    /// operation is one short SQLite transaction, never an await.
    pub fn with_engine<T>(&self, f: impl FnOnce(&mut Engine) -> T) -> T {
        f(&mut self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, Engine> {
        // A panic while holding the lock left a transaction rolled back, so
        // the engine's state is still consistent: carry on.
        self.shared
            .engine
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.shared.clock.now()
    }

    pub fn halo(&self) -> Option<&Arc<HaloClient>> {
        self.shared.halo.as_ref()
    }

    /// Every change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.shared.events.subscribe()
    }

    pub fn intake_status(&self) -> IntakeStatus {
        self.shared
            .status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Shows notifications and tells subscribers, then wakes the timer and
    /// the outbox worker since the schedule may have changed.
    fn dispatch(&self, effects: Effects) {
        for n in &effects.notifications {
            if let Err(e) = self.shared.notifier.notify(n) {
                tracing::warn!(error = %e, ticket = ?n.ticket_id, "notification not shown");
            }
        }
        if self.shared.events.receiver_count() > 0 {
            for event in self.alert_events(&effects.changed_alerts) {
                let _ = self.shared.events.send(event);
            }
        }
        for event in effects.events {
            // No subscribers is fine.
            let _ = self.shared.events.send(event);
        }
        self.shared.schedule_changed.notify_one();
        self.shared.outbox_changed.notify_one();
    }

    /// Views of changed alerts for subscribers; a big batch becomes one
    /// "reload" event instead of thousands.
    fn alert_events(&self, changed: &[AlertId]) -> Vec<EngineEvent> {
        let mut ids: Vec<AlertId> = Vec::new();
        for id in changed {
            if !ids.contains(id) {
                ids.push(*id);
            }
            if ids.len() > MAX_ALERT_EVENTS {
                return vec![EngineEvent::AlertsChanged {
                    count: changed.len(),
                }];
            }
        }
        let engine = self.lock();
        ids.into_iter()
            .filter_map(|id| engine.view_of(id).ok().flatten())
            .map(|view| EngineEvent::AlertChanged {
                alert: Box::new(view),
            })
            .collect()
    }

    fn run<T>(
        &self,
        f: impl FnOnce(&mut Engine, DateTime<Utc>) -> Result<(T, Effects), EngineError>,
    ) -> Result<T, EngineError> {
        let now = self.now();
        let (value, effects) = f(&mut self.lock(), now)?;
        self.dispatch(effects);
        Ok(value)
    }

    pub fn list(&self, filter: AlertFilter) -> Result<Vec<AlertView>, EngineError> {
        self.lock().list(filter)
    }

    pub fn acknowledge(&self, ticket_id: i64, by: &str) -> Result<AlertView, EngineError> {
        self.run(|e, now| e.acknowledge(ticket_id, by, now))
    }

    pub fn acknowledge_all(&self, by: &str) -> Result<Vec<AlertView>, EngineError> {
        self.run(|e, now| e.acknowledge_all(by, now))
    }

    pub fn snooze(&self, ticket_id: i64, duration: Duration) -> Result<AlertView, EngineError> {
        self.run(|e, now| {
            let until = now + chrono::Duration::from_std(duration).unwrap_or_default();
            e.snooze(ticket_id, until, now)
        })
    }

    /// Pauses all notifications for `duration`; `None` resumes.
    pub fn pause(&self, duration: Option<Duration>) -> Result<(), EngineError> {
        self.run(|e, now| {
            let until = duration.map(|d| now + chrono::Duration::from_std(d).unwrap_or_default());
            Ok(((), e.pause(until, now)?))
        })
    }

    pub fn take(&self, ticket_id: i64) -> Result<(), EngineError> {
        self.run(|e, now| Ok(((), e.take(ticket_id, now)?)))
    }

    pub fn close(&self, ticket_id: i64, note: &str) -> Result<(), EngineError> {
        self.run(|e, now| Ok(((), e.close(ticket_id, note, now)?)))
    }

    /// Resolves a ticket's alert without an event from Halo.
    pub fn close_locally(&self, ticket_id: i64, why: &str) -> Result<(), EngineError> {
        self.run(|e, now| Ok(((), e.resolve_ticket(ticket_id, why, now)?)))
    }

    pub fn test_alert(&self) -> Result<Applied, EngineError> {
        self.run(|e, now| e.test_alert(now))
    }

    /// Applies one event (webhook or test) and dispatches what it caused.
    pub fn ingest(&self, event: &TicketEvent) -> Result<Applied, EngineError> {
        self.run(|e, now| e.ingest(event, now))
    }

    /// Records an input that could not be used, with the reason.
    pub fn log_rejected(
        &self,
        source: InboundSource,
        reason: &str,
        excerpt: Option<String>,
    ) -> Result<(), EngineError> {
        let now = self.now();
        self.lock().store().log_inbound(&InboundEntry {
            received_at: now,
            source,
            ticket_id: None,
            event_key: None,
            outcome: InboundOutcome::Rejected,
            reason: reason.to_owned(),
            payload_excerpt: excerpt,
        })?;
        Ok(())
    }

    /// Asks the poller to poll now instead of at its next turn.
    pub fn poll_now(&self) {
        self.shared.poll_now.notify_one();
    }

    /// Stops every task started by [`EngineHandle::start`].
    pub fn shutdown(&self) {
        let _ = self.shared.shutdown.send(true);
    }

    fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shared.shutdown.subscribe()
    }

    /// Starts the timer, and with a Halo client the poller and the outbox
    /// worker. They run until [`EngineHandle::shutdown`].
    pub fn start(&self) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = vec![tokio::spawn(self.clone().timer())];
        if let Some(halo) = self.shared.halo.clone() {
            tasks.push(tokio::spawn(self.clone().poller(halo.clone())));
            tasks.push(tokio::spawn(crate::outbox::worker(self.clone(), halo)));
        }
        tasks
    }

    /// The escalation timer: fires what is due, then sleeps until the next
    /// deadline or until the schedule changes.
    async fn timer(self) {
        let mut shutdown = self.shutdown_signal();
        let mut last_housekeeping = self.now();
        loop {
            let now = self.now();
            let fired = self.with_engine(|e| e.fire_due(now));
            match fired {
                Ok(effects) => {
                    if !effects.is_empty() {
                        self.dispatch(effects);
                    }
                }
                Err(e) => tracing::error!(error = %e, "escalation timer"),
            }
            if now - last_housekeeping > chrono::Duration::hours(1) {
                last_housekeeping = now;
                if let Err(e) = self.with_engine(|e| e.housekeeping(now)) {
                    tracing::warn!(error = %e, "housekeeping");
                }
            }
            let next = self.with_engine(|e| e.next_wake()).unwrap_or(None);
            let wait = next
                .map(|at| (at - self.now()).to_std().unwrap_or(Duration::ZERO))
                .unwrap_or(IDLE_RECHECK)
                .min(IDLE_RECHECK);
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.shared.schedule_changed.notified() => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    pub(crate) fn set_status(&self, update: impl FnOnce(&mut IntakeStatus)) {
        let status = {
            let mut status = self.shared.status.lock().unwrap_or_else(|p| p.into_inner());
            let before = status.clone();
            update(&mut status);
            (*status != before).then(|| status.clone())
        };
        if let Some(status) = status {
            let _ = self.shared.events.send(EngineEvent::Intake { status });
        }
    }

    pub(crate) fn dispatch_effects(&self, effects: Effects) {
        self.dispatch(effects);
    }

    pub(crate) fn outbox_changed(&self) -> &Notify {
        &self.shared.outbox_changed
    }

    pub(crate) fn poll_requested(&self) -> &Notify {
        &self.shared.poll_now
    }

    pub(crate) fn shutdown_receiver(&self) -> watch::Receiver<bool> {
        self.shutdown_signal()
    }

    async fn poller(self, halo: Arc<HaloClient>) {
        crate::poller::run(self, halo).await;
    }

    /// Learns who "me" is and which statuses are closed. Called by the
    /// poller before its first poll.
    pub async fn learn_instance(&self, halo: &HaloClient) -> Result<(), halo_api::HaloError> {
        let agent = halo.me().await?;
        let overrides = self.with_engine(|e| e.settings().closed_status_ids.clone());
        let catalog = halo.status_catalog(&overrides).await?;
        self.with_engine(|e| {
            e.set_me(Some(Me {
                agent_id: agent.id,
                name: agent
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("agent {}", agent.id)),
            }));
            e.set_closed_statuses(catalog.closed_ids().iter().copied());
        });
        Ok(())
    }

    /// Applies a webhook event, re-fetching the ticket from Halo first when
    /// the body carried only part of it and credentials exist.
    pub async fn ingest_webhook(&self, mut event: TicketEvent) -> Result<Applied, EngineError> {
        let duplicate = self.with_engine(|e| e.store().is_processed(&event.key))?;
        if !duplicate
            && !event.complete
            && let Some(halo) = &self.shared.halo
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
        debug_assert!(matches!(event.source, EventSource::Webhook(_)));
        self.ingest(&event)
    }
}
