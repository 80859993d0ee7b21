//! After a full headless run at debug log level (secrets stored with
//! `login`, tokens fetched, webhooks received, errors provoked, a test
//! alert, the alert list and the inbound log printed), the client
//! secret, every access token Halo issued and the webhook token are in the
//! keyring and in no file under the config, data, state, cache and temp
//! folders, and in nothing the program printed.
//!
//! Needs the Secret Service: `scripts/desktop-session.sh cargo test -p
//! halo-notifier-cli --test secrets_sweep -- --ignored`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use halo_sim::{Fault, FaultKind, NewTicket, SimConfig, WebhookAuth, WebhookShape};

const BIN: &str = env!("CARGO_BIN_EXE_halo-notifier-cli");
/// How long a step that takes milliseconds may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(30);

/// A value no other test (or earlier run) uses, so a match means a leak.
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{prefix}-{nanos:x}-{:x}", std::process::id())
}

/// The program's own folders: config, data, state, cache, temp and home.
struct Dirs {
    _root: tempfile::TempDir,
    root: PathBuf,
}

impl Dirs {
    fn new() -> Self {
        let root = tempfile::Builder::new()
            .prefix("halo-secrets-sweep-")
            .tempdir()
            .expect("tempdir");
        let path = root.path().to_path_buf();
        for dir in ["config", "data", "state", "cache", "tmp", "home"] {
            std::fs::create_dir_all(path.join(dir)).expect("folder");
        }
        Dirs {
            _root: root,
            root: path,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env("HOME", self.root.join("home"))
            .env("XDG_CONFIG_HOME", self.root.join("config"))
            .env("XDG_DATA_HOME", self.root.join("data"))
            .env("XDG_STATE_HOME", self.root.join("state"))
            .env("XDG_CACHE_HOME", self.root.join("cache"))
            .env("TMPDIR", self.root.join("tmp"))
            .env("RUST_LOG", "debug")
            .env("RUST_BACKTRACE", "1")
            .env_remove("HALO_URL")
            .env_remove("HALO_CLIENT_ID")
            .env_remove("HALO_TENANT")
            .env_remove("HALO_CLIENT_SECRET")
            .env_remove("HALO_WEBHOOK_TOKEN");
        cmd
    }

    fn config_file(&self) -> PathBuf {
        self.root.join("config/halo-notifier/config.toml")
    }
}

/// Every file under `root` whose bytes contain `needle`.
fn files_containing(root: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            stack.extend(
                std::fs::read_dir(&path)
                    .expect("readable")
                    .flatten()
                    .map(|e| e.path()),
            );
        } else if meta.is_file()
            && std::fs::read(&path)
                .expect("readable")
                .windows(needle.len())
                .any(|w| w == needle)
        {
            found.push(path);
        }
    }
    found
}

