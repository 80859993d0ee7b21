//! Duty hours and quiet hours: whether a technician should be interrupted now,
//! in their own time zone's wall-clock time, and when duty next begins so a
//! digest can wait for it. Time zones and DST come from the system's time zone
//! database via jiff (a bundled copy on Windows); instants in the public API
//! stay chrono's `DateTime<Utc>`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use jiff::civil;
use jiff::tz::{AmbiguousOffset, Offset, TimeZone, TimeZoneDatabase};
use jiff::{SignedDuration, Timestamp};
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
    pub timezone: TimeZone,
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
            timezone: TimeZone::UTC,
            windows: Vec::new(),
            critical_breaks_through: true,
        }
    }
}

/// Parses an IANA time zone name (exact spelling, as the database writes it)
/// from the system's time zone database; errors suggest the right spelling
/// when only the letter case is off. "UTC" needs no database.
pub fn parse_time_zone(name: &str) -> Result<TimeZone, ScheduleError> {
    parse_time_zone_in(jiff::tz::db(), name)
}

fn parse_time_zone_in(db: &TimeZoneDatabase, name: &str) -> Result<TimeZone, ScheduleError> {
    let trimmed = name.trim();
    if trimmed == "UTC" {
        return Ok(TimeZone::UTC);
    }
    let unknown = |hint: String| ScheduleError::UnknownTimeZone {
        value: name.to_owned(),
        hint,
    };
    let generic =
        || "use an IANA name such as \"Europe/London\" or \"America/New_York\"".to_owned();
    // jiff looks names up regardless of ASCII case and reports the canonical
    // spelling; only that spelling is accepted, so what is saved is what was
    // written.
    match db.get(trimmed) {
        Ok(tz) => match tz.iana_name() {
            Some(canonical) if canonical == trimmed => Ok(tz),
            Some(canonical) => Err(unknown(format!("did you mean \"{canonical}\"?"))),
            None => Err(unknown(generic())),
        },
        Err(_) if db.available().next().is_none() => Err(unknown(
            "this system has no time zone database (install the tzdata package, or set TZDIR \
             to its directory); only \"UTC\" works without it"
                .to_owned(),
        )),
        Err(_) => Err(unknown(generic())),
    }
}

mod tz_name {
    use jiff::tz::TimeZone;
    use serde::{Deserialize, Deserializer, Serializer};

