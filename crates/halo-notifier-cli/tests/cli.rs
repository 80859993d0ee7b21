//! The binary as a user runs it: against the simulator over real HTTP,
//! with a config file, exit codes and messages.

use std::path::Path;
use std::process::{Command, Output};

use halo_sim::{NewTicket, SimConfig};

const BIN: &str = env!("CARGO_BIN_EXE_halo-notifier-cli");

fn config_for(dir: &Path, base_url: &str) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!(
            "[halo]\nurl = \"{base_url}\"\ntenant = \"demo\"\nclient_id = \"demo-client\"\n\n[watch]\nteams = [\"Service Desk\"]\n"
        ),
    )
    .expect("config written");
    path
}

fn cli(config: &Path, data: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("HALO_CLIENT_SECRET", "demo-secret")
        .env_remove("HALO_URL")
        .output()
        .expect("the binary runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_from_the_cli_closes_the_ticket_in_halo_with_the_note() {
    let sim = halo_sim::start(SimConfig {
        seed_tickets: 0,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let id = sim.create_ticket(NewTicket {
        summary: "Printer on fire".into(),
        details_html: String::new(),
        team_id: 1,
        agent_id: None,
        priority_id: 2,
        client_id: 1,
        site_id: 1,
        tickettype_id: 1,
        status_id: 1,
        user_name: None,
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_for(dir.path(), &sim.base_url());
    let data = dir.path().join("data");
    let out = tokio::task::spawn_blocking(move || {
        cli(
            &config,
            &data,
            &[
                "close",
                &id.to_string(),
                "--note",
                "Extinguished; replaced the fuser",
            ],
        )
    })
    .await
    .expect("joined");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("Closed ticket {id} in Halo")),
        "{}",
        text(&out)
    );
    let ticket = sim.ticket(id).expect("ticket");
    assert_eq!(ticket.status_id, sim.closed_status_id());
    assert!(
        sim.actions(id)
            .iter()
            .any(|a| a.note_html.contains("Extinguished; replaced the fuser")),
        "{:?}",
        sim.actions(id)
    );
}

#[test]
fn a_bad_config_stops_the_program_naming_file_line_and_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[halo]\nurl = \"https://a.halopsa.com\"\nclient_id = \"x\"\n\n[watch]\npoll_interval = \"1s\"\n").expect("written");
    let out = cli(&config, dir.path(), &["list"]);
    assert!(!out.status.success());
    let message = text(&out);
    assert!(
        message.contains(&format!("{}:6: watch.poll_interval", config.display())),
        "{message}"
    );
}

#[test]
fn the_example_config_is_printed_and_loads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(BIN)
        .args(["config", "--example"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let example = dir.path().join("example.toml");
    std::fs::write(&example, &out.stdout).expect("written");
    let out = cli(&example, dir.path(), &["list", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
}

#[test]
fn a_test_alert_goes_through_the_whole_path_and_can_be_acknowledged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_for(dir.path(), "https://example.halopsa.com");
    let out = cli(&config, dir.path(), &["test-alert", "--no-desktop"]);
    assert!(out.status.success(), "{}", text(&out));
    let line: serde_json::Value =
        serde_json::from_slice(out.stdout.split(|b| *b == b'\n').next().unwrap_or_default())
            .expect("a JSON line");
    assert_eq!(line["type"], "notification");
    assert_eq!(line["ticket_id"], 0);
    for key in ["title", "body", "urgency", "step", "repeat", "at"] {
        assert!(line.get(key).is_some(), "{key} missing: {line}");
    }
    let listed = cli(&config, dir.path(), &["list", "--json"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("Test alert from Halo Notifier"));
    let acked = cli(&config, dir.path(), &["ack", "0"]);
    assert!(acked.status.success(), "{}", text(&acked));
    let listed = cli(&config, dir.path(), &["list", "--json"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("\"acknowledged\""));
}

/// The binary without a secret in its environment, fed `stdin`.
fn cli_without_secret(
    config: &Path,
    data: &Path,
    args: &[&str],
    stdin: &str,
    env: &[(&str, &str)],
) -> Output {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("HALO_CLIENT_SECRET")
        .env_remove("HALO_WEBHOOK_TOKEN")
        .env_remove("HALO_URL")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin written");
    child.wait_with_output().expect("finished")
}

#[test]
#[ignore = "needs a desktop session: scripts/desktop-session.sh cargo test -p halo-notifier-cli -- --ignored"]
fn a_new_webhook_token_goes_to_the_keyring_and_into_the_url_to_paste() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_for(dir.path(), "https://example.halopsa.com");
    let stored = || {
        let out = Command::new("secret-tool")
            .args([
                "lookup",
                "service",
                "halo-notifier",
                "username",
                "webhook-token",
            ])
            .output()
            .expect("secret-tool runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let out = cli_without_secret(
            &config,
            dir.path(),
            &["webhook-setup", "--new-token"],
            "",
            &[],
        );
        assert!(out.status.success(), "{}", text(&out));
        let token = stored();
        assert!(token.len() >= 32, "stored token: {token:?}");
        assert!(
            text(&out).contains(&format!("token={token}")) || text(&out).contains(&token),
            "the URL to paste names the new token: {}",
            text(&out)
        );
        tokens.push(token);
    }
    assert_ne!(tokens[0], tokens[1], "regenerating gave the same token");
    // Not in the config or data folder (grep -l lists the files holding it).
    let found = Command::new("grep")
        .arg("-rlF")
        .arg(&tokens[1])
        .arg(dir.path())
        .output()
        .expect("grep runs");
    assert_eq!(
        String::from_utf8_lossy(&found.stdout),
        "",
        "the token is in these files"
    );
}

/// Linux: the Secret Service is reached over the session bus, which is
/// pointed nowhere here.
#[cfg(target_os = "linux")]
#[test]
fn without_a_keyring_login_says_what_to_do_instead() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_for(dir.path(), "https://example.halopsa.com");
    let out = cli_without_secret(
        &config,
        dir.path(),
        &["login"],
        "not-stored\n",
        &[
            ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus"),
            ("DISPLAY", ""),
        ],
    );
    assert!(!out.status.success());
    let message = text(&out);
    assert!(message.contains("keyring is not reachable"), "{message}");
    assert!(message.contains("HALO_CLIENT_SECRET"), "{message}");
    assert!(!message.contains("not-stored"), "{message}");
}

#[test]
#[ignore = "needs a desktop session: scripts/desktop-session.sh cargo test -p halo-notifier-cli -- --ignored"]
fn a_test_alert_pops_up_on_the_desktop() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_for(dir.path(), "https://example.halopsa.com");
    let out = cli(&config, dir.path(), &["test-alert"]);
    assert!(out.status.success(), "{}", text(&out));
    let dunstctl = |args: &[&str]| {
        let out = Command::new("dunstctl")
            .args(args)
            .output()
            .expect("dunstctl runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    dunstctl(&["close-all"]);
    let history: serde_json::Value =
        serde_json::from_str(&dunstctl(&["history"])).expect("dunst history is JSON");
    let titles: Vec<&str> = history["data"][0]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|n| n["appname"]["data"] == "Halo Notifier")
        .filter_map(|n| n["summary"]["data"].as_str())
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.contains("Test alert from Halo Notifier")),
        "{titles:?}"
    );
}

/// `run` tells a headless user what is wrong with Halo, naming what to do,
/// instead of sitting silent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_reports_a_missing_permission_on_stderr() {
    use std::io::BufRead;
    let sim = halo_sim::start(SimConfig::default().with_scopes(["read:statuses", "all:teams"]))
        .await
        .expect("simulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_for(dir.path(), &sim.base_url());
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["run", "--no-desktop"])
        .env("HALO_CLIENT_SECRET", "demo-secret")
        .env_remove("HALO_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut seen = Vec::new();
    let reported = loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match tokio::task::block_in_place(|| rx.recv_timeout(left)) {
            Ok(line) if line.starts_with("Halo: ") => break Some(line),
            Ok(line) => seen.push(line),
            Err(_) => break None,
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    let line = reported.unwrap_or_else(|| panic!("no report; stderr was: {seen:#?}"));
    assert!(line.contains("read:tickets"), "{line}");
    assert!(!line.contains("demo-secret"), "{line}");
}
