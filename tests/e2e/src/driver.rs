//! WebDriver sessions on the app's real windows: `tauri-driver` in front of
//! WebKitWebDriver, which starts the app binary itself. One driver per test,
//! started with the test's environment (the app inherits it).

use std::ffi::OsString;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder};
use serde_json::json;

use crate::wait::eventually;

/// A running `tauri-driver`, ended when dropped.
pub struct TauriDriver {
    child: Child,
    port: u16,
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn tauri_driver_binary() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("TAURI_DRIVER") {
        return Ok(path.into());
    }
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin/tauri-driver"));
    match cargo_bin {
        Some(path) if path.exists() => Ok(path),
        _ => Ok(PathBuf::from("tauri-driver")),
    }
}

impl TauriDriver {
    pub fn start(envs: &[(OsString, OsString)]) -> Result<Self> {
        let port = free_port()?;
        let native_port = free_port()?;
        let native = which_webkit_driver()?;
        let child = Command::new(tauri_driver_binary()?)
            .args(["--port", &port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .arg("--native-driver")
            .arg(native)
            .envs(envs.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            // Its own process group: WebKitWebDriver and the app end with it.
            .process_group(0)
            .spawn()
            .context("tauri-driver is missing: cargo install tauri-driver --locked")?;
        Ok(TauriDriver { child, port })
    }

    /// The driver's process id (WebKitWebDriver and the app are below it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Starts the app under WebDriver with `args` and attaches to its first
    /// window (the app must open one at start: `--open alerts|settings`).
    pub async fn open_app(&self, app: &Path, args: &[&str]) -> Result<Client> {
        let caps = json!({
            "browserName": "wry",
            "tauri:options": { "application": app, "args": args },
        });
        let serde_json::Value::Object(caps) = caps else {
            bail!("capabilities are an object");
        };
        let url = format!("http://127.0.0.1:{}", self.port);
        // The driver accepts sessions once it and WebKitWebDriver listen.
        eventually("a WebDriver session", Duration::from_secs(30), || {
            let caps = caps.clone();
            let url = url.clone();
            async move {
                let connector = hyper_util::client::legacy::connect::HttpConnector::new();
                let client = ClientBuilder::new(connector)
                    .capabilities(caps)
                    .connect(&url)
                    .await
                    .context("new session")?;
                Ok(Some(client))
            }
        })
        .await
    }
}

fn which_webkit_driver() -> Result<PathBuf> {
    for dir in std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain([PathBuf::from("/usr/bin")])
    {
        let path = dir.join("WebKitWebDriver");
        if path.exists() {
            return Ok(path);
        }
    }
    bail!("WebKitWebDriver is missing: apt-get install webkit2gtk-driver")
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        crate::procs::end_group(&mut self.child);
    }
}
