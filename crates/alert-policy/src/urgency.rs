//! How loudly a notification asks for attention. Ordered so that "at least
//! critical" style comparisons read naturally (`Low < Normal < Critical`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    /// Quiet banner; fine to see it later.
    Low,
    /// Normal desktop notification.
    #[default]
    Normal,
    /// Stays on screen and asks for action now; may break through quiet hours.
    Critical,
}

impl Urgency {
    pub const ALL: [Urgency; 3] = [Urgency::Low, Urgency::Normal, Urgency::Critical];

    pub const fn as_str(self) -> &'static str {
        match self {
            Urgency::Low => "low",
            Urgency::Normal => "normal",
            Urgency::Critical => "critical",
        }
    }
}

impl fmt::Display for Urgency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("\"{0}\" is not an urgency: use low, normal or critical")]
pub struct UrgencyError(pub String);

impl FromStr for Urgency {
    type Err = UrgencyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Urgency::ALL
            .into_iter()
            .find(|u| u.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UrgencyError(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn critical_outranks_normal_outranks_low() {
        assert!(Urgency::Low < Urgency::Normal);
        assert!(Urgency::Normal < Urgency::Critical);
        assert_eq!(Urgency::ALL.iter().max(), Some(&Urgency::Critical));
    }

    #[test]
    fn urgency_is_written_in_lowercase_in_config() {
        assert_eq!(
            serde_json::to_string(&Urgency::Critical).ok().as_deref(),
            Some("\"critical\"")
        );
        let low: Urgency = serde_json::from_str("\"low\"").expect("lowercase parses");
        assert_eq!(low, Urgency::Low);
        assert!(serde_json::from_str::<Urgency>("\"urgent\"").is_err());
    }

    #[test]
    fn urgency_parses_from_text_and_names_bad_values() {
        assert_eq!("Critical".parse::<Urgency>(), Ok(Urgency::Critical));
        let err = "urgent".parse::<Urgency>().expect_err("not an urgency");
        assert_eq!(
            err.to_string(),
            "\"urgent\" is not an urgency: use low, normal or critical"
        );
    }
}
