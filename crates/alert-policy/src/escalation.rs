// Escalation policies (what to notify, how often, how loudly) and the cursor
// the engine persists per alert to know which notification is next and when.
// Pure: every decision takes `now`, nothing reads a clock.

use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::duration::HumanDuration;
use crate::urgency::Urgency;

/// Repeats closer together than this would flood the desktop.
pub const MIN_REPEAT_INTERVAL: Duration = Duration::from_secs(1);
/// A looping policy must take at least this long per lap.
pub const MIN_LOOP_LENGTH: Duration = Duration::from_secs(1);
/// Longest delay or repeat interval accepted; anything longer is a typo.
pub const MAX_INTERVAL: Duration = Duration::from_secs(365 * 86_400);

/// A policy or policy set that cannot be used; each message names the policy
/// (and 1-based step) and says what to change.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    #[error("an escalation policy has no name: give it one, e.g. name = \"critical\"")]
    MissingName,
    #[error(
        "escalation policy \"{policy}\" has no steps: add at least one [[policies.{policy}.steps]] entry"
    )]
    NoSteps { policy: String },
    #[error(
        "step {step} of escalation policy \"{policy}\" repeats {max_repeats} times but has no repeat_every: set repeat_every (e.g. \"5m\") or set max_repeats = 0"
    )]
    RepeatsWithoutInterval {
        policy: String,
        step: usize,
        max_repeats: u32,
    },
    #[error(
        "step {step} of escalation policy \"{policy}\" repeats every {every}, which would flood the desktop: use repeat_every of at least 1s"
    )]
    RepeatTooFrequent {
        policy: String,
        step: usize,
        every: HumanDuration,
    },
    #[error(
        "step {step} of escalation policy \"{policy}\" has {field} = \"{value}\", longer than the 365d limit: use a shorter duration"
    )]
    IntervalTooLong {
        policy: String,
        step: usize,
        field: &'static str,
        value: HumanDuration,
    },
    #[error(
        "escalation policy \"{policy}\" loops but one lap takes {lap}, so it would notify continuously: give a step a delay or repeat_every (one lap must take at least 1s), or set loop = false"
    )]
    TightLoop { policy: String, lap: HumanDuration },
    #[error(
        "{used_by} uses escalation policy \"{name}\", which is not defined: define [policies.{name}] or use one of: {known}"
    )]
    UnknownPolicy {
        used_by: String,
        name: String,
        known: String,
    },
    #[error(
        "the policy defined as [policies.{key}] says name = \"{name}\": make them match, or leave name out"
    )]
    NameMismatch { key: String, name: String },
    #[error(
        "\"{key}\" in by_priority is not a Halo priority id: use the priority's number, e.g. 1 = \"critical\" (\"P1\" also works)"
    )]
    BadPriority { key: String },
}

/// One rung of an escalation ladder.
///
/// Timeline: the step's first notification comes `delay` after the previous
/// step's *last* notification (for the first step: after the alert was
/// raised); it is then repeated `max_repeats` times, `repeat_every` apart.
/// So every gap on the timeline is written down explicitly in config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationStep {
    /// Wait before this step's first notification; `0s` (the default) means at once.
    #[serde(default)]
    pub delay: HumanDuration,
    #[serde(default)]
    pub urgency: Urgency,
    /// Whether the notification plays a sound.
    #[serde(default)]
    pub sound: bool,
    /// Interval between this step's repeats; required when `max_repeats > 0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_every: Option<HumanDuration>,
    /// Extra notifications after the first; `0` notifies once.
    #[serde(default)]
    pub max_repeats: u32,
}

impl EscalationStep {
    /// Repeats that can actually happen: a step with no interval cannot repeat
    /// (validation rejects that combination; this keeps unvalidated input safe).
    fn effective_repeats(&self) -> u32 {
        if self.repeat_every.is_some() {
            self.max_repeats
        } else {
            0
        }
    }

    fn every(&self) -> Duration {
        self.repeat_every
            .map(HumanDuration::as_std)
            .unwrap_or_default()
    }

    /// Time from this step's first notification's start gap to its last
    /// notification: `delay + repeat_every * repeats`. None on overflow.
    fn span(&self) -> Option<Duration> {
        self.every()
            .checked_mul(self.effective_repeats())
            .and_then(|r| r.checked_add(self.delay.as_std()))
    }
}

/// An ordered escalation ladder, PagerDuty/GoAlert style, frozen into each
/// alert when it is raised (so serde round trips are lossless).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationPolicy {
    /// Filled from the `[policies.NAME]` key when left out in config.
    #[serde(default)]
    pub name: String,
    pub steps: Vec<EscalationStep>,
    /// After the last step, start again from the first (its `delay` measured
    /// from the last notification), counting laps in the cursor's `loops`.
    #[serde(rename = "loop", default)]
    pub loop_policy: bool,
}

