//! Starting the whole app: engine, timer, poller, outbox worker, webhook
//! listener and (in demo mode) the simulator, and stopping them again. The
//! front end brings its own notifier; everything else is the same for all.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use alert_engine::Notifier;
use alert_runtime::EngineHandle;
use halo_api::SystemClock;
use tokio::task::JoinHandle;

use crate::config::LoadedConfig;
use crate::demo;
use crate::error::AppError;
use crate::intake;
use crate::lock::DataDirLock;
use crate::mode::Mode;
use crate::setup::{Setup, SetupOptions};

/// How often the demo's simulator logs a ticket unless told otherwise.
pub const DEFAULT_DEMO_EVERY: Duration = Duration::from_secs(20);

/// What [`App::start`] needs from a front end.
pub struct AppOptions {
    pub setup: SetupOptions,
    /// Where notifications go (the CLI: JSON lines and the desktop; the app:
    /// its own, with actions). Ticket text reaching it is already free of
    /// control characters.
    pub notifier: Arc<dyn Notifier>,
    /// In demo mode, how often the simulator logs a new ticket.
    pub demo_every: Duration,
}

/// Entry point: `App::start(options)`.
pub struct App;

impl App {
    /// Loads the config and starts everything; see [`Setup::start`].
    pub async fn start(options: AppOptions) -> Result<RunningApp, AppError> {
        Setup::load(options.setup)?
            .start(options.notifier, options.demo_every)
            .await
    }
}

impl Setup {
    /// Starts the app on this setup: takes the data folder's lock (a second
    /// app on the same folder gets [`AppError::AlreadyRunning`]), starts the
    /// simulator in demo mode, then the engine's tasks and the webhook
    /// listener if enabled.
    pub async fn start(
        self,
        notifier: Arc<dyn Notifier>,
        demo_every: Duration,
    ) -> Result<RunningApp, AppError> {
        let lock = DataDirLock::acquire(&self.database_dir())?;
        let demo = if self.mode().is_demo() {
            Some(demo::start_simulator(demo_every).await?)
        } else {
            None
        };
        let halo = self.halo_client().await?;
        let setup = self.clone();
        let engine = crate::error::blocking(move || setup.open_engine()).await??;
        let notifier = Arc::new(crate::text::PlainText::new(notifier));
        let handle = EngineHandle::new(engine, Arc::new(SystemClock), notifier, Some(halo));
        let tasks = handle.start();
        let receiver = if self.config().webhook.enabled {
            match intake::start_webhooks(&self.config().webhook, self.env(), handle.clone()).await {
                Ok(r) => Some(r),
                Err(e) => {
                    stop(&handle, tasks).await;
                    return Err(e);
                }
            }
        } else {
            None
        };
        Ok(RunningApp {
            handle,
            tasks,
            receiver,
            _demo: demo,
            setup: self,
            _lock: lock,
        })
    }
}

/// The app, running. Drop is not enough to stop it cleanly: call
/// [`RunningApp::shutdown`].
pub struct RunningApp {
    handle: EngineHandle,
    tasks: Vec<JoinHandle<()>>,
    receiver: Option<webhook_receiver::Receiver>,
    /// Held, never read: dropping it stops the demo's simulator.
    _demo: Option<demo::Demo>,
    setup: Setup,
    /// Released last, when the app value is gone.
    _lock: DataDirLock,
}

impl RunningApp {
    /// The engine's command and query surface (cheap to clone).
    pub fn handle(&self) -> &EngineHandle {
        &self.handle
    }

    /// Live or demo, and why.
    pub fn mode(&self) -> &Mode {
        self.setup.mode()
    }

    pub fn config(&self) -> &LoadedConfig {
        self.setup.config()
    }

    pub fn setup(&self) -> &Setup {
        &self.setup
    }

    /// Where the webhook listener listens, when it is on.
    pub fn webhook_addr(&self) -> Option<SocketAddr> {
        self.receiver.as_ref().map(|r| r.local_addr())
    }

    /// Stops the engine's tasks, the webhook listener and the simulator, and
    /// waits for them (at most a few seconds: a task still busy with Halo
    /// then is cancelled).
    pub async fn shutdown(self) {
        stop(&self.handle, self.tasks).await;
        if let Some(r) = self.receiver {
            r.shutdown().await;
        }
        // The demo's simulator (`_demo`) goes last, as `self` is dropped.
    }
}

/// How long the tasks get to finish what they are doing (a poll in flight)
/// before they are cut off: quitting must not hang on a slow Halo.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

async fn stop(handle: &EngineHandle, tasks: Vec<JoinHandle<()>>) {
    handle.shutdown();
    let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
    for mut task in tasks {
        if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
            // Each engine call is its own transaction, so cutting a task at
            // an await point leaves the store consistent.
            tracing::warn!("a background task did not stop in time; cancelling it");
            task.abort();
        }
    }
}
