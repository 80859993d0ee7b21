//! The one error every app-core call returns. Each message says what the
//! user must do next; [`AppError::kind`] gives the front ends' error kinds
//! (`docs/command-surface.md`, "Errors").

use std::path::PathBuf;

use crate::config::ConfigError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "no Halo is configured: put a config file at {} (`halo-notifier-cli config --example` \
         prints one) or set HALO_URL and HALO_CLIENT_ID",
        looked_at_text(.looked_at)
    )]
    NotConfigured { looked_at: Option<PathBuf> },
    #[error(
        "no client secret stored for this Halo: run `halo-notifier-cli login` and paste it, \
         or set HALO_CLIENT_SECRET"
    )]
    NoSecret,
    #[error(
        "[webhook] is enabled but no token is set: run `halo-notifier-cli login \
         --webhook-token` or set HALO_WEBHOOK_TOKEN"
    )]
    NoWebhookToken,
    #[error(transparent)]
    Keyring(#[from] secrets::SecretError),
    #[error(transparent)]
    Halo(#[from] halo_api::HaloError),
    #[error(transparent)]
    Engine(Box<alert_engine::EngineError>),
    #[error("{}: cannot open the alert database: {source}", path.display())]
    Store {
        path: PathBuf,
        source: Box<alert_store::StoreError>,
    },
    #[error(transparent)]
    Webhook(#[from] webhook_receiver::ReceiverError),
    #[error(
        "another Halo Notifier is already running on {}{}: stop it first, or give this one \
         its own --data-dir",
        dir.display(),
        holder.map(|pid| format!(" (process {pid})")).unwrap_or_default()
    )]
    AlreadyRunning { dir: PathBuf, holder: Option<u32> },
    #[error("{}: cannot use the data folder: {source}", dir.display())]
    DataDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("no home directory to keep data in: pass --data-dir DIR")]
    NoDataDir,
    #[error("this build has no demo mode: configure Halo, or build with the `demo` feature")]
    DemoUnavailable,
    #[error("starting the demo Halo: {0}")]
    Demo(String),
    #[error("{what}: {message}")]
    Invalid { what: String, message: String },
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<alert_engine::EngineError> for AppError {
    fn from(e: alert_engine::EngineError) -> Self {
        AppError::Engine(Box::new(e))
    }
}

fn looked_at_text(path: &Option<PathBuf>) -> String {
    path.as_ref().map_or_else(
        || "the platform's config folder (none found)".to_owned(),
        |p| p.display().to_string(),
    )
}

impl AppError {
    /// The error kind a front end shows: `not_found`, `halo`, `validation`,
    /// `keyring`, `store`, `busy` or `internal`.
    pub fn kind(&self) -> &'static str {
        match self {
            AppError::Config(_) | AppError::Invalid { .. } | AppError::NotConfigured { .. } => {
                "validation"
            }
            AppError::NoSecret | AppError::NoWebhookToken | AppError::Keyring(_) => "keyring",
            AppError::Halo(_) => "halo",
            AppError::Engine(e) if matches!(**e, alert_engine::EngineError::NoOpenAlert(_)) => {
                "not_found"
            }
            AppError::Engine(_) | AppError::Store { .. } | AppError::DataDir { .. } => "store",
            AppError::AlreadyRunning { .. } => "busy",
            AppError::Webhook(_)
            | AppError::NoDataDir
            | AppError::DemoUnavailable
            | AppError::Demo(_)
            | AppError::Internal(_) => "internal",
        }
    }
}

/// A blocking call (keyring, D-Bus) run off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(format!("a background task failed: {e}")))
}
