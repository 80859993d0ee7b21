//! Properties that must hold for any policy, schedule or input text, not just
//! the examples in the unit tests: no early or backwards notifications, no
//! bursts, no panics on hostile text.

use std::time::Duration;

use alert_policy::{
    DaySet, DutySchedule, DutyWindow, EscalationCursor, EscalationPolicy, EscalationStep,
    HumanDuration, TimeOfDay, Urgency, html_to_text,
    template::{Template, truncate},
};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use proptest::prelude::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 29, 23, 0, 0)
        .single()
        .expect("valid timestamp")
}

fn urgency() -> impl Strategy<Value = Urgency> {
    prop_oneof![
        Just(Urgency::Low),
        Just(Urgency::Normal),
        Just(Urgency::Critical)
    ]
}

fn step() -> impl Strategy<Value = EscalationStep> {
    (
        0u64..600,
        urgency(),
        any::<bool>(),
        proptest::option::of(1u64..300),
        0u32..6,
    )
        .prop_map(
            |(delay, urgency, sound, every, max_repeats)| EscalationStep {
                delay: HumanDuration::from_secs(delay),
                urgency,
                sound,
                repeat_every: every.map(HumanDuration::from_secs),
                max_repeats: if every.is_some() { max_repeats } else { 0 },
            },
        )
}

fn policy() -> impl Strategy<Value = EscalationPolicy> {
    (proptest::collection::vec(step(), 1..4), any::<bool>())
        .prop_map(|(steps, loop_policy)| EscalationPolicy {
            name: "generated".to_owned(),
            steps,
            loop_policy,
        })
        .prop_filter("valid policies only", |p| p.validate().is_ok())
}