/// One scheduled notification of a policy's nominal timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirePoint {
    pub at: DateTime<Utc>,
    pub step: usize,
    pub repeat: u32,
    pub loops: u32,
}

fn add(at: DateTime<Utc>, d: Duration) -> Option<DateTime<Utc>> {
    at.checked_add_signed(TimeDelta::from_std(d).ok()?)
}

impl EscalationPolicy {
    /// Checks the policy can run as written; see [`PolicyError`] for the rules.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.name.trim().is_empty() {
            return Err(PolicyError::MissingName);
        }
        let policy = || self.name.clone();
        if self.steps.is_empty() {
            return Err(PolicyError::NoSteps { policy: policy() });
        }
        for (index, step) in self.steps.iter().enumerate() {
            let number = index + 1;
            if step.delay.as_std() > MAX_INTERVAL {
                return Err(PolicyError::IntervalTooLong {
                    policy: policy(),
                    step: number,
                    field: "delay",
                    value: step.delay,
                });
            }
            match step.repeat_every {
                None if step.max_repeats > 0 => {
                    return Err(PolicyError::RepeatsWithoutInterval {
                        policy: policy(),
                        step: number,
                        max_repeats: step.max_repeats,
                    });
                }
                Some(every) if step.max_repeats > 0 && every.as_std() < MIN_REPEAT_INTERVAL => {
                    return Err(PolicyError::RepeatTooFrequent {
                        policy: policy(),
                        step: number,
                        every,
                    });
                }
                Some(every) if every.as_std() > MAX_INTERVAL => {
                    return Err(PolicyError::IntervalTooLong {
                        policy: policy(),
                        step: number,
                        field: "repeat_every",
                        value: every,
                    });
                }
                _ => {}
            }
        }
        if self.loop_policy {
            let lap = self.lap_length().unwrap_or(Duration::MAX);
            if lap < MIN_LOOP_LENGTH {
                return Err(PolicyError::TightLoop {
                    policy: policy(),
                    lap: HumanDuration(lap),
                });
            }
        }
        Ok(())
    }

    /// Time from one lap's first notification to the next lap's first
    /// notification. None on overflow (a lap longer than `Duration::MAX`).
    pub fn lap_length(&self) -> Option<Duration> {
        self.steps
            .iter()
            .try_fold(Duration::ZERO, |acc, s| acc.checked_add(s.span()?))
    }

    /// Notifications in one lap (each step's first plus its repeats).
    fn points_per_lap(&self) -> u32 {
        self.steps.iter().fold(0u32, |acc, s| {
            acc.saturating_add(s.effective_repeats().saturating_add(1))
        })
    }

    /// Whether the policy really loops: a zero-length lap would spin forever,
    /// so an unvalidated one is treated as not looping.
    fn loops(&self) -> bool {
        self.loop_policy && self.lap_length().is_some_and(|lap| !lap.is_zero())
    }

    /// The position after `(step, repeat, loops)` and the gap to it, or None
    /// when the ladder is finished.
    fn next_position(
        &self,
        step: usize,
        repeat: u32,
        loops: u32,
    ) -> Option<(usize, u32, u32, Duration)> {
        let current = self.steps.get(step)?;
        if repeat < current.effective_repeats() {
            return Some((step, repeat + 1, loops, current.every()));
        }
        if let Some(next) = self.steps.get(step + 1) {
            return Some((step + 1, 0, loops, next.delay.as_std()));
        }
        if self.loops() {
            let first = self.steps.first()?;
            return Some((0, 0, loops.saturating_add(1), first.delay.as_std()));
        }
        None
    }

    /// The nominal timeline for an alert raised at `triggered_at`, as if every
    /// notification went out exactly on time. Endless for looping policies.
    pub fn fire_points(&self, triggered_at: DateTime<Utc>) -> FirePoints<'_> {
        let first = self.steps.first().and_then(|s| {
            Some(FirePoint {
                at: add(triggered_at, s.delay.as_std())?,
                step: 0,
                repeat: 0,
                loops: 0,
            })
        });
        FirePoints {
            policy: self,
            next: first,
        }
    }
}

/// Iterator over [`EscalationPolicy::fire_points`].
#[derive(Debug, Clone)]
pub struct FirePoints<'a> {
    policy: &'a EscalationPolicy,
    next: Option<FirePoint>,
}

impl Iterator for FirePoints<'_> {
    type Item = FirePoint;

    fn next(&mut self) -> Option<FirePoint> {
        let current = self.next?;
        self.next = self
            .policy
            .next_position(current.step, current.repeat, current.loops)
            .and_then(|(step, repeat, loops, gap)| {
                Some(FirePoint {
                    at: add(current.at, gap)?,
                    step,
                    repeat,
                    loops,
                })
            });
        Some(current)
    }
}

