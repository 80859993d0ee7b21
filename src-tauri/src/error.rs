//! The one error every command returns to the windows, serialised as
//! `{ kind, message, fields? }` (docs/command-surface.md). `message` says
//! what the user must do next; `fields` maps a settings field to its message.

use std::collections::BTreeMap;

use alert_engine::EngineError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    NotFound,
    Halo,
    Validation,
    Keyring,
    Store,
    Busy,
    Internal,
}

/// Also read back: the window host passes it on from the tray unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub kind: ErrorKind,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

pub type CommandResult<T> = Result<T, CommandError>;

impl CommandError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        CommandError {
            kind,
            message: message.into(),
            fields: None,
        }
    }

    /// A blocking task that panicked or was cancelled.
    pub fn internal(what: impl std::fmt::Display) -> Self {
        CommandError::new(
            ErrorKind::Internal,
            format!("{what}; try again, and if it keeps failing see the log folder (Settings)"),
        )
    }
}

impl From<EngineError> for CommandError {
    fn from(e: EngineError) -> Self {
        let kind = match &e {
            EngineError::NoOpenAlert(_) => ErrorKind::NotFound,
            EngineError::Store(_) => ErrorKind::Store,
            EngineError::Policy(_) | EngineError::Filter(_) => ErrorKind::Validation,
            EngineError::UnknownAgent => ErrorKind::Halo,
            EngineError::Lifecycle(_)
            | EngineError::NotAClosedStatus(_)
            | EngineError::TooLong { .. } => ErrorKind::Validation,
            EngineError::Stopped => ErrorKind::Busy,
        };
        CommandError::new(kind, e.to_string())
    }
}

impl From<app_core::AppError> for CommandError {
    fn from(e: app_core::AppError) -> Self {
        let kind = match e.kind() {
            "not_found" => ErrorKind::NotFound,
            "halo" => ErrorKind::Halo,
            "validation" => ErrorKind::Validation,
            "keyring" => ErrorKind::Keyring,
            "store" => ErrorKind::Store,
            "busy" => ErrorKind::Busy,
            _ => ErrorKind::Internal,
        };
        let fields = match &e {
            app_core::AppError::Config(c) => Some(c.fields()).filter(|f| !f.is_empty()),
            _ => None,
        };
        CommandError {
            kind,
            message: e.to_string(),
            fields,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_gets_kind_and_message_and_fields_only_when_set() {
        let plain = serde_json::to_value(CommandError::from(EngineError::NoOpenAlert(42)))
            .expect("serialises");
        assert_eq!(plain["kind"], "not_found");
        assert!(plain["message"].as_str().is_some_and(|m| m.contains("42")));
        assert!(plain.get("fields").is_none());

        let mut fields = BTreeMap::new();
        fields.insert(
            "halo.url".to_owned(),
            "enter the instance's address".to_owned(),
        );
        let invalid = CommandError {
            fields: Some(fields),
            ..CommandError::new(ErrorKind::Validation, "fix the marked fields")
        };
        let json = serde_json::to_value(invalid).expect("serialises");
        assert_eq!(json["kind"], "validation");
        assert_eq!(json["fields"]["halo.url"], "enter the instance's address");
    }
}
