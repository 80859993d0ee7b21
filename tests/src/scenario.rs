//! The fault matrix's scripted scenario: over 200 tickets logged, updated,
//! reassigned and closed in Halo while the app runs, in three phases: calm,
//! a fault that lasts until cleared, and calm again. The driver knows which
//! tickets must alert and records what the app did; `fault_checks` judges it.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use alert_engine::{AlertView, EngineEvent, IntakeStatus};
use alert_store::AlertFilter;
use chrono::{DateTime, Utc};
use halo_sim::{NewTicket, SimConfig, SimControl};
use tokio::sync::broadcast::error::RecvError;

use crate::engine_run::{EngineRun, RunSettings};
use crate::fault_checks::{self, Outcome};

/// The simulator's team 1 ("Service Desk"), watched.
pub const WATCHED: i32 = 1;
/// The simulator's team 2 ("Infrastructure"), not watched.
pub const OTHER_TEAM: i32 = 2;
/// The API application's agent ("Alex Tech"): the technician using the app.
pub const ME: i32 = 1;
pub const COLLEAGUE: i32 = 2;
/// Tickets logged per phase; three phases.
pub const PER_PHASE: usize = 70;
/// How long each fault holds at least: three poll intervals, long enough
/// for escalations to repeat (every second) while Halo cannot be reached.
pub const FAULT_HOLDS: Duration = Duration::from_secs(3);
/// The longest a ticket may take to alert once it could (logged, assigned
/// to me, or the fault cleared): eight poll intervals, four minutes at the
/// product's pace. Later than that an on-call technician has lost it.
pub const ALERT_WITHIN: Duration = Duration::from_secs(8);
/// The secret an administrator rotates to in the secret-rotation row.
pub const ROTATED_SECRET: &str = "rotated-secret-2";

/// How the fault ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clearing {
    /// The simulator stops misbehaving; the app must notice by itself.
    Sim,
    /// The user saves the new secret: the app restarts its core over the
    /// same store (what the settings window does), then carries on.
    NewSecret,
}

/// What the user must be told while the fault lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Told {
    /// `intake.ok` false and `intake.problem` (the tray tooltip's "Not
    /// connected: ...") containing each of these, case-insensitively.
    Cause(&'static [&'static str]),
    /// Nothing is wrong from the user's side: the app copes and never says
    /// it is not connected.
    Unnoticed,
}

/// One row of the matrix.
pub struct FaultRow {
    pub name: &'static str,
    pub sim: fn(SimConfig) -> SimConfig,
    pub inject: fn(&SimControl),
    pub clearing: Clearing,
    pub told: Told,
    /// That the fault really happened, for rows the user never hears of
    /// (else a fault that never bit would pass): `Err` says what is missing.
    pub bit: fn(&SimControl) -> Result<(), String>,
}

/// What the driver did and saw, for the checks.
#[derive(Default)]
pub struct Record {
    /// Tickets that must end up with an alert.
    pub must_alert: HashSet<i64>,
    /// When each of them could first have alerted (logged, or assigned to
    /// me), by the test's clock; the fault's end for those during it.
    pub alertable_at: HashMap<i64, DateTime<Utc>>,
    /// Tickets that must never alert (other team, or a colleague's).
    pub must_not_alert: HashSet<i64>,
    /// Tickets closed or taken by a colleague in Halo after they alerted.
    pub ended_in_halo: HashSet<i64>,
    /// When each acknowledgement returned.
    pub acked_at: HashMap<i64, DateTime<Utc>>,
    /// Intake statuses reported before the fault, while it lasted, and after.
    pub before_fault: Vec<IntakeStatus>,
    pub during_fault: Vec<IntakeStatus>,
    pub after_fault: Vec<IntakeStatus>,
    /// While the fault lasted: the status naming it (`Ok`), or the last
    /// one seen when none did (`Err`).
    pub told: Option<Result<IntakeStatus, IntakeStatus>>,
    /// The status when the app had not recovered within the patience of the
    /// fault clearing (it was not poked meanwhile).
    pub not_recovered: Option<IntakeStatus>,
    /// What `FaultRow::bit` found missing at the end.
    pub not_bitten: Option<String>,
    pub tickets_logged: usize,
}