/// One notification to show now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Firing {
    /// Index into the policy's steps.
    pub step: usize,
    /// 0 for the step's first notification, then 1..=max_repeats.
    pub repeat: u32,
    pub urgency: Urgency,
    pub sound: bool,
    /// Completed laps of a looping policy.
    pub loops: u32,
    /// When this notification was due (earlier than `now` if it was late).
    pub due_at: DateTime<Utc>,
    /// Earlier due notifications folded into this one because they were
    /// missed (app not running, laptop asleep). 0 when on time.
    pub missed: u32,
}

/// Where an alert is on its escalation ladder; the engine stores one per alert.
///
/// `(step, repeat, loops)` names the *next* notification and `next_at` says
/// when it is due; `next_at = None` means the ladder is exhausted (the
/// position then names the last notification sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationCursor {
    pub step: usize,
    pub repeat: u32,
    pub next_at: Option<DateTime<Utc>>,
    pub loops: u32,
}

impl EscalationCursor {
    /// A fresh ladder: the first notification is due `steps[0].delay` after
    /// `triggered_at`. A policy without steps yields an exhausted cursor.
    pub fn start(policy: &EscalationPolicy, triggered_at: DateTime<Utc>) -> Self {
        EscalationCursor {
            step: 0,
            repeat: 0,
            next_at: policy
                .steps
                .first()
                .and_then(|s| add(triggered_at, s.delay.as_std())),
            loops: 0,
        }
    }

    /// After a snooze: notify again at exactly `at`, staying on the current
    /// step (an alert that had reached "critical" comes back critical) with
    /// that step's repeats counted afresh. Revives an exhausted cursor, since
    /// a snoozed alert was explicitly asked to come back.
    pub fn restart_at(&self, policy: &EscalationPolicy, at: DateTime<Utc>) -> Self {
        let last = policy.steps.len().saturating_sub(1);
        EscalationCursor {
            step: self.step.min(last),
            repeat: 0,
            next_at: (!policy.steps.is_empty()).then_some(at),
            loops: self.loops,
        }
    }

    pub fn is_exhausted(&self) -> bool {
        self.next_at.is_none()
    }

    /// If a notification is due at `now`, what to show and the advanced cursor.
    ///
    /// Missed notifications (the app was not running, the laptop slept) are
    /// folded into ONE firing: the *latest* one that was due, because its
    /// step and urgency reflect how long the alert has really gone unanswered.
    /// The next notification is then scheduled relative to `now` (its usual
    /// gap after this one), never as a burst catching up the missed ones.
    ///
    /// Returns None when nothing is due yet, the cursor is exhausted, or the
    /// cursor does not fit the policy (a step index past its end).
    pub fn fire(
        &self,
        policy: &EscalationPolicy,
        now: DateTime<Utc>,
    ) -> Option<(Firing, EscalationCursor)> {
        let due = self.next_at?;
        if due > now {
            return None;
        }
        policy.steps.get(self.step)?;

        let mut point = FirePoint {
            at: due,
            step: self.step,
            repeat: self.repeat,
            loops: self.loops,
        };
        let mut missed: u32 = 0;
        // Each pass either stops or moves to a later step, skipping whole
        // repeat runs and whole laps arithmetically, so a year asleep costs
        // the same as a minute.
        while let Some(step) = policy.steps.get(point.step) {
            let repeats = step.effective_repeats();
            if point.repeat < repeats {
                let remaining = repeats - point.repeat;
                let every = step.every();
                let elapsed = (now - point.at).to_std().unwrap_or_default();
                let due_repeats = if every.is_zero() {
                    remaining
                } else {
                    let fits = elapsed.as_nanos() / every.as_nanos();
                    u32::try_from(fits).unwrap_or(u32::MAX).min(remaining)
                };
                if due_repeats > 0 {
                    let Some(at) = every
                        .checked_mul(due_repeats)
                        .and_then(|d| add(point.at, d))
                    else {
                        break;
                    };
                    point.repeat += due_repeats;
                    point.at = at;
                    missed = missed.saturating_add(due_repeats);
                }
                if point.repeat < repeats {
                    break;
                }
            }
            let Some((next_step, repeat, loops, gap)) =
                policy.next_position(point.step, point.repeat, point.loops)
            else {
                break;
            };
            let Some(at) = add(point.at, gap) else {
                break;
            };
            if at > now {
                break;
            }
            let new_lap = loops != point.loops;
            point = FirePoint {
                at,
                step: next_step,
                repeat,
                loops,
            };
            missed = missed.saturating_add(1);
            if new_lap {
                skip_whole_laps(policy, &mut point, &mut missed, now);
            }
        }

        let step = policy.steps.get(point.step)?;
        let firing = Firing {
            step: point.step,
            repeat: point.repeat,
            urgency: step.urgency,
            sound: step.sound,
            loops: point.loops,
            due_at: point.at,
            missed,
        };
        let next = match policy.next_position(point.step, point.repeat, point.loops) {
            Some((step, repeat, loops, gap)) => EscalationCursor {
                step,
                repeat,
                next_at: add(now, gap),
                loops,
            },
            None => EscalationCursor {
                step: point.step,
                repeat: point.repeat,
                next_at: None,
                loops: point.loops,
            },
        };
        Some((firing, next))
    }
}

