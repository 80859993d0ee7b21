//! A compressed-time soak: one simulated week of a realistic ticket stream
//! through the engine core on a real SQLite file, with the clock injected
//! (`now` is a parameter), driven the way the runtime's timer drives it.
//!
//! It checks what a week of uptime would show: memory stays flat, the
//! database stays bounded by the retention setting, and every escalation
//! fires on its policy's schedule (no drift over 30 repeats, none early,
//! none skipped, none twice).
//!
//! `cargo test -p halo-notifier-tests --test soak -- --nocapture` prints the
//! figures; `HALO_SOAK_DAYS=28` runs a longer soak (CI runs the week).

#![allow(unsafe_code)] // the counting allocator below

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use alert_engine::{Effects, Engine, EngineSettings, Me, NotificationKind, TeamRef};
use alert_policy::PolicySet;
use alert_store::{InboundOutcome, Store};
use chrono::{DateTime, TimeZone, Utc};
use ticket_events::{EventSource, TicketEvent, TicketSnapshot};

/// Live heap bytes of this process (the engine's own memory: SQLite's page
/// cache uses libc's allocator and shows in RSS instead).
struct CountingAllocator;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
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

const CLOSED: i32 = 9;
const IN_PROGRESS: i32 = 2;
/// The retention setting under test (`log.retention_days`).
const RETENTION_DAYS: i64 = 2;
/// The runtime's housekeeping runs hourly, so rows may outlive the
/// retention by up to this.
const HOUSEKEEPING_EVERY: chrono::Duration = chrono::Duration::hours(1);
/// How late the driver wakes after a due time (a real timer's wake-up and
/// the turn's own work); a fire later than this, or any drift across
/// repeats, is the engine's.
const WAKE_JITTER_MS: u64 = 2_000;
/// Memory may differ this much between the end of day 1 and the end of the
/// last day: the live heap by 25 % + 1 MiB, RSS by 16 MiB once the
/// database has filled its retention window.
const HEAP_TOLERANCE: f64 = 1.25;
const HEAP_SLACK: usize = 1 << 20;
const RSS_SLACK: u64 = 16 << 20;

fn days() -> i64 {
    std::env::var("HALO_SOAK_DAYS")
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(7)
        .max(4)
}

fn start() -> DateTime<Utc> {
    // A Monday, midnight.
    Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0)
        .single()
        .expect("valid date")
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Create { priority: i32 },
    Update,
    Ack,
    Snooze { minutes: i64 },
    Close,
}

#[derive(Debug, Clone, Copy)]
struct Planned {
    at: DateTime<Utc>,
    ticket: i32,
    action: Action,
}

/// A service desk's week: 120-200 tickets on weekdays, peaking mid-morning
/// and mid-afternoon, 15-35 at weekends; most are acknowledged within
/// half an hour, some snoozed, some left to escalate; nearly all close
/// within two days, each after a few updates.
fn plan(rng: &mut fastrand::Rng, days: i64) -> Vec<Planned> {
    let mut plan = Vec::new();
    let mut next_id = 1000;
    for day in 0..days {
        let midnight = start() + chrono::Duration::days(day);
        let weekend = day % 7 >= 5;
        let count = if weekend {
            rng.u32(15..=35)
        } else {
            rng.u32(120..=200)
        };
        for _ in 0..count {
            let minute = if weekend || rng.u8(0..10) == 0 {
                rng.i64(0..24 * 60)
            } else {
                // Business hours, two peaks.
                let peak = if rng.bool() { 10 * 60 } else { 14 * 60 + 30 };
                (peak + rng.i64(-120..=120)).clamp(8 * 60, 18 * 60)
            };
            let at = midnight
                + chrono::Duration::minutes(minute)
                + chrono::Duration::seconds(rng.i64(0..60));
            next_id += 1;
            let ticket = next_id;
            let priority = match rng.u8(0..100) {
                0..5 => 1,
                5..25 => 2,
                25..75 => 3,
                _ => 4,
            };
            plan.push(Planned {
                at,
                ticket,
                action: Action::Create { priority },
            });
            let mins = |m: i64| at + chrono::Duration::minutes(m);
            // Everything else happens before it closes (a change after
            // closing would reopen it: another alert, not this soak's point).
            let closes = (rng.u8(0..100) < 97).then(|| rng.i64(45..48 * 60));
            let open_for = closes.unwrap_or(48 * 60);
            if let Some(m) = closes {
                plan.push(Planned {
                    at: mins(m),
                    ticket,
                    action: Action::Close,
                });
            }
            for _ in 0..rng.u8(0..=3) {
                plan.push(Planned {
                    at: mins(rng.i64(1..open_for.min(240))),
                    ticket,
                    action: Action::Update,
                });
            }
            match rng.u8(0..100) {
                0..65 => plan.push(Planned {
                    at: mins(rng.i64(1..30)),
                    ticket,
                    action: Action::Ack,
                }),
                65..80 => plan.push(Planned {
                    at: mins(rng.i64(1..20)),
                    ticket,
                    action: Action::Snooze {
                        minutes: rng.i64(15..=25),
                    },
                }),
                _ => {} // left to escalate until it closes
            }
        }
    }
    plan.sort_by_key(|p| p.at);
    plan
}

