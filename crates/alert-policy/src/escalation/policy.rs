//! One escalation ladder: its steps (delay, urgency, sound, repeats), the
//! rules a usable policy follows, and its nominal timeline of fire points.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::PolicyError;
use crate::duration::HumanDuration;
use crate::urgency::Urgency;

/// Repeats closer together than this would flood the desktop.
pub const MIN_REPEAT_INTERVAL: Duration = Duration::from_secs(1);
/// A looping policy must take at least this long per lap.
pub const MIN_LOOP_LENGTH: Duration = Duration::from_secs(1);
/// Longest delay or repeat interval accepted; anything longer is a typo.
pub const MAX_INTERVAL: Duration = Duration::from_secs(365 * 86_400);

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
    pub(super) fn effective_repeats(&self) -> u32 {
        if self.repeat_every.is_some() {
            self.max_repeats
        } else {
            0
        }
    }

    pub(super) fn every(&self) -> Duration {
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

pub(super) fn add(at: DateTime<Utc>, d: Duration) -> Option<DateTime<Utc>> {
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
    pub(super) fn points_per_lap(&self) -> u32 {
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
    pub(super) fn next_position(
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

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

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
    fn fire_points_list_the_nominal_timeline() {
        let p = builtin::normal();
        let points: Vec<_> = p.fire_points(t0()).map(|fp| fp.at).collect();
        assert_eq!(points, vec![mins(0), mins(15), mins(30)]);
        let looping = policy(vec![step(1, Urgency::Low, None, 0)], true);
        assert_eq!(looping.fire_points(t0()).take(3).count(), 3);
    }
}
