//! Keeps the README honest: its TOML example must deserialise into this
//! crate's types exactly as documented, and bad values must say what to fix.

use alert_policy::{
    Delivery, DutySchedule, EscalationCursor, GroupingRule, HumanDuration, PolicySet, Templates,
    Urgency,
};
use chrono::{TimeZone, Utc};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    escalation: PolicySet,
    schedule: DutySchedule,
    grouping: GroupingRule,
    templates: Templates,
}

fn readme_toml() -> String {
    let readme = include_str!("../README.md");
    let start = readme.find("```toml\n").expect("README has a TOML example") + "```toml\n".len();
    let len = readme[start..].find("```").expect("TOML block is closed");
    readme[start..start + len].to_owned()
}

#[test]
fn readme_example_loads_as_documented() {
    let config: Config = toml::from_str(&readme_toml()).expect("README example is valid");

    let critical = config.escalation.policy_for(Some(1));
    assert!(critical.loop_policy);
    assert_eq!(critical.steps.len(), 2);
    assert_eq!(
        critical.steps[0].repeat_every,
        Some(HumanDuration::from_mins(2))
    );
    assert_eq!(config.escalation.policy_for(Some(5)).name, "after-hours");
    assert_eq!(config.escalation.policy_for(Some(2)).name, "high");
    assert_eq!(config.escalation.policy_for(None).name, "normal");

    // 09:00 on Wednesday 15 January 2025 is office hours in London.
    let wednesday_9am = Utc
        .with_ymd_and_hms(2025, 1, 15, 9, 0, 0)
        .single()
        .expect("valid");
    assert_eq!(
        config.schedule.decide(wednesday_9am, Urgency::Normal),
        Delivery::Notify
    );
    let sunday_3am = Utc
        .with_ymd_and_hms(2025, 1, 19, 3, 0, 0)
        .single()
        .expect("valid");
    assert!(
        config.schedule.is_on_duty(sunday_3am),
        "Saturday night shift"
    );

    assert_eq!(config.grouping.threshold, 3);
    assert_eq!(config.templates, Templates::default());

    // A looping critical alert keeps notifying past the hour.
    let mut cursor = EscalationCursor::start(critical, wednesday_9am);
    let mut firings = 0;
    for minute in 0..=120 {
        let now = wednesday_9am + chrono::TimeDelta::minutes(minute);
        if let Some((_, next)) = cursor.fire(critical, now) {
            firings += 1;
            cursor = next;
        }
    }
    assert!(firings > 30, "{firings}");
    assert!(!cursor.is_exhausted());
}

#[test]
fn config_round_trips_through_toml() {
    let config: Config = toml::from_str(&readme_toml()).expect("valid");
    let text = toml::to_string(&config.escalation).expect("serialises");
    let again: PolicySet = toml::from_str(&text).expect("re-parses");
    assert_eq!(again, config.escalation);
    let text = toml::to_string(&config.schedule).expect("serialises");
    assert_eq!(
        toml::from_str::<DutySchedule>(&text).ok(),
        Some(config.schedule)
    );
}

#[test]
fn mistakes_in_toml_name_the_value_and_the_fix() {
    let cases = [
        (
            "[escalation]\ndefault = \"nope\"",
            "default uses escalation policy \"nope\", which is not defined",
        ),
        (
            "[escalation.policies.p]\nsteps = [ { delay = \"5x\" } ]",
            "\"5x\" is not a duration: use a number followed by s, m, h or d",
        ),
        (
            "[escalation.policies.p]\nsteps = [ { delay = 5 } ]",
            "add a unit",
        ),
        (
            "[escalation.policies.p]\nsteps = []",
            "escalation policy \"p\" has no steps",
        ),
        (
            "[schedule]\ntimezone = \"Europe/Londn\"",
            "\"Europe/Londn\" is not a known time zone",
        ),
        (
            "[schedule]\ntimezone = \"UTC\"\nwindows = [ { days = \"mon\", from = \"25:00\", to = \"06:00\" } ]",
            "\"25:00\" is not a time of day",
        ),
        (
            "[schedule]\ntimezone = \"UTC\"\nwindows = [ { days = \"mon-fryday\", from = \"08:00\", to = \"18:00\" } ]",
            "\"fryday\" is not a day name",
        ),
        (
            "[templates]\ntitle = \"{prioirty}\"",
            "unknown placeholder {prioirty}",
        ),
    ];
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)] // fields are only deserialised, to trigger the errors
    struct Partial {
        escalation: Option<PolicySet>,
        schedule: Option<DutySchedule>,
        templates: Option<Templates>,
    }
    for (toml_text, expected) in cases {
        let err = toml::from_str::<Partial>(toml_text)
            .expect_err(toml_text)
            .to_string();
        assert!(err.contains(expected), "for {toml_text:?}: {err}");
    }
}
