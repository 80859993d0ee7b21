//! What the CLI says about the setup: nothing configured, the connection
//! test's findings, and the webhook setup to paste into Halo.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_halo-notifier-cli");

/// The binary with a fresh home: no config anywhere, no HALO_* variables.
fn unconfigured(home: &Path) -> Command {
    isolated(Command::new(BIN), home)
}

fn isolated(mut cmd: Command, home: &Path) -> Command {
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("HALO_URL")
        .env_remove("HALO_CLIENT_ID")
        .env_remove("HALO_CLIENT_SECRET")
        .env_remove("HALO_WEBHOOK_TOKEN");
    cmd
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn test_connection_with_no_config_says_nothing_is_configured_and_where_to_put_it() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = unconfigured(home.path())
        .arg("test-connection")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let said = text(&out);
    assert!(said.contains("nothing is configured"), "{said}");
    let expected = home.path().join("config/halo-notifier/config.toml");
    assert!(said.contains(&expected.display().to_string()), "{said}");
}

#[test]
fn run_with_no_config_says_loudly_it_is_the_demo_and_where_it_looked() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut child = unconfigured(home.path())
        .args(["run", "--no-desktop"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let stderr = child.stderr.take().expect("stderr");
    // The first line on stderr is the warning (also if the demo's port is
    // taken and the run then stops).
    let first = BufReader::new(stderr)
        .lines()
        .next()
        .and_then(Result::ok)
        .unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    assert!(first.starts_with("DEMO:"), "{first}");
    assert!(first.contains("not your tickets"), "{first}");
    let expected = home.path().join("config/halo-notifier/config.toml");
    assert!(first.contains(&expected.display().to_string()), "{first}");
}

#[test]
fn webhook_setup_prints_the_url_body_and_runbook_events() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = unconfigured(home.path())
        .arg("webhook-setup")
        .env("HALO_WEBHOOK_TOKEN", "0123456789abcdef0123456789abcdef")
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("http://127.0.0.1:8787/webhook/0123456789abcdef0123456789abcdef"),
        "{said}"
    );
    assert!(said.contains("\"id\": <<ticket^id>>"), "{said}");
    assert!(
        said.contains("\"New Ticket Logged\" and \"Ticket Status Changed\""),
        "{said}"
    );
}

/// `login` in a real terminal (a pseudo-terminal from util-linux's
/// `script`): what is typed must not be echoed back, even when it follows
/// the prompt at once, and the terminal echoes again afterwards.
#[cfg(target_os = "linux")]
#[test]
fn login_at_a_terminal_does_not_echo_the_secret() {
    use std::io::Write;
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        "[halo]\nurl = \"https://acme.halopsa.com\"\nclient_id = \"x\"\n",
    )
    .expect("config");
    let command = format!("{BIN} --config {} login; stty -a", config.display());
    let mut child = isolated(Command::new("script"), home.path())
        // No session bus: storing fails after reading, which is fine here.
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script runs");
    // Typed only once the prompt is up, as a person would.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("not shown") {
        let n = std::io::Read::read(&mut stdout, &mut buf).expect("read");
        assert!(n > 0, "no prompt: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"typed-s3cret-value\n").expect("typed");
    let _ = std::io::Read::read_to_end(&mut stdout, &mut seen);
    drop(stdin);
    let _ = child.wait();
    let shown = String::from_utf8_lossy(&seen);
    assert!(!shown.contains("typed-s3cret-value"), "{shown}");
    let modes: Vec<&str> = shown.split([' ', ';', '\n', '\r']).collect();
    assert!(
        modes.contains(&"echo") && !modes.contains(&"-echo"),
        "echo is not back on: {shown}"
    );
}

#[test]
fn absurd_snooze_pause_and_since_are_refused_with_a_message_not_a_crash() {
    let home = tempfile::tempdir().expect("tempdir");
    for args in [
        &["snooze", "1", "100000000d"][..],
        &["pause", "100000000d"][..],
        &["stats", "--since", "100000000d"][..],
        &["run", "--generate-every", "100000000d"][..],
    ] {
        let out = unconfigured(home.path()).args(args).output().expect("runs");
        let said = text(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {said}");
        // Over the command's limit, or beyond the ten years no duration
        // setting may exceed: either way the message says so.
        assert!(
            said.contains("too long") || said.contains("longer than ten years"),
            "{args:?}: {said}"
        );
        assert!(!said.contains("panicked"), "{args:?}: {said}");
    }
}
