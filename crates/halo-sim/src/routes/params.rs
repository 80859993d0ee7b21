//! Query parameters as Halo binds them: names case-insensitive, unknown names
//! ignored, empty values treated as absent, and a wrongly typed value refused
//! with ASP.NET's field-keyed 400.

use chrono::{DateTime, Utc};

use crate::dates::parse_halo_date;
use crate::halo_error::ApiError;

pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub(crate) fn from_query(query: Option<&str>) -> Self {
        let pairs = query
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Self { pairs }
    }

    /// The first non-empty value of `name` (lower-case).
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn int(&self, name: &str) -> Result<Option<i32>, ApiError> {
        self.text(name)
            .map(|v| v.parse::<i32>().map_err(|_| invalid(name, v)))
            .transpose()
    }

    pub(crate) fn bool(&self, name: &str) -> Result<bool, ApiError> {
        match self.text(name) {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(false),
            Some(v) => Err(invalid(name, v)),
        }
    }

    /// A comma-separated id list; entries that are not numbers are skipped.
    pub(crate) fn int_list(&self, name: &str) -> Option<Vec<i32>> {
        self.text(name).map(|v| {
            v.split(',')
                .filter_map(|part| part.trim().parse().ok())
                .collect()
        })
    }

    pub(crate) fn date(&self, name: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
        self.text(name)
            .map(|v| parse_halo_date(v).ok_or_else(|| invalid(name, v)))
            .transpose()
    }
}

fn invalid(name: &str, value: &str) -> ApiError {
    ApiError::field(name, format!("The value '{value}' is not valid."))
}