fn snapshot(id: i32, priority: i32, status: i32, at: DateTime<Utc>) -> TicketSnapshot {
    TicketSnapshot {
        ticket_id: id,
        summary: Some(format!("Ticket {id}: printer offline on floor {}", id % 7)),
        details_text: Some("The printer shows error 49.4C02 after every job.".into()),
        status_id: Some(status),
        status_name: Some(if status == CLOSED { "Closed" } else { "Open" }.into()),
        priority_id: Some(priority),
        priority_name: Some(format!("P{priority}")),
        team_id: Some(3),
        team_name: Some("Service Desk".into()),
        client_name: Some("Acme".into()),
        last_update: Some(at),
        ..TicketSnapshot::default()
    }
}

fn polled(snapshot: TicketSnapshot, at: DateTime<Utc>) -> TicketEvent {
    TicketEvent {
        source: EventSource::Poll,
        received_at: at,
        key: format!("ticket:{}:{}", snapshot.ticket_id, at.timestamp_millis()),
        event_name: None,
        complete: true,
        snapshot,
    }
}

/// One alert as the driver saw it, for the schedule check.
#[derive(Debug, Clone, Copy)]
struct Tracked {
    priority: i32,
    created: DateTime<Utc>,
    /// Acknowledged, resolved or snoozed at: the policy's schedule from
    /// `created` holds until then.
    schedule_ends: Option<DateTime<Utc>>,
    /// Snoozes so far: each restarts the step's repeats from 0.
    snoozes: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Fired {
    alert: i64,
    snoozes: u32,
    step: u32,
    repeat: u32,
}

/// What a day's end looked like.
#[derive(Debug, Clone)]
struct Sample {
    day: i64,
    heap: usize,
    rss: u64,
    db_bytes: u64,
    wal_bytes: u64,
    rows: Vec<(&'static str, i64)>,
}

const TABLES: [&str; 6] = [
    "alerts",
    "alert_timeline",
    "inbound_log",
    "processed_events",
    "known_tickets",
    "outbox",
];

fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn file_bytes(path: &Path, suffix: &str) -> u64 {
    std::fs::metadata(format!("{}{suffix}", path.display())).map_or(0, |m| m.len())
}

fn rows(db: &rusqlite::Connection) -> Vec<(&'static str, i64)> {
    TABLES
        .iter()
        .map(|t| {
            let n = db
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .expect("count");
            (*t, n)
        })
        .collect()
}

struct Soak {
    engine: Engine,
    rng: fastrand::Rng,
    policies: PolicySet,
    alerts: HashMap<i64, Tracked>,
    by_ticket: HashMap<i32, i64>,
    priorities: HashMap<i32, i32>,
    fired: HashSet<Fired>,
    /// Alerts whose first notification went into a flood summary.
    summarised: HashSet<i64>,
    /// Latest repeat or escalation relative to its policy's schedule.
    max_lateness: chrono::Duration,
    /// Latest first notification: one held for a flood summary comes when
    /// the grouping window closes, by design.
    max_first_lateness: chrono::Duration,
    grouping_window: chrono::Duration,
    notifications: usize,
}

impl Soak {
    fn absorb(&mut self, effects: Effects, now: DateTime<Utc>) {
        for n in effects.notifications {
            if n.kind == NotificationKind::Summary {
                for t in &n.ticket_ids {
                    if let Some(alert) = i32::try_from(*t).ok().and_then(|t| self.by_ticket.get(&t))
                    {
                        self.summarised.insert(*alert);
                    }
                }
            }
            if n.kind != NotificationKind::Notification {
                continue;
            }
            let Some(alert) = n.alert_id else { continue };
            self.notifications += 1;
            let tracked = self.alerts[&alert];
            let fired = Fired {
                alert,
                snoozes: tracked.snoozes,
                step: n.step,
                repeat: n.repeat,
            };
            assert!(self.fired.insert(fired), "{fired:?} notified twice");
            if tracked.schedule_ends.is_some_and(|end| end <= now) {
                continue; // snoozed before: its schedule restarted
            }
            let due = self
                .policies
                .policy_for(Some(tracked.priority))
                .fire_points(tracked.created)
                .find(|p| p.step == n.step as usize && p.repeat == n.repeat)
                .unwrap_or_else(|| panic!("{fired:?} is not in its policy"))
                .at;
            let late = now - due;
            assert!(late >= chrono::Duration::zero(), "{fired:?} fired early");
            if n.step == 0 && n.repeat == 0 {
                self.max_first_lateness = self.max_first_lateness.max(late);
            } else {
                self.max_lateness = self.max_lateness.max(late);
            }
        }
    }

