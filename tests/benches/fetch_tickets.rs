//! Fetches and parses 10,000 tickets from the simulator through Halo's
//! pagination, and reports time and peak memory of the client.
//!
//! The simulator runs in a child process (this same binary, re-executed), so
//! the memory figures are the client's alone. Run with
//! `cargo bench -p halo-notifier-tests --bench fetch_tickets`.

#![allow(unsafe_code)] // the counting allocator below

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use halo_api::TicketQuery;
use halo_sim::SimConfig;

const TICKETS: usize = 10_000;
const ROUNDS: usize = 5;
/// `cargo test --all-targets` runs this binary without `--bench`: a quick
/// smoke run then, the full measurement only under `cargo bench`.
fn full_run() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}
const CHILD_FLAG: &str = "HALO_BENCH_SIMULATOR";

/// Counts live heap bytes to find the peak during a fetch.
struct CountingAllocator;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(pointer, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if std::env::var_os(CHILD_FLAG).is_some() {
        runtime.block_on(serve());
    } else {
        runtime.block_on(measure());
    }
}

async fn serve() {
    let sim = halo_sim::start(SimConfig {
        seed_tickets: 0,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    sim.seed_bulk(if std::env::var_os("HALO_BENCH_SMOKE").is_some() {
        1000
    } else {
        TICKETS
    });
    println!("{}", sim.base_url());
    // Serve until the parent closes our stdin.
    let mut line = String::new();
    let _ = tokio::task::spawn_blocking(move || std::io::stdin().read_line(&mut line)).await;
}

async fn measure() {
    let exe = std::env::current_exe().expect("own path");
    let (tickets, rounds) = if full_run() {
        (TICKETS, ROUNDS)
    } else {
        (1000, 1)
    };
    let mut child = Command::new(exe);
    if !full_run() {
        child.env("HALO_BENCH_SMOKE", "1");
    }
    let mut child = child
        .env(CHILD_FLAG, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("simulator child starts");
    let mut url = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut url)
        .expect("child prints its URL");
    let client = halo_notifier_tests::client_for(url.trim());
    client.statuses().await.expect("warm up the token");

    let mut times = Vec::new();
    let mut peaks = Vec::new();
    for _ in 0..rounds {
        let baseline = LIVE.load(Ordering::Relaxed);
        PEAK.store(baseline, Ordering::Relaxed);
        let started = Instant::now();
        let list = client
            .list_tickets(&TicketQuery::default())
            .await
            .expect("fetch");
        times.push(started.elapsed());
        peaks.push(PEAK.load(Ordering::Relaxed) - baseline);
        assert_eq!(list.tickets.len(), tickets);
        assert_eq!(list.pages as usize, tickets / 100);
        drop(list);
    }
    drop(child.stdin.take());
    let _ = child.wait();

    times.sort();
    peaks.sort();
    let median: Duration = times[rounds / 2];
    let per_ticket = median.as_secs_f64() * 1e6 / tickets as f64;
    println!(
        "fetch_tickets: {tickets} tickets, {} pages of 100, {rounds} rounds over loopback HTTP",
        tickets / 100
    );
    println!(
        "  time   median {:.1} ms  (min {:.1} ms, max {:.1} ms), {per_ticket:.1} µs per ticket",
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[rounds - 1].as_secs_f64() * 1e3
    );
    println!(
        "  memory peak heap during a fetch: median {:.1} MiB (max {:.1} MiB)",
        peaks[rounds / 2] as f64 / 1048576.0,
        peaks[rounds - 1] as f64 / 1048576.0
    );
    println!(
        "  process peak RSS (VmHWM): {}",
        vm_hwm().unwrap_or_else(|| "unavailable".to_owned())
    );
}

fn vm_hwm() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .map(|l| l["VmHWM:".len()..].trim().to_owned())
}
