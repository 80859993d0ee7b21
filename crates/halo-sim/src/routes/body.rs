//! Reading the JSON arrays Halo's POST endpoints take. Halo (Json.NET) is
//! lenient about numbers sent as strings; anything else of the wrong type is a
//! field-keyed 400, and a body that is not an array at all a ClassName 400.

use axum::body::Bytes;
use axum::extract::Request;
use serde_json::{Map, Value};

use crate::halo_error::ApiError;

/// The request body as a JSON array of objects.
pub(crate) async fn json_objects(
    request: Request,
    type_name: &str,
) -> Result<Vec<Map<String, Value>>, ApiError> {
    let bytes: Bytes = axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .map_err(|_| ApiError::BadRequest("The request body could not be read.".to_owned()))?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::BadRequest(format!(
            "Error reading JSON: {e}. Path '', line {}, position {}.",
            e.line(),
            e.column()
        ))
    })?;
    let Value::Array(items) = value else {
        return Err(ApiError::BadRequest(format!(
            "Cannot deserialize the current JSON value into type 'List`1[{type_name}]' because the type requires a JSON array (e.g. [1,2,3]) to deserialize correctly."
        )));
    };
    if items.is_empty() {
        return Err(ApiError::Validation(format!("No {type_name} supplied.")));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::Object(map) => Ok(map),
            other => Err(ApiError::field(
                format!("[{i}]"),
                format!("Unexpected value {other} when reading {type_name}."),
            )),
        })
        .collect()
}

/// Field access with Halo's type leniency, reporting errors by `[index].field`.
pub(crate) struct Fields<'a> {
    pub index: usize,
    pub map: &'a Map<String, Value>,
}

impl Fields<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        self.map
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
            .filter(|v| !v.is_null())
    }

    fn error(&self, name: &str, value: &Value, wanted: &str) -> ApiError {
        ApiError::field(
            format!("[{}].{name}", self.index),
            format!(
                "Could not convert {value} to {wanted}. Path '[{}].{name}'.",
                self.index
            ),
        )
    }

    pub(crate) fn int(&self, name: &str) -> Result<Option<i32>, ApiError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        let parsed = match v {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                .and_then(|n| i32::try_from(n).ok()),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        parsed
            .map(Some)
            .ok_or_else(|| self.error(name, v, "integer"))
    }

    pub(crate) fn float(&self, name: &str) -> Result<Option<f64>, ApiError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        let parsed = match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        parsed
            .map(Some)
            .ok_or_else(|| self.error(name, v, "number"))
    }

    pub(crate) fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        let parsed = match v {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            Value::Number(n) => n.as_i64().map(|n| n != 0),
            _ => None,
        };
        parsed
            .map(Some)
            .ok_or_else(|| self.error(name, v, "boolean"))
    }

    pub(crate) fn text(&self, name: &str) -> Result<Option<String>, ApiError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        match v {
            Value::String(s) => Ok(Some(s.clone())),
            Value::Number(n) => Ok(Some(n.to_string())),
            Value::Bool(b) => Ok(Some(b.to_string())),
            other => Err(self.error(name, other, "string")),
        }
    }
}
