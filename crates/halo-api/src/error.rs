//! One error type for every way a Halo call can fail, each message saying
//! what the user must do next. Messages never contain the client secret or
//! the access token.

use std::time::Duration;

use serde_json::Value;

/// What the client was doing, so errors can name the permission it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Discover,
    Token,
    ReadTickets,
    ReadTicket,
    UpdateTicket,
    ReadActions,
    AddAction,
    ReadStatuses,
    ReadTeams,
    ReadAgent,
    ReadPriorities,
    ReadOutcomes,
}

impl Operation {
    /// The API application permission (scope) Halo checks for this call.
    pub fn permission(self) -> &'static str {
        match self {
            Operation::UpdateTicket | Operation::AddAction => "edit:tickets",
            Operation::ReadTeams => "all:teams",
            Operation::ReadAgent => "read:agents",
            Operation::Discover | Operation::Token => "none",
            _ => "read:tickets",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Operation::Discover => "discovering the authorisation server",
            Operation::Token => "requesting an access token",
            Operation::ReadTickets => "listing tickets",
            Operation::ReadTicket => "reading a ticket",
            Operation::UpdateTicket => "updating a ticket",
            Operation::ReadActions => "reading a ticket's actions",
            Operation::AddAction => "adding an action to a ticket",
            Operation::ReadStatuses => "reading ticket statuses",
            Operation::ReadTeams => "reading teams",
            Operation::ReadAgent => "reading the logged-in agent",
            Operation::ReadPriorities => "reading priorities",
            Operation::ReadOutcomes => "reading outcomes",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HaloError {
    #[error("\"{input}\" is not a usable Halo address: {reason}")]
    InvalidUrl { input: String, reason: String },

    #[error(
        "{url} uses plain http://, which would send your client secret unencrypted; use https://, or allow insecure http explicitly for an on-premise server"
    )]
    InsecureUrl { url: String },

    #[error(
        "Halo rejected the client ID or secret ({detail}); check both in Halo under Configuration > Integrations > Halo API > Applications (Halo may change the client ID when the application is saved)"
    )]
    BadCredentials { detail: String },

    #[error(
        "Halo refused to issue a token: {detail}; check the tenant and the application's authentication method (Client ID and Secret)"
    )]
    TokenRefused { status: u16, detail: String },

    #[error(
        "the token request to {url} was answered with a redirect to {location}; the client secret is never sent to a redirected address: check that the Halo address is the one your browser ends up at (https, exact host name), or set the authorisation server explicitly (auth_server in the config)"
    )]
    TokenRedirected { url: String, location: String },

    #[error(
        "Halo's /api/authinfo names the authorisation server {discovered}, which is not on {instance}; the client secret is only sent to the instance's own address unless you say otherwise: if that server is right, set it as auth_server in the config"
    )]
    ForeignAuthServer {
        discovered: String,
        instance: String,
    },

    #[error(
        "Halo rejected the access token even after renewing it ({detail}); check that the API application is active and its agent is enabled"
    )]
    Unauthorized { detail: String },

    #[error(
        "Halo denied {operation}: the API application lacks the '{permission}' permission; enable it under Configuration > Integrations > Halo API > Applications > Permissions ({detail})",
        operation = .operation.describe()
    )]
    Forbidden {
        operation: Operation,
        permission: String,
        detail: String,
    },

    #[error("{what} was not found in Halo; it may have been deleted or merged")]
    NotFound { what: String },

    #[error(
        "Halo's rate limit was reached (300 requests per 5 minutes per tenant); waiting {}s before the next request",
        .retry_after.as_millis().div_ceil(1000)
    )]
    RateLimited { retry_after: Duration },

    #[error("Halo answered {status} while {operation} after {attempts} attempt(s): {detail}; Halo may be down or updating, try again later", operation = .operation.describe())]
    Server {
        operation: Operation,
        status: u16,
        detail: String,
        attempts: u32,
    },

    #[error("Halo rejected the request while {operation} ({status}): {detail}", operation = .operation.describe())]
    BadRequest {
        operation: Operation,
        status: u16,
        detail: String,
    },

    #[error("could not reach Halo while {operation}: {detail}; {advice}", operation = .operation.describe(), advice = network_advice(*.timed_out))]
    Network {
        operation: Operation,
        detail: String,
        timed_out: bool,
    },

    #[error("Halo's answer to {operation} was not what the client expected: {detail}", operation = .operation.describe())]
    UnexpectedResponse {
        operation: Operation,
        detail: String,
    },
}

