//! Duty hours and quiet hours: whether a technician should be interrupted now,
//! in their own time zone's wall-clock time (DST handled by chrono-tz), and
//! when duty next begins so a digest can wait for it.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc,
};
use chrono_tz::{GapInfo, TZ_VARIANTS, Tz};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

use crate::urgency::Urgency;

const DAY_HINT: &str =
    "use mon, tue, wed, thu, fri, sat, sun, ranges like \"mon-fri\" or lists like \"sat,sun\"";

/// A schedule that cannot be used; messages name the value and the fix.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScheduleError {
    #[error("\"{0}\" is not a time of day: use 24-hour HH:MM, e.g. \"08:00\" or \"17:30\"")]
    BadTime(String),
    #[error("\"{value}\" is not a list of days: \"{part}\" is not a day name; {DAY_HINT}")]
    BadDays { value: String, part: String },
    #[error("a duty window has no days: {DAY_HINT}")]
    NoDays,
    #[error("\"{value}\" is not a known time zone: {hint}")]
    UnknownTimeZone { value: String, hint: String },
    #[error(
        "a duty window runs from {time} to {time}: for all day use from = \"00:00\", to = \"24:00\""
    )]
    EmptyWindow { time: TimeOfDay },
    #[error("a duty window cannot start at 24:00: use from = \"00:00\"")]
    StartsAtMidnightEnd,
}

/// What to do with a notification given the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// On duty: show it.
    Notify,
    /// Off duty: keep the alert (for the digest at the next duty start) but do
    /// not interrupt.
    RecordOnly,
    /// Off duty, but critical and the schedule lets critical through.
    BreakThrough,
}

/// A wall-clock time of day, minute precision; `24:00` is allowed as an end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay(u16);

impl TimeOfDay {
    pub const MIDNIGHT: TimeOfDay = TimeOfDay(0);
    pub const END_OF_DAY: TimeOfDay = TimeOfDay(24 * 60);

    /// `hour` 0..=24, `minute` 0..=59 (24 only with minute 0).
    pub fn new(hour: u32, minute: u32) -> Option<Self> {
        let ok = (hour < 24 && minute < 60) || (hour == 24 && minute == 0);
        ok.then(|| TimeOfDay(u16::try_from(hour * 60 + minute).unwrap_or(0)))
    }

    pub fn minutes_since_midnight(self) -> u32 {
        u32::from(self.0)
    }
}

