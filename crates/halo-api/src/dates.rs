//! Halo's dates: a 7-digit fraction with `Z`, an offset such as `-04:00`, or
//! no zone at all (read as UTC), and `1900-01-01` / `0001-01-01` meaning
//! "no date".

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// Dates before this year are Halo's "no date" sentinels.
const SENTINEL_BEFORE_YEAR: i32 = 1902;
/// Halo's database holds no later year, and [`format_halo_date`] could
/// not write one back in a form this module reads (found with the
/// `halo_ticket` fuzz target's round-trip property:
/// `9999-12-31T23:00:00-05:00` is in year 10000 once in UTC).
const LAST_YEAR: i32 = 9999;

/// Parses one of Halo's date forms. `None` for sentinels, empty strings and
/// anything unreadable: a bad date must never cost the whole ticket.
pub fn parse_halo_date(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let parsed = DateTime::parse_from_rfc3339(raw)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| parse_zoneless(raw).map(|naive| naive.and_utc()));
    parsed.filter(|date| (SENTINEL_BEFORE_YEAR..=LAST_YEAR).contains(&date.year()))
}

fn parse_zoneless(raw: &str) -> Option<NaiveDateTime> {
    const FORMATS: [&str; 2] = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"];
    FORMATS
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(raw, format).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()
                .and_then(|date| date.and_hms_opt(0, 0, 0))
        })
}

/// The form the client sends in query strings: UTC with an explicit `Z`.
pub fn format_halo_date(date: DateTime<Utc>) -> String {
    date.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// serde adapter for optional Halo dates: accepts any of Halo's forms, null,
/// or a non-string (ignored), and writes RFC 3339.
pub mod optional {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let value = Option::<serde_json::Value>::deserialize(deserializer)?;
        Ok(match value {
            Some(serde_json::Value::String(raw)) => parse_halo_date(&raw),
            _ => None,
        })
    }

    pub fn serialize<S: Serializer>(
        date: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => serializer.serialize_str(&format_halo_date(*date)),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn reads_every_form_halo_sends() {
        let at = |h, m, s| Utc.with_ymd_and_hms(2022, 9, 30, h, m, s).single();
        let cases = [
            ("2022-09-30T08:23:56.4214387Z", at(8, 23, 56)),
            ("2022-09-30T04:23:56.7742189-04:00", at(8, 23, 56)),
            ("2022-09-30T08:23:56", at(8, 23, 56)),
            ("2022-09-30T08:23:56.123", at(8, 23, 56)),
            ("2022-09-30 08:23:56", at(8, 23, 56)),
            ("2022-09-30", at(0, 0, 0)),
        ];
        for (raw, expected) in cases {
            let parsed = parse_halo_date(raw).map(|d| d.with_nanosecond_zero());
            assert_eq!(parsed, expected, "{raw}");
        }
    }

    #[test]
    fn sentinels_and_garbage_mean_no_date() {
        for raw in [
            "1900-01-01T00:00:00",
            "0001-01-01T00:00:00",
            "0001-01-01T00:00:00Z",
            "",
            "  ",
            "not a date",
            "2022-13-45T99:99:99",
        ] {
            assert_eq!(parse_halo_date(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn a_date_past_year_9999_is_no_date_and_every_date_read_writes_back() {
        assert_eq!(parse_halo_date("9999-12-31T23:00:00-05:00"), None);
        assert_eq!(parse_halo_date("+10000-01-01T04:00:00.000Z"), None);
        for raw in [
            "9999-12-31T23:59:59.9999999Z",
            "9999-12-31T23:00:00+05:00",
            "1902-01-01T00:00:00",
            "2022-09-30T04:23:56.7742189-04:00",
        ] {
            let read = parse_halo_date(raw).expect(raw);
            let written = format_halo_date(read);
            assert!(parse_halo_date(&written).is_some(), "{raw} → {written}");
        }
    }

    trait ZeroNanos {
        fn with_nanosecond_zero(self) -> Self;
    }
    impl ZeroNanos for DateTime<Utc> {
        fn with_nanosecond_zero(self) -> Self {
            use chrono::Timelike;
            self.with_nanosecond(0).unwrap_or(self)
        }
    }
}
