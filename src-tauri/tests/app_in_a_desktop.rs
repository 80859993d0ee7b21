//! The built app in a throw-away desktop session (scripts/desktop-session.sh):
//! a first run with no Halo configured starts the demo and its popups reach
//! the notification daemon; a second launch hands over and exits; start at
//! login, switched in the settings, writes and removes the login entry.

use std::path::Path;

use halo_notifier::app_dirs;
use halo_notifier::ipc_wire::{self, HostToTray, TrayToHost};
use serde_json::json;
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
    // Its own home, config (none: demo), data and log folders.
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
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
        ended.is_some_and(|status| status.success()),
        "the second launch failed: {ended:?}"
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

/// Talks to the running tray as its window host does: the token, then
/// commands by name.
struct AsWindowHost {
    channel: ipc_wire::Channel<halo_notifier::ipc_endpoint::Connected>,
    next_id: u64,
}

impl AsWindowHost {
    async fn connect(home: &Path) -> Self {
        let data = home.join("data").join(app_dirs::IDENTIFIER);
        assert!(
            eventually(Duration::from_secs(60), || data
                .join("window-host/token")
                .exists()),
            "the tray never listened for a window host"
        );
        let channel = ipc_wire::greet_tray(&data, |token| HostToTray::Hello { token })
            .await
            .expect("the tray lets a window host in");
        AsWindowHost {
            channel,
            next_id: 1,
        }
    }

    async fn call(&mut self, command: &str, args: serde_json::Value) -> serde_json::Value {
        let id = self.next_id;
        self.next_id += 1;
        let invoke = HostToTray::Invoke {
            id,
            command: command.to_owned(),
            args,
        };
        ipc_wire::write(&mut self.channel, &invoke)
            .await
            .expect("sent");
        loop {
            // Events for the windows come in between.
            match ipc_wire::read(&mut self.channel).await.expect("an answer") {
                TrayToHost::Reply {
                    id: answered,
                    result,
                } if answered == id => {
                    return result.unwrap_or_else(|e| panic!("{command} failed: {e:?}"));
                }
                _ => {}
            }
        }
    }
}

#[test]
#[ignore = "needs a desktop session"]
fn start_at_login_in_the_settings_writes_and_removes_the_login_entry() {
    let home = tempfile::tempdir().expect("temp dir");
    let _app = Running(app(home.path()).spawn().expect("the app starts"));
    let entry = home.path().join(".config/autostart/Halo Notifier.desktop");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let mut tray = AsWindowHost::connect(home.path()).await;
        let mut form = tray.call("get_settings", json!({})).await;
        assert_eq!(form["start_at_login"], json!(false));
        assert!(!entry.exists());

        form["start_at_login"] = json!(true);
        let saved = tray.call("save_settings", json!({ "form": form })).await;
        assert_eq!(saved["start_at_login"], json!(true));
        let text = std::fs::read_to_string(&entry).expect("a login entry");
        assert!(
            text.contains(env!("CARGO_BIN_EXE_halo-notifier")),
            "the entry does not start the tray: {text}"
        );

        let mut form = saved;
        form["start_at_login"] = json!(false);
        let saved = tray.call("save_settings", json!({ "form": form })).await;
        assert_eq!(saved["start_at_login"], json!(false));
        assert!(!entry.exists(), "the login entry stayed");
    });
}