impl FromStr for TimeOfDay {
    type Err = ScheduleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ScheduleError::BadTime(s.to_owned());
        let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
        let digits = |part: &str, max_len: usize| {
            (!part.is_empty() && part.len() <= max_len && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse::<u32>().ok())
                .flatten()
        };
        let hour = digits(h, 2).ok_or_else(bad)?;
        let minute = (m.len() == 2)
            .then(|| digits(m, 2))
            .flatten()
            .ok_or_else(bad)?;
        TimeOfDay::new(hour, minute).ok_or_else(bad)
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for TimeOfDay {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const LONG_DAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// A set of weekdays, written `"mon-fri"`, `"sat,sun"`, `"fri-mon"` (ranges
/// wrap past Sunday), `"weekdays"`, `"weekends"` or `"daily"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DaySet(u8);

impl DaySet {
    pub const EVERY_DAY: DaySet = DaySet(0b111_1111);
    pub const WEEKDAYS: DaySet = DaySet(0b001_1111);
    pub const WEEKENDS: DaySet = DaySet(0b110_0000);

    pub fn contains(self, day: chrono::Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn day_index(name: &str) -> Option<u32> {
        let name = name.trim().to_ascii_lowercase();
        let extra = match name.as_str() {
            "tues" => Some(1),
            "thur" | "thurs" => Some(3),
            _ => None,
        };
        DAY_NAMES
            .iter()
            .zip(LONG_DAY_NAMES)
            .position(|(short, long)| name == *short || name == long)
            .and_then(|i| u32::try_from(i).ok())
            .or(extra)
    }
}

impl FromStr for DaySet {
    type Err = ScheduleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().is_empty() {
            return Err(ScheduleError::NoDays);
        }
        let mut bits = 0u8;
        for raw in s.split(',') {
            let part = raw.trim();
            let bad_name = |name: &str| ScheduleError::BadDays {
                value: s.to_owned(),
                part: name.trim().to_owned(),
            };
            match part.to_ascii_lowercase().as_str() {
                "daily" | "all" | "every day" | "*" => bits |= DaySet::EVERY_DAY.0,
                "weekdays" => bits |= DaySet::WEEKDAYS.0,
                "weekends" | "weekend" => bits |= DaySet::WEEKENDS.0,
                _ => {
                    if let Some((first, last)) = part.split_once('-') {
                        let first = DaySet::day_index(first).ok_or_else(|| bad_name(first))?;
                        let last = DaySet::day_index(last).ok_or_else(|| bad_name(last))?;
                        let mut day = first;
                        loop {
                            bits |= 1 << day;
                            if day == last {
                                break;
                            }
                            day = (day + 1) % 7;
                        }
                    } else {
                        bits |= 1 << DaySet::day_index(part).ok_or_else(|| bad_name(part))?;
                    }
                }
            }
        }
        if bits == 0 {
            return Err(ScheduleError::NoDays);
        }
        Ok(DaySet(bits))
    }
}

impl fmt::Display for DaySet {
    /// Canonical: runs of three or more days as ranges (`mon-fri`), others listed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        let mut day = 0;
        while day < 7 {
            if self.0 & (1 << day) == 0 {
                day += 1;
                continue;
            }
            let start = day;
            while day < 7 && self.0 & (1 << day) != 0 {
                day += 1;
            }
            let end = day - 1;
            match end - start {
                0 => parts.push(DAY_NAMES[start].to_owned()),
                1 => parts.push(format!("{},{}", DAY_NAMES[start], DAY_NAMES[end])),
                _ => parts.push(format!("{}-{}", DAY_NAMES[start], DAY_NAMES[end])),
            }
        }
        f.write_str(&parts.join(","))
    }
}

impl Serialize for DaySet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DaySet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A weekly on-duty window. When `to` is earlier than `from` the window runs
/// past midnight and belongs to the day it *starts* on: `fri 22:00-06:00`
/// covers Friday night until 06:00 Saturday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WindowConfig")]
pub struct DutyWindow {
    pub days: DaySet,
    pub from: TimeOfDay,
    pub to: TimeOfDay,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowConfig {
    days: DaySet,
    from: TimeOfDay,
    to: TimeOfDay,
}

impl TryFrom<WindowConfig> for DutyWindow {
    type Error = ScheduleError;

    fn try_from(c: WindowConfig) -> Result<Self, ScheduleError> {
        let window = DutyWindow {
            days: c.days,
            from: c.from,
            to: c.to,
        };
        window.validate()?;
        Ok(window)
    }
}

impl DutyWindow {
    pub fn validate(&self) -> Result<(), ScheduleError> {
        if self.days.is_empty() {
            return Err(ScheduleError::NoDays);
        }
        if self.from == TimeOfDay::END_OF_DAY {
            return Err(ScheduleError::StartsAtMidnightEnd);
        }
        if self.from == self.to {
            return Err(ScheduleError::EmptyWindow { time: self.from });
        }
        Ok(())
    }

    /// Whether local wall-clock `minute` on a day `day` falls in the window.
    fn covers(&self, day: chrono::Weekday, minute: u16) -> bool {
        let (from, to) = (self.from.0, self.to.0);
        if from < to {
            self.days.contains(day) && (from..to).contains(&minute)
        } else {
            (self.days.contains(day) && minute >= from)
                || (self.days.contains(day.pred()) && minute < to)
        }
    }
}

/// When the technician wants to be interrupted. No windows means always on
/// duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DutySchedule {
    /// IANA name, e.g. "Europe/London"; windows are in this zone's wall time.
    #[serde(with = "tz_name")]
    pub timezone: Tz,
    /// Weekly on-duty windows (`days` is accepted as an alias).
    #[serde(default, alias = "days")]
    pub windows: Vec<DutyWindow>,
    /// Off duty, critical notifications still interrupt. Default true: the
    /// app exists so that nothing urgent is missed.
    #[serde(default = "default_true")]
    pub critical_breaks_through: bool,
}

fn default_true() -> bool {
    true
}

impl Default for DutySchedule {
    /// Always on duty.
    fn default() -> Self {
        DutySchedule {
            timezone: Tz::UTC,
            windows: Vec::new(),
            critical_breaks_through: true,
        }
    }
}

/// Parses an IANA time zone name; errors suggest the right spelling when only
/// the letter case is off.
pub fn parse_time_zone(name: &str) -> Result<Tz, ScheduleError> {
    let trimmed = name.trim();
    if let Ok(tz) = trimmed.parse::<Tz>() {
        return Ok(tz);
    }
    let hint = TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(trimmed))
        .map_or_else(
            || "use an IANA name such as \"Europe/London\" or \"America/New_York\"".to_owned(),
            |tz| format!("did you mean \"{}\"?", tz.name()),
        );
    Err(ScheduleError::UnknownTimeZone {
        value: name.to_owned(),
        hint,
    })
}

