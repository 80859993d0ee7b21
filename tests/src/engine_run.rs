//! The running engine (poller, timer, outbox, notifier thread) against a
//! simulator over real HTTP, with a store on disk so the app can be
//! restarted the way the settings window restarts it (new secret).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alert_engine::{Engine, EngineEvent, EngineSettings, IntakeStatus, PollSettings, TeamRef};
use alert_runtime::EngineHandle;
use alert_store::Store;
use chrono::{DateTime, Utc};
use halo_api::{ClientSecret, HaloClient, RetryPolicy, SystemClock};
use tokio::sync::broadcast::error::RecvError;

use crate::{Recorder, settings_for};

/// The team the scenario's technician watches (the simulator's team 1).
pub const WATCHED_TEAM: &str = "Service Desk";

/// What the engine and its client are set up with.
#[derive(Debug, Clone)]
pub struct RunSettings {
    pub poll: PollSettings,
    /// Escalation policies in the config's TOML.
    pub policies_toml: &'static str,
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl RunSettings {
    /// The product's behaviour with its clock compressed about 30 times: a
    /// poll a second (30 s), a delta reaching 4 s back (120 s), a
    /// reconciliation every 30 s (15 min; so within a row only the first
    /// poll reconciles and every alert rests on the deltas), backoff capped
    /// at 2 s (15 min: compressed further, to keep the rows short), alerts repeating
    /// every second (three times) until acknowledged, a 1 s request timeout.
    pub fn compressed() -> Self {
        Self {
            poll: PollSettings {
                interval: Duration::from_secs(1),
                reconcile_every: Duration::from_secs(30),
                overlap: Duration::from_secs(4),
                max_backoff: Duration::from_secs(2),
            },
            policies_toml: r#"
                default = "fast"
                [by_priority]
                1 = "fast"
                2 = "fast"
                3 = "fast"
                4 = "fast"
                [policies.fast]
                [[policies.fast.steps]]
                urgency = "normal"
                repeat_every = "1s"
                max_repeats = 3
            "#,
            request_timeout: Duration::from_secs(1),
            retry: RetryPolicy {
                transient_retries: 2,
                transient_base: Duration::from_millis(10),
                transient_max: Duration::from_millis(40),
                // The poller schedules around 429s itself, as in the app.
                rate_limit_retries: 0,
                max_rate_limit_wait: Duration::from_secs(60),
                rate_limit_base: Duration::from_millis(500),
                rate_limit_max: Duration::from_secs(1),
            },
        }
    }
}

/// Every intake status the engine reported, with when it was heard.
pub type StatusLog = Arc<Mutex<Vec<(DateTime<Utc>, IntakeStatus)>>>;

/// One engine over one store file, talking to one simulator.
pub struct EngineRun {
    pub handle: EngineHandle,
    pub recorder: Recorder,
    /// Across restarts; a lagging subscriber would be recorded as a
    /// status with the problem "status events lost".
    pub statuses: StatusLog,
    store_path: PathBuf,
    base_url: String,
    settings: RunSettings,
}

impl EngineRun {
    /// Starts the engine with `secret` and waits for its first poll.
    pub async fn start(
        sim: &halo_sim::SimHandle,
        store_path: PathBuf,
        settings: RunSettings,
        secret: &str,
    ) -> Self {
        let recorder = Recorder::default();
        let statuses = StatusLog::default();
        let handle = launch(
            &sim.base_url(),
            &store_path,
            &settings,
            secret,
            &recorder,
            &statuses,
        );
        let run = Self {
            handle,
            recorder,
            statuses,
            store_path,
            base_url: sim.base_url(),
            settings,
        };
        run.wait_status(|s| s.last_poll_at.is_some(), "the first poll")
            .await;
        run
    }

    /// Stops this engine and starts another over the same store with a new
    /// secret, as the app does when the user saves one (`restart_core`).
    /// Notifications keep going to the same recorder.
    pub async fn restart_with_secret(&mut self, secret: &str) {
        self.handle.shutdown();
        self.handle = launch(
            &self.base_url,
            &self.store_path,
            &self.settings,
            secret,
            &self.recorder,
            &self.statuses,
        );
    }

    /// The statuses heard from `from` on (until `to`, if given).
    pub fn statuses_between(
        &self,
        from: DateTime<Utc>,
        to: Option<DateTime<Utc>>,
    ) -> Vec<IntakeStatus> {
        self.statuses
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(at, _)| *at >= from && to.is_none_or(|to| *at <= to))
            .map(|(_, s)| s.clone())
            .collect()
    }

    /// Waits (on the engine's status events) until `done` holds for its
    /// intake status; panics naming `what` after [`PATIENCE`](crate::PATIENCE).
    pub async fn wait_status(&self, done: impl Fn(&IntakeStatus) -> bool, what: &str) {
        if let Err(last) = self.status_within(crate::PATIENCE, done).await {
            panic!(
                "{what} did not come within {:?}; intake: {last:?}",
                crate::PATIENCE
            );
        }
    }

    /// The first intake status for which `done` holds, heard within
    /// `patience`; else the last one seen.
    pub async fn status_within(
        &self,
        patience: Duration,
        done: impl Fn(&IntakeStatus) -> bool,
    ) -> Result<IntakeStatus, IntakeStatus> {
        let mut events = self.handle.subscribe();
        let wait = async {
            loop {
                let now = self.handle.intake_status();
                if done(&now) {
                    return now;
                }
                match tokio::time::timeout(Duration::from_millis(500), events.recv()).await {
                    Ok(Err(RecvError::Closed)) => std::future::pending::<()>().await,
                    Ok(Ok(EngineEvent::Intake { status })) if done(&status) => return status,
                    _ => {}
                }
            }
        };
        tokio::time::timeout(patience, wait)
            .await
            .map_err(|_| self.handle.intake_status())
    }
}

fn launch(
    base_url: &str,
    store_path: &Path,
    settings: &RunSettings,
    secret: &str,
    recorder: &Recorder,
    statuses: &StatusLog,
) -> EngineHandle {
    let mut connection = settings_for(base_url);
    connection.request_timeout = settings.request_timeout;
    let halo = HaloClient::with_options(
        connection,
        ClientSecret::new(secret.to_owned()),
        Arc::new(SystemClock),
        settings.retry.clone(),
    )
    .expect("client builds");
    let halo = Arc::new(halo);
    let instance = halo.settings().instance.web().to_string();
    let engine = Engine::new(
        Store::open(store_path).expect("store opens"),
        EngineSettings {
            instance,
            teams: vec![TeamRef::Name(WATCHED_TEAM.into())],
            grouping: None,
            poll: settings.poll,
            policies: toml::from_str(settings.policies_toml).expect("policies parse"),
            ..EngineSettings::default()
        },
    )
    .expect("engine opens");
    let handle = EngineHandle::new(
        engine,
        Arc::new(SystemClock),
        Arc::new(recorder.clone()),
        Some(halo),
    );
    let mut events = handle.subscribe();
    let log = statuses.clone();
    tokio::spawn(async move {
        loop {
            let status = match events.recv().await {
                Ok(EngineEvent::Intake { status }) => status,
                Ok(_) => continue,
                Err(RecvError::Lagged(_)) => IntakeStatus {
                    ok: false,
                    last_poll_at: None,
                    problem: Some("status events lost".into()),
                    budget: String::new(),
                },
                Err(RecvError::Closed) => return,
            };
            log.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((Utc::now(), status));
        }
    });
    handle.start();
    handle
}
