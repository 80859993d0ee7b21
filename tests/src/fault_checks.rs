//! The fault matrix's verdict on one row: what a technician would notice if
//! the app got a fault wrong, each finding naming the fault.

use std::collections::HashMap;

use alert_engine::{AlertView, IntakeStatus, Notification, NotificationKind};

use crate::scenario::{ALERT_WITHIN, FaultRow, Record, Told};

/// What one row found; `failures` empty means the row passed.
#[derive(Debug)]
pub struct Outcome {
    pub fault: &'static str,
    pub failures: Vec<String>,
    /// The problem the status showed while the fault lasted, for the report.
    pub told: Option<String>,
    pub alerts: usize,
    pub notifications: usize,
    /// Notifications that were repeats of an unacknowledged alert.
    pub repeats: usize,
    pub tickets: usize,
}

impl Outcome {
    /// Panics with every finding when the row failed.
    pub fn assert_passed(&self) {
        assert!(
            self.failures.is_empty(),
            "fault \"{}\":\n  - {}",
            self.fault,
            self.failures.join("\n  - ")
        );
    }
}

pub fn judge(
    row: &FaultRow,
    record: &Record,
    alerts: &[AlertView],
    shown: &[Notification],
    died: Option<String>,
    final_status: &IntakeStatus,
) -> Outcome {
    let mut failures = Vec::new();
    let by_ticket: HashMap<i64, Vec<&AlertView>> =
        alerts.iter().fold(HashMap::new(), |mut map, a| {
            map.entry(a.ticket_id).or_default().push(a);
            map
        });

    // 0 lost, and nothing that should stay quiet alerted.
    let mut lost: Vec<i64> = record
        .must_alert
        .iter()
        .copied()
        .filter(|id| !by_ticket.contains_key(id))
        .collect();
    lost.sort_unstable();
    if !lost.is_empty() {
        failures.push(format!("{} ticket(s) never alerted: {lost:?}", lost.len()));
    }
    let within = chrono::Duration::from_std(ALERT_WITHIN).unwrap_or_default();
    let mut late: Vec<String> = record
        .alertable_at
        .iter()
        .filter_map(|(id, could)| {
            let first = by_ticket.get(id)?.iter().map(|a| a.created_at).min()?;
            (first - *could > within)
                .then(|| format!("{id} after {:.1}s", (first - *could).as_seconds_f64()))
        })
        .collect();
    late.sort();
    if !late.is_empty() {
        failures.push(format!(
            "{} ticket(s) alerted later than {ALERT_WITHIN:?} after they could: {late:?}",
            late.len()
        ));
    }
    let mut wrong: Vec<i64> = record
        .must_not_alert
        .iter()
        .copied()
        .filter(|id| by_ticket.contains_key(id))
        .collect();
    wrong.sort_unstable();
    if !wrong.is_empty() {
        failures.push(format!("ticket(s) that must not alert did: {wrong:?}"));
    }

    // No duplicates: one alert per ticket, one first notification per alert.
    let mut doubled: Vec<i64> = by_ticket
        .iter()
        .filter(|(_, list)| list.len() > 1)
        .map(|(id, _)| *id)
        .collect();
    doubled.sort_unstable();
    if !doubled.is_empty() {
        failures.push(format!("more than one alert for ticket(s) {doubled:?}"));
    }
    let mut firsts: HashMap<i64, usize> = HashMap::new();
    for n in shown {
        if n.kind == NotificationKind::Notification
            && n.step == 0
            && n.repeat == 0
            && let Some(id) = n.ticket_id
        {
            *firsts.entry(id).or_default() += 1;
        }
    }
    let mut twice: Vec<i64> = firsts
        .iter()
        .filter(|(_, count)| **count > 1)
        .map(|(id, _)| *id)
        .collect();
    twice.sort_unstable();
    if !twice.is_empty() {
        failures.push(format!(
            "the first notification was shown more than once for ticket(s) {twice:?}"
        ));
    }

    // Nothing notifies once acknowledged or resolved.
    for n in shown
        .iter()
        .filter(|n| n.kind == NotificationKind::Notification)
    {
        let Some(id) = n.ticket_id else { continue };
        if let Some(acked) = record.acked_at.get(&id)
            && n.at > *acked
        {
            failures.push(format!(
                "ticket {id} notified at {} after its acknowledgement at {acked} (repeat {})",
                n.at, n.repeat
            ));
        }
        let resolved = by_ticket
            .get(&id)
            .into_iter()
            .flatten()
            .filter_map(|a| a.resolved_at)
            .min();
        if let Some(resolved) = resolved
            && n.at > resolved
        {
            failures.push(format!(
                "ticket {id} notified at {} after it was resolved at {resolved}",
                n.at
            ));
        }
    }
    let repeats = shown
        .iter()
        .filter(|n| n.kind == NotificationKind::Notification && n.repeat > 0)
        .count();
    if repeats == 0 {
        failures.push(
            "no alert repeated, so notifying after an acknowledgement could not have shown".into(),
        );
    }
    let mut unresolved: Vec<i64> = record
        .ended_in_halo
        .iter()
        .copied()
        .filter(|id| {
            by_ticket
                .get(id)
                .is_some_and(|list| list.iter().any(|a| a.state.is_open()))
        })
        .collect();
    unresolved.sort_unstable();
    if !unresolved.is_empty() {
        failures.push(format!(
            "closed or taken in Halo but still alerting: {unresolved:?}"
        ));
    }

    if let Some(missing) = &record.not_bitten {
        failures.push(format!("the fault never took effect: {missing}"));
    }

    // Never panicked, never gave up, came back by itself.
    if let Some(died) = died {
        failures.push(format!("a background task died: {died}"));
    }
    // The row's runtime, and the notifier threads (named by alert-runtime,
    // not the row: a panic on any of them fails the rows checked after it).
    let mut panics = crate::panics::on_threads(&runtime_name(row.name));
    panics.extend(crate::panics::on_threads(NOTIFIER_THREAD));
    if !panics.is_empty() {
        failures.push(format!("panicked: {panics:?}"));
    }
    if let Some(status) = &record.not_recovered {
        failures.push(format!(
            "no successful poll within {:?} of the fault clearing: {:?}",
            crate::PATIENCE,
            status.problem
        ));
    }
    if !final_status.ok {
        failures.push(format!(
            "not recovered after the fault cleared: {:?}",
            final_status.problem
        ));
    }
    if let Some(bad) = record.before_fault.iter().find(|s| !s.ok) {
        failures.push(format!(
            "a problem was reported before the fault: {:?}",
            bad.problem
        ));
    }

    // The user was told what was wrong while it lasted (and only then).
    let problems: Vec<&str> = record
        .during_fault
        .iter()
        .filter(|s| !s.ok)
        .filter_map(|s| s.problem.as_deref())
        .collect();
    let told = match (row.told, &record.told) {
        (Told::Cause(_), Some(Ok(status))) => status.problem.clone(),
        (Told::Cause(words), last) => {
            let last = last.clone().map(|r| r.unwrap_or_else(|e| e));
            failures.push(format!(
                "while the fault lasted the status never named it ({words:?}); it said {problems:?}, last {last:?}"
            ));
            last.and_then(|s| s.problem)
        }
        (Told::Unnoticed, _) => {
            if let Some(p) = problems.first() {
                failures.push(format!(
                    "the app coped, yet told the user it was not connected: {p}"
                ));
            }
            None
        }
    };

    Outcome {
        fault: row.name,
        failures,
        told,
        alerts: alerts.len(),
        notifications: shown.len(),
        repeats,
        tickets: record.tickets_logged,
    }
}

/// The name of the runtime a row runs on (its threads carry it).
/// The name alert-runtime gives the thread that shows notifications.
const NOTIFIER_THREAD: &str = "notifier";

pub fn runtime_name(fault: &str) -> String {
    format!(
        "fault-{}",
        fault
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
    )
}