/// What a finished command printed, stdout then stderr.
fn printed(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn with_stdin(mut cmd: Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
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

/// `run` in the background, its output collected line by line.
struct Running {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Running {
    fn start(mut cmd: Command) -> Self {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let mut readers = Vec::new();
        let stdout: Box<dyn std::io::Read + Send> = Box::new(child.stdout.take().expect("stdout"));
        let stderr: Box<dyn std::io::Read + Send> = Box::new(child.stderr.take().expect("stderr"));
        for stream in [stdout, stderr] {
            let lines = lines.clone();
            readers.push(std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    lines.lock().unwrap_or_else(|p| p.into_inner()).push(line);
                }
            }));
        }
        Running {
            child,
            lines,
            readers,
        }
    }

    fn text(&self) -> String {
        self.lines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .join("\n")
    }

    async fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) {
        let started = Instant::now();
        while !done(&self.text()) {
            assert!(
                started.elapsed() < PATIENCE,
                "run did not show {what} within {PATIENCE:?}; it printed:\n{}",
                self.text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGTERM, as a service manager stops it; everything it printed.
    fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let started = Instant::now();
        while self.child.try_wait().expect("wait").is_none() {
            if started.elapsed() > PATIENCE {
                let _ = self.child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        self.text()
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn new_ticket(summary: &str) -> NewTicket {
    NewTicket {
        summary: summary.to_owned(),
        details_html: "<p>details</p>".to_owned(),
        team_id: 1,
        agent_id: None,
        priority_id: 2,
        client_id: 1,
        site_id: 1,
        tickettype_id: 1,
        status_id: 1,
        user_name: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session: scripts/desktop-session.sh cargo test -p halo-notifier-cli -- --ignored"]
async fn no_secret_reaches_a_file_or_the_output_of_a_full_debug_run() {
    let client_secret = unique("client-secret");
    let webhook_token = unique("webhook-token");
    let wrong_secret = unique("wrong-secret");
    let sim = halo_sim::start(SimConfig {
        client_secret: client_secret.clone(),
        seed_tickets: 0,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let dirs = Dirs::new();
    let port = free_port();
    let config = dirs.config_file();
    std::fs::create_dir_all(config.parent().expect("folder")).expect("config folder");
    std::fs::write(
        &config,
        format!(
            "[halo]\nurl = \"{}\"\ntenant = \"demo\"\nclient_id = \"demo-client\"\n\n\
             [watch]\nteams = [\"Service Desk\"]\nassigned_to_me = false\npoll_interval = \"10s\"\n\n\
             [webhook]\nenabled = true\nbind = \"127.0.0.1:{port}\"\n",
            sim.base_url()
        ),
    )
    .expect("config written");
    let mut outputs: Vec<(String, String)> = Vec::new();

    // The secrets go in through `login`, into the keyring.
    let login = with_stdin(dirs.command(&["login"]), &format!("{client_secret}\n"));
    assert!(login.status.success(), "{}", printed(&login));
    let login_token = with_stdin(
        dirs.command(&["login", "--webhook-token"]),
        &format!("{webhook_token}\n"),
    );
    assert!(login_token.status.success(), "{}", printed(&login_token));
    outputs.push(("login".into(), printed(&login)));
    outputs.push(("login --webhook-token".into(), printed(&login_token)));

    // A working connection, one with the wrong secret, one missing a permission.
    let connected = dirs.command(&["test-connection"]).output().expect("runs");
    assert!(connected.status.success(), "{}", printed(&connected));
    outputs.push(("test-connection".into(), printed(&connected)));
    let mut wrong = dirs.command(&["test-connection"]);
    wrong.env("HALO_CLIENT_SECRET", &wrong_secret);
    let wrong = wrong.output().expect("runs");
    assert!(!wrong.status.success(), "{}", printed(&wrong));
    outputs.push((
        "test-connection with a wrong secret".into(),
        printed(&wrong),
    ));
    sim.inject(
        Fault::times(
            FaultKind::Forbidden {
                permission: "all:teams".into(),
            },
            1,
        )
        .on_path("/api/Team"),
    );
    let forbidden = dirs.command(&["test-connection"]).output().expect("runs");
    outputs.push(("test-connection with a 403".into(), printed(&forbidden)));
    assert!(
        printed(&forbidden).contains("all:teams"),
        "{}",
        printed(&forbidden)
    );

    // The headless run: polls, takes webhooks (right, wrong, in the URL),
    // meets a 403 and an expired token, and stops on SIGTERM.
    let run = Running::start(dirs.command(&["run", "--no-desktop"]));
    run.wait_for("the webhook listener", |t| {
        t.contains(&format!("127.0.0.1:{port}/webhook"))
    })
    .await;
    let polled = sim.create_ticket(new_ticket("Found by polling"));
    run.wait_for("the polled ticket's notification", |t| {
        t.contains("Found by polling")
    })
    .await;
    let hooked = sim.create_ticket(new_ticket("Pushed by a webhook"));
    let url = format!("http://127.0.0.1:{port}/webhook");
    let shape = WebhookShape::Native {
        event: "New Ticket Logged".into(),
    };
    let bearer = WebhookAuth::Bearer(webhook_token.clone());
    let status = sim
        .fire_webhook(&url, shape.clone(), hooked, bearer)
        .await
        .expect("fired");
    assert_eq!(status, 202);
    let in_path = format!("{url}/{webhook_token}");
    let status = sim
        .fire_webhook(
            &in_path,
            WebhookShape::Signl4,
            polled,
            WebhookAuth::PathToken,
        )
        .await
        .expect("fired");
    assert!(matches!(status, 200 | 202), "{status}");
    let status = sim
        .fire_webhook(
            &url,
            shape,
            hooked,
            WebhookAuth::Bearer(format!("{webhook_token}-wrong")),
        )
        .await
        .expect("fired");
    assert_eq!(status, 401);
    // The token expires and the next call to Halo (the webhook's re-fetch
    // or a poll) meets a 403: a new token is fetched, the error logged.
    sim.expire_tokens();
    sim.inject(
        Fault::times(
            FaultKind::Forbidden {
                permission: "read:tickets".into(),
            },
            1,
        )
        .on_path("/api/Tickets"),
    );
    let after_expiry = sim.create_ticket(new_ticket("After the token expired"));
    let status = sim
        .fire_webhook(
            &url,
            WebhookShape::IlertRecommended,
            after_expiry,
            WebhookAuth::Basic {
                user: "halo".into(),
                password: webhook_token.clone(),
            },
        )
        .await
        .expect("fired");
    assert_eq!(status, 202);
    run.wait_for("a notification after the token expired", |t| {
        t.contains("After the token expired")
    })
    .await;
    outputs.push(("run".into(), run.stop()));
    for args in [
        &["test-alert", "--no-desktop"][..],
        &["list", "--json", "--all"][..],
        &["log", "--json"][..],
    ] {
        let out = dirs.command(args).output().expect("runs");
        assert!(out.status.success(), "{}", printed(&out));
        outputs.push((args.join(" "), printed(&out)));
    }

    // Every access token Halo handed out, from the requests that used one.
    let access_tokens: std::collections::BTreeSet<String> = sim
        .requests()
        .into_iter()
        .filter_map(|r| r.authorization)
        .filter_map(|a| a.strip_prefix("Bearer ").map(str::to_owned))
        .collect();
    assert!(
        access_tokens.len() >= 2,
        "a token before and after the expiry: {access_tokens:?}"
    );
    let mut secrets = vec![
        ("the client secret", client_secret.clone()),
        ("the wrong client secret", wrong_secret.clone()),
        ("the webhook token", webhook_token.clone()),
    ];
    secrets.extend(access_tokens.iter().map(|t| ("an access token", t.clone())));
    let mut leaks = Vec::new();
    for (what, secret) in &secrets {
        for file in files_containing(&dirs.root, secret.as_bytes()) {
            leaks.push(format!("{what} is in {}", file.display()));
        }
        for (command, text) in &outputs {
            if text.contains(secret.as_str()) {
                leaks.push(format!("{what} is in the output of `{command}`"));
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
    // The debug logs did run (a sweep of empty output proves nothing), and
    // the secrets are where they belong.
    let run_output = &outputs.iter().find(|(c, _)| c == "run").expect("run").1;
    assert!(run_output.contains("DEBUG"), "{run_output}");
    let host = sim.base_url().trim_start_matches("http://").to_owned();
    let lookup = |user: &str| {
        let out = Command::new("secret-tool")
            .args(["lookup", "service", "halo-notifier", "username", user])
            .output()
            .expect("secret-tool runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(lookup(&format!("demo-client@{host}")), client_secret);
    assert!(
        dirs.root.join("data/halo-notifier").exists(),
        "the run used the data folder"
    );
}