/// At the start of a lap, jump over every further lap that also lies wholly
/// in the past.
fn skip_whole_laps(
    policy: &EscalationPolicy,
    point: &mut FirePoint,
    missed: &mut u32,
    now: DateTime<Utc>,
) {
    let Some(lap) = policy.lap_length().filter(|lap| !lap.is_zero()) else {
        return;
    };
    let elapsed = (now - point.at).to_std().unwrap_or_default();
    let laps = u32::try_from(elapsed.as_nanos() / lap.as_nanos()).unwrap_or(u32::MAX);
    if laps == 0 {
        return;
    }
    if let Some(at) = lap.checked_mul(laps).and_then(|d| add(point.at, d)) {
        point.at = at;
        point.loops = point.loops.saturating_add(laps);
        *missed = missed.saturating_add(laps.saturating_mul(policy.points_per_lap()));
    }
}

/// Which policy each Halo priority gets.
///
/// In config, anything left out keeps the built-in default: policies you
/// define are added to (or replace, by name) the built-in ones, and
/// `by_priority` entries override per priority. Deserialising validates, so a
/// loaded set always resolves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PolicySetConfig", into = "PolicySetConfig")]
pub struct PolicySet {
    /// Halo priority id (1 = highest in a stock tenant) to policy name.
    pub by_priority: BTreeMap<i32, String>,
    pub policies: BTreeMap<String, EscalationPolicy>,
    /// Policy for tickets without a priority or with an unmapped one.
    pub default: String,
}

/// Returned by [`PolicySet::policy_for`] only if the set was edited in code
/// into one that no longer resolves; a validated set never needs it.
static FALLBACK: LazyLock<EscalationPolicy> = LazyLock::new(builtin::normal);

impl PolicySet {
    /// The policy for a ticket of this Halo priority; unmapped or missing
    /// priorities get the default policy.
    pub fn policy_for(&self, priority_id: Option<i32>) -> &EscalationPolicy {
        priority_id
            .and_then(|id| self.by_priority.get(&id))
            .and_then(|name| self.policies.get(name))
            .or_else(|| self.policies.get(&self.default))
            .unwrap_or(&FALLBACK)
    }

    /// Every name resolves, every policy is valid and matches its key.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let known = || self.policies.keys().cloned().collect::<Vec<_>>().join(", ");
        if !self.policies.contains_key(&self.default) {
            return Err(PolicyError::UnknownPolicy {
                used_by: "default".to_owned(),
                name: self.default.clone(),
                known: known(),
            });
        }
        for (priority, name) in &self.by_priority {
            if !self.policies.contains_key(name) {
                return Err(PolicyError::UnknownPolicy {
                    used_by: format!("priority {priority}"),
                    name: name.clone(),
                    known: known(),
                });
            }
        }
        for (key, policy) in &self.policies {
            if &policy.name != key {
                return Err(PolicyError::NameMismatch {
                    key: key.clone(),
                    name: policy.name.clone(),
                });
            }
            policy.validate()?;
        }
        Ok(())
    }
}

impl Default for PolicySet {
    /// P1 critical, P2 high, P3 normal, P4 low; default normal.
    fn default() -> Self {
        let policies = [
            builtin::critical(),
            builtin::high(),
            builtin::normal(),
            builtin::low(),
        ];
        PolicySet {
            by_priority: BTreeMap::from([
                (1, "critical".to_owned()),
                (2, "high".to_owned()),
                (3, "normal".to_owned()),
                (4, "low".to_owned()),
            ]),
            policies: policies.into_iter().map(|p| (p.name.clone(), p)).collect(),
            default: "normal".to_owned(),
        }
    }
}

/// The built-in policies shipped as defaults.
pub mod builtin {
    use super::{EscalationPolicy, EscalationStep};
    use crate::duration::HumanDuration;
    use crate::urgency::Urgency;

    fn step(
        delay_mins: u64,
        urgency: Urgency,
        sound: bool,
        every_mins: u64,
        max_repeats: u32,
    ) -> EscalationStep {
        EscalationStep {
            delay: HumanDuration::from_mins(delay_mins),
            urgency,
            sound,
            repeat_every: (max_repeats > 0).then(|| HumanDuration::from_mins(every_mins)),
            max_repeats,
        }
    }

