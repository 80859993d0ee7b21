//! The command surface of docs/command-surface.md, run by the tray. The
//! windows live in the window host process, which passes every call here
//! by name with the page's JSON arguments (`window_hosts`); this table maps
//! each name to its one implementation. Each is a short delegation to
//! app-core or the engine handle; blocking work runs on blocking threads
//! (`state::blocking`).

mod alerts;
mod settings;

use crate::shell::Shell;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{CommandError, CommandResult, ErrorKind};

/// Declares the table once: each line names a command, its arguments (the
/// page sends them in camelCase) and the function that runs it.
macro_rules! command_surface {
    ($($module:ident :: $name:ident ( $($arg:ident : $ty:ty),* );)*) => {
        /// Every command's name: the capability file allows exactly these
        /// (build.rs declares the same list).
        #[cfg_attr(not(test), allow(dead_code))]
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];

        /// Runs `command` with the page's `args` and returns its answer as
        /// JSON, or the command's error.
        pub async fn dispatch(app: Shell, command: &str, args: Value) -> CommandResult<Value> {
            match command {
                $(stringify!($name) => {
                    #[derive(serde::Deserialize)]
                    #[serde(rename_all = "camelCase")]
                    struct Args { $($arg: $ty),* }
                    let Args { $($arg),* } = arguments(command, args)?;
                    answer($module::$name(app, $($arg),*).await)
                })*
                other => Err(CommandError::new(
                    ErrorKind::Validation,
                    format!("there is no command `{other}`: reload the window"),
                )),
            }
        }
    };
}

command_surface! {
    alerts::list_alerts();
    alerts::alert_detail(ticket_id: i64);
    alerts::acknowledge(ticket_id: i64);
    alerts::acknowledge_all();
    alerts::snooze(ticket_id: i64, minutes: u32);
    alerts::take(ticket_id: i64);
    alerts::closed_statuses();
    alerts::close_ticket(ticket_id: i64, note: String, status_id: Option<i32>);
    alerts::open_in_halo(ticket_id: i64);
    alerts::send_test_alert();
    alerts::pause(minutes: Option<u32>);
    alerts::app_status();
    settings::open_settings();
    settings::get_settings();
    settings::save_settings(form: Value);
    settings::test_connection(form: Value);
    settings::list_teams(form: Value);
    settings::preview_template(form: Value);
    settings::regenerate_webhook_token();
    settings::webhook_setup();
    settings::open_log_folder();
}

/// The page's arguments as the command takes them (none: `{}`).
fn arguments<A: DeserializeOwned>(command: &str, args: Value) -> CommandResult<A> {
    let args = if args.is_null() {
        Value::Object(Default::default())
    } else {
        args
    };
    serde_json::from_value(args).map_err(|e| {
        CommandError::new(
            ErrorKind::Validation,
            format!("`{command}` was called with arguments it cannot use ({e}): reload the window"),
        )
    })
}

fn answer<T: Serialize>(result: CommandResult<T>) -> CommandResult<Value> {
    serde_json::to_value(result?)
        .map_err(|e| CommandError::internal(format!("the answer could not be sent ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_capability_allows_exactly_the_commands_in_the_table() {
        let capability: Value =
            serde_json::from_str(include_str!("../../../../capabilities/windows.json"))
                .expect("json");
        let mut allowed: Vec<String> = capability["permissions"]
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|p| p.as_str()?.strip_prefix("allow-").map(str::to_owned))
            .collect();
        allowed.sort();
        let mut names: Vec<String> = NAMES.iter().map(|n| n.replace('_', "-")).collect();
        names.sort();
        assert_eq!(allowed, names);
    }

    #[test]
    fn arguments_are_read_in_camel_case_and_missing_options_are_none() {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Close {
            ticket_id: i64,
            status_id: Option<i32>,
        }
        let close: Close =
            arguments("close_ticket", json!({ "ticketId": 4, "note": "x" })).expect("read");
        assert_eq!((close.ticket_id, close.status_id), (4, None));

        #[derive(serde::Deserialize)]
        struct Nothing {}
        let _: Nothing = arguments("list_alerts", Value::Null).expect("no arguments");
    }

    #[test]
    fn wrong_arguments_are_a_validation_error_naming_the_command() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[allow(dead_code)]
        struct Snooze {
            ticket_id: i64,
        }
        let err =
            arguments::<Snooze>("snooze", json!({ "ticketId": "four" })).expect_err("refused");
        assert_eq!(err.kind, ErrorKind::Validation);
        assert!(err.message.contains("snooze"), "{}", err.message);
    }
}
