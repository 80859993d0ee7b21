//! The wiring every Halo Notifier front end shares: the config file, the
//! secrets (environment, then OS keyring), the Halo client, the webhook
//! listener and demo mode, started as one [`RunningApp`]. The CLI and the
//! desktop app are thin shells over it: they pass in their notifier and
//! talk to the engine through [`RunningApp::handle`].
//!
//! ```no_run
//! # async fn example(notifier: std::sync::Arc<dyn alert_engine::Notifier>) -> Result<(), app_core::AppError> {
//! use app_core::{App, AppOptions, SetupOptions, DEFAULT_DEMO_EVERY};
//! let app = App::start(AppOptions {
//!     setup: SetupOptions::default(),
//!     notifier,
//!     demo_every: DEFAULT_DEMO_EVERY,
//! })
//! .await?;
//! eprintln!("{}", app.mode().describe());
//! let open = app.handle().list(alert_store::AlertFilter::Open).await?;
//! eprintln!("{} open alerts", open.len());
//! app.shutdown().await;
//! # Ok(()) }
//! ```

mod app;
pub mod config;
pub mod connection;
pub mod credentials;
pub mod demo;
mod env;
mod error;
mod intake;
mod lock;
mod mode;
mod setup;
pub mod template_preview;
pub mod text;
pub mod ticket_html;
pub mod webhook_setup;

pub use app::{App, AppOptions, DEFAULT_DEMO_EVERY, RunningApp};
pub use config::{Config, ConfigError, LoadedConfig, Problems};
pub use connection::{ConnectionReport, Finding, test_connection};
pub use env::Env;
pub use error::AppError;
pub use mode::{DemoReason, Mode};
pub use setup::{Setup, SetupOptions, build_client};
pub use template_preview::TemplatePreview;
pub use webhook_setup::{WebhookSetup, webhook_setup};
