//! The Halo calls a notifier needs, grouped by what they touch, over the
//! one request path in `transport`; and the readers for Halo's body shapes.

mod actions;
mod lookups;
mod tickets;

pub use tickets::{TicketPage, read_ticket_page};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{HaloError, Operation, describe_shape};

fn unexpected(operation: Operation, detail: String) -> HaloError {
    HaloError::UnexpectedResponse { operation, detail }
}

fn parse_one<T: DeserializeOwned>(operation: Operation, body: Value) -> Result<T, HaloError> {
    let shape = describe_shape(&body);
    serde_json::from_value(body)
        .map_err(|error| unexpected(operation, format!("{error} in {shape}")))
}

/// Halo's list endpoints answer either a bare array or `{key: [...]}`.
fn list_items(operation: Operation, body: Value, key: &str) -> Result<Vec<Value>, HaloError> {
    let mut map = match body {
        Value::Array(items) => return Ok(items),
        Value::Object(map) => map,
        other => {
            return Err(unexpected(
                operation,
                expected(key, &describe_shape(&other)),
            ));
        }
    };
    match map.remove(key) {
        Some(Value::Array(items)) => Ok(items),
        Some(Value::Null) => Ok(Vec::new()),
        other => {
            if let Some(value) = other {
                map.insert(key.to_owned(), value);
            }
            let shape = describe_shape(&Value::Object(map));
            Err(unexpected(operation, expected(key, &shape)))
        }
    }
}

fn expected(key: &str, shape: &str) -> String {
    format!("expected a list or {{\"{key}\": [...]}}, got {shape}")
}

/// Write endpoints answer an object, an array of them, or nothing.
fn first_record(body: Value) -> Option<Value> {
    match body {
        Value::Array(mut items) if !items.is_empty() => Some(items.swap_remove(0)),
        value @ Value::Object(_) => Some(value),
        _ => None,
    }
}

fn name_missing(error: HaloError, what: String) -> HaloError {
    match error {
        HaloError::NotFound { .. } => HaloError::NotFound { what },
        other => other,
    }
}
