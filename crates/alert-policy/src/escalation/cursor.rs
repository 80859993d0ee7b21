//! Where an alert is on its ladder (the cursor the engine stores per alert)
//! and what is due at `now`, folding missed notifications into one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::policy::{EscalationPolicy, FirePoint, add};
use crate::urgency::Urgency;

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
    /// A timer that merely woke late (nothing missed) keeps the schedule:
    /// the next one is its gap after the due time, so lateness never adds
    /// up over an hour of repeats.
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
        // Nothing missed means `point.at + gap` is still ahead of `now`.
        let anchor = if missed == 0 { point.at } else { now };
        let next = match policy.next_position(point.step, point.repeat, point.loops) {
            Some((step, repeat, loops, gap)) => EscalationCursor {
                step,
                repeat,
                next_at: add(anchor, gap),
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

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

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
    fn a_timer_waking_late_each_time_does_not_push_the_schedule_back() {
        let p = builtin::critical();
        let mut cursor = EscalationCursor::start(&p, t0());
        // Every wake-up 1.5 s late: the tenth repeat is still due at 09:20.
        for repeat in 0..=10 {
            let due = mins(2 * repeat);
            assert_eq!(cursor.next_at, Some(due), "repeat {repeat}");
            let (firing, next) = cursor
                .fire(&p, due + TimeDelta::milliseconds(1500))
                .expect("due");
            assert_eq!((firing.repeat, firing.missed), (repeat as u32, 0));
            cursor = next;
        }
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
}