    fn act(&mut self, p: Planned, now: DateTime<Utc>) {
        let alert = self.by_ticket.get(&p.ticket).copied();
        match p.action {
            Action::Create { priority } => {
                self.priorities.insert(p.ticket, priority);
                let event = polled(snapshot(p.ticket, priority, 1, now), now);
                let (applied, effects) = self.engine.ingest(&event, now).expect("ingest");
                assert_eq!(applied.outcome, InboundOutcome::Created, "{p:?}");
                let id = applied.alert_id.expect("an alert").0;
                self.by_ticket.insert(p.ticket, id);
                self.alerts.insert(
                    id,
                    Tracked {
                        priority,
                        created: now,
                        schedule_ends: None,
                        snoozes: 0,
                    },
                );
                self.absorb(effects, now);
            }
            Action::Update | Action::Close => {
                let status = if matches!(p.action, Action::Close) {
                    CLOSED
                } else {
                    IN_PROGRESS
                };
                let priority = self.priorities[&p.ticket];
                let event = polled(snapshot(p.ticket, priority, status, now), now);
                let (_, effects) = self.engine.ingest(&event, now).expect("ingest");
                if status == CLOSED {
                    self.end_schedule(alert, now);
                }
                self.absorb(effects, now);
            }
            Action::Ack => {
                if let Ok((_, effects)) = self.engine.acknowledge(p.ticket.into(), "Alex", now) {
                    self.end_schedule(alert, now);
                    self.absorb(effects, now);
                }
            }
            Action::Snooze { minutes } => {
                let until = now + chrono::Duration::minutes(minutes);
                if let Ok((_, effects)) = self.engine.snooze(p.ticket.into(), until, now) {
                    self.end_schedule(alert, now);
                    if let Some(t) = alert.and_then(|a| self.alerts.get_mut(&a)) {
                        t.snoozes += 1;
                    }
                    self.absorb(effects, now);
                }
            }
        }
    }

    fn end_schedule(&mut self, alert: Option<i64>, now: DateTime<Utc>) {
        if let Some(t) = alert.and_then(|a| self.alerts.get_mut(&a)) {
            t.schedule_ends.get_or_insert(now);
        }
    }

