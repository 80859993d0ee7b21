//! The workspace's one parser for human-written durations ("90s", "5m",
//! "1h30m") in config files and on command lines. Display is canonical and
//! exact, so a policy snapshot survives a serde round trip unchanged.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// What the user should write, repeated in every parse error.
const HINT: &str = "use a number followed by s, m, h or d, e.g. 90s, 5m, 1h";

/// A parse failure; the message names the offending text and says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DurationError {
    #[error("a duration cannot be empty: {HINT}")]
    Empty,
    #[error("\"{0}\" is not a duration: durations cannot be negative; {HINT}")]
    Negative(String),
    #[error("\"{0}\" is not a duration: add a unit, e.g. \"{0}s\" or \"{0}m\"")]
    MissingUnit(String),
    #[error("\"{0}\" is not a duration: {HINT}")]
    Invalid(String),
    #[error("\"{0}\" is not a duration: write each unit once, largest first, e.g. 1h30m")]
    UnitOrder(String),
    #[error("\"{0}\" is too long to be a duration: use a smaller value")]
    Overflow(String),
    #[error(
        "\"{0}\" is longer than ten years (3650d), which cannot be meant: use a shorter duration"
    )]
    TooLong(String),
    #[error("{what} of {value} is {problem}: use a duration from {min} to {max}")]
    OutOfRange {
        what: String,
        value: HumanDuration,
        problem: &'static str,
        min: HumanDuration,
        max: HumanDuration,
    },
}

/// The longest duration the parser accepts. Anything longer is a typo, and
/// refusing it keeps every `now + duration` inside chrono's calendar.
pub const LONGEST: Duration = Duration::from_secs(3650 * 86_400);

/// Parses a duration for a command-line flag (`value_parser = parse_std`).
pub fn parse_std(text: &str) -> Result<Duration, DurationError> {
    text.parse::<HumanDuration>().map(HumanDuration::as_std)
}

/// A [`Duration`] written the way people write it in config files.
///
/// Units: `d`, `h`, `m`, `s`, and for sub-second precision `ms`, `us`, `ns`.
/// Components combine largest first (`1h30m`, `2d12h`, `1m30s500ms`), each
/// unit at most once; spaces between components are allowed (`1h 30m`).
/// Display always prints the canonical form (`90s` prints as `1m30s`), which
/// parses back to exactly the same value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    pub const ZERO: HumanDuration = HumanDuration(Duration::ZERO);

    pub const fn from_secs(secs: u64) -> Self {
        HumanDuration(Duration::from_secs(secs))
    }

    pub const fn from_mins(mins: u64) -> Self {
        HumanDuration(Duration::from_secs(mins.saturating_mul(60)))
    }

    pub const fn from_millis(millis: u64) -> Self {
        HumanDuration(Duration::from_millis(millis))
    }

    pub const fn as_std(self) -> Duration {
        self.0
    }

    pub const fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// Refuses a value outside `min..=max` with a message naming `what`
    /// (e.g. "snooze"), for settings where zero or a huge value is a mistake.
    pub fn within(self, what: &str, min: Duration, max: Duration) -> Result<Self, DurationError> {
        let problem = if self.0 < min {
            "too short"
        } else if self.0 > max {
            "too long"
        } else {
            return Ok(self);
        };
        Err(DurationError::OutOfRange {
            what: what.to_owned(),
            value: self,
            problem,
            min: HumanDuration(min),
            max: HumanDuration(max),
        })
    }

    /// The wall-clock time `self` after `at`, or chrono's last instant if
    /// that lies past the end of its calendar: never a panic.
    pub fn after(self, at: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        chrono::TimeDelta::from_std(self.0)
            .ok()
            .and_then(|delta| at.checked_add_signed(delta))
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC)
    }
}

impl From<Duration> for HumanDuration {
    fn from(d: Duration) -> Self {
        HumanDuration(d)
    }
}

impl From<HumanDuration> for Duration {
    fn from(d: HumanDuration) -> Self {
        d.0
    }
}

/// Units from largest to smallest, with their length in nanoseconds. The
/// order matters twice: parsing demands it and Display emits it.
const UNITS: [(&str, u128); 7] = [
    ("d", 86_400_000_000_000),
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("us", 1_000),
    ("ns", 1),
];