    /// The IANA name. A zone without one (only constructible in code, e.g. a
    /// fixed offset) is an error rather than a name that means something else.
    pub fn serialize<S: Serializer>(tz: &TimeZone, serializer: S) -> Result<S::Ok, S::Error> {
        let name = tz
            .iana_name()
            .ok_or_else(|| serde::ser::Error::custom("the time zone has no IANA name"))?;
        serializer.serialize_str(name)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<TimeZone, D::Error> {
        let name = String::deserialize(deserializer)?;
        super::parse_time_zone(&name).map_err(serde::de::Error::custom)
    }
}

/// jiff's instants span the years -9999..=9999, chrono's far more. The
/// Gregorian calendar repeats every 400 years (146,097 days, a whole number of
/// weeks), and so does every zone's wall clock outside its recorded history (a
/// fixed offset before it, a yearly rule after it); so an instant more than
/// `AS_IS_CYCLES` cycles from 2000 is moved by whole cycles to 2000..2400 for
/// the wall-clock arithmetic and moved back afterwards.
const CYCLE_SECONDS: i64 = 146_097 * 86_400;
const AS_IS_CYCLES: i64 = 20;
const Y2000_SECONDS: i64 = 946_684_800;

/// `t` as a jiff instant, and the whole 400-year cycles it was moved back by.
fn to_jiff(t: DateTime<Utc>) -> Option<(Timestamp, i64)> {
    let seconds = t.timestamp();
    let cycles = (seconds - Y2000_SECONDS).div_euclid(CYCLE_SECONDS);
    let cycles = if cycles.abs() <= AS_IS_CYCLES {
        0
    } else {
        cycles
    };
    // chrono writes a leap second as nanoseconds past 1e9; jiff has none.
    let nanos = i32::try_from(t.timestamp_subsec_nanos().min(999_999_999)).ok()?;
    let shifted = seconds.checked_sub(cycles.checked_mul(CYCLE_SECONDS)?)?;
    Some((Timestamp::new(shifted, nanos).ok()?, cycles))
}

/// Undoes [`to_jiff`]: None if the instant is outside chrono's range.
fn from_jiff(t: Timestamp, cycles: i64) -> Option<DateTime<Utc>> {
    let nanos = t.as_nanosecond();
    let seconds = i64::try_from(nanos.div_euclid(1_000_000_000)).ok()?;
    let subsec = u32::try_from(nanos.rem_euclid(1_000_000_000)).ok()?;
    let seconds = seconds.checked_add(cycles.checked_mul(CYCLE_SECONDS)?)?;
    DateTime::from_timestamp(seconds, subsec)
}

fn chrono_weekday(day: civil::Weekday) -> chrono::Weekday {
    match day {
        civil::Weekday::Monday => chrono::Weekday::Mon,
        civil::Weekday::Tuesday => chrono::Weekday::Tue,
        civil::Weekday::Wednesday => chrono::Weekday::Wed,
        civil::Weekday::Thursday => chrono::Weekday::Thu,
        civil::Weekday::Friday => chrono::Weekday::Fri,
        civil::Weekday::Saturday => chrono::Weekday::Sat,
        civil::Weekday::Sunday => chrono::Weekday::Sun,
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
        // Unreachable (every chrono instant converts); on duty rather than
        // silently holding alerts back.
        to_jiff(now).is_none_or(|(t, _)| self.on_duty_at(t))
    }

    fn on_duty_at(&self, t: Timestamp) -> bool {
        let local = self.timezone.to_datetime(t);
        let minute =
            u16::try_from(i32::from(local.hour()) * 60 + i32::from(local.minute())).unwrap_or(0);
        let day = chrono_weekday(local.weekday());
        self.windows.iter().any(|w| w.covers(day, minute))
    }

    /// The earliest instant at or after `now` when the technician is on duty:
    /// `now` itself if on duty already. None only if no window can ever apply.
    /// Use it to schedule the digest of alerts recorded during quiet hours.
    pub fn next_duty_start(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.is_on_duty(now) {
            return Some(now);
        }
        let (now, cycles) = to_jiff(now)?;
        let today = self.timezone.to_datetime(now).date();
        // Eight days covers every weekly window even across a DST change.
        std::iter::successors(Some(today), |date| date.tomorrow().ok())
            .take(9)
            .flat_map(|date| {
                self.windows
                    .iter()
                    .filter(move |w| w.days.contains(chrono_weekday(date.weekday())))
                    .flat_map(move |w| self.local_instants(date, w.from))
            })
            .filter(|&start| start > now && self.on_duty_at(start))
            .min()
            .and_then(|start| from_jiff(start, cycles))
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
    fn local_instants(&self, date: civil::Date, time: TimeOfDay) -> Vec<Timestamp> {
        let minutes = time.minutes_since_midnight();
        let (Ok(hour), Ok(minute)) = (i8::try_from(minutes / 60), i8::try_from(minutes % 60))
        else {
            return Vec::new();
        };
        let Ok(time) = civil::Time::new(hour, minute, 0, 0) else {
            return Vec::new();
        };
        let local = date.to_datetime(time);
        match self.timezone.to_ambiguous_timestamp(local).offset() {
            AmbiguousOffset::Unambiguous { offset } => {
                offset.to_timestamp(local).ok().into_iter().collect()
            }
            AmbiguousOffset::Fold { before, after } => [before, after]
                .into_iter()
                .filter_map(|offset| offset.to_timestamp(local).ok())
                .collect(),
            AmbiguousOffset::Gap { before, after } => {
                self.after_gap(local, before, after).into_iter().collect()
            }
        }
    }

    /// When the clocks jumped over `local`, from offset `before` to `after`:
    /// the jump's instant T has T + before <= local < T + after, so it is the
    /// first transition to `after` later than `local - after`.
    fn after_gap(
        &self,
        local: civil::DateTime,
        before: Offset,
        after: Offset,
    ) -> Option<Timestamp> {
        let jump = after
            .to_timestamp(local)
            .ok()
            .zip(before.to_timestamp(local).ok())
            .and_then(|(earliest, latest)| {
                self.timezone
                    .following(earliest)
                    .take_while(|t| t.timestamp() <= latest)
                    .find(|t| t.offset() == after)
                    .map(|t| t.timestamp())
            });
        if jump.is_some() {
            return jump;
        }
        // No transition data: walk forward to the first wall-clock time that
        // exists.
        std::iter::successors(Some(local), |t| {
            t.checked_add(SignedDuration::from_mins(1)).ok()
        })
        .skip(1)
        .take(24 * 60)
        .find_map(
            |later| match self.timezone.to_ambiguous_timestamp(later).offset() {
                AmbiguousOffset::Unambiguous { offset }
                | AmbiguousOffset::Fold { before: offset, .. } => offset.to_timestamp(later).ok(),
                AmbiguousOffset::Gap { .. } => None,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

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

    fn instants(s: &DutySchedule, y: i16, mo: i8, d: i8, time: &str) -> Vec<DateTime<Utc>> {
        let date = civil::Date::new(y, mo, d).expect("valid date");
        s.local_instants(date, time.parse().expect("valid time"))
            .into_iter()
            .map(|t| from_jiff(t, 0).expect("in range"))
            .collect()
    }

    #[test]
    fn london_skipped_hour_starts_at_the_jump() {
        // Sunday 30 March 2025: 01:00 GMT jumped to 02:00 BST at 01:00 UTC.
        let s = schedule("Europe/London", vec![window("sun", "01:30", "03:00")]);
        assert_eq!(instants(&s, 2025, 3, 30, "01:30"), [utc(2025, 3, 30, 1, 0)]);
        assert_eq!(instants(&s, 2025, 3, 30, "01:00"), [utc(2025, 3, 30, 1, 0)]);
        assert_eq!(instants(&s, 2025, 3, 30, "02:00"), [utc(2025, 3, 30, 1, 0)]);
        assert_eq!(
            instants(&s, 2025, 3, 30, "00:59"),
            [utc(2025, 3, 30, 0, 59)]
        );
        assert_eq!(
            s.next_duty_start(utc(2025, 3, 29, 12, 0)),
            Some(utc(2025, 3, 30, 1, 0)),
            "02:00 BST, the first moment after 01:30 on the wall clock"
        );
        let at_the_jump = schedule("Europe/London", vec![window("sun", "01:00", "03:00")]);
        assert_eq!(
            at_the_jump.next_duty_start(utc(2025, 3, 29, 12, 0)),
            Some(utc(2025, 3, 30, 1, 0))
        );
    }

    #[test]
    fn london_repeated_hour_happens_twice() {
        // Sunday 26 October 2025: 02:00 BST went back to 01:00 GMT at 01:00 UTC.
        let s = schedule("Europe/London", vec![window("sun", "01:30", "01:45")]);
        assert_eq!(
            instants(&s, 2025, 10, 26, "01:30"),
            [utc(2025, 10, 26, 0, 30), utc(2025, 10, 26, 1, 30)]
        );
        assert!(s.is_on_duty(utc(2025, 10, 26, 0, 40)), "01:40 BST");
        assert!(!s.is_on_duty(utc(2025, 10, 26, 0, 50)), "01:50 BST");
        assert_eq!(
            s.next_duty_start(utc(2025, 10, 26, 0, 50)),
            Some(utc(2025, 10, 26, 1, 30)),
            "01:30 GMT"
        );
        assert!(s.is_on_duty(utc(2025, 10, 26, 1, 40)), "01:40 GMT");
    }

    #[test]
    fn new_york_gap_and_fold_instants() {
        let s = schedule("America/New_York", vec![window("sun", "02:00", "04:00")]);
        // 9 March 2025: 02:00 EST jumped to 03:00 EDT at 07:00 UTC.
        assert_eq!(instants(&s, 2025, 3, 9, "02:00"), [utc(2025, 3, 9, 7, 0)]);
        assert_eq!(instants(&s, 2025, 3, 9, "02:59"), [utc(2025, 3, 9, 7, 0)]);
        assert_eq!(instants(&s, 2025, 3, 9, "03:00"), [utc(2025, 3, 9, 7, 0)]);
        assert_eq!(
            s.next_duty_start(utc(2025, 3, 8, 12, 0)),
            Some(utc(2025, 3, 9, 7, 0))
        );
        // 2 November 2025: 02:00 EDT went back to 01:00 EST at 06:00 UTC.
        assert_eq!(
            instants(&s, 2025, 11, 2, "01:30"),
            [utc(2025, 11, 2, 5, 30), utc(2025, 11, 2, 6, 30)]
        );
        assert_eq!(instants(&s, 2025, 11, 2, "02:00"), [utc(2025, 11, 2, 7, 0)]);
    }

    #[test]
    fn instants_beyond_jiffs_years_use_the_400_year_cycle() {
        // 10,000 years on, 2025's calendar and London's rule repeat exactly.
        let cycles = 25;
        let later = |t: DateTime<Utc>| t + chrono::TimeDelta::seconds(cycles * CYCLE_SECONDS);
        let s = office_hours_london();
        assert!(s.is_on_duty(later(utc(2025, 3, 31, 7, 30))));
        assert!(!s.is_on_duty(later(utc(2025, 3, 28, 7, 30))));
        assert_eq!(
            s.next_duty_start(later(utc(2025, 3, 28, 19, 0))),
            Some(later(utc(2025, 3, 31, 7, 0)))
        );
        for extreme in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
            let _ = s.is_on_duty(extreme);
            let _ = s.next_duty_start(extreme);
        }
    }

    #[test]
    fn time_zone_names_are_exact_and_saved_canonically() {
        let name = |tz: &str| {
            serde_json::to_string(&DutySchedule {
                timezone: parse_time_zone(tz).expect("known zone"),
                ..DutySchedule::default()
            })
            .expect("serialises")
        };
        assert!(name(" Europe/London ").contains(r#""timezone":"Europe/London""#));
        assert!(name("UTC").contains(r#""timezone":"UTC""#));
        assert!(
            serde_json::to_string(&DutySchedule::default())
                .expect("serialises")
                .contains(r#""timezone":"UTC""#)
        );
        // jiff finds names regardless of case; a wrong case is still refused,
        // with the spelling to use.
        for (wrong, right) in [("europe/london", "Europe/London"), ("utc", "UTC")] {
            let err = parse_time_zone(wrong).expect_err("case");
            assert!(
                err.to_string()
                    .contains(&format!("did you mean \"{right}\"?")),
                "{err}"
            );
        }
        let err = parse_time_zone("").expect_err("empty");
        assert!(err.to_string().contains("use an IANA name"), "{err}");
        let fixed = DutySchedule {
            timezone: TimeZone::fixed(jiff::tz::offset(2)),
            ..DutySchedule::default()
        };
        assert!(
            serde_json::to_string(&fixed).is_err(),
            "no IANA name to save"
        );
    }

    #[test]
    fn without_a_time_zone_database_only_utc_parses() {
        let none = TimeZoneDatabase::none();
        assert_eq!(parse_time_zone_in(&none, "UTC"), Ok(TimeZone::UTC));
        let err = parse_time_zone_in(&none, "Europe/London").expect_err("no database");
        assert!(
            err.to_string().contains("install the tzdata package"),
            "{err}"
        );
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