mod tz_name {
    use chrono_tz::Tz;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(tz: &Tz, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(tz.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Tz, D::Error> {
        let name = String::deserialize(deserializer)?;
        super::parse_time_zone(&name).map_err(serde::de::Error::custom)
    }
}

impl DutySchedule {
    pub fn validate(&self) -> Result<(), ScheduleError> {
        self.windows.iter().try_for_each(DutyWindow::validate)
    }

    /// Whether `now` falls in a duty window, by the wall clock of `timezone`.
    pub fn is_on_duty(&self, now: DateTime<Utc>) -> bool {
        if self.windows.is_empty() {
            return true;
        }
        let local = now.with_timezone(&self.timezone);
        let minute = u16::try_from(local.hour() * 60 + local.minute()).unwrap_or(0);
        let day = local.weekday();
        self.windows.iter().any(|w| w.covers(day, minute))
    }

    /// The earliest instant at or after `now` when the technician is on duty:
    /// `now` itself if on duty already. None only if no window can ever apply.
    /// Use it to schedule the digest of alerts recorded during quiet hours.
    pub fn next_duty_start(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.is_on_duty(now) {
            return Some(now);
        }
        let today = now.with_timezone(&self.timezone).date_naive();
        // Eight days covers every weekly window even across a DST change.
        (0..=8u64)
            .filter_map(|offset| today.checked_add_days(Days::new(offset)))
            .flat_map(|date| {
                self.windows
                    .iter()
                    .filter(move |w| w.days.contains(date.weekday()))
                    .flat_map(move |w| self.local_instants(date, w.from))
            })
            .filter(|&start| start > now && self.is_on_duty(start))
            .min()
    }

    /// Delivery for a notification of `urgency` at `now`.
    pub fn decide(&self, now: DateTime<Utc>, urgency: Urgency) -> Delivery {
        if self.is_on_duty(now) {
            Delivery::Notify
        } else if urgency == Urgency::Critical && self.critical_breaks_through {
            Delivery::BreakThrough
        } else {
            Delivery::RecordOnly
        }
    }

    /// The instants at which the wall clock shows `time` on `date`: two when
    /// the clocks go back, and for a time skipped when clocks go forward, the
    /// first instant after the jump (when the wall clock has passed `time`).
    fn local_instants(&self, date: NaiveDate, time: TimeOfDay) -> Vec<DateTime<Utc>> {
        let minutes = time.minutes_since_midnight();
        let Some(naive) = date.and_hms_opt(minutes / 60, minutes % 60, 0) else {
            return Vec::new();
        };
        match self.timezone.from_local_datetime(&naive) {
            LocalResult::Single(t) => vec![t.with_timezone(&Utc)],
            LocalResult::Ambiguous(a, b) => vec![a.with_timezone(&Utc), b.with_timezone(&Utc)],
            LocalResult::None => self.after_gap(&naive).into_iter().collect(),
        }
    }

    fn after_gap(&self, naive: &NaiveDateTime) -> Option<DateTime<Utc>> {
        if let Some(end) = GapInfo::new(naive, &self.timezone).and_then(|g| g.end) {
            return Some(end.with_timezone(&Utc));
        }
        // No transition data (far past or future): walk forward to a valid time.
        (1..=24 * 60).find_map(|m| {
            let later = naive.checked_add_signed(chrono::TimeDelta::minutes(m))?;
            self.timezone
                .from_local_datetime(&later)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("valid timestamp")
    }

    fn window(days: &str, from: &str, to: &str) -> DutyWindow {
        DutyWindow {
            days: days.parse().expect("valid days"),
            from: from.parse().expect("valid time"),
            to: to.parse().expect("valid time"),
        }
    }

    fn schedule(tz: &str, windows: Vec<DutyWindow>) -> DutySchedule {
        DutySchedule {
            timezone: parse_time_zone(tz).expect("known zone"),
            windows,
            critical_breaks_through: true,
        }
    }

    fn office_hours_london() -> DutySchedule {
        schedule("Europe/London", vec![window("mon-fri", "08:00", "18:00")])
    }

    #[test]
    fn no_windows_means_always_on_duty() {
        let always = DutySchedule::default();
        assert!(always.is_on_duty(utc(2025, 1, 1, 3, 0)));
        assert_eq!(
            always.decide(utc(2025, 1, 1, 3, 0), Urgency::Low),
            Delivery::Notify
        );
        assert_eq!(
            always.next_duty_start(utc(2025, 1, 1, 3, 0)),
            Some(utc(2025, 1, 1, 3, 0))
        );
    }

    #[test]
    fn office_hours_inside_and_outside() {
        let s = office_hours_london();
        // Wednesday 15 January 2025, GMT (= UTC).
        assert!(!s.is_on_duty(utc(2025, 1, 15, 7, 59)));
        assert!(s.is_on_duty(utc(2025, 1, 15, 8, 0)));
        assert!(s.is_on_duty(utc(2025, 1, 15, 17, 59)));
        assert!(!s.is_on_duty(utc(2025, 1, 15, 18, 0)));
        // Saturday.
        assert!(!s.is_on_duty(utc(2025, 1, 18, 12, 0)));
    }

    #[test]
    fn night_shift_crosses_midnight_and_belongs_to_its_start_day() {
        let s = schedule("Europe/London", vec![window("mon-fri", "22:00", "06:00")]);
        assert!(s.is_on_duty(utc(2025, 1, 17, 23, 0)), "Friday night");
        assert!(
            s.is_on_duty(utc(2025, 1, 18, 5, 59)),
            "early Saturday, Friday's shift"
        );
        assert!(
            !s.is_on_duty(utc(2025, 1, 18, 23, 0)),
            "Saturday night is off"
        );
        assert!(
            !s.is_on_duty(utc(2025, 1, 13, 3, 0)),
            "early Monday belongs to Sunday"
        );
        assert!(
            s.is_on_duty(utc(2025, 1, 14, 3, 0)),
            "early Tuesday, Monday's shift"
        );
        assert!(!s.is_on_duty(utc(2025, 1, 14, 12, 0)));
    }

    #[test]
    fn office_hours_follow_british_summer_time() {
        let s = office_hours_london();
        // Clocks went forward on Sunday 30 March 2025: 08:00 BST is 07:00 UTC.
        assert!(!s.is_on_duty(utc(2025, 3, 28, 7, 30)), "Friday 07:30 GMT");
        assert!(s.is_on_duty(utc(2025, 3, 31, 7, 30)), "Monday 08:30 BST");
        assert!(!s.is_on_duty(utc(2025, 3, 31, 17, 30)), "Monday 18:30 BST");
        assert_eq!(
            s.next_duty_start(utc(2025, 3, 28, 19, 0)),
            Some(utc(2025, 3, 31, 7, 0)),
            "weekend digest goes out at 08:00 BST on Monday"
        );
        // And back on Sunday 26 October 2025.
        assert_eq!(
            s.next_duty_start(utc(2025, 10, 24, 19, 0)),
            Some(utc(2025, 10, 27, 8, 0))
        );
    }

    #[test]
    fn overnight_window_in_new_york_across_spring_forward() {
        let s = schedule("America/New_York", vec![window("daily", "22:00", "06:00")]);
        // Sunday 9 March 2025, 02:00 EST jumped to 03:00 EDT at 07:00 UTC.
        assert!(s.is_on_duty(utc(2025, 3, 9, 6, 30)), "01:30 EST");
        assert!(s.is_on_duty(utc(2025, 3, 9, 9, 30)), "05:30 EDT");
        assert!(!s.is_on_duty(utc(2025, 3, 9, 10, 30)), "06:30 EDT");
        assert_eq!(
            s.next_duty_start(utc(2025, 3, 9, 12, 0)),
            Some(utc(2025, 3, 10, 2, 0)),
            "22:00 EDT"
        );
    }

    #[test]
    fn window_starting_in_the_skipped_hour_starts_when_clocks_jump() {
        let s = schedule("America/New_York", vec![window("sun", "02:30", "04:00")]);
        assert_eq!(
            s.next_duty_start(utc(2025, 3, 8, 12, 0)),
            Some(utc(2025, 3, 9, 7, 0)),
            "03:00 EDT, the first moment after 02:30 on the wall clock"
        );
    }

    #[test]
    fn window_in_the_repeated_hour_counts_both_times() {
        let s = schedule("America/New_York", vec![window("sun", "01:00", "01:30")]);
        // Sunday 2 November 2025: 01:00-02:00 happens in EDT then again in EST.
        assert!(s.is_on_duty(utc(2025, 11, 2, 5, 15)), "01:15 EDT");
        assert!(!s.is_on_duty(utc(2025, 11, 2, 5, 45)), "01:45 EDT");
        assert_eq!(
            s.next_duty_start(utc(2025, 11, 2, 5, 45)),
            Some(utc(2025, 11, 2, 6, 0))
        );
        assert!(s.is_on_duty(utc(2025, 11, 2, 6, 15)), "01:15 EST");
    }

    #[test]
    fn critical_breaks_through_quiet_hours_only_when_allowed() {
        let mut s = office_hours_london();
        let night = utc(2025, 1, 15, 23, 0);
        assert_eq!(s.decide(night, Urgency::Critical), Delivery::BreakThrough);
        assert_eq!(s.decide(night, Urgency::Normal), Delivery::RecordOnly);
        assert_eq!(
            s.decide(utc(2025, 1, 15, 10, 0), Urgency::Low),
            Delivery::Notify
        );
        s.critical_breaks_through = false;
        assert_eq!(s.decide(night, Urgency::Critical), Delivery::RecordOnly);
    }

    #[test]
    fn all_day_window_uses_24_00() {
        let s = schedule("Europe/London", vec![window("sat,sun", "00:00", "24:00")]);
        assert!(s.is_on_duty(utc(2025, 1, 18, 0, 0)));
        assert!(s.is_on_duty(utc(2025, 1, 19, 23, 59)));
        assert!(!s.is_on_duty(utc(2025, 1, 20, 0, 0)));
    }

    #[test]
    fn day_lists_parse_and_print_canonically() {
        let parse = |s: &str| s.parse::<DaySet>().expect("valid days");
        assert_eq!(parse("mon-fri"), DaySet::WEEKDAYS);
        assert_eq!(parse("Sat, Sun"), DaySet::WEEKENDS);
        assert_eq!(parse("weekdays,weekends"), DaySet::EVERY_DAY);
        assert_eq!(parse("fri-mon").to_string(), "mon,fri-sun");
        assert_eq!(parse("monday,wednesday,thurs").to_string(), "mon,wed,thu");
        assert_eq!(parse("daily").to_string(), "mon-sun");
    }

    #[test]
    fn bad_schedule_values_are_named_in_the_error() {
        let err = "25:00".parse::<TimeOfDay>().expect_err("no such hour");
        assert_eq!(
            err.to_string(),
            "\"25:00\" is not a time of day: use 24-hour HH:MM, e.g. \"08:00\" or \"17:30\""
        );
        for bad in ["8", "08:60", "24:01", "8:5", "-1:00", "08:00:00", ""] {
            assert!(bad.parse::<TimeOfDay>().is_err(), "{bad}");
        }
        let err = "mon-fryday".parse::<DaySet>().expect_err("typo");
        assert!(
            err.to_string().contains("\"fryday\" is not a day name"),
            "{err}"
        );
        let err = parse_time_zone("Europe/Londn").expect_err("typo");
        assert!(
            err.to_string()
                .starts_with("\"Europe/Londn\" is not a known time zone")
        );
        let err = parse_time_zone("europe/london").expect_err("case");
        assert!(
            err.to_string().contains("did you mean \"Europe/London\"?"),
            "{err}"
        );
    }

    #[test]
    fn schedule_config_round_trips_and_rejects_empty_windows() {
        let json = r#"{
            "timezone": "Europe/London",
            "windows": [ { "days": "mon-fri", "from": "08:00", "to": "18:00" },
                         { "days": "sat", "from": "22:00", "to": "06:00" } ]
        }"#;
        let s: DutySchedule = serde_json::from_str(json).expect("valid schedule");
        assert!(s.critical_breaks_through);
        let back: DutySchedule =
            serde_json::from_str(&serde_json::to_string(&s).expect("serialises")).expect("parses");
        assert_eq!(back, s);

        let err = serde_json::from_str::<DutySchedule>(
            r#"{ "timezone": "UTC", "windows": [ { "days": "mon", "from": "09:00", "to": "09:00" } ] }"#,
        )
        .expect_err("empty window")
        .to_string();
        assert!(err.contains("runs from 09:00 to 09:00"), "{err}");
        let err = serde_json::from_str::<DutySchedule>(r#"{ "timezone": "Mars/Olympus" }"#)
            .expect_err("bad zone")
            .to_string();
        assert!(
            err.contains("\"Mars/Olympus\" is not a known time zone"),
            "{err}"
        );
    }
}
