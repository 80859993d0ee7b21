//! The built app in a throw-away desktop session (scripts/desktop-session.sh):
//! a first run with no Halo configured starts the demo and its popups reach
//! the notification daemon; a second launch hands over and exits.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the app when a test ends, also on failure.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn app(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_halo-notifier"));
    // Its own config (none: demo), data and log folders.
    cmd.env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("MESA_SHADER_CACHE_DISABLE", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// Polls `check` until it holds or `limit` passes.
fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    check()
}

/// Summaries of the popups dunst has shown or is showing from our app.
fn popups_from_the_app() -> Vec<String> {
    let mut found = Vec::new();
    for args in [["history"], ["debug"]] {
        let Ok(out) = Command::new("dunstctl").args(args).output() else {
            continue;
        };
        let Ok(json) = serde_json::from_slice::<serde_json::Value>(&out.stdout) else {
            continue;
        };
        for popup in json["data"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|a| a.as_array().cloned().unwrap_or_default())
        {
            if popup["appname"]["data"] == "Halo Notifier" {
                found.push(
                    popup["summary"]["data"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                );
            }
        }
    }
    found
}

#[test]
#[ignore = "needs a desktop session"]
fn first_run_shows_demo_popups_and_a_second_launch_hands_over() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut first = Running(app(home.path()).spawn().expect("the app starts"));

    assert!(
        eventually(Duration::from_secs(90), || !popups_from_the_app()
            .is_empty()),
        "no popup from the demo reached the notification daemon"
    );
    assert!(
        first.0.try_wait().expect("status").is_none(),
        "the app exited"
    );

    let mut second = app(home.path())
        .args(["--open", "settings"])
        .spawn()
        .expect("a second launch starts");
    let mut ended = None;
    assert!(
        eventually(Duration::from_secs(20), || {
            ended = second.try_wait().ok().flatten();
            ended.is_some()
        }),
        "the second launch did not hand over to the first and exit"
    );
    assert!(
        first.0.try_wait().expect("status").is_none(),
        "the first instance must keep running"
    );
}

#[test]
fn an_unknown_window_name_is_refused_with_what_works() {
    let home = tempfile::tempdir().expect("temp dir");
    let out = app(home.path())
        .args(["--open", "dashboard"])
        .stderr(Stdio::piped())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("--open alerts"), "{said}");
}
