//! Halo's date strings: three forms mixed within one response, plus sentinel
//! "no date" values. The simulator varies the form per object and field so
//! clients meet all of them; internally every date is a `DateTime<Utc>`.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Offset, SubsecRound, Timelike, Utc};

/// "No date" as Halo writes it in most fields (e.g. `dateclosed` of an open ticket).
pub const NO_DATE_1900: &str = "1900-01-01T00:00:00";
/// "No date" as Halo writes it in some other fields (e.g. `respondbydate`).
pub const NO_DATE_0001: &str = "0001-01-01T00:00:00";

/// The three forms Halo mixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateStyle {
    /// `2022-09-30T08:23:56.4214387Z`
    UtcTicks,
    /// `2022-09-30T04:23:59.7742189-04:00` (the instance's local time)
    LocalOffset,
    /// `2022-09-30T08:23:56` (no zone; means UTC)
    NoZone,
}

/// Field codes, so each field of one object can get a different style.
#[derive(Debug, Clone, Copy)]
pub(crate) enum DateField {
    Occurred = 0,
    Created = 1,
    Closed = 2,
    LastUpdate = 3,
    LastAction = 4,
    FixBy = 5,
    RespondBy = 6,
    ActionDate = 7,
    ActionCreated = 8,
    Timestamp = 9,
}

/// The style for one field of one object: stable for the object's lifetime,
/// so the same `last_update` always renders to the same string.
pub(crate) fn style_for(object_id: i64, field: DateField) -> DateStyle {
    match (object_id + field as i64).rem_euclid(3) {
        0 => DateStyle::UtcTicks,
        1 => DateStyle::LocalOffset,
        _ => DateStyle::NoZone,
    }
}

/// The offset used for `LocalOffset`, varied by object so half-hour zones turn up too.
fn local_offset(object_id: i64) -> FixedOffset {
    let secs = if object_id.rem_euclid(2) == 0 {
        -4 * 3600
    } else {
        5 * 3600 + 1800
    };
    // Both values are in range; falling back to UTC only avoids an unwrap.
    FixedOffset::east_opt(secs).unwrap_or_else(|| Utc.fix())
}

/// Renders a date in the given style.
pub(crate) fn render(dt: DateTime<Utc>, style: DateStyle, object_id: i64) -> String {
    // Halo's .NET ticks are 100 ns: exactly seven fraction digits.
    let ticks = (dt.nanosecond() % 1_000_000_000) / 100;
    match style {
        DateStyle::UtcTicks => format!("{}.{ticks:07}Z", dt.format("%Y-%m-%dT%H:%M:%S")),
        DateStyle::LocalOffset => {
            let local = dt.with_timezone(&local_offset(object_id));
            format!(
                "{}.{ticks:07}{}",
                local.format("%Y-%m-%dT%H:%M:%S"),
                local.format("%:z")
            )
        }
        DateStyle::NoZone => dt.format("%Y-%m-%dT%H:%M:%S").to_string(),
    }
}

/// Renders one field of one object, or the given "no date" sentinel.
pub(crate) fn render_field(
    dt: Option<DateTime<Utc>>,
    object_id: i64,
    field: DateField,
    none: &'static str,
) -> String {
    match dt {
        Some(dt) => render(dt, style_for(object_id, field), object_id),
        None => none.to_owned(),
    }
}

/// The current time at Halo's resolution (100 ns), so every rendered form
/// round-trips to the stored value except the zone-less one (whole seconds).
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(7)
}

/// Reads a date the way Halo's API accepts one in a query (`lastupdatefromdate`):
/// RFC 3339 with `Z` or an offset, a zone-less date-time (read as UTC), or a
/// bare date (midnight UTC). Halo's "no date" sentinels read as `None`.
pub fn parse_halo_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() || text.starts_with("1900-01-01") || text.starts_with("0001-01-01") {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.with_timezone(&Utc));
    }
    let spaced = text.replacen(' ', "T", 1);
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(&spaced, fmt) {
            return Some(naive.and_utc());
        }
    }
    if let Ok(dt) = DateTime::parse_from_str(&spaced, "%Y-%m-%dT%H:%M:%S%.f%#z") {
        return Some(dt.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sample() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2022, 9, 30, 8, 23, 56)
            .single()
            .map(|d| d + chrono::Duration::nanoseconds(421_438_700))
            .expect("valid sample date")
    }

    #[test]
    fn renders_the_three_halo_forms() {
        let dt = sample();
        assert_eq!(
            render(dt, DateStyle::UtcTicks, 0),
            "2022-09-30T08:23:56.4214387Z"
        );
        assert_eq!(
            render(dt, DateStyle::LocalOffset, 2),
            "2022-09-30T04:23:56.4214387-04:00"
        );
        assert_eq!(
            render(dt, DateStyle::LocalOffset, 1),
            "2022-09-30T13:53:56.4214387+05:30"
        );
        assert_eq!(render(dt, DateStyle::NoZone, 0), "2022-09-30T08:23:56");
    }

    #[test]
    fn every_rendered_form_parses_back() {
        let dt = sample();
        for style in [DateStyle::UtcTicks, DateStyle::LocalOffset] {
            for id in 0..2 {
                assert_eq!(parse_halo_date(&render(dt, style, id)), Some(dt));
            }
        }
        assert_eq!(
            parse_halo_date(&render(dt, DateStyle::NoZone, 0)),
            Some(dt.trunc_subsecs(0))
        );
    }

    #[test]
    fn sentinels_and_garbage_are_no_date() {
        assert_eq!(parse_halo_date(NO_DATE_1900), None);
        assert_eq!(parse_halo_date(NO_DATE_0001), None);
        assert_eq!(parse_halo_date("yesterday"), None);
        assert_eq!(parse_halo_date(""), None);
        assert!(parse_halo_date("2024-03-01").is_some());
    }

    #[test]
    fn styles_vary_by_field_and_object() {
        let styles: Vec<_> = (0..3)
            .map(|id| style_for(id, DateField::LastUpdate))
            .collect();
        assert!(styles.contains(&DateStyle::UtcTicks));
        assert!(styles.contains(&DateStyle::LocalOffset));
        assert!(styles.contains(&DateStyle::NoZone));
    }
}
