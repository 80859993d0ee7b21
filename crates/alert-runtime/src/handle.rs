//! The command and query surface ([`EngineHandle`]) the CLI, the tray and
//! the windows share. Every engine call runs on tokio's blocking pool, never
//! on the async workers, and what it caused is dispatched from there:
//! notifications to the notifier thread, changes to subscribers.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use alert_engine::AlertView;
use alert_engine::{
    Applied, ClosedStatus, Effects, Engine, EngineError, EngineEvent, IntakeStatus, Me, Notifier,
};
use alert_store::{
    AlertFilter, AlertId, InboundRow, InboundSource, OutboxRow, OutboxState, TimelineRow,
};
use chrono::{DateTime, Utc};
use halo_api::{HaloClient, SharedClock};
use ticket_events::TicketEvent;
use tokio::sync::{Notify, broadcast, watch};

use crate::notifier::NotifierQueue;
use crate::supervisor::TaskFailure;

/// The longest snooze or pause a command accepts.
pub const MAX_COMMAND_DURATION: Duration = alert_engine::MAX_COMMAND_DURATION;
/// Beyond this many changed alerts in one go, subscribers get one
/// `AlertsChanged` and reload.
const MAX_ALERT_EVENTS: usize = 100;

pub(crate) struct Shared {
    engine: Arc<Mutex<Engine>>,
    clock: SharedClock,
    notifier: NotifierQueue,
    events: broadcast::Sender<EngineEvent>,
    pub(crate) schedule_changed: Notify,
    pub(crate) outbox_changed: Notify,
    pub(crate) poll_now: Notify,
    halo: Option<Arc<HaloClient>>,
    status: Mutex<IntakeStatus>,
    shutdown: watch::Sender<bool>,
    failure: watch::Sender<Option<TaskFailure>>,
    pub(crate) refusals: crate::refusals::Refusals,
}

/// The command and query surface. Cheap to clone; every clone drives the
/// same engine. Commands are async: the SQLite work runs on the blocking
/// pool, so they can be awaited from any async front end.
#[derive(Clone)]
pub struct EngineHandle {
    pub(crate) shared: Arc<Shared>,
}

impl EngineHandle {
    /// Wraps the engine and starts the notifier thread.
    pub fn new(
        engine: Engine,
        clock: SharedClock,
        notifier: Arc<dyn Notifier>,
        halo: Option<Arc<HaloClient>>,
    ) -> Self {
        let (events, _) = broadcast::channel(1024);
        let (shutdown, _) = watch::channel(false);
        let (failure, _) = watch::channel(None);
        EngineHandle {
            shared: Arc::new(Shared {
                engine: Arc::new(Mutex::new(engine)),
                clock,
                notifier: NotifierQueue::start(notifier),
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
                failure,
                refusals: Default::default(),
            }),
        }
    }