impl FromStr for HumanDuration {
    type Err = DurationError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let text = input.trim();
        if text.is_empty() {
            return Err(DurationError::Empty);
        }
        if text.starts_with('-') {
            return Err(DurationError::Negative(text.to_owned()));
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DurationError::MissingUnit(text.to_owned()));
        }

        let invalid = || DurationError::Invalid(text.to_owned());
        let overflow = || DurationError::Overflow(text.to_owned());
        let bytes = text.as_bytes();
        let mut pos = 0;
        let mut total: u128 = 0;
        // Index into UNITS of the last unit seen; the next must be smaller.
        let mut last_unit: Option<usize> = None;

        while pos < bytes.len() {
            while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
                pos += 1;
            }
            let digits_start = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                pos += 1;
            }
            if pos == digits_start {
                return Err(invalid());
            }
            let mut number: u128 = 0;
            for &b in &bytes[digits_start..pos] {
                number = number
                    .checked_mul(10)
                    .and_then(|n| n.checked_add(u128::from(b - b'0')))
                    .ok_or_else(overflow)?;
            }
            let unit_start = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_alphabetic() {
                pos += 1;
            }
            let unit = &text[unit_start..pos];
            let index = UNITS
                .iter()
                .position(|(name, _)| *name == unit)
                .ok_or_else(invalid)?;
            if last_unit.is_some_and(|last| index <= last) {
                return Err(DurationError::UnitOrder(text.to_owned()));
            }
            last_unit = Some(index);
            let nanos = number.checked_mul(UNITS[index].1).ok_or_else(overflow)?;
            total = total.checked_add(nanos).ok_or_else(overflow)?;
            while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
                pos += 1;
            }
        }

        if total > LONGEST.as_nanos() {
            return Err(DurationError::TooLong(text.to_owned()));
        }
        let secs = u64::try_from(total / 1_000_000_000).map_err(|_| overflow())?;
        // The remainder is below 10^9, so it always fits.
        let subsec = u32::try_from(total % 1_000_000_000).map_err(|_| overflow())?;
        Ok(HumanDuration(Duration::new(secs, subsec)))
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0.as_nanos();
        if rest == 0 {
            return f.write_str("0s");
        }
        for (name, size) in UNITS {
            let count = rest / size;
            if count > 0 {
                write!(f, "{count}{name}")?;
                rest %= size;
            }
        }
        Ok(())
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(HumanDurationVisitor)
    }
}

struct HumanDurationVisitor;

