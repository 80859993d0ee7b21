//! The app under test: its binary, its own XDG folders (config, data, state,
//! cache: nothing shared with the user's or another test's), and a config
//! file pointing at a Halo simulator.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The keyring service name the app stores its secrets under.
pub const KEYRING_SERVICE: &str = "halo-notifier";
/// The simulator's API application (`halo_sim::SimConfig::default()`).
pub const SIM_CLIENT_ID: &str = "demo-client";
pub const SIM_CLIENT_SECRET: &str = "demo-secret";
pub const SIM_TENANT: &str = "demo";

/// The desktop app's binary: `HALO_NOTIFIER_BIN`, else the workspace's
/// debug build (`cargo build -p halo-notifier`).
pub fn app_binary() -> Result<PathBuf> {
    binary(
        "HALO_NOTIFIER_BIN",
        "halo-notifier",
        "cargo build -p halo-notifier",
    )
}

/// The window host's binary (`halo-notifier-windows`, beside the tray's):
/// `HALO_NOTIFIER_WINDOWS_BIN`, else the workspace's debug build.
pub fn window_host_binary() -> Result<PathBuf> {
    binary(
        "HALO_NOTIFIER_WINDOWS_BIN",
        "halo-notifier-windows",
        "cargo build -p halo-notifier",
    )
}

/// The window host's process name as `/proc/PID/comm` shows it (the
/// kernel keeps 15 bytes of it).
pub const WINDOW_HOST_COMM: &str = "halo-notifier-w";

/// A workspace binary, overridable by an environment variable.
pub fn binary(var: &str, name: &str, build: &str) -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(var) {
        return Ok(PathBuf::from(path));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let path = target.join("debug").join(name);
    if !path.exists() {
        bail!(
            "{} does not exist: build it first ({build}) or set {var}",
            path.display()
        );
    }
    Ok(path)
}

/// The keyring user name the app files a client secret under for an
/// instance (`secrets` crate: `<client id>@<host[:port]>`).
pub fn keyring_user(client_id: &str, base_url: &str) -> String {
    let rest = base_url.split("://").nth(1).unwrap_or(base_url);
    format!("{client_id}@{}", rest.split('/').next().unwrap_or(rest))
}

/// One app's private folders.
pub struct AppDirs {
    _root: tempfile::TempDir,
    pub config: PathBuf,
    pub data: PathBuf,
    pub state: PathBuf,
    pub cache: PathBuf,
    /// The app's temp folder (`TMPDIR`).
    pub tmp: PathBuf,
}

impl AppDirs {
    pub fn new() -> Result<Self> {
        let root = tempfile::Builder::new()
            .prefix("halo-e2e-")
            .tempdir()
            .context("temporary folder")?;
        let dirs = AppDirs {
            config: root.path().join("config"),
            data: root.path().join("data"),
            state: root.path().join("state"),
            cache: root.path().join("cache"),
            tmp: root.path().join("tmp"),
            _root: root,
        };
        for dir in [
            &dirs.config,
            &dirs.data,
            &dirs.state,
            &dirs.cache,
            &dirs.tmp,
        ] {
            std::fs::create_dir_all(dir)?;
        }
        Ok(dirs)
    }

    /// The environment the app runs with. The Secret Service and the display
    /// come from the desktop session; everything on disk goes here.
    pub fn envs(&self) -> Vec<(OsString, OsString)> {
        vec![
            ("XDG_CONFIG_HOME".into(), self.config.clone().into()),
            ("XDG_DATA_HOME".into(), self.data.clone().into()),
            ("XDG_STATE_HOME".into(), self.state.clone().into()),
            ("XDG_CACHE_HOME".into(), self.cache.clone().into()),
            ("TMPDIR".into(), self.tmp.clone().into()),
            // Mesa would write its shader cache under the passwd home.
            ("MESA_SHADER_CACHE_DISABLE".into(), "true".into()),
        ]
    }

    /// Every folder the app may write to: config, data, state (logs),
    /// cache and temp.
    pub fn roots(&self) -> [&Path; 5] {
        [
            &self.config,
            &self.data,
            &self.state,
            &self.cache,
            &self.tmp,
        ]
    }

    /// The config file the app reads (`~/.config/halo-notifier/config.toml`).
    pub fn config_file(&self) -> PathBuf {
        self.config.join("halo-notifier").join("config.toml")
    }

    /// Connects the app to a simulator, watching its first team, with
    /// normal-priority alerts repeating every 3 s (so a test sees repeats
    /// stop); the client secret is not in the file (it lives in the keyring).
    pub fn write_config(&self, base_url: &str) -> Result<PathBuf> {
        self.write_config_text(&format!(
            "{}\n[escalation.policies.normal]\n\
             [[escalation.policies.normal.steps]]\nurgency = \"normal\"\nrepeat_every = \"3s\"\nmax_repeats = 100\n",
            connection(base_url)
        ))
    }

    /// The same connection with the default escalation policies, so that
    /// nothing falls due for minutes: what an idle tray runs with.
    pub fn write_default_policy_config(&self, base_url: &str) -> Result<PathBuf> {
        self.write_config_text(&connection(base_url))
    }

    fn write_config_text(&self, text: &str) -> Result<PathBuf> {
        let path = self.config_file();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, text)?;
        Ok(path)
    }
}

/// The `[halo]` and `[watch]` sections for a simulator: its first team,
/// polled every 10 s.
fn connection(base_url: &str) -> String {
    format!(
        "[halo]\nurl = \"{base_url}\"\ntenant = \"{SIM_TENANT}\"\nclient_id = \"{SIM_CLIENT_ID}\"\n\n\
         [watch]\nteams = [\"Service Desk\"]\nassigned_to_me = false\npoll_interval = \"10s\"\n"
    )
}
