//! What every command starts from: the loaded config, the data folder and
//! the mode (live or demo), with the Halo client and the engine built from
//! them. One-shot CLI commands use it directly; `run` and the desktop app
//! go on to [`Setup::start`](crate::App).

use std::path::PathBuf;
use std::sync::Arc;

use alert_engine::Engine;
use alert_store::Store;
use halo_api::{ClientSecret, HaloClient, RetryPolicy, SystemClock};

use crate::config::{self, LoadedConfig};
use crate::credentials;
use crate::demo;
use crate::env::Env;
use crate::error::AppError;
use crate::mode::{DemoReason, Mode};

/// Where to find the config and the data, and whether to force the demo.
#[derive(Debug, Clone, Default)]
pub struct SetupOptions {
    /// The config file; `None`: the platform's default (may be missing).
    pub config_path: Option<PathBuf>,
    /// The data folder; `None`: the platform's default.
    pub data_dir: Option<PathBuf>,
    /// Run the demo even if Halo is configured.
    pub demo: bool,
    /// Where `HALO_*` variables come from.
    pub env: Env,
}

/// A loaded configuration with its data folder and mode.
#[derive(Debug, Clone)]
pub struct Setup {
    config: LoadedConfig,
    data_dir: PathBuf,
    mode: Mode,
    env: Env,
}

impl Setup {
    /// Loads and validates the config. With no Halo configured (or `demo`
    /// asked for) the setup points at the demo simulator.
    pub fn load(options: SetupOptions) -> Result<Setup, AppError> {
        let mut config = config::load(options.config_path.as_deref(), &options.env)?;
        let data_dir = match options.data_dir {
            Some(dir) => dir,
            None => config::default_data_dir().ok_or(AppError::NoDataDir)?,
        };
        let mode = match (&config.halo, options.demo) {
            (_, true) => Mode::Demo {
                reason: DemoReason::Requested,
            },
            (None, false) => Mode::Demo {
                reason: DemoReason::NotConfigured {
                    looked_at: config.looked_at.clone(),
                },
            },
            (Some(halo), false) => Mode::Live {
                instance: halo.url.web(),
            },
        };
        if mode.is_demo() {
            demo::apply(&mut config);
        }
        Ok(Setup {
            config,
            data_dir,
            mode,
            env: options.env,
        })
    }

    pub fn config(&self) -> &LoadedConfig {
        &self.config
    }

    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The folder of this mode's database: the demo keeps its own, so demo
    /// tickets never mix with real ones.
    pub fn database_dir(&self) -> PathBuf {
        if self.mode.is_demo() {
            self.data_dir.join("demo")
        } else {
            self.data_dir.clone()
        }
    }

    pub fn database_path(&self) -> PathBuf {
        self.database_dir().join("alerts.sqlite")
    }

    /// The engine over this mode's database (blocking: SQLite).
    pub fn open_engine(&self) -> Result<Engine, AppError> {
        let path = self.database_path();
        let store = Store::open(&path).map_err(|source| AppError::Store {
            path: path.clone(),
            source: Box::new(source),
        })?;
        Ok(Engine::new(store, self.config.engine.clone())?)
    }

    /// The client secret: the demo's, else the environment, else the keyring.
    pub async fn client_secret(&self) -> Result<ClientSecret, AppError> {
        if self.mode.is_demo() {
            return Ok(ClientSecret::new(demo::CLIENT_SECRET));
        }
        let halo = self
            .config
            .halo
            .as_ref()
            .ok_or_else(|| self.not_configured())?;
        credentials::client_secret(halo, &self.env).await
    }

    /// The Halo client, signed in with the secret found.
    pub async fn halo_client(&self) -> Result<Arc<HaloClient>, AppError> {
        let secret = self.client_secret().await?;
        let halo = self
            .config
            .halo
            .as_ref()
            .ok_or_else(|| self.not_configured())?;
        build_client(halo, secret)
    }

    /// The name written into acknowledgements.
    pub fn acting_name(&self) -> String {
        self.config
            .engine
            .display_name
            .clone()
            .or_else(|| self.env.get("USER"))
            .or_else(|| self.env.get("USERNAME"))
            .unwrap_or_else(|| "Halo Notifier user".to_owned())
    }

    fn not_configured(&self) -> AppError {
        AppError::NotConfigured {
            looked_at: self.config.looked_at.clone(),
        }
    }
}

/// A Halo client for `halo` with `secret`. Rate limits are not slept on
/// inside a call: the poller schedules around them itself.
pub fn build_client(
    halo: &config::HaloConfig,
    secret: ClientSecret,
) -> Result<Arc<HaloClient>, AppError> {
    let retry = RetryPolicy {
        rate_limit_retries: 0,
        ..RetryPolicy::default()
    };
    Ok(Arc::new(HaloClient::with_options(
        halo.connection()?,
        secret,
        Arc::new(SystemClock),
        retry,
    )?))
}