impl HaloError {
    /// Worth trying again later without the user changing anything.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            HaloError::RateLimited { .. } | HaloError::Server { .. } | HaloError::Network { .. }
        )
    }

    /// The user must change settings or permissions before a retry helps.
    pub fn needs_user(&self) -> bool {
        matches!(
            self,
            HaloError::InvalidUrl { .. }
                | HaloError::InsecureUrl { .. }
                | HaloError::BadCredentials { .. }
                | HaloError::TokenRefused { .. }
                | HaloError::TokenRedirected { .. }
                | HaloError::ForeignAuthServer { .. }
                | HaloError::Unauthorized { .. }
                | HaloError::Forbidden { .. }
        )
    }
}

fn network_advice(timed_out: bool) -> &'static str {
    if timed_out {
        "Halo did not answer in time: it may be overloaded, or the network slow"
    } else {
        "check the address and your network"
    }
}

/// A failure to reach Halo, with every cause in the chain (reqwest's own
/// message alone says only "error sending request"), without the URL: its
/// query string is noise in the tray's tooltip, and the operation says
/// what was asked.
pub(crate) fn network_error(operation: Operation, error: &reqwest::Error) -> HaloError {
    let mut detail = error.to_string();
    if let Some(url) = error.url() {
        detail = detail.replace(&format!(" for url ({url})"), "");
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        detail.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    HaloError::Network {
        operation,
        detail,
        timed_out: error.is_timeout(),
    }
}

/// The message in any of Halo's four error-body shapes (`{error}`,
/// `{Message}`, `{ClassName, Message}`, `{resultCode, errorMessage}`) or a
/// 400 body keyed by field; a short excerpt of anything else.
pub fn error_detail(body: &str) -> String {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return "no details given".to_owned();
    }
    match serde_json::from_str::<Value>(trimmed) {
        Ok(Value::Object(map)) => {
            let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_owned);
            if let Some(error) = text("error") {
                return match text("error_description") {
                    Some(description) => format!("{error}: {description}"),
                    None => error,
                };
            }
            if let Some(message) = text("errorMessage") {
                return match map.get("resultCode") {
                    Some(code) if !code.is_null() => format!("{message} (result code {code})"),
                    _ => message,
                };
            }
            if let Some(message) = text("Message").or_else(|| text("message")) {
                return match text("ClassName") {
                    Some(class) => format!("{message} ({class})"),
                    None => message,
                };
            }
            let fields = map.get("errors").and_then(Value::as_object).unwrap_or(&map);
            let keyed: Vec<String> = fields
                .iter()
                .filter_map(|(field, problem)| field_problem(field, problem))
                .collect();
            if keyed.is_empty() {
                excerpt(trimmed)
            } else {
                keyed.join("; ")
            }
        }
        Ok(Value::String(text)) => excerpt(&text),
        _ => match crate::html_page::text_of(trimmed) {
            Some(text) => excerpt(&text),
            None => excerpt(trimmed),
        },
    }
}

fn field_problem(field: &str, problem: &Value) -> Option<String> {
    let text = match problem {
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        _ => return None,
    };
    (!text.is_empty()).then(|| format!("{field}: {text}"))
}

/// At most 200 characters of a body, on a character boundary, with control
/// and direction-changing characters blanked (it ends up in logs and the
/// tray's tooltip, where a right-to-left override would disguise it).
pub fn excerpt(text: &str) -> String {
    const LIMIT: usize = 200;
    let clean: String = text
        .chars()
        .map(|c| if is_hidden(c) { ' ' } else { c })
        .collect();
    match clean.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &clean[..cut]),
        None => clean,
    }
}

fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
        )
}

/// Names the shape of a JSON body for "unexpected response" errors.
pub fn describe_shape(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(_) => "a boolean".to_owned(),
        Value::Number(_) => "a number".to_owned(),
        Value::String(_) => "a string".to_owned(),
        Value::Array(items) => format!("an array of {} item(s)", items.len()),
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().take(8).map(String::as_str).collect();
            format!("an object with keys [{}]", keys.join(", "))
        }
    }
}

/// A permission named in a 403 body, e.g. `'edit:tickets'`, which is more
/// precise than the one the client guesses from the operation.
pub fn permission_in(detail: &str) -> Option<String> {
    detail
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == ':' || c == '_'))
        .find(|word| {
            let mut parts = word.split(':');
            matches!(
                (parts.next(), parts.next(), parts.next()),
                (Some(a), Some(b), None) if !a.is_empty() && !b.is_empty()
                    && ["read", "edit", "all", "admin"].contains(&a.to_ascii_lowercase().as_str())
            )
        })
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_all_four_halo_error_shapes() {
        assert_eq!(
            error_detail(r#"{"error":"invalid_client"}"#),
            "invalid_client"
        );
        assert_eq!(
            error_detail(r#"{"error":"invalid_request","error_description":"tenant missing"}"#),
            "invalid_request: tenant missing"
        );
        assert_eq!(
            error_detail(r#"{"Message":"Authorization has been denied for this request."}"#),
            "Authorization has been denied for this request."
        );
        assert_eq!(
            error_detail(r#"{"ClassName":"System.Exception","Message":"boom"}"#),
            "boom (System.Exception)"
        );
        assert_eq!(
            error_detail(r#"{"resultCode":3,"errorMessage":"Ticket is locked"}"#),
            "Ticket is locked (result code 3)"
        );
        assert_eq!(
            error_detail(r#"{"summary":["The summary field is required."]}"#),
            "summary: The summary field is required."
        );
        assert_eq!(
            error_detail(r#"{"errors":{"agent_id":["Unknown agent"]}}"#),
            "agent_id: Unknown agent"
        );
    }

    #[test]
    fn odd_bodies_become_short_excerpts() {
        assert_eq!(error_detail(""), "no details given");
        assert_eq!(error_detail("<html>Bad Gateway</html>"), "Bad Gateway");
        assert_eq!(
            error_detail(
                "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">\r\n<HTML><HEAD><TITLE>Service Unavailable</TITLE></HEAD>\r\n<BODY><h2>Service Unavailable</h2></BODY></HTML>"
            ),
            "Service Unavailable"
        );
        assert_eq!(error_detail("<b>not a page</b>"), "<b>not a page</b>");
        let long = "x".repeat(1000);
        assert!(error_detail(&long).chars().count() <= 201);
        assert_eq!(error_detail("ü".repeat(300).as_str()).chars().count(), 201);
        assert_eq!(
            excerpt("ok\u{202E}gpj.exe\u{2066}\r\nnext"),
            "ok gpj.exe   next"
        );
    }

    #[test]
    fn finds_the_permission_named_in_a_403() {
        assert_eq!(
            permission_in("The API application is missing the 'edit:tickets' permission")
                .as_deref(),
            Some("edit:tickets")
        );
        assert_eq!(permission_in("Access denied"), None);
        assert_eq!(permission_in("at 10:30 today"), None);
    }

    #[test]
    fn forbidden_names_the_permission_and_where_to_enable_it() {
        let error = HaloError::Forbidden {
            operation: Operation::ReadTeams,
            permission: "all:teams".into(),
            detail: "denied".into(),
        };
        let text = error.to_string();
        assert!(
            text.contains("all:teams") && text.contains("Permissions"),
            "{text}"
        );
    }
}
