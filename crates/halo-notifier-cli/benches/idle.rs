//! The headless binary at rest: RSS and CPU of `halo-notifier-cli run`
//! over 60 s with 500 open alerts, polling the simulator every 30 s.
//!
//! `cargo bench -p halo-notifier-cli --bench idle` (a 3 s smoke run under
//! `cargo test`). The simulator runs in this process, so its CPU is not
//! counted.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use halo_sim::{NewTicket, SimConfig};

const BIN: &str = env!("CARGO_BIN_EXE_halo-notifier-cli");
const ALERTS: usize = 500;

fn proc_field(pid: u32, file: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()?;
    text.lines()
        .find(|l| l.starts_with(key))
        .map(|l| l[key.len()..].trim().to_owned())
}

/// utime + stime in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Reads the child's log in the background, so a chatty child never blocks
/// on a full pipe; joined, it gives what the child said before it ended.
fn collect(stderr: std::process::ChildStderr) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut log = String::new();
        let _ = std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut log);
        log
    })
}

fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

fn main() {
    let window = if std::env::args().any(|a| a == "--bench") {
        Duration::from_secs(60)
    } else {
        Duration::from_secs(3)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let sim = runtime
        .block_on(halo_sim::start(SimConfig {
            seed_tickets: 0,
            ..SimConfig::default()
        }))
        .expect("simulator");
    for i in 0..ALERTS {
        sim.create_ticket(NewTicket {
            summary: format!("Idle bench ticket {i}"),
            details_html: String::new(),
            team_id: 1,
            agent_id: None,
            priority_id: 4,
            client_id: 1,
            site_id: 1,
            tickettype_id: 1,
            status_id: 1,
            user_name: None,
        });
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[halo]\nurl = \"{}\"\ntenant = \"demo\"\nclient_id = \"demo-client\"\n\n[watch]\nteams = [1]\npoll_interval = \"30s\"\n",
            sim.base_url()
        ),
    )
    .expect("config");
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["run", "--no-desktop"])
        .env("HALO_CLIENT_SECRET", "demo-secret")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let pid = child.id();
    let log = collect(child.stderr.take().expect("stderr"));
    // Drained from the start: a child blocked on a full stdout pipe would
    // stop raising alerts.
    let stdout = child.stdout.take().expect("stdout");
    std::thread::spawn(move || for _ in BufReader::new(stdout).lines() {});
    // Ready when the first sync has raised every alert.
    let started = Instant::now();
    let db = dir.path().join("alerts.sqlite");
    loop {
        let open = alert_store::Store::open(&db)
            .ok()
            .and_then(|s| s.count_open().ok())
            .unwrap_or(0);
        if open as usize >= ALERTS {
            break;
        }
        if let Some(status) = child.try_wait().expect("wait") {
            let log = log.join().unwrap_or_default();
            panic!("the binary stopped ({status}) before raising the alerts:\n{log}");
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            let log = log.join().unwrap_or_default();
            panic!("only {open} of {ALERTS} alerts after 60 s:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(1));
    let before = cpu_ticks(pid).expect("stat");
    let t0 = Instant::now();
    std::thread::sleep(window);
    let after = cpu_ticks(pid).expect("stat");
    let elapsed = t0.elapsed().as_secs_f64();
    let cpu_seconds = (after - before) as f64 / clock_ticks_per_second() as f64;
    let rss = proc_field(pid, "status", "VmRSS:").unwrap_or_default();
    let hwm = proc_field(pid, "status", "VmHWM:").unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    println!(
        "idle with {ALERTS} open alerts over {elapsed:.0} s: CPU {cpu_seconds:.2} s ({:.2}% of one core), RSS {rss} (peak {hwm})",
        cpu_seconds / elapsed * 100.0
    );
}
