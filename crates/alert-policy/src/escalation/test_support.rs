//! Helpers shared by the escalation tests: a fixed start time, compact
//! step and policy builders, and a driver that fires at given instants.

pub(super) use chrono::{DateTime, TimeDelta, TimeZone, Utc};

pub(super) use super::{EscalationCursor, EscalationPolicy, EscalationStep, Firing, builtin};
pub(super) use crate::duration::HumanDuration;
pub(super) use crate::urgency::Urgency;

pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 10, 9, 0, 0)
        .single()
        .expect("valid timestamp")
}

pub(super) fn secs(n: i64) -> DateTime<Utc> {
    t0() + TimeDelta::seconds(n)
}

pub(super) fn mins(n: i64) -> DateTime<Utc> {
    t0() + TimeDelta::minutes(n)
}

pub(super) fn step(
    delay: u64,
    urgency: Urgency,
    every: Option<u64>,
    max_repeats: u32,
) -> EscalationStep {
    EscalationStep {
        delay: HumanDuration::from_secs(delay),
        urgency,
        sound: urgency == Urgency::Critical,
        repeat_every: every.map(HumanDuration::from_secs),
        max_repeats,
    }
}

pub(super) fn policy(steps: Vec<EscalationStep>, looping: bool) -> EscalationPolicy {
    EscalationPolicy {
        name: "test".to_owned(),
        steps,
        loop_policy: looping,
    }
}

/// Calls `fire` at each of `times` in order, returning the firings.
pub(super) fn run(
    policy: &EscalationPolicy,
    start: DateTime<Utc>,
    times: &[DateTime<Utc>],
) -> Vec<Firing> {
    let mut cursor = EscalationCursor::start(policy, start);
    let mut out = Vec::new();
    for &now in times {
        if let Some((firing, next)) = cursor.fire(policy, now) {
            out.push(firing);
            cursor = next;
        }
    }
    out
}