    /// Runs `f` on the engine on the blocking pool. A panic inside is
    /// carried to the caller (a supervised task then restarts).
    pub(crate) async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Engine) -> T + Send + 'static,
    ) -> Result<T, EngineError> {
        let engine = self.shared.engine.clone();
        match tokio::task::spawn_blocking(move || f(&mut lock(&engine))).await {
            Ok(value) => Ok(value),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(EngineError::Stopped),
        }
    }

    /// Runs a command and dispatches what it caused; the views of changed
    /// alerts are built in the same blocking call when anyone listens.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Engine, DateTime<Utc>) -> Result<(T, Effects), EngineError> + Send + 'static,
    ) -> Result<T, EngineError> {
        let now = self.now();
        let listening = self.shared_listeners();
        let (value, effects, views) = self
            .call(move |e| {
                let (value, effects) = f(e, now)?;
                let views = if listening {
                    alert_events(e, &effects.changed_alerts)
                } else {
                    Vec::new()
                };
                Ok::<_, EngineError>((value, effects, views))
            })
            .await??;
        self.dispatch(effects, views);
        Ok(value)
    }

    /// Shows notifications and tells subscribers, then wakes the timer and
    /// the outbox worker since the schedule may have changed. Never blocks.
    pub(crate) fn dispatch(&self, effects: Effects, views: Vec<EngineEvent>) {
        for n in effects.notifications {
            self.shared.notifier.send(n);
        }
        for event in views.into_iter().chain(effects.events) {
            // No subscribers is fine.
            let _ = self.shared.events.send(event);
        }
        self.shared.schedule_changed.notify_one();
        self.shared.outbox_changed.notify_one();
    }

    /// Whether anyone subscribed to changes (views are built only then).
    pub(crate) fn shared_listeners(&self) -> bool {
        self.shared.events.receiver_count() > 0
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

    pub async fn list(&self, filter: AlertFilter) -> Result<Vec<AlertView>, EngineError> {
        self.call(move |e| e.list(filter)).await?
    }

    /// The open alert for a ticket, if any.
    pub async fn alert_for_ticket(&self, ticket_id: i64) -> Result<Option<AlertView>, EngineError> {
        self.call(move |e| e.alert_for_ticket(ticket_id)).await?
    }

    /// The ticket's latest alert's timeline.
    pub async fn timeline(&self, ticket_id: i64) -> Result<Vec<TimelineRow>, EngineError> {
        self.call(move |e| e.timeline(ticket_id)).await?
    }

    /// The newest inbound log lines.
    pub async fn inbound_log(&self, limit: usize) -> Result<Vec<InboundRow>, EngineError> {
        self.call(move |e| e.inbound_log(limit)).await?
    }

    /// Writes to Halo in `state` (all if `None`).
    pub async fn outbox_items(
        &self,
        state: Option<OutboxState>,
    ) -> Result<Vec<OutboxRow>, EngineError> {
        self.call(move |e| e.outbox(state)).await?
    }

    /// Halo's closed statuses (id and name), for "close as".
    pub async fn closed_statuses(&self) -> Result<Vec<ClosedStatus>, EngineError> {
        self.call(|e| e.closed_statuses().to_vec()).await
    }

    pub async fn acknowledge(&self, ticket_id: i64, by: &str) -> Result<AlertView, EngineError> {
        let by = by.to_owned();
        self.run(move |e, now| e.acknowledge(ticket_id, &by, now))
            .await
    }

    pub async fn acknowledge_all(&self, by: &str) -> Result<Vec<AlertView>, EngineError> {
        let by = by.to_owned();
        self.run(move |e, now| e.acknowledge_all(&by, now)).await
    }

    /// Snoozes the ticket's alert; longer than [`MAX_COMMAND_DURATION`] is
    /// refused.
    pub async fn snooze(
        &self,
        ticket_id: i64,
        duration: Duration,
    ) -> Result<AlertView, EngineError> {
        self.run(move |e, now| {
            let until = alert_engine::until_after(now, duration, "a snooze")?;
            e.snooze(ticket_id, until, now)
        })
        .await
    }

    /// Pauses all notifications for `duration`; `None` resumes. Longer than
    /// [`MAX_COMMAND_DURATION`] is refused.
    pub async fn pause(&self, duration: Option<Duration>) -> Result<(), EngineError> {
        self.run(move |e, now| {
            let until = duration
                .map(|d| alert_engine::until_after(now, d, "a pause"))
                .transpose()?;
            Ok(((), e.pause(until, now)?))
        })
        .await
    }

    /// Until when notifications are paused, if they are.
    pub async fn paused_until(&self) -> Result<Option<DateTime<Utc>>, EngineError> {
        let now = self.now();
        self.call(move |e| e.paused_until(now)).await?
    }

    pub async fn take(&self, ticket_id: i64) -> Result<(), EngineError> {
        self.run(move |e, now| Ok(((), e.take(ticket_id, now)?)))
            .await
    }

    /// Closes the ticket in Halo (through the outbox) with `note`, as the
    /// closed status `status_id` (one of [`EngineHandle::closed_statuses`];
    /// `None`: Halo's "Closed").
    pub async fn close(
        &self,
        ticket_id: i64,
        note: &str,
        status_id: Option<i32>,
    ) -> Result<(), EngineError> {
        let note = note.to_owned();
        self.run(move |e, now| Ok(((), e.close_with_status(ticket_id, &note, status_id, now)?)))
            .await
    }

    /// Resolves a ticket's alert without an event from Halo.
    pub async fn close_locally(&self, ticket_id: i64, why: &str) -> Result<(), EngineError> {
        let why = why.to_owned();
        self.run(move |e, now| Ok(((), e.resolve_ticket(ticket_id, &why, now)?)))
            .await
    }

    pub async fn test_alert(&self) -> Result<Applied, EngineError> {
        self.run(|e, now| e.test_alert(now)).await
    }

    /// Applies one event (test or already complete) and dispatches what it
    /// caused.
    pub async fn ingest(&self, event: TicketEvent) -> Result<Applied, EngineError> {
        self.run(move |e, now| e.ingest(&event, now)).await
    }

    /// Records an input that could not be used, with the reason.
    pub async fn log_rejected(
        &self,
        source: InboundSource,
        reason: &str,
        excerpt: Option<String>,
    ) -> Result<(), EngineError> {
        let now = self.now();
        let reason = reason.to_owned();
        self.call(move |e| e.log_rejected(source, &reason, excerpt, now))
            .await?
    }

    /// Asks the poller to poll now instead of at its next turn.
    pub fn poll_now(&self) {
        self.shared.poll_now.notify_one();
    }

    /// Stops every task started by [`EngineHandle::start`].
    pub fn shutdown(&self) {
        let _ = self.shared.shutdown.send(true);
    }

    pub(crate) fn is_shutting_down(&self) -> bool {
        *self.shared.shutdown.borrow()
    }

    /// A task's wait: until `next` (at most `idle`), until `changed` is
    /// notified, or until shutdown (then `false`).
    pub(crate) async fn wait_for_turn(
        &self,
        next: Option<DateTime<Utc>>,
        idle: Duration,
        changed: &Notify,
        shutdown: &mut watch::Receiver<bool>,
    ) -> bool {
        let wait = next
            .map(|at| (at - self.now()).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(idle)
            .min(idle);
        tokio::select! {
            () = tokio::time::sleep(wait) => true,
            () = changed.notified() => true,
            _ = shutdown.changed() => false,
        }
    }

    pub(crate) fn shutdown_receiver(&self) -> watch::Receiver<bool> {
        self.shared.shutdown.subscribe()
    }

    /// Starts the supervised timer, and with a Halo client the poller and
    /// the outbox worker. They run until [`EngineHandle::shutdown`]; one
    /// that keeps failing is reported by [`EngineHandle::task_died`].
    pub fn start(&self) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = vec![self.supervise("timer", crate::timer::run)];
        if let Some(halo) = self.shared.halo.clone() {
            let poll_halo = halo.clone();
            tasks.push(self.supervise("poller", move |h| crate::poller::run(h, poll_halo.clone())));
            tasks.push(self.supervise("outbox", move |h| crate::outbox::worker(h, halo.clone())));
        }
        tasks
    }

    /// Resolves when a background task has stopped for good: the front end
    /// should show it and exit non-zero.
    pub async fn task_died(&self) -> TaskFailure {
        let mut rx = self.shared.failure.subscribe();
        loop {
            if let Some(failure) = rx.borrow_and_update().clone() {
                return failure;
            }
            if rx.changed().await.is_err() {
                // The handle is gone with every task: nothing will fail.
                std::future::pending::<()>().await;
            }
        }
    }

    pub(crate) fn task_failed(&self, failure: TaskFailure) {
        let problem = failure.to_string();
        self.set_status(|s| {
            s.ok = false;
            s.problem = Some(problem);
        });
        let _ = self.shared.failure.send(Some(failure));
    }

    /// Updates the intake status; a task failure stays shown whatever the
    /// poller says afterwards.
    pub(crate) fn set_status(&self, update: impl FnOnce(&mut IntakeStatus)) {
        let dead = self.shared.failure.borrow().clone();
        let status = {
            let mut status = self.shared.status.lock().unwrap_or_else(|p| p.into_inner());
            let before = status.clone();
            update(&mut status);
            if let Some(failure) = dead {
                status.ok = false;
                status.problem = Some(failure.to_string());
            }
            (*status != before).then(|| status.clone())
        };
        if let Some(status) = status {
            let _ = self.shared.events.send(EngineEvent::Intake { status });
        }
    }

    /// Learns who "me" is and which statuses are closed. Called by the
    /// poller before its first poll.
    pub async fn learn_instance(&self, halo: &HaloClient) -> Result<(), halo_api::HaloError> {
        let agent = halo.me().await?;
        let overrides = self
            .call(|e| e.settings().closed_status_ids.clone())
            .await
            .unwrap_or_default();
        let catalog = halo.status_catalog(&overrides).await?;
        let closed: Vec<ClosedStatus> = catalog
            .closed_ids()
            .iter()
            .map(|id| ClosedStatus {
                id: *id,
                name: catalog
                    .name(*id)
                    .map_or_else(|| format!("status {id}"), str::to_owned),
            })
            .collect();
        let me = Me {
            agent_id: agent.id,
            name: agent
                .name
                .clone()
                .unwrap_or_else(|| format!("agent {}", agent.id)),
        };
        let _ = self
            .call(move |e| {
                e.set_me(Some(me));
                e.set_closed_status_names(closed);
            })
            .await;
        Ok(())
    }
}

fn lock(engine: &Mutex<Engine>) -> MutexGuard<'_, Engine> {
    // A panic while holding the lock left a transaction rolled back, so the
    // engine's state is still consistent: carry on.
    engine.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// Views of changed alerts for subscribers; a big batch becomes one
/// "reload" event instead of thousands.
pub(crate) fn alert_events(engine: &Engine, changed: &[AlertId]) -> Vec<EngineEvent> {
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
    ids.into_iter()
        .filter_map(|id| engine.view_of(id).ok().flatten())
        .map(|view| EngineEvent::AlertChanged {
            alert: Box::new(view),
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A handle over an in-memory engine with no Halo and a silent notifier.
    pub(crate) fn handle() -> EngineHandle {
        let store = alert_store::Store::open_in_memory().expect("store");
        let engine = Engine::new(store, alert_engine::EngineSettings::default()).expect("engine");
        EngineHandle::new(
            engine,
            Arc::new(halo_api::SystemClock),
            Arc::new(alert_engine::FanOut::new()),
            None,
        )
    }
}
