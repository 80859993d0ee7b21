//! What the shell keeps while it runs: the started app-core (engine handle,
//! mode, config) and the last status sent to the windows. The engine
//! handle's commands run on the blocking pool themselves; other blocking
//! work (keyring, D-Bus) goes through `blocking`.

use std::sync::Mutex;
use std::time::Duration;

use alert_engine::{AlertView, IntakeStatus};
use alert_policy::Urgency;
use alert_runtime::EngineHandle;
use alert_store::{AlertFilter, AlertState};
use app_core::RunningApp;
use chrono::{DateTime, Utc};
use halo_notifier::async_runtime;
use serde::Serialize;

use crate::error::{CommandError, CommandResult, ErrorKind};
use crate::tray_look::{TrayFacts, TrayState, state_of};

/// `AppStatus` of docs/command-surface.md.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppStatus {
    pub mode: &'static str,
    pub intake: IntakeStatus,
    pub paused_until: Option<DateTime<Utc>>,
    /// Alerts waiting for someone (triggered, not acknowledged or snoozed).
    pub open: usize,
    pub critical: usize,
    pub tray: &'static str,
}

impl AppStatus {
    pub fn tray_facts(&self) -> TrayFacts {
        TrayFacts {
            open: self.open,
            critical: self.critical,
            paused_until: self.paused_until,
            problem: (!self.intake.ok).then(|| {
                self.intake
                    .problem
                    .clone()
                    .unwrap_or_else(|| "Halo does not answer".to_owned())
            }),
            demo: self.mode == "demo",
        }
    }
}

/// The parts of the running app commands need, cheap to clone.
#[derive(Clone)]
pub struct Core {
    pub engine: EngineHandle,
    pub acting_name: String,
    pub mode: &'static str,
}

#[derive(Default)]
pub struct AppState {
    running: tokio::sync::Mutex<Option<RunningApp>>,
    core: Mutex<Option<Core>>,
    /// Why the app could not start, shown in the tray until it can.
    start_problem: Mutex<Option<String>>,
    last_status: Mutex<Option<AppStatus>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs blocking work (SQLite, D-Bus, keyring) off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| CommandError::internal(format!("a background task failed ({e})")))?
}

impl AppState {
    /// Takes over a freshly started app (replacing none or a stopped one).
    pub async fn install(&self, app: RunningApp) {
        *lock(&self.core) = Some(Core {
            engine: app.handle().clone(),
            acting_name: app.setup().acting_name(),
            mode: app.mode().as_str(),
        });
        *lock(&self.start_problem) = None;
        *self.running.lock().await = Some(app);
    }

    /// Stops the running app (before a restart with new settings or quit).
    pub async fn stop(&self) {
        lock(&self.core).take();
        if let Some(app) = self.running.lock().await.take() {
            app.shutdown().await;
        }
    }

    pub fn start_failed(&self, problem: String) {
        *lock(&self.start_problem) = Some(problem);
    }

    /// The app's parts, or `busy` while it is (re)starting.
    pub fn core(&self) -> CommandResult<Core> {
        lock(&self.core).clone().ok_or_else(|| {
            let why = lock(&self.start_problem).clone();
            match why {
                Some(problem) => CommandError::new(ErrorKind::Internal, problem),
                None => CommandError::new(
                    ErrorKind::Busy,
                    "Halo Notifier is still starting: try again in a moment",
                ),
            }
        })
    }

    pub fn engine(&self) -> CommandResult<EngineHandle> {
        Ok(self.core()?.engine)
    }

    pub async fn acknowledge(&self, ticket_id: i64) -> CommandResult<AlertView> {
        let c = self.core()?;
        Ok(c.engine.acknowledge(ticket_id, &c.acting_name).await?)
    }

    pub async fn snooze(&self, ticket_id: i64, how_long: Duration) -> CommandResult<AlertView> {
        Ok(self.engine()?.snooze(ticket_id, how_long).await?)
    }

    pub async fn acknowledge_all(&self) -> CommandResult<usize> {
        let c = self.core()?;
        Ok(c.engine.acknowledge_all(&c.acting_name).await?.len())
    }

    pub async fn pause(&self, minutes: Option<u32>) -> CommandResult<Option<DateTime<Utc>>> {
        let engine = self.engine()?;
        engine
            .pause(minutes.map(|m| Duration::from_secs(u64::from(m) * 60)))
            .await?;
        Ok(engine.paused_until().await?)
    }

    pub async fn send_test_alert(&self) -> CommandResult<()> {
        self.engine()?.test_alert().await?;
        Ok(())
    }

    /// Opens the ticket in the default browser: only an http(s) address of
    /// the Halo instance the alert came from.
    pub async fn open_in_halo(&self, ticket_id: i64) -> CommandResult<()> {
        let link = self
            .engine()?
            .alert_for_ticket(ticket_id)
            .await?
            .map(|a| a.link)
            .ok_or_else(|| {
                CommandError::new(
                    ErrorKind::NotFound,
                    format!("ticket {ticket_id} has no alert here: refresh the list"),
                )
            })?;
        let link = crate::links::checked_ticket_link(&link)?;
        open::that_detached(link.as_str()).map_err(|e| {
            CommandError::new(
                ErrorKind::Internal,
                format!("could not open the browser ({e}): open {link} yourself"),
            )
        })
    }

    /// The current status.
    pub async fn status(&self) -> CommandResult<AppStatus> {
        let core = match self.core() {
            Ok(core) => core,
            Err(e) => return Ok(self.status_without_engine(e.message)),
        };
        let waiting = core
            .engine
            .list(AlertFilter::State(AlertState::Triggered))
            .await?;
        // Critical: the escalation step the alert has reached says so.
        let critical = waiting
            .iter()
            .filter(|a| {
                a.escalation
                    .as_ref()
                    .is_some_and(|e| e.urgency == Urgency::Critical)
            })
            .count();
        Ok(finish(AppStatus {
            mode: core.mode,
            intake: core.engine.intake_status(),
            paused_until: core.engine.paused_until().await?,
            open: waiting.len(),
            critical,
            tray: "",
        }))
    }

    fn status_without_engine(&self, problem: String) -> AppStatus {
        finish(AppStatus {
            mode: "live",
            intake: IntakeStatus {
                ok: false,
                last_poll_at: None,
                problem: Some(problem),
                budget: String::new(),
            },
            paused_until: None,
            open: 0,
            critical: 0,
            tray: "",
        })
    }

    /// Stores `status`; true when it differs from the last one sent.
    pub fn status_changed(&self, status: &AppStatus) -> bool {
        let mut last = lock(&self.last_status);
        if last.as_ref() == Some(status) {
            return false;
        }
        *last = Some(status.clone());
        true
    }
}

fn finish(mut status: AppStatus) -> AppStatus {
    status.tray = match state_of(&status.tray_facts()) {
        TrayState::Error => "error",
        TrayState::Critical => "critical",
        TrayState::Paused => "paused",
        TrayState::Alerts => "alerts",
        TrayState::Idle => "idle",
    };
    status
}
