//! The desktop session's parts as a test reads them: dunst's notification
//! history, the Secret Service (`secret-tool`), screenshots of the X display,
//! and one lock so tests sharing the session do not see each other's popups.

use std::path::Path;
use std::process::Command;

use tokio::sync::{Mutex, MutexGuard};

use anyhow::{Context, Result, bail};
use serde_json::Value;

static SESSION: Mutex<()> = Mutex::const_new(());

/// Holds the desktop session for one test (one display, one dunst); an
/// async lock, since a test holds it across its awaits.
pub async fn exclusive() -> MutexGuard<'static, ()> {
    SESSION.lock().await
}

/// Fails clearly when run outside `scripts/desktop-session.sh`.
pub fn require_session() -> Result<()> {
    for var in ["DISPLAY", "DBUS_SESSION_BUS_ADDRESS"] {
        if std::env::var_os(var).is_none() {
            bail!(
                "{var} is not set: run these tests inside a desktop session: \
                 scripts/desktop-session.sh cargo test -p halo-notifier-e2e -- --ignored"
            );
        }
    }
    Ok(())
}

/// One notification as dunst recorded it.
#[derive(Debug, Clone)]
pub struct Notification {
    pub id: i64,
    pub app_name: String,
    pub summary: String,
    pub body: String,
}

/// Every notification dunst has shown and closed (its history) plus those on
/// screen now, newest first.
pub fn notifications() -> Result<Vec<Notification>> {
    let out = Command::new("dunstctl")
        .arg("history")
        .output()
        .context("dunstctl is missing: install dunst")?;
    if !out.status.success() {
        bail!(
            "dunstctl history failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let history: Value = serde_json::from_slice(&out.stdout).context("dunstctl history JSON")?;
    let field = |n: &Value, key: &str| n[key]["data"].clone();
    let mut all = Vec::new();
    for group in history["data"].as_array().into_iter().flatten() {
        for n in group.as_array().into_iter().flatten() {
            all.push(Notification {
                id: field(n, "id").as_i64().unwrap_or_default(),
                app_name: field(n, "appname").as_str().unwrap_or_default().to_owned(),
                summary: field(n, "summary").as_str().unwrap_or_default().to_owned(),
                body: field(n, "body").as_str().unwrap_or_default().to_owned(),
            });
        }
    }
    Ok(all)
}

/// Moves what dunst shows into its history, so `notifications()` sees it
/// (dunst's history holds closed notifications only).
pub fn close_all_notifications() -> Result<()> {
    let status = Command::new("dunstctl").arg("close-all").status()?;
    if !status.success() {
        bail!("dunstctl close-all failed");
    }
    Ok(())
}

/// Notifications whose summary or body mentions `text`.
pub fn notifications_mentioning(text: &str) -> Result<Vec<Notification>> {
    close_all_notifications()?;
    Ok(notifications()?
        .into_iter()
        .filter(|n| n.summary.contains(text) || n.body.contains(text))
        .collect())
}

/// The secret stored in the Secret Service under these attributes, as
/// `secret-tool lookup` prints it.
pub fn secret_lookup(service: &str, username: &str) -> Result<Option<String>> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", username])
        .output()
        .context("secret-tool is missing: install libsecret-tools")?;
    // secret-tool exits 1 with no output when nothing matches.
    if !out.status.success() || out.stdout.is_empty() {
        return Ok(None);
    }
    Ok(Some(String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// Stores a secret the way the app's keyring crate does (service and user
/// name attributes), for tests that start with Halo already connected.
pub fn secret_store(service: &str, username: &str, secret: &str) -> Result<()> {
    use std::io::Write;
    let mut child = Command::new("secret-tool")
        .args(["store", "--label", "Halo Notifier (test)"])
        .args(["service", service, "username", username])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .context("secret-tool is missing: install libsecret-tools")?;
    child
        .stdin
        .take()
        .context("secret-tool stdin")?
        .write_all(secret.as_bytes())?;
    if !child.wait()?.success() {
        bail!("secret-tool store failed: is the keyring unlocked?");
    }
    Ok(())
}

/// A screenshot of the whole X display.
pub fn screenshot(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let status = Command::new("import")
        .args(["-window", "root"])
        .arg(path)
        .status()
        .context("import is missing: install imagemagick")?;
    if !status.success() {
        bail!("import -window root {} failed", path.display());
    }
    Ok(())
}

/// Every file under `roots` whose bytes contain `needle`.
pub fn files_containing(roots: &[&Path], needle: &[u8]) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack: Vec<std::path::PathBuf> = roots.iter().map(|r| r.to_path_buf()).collect();
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&path) {
                stack.extend(entries.flatten().map(|e| e.path()));
            }
        } else if meta.is_file()
            && let Ok(bytes) = std::fs::read(&path)
            && bytes.windows(needle.len()).any(|w| w == needle)
        {
            found.push(path);
        }
    }
    found
}