    fn policy(name: &str, steps: Vec<EscalationStep>) -> EscalationPolicy {
        EscalationPolicy {
            name: name.to_owned(),
            steps,
            loop_policy: false,
        }
    }

    /// Critical with sound at once, then every 2 minutes for an hour.
    pub fn critical() -> EscalationPolicy {
        policy("critical", vec![step(0, Urgency::Critical, true, 2, 30)])
    }

    /// Normal with sound at once, every 5 minutes for half an hour, then
    /// critical every 5 minutes for another hour.
    pub fn high() -> EscalationPolicy {
        policy(
            "high",
            vec![
                step(0, Urgency::Normal, true, 5, 6),
                step(5, Urgency::Critical, true, 5, 12),
            ],
        )
    }

    /// Normal, silent, at once and again after 15 and 30 minutes.
    pub fn normal() -> EscalationPolicy {
        policy("normal", vec![step(0, Urgency::Normal, false, 15, 2)])
    }

    /// One quiet low-urgency notification.
    pub fn low() -> EscalationPolicy {
        policy("low", vec![step(0, Urgency::Low, false, 0, 0)])
    }
}

/// Config shape of [`PolicySet`]: string priority keys (TOML table keys are
/// strings) and every field optional, merged over the defaults.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicySetConfig {
    #[serde(default)]
    by_priority: BTreeMap<String, String>,
    #[serde(default)]
    policies: BTreeMap<String, EscalationPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default: Option<String>,
}

fn parse_priority(key: &str) -> Result<i32, PolicyError> {
    let trimmed = key.trim();
    let digits = trimmed
        .strip_prefix('P')
        .or_else(|| trimmed.strip_prefix('p'))
        .unwrap_or(trimmed);
    digits.parse().map_err(|_| PolicyError::BadPriority {
        key: key.to_owned(),
    })
}

impl TryFrom<PolicySetConfig> for PolicySet {
    type Error = PolicyError;

    fn try_from(config: PolicySetConfig) -> Result<Self, PolicyError> {
        let mut set = PolicySet::default();
        for (key, name) in config.by_priority {
            set.by_priority.insert(parse_priority(&key)?, name);
        }
        for (key, mut policy) in config.policies {
            if policy.name.is_empty() {
                policy.name.clone_from(&key);
            }
            set.policies.insert(key, policy);
        }
        if let Some(default) = config.default {
            set.default = default;
        }
        set.validate()?;
        Ok(set)
    }
}

impl From<PolicySet> for PolicySetConfig {
    fn from(set: PolicySet) -> Self {
        PolicySetConfig {
            by_priority: set
                .by_priority
                .into_iter()
                .map(|(id, name)| (id.to_string(), name))
                .collect(),
            policies: set.policies,
            default: Some(set.default),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 10, 9, 0, 0)
            .single()
            .expect("valid timestamp")
    }

    fn secs(n: i64) -> DateTime<Utc> {
        t0() + TimeDelta::seconds(n)
    }

    fn mins(n: i64) -> DateTime<Utc> {
        t0() + TimeDelta::minutes(n)
    }

    fn step(delay: u64, urgency: Urgency, every: Option<u64>, max_repeats: u32) -> EscalationStep {
        EscalationStep {
            delay: HumanDuration::from_secs(delay),
            urgency,
            sound: urgency == Urgency::Critical,
            repeat_every: every.map(HumanDuration::from_secs),
            max_repeats,
        }
    }

    fn policy(steps: Vec<EscalationStep>, looping: bool) -> EscalationPolicy {
        EscalationPolicy {
            name: "test".to_owned(),
            steps,
            loop_policy: looping,
        }
    }