impl Visitor<'_> for HumanDurationVisitor {
    type Value = HumanDuration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration string such as \"90s\", \"5m\" or \"1h30m\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        v.parse().map_err(E::custom)
    }

    // A bare number in TOML (`delay = 5`) is a common slip; say which unit to add
    // rather than serde's generic "invalid type".
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Err(E::custom(DurationError::MissingUnit(v.to_string())))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        if v < 0 {
            Err(E::custom(DurationError::Negative(v.to_string())))
        } else {
            Err(E::custom(DurationError::MissingUnit(v.to_string())))
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Err(E::custom(DurationError::Invalid(v.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<HumanDuration, DurationError> {
        s.parse()
    }

    #[test]
    fn common_config_spellings_parse() {
        assert_eq!(parse("90s"), Ok(HumanDuration::from_secs(90)));
        assert_eq!(parse("2s"), Ok(HumanDuration::from_secs(2)));
        assert_eq!(parse("5m"), Ok(HumanDuration::from_mins(5)));
        assert_eq!(parse("1h"), Ok(HumanDuration::from_secs(3600)));
        assert_eq!(parse("1h30m"), Ok(HumanDuration::from_secs(5400)));
        assert_eq!(parse("1h 30m"), Ok(HumanDuration::from_secs(5400)));
        assert_eq!(parse("2d"), Ok(HumanDuration::from_secs(172_800)));
        assert_eq!(parse("500ms"), Ok(HumanDuration::from_millis(500)));
        assert_eq!(parse("0s"), Ok(HumanDuration::ZERO));
        assert_eq!(parse("  5m  "), Ok(HumanDuration::from_mins(5)));
    }

    #[test]
    fn display_is_canonical_and_round_trips() {
        assert_eq!(parse("90s").expect("valid").to_string(), "1m30s");
        assert_eq!(parse("120m").expect("valid").to_string(), "2h");
        assert_eq!(HumanDuration::ZERO.to_string(), "0s");
        let odd = HumanDuration(Duration::new(93_784, 5_006_007));
        assert_eq!(odd.to_string(), "1d2h3m4s5ms6us7ns");
        assert_eq!(parse(&odd.to_string()), Ok(odd));
        let max = HumanDuration(LONGEST);
        assert_eq!(parse(&max.to_string()), Ok(max));
    }

    #[test]
    fn typo_in_unit_says_what_to_write() {
        let err = parse("5x").expect_err("invalid");
        assert_eq!(
            err.to_string(),
            "\"5x\" is not a duration: use a number followed by s, m, h or d, e.g. 90s, 5m, 1h"
        );
    }

    #[test]
    fn bad_durations_are_rejected_with_a_reason() {
        assert_eq!(parse(""), Err(DurationError::Empty));
        assert_eq!(parse("   "), Err(DurationError::Empty));
        assert!(matches!(parse("-5m"), Err(DurationError::Negative(_))));
        assert!(matches!(parse("90"), Err(DurationError::MissingUnit(_))));
        assert!(matches!(parse("m"), Err(DurationError::Invalid(_))));
        assert!(matches!(parse("1.5h"), Err(DurationError::Invalid(_))));
        assert!(matches!(parse("5 m"), Err(DurationError::Invalid(_))));
        assert!(matches!(parse("5M"), Err(DurationError::Invalid(_))));
        assert!(matches!(parse("30m1h"), Err(DurationError::UnitOrder(_))));
        assert!(matches!(parse("1h1h"), Err(DurationError::UnitOrder(_))));
        assert!(matches!(
            parse("99999999999999999999999999999999999999999d"),
            Err(DurationError::Overflow(_))
        ));
        assert!(matches!(
            parse("999999999999999999999d"),
            Err(DurationError::TooLong(_))
        ));
        assert!(
            parse("90")
                .expect_err("no unit")
                .to_string()
                .contains("e.g. \"90s\"")
        );
    }

    #[test]
    fn durations_of_years_are_refused_with_the_limit() {
        for absurd in ["3651d", "100000d", "87601h", "18446744073709551615s"] {
            let err = parse(absurd).expect_err(absurd);
            assert!(
                matches!(err, DurationError::TooLong(_)),
                "{absurd}: {err:?}"
            );
            assert!(err.to_string().contains("3650d"), "{err}");
        }
        assert_eq!(parse("3650d"), Ok(HumanDuration(LONGEST)));
    }

    #[test]
    fn settings_refuse_zero_or_huge_with_the_allowed_range() {
        let min = Duration::from_secs(60);
        let max = Duration::from_secs(7 * 86_400);
        let err = HumanDuration::ZERO
            .within("snooze", min, max)
            .expect_err("zero");
        assert_eq!(
            err.to_string(),
            "snooze of 0s is too short: use a duration from 1m to 7d"
        );
        assert!(
            HumanDuration::from_secs(8 * 86_400)
                .within("snooze", min, max)
                .is_err()
        );
        assert!(
            HumanDuration::from_mins(5)
                .within("snooze", min, max)
                .is_ok()
        );
    }

    #[test]
    fn adding_the_longest_duration_to_any_time_never_panics() {
        let end = chrono::DateTime::<chrono::Utc>::MAX_UTC;
        assert_eq!(HumanDuration(LONGEST).after(end), end);
        assert_eq!(HumanDuration(Duration::MAX).after(chrono::Utc::now()), end);
    }

    #[test]
    fn serde_uses_the_human_string() {
        let d = HumanDuration::from_secs(5400);
        assert_eq!(serde_json::to_string(&d).ok().as_deref(), Some("\"1h30m\""));
        let back: HumanDuration = serde_json::from_str("\"90m\"").expect("valid");
        assert_eq!(back, d);
        let err = serde_json::from_str::<HumanDuration>("5")
            .expect_err("bare number")
            .to_string();
        assert!(err.contains("add a unit"), "{err}");
    }
}
