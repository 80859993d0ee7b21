// Human durations for the command line: `500ms`, `30s`, `5m`, `2h`, `1d`,
// combinations such as `1m30s`, or a bare number of seconds.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a duration (try 30s, 5m, 1h30m or 500ms)")]
pub struct DurationParseError(pub String);

pub fn parse_duration(text: &str) -> Result<Duration, DurationParseError> {
    let err = || DurationParseError(text.to_owned());
    let s = text.trim().to_ascii_lowercase();
    if s.is_empty() {
        return Err(err());
    }
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = s.as_str();
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?;
        if digits == 0 {
            return Err(err());
        }
        let value: u64 = rest[..digits].parse().map_err(|_| err())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let millis_per_unit: u64 = match &rest[..unit_len] {
            "ms" => 1,
            "s" | "sec" | "secs" => 1_000,
            "m" | "min" | "mins" => 60_000,
            "h" | "hr" | "hrs" => 3_600_000,
            "d" => 86_400_000,
            _ => return Err(err()),
        };
        let millis = value.checked_mul(millis_per_unit).ok_or_else(err)?;
        total = total
            .checked_add(Duration::from_millis(millis))
            .ok_or_else(err)?;
        rest = &rest[unit_len..];
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_forms() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration(" 2D "), Ok(Duration::from_secs(172_800)));
    }

    #[test]
    fn refuses_nonsense() {
        for bad in ["", "s", "5x", "m5", "5m30", "99999999999999999999h", "-5s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
