//! What to paste into Halo so it pushes ticket changes to the webhook
//! listener: the URL, and the body of a Halo custom-integration method with
//! the runbook events that call it. The body is the shape the ilert and
//! SIGNL4 guides for Halo use (`ticket-events` parses it), with Halo's
//! `<<ticket^…>>` variables.

use serde::Serialize;

use crate::config::Config;

/// The runbook events that should call the integration method.
pub const RUNBOOK_EVENTS: [&str; 2] = ["New Ticket Logged", "Ticket Status Changed"];

/// What stands in for the token when none is stored yet.
const TOKEN_PLACEHOLDER: &str = "<token>";

/// The custom-integration method's JSON body; Halo replaces each
/// `<<ticket^…>>` with the ticket's value.
const BODY: &str = r#"{
    "ticket": {
        "id": <<ticket^id>>,
        "summary": <<ticket^summary>>,
        "details": <<ticket^details>>,
        "status": {
            "id": <<ticket^status^id>>,
            "name": <<ticket^status^name>>,
            "shortname": <<ticket^status^shortname>>
        },
        "dateoccurred": <<ticket^dateoccurred>>,
        "dateclosed": <<ticket^dateclosed>>,
        "tickettype": {
            "id": <<ticket^tickettype^id>>,
            "name": <<ticket^tickettype^name>>
        },
        "priority": {
            "id": <<ticket^priority_id>>,
            "name": <<ticket^priority^name>>
        },
        "client_id": <<ticket^client_id>>,
        "client_name": <<ticket^client_name>>,
        "site_id": <<ticket^site_id>>,
        "site_name": <<ticket^site_name>>,
        "team_id": <<ticket^team_id>>,
        "team": <<ticket^team>>,
        "agent": {
            "id": <<ticket^agent^id>>,
            "name": <<ticket^agent^name>>
        }
    }
}"#;

/// Everything the settings window shows and `webhook-setup` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSetup {
    /// The full URL Halo posts to, token included.
    pub url: String,
    /// The custom integration's Base URL (scheme, host and port).
    pub base_url: String,
    /// The method's path under the base URL.
    pub path: String,
    /// The method's JSON body, ready to paste.
    pub body_json: String,
    /// The runbook events that call the method.
    pub events: Vec<String>,
    /// Things to fix or know first (listener off, only reachable locally,
    /// no token yet).
    pub notes: Vec<String>,
}

/// The setup for `config`, with `token` in the URL when one is stored.
pub fn webhook_setup(config: &Config, token: Option<&str>) -> WebhookSetup {
    let w = &config.webhook;
    let base_url = w
        .public_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map_or_else(|| format!("http://{}", w.bind.trim()), str::to_owned)
        .trim_end_matches('/')
        .to_owned();
    let path = format!("/webhook/{}", token.unwrap_or(TOKEN_PLACEHOLDER));
    let mut notes = Vec::new();
    if !w.enabled {
        notes.push(
            "The webhook listener is off: set `enabled = true` under [webhook] (or switch it on \
             in Settings) and restart."
                .to_owned(),
        );
    }
    if token.is_none() {
        notes.push(
            "No webhook token is stored yet: run `halo-notifier-cli webhook-setup --new-token` (or \
             generate one in Settings) to get the URL with its token."
                .to_owned(),
        );
    }
    if w.public_url.is_none() {
        notes.push(format!(
            "Halo must be able to reach {base_url}: a hosted Halo cannot reach your desktop \
             directly, so put a tunnel or reverse proxy with TLS in front and set \
             [webhook] public_url to its address."
        ));
    }
    WebhookSetup {
        url: format!("{base_url}{path}"),
        base_url,
        path,
        body_json: BODY.to_owned(),
        events: RUNBOOK_EVENTS.iter().map(|e| (*e).to_owned()).collect(),
        notes,
    }
}

impl WebhookSetup {
    /// Step-by-step text for a terminal.
    pub fn instructions(&self) -> String {
        let mut text = String::new();
        for note in &self.notes {
            text.push_str(&format!("note: {note}\n"));
        }
        text.push_str(&format!(
            "In Halo:\n\
             1. Configuration > Integrations > Custom Integrations > New. Base URL: {base}\n\
             2. Methods > New: method POST, path {path}, body type JSON, body:\n\n{body}\n\n\
             3. Runbooks > New, events: {events}; one step of type Action, \"Execute an \
             Integration Method\", choosing the method above.\n\
             Full URL: {url}\n",
            base = self.base_url,
            path = self.path,
            body = self.body_json,
            events = self
                .events
                .iter()
                .map(|e| format!("\"{e}\""))
                .collect::<Vec<_>>()
                .join(" and "),
            url = self.url,
        ));
        text
    }
}