/// Non-decreasing call times: gaps of 0s (same instant) up to ~40 minutes.
fn call_times() -> impl Strategy<Value = Vec<DateTime<Utc>>> {
    proptest::collection::vec(0i64..2400, 1..40).prop_map(|gaps| {
        let mut now = t0();
        gaps.into_iter()
            .map(|gap| {
                now += TimeDelta::seconds(gap);
                now
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn firings_are_never_early_backwards_bursty_or_too_many(
        policy in policy(),
        times in call_times(),
    ) {
        let last_call = *times.last().expect("at least one call");
        let nominal: Vec<_> = policy
            .fire_points(t0())
            .take_while(|p| p.at <= last_call)
            .collect();

        let mut cursor = EscalationCursor::start(&policy, t0());
        let mut fired = Vec::new();
        let mut exhausted_at: Option<DateTime<Utc>> = None;
        for &now in &times {
            let Some((firing, next)) = cursor.fire(&policy, now) else {
                continue;
            };
            prop_assert!(exhausted_at.is_none(), "an exhausted cursor fired");
            prop_assert!(firing.due_at <= now, "fired before it was due");
            let position = (firing.loops, firing.step, firing.repeat);
            if let Some(&(prev_position, prev_due)) = fired.last() {
                prop_assert!(position > prev_position, "went backwards: {position:?} after {prev_position:?}");
                prop_assert!(firing.due_at >= prev_due);
            }
            // It is a real point of the ladder, due by the nominal timeline too.
            prop_assert!(nominal.iter().any(|p| (p.loops, p.step, p.repeat) == position && p.at <= now));
            // No second firing at the same instant: the next one is strictly later.
            prop_assert!(next.next_at.is_none_or(|at| at > now));
            prop_assert_eq!(next.fire(&policy, now), None);
            // Catching up never crowds the next one: it keeps its usual gap
            // from now. A firing that missed nothing (the timer merely woke
            // late) keeps the schedule: its gap from the due time.
            if let Some(next_at) = next.next_at {
                let step = &policy.steps[next.step];
                let gap = if next.repeat > 0 {
                    step.repeat_every.map(HumanDuration::as_std).unwrap_or_default()
                } else {
                    step.delay.as_std()
                };
                let anchor = if firing.missed == 0 { firing.due_at } else { now };
                prop_assert_eq!(next_at, anchor + TimeDelta::from_std(gap).expect("small gap"));
            }
            fired.push((position, firing.due_at));
            if next.is_exhausted() {
                exhausted_at = Some(now);
            }
            cursor = next;
        }
        prop_assert!(fired.len() <= nominal.len());
        if cursor.is_exhausted() {
            prop_assert_eq!(cursor.fire(&policy, last_call + TimeDelta::days(3650)), None);
        }
    }

    #[test]
    fn calling_on_time_reproduces_the_nominal_timeline(policy in policy()) {
        let calls: Vec<_> = policy.fire_points(t0()).take(50).map(|p| p.at).collect();
        let last_call = *calls.last().expect("a valid policy has a first point");
        let nominal: Vec<_> = policy
            .fire_points(t0())
            .take(500)
            .take_while(|p| p.at <= last_call)
            .collect();
        let mut cursor = EscalationCursor::start(&policy, t0());
        let mut fired = Vec::new();
        for &at in &calls {
            if let Some((firing, next)) = cursor.fire(&policy, at) {
                fired.push((firing.loops, firing.step, firing.repeat, firing.due_at));
                cursor = next;
            }
        }
        // Points at the same instant coalesce into the last of them.
        let mut expected: Vec<(u32, usize, u32, DateTime<Utc>)> = Vec::new();
        for p in &nominal {
            if expected.last().is_some_and(|last| last.3 == p.at) {
                expected.pop();
            }
            expected.push((p.loops, p.step, p.repeat, p.at));
        }
        prop_assert_eq!(fired, expected);
    }

    #[test]
    fn policy_snapshots_survive_serde(policy in policy()) {
        let json = serde_json::to_string(&policy).expect("serialises");
        let back: EscalationPolicy = serde_json::from_str(&json).expect("deserialises");
        prop_assert_eq!(back, policy);
    }

    #[test]
    fn durations_round_trip_through_their_text(secs in 0..=alert_policy::LONGEST.as_secs() - 1, nanos in 0u32..1_000_000_000) {
        let d = HumanDuration(Duration::new(secs, nanos));
        prop_assert_eq!(d.to_string().parse::<HumanDuration>(), Ok(d));
    }

    #[test]
    fn duration_parsing_never_panics(text in "\\PC*") {
        let _ = text.parse::<HumanDuration>();
    }

    #[test]
    fn html_to_text_never_panics_on_anything(html in "\\PC*|(?s).*") {
        let text = html_to_text(&html);
        prop_assert!(!text.contains("\n\n"));
        prop_assert!(!text.chars().any(|c| c.is_control() && c != '\n'));
        prop_assert_eq!(text.trim(), text.as_str());
    }

    #[test]
    fn html_to_text_never_panics_on_tag_soup(
        pieces in proptest::collection::vec(
            prop_oneof![
                Just("<"), Just(">"), Just("</"), Just("<script>"), Just("</script"),
                Just("<style "), Just("<p>"), Just("<li>"), Just("<br/>"), Just("<!--"),
                Just("-->"), Just("<!"), Just("&"), Just("&amp;"), Just("&#"), Just("&#x"),
                Just(";"), Just("\""), Just("'"), Just("="), Just(" "), Just("\n"), Just("a"),
                Just("é"), Just("😀"), Just("<td>"), Just("div"), Just("\u{0}"),
            ],
            0..80,
        )
    ) {
        let html = pieces.concat();
        let text = html_to_text(&html);
        prop_assert!(!text.contains("\n\n"));
        prop_assert!(!text.chars().any(|c| c.is_control() && c != '\n'));
    }

    #[test]
    fn plain_text_without_markup_only_has_its_whitespace_collapsed(text in "[^<&•]*") {
        let expected = text
            .chars()
            .map(|c| if c.is_whitespace() { ' ' } else { c })
            .filter(|c| !c.is_control())
            .collect::<String>()
            .split(' ')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        prop_assert_eq!(html_to_text(&text), expected);
    }

    #[test]
    fn rendered_notifications_respect_the_length_caps(value in "\\PC*", max in 0usize..200) {
        let template = Template::parse("{summary} {details}").expect("valid");
        let fields = std::collections::BTreeMap::from([
            ("summary", value.clone()),
            ("details", value),
        ]);
        let cut = truncate(&template.render(&fields), max);
        prop_assert!(cut.chars().count() <= max);
    }

}

proptest! {
    // Each case probes every minute up to the answer (up to 8 days' worth).
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn next_duty_start_is_the_first_on_duty_minute(
        zone in prop_oneof![
            Just("Europe/London"), Just("America/New_York"), Just("Australia/Sydney"),
            Just("Australia/Lord_Howe"), Just("Asia/Kolkata"), Just("UTC"),
        ],
        days in 1u8..128,
        from in 0u32..1440,
        to in 1u32..=1440,
        minutes_from_t0 in 0i64..(2 * 366 * 1440),
    ) {
        prop_assume!(from != to);
        let window = DutyWindow {
            days: format_days(days).parse::<DaySet>().expect("valid days"),
            from: TimeOfDay::new(from / 60, from % 60).expect("valid time"),
            to: TimeOfDay::new(to / 60, to % 60).expect("valid time"),
        };
        let schedule = DutySchedule {
            timezone: alert_policy::schedule::parse_time_zone(zone).expect("known zone"),
            windows: vec![window],
            critical_breaks_through: false,
        };
        let now = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single().expect("valid")
            + TimeDelta::minutes(minutes_from_t0)
            + TimeDelta::seconds(17);
        let start = schedule.next_duty_start(now).expect("a weekly window always recurs");
        prop_assert!(start >= now);
        prop_assert!(schedule.is_on_duty(start));
        let mut probe = now;
        while probe < start {
            prop_assert!(!schedule.is_on_duty(probe), "on duty at {probe} before {start}");
            probe += TimeDelta::minutes(1);
        }
    }
}

fn format_days(bits: u8) -> String {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, d)| *d)
        .collect::<Vec<_>>()
        .join(",")
}