    /// Calls `fire` at each of `times` in order, returning the firings.
    fn run(
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

    #[test]
    fn first_notification_waits_for_the_first_delay() {
        let p = policy(vec![step(30, Urgency::Normal, None, 0)], false);
        let cursor = EscalationCursor::start(&p, t0());
        assert_eq!(cursor.next_at, Some(secs(30)));
        assert_eq!(cursor.fire(&p, secs(29)), None);
        let (firing, next) = cursor.fire(&p, secs(30)).expect("due at 30s");
        assert_eq!((firing.step, firing.repeat, firing.missed), (0, 0, 0));
        assert_eq!(firing.due_at, secs(30));
        assert!(next.is_exhausted());
    }

    #[test]
    fn repeats_every_interval_then_moves_to_the_next_step() {
        // normal at 0, repeats at 2s and 4s, then critical 3s after the last repeat.
        let p = policy(
            vec![
                step(0, Urgency::Normal, Some(2), 2),
                step(3, Urgency::Critical, None, 0),
            ],
            false,
        );
        let times: Vec<_> = (0..=12).map(secs).collect();
        let firings = run(&p, t0(), &times);
        let seen: Vec<_> = firings
            .iter()
            .map(|f| (f.due_at, f.step, f.repeat, f.urgency))
            .collect();
        assert_eq!(
            seen,
            vec![
                (secs(0), 0, 0, Urgency::Normal),
                (secs(2), 0, 1, Urgency::Normal),
                (secs(4), 0, 2, Urgency::Normal),
                (secs(7), 1, 0, Urgency::Critical),
            ]
        );
        assert!(firings.iter().all(|f| f.missed == 0));
    }

    #[test]
    fn exhausted_alert_stays_quiet_forever() {
        let p = policy(vec![step(0, Urgency::Normal, Some(2), 1)], false);
        let mut cursor = EscalationCursor::start(&p, t0());
        for now in [secs(0), secs(2)] {
            let (_, next) = cursor.fire(&p, now).expect("due");
            cursor = next;
        }
        assert!(cursor.is_exhausted());
        assert_eq!(cursor.fire(&p, secs(3)), None);
        assert_eq!(cursor.fire(&p, mins(60 * 24 * 365)), None);
    }

    #[test]
    fn looping_policy_starts_over_and_counts_laps() {
        // Lap: 0s normal, +2s critical; loops back with the first delay (1s).
        let p = policy(
            vec![
                step(1, Urgency::Normal, None, 0),
                step(2, Urgency::Critical, None, 0),
            ],
            true,
        );
        let times: Vec<_> = (0..=10).map(secs).collect();
        let seen: Vec<_> = run(&p, t0(), &times)
            .iter()
            .map(|f| (f.due_at, f.step, f.loops))
            .collect();
        assert_eq!(
            seen,
            vec![
                (secs(1), 0, 0),
                (secs(3), 1, 0),
                (secs(4), 0, 1),
                (secs(6), 1, 1),
                (secs(7), 0, 2),
                (secs(9), 1, 2),
                (secs(10), 0, 3),
            ]
        );
    }

    #[test]
    fn laptop_waking_after_an_hour_fires_once_not_thirty_times() {
        let p = builtin::critical();
        let cursor = EscalationCursor::start(&p, t0());
        let (first, cursor) = cursor.fire(&p, t0()).expect("fires at once");
        assert_eq!(first.missed, 0);

        // Asleep from 09:00 to 09:59:30: 29 repeats were due meanwhile.
        let wake = mins(59) + TimeDelta::seconds(30);
        let (firing, next) = cursor.fire(&p, wake).expect("one catch-up firing");
        assert_eq!(firing.repeat, 29, "the latest due repeat is the one shown");
        assert_eq!(firing.due_at, mins(58));
        assert_eq!(firing.missed, 28);
        assert_eq!(firing.urgency, Urgency::Critical);
        // The next one keeps its usual 2-minute gap from now, not from 09:58.
        assert_eq!(next.next_at, Some(wake + TimeDelta::minutes(2)));
        assert_eq!(next.fire(&p, wake), None, "no burst at the same instant");
        assert_eq!(next.fire(&p, wake + TimeDelta::seconds(119)), None);
        let (last, done) = next
            .fire(&p, wake + TimeDelta::minutes(2))
            .expect("final repeat");
        assert_eq!((last.repeat, last.missed), (30, 0));
        assert!(done.is_exhausted());
    }

    #[test]
    fn waking_after_the_ladder_would_have_escalated_shows_the_escalated_urgency() {
        let p = builtin::high();
        let cursor = EscalationCursor::start(&p, t0());
        let (_, cursor) = cursor.fire(&p, t0()).expect("fires at once");
        // P2: normal at 0..30m, critical from 35m. Asleep until 41m.
        let (firing, next) = cursor.fire(&p, mins(41)).expect("catch-up");
        assert_eq!((firing.step, firing.repeat), (1, 1));
        assert_eq!(firing.urgency, Urgency::Critical);
        assert_eq!(firing.due_at, mins(40));
        assert_eq!(firing.missed, 7, "6 normal repeats and the first critical");
        assert_eq!(next.next_at, Some(mins(46)));
    }

    #[test]
    fn a_year_asleep_on_a_looping_policy_fires_once_and_quickly() {
        let p = policy(vec![step(0, Urgency::Critical, Some(1), 5)], true);
        // Lap: 0,1,2,3,4,5 then restart at +5 (delay 0): a lap is 5s long.
        let cursor = EscalationCursor::start(&p, t0());
        let year = mins(60 * 24 * 365);
        let (firing, next) = cursor.fire(&p, year).expect("one catch-up");
        assert_eq!(firing.due_at, year);
        assert!(firing.loops > 6_000_000);
        assert_eq!(next.next_at, Some(year + TimeDelta::seconds(1)));
        assert_eq!(next.fire(&p, year), None);
    }

    #[test]
    fn default_p4_notifies_once() {
        let set = PolicySet::default();
        let p = set.policy_for(Some(4));
        assert_eq!(p.name, "low");
        let times: Vec<_> = (0..=600).map(|m| mins(m * 10)).collect();
        let firings = run(p, t0(), &times);
        assert_eq!(firings.len(), 1);
        assert_eq!(firings[0].urgency, Urgency::Low);
        assert!(!firings[0].sound);
    }

    #[test]
    fn default_p1_repeats_critically_with_sound_for_an_hour() {
        let p = PolicySet::default().policy_for(Some(1)).clone();
        let times: Vec<_> = (0..=180).map(mins).collect();
        let firings = run(&p, t0(), &times);
        assert_eq!(firings.len(), 31);
        assert!(
            firings
                .iter()
                .all(|f| f.urgency == Urgency::Critical && f.sound)
        );
        assert_eq!(firings.last().map(|f| f.due_at), Some(mins(60)));
    }

    #[test]
    fn default_p2_escalates_to_critical_after_half_an_hour() {
        let p = PolicySet::default().policy_for(Some(2)).clone();
        let times: Vec<_> = (0..=200).map(mins).collect();
        let firings = run(&p, t0(), &times);
        let normal: Vec<_> = firings
            .iter()
            .filter(|f| f.urgency == Urgency::Normal)
            .collect();
        assert_eq!(normal.len(), 7);
        let first_critical = firings
            .iter()
            .find(|f| f.urgency == Urgency::Critical)
            .expect("escalates");
        assert_eq!(first_critical.due_at, mins(35));
    }

    #[test]
    fn default_p3_notifies_three_times_fifteen_minutes_apart() {
        let p = PolicySet::default().policy_for(Some(3)).clone();
        let times: Vec<_> = (0..=120).map(mins).collect();
        let due: Vec<_> = run(&p, t0(), &times).iter().map(|f| f.due_at).collect();
        assert_eq!(due, vec![mins(0), mins(15), mins(30)]);
    }

    #[test]
    fn tickets_without_or_with_unknown_priority_get_the_default_policy() {
        let set = PolicySet::default();
        assert_eq!(set.policy_for(None).name, "normal");
        assert_eq!(set.policy_for(Some(99)).name, "normal");
    }

    #[test]
    fn snooze_brings_the_alert_back_at_the_same_step() {
        let p = builtin::high();
        let mut cursor = EscalationCursor::start(&p, t0());
        for m in 0..=40 {
            if let Some((_, next)) = cursor.fire(&p, mins(m)) {
                cursor = next;
            }
        }
        assert_eq!(cursor.step, 1, "reached the critical step");
        let snoozed = cursor.restart_at(&p, mins(100));
        assert_eq!(snoozed.fire(&p, mins(99)), None);
        let (firing, _) = snoozed.fire(&p, mins(100)).expect("back after snooze");
        assert_eq!(
            (firing.step, firing.repeat, firing.urgency),
            (1, 0, Urgency::Critical)
        );
    }

    #[test]
    fn snoozing_a_one_shot_alert_still_reminds_after_the_snooze() {
        let p = builtin::low();
        let cursor = EscalationCursor::start(&p, t0());
        let (_, done) = cursor.fire(&p, t0()).expect("fires once");
        assert!(done.is_exhausted());
        let snoozed = done.restart_at(&p, mins(30));
        assert!(snoozed.fire(&p, mins(30)).is_some());
    }

    #[test]
    fn cursor_from_a_different_policy_does_not_fire_or_panic() {
        let p = builtin::low();
        let stray = EscalationCursor {
            step: 5,
            repeat: 3,
            next_at: Some(t0()),
            loops: 0,
        };
        assert_eq!(stray.fire(&p, mins(1)), None);
        let empty = policy(vec![], true);
        assert!(EscalationCursor::start(&empty, t0()).is_exhausted());
        assert!(stray.restart_at(&empty, t0()).is_exhausted());
    }

    #[test]
    fn policy_snapshot_round_trips_losslessly() {
        let mut p = builtin::high();
        p.loop_policy = true;
        p.steps[1].delay = HumanDuration(Duration::new(90, 250_000_000));
        let json = serde_json::to_string(&p).expect("serialises");
        assert!(json.contains("\"loop\":true"), "{json}");
        let back: EscalationPolicy = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, p);
        let cursor = EscalationCursor {
            step: 1,
            repeat: 2,
            next_at: Some(t0()),
            loops: 3,
        };
        let json = serde_json::to_string(&cursor).expect("serialises");
        assert_eq!(
            serde_json::from_str::<EscalationCursor>(&json).ok(),
            Some(cursor)
        );
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(PolicySet::default().validate(), Ok(()));
    }

