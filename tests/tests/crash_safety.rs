//! Crash safety of the real binary: `halo-notifier-cli run` against the
//! simulator over real HTTP, killed with SIGKILL at seeded random moments
//! while 1,000 ticket events arrive as webhooks, and started again each
//! time.
//!
//! The test is Halo's webhook sender: a delivery that got no 2xx (refused
//! connection, reset, 5xx) is redelivered, byte for byte, until one does.
//! At the end:
//! * every delivery answered 2xx is in the inbound log (0 events lost);
//! * every open ticket has an open alert, every closed one none (0 alerts
//!   forgotten);
//! * alerts raised before the last kill notify again after the restart
//!   (escalations resume);
//! * no (alert, step, repeat) is notified twice and none before its due
//!   time, across every run. The engine records a notification in the same
//!   transaction that advances the escalation and shows it after the
//!   commit, so a kill between the two loses that one notification (the
//!   next repeat follows) rather than repeating it: the test allows no
//!   repeat at all;
//! * `PRAGMA integrity_check` is "ok" after every kill.
//!
//! `HALO_CRASH_SEED` replays a run; `HALO_CRASH_EVENTS` / `HALO_CRASH_KILLS`
//! make a longer one, e.g. `HALO_CRASH_EVENTS=5000 HALO_CRASH_KILLS=100
//! cargo test -p halo-notifier-tests --test crash_safety -- --nocapture`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use halo_sim::{NewTicket, SimConfig, TemplateRendering, WebhookShape};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const TOKEN: &str = "crash-test-webhook-token-0123456789";
/// The policy under test: at once, then every 2 s (nearly for ever).
const REPEAT_SECS: i64 = 2;
const MAX_REPEATS: u32 = 10_000;
/// How long one start may take before the test fails.
const START_PATIENCE: Duration = Duration::from_secs(60);

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The CLI binary next to this test's own directory (`target/<profile>`),
/// built first so a stale one is never tested.
fn cli_binary() -> PathBuf {
    let mut cargo = std::process::Command::new(env!("CARGO"));
    // What cargo set for this test's own package would make the nested
    // build see a changed environment and rebuild the binary every time.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if [
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_CRATE_",
            "CARGO_BIN_",
        ]
        .iter()
        .any(|p| key.starts_with(p))
            || ["CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR", "OUT_DIR"].contains(&&*key)
        {
            cargo.env_remove(&*key);
        }
    }
    let status = cargo
        .args(["build", "--quiet", "-p", "halo-notifier-cli", "--bin"])
        .arg("halo-notifier-cli")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building halo-notifier-cli failed");
    let exe = std::env::current_exe().expect("own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    let bin = profile_dir.join("halo-notifier-cli");
    assert!(bin.exists(), "{} is missing", bin.display());
    bin
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn write_config(dir: &Path, sim_url: &str, port: u16) -> PathBuf {
    let path = dir.join("config.toml");
    let policy = format!(
        "[escalation]\ndefault = \"crash\"\n\n[escalation.by_priority]\n1 = \"crash\"\n2 = \"crash\"\n3 = \"crash\"\n4 = \"crash\"\n\n\
         [escalation.policies.crash]\n[[escalation.policies.crash.steps]]\nurgency = \"normal\"\n\
         repeat_every = \"{REPEAT_SECS}s\"\nmax_repeats = {MAX_REPEATS}\n"
    );
    std::fs::write(
        &path,
        format!(
            "[halo]\nurl = \"{sim_url}\"\ntenant = \"demo\"\nclient_id = \"demo-client\"\n\n\
             [watch]\nteams = [\"Service Desk\"]\npoll_interval = \"10s\"\n\n\
             [webhook]\nenabled = true\nbind = \"127.0.0.1:{port}\"\n\n\
             [grouping]\nenabled = false\n\n{policy}"
        ),
    )
    .expect("config written");
    path
}

/// One JSON line the binary printed, with the run that printed it.
#[derive(Debug, Clone)]
struct Line {
    run: usize,
    value: serde_json::Value,
}

/// The running binary and what it printed.
struct Engine {
    bin: PathBuf,
    config: PathBuf,
    data: PathBuf,
    child: Option<Child>,
    runs: usize,
    lines: Arc<Mutex<Vec<Line>>>,
    stderr_tail: Arc<Mutex<Vec<String>>>,
}

impl Engine {
    /// Starts the binary and waits until it receives webhooks (the data
    /// folder's lock taken, the store open, the listener bound).
    async fn start(&mut self) {
        let run = self.runs;
        self.runs += 1;
        let mut child = Command::new(&self.bin)
            .arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(&self.data)
            .args(["run", "--no-desktop"])
            .env("HALO_CLIENT_SECRET", "demo-secret")
            .env("HALO_WEBHOOK_TOKEN", TOKEN)
            .env_remove("HALO_URL")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let lines = self.lines.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if let Ok(value) = serde_json::from_str(&line) {
                    lines
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(Line { run, value });
                }
            }
        });
        let stderr = child.stderr.take().expect("stderr");
        let tail = self.stderr_tail.clone();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let mut ready = Some(ready_tx);
            let mut reader = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if line.contains("Receiving webhooks on")
                    && let Some(tx) = ready.take()
                {
                    let _ = tx.send(());
                }
                let mut tail = tail.lock().unwrap_or_else(|p| p.into_inner());
                tail.push(format!("run {run}: {line}"));
                let excess = tail.len().saturating_sub(40);
                tail.drain(..excess);
            }
        });
        self.child = Some(child);
        if tokio::time::timeout(START_PATIENCE, ready_rx)
            .await
            .ok()
            .and_then(Result::ok)
            .is_none()
        {
            panic!(
                "run {run} did not start within {START_PATIENCE:?}:\n{}",
                self.stderr_tail().join("\n")
            );
        }
    }

    /// SIGKILL, and wait for the process to be gone.
    async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.start_kill().expect("SIGKILL sent");
            let status = child.wait().await.expect("reaped");
            assert!(!status.success(), "killed, not exited: {status:?}");
        }
    }

    fn stderr_tail(&self) -> Vec<String> {
        self.stderr_tail
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn lines(&self) -> Vec<Line> {
        self.lines.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).expect("database opens");
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check runs")
}