    /// Every fire point of every alert before its schedule ended (less the
    /// wake-up jitter) notified; a first one may have gone into a summary.
    fn assert_none_skipped(&self, end: DateTime<Utc>) -> usize {
        let jitter = chrono::Duration::milliseconds(WAKE_JITTER_MS as i64);
        let mut expected = 0;
        for (id, t) in &self.alerts {
            let until = t.schedule_ends.unwrap_or(end) - jitter;
            for p in self
                .policies
                .policy_for(Some(t.priority))
                .fire_points(t.created)
                .take_while(|p| p.at < until)
            {
                let f = Fired {
                    alert: *id,
                    snoozes: 0,
                    step: p.step as u32,
                    repeat: p.repeat,
                };
                // A first notification held for a summary is shown in it, or
                // not at all when the alert was answered while held.
                let held = self.summarised.contains(id)
                    || t.schedule_ends
                        .is_some_and(|e| e <= t.created + self.grouping_window + jitter);
                let first = p.step == 0 && p.repeat == 0;
                assert!(
                    self.fired.contains(&f) || (first && held),
                    "{f:?} due at {} never notified",
                    p.at
                );
                expected += 1;
            }
        }
        expected
    }
}

#[test]
fn a_simulated_week_keeps_memory_flat_the_database_bounded_and_timers_on_schedule() {
    let days = days();
    let seed = std::env::var("HALO_SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_123);
    println!("soak: {days} simulated days, seed {seed} (HALO_SOAK_SEED)");
    let mut rng = fastrand::Rng::with_seed(seed);
    let plan = plan(&mut rng, days);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("alerts.db");
    let settings = EngineSettings {
        instance: "https://acme.halopsa.com".into(),
        teams: vec![TeamRef::Name("Service Desk".into())],
        inbound_retention: Duration::from_secs(RETENTION_DAYS as u64 * 86_400),
        ..EngineSettings::default()
    };
    let policies = settings.policies.clone();
    let grouping_window = chrono::Duration::from_std(
        settings
            .grouping
            .expect("grouping is on, as by default")
            .window
            .as_std(),
    )
    .expect("a short window");
    let mut engine = Engine::new(Store::open(&path).expect("store"), settings).expect("engine");
    engine.set_me(Some(Me {
        agent_id: 7,
        name: "Alex Tech".into(),
    }));
    engine.set_closed_statuses([CLOSED]);
    let reader = rusqlite::Connection::open(&path).expect("second connection");
    // Bookkeeping sized up front, so the test's own memory does not grow
    // while the engine's is measured.
    let tickets = plan
        .iter()
        .filter(|p| matches!(p.action, Action::Create { .. }))
        .count();
    let mut soak = Soak {
        engine,
        rng,
        policies,
        alerts: HashMap::with_capacity(tickets * 2),
        by_ticket: HashMap::with_capacity(tickets * 2),
        priorities: HashMap::with_capacity(tickets * 2),
        fired: HashSet::with_capacity(tickets * 40),
        summarised: HashSet::with_capacity(tickets * 2),
        max_lateness: chrono::Duration::zero(),
        max_first_lateness: chrono::Duration::zero(),
        grouping_window,
        notifications: 0,
    };
    let capacities = (soak.alerts.capacity(), soak.fired.capacity());
    let mut samples: Vec<Sample> = Vec::with_capacity(days as usize + 1);

    let started = Instant::now();
    let end = start() + chrono::Duration::days(days);
    let mut next = 0;
    let mut next_housekeeping = start() + HOUSEKEEPING_EVERY;
    let mut next_sample = start() + chrono::Duration::days(1);
    let mut now = start();
    let mut turns = 0u64;
    while samples.len() < days as usize {
        let jitter = chrono::Duration::milliseconds(soak.rng.u64(0..=WAKE_JITTER_MS) as i64);
        let timer = soak
            .engine
            .next_wake()
            .expect("next wake")
            .map(|d| d + jitter);
        let event = plan.get(next).map(|p| p.at);
        let wake = [timer, event, Some(next_housekeeping), Some(next_sample)]
            .into_iter()
            .flatten()
            .min()
            .expect("the sample is always there");
        now = now.max(wake);
        if event == Some(wake) {
            soak.act(plan[next], now);
            next += 1;
        } else if timer == Some(wake) {
            let effects = soak.engine.fire_due(now).expect("fire_due");
            soak.absorb(effects, now);
            turns += 1;
        } else if wake == next_housekeeping {
            soak.engine.housekeeping(now).expect("housekeeping");
            next_housekeeping = now + HOUSEKEEPING_EVERY;
        } else {
            samples.push(Sample {
                day: (now - start()).num_days(),
                heap: LIVE.load(Ordering::Relaxed),
                rss: rss_bytes(),
                db_bytes: file_bytes(&path, ""),
                wal_bytes: file_bytes(&path, "-wal"),
                rows: rows(&reader),
            });
            next_sample = now + chrono::Duration::days(1);
        }
    }
    let elapsed = started.elapsed();

    println!(
        "{} tickets, {} planned events, {} notifications, {turns} timer turns in {elapsed:.1?}",
        tickets,
        plan.len(),
        soak.notifications
    );
    println!(
        "| day | live heap | RSS | database | WAL | {} |",
        TABLES.join(" | ")
    );
    println!("|---|---|---|---|---|{}", "---|".repeat(TABLES.len()));
    for s in &samples {
        let counts: Vec<String> = s.rows.iter().map(|(_, n)| n.to_string()).collect();
        println!(
            "| {} | {:.2} MiB | {:.1} MiB | {:.2} MiB | {:.2} MiB | {} |",
            s.day,
            s.heap as f64 / 1048576.0,
            s.rss as f64 / 1048576.0,
            s.db_bytes as f64 / 1048576.0,
            s.wal_bytes as f64 / 1048576.0,
            counts.join(" | ")
        );
    }
    println!(
        "max timer lateness {} ms for repeats and escalations, {} ms for first notifications \
         (driver wake-up jitter up to {WAKE_JITTER_MS} ms; grouping window {} s)",
        soak.max_lateness.num_milliseconds(),
        soak.max_first_lateness.num_milliseconds(),
        soak.grouping_window.num_seconds()
    );

    // Timers: on schedule, none skipped, none twice (checked as they fired).
    let due = soak.assert_none_skipped(end);
    assert!(due > 1000, "the stream escalated too little to test: {due}");
    assert!(
        soak.max_lateness <= chrono::Duration::milliseconds(WAKE_JITTER_MS as i64),
        "a repeat came {} ms after its due time",
        soak.max_lateness.num_milliseconds()
    );
    assert!(
        soak.max_first_lateness
            <= soak.grouping_window + chrono::Duration::milliseconds(WAKE_JITTER_MS as i64),
        "a first notification came {} ms after the ticket",
        soak.max_first_lateness.num_milliseconds()
    );

    // The database: nothing older than the retention (plus one
    // housekeeping interval) is left.
    let cutoff =
        (end - chrono::Duration::days(RETENTION_DAYS) - HOUSEKEEPING_EVERY * 2).timestamp_millis();
    for (what, sql) in [
        (
            "inbound log entries",
            "SELECT count(*) FROM inbound_log WHERE received_at < ?1",
        ),
        (
            "resolved alerts",
            "SELECT count(*) FROM alerts WHERE state = 'resolved' AND resolved_at < ?1",
        ),
        (
            "processed event keys",
            "SELECT count(*) FROM processed_events WHERE at < ?1",
        ),
    ] {
        let old: i64 = reader
            .query_row(sql, [cutoff], |r| r.get(0))
            .expect("query");
        assert_eq!(old, 0, "{what} older than the retention are kept");
    }
    let day = |d: i64| &samples[d as usize - 1];
    let filled = day(RETENTION_DAYS + 1);
    let last = day(days);
    let count = |s: &Sample, table: &str| {
        s.rows
            .iter()
            .find(|(t, _)| *t == table)
            .map_or(0, |(_, n)| *n)
    };
    // Tables under the retention setting hold no more at the end than in
    // the busiest days of the first window (1.5x for a busier week).
    for table in ["alerts", "alert_timeline", "inbound_log", "outbox"] {
        let early = samples[..=RETENTION_DAYS as usize]
            .iter()
            .map(|s| count(s, table))
            .max()
            .unwrap_or(0);
        assert!(
            count(last, table) <= early * 3 / 2,
            "{table} grew from {early} to {} rows",
            count(last, table)
        );
    }
    // known_tickets is kept for 90 days whatever the setting (forgetting an
    // open ticket early would turn its next update into a "new ticket"
    // alert), so the file may grow by its rows: ~1 KiB each allowed.
    let known_growth = (count(last, "known_tickets") - count(filled, "known_tickets")).max(0);
    let allowed = filled.db_bytes * 3 / 2 + known_growth as u64 * 1024;
    assert!(
        last.db_bytes <= allowed,
        "the database grew from {} to {} bytes after the retention window filled \
         ({known_growth} more known tickets allow {allowed})",
        filled.db_bytes,
        last.db_bytes
    );
    let wal_limit = 16 << 20;
    assert!(
        samples.iter().all(|s| s.wal_bytes <= wal_limit),
        "the WAL outgrew its 16 MiB journal_size_limit"
    );

    // Memory: flat from day 1 (heap) or from the day the retention window
    // filled (RSS, which holds SQLite's page cache).
    let first = day(1);
    assert!(
        last.heap as f64 <= first.heap as f64 * HEAP_TOLERANCE + HEAP_SLACK as f64,
        "live heap grew from {} to {} bytes",
        first.heap,
        last.heap
    );
    assert!(
        last.rss <= filled.rss + RSS_SLACK,
        "RSS grew from {} to {} bytes",
        filled.rss,
        last.rss
    );
    assert_eq!(
        (soak.alerts.capacity(), soak.fired.capacity()),
        capacities,
        "the test's own bookkeeping grew, so the heap figures include it"
    );
}