    #[test]
    fn policy_mistakes_are_reported_with_the_fix() {
        let empty = policy(vec![], false);
        assert!(matches!(empty.validate(), Err(PolicyError::NoSteps { .. })));

        let no_interval = policy(vec![step(0, Urgency::Normal, None, 3)], false);
        let err = no_interval.validate().expect_err("needs repeat_every");
        assert_eq!(
            err.to_string(),
            "step 1 of escalation policy \"test\" repeats 3 times but has no repeat_every: set repeat_every (e.g. \"5m\") or set max_repeats = 0"
        );

        let zero_interval = policy(vec![step(0, Urgency::Normal, Some(0), 3)], false);
        assert!(matches!(
            zero_interval.validate(),
            Err(PolicyError::RepeatTooFrequent { step: 1, .. })
        ));

        let tight = policy(vec![step(0, Urgency::Critical, None, 0)], true);
        let err = tight.validate().expect_err("tight loop");
        assert!(err.to_string().contains("loop = false"), "{err}");

        let huge = policy(vec![step(400 * 86_400, Urgency::Low, None, 0)], false);
        assert!(matches!(
            huge.validate(),
            Err(PolicyError::IntervalTooLong { .. })
        ));

        let unnamed = EscalationPolicy {
            name: String::new(),
            ..builtin::low()
        };
        assert_eq!(unnamed.validate(), Err(PolicyError::MissingName));
    }