/// Runs the scenario for `row` and returns what the checks found.
pub async fn run(row: &FaultRow) -> Outcome {
    let sim = halo_sim::start((row.sim)(SimConfig {
        seed_tickets: 0,
        ..SimConfig::default()
    }))
    .await
    .expect("simulator starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let secret = sim.config().client_secret.clone();
    let mut run = EngineRun::start(
        &sim,
        dir.path().join("alerts.sqlite"),
        RunSettings::compressed(),
        &secret,
    )
    .await;
    let mut record = Record::default();

    // Phase 1: calm.
    let phase1 = log_batch(&sim, &mut record);
    settle(&sim, &run, &record.must_alert).await;
    work_on(&sim, &run, &mut record, &phase1, 0).await;

    // Phase 2: the fault holds while Halo keeps changing.
    let injected = Utc::now();
    let holds_until = tokio::time::Instant::now() + FAULT_HOLDS;
    (row.inject)(&sim);
    let phase2 = log_batch(&sim, &mut record);
    work_on(&sim, &run, &mut record, &phase1, 1).await;
    run.handle.poll_now();
    match row.told {
        Told::Cause(words) => {
            let told = run
                .status_within(crate::PATIENCE, |s| !s.ok && names(s, words))
                .await;
            record.told = Some(told);
        }
        // Two whole cycles under the fault, so there was a chance to get it wrong.
        Told::Unnoticed => {
            for _ in 0..2 {
                let since = Utc::now();
                run.handle.poll_now();
                run.wait_status(
                    |s| s.last_poll_at.is_some_and(|at| at > since),
                    "a poll under the fault",
                )
                .await;
            }
        }
    }

    // The fault lasts its period (the scenario's clock, not a wait for the
    // app: nothing is expected to happen by then).
    tokio::time::sleep_until(holds_until).await;
    work_on(&sim, &run, &mut record, &phase1, 2).await;

    // The fault clears; the app must come back without being poked.
    let cleared = Utc::now();
    for at in record.alertable_at.values_mut() {
        if *at >= injected {
            *at = cleared;
        }
    }
    match row.clearing {
        Clearing::Sim => sim.clear_faults(),
        Clearing::NewSecret => run.restart_with_secret(ROTATED_SECRET).await,
    }
    record.not_recovered = run
        .status_within(crate::PATIENCE, |s| {
            s.ok && s.last_poll_at.is_some_and(|at| at > cleared)
        })
        .await
        .err();
    settle(&sim, &run, &record.must_alert).await;
    work_on(&sim, &run, &mut record, &phase2, 0).await;

    // Phase 3: calm again; later tickets alert too.
    let phase3 = log_batch(&sim, &mut record);
    // Tickets a page change logged must alert like any other new ticket.
    for change in sim.page_changes() {
        record
            .must_alert
            .extend(change.created.iter().map(|&id| i64::from(id)));
    }
    settle(&sim, &run, &record.must_alert).await;
    work_on(&sim, &run, &mut record, &phase3, 0).await;
    settle(&sim, &run, &record.must_alert).await;
    resolved(&run, &record.ended_in_halo).await;
    record.before_fault = run.statuses_between(DateTime::<Utc>::MIN_UTC, Some(injected));
    record.during_fault = run.statuses_between(injected, Some(cleared));
    record.after_fault = run.statuses_between(cleared, None);

    // Tickets the fault itself closed may never have been seen open.
    for change in sim.page_changes() {
        for id in change.closed {
            record.must_alert.remove(&i64::from(id));
        }
    }
    record.not_bitten = (row.bit)(&sim).err();
    let alerts = run.handle.list(AlertFilter::All).await.expect("alerts");
    let died = tokio::select! {
        biased;
        failure = run.handle.task_died() => Some(failure.to_string()),
        () = std::future::ready(()) => None,
    };
    let final_status = run.handle.intake_status();
    run.handle.shutdown();
    fault_checks::judge(
        row,
        &record,
        &alerts,
        &run.recorder.all(),
        died,
        &final_status,
    )
}

/// Whether the status's problem contains every one of `words`.
pub fn names(status: &IntakeStatus, words: &[&str]) -> bool {
    status.problem.as_deref().is_some_and(|p| {
        let p = p.to_lowercase();
        words.iter().all(|w| p.contains(&w.to_lowercase()))
    })
}

/// Logs one phase's tickets: of every six, four in the watched team and
/// free (they alert), one in another team, one in the watched team already
/// held by a colleague (neither alerts).
fn log_batch(sim: &SimControl, record: &mut Record) -> Vec<i64> {
    let start = record.tickets_logged;
    let ids: Vec<i64> = (start..start + PER_PHASE)
        .map(|n| {
            let (team_id, agent_id) = match n % 6 {
                3 => (OTHER_TEAM, None),
                4 => (WATCHED, Some(COLLEAGUE)),
                _ => (WATCHED, None),
            };
            let id = i64::from(sim.create_ticket(NewTicket {
                summary: format!("Fault matrix ticket {n}"),
                details_html: format!("<p>Scripted ticket {n}</p>"),
                team_id,
                agent_id,
                priority_id: 2,
                ..NewTicket::default()
            }));
            if n % 6 == 3 || n % 6 == 4 {
                record.must_not_alert.insert(id);
            } else {
                record.must_alert.insert(id);
                record.alertable_at.insert(id, Utc::now());
            }
            id
        })
        .collect();
    record.tickets_logged += PER_PHASE;
    ids
}

/// Technicians and the user at work on a phase's tickets that alerted:
/// some acknowledged in the app, some updated by the customer, some taken
/// by a colleague, some closed in Halo, and tickets of another team
/// assigned to me (which must then alert). `round` picks a different slice
/// each time the same batch is worked on.
async fn work_on(
    sim: &SimControl,
    run: &EngineRun,
    record: &mut Record,
    batch: &[i64],
    round: usize,
) {
    let alerting: Vec<i64> = batch
        .iter()
        .copied()
        .filter(|id| record.must_alert.contains(id) && !record.ended_in_halo.contains(id))
        .collect();
    for (n, &id) in alerting.iter().enumerate() {
        let ticket = i32::try_from(id).expect("ticket id");
        match (n + round) % 8 {
            0 | 3 if run.handle.acknowledge(id, "fault matrix").await.is_ok() => {
                record.acked_at.entry(id).or_insert_with(Utc::now);
            }
            1 => {
                sim.add_customer_reply(ticket, "Any news?")
                    .expect("customer reply");
            }
            2 if round == 0 => {
                sim.assign(ticket, Some(COLLEAGUE)).expect("reassign");
                record.ended_in_halo.insert(id);
            }
            5 => {
                sim.close(ticket, "Fixed").expect("close");
                record.ended_in_halo.insert(id);
            }
            _ => {}
        }
    }
    if round == 0 {
        // Two tickets of another team land on my desk.
        let others: Vec<i64> = batch
            .iter()
            .copied()
            .filter(|id| {
                record.must_not_alert.contains(id)
                    && sim
                        .ticket(i32::try_from(*id).expect("id"))
                        .is_some_and(|t| t.team_id == OTHER_TEAM)
            })
            .take(2)
            .collect();
        for id in others {
            sim.assign(i32::try_from(id).expect("id"), Some(ME))
                .expect("assign to me");
            record.must_not_alert.remove(&id);
            record.must_alert.insert(id);
            record.alertable_at.insert(id, Utc::now());
        }
    }
}

/// Polls until every ticket in `ids` has an alert, or the patience runs out
/// (the checks then report the lost ones). Tickets a page change closed
/// may never have been seen open, so they are not waited for.
async fn settle(sim: &SimControl, run: &EngineRun, ids: &HashSet<i64>) {
    let closed_by_fault: HashSet<i64> = sim
        .page_changes()
        .into_iter()
        .flat_map(|c| c.closed)
        .map(i64::from)
        .collect();
    run.handle.poll_now();
    until_alerts(run, |alerts| {
        let have: HashSet<i64> = alerts.iter().map(|a| a.ticket_id).collect();
        ids.iter()
            .all(|id| have.contains(id) || closed_by_fault.contains(id))
    })
    .await;
}

/// Polls until every alert of a ticket in `ids` is resolved.
async fn resolved(run: &EngineRun, ids: &HashSet<i64>) {
    run.handle.poll_now();
    until_alerts(run, |alerts| {
        alerts
            .iter()
            .filter(|a| ids.contains(&a.ticket_id))
            .all(|a| !a.state.is_open())
    })
    .await;
}

async fn until_alerts(run: &EngineRun, done: impl Fn(&[AlertView]) -> bool) {
    let mut events = run.handle.subscribe();
    let deadline = tokio::time::Instant::now() + crate::PATIENCE;
    loop {
        let alerts = run.handle.list(AlertFilter::All).await.unwrap_or_default();
        if done(&alerts) || tokio::time::Instant::now() >= deadline {
            return;
        }
        // Look again after the next poll cycle (or a second at most).
        let next_cycle = async {
            loop {
                match events.recv().await {
                    Ok(EngineEvent::Intake { .. }) | Err(RecvError::Closed) => return,
                    _ => {}
                }
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(1), next_cycle).await;
        run.handle.poll_now();
    }
}