/// What Halo does with a webhook: POST until a 2xx answers.
async fn deliver(http: &reqwest::Client, url: &str, body: &str, attempts: &AtomicUsize) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        attempts.fetch_add(1, Ordering::Relaxed);
        let sent = http
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await;
        if sent.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "a delivery got no 2xx for two minutes"
        );
        // Halo's redelivery waits too; the engine may be restarting.
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn new_ticket(n: usize) -> NewTicket {
    NewTicket {
        summary: format!("Crash test ticket {n}"),
        details_html: "<p>Printer offline</p>".into(),
        team_id: 1,
        agent_id: None,
        priority_id: 1 + (n % 4) as i32,
        client_id: 1,
        site_id: 1,
        tickettype_id: 1,
        status_id: 1,
        user_name: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_loses_no_event_forgets_no_alert_and_repeats_no_notification() {
    let events = env_or("HALO_CRASH_EVENTS", 1000) as usize;
    let kills = env_or("HALO_CRASH_KILLS", 24) as usize;
    let seed = env_or(
        "HALO_CRASH_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_secs()),
    );
    println!(
        "crash safety: {events} events, {kills} kills, seed {seed} (HALO_CRASH_SEED={seed} replays the plan)"
    );
    let started = Instant::now();
    let mut rng = fastrand::Rng::with_seed(seed);

    let sim = halo_sim::start(SimConfig {
        seed_tickets: 0,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let data = dir.path().join("data");
    let mut engine = Engine {
        bin: tokio::task::spawn_blocking(cli_binary)
            .await
            .expect("built"),
        config: write_config(dir.path(), &sim.base_url(), port),
        data: data.clone(),
        child: None,
        runs: 0,
        lines: Arc::default(),
        stderr_tail: Arc::default(),
    };
    println!("built and started in {:.1?}", started.elapsed());
    engine.start().await;
    let db = data.join("alerts.sqlite");
    let webhook = format!("http://127.0.0.1:{port}/webhook/{TOKEN}");

    // The killer: after a random 30-700 ms of each run, SIGKILL and start
    // again, checking the database in between. The sender is paced so the
    // kills spread over the whole stream.
    let kills_done = Arc::new(AtomicUsize::new(0));
    let delays: Vec<u64> = (0..kills).map(|_| rng.u64(30..=700)).collect();
    let killer = {
        let kills_done = kills_done.clone();
        let db = db.clone();
        tokio::spawn(async move {
            for delay in delays {
                tokio::time::sleep(Duration::from_millis(delay)).await;
                engine.kill().await;
                let check = tokio::task::spawn_blocking({
                    let db = db.clone();
                    move || {
                        if db.exists() {
                            integrity(&db)
                        } else {
                            "ok".to_owned()
                        }
                    }
                })
                .await
                .expect("checked");
                assert_eq!(check, "ok", "integrity_check after kill");
                kills_done.fetch_add(1, Ordering::SeqCst);
                engine.start().await;
            }
            engine
        })
    };

    // The sender: creates, updates and closes tickets in the simulator and
    // delivers Halo's native webhook for each.
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let attempts = AtomicUsize::new(0);
    let mut accepted: Vec<(i32, String)> = Vec::with_capacity(events);
    let mut open: Vec<i32> = Vec::new();
    let mut closed: HashSet<i32> = HashSet::new();
    let mut created = 0;
    for n in 0..events {
        // Pacing: event n waits for its share of the kills.
        let share = n * kills / events;
        let deadline = Instant::now() + START_PATIENCE;
        while kills_done.load(Ordering::SeqCst) < share {
            assert!(Instant::now() < deadline, "the killer stalled");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let roll = rng.u8(0..100);
        let (id, event) = if open.len() < 5 || roll < 40 {
            created += 1;
            let id = sim.create_ticket(new_ticket(created));
            open.push(id);
            (id, "New Ticket Logged")
        } else if roll < 75 {
            let id = open[rng.usize(0..open.len())];
            sim.add_customer_reply(id, &format!("Still broken ({n})"))
                .expect("reply");
            (id, "Ticket Updated")
        } else {
            let id = open.swap_remove(rng.usize(0..open.len()));
            sim.close(id, "Fixed").expect("closed");
            closed.insert(id);
            (id, "Ticket Status Changed")
        };
        let body = sim
            .webhook_body(
                &WebhookShape::Native {
                    event: event.into(),
                },
                id,
                TemplateRendering::Json,
            )
            .expect("body");
        deliver(&http, &webhook, &body, &attempts).await;
        let value: serde_json::Value = serde_json::from_str(&body).expect("JSON body");
        let key = format!("native:{}", value["id"].as_str().expect("delivery id"));
        accepted.push((id, key));
    }
    let mut engine = killer.await.expect("killer finished");
    let last_start = Instant::now();
    let final_run = engine.runs - 1;
    println!(
        "sent {events} events ({} deliveries) across {} runs; {} tickets, {} open",
        attempts.load(Ordering::Relaxed),
        engine.runs,
        created,
        open.len()
    );

    // Escalations resume: every open ticket alerted before the final start
    // notifies again in the final run (its repeats come every 2 s).
    let alerted_before: HashSet<i64> = engine
        .lines()
        .iter()
        .filter(|l| l.run < final_run && l.value["type"] == "notification")
        .filter_map(|l| l.value["ticket_id"].as_i64())
        .collect();
    let waiting: HashSet<i64> = open
        .iter()
        .map(|id| i64::from(*id))
        .filter(|id| alerted_before.contains(id))
        .collect();
    assert!(
        !waiting.is_empty(),
        "no open ticket had notified before the last restart"
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let resumed: HashSet<i64> = engine
            .lines()
            .iter()
            .filter(|l| l.run == final_run && l.value["type"] == "notification")
            .filter(|l| l.value["repeat"].as_u64().is_some_and(|r| r > 0))
            .filter_map(|l| l.value["ticket_id"].as_i64())
            .collect();
        let missing: Vec<_> = waiting.difference(&resumed).collect();
        if missing.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after the restart these open tickets never notified again: {missing:?}\n{}",
            engine.stderr_tail().join("\n")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "{} alerts raised before the last kill notified again within {:.1?} of the restart",
        waiting.len(),
        last_start.elapsed()
    );
    engine.kill().await;
    let end = chrono::Utc::now();

    // The database after the last kill.
    let conn = rusqlite::Connection::open(&db).expect("database opens");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok");

    // 0 events lost: every delivery answered 2xx was recorded.
    let logged: HashSet<String> = conn
        .prepare("SELECT event_key FROM inbound_log WHERE event_key IS NOT NULL AND outcome <> 'rejected'")
        .and_then(|mut s| {
            s.query_map([], |r| r.get(0))?
                .collect::<Result<HashSet<String>, _>>()
        })
        .expect("inbound log");
    let lost: Vec<_> = accepted
        .iter()
        .filter(|(_, key)| !logged.contains(key))
        .collect();
    assert!(
        lost.is_empty(),
        "{} accepted deliveries are not in the inbound log: {:?}",
        lost.len(),
        &lost[..lost.len().min(10)]
    );

    // 0 alerts forgotten: open tickets have an open alert, closed ones none.
    let mut alerts: HashMap<i64, (i64, i64, Option<i64>, String)> = HashMap::new();
    let mut by_ticket: HashMap<i64, Vec<String>> = HashMap::new();
    {
        let mut stmt = conn
            .prepare("SELECT id, ticket_id, created_at, resolved_at, state FROM alerts")
            .expect("alerts");
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .expect("query");
        for row in rows {
            let (id, ticket, created_at, resolved_at, state) = row.expect("row");
            by_ticket.entry(ticket).or_default().push(state.clone());
            alerts.insert(id, (ticket, created_at, resolved_at, state));
        }
    }
    // Nothing reopens a ticket here, so a second alert is a false reopen
    // (an old version applied over a newer one).
    let reopened: Vec<_> = by_ticket.iter().filter(|(_, s)| s.len() > 1).collect();
    if let Some((ticket, _)) = reopened.first() {
        let log: Vec<String> = conn
            .prepare(
                "SELECT received_at || ' ' || source || ' ' || coalesce(event_key, '') || ' ' \
                 || outcome || ' ' || reason FROM inbound_log WHERE ticket_id = ?1 ORDER BY id",
            )
            .and_then(|mut s| {
                s.query_map([ticket], |r| r.get(0))?
                    .collect::<Result<Vec<String>, _>>()
            })
            .expect("inbound log");
        panic!(
            "{} tickets were alerted twice: {:?}; the log of ticket {ticket}:\n{}",
            reopened.len(),
            &reopened[..reopened.len().min(5)],
            log.join("\n")
        );
    }
    for id in &open {
        let states = by_ticket.get(&i64::from(*id)).cloned().unwrap_or_default();
        assert!(
            states.iter().any(|s| s == "triggered"),
            "open ticket {id} has no open alert: {states:?}"
        );
    }
    for id in &closed {
        let states = by_ticket.get(&i64::from(*id)).cloned().unwrap_or_default();
        assert!(
            states.iter().all(|s| s == "resolved"),
            "closed ticket {id} still has an open alert: {states:?}"
        );
    }

    // No notification beyond the policy: each (alert, repeat) at most once,
    // none before its due time, so no alert exceeds its fire points.
    let mut seen: HashMap<(i64, u64), usize> = HashMap::new();
    let mut per_alert: HashMap<i64, u64> = HashMap::new();
    let lines = engine.lines();
    for l in lines.iter().filter(|l| l.value["type"] == "notification") {
        let alert = l.value["alert_id"].as_i64().expect("alert id");
        let repeat = l.value["repeat"].as_u64().expect("repeat");
        assert_eq!(l.value["step"], 0, "the policy has one step: {}", l.value);
        let runs = seen.entry((alert, repeat)).or_default();
        *runs += 1;
        assert_eq!(
            *runs, 1,
            "alert {alert} repeat {repeat} notified twice (again in run {})",
            l.run
        );
        *per_alert.entry(alert).or_default() += 1;
        let (_, created_at, _, _) = alerts
            .get(&alert)
            .unwrap_or_else(|| panic!("a notification for unknown alert {alert}"));
        let due = created_at + repeat as i64 * REPEAT_SECS * 1000;
        let at = chrono::DateTime::parse_from_rfc3339(l.value["at"].as_str().expect("at"))
            .expect("a time")
            .timestamp_millis();
        assert!(
            at >= due,
            "alert {alert} repeat {repeat} came {} ms early",
            due - at
        );
    }
    for (alert, count) in &per_alert {
        let (_, created_at, resolved_at, _) = alerts[alert];
        let until = resolved_at.unwrap_or(end.timestamp_millis());
        let allowed = (until - created_at) / (REPEAT_SECS * 1000) + 1;
        assert!(
            *count as i64 <= allowed,
            "alert {alert} notified {count} times where its policy allows {allowed}"
        );
    }
    let shown = per_alert.values().sum::<u64>();
    println!(
        "{shown} notifications for {} alerts, none repeated; {} runs; integrity ok; {:.1?} in all",
        per_alert.len(),
        engine.runs,
        started.elapsed()
    );
    assert!(kills_done.load(Ordering::SeqCst) >= kills);
}