    #[test]
    fn unvalidated_tight_loop_does_not_hang() {
        let tight = policy(vec![step(0, Urgency::Critical, Some(0), 1_000_000)], true);
        let cursor = EscalationCursor::start(&tight, t0());
        let (firing, next) = cursor.fire(&tight, mins(5)).expect("fires");
        assert_eq!(firing.repeat, 1_000_000);
        assert!(next.is_exhausted(), "a zero-length lap does not loop");
    }

    #[test]
    fn policy_set_names_the_missing_policy() {
        let mut set = PolicySet::default();
        set.by_priority.insert(2, "hihg".to_owned());
        let err = set.validate().expect_err("unknown policy");
        assert_eq!(
            err.to_string(),
            "priority 2 uses escalation policy \"hihg\", which is not defined: define [policies.hihg] or use one of: critical, high, low, normal"
        );
        // Even if used anyway, lookups fall back instead of panicking.
        assert_eq!(set.policy_for(Some(2)).name, "normal");
        set.default = "gone".to_owned();
        set.policies.clear();
        assert_eq!(set.policy_for(Some(2)).name, "normal");
    }

    #[test]
    fn config_only_needs_what_differs_from_the_defaults() {
        let json = r#"{
            "by_priority": { "P2": "pager", "5": "low" },
            "policies": { "pager": { "steps": [ { "urgency": "critical", "sound": true } ], "loop": false } }
        }"#;
        let set: PolicySet = serde_json::from_str(json).expect("valid config");
        assert_eq!(set.policy_for(Some(2)).name, "pager");
        assert_eq!(set.policy_for(Some(5)).name, "low");
        assert_eq!(set.policy_for(Some(1)).name, "critical");
        assert_eq!(set.default, "normal");
        let again: PolicySet =
            serde_json::from_str(&serde_json::to_string(&set).expect("serialises"))
                .expect("round trip");
        assert_eq!(again, set);
    }

    #[test]
    fn bad_policy_config_fails_to_load_with_a_clear_message() {
        let err =
            serde_json::from_str::<PolicySet>(r#"{ "by_priority": { "urgent": "critical" } }"#)
                .expect_err("bad key")
                .to_string();
        assert!(
            err.contains("\"urgent\" in by_priority is not a Halo priority id"),
            "{err}"
        );
        let err = serde_json::from_str::<PolicySet>(r#"{ "default": "nope" }"#)
            .expect_err("unknown default")
            .to_string();
        assert!(
            err.contains("default uses escalation policy \"nope\""),
            "{err}"
        );
        let err = serde_json::from_str::<PolicySet>(
            r#"{ "policies": { "a": { "name": "b", "steps": [ {} ] } } }"#,
        )
        .expect_err("mismatch")
        .to_string();
        assert!(err.contains("[policies.a] says name = \"b\""), "{err}");
        let err = serde_json::from_str::<PolicySet>(
            r#"{ "policies": { "a": { "steps": [ { "repat_every": "5m" } ] } } }"#,
        )
        .expect_err("typo")
        .to_string();
        assert!(err.contains("repat_every"), "{err}");
    }

    #[test]
    fn fire_points_list_the_nominal_timeline() {
        let p = builtin::normal();
        let points: Vec<_> = p.fire_points(t0()).map(|fp| fp.at).collect();
        assert_eq!(points, vec![mins(0), mins(15), mins(30)]);
        let looping = policy(vec![step(1, Urgency::Low, None, 0)], true);
        assert_eq!(looping.fire_points(t0()).take(3).count(), 3);
    }
}
