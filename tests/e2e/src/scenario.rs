//! One end-to-end scenario: a Halo simulator over real HTTP, the app with its
//! own folders (connected to the simulator, or not yet configured), its
//! tray process started directly and its window host (where the windows
//! live) started by WebDriver with one window open, holding the desktop
//! session meanwhile.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use halo_sim::{SimConfig, SimHandle};
use serde_json::Value;

use crate::app::{self, AppDirs};
use crate::desktop;
use crate::driver::TauriDriver;
use crate::launch::Launched;
use crate::tray::TrayHost;
use crate::ui::Window;

pub struct Scenario {
    pub sim: SimHandle,
    pub dirs: AppDirs,
    pub window: Window,
    /// The tray host the app's icon registered with.
    pub tray: TrayHost,
    /// WebDriver; the window host runs below it.
    pub driver: TauriDriver,
    /// The app's tray process (engine, notifications, command surface).
    pub app: Launched,
    _session: tokio::sync::MutexGuard<'static, ()>,
}

/// Whether the app starts connected to the simulator.
#[derive(Clone, Copy, PartialEq)]
pub enum Start {
    /// Config file and keyring secret in place.
    Connected,
    /// Nothing configured (the settings test fills it in).
    Unconfigured,
}

impl Scenario {
    /// Starts the simulator, the app's tray, and a window host showing
    /// `window` (`halo-notifier-windows --open <window>`) under WebDriver.
    pub async fn start(start: Start, window: &str, sim: SimConfig) -> Result<Self> {
        desktop::require_session()?;
        let session = desktop::exclusive().await;
        let sim = halo_sim::start(sim).await.context("the Halo simulator")?;
        let dirs = AppDirs::new()?;
        if start == Start::Connected {
            dirs.write_config(&sim.base_url())?;
            desktop::secret_store(
                app::KEYRING_SERVICE,
                &app::keyring_user(&sim.config().client_id, &sim.base_url()),
                &sim.config().client_secret,
            )?;
        }
        // Before the app, so its tray icon registers over D-Bus.
        let tray = TrayHost::start().await?;
        let envs = window_envs(&dirs);
        let bin = app::app_binary()?;
        let mut app = Launched::start(&bin, &[], &envs)?;
        app.wait_for_line("tray ready", Duration::from_secs(60))?;
        let driver = TauriDriver::start(&envs)?;
        let client = driver
            .open_app(&app::window_host_binary()?, &["--open", window])
            .await?;
        Ok(Scenario {
            sim,
            dirs,
            window: Window::new(client),
            tray,
            driver,
            app,
            _session: session,
        })
    }

    /// Calls a command of the shared command surface (`docs/command-surface.md`)
    /// from the open window, as the tray menu's items do in Rust.
    pub async fn invoke(&self, command: &str, args: Value) -> Result<Value> {
        let script = "const [cmd, args, done] = arguments; \
             window.__TAURI_INTERNALS__.invoke(cmd, args) \
               .then(v => done({ ok: v === undefined ? null : v }), e => done({ err: e }));";
        let reply = self
            .window
            .client
            .execute_async(script, vec![command.into(), args])
            .await
            .with_context(|| format!("invoke {command}"))?;
        match reply.get("ok") {
            Some(value) => Ok(value.clone()),
            None => anyhow::bail!("{command} failed: {}", reply["err"]),
        }
    }

    /// Saves a screenshot of the display for the README
    /// (`E2E_SCREENSHOTS_DIR`, else `target/e2e-screenshots`).
    pub fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let dir = std::env::var_os("E2E_SCREENSHOTS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-screenshots")
            });
        let path = dir.join(format!("{name}.png"));
        desktop::screenshot(&path)?;
        Ok(path)
    }

    /// Ends the WebDriver session (the window host with it), the tray and
    /// the simulator.
    pub async fn end(self) {
        let _ = self.window.client.close().await;
        self.sim.shutdown().await;
    }
}

/// The app's environment under Xvfb: its own folders, and WebKit painting
/// where an X screenshot can see it (Xvfb has no GPU: with accelerated
/// compositing the DOM is right but the picture stale).
pub fn window_envs(dirs: &AppDirs) -> Vec<(OsString, OsString)> {
    let mut envs = dirs.envs();
    envs.push(("WEBKIT_DISABLE_COMPOSITING_MODE".into(), "1".into()));
    envs.push(("WEBKIT_DISABLE_DMABUF_RENDERER".into(), "1".into()));
    // Debug logs: the secrets checks read everything the app wrote.
    envs.push(("HALO_NOTIFIER_LOG".into(), "debug".into()));
    envs
}
