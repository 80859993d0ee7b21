//! Outgoing webhooks as Halo sends them: native webhook payloads, and the
//! custom-integration bodies ilert and SIGNL4 tell users to configure, rendered
//! either as proper JSON or the naive way a quoted template pastes raw text.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::dates::{self, DateField, NO_DATE_1900};
use crate::error::{SimError, SimResult};
use crate::plaintext::html_to_text;
use crate::store::Store;
use crate::wire::{self, TicketView};

/// Which body to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookShape {
    /// Halo's native webhook payload for an event such as "New Ticket Logged"
    /// or "Ticket Status Changed", with a small `ticket` object.
    Native { event: String },
    /// ilert's recommended custom-integration body (`{"ticket": {"status": ..}}`).
    IlertRecommended,
    /// ilert's full-payload body, `{"ticket": <<ticket>>}`.
    IlertFull,
    /// SIGNL4's flat body with `X-S4-ExternalID: "HaloPSA-<id>"`.
    Signl4,
    /// SIGNL4's resolve body.
    Signl4Resolve,
    /// Exactly this body.
    Raw(String),
}

/// How the webhook authenticates to the receiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookAuth {
    None,
    Basic {
        user: String,
        password: String,
    },
    Bearer(String),
    /// The secret is already part of the URL (SIGNL4's team secret, ilert's key).
    PathToken,
}

/// How template placeholders are filled in (custom-integration shapes only;
/// native payloads are always proper JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateRendering {
    /// Every value a JSON literal (strings escaped).
    #[default]
    Json,
    /// Strings pasted raw between quotes, as `"<<ticket^summary!>>"` does: a
    /// quote or newline in the text breaks the JSON.
    NaiveText,
}

/// Builds the body for `shape` about ticket `ticket_id`.
pub(crate) fn render_body(
    store: &Store,
    base_url: &str,
    shape: &WebhookShape,
    ticket_id: i32,
    rendering: TemplateRendering,
    now: DateTime<Utc>,
) -> SimResult<String> {
    if let WebhookShape::Raw(body) = shape {
        // Needs no ticket, so an unknown id is fine here.
        return Ok(body.clone());
    }
    let t = store
        .ticket(ticket_id)
        .ok_or(SimError::UnknownTicket(ticket_id))?;
    let full = wire::ticket(store, t, TicketView::Full { last_action: false }, now);
    let field = |name: &str| full.get(name).cloned().unwrap_or(Value::Null);
    let status = store.status(t.status_id);
    let agent = t.agent_id.and_then(|a| store.agent(a));
    let value = match shape {
        WebhookShape::Raw(body) => return Ok(body.clone()),
        WebhookShape::Native { event } => {
            let n = i64::from(t.id) * 7 + 11;
            let mut ticket = Map::new();
            for key in [
                "id",
                "summary",
                "status_id",
                "status_name",
                "team_id",
                "team",
                "agent_id",
                "priority_id",
                "client_id",
                "client_name",
                "tickettype_id",
                "hasbeenclosed",
                "last_update",
                "dateoccurred",
            ] {
                if let Some(v) = full.get(key) {
                    ticket.insert(key.to_owned(), v.clone());
                }
            }
            let value = json!({
                "id": format!("{:08x}-0000-4000-8000-{:012x}", n, now.timestamp_micros().rem_euclid(1 << 48)),
                "webhook_id": "4f9c1a2e-7d3b-4c55-9a10-5e1d0c0ffee1",
                "notification_id": 12,
                "escmsg_id": n,
                "event": event,
                "message": format!("{event}: ticket {} - {}", t.id, t.summary),
                "object_id": t.id,
                "agent_id": t.agent_id.unwrap_or(0),
                "timestamp": dates::render_field(Some(now), n, DateField::Timestamp, NO_DATE_1900),
                "ticket": Value::Object(ticket),
            });
            // Native payloads are Halo's own serialisation: always valid JSON.
            return Ok(value.to_string());
        }
        WebhookShape::IlertRecommended => json!({
            "ticket": {
                "status": {
                    "id": t.status_id,
                    "name": status.map_or("", |s| s.name.as_str()),
                    "shortname": status.map_or("", |s| s.shortname.as_str()),
                },
                "id": t.id,
                "summary": t.summary,
                "details": html_to_text(&t.details_html),
                "dateoccurred": field("dateoccurred"),
                "dateclosed": field("dateclosed"),
                "tickettype": {
                    "id": t.tickettype_id,
                    "name": field("tickettype_name"),
                },
                "priority": {
                    "id": t.priority_id,
                    "name": store.priority(t.priority_id).map_or("", |p| p.name.as_str()),
                },
                "client_id": t.client_id,
                "client_name": field("client_name"),
                "site_id": t.site_id,
                "site_name": field("site_name"),
                "team": field("team"),
                "agent": {
                    "id": t.agent_id.unwrap_or(0),
                    "name": agent.map_or("", |a| a.name.as_str()),
                },
                "organisation_id": 0,
                "department_id": 0,
                "workflow_name": "",
                "oppcompanyname": "",
            }
        }),
        WebhookShape::IlertFull => json!({ "ticket": full }),
        WebhookShape::Signl4 => json!({
            "Title": t.summary,
            "Message": html_to_text(&t.details_html),
            "dateoccurred": field("dateoccurred"),
            "dateclosed": field("dateclosed"),
            "Type": field("tickettype_name"),
            "Priority": store.priority(t.priority_id).map_or("", |p| p.name.as_str()),
            "Client": field("client_name"),
            "Site": field("site_name"),
            "Team": field("team"),
            "Agent": agent.map_or("", |a| a.name.as_str()),
            "Organisation": 0,
            "Oppcompanyname": "",
            "Status": status.map_or("", |s| s.shortname.as_str()),
            "Link": format!("{base_url}/ticket?id={}", t.id),
            "X-S4-ExternalID": format!("HaloPSA-{}", t.id),
            "X-S4-SourceSystem": "HaloPSA",
        }),
        WebhookShape::Signl4Resolve => json!({
            "X-S4-ExternalID": format!("HaloPSA-{}", t.id),
            "X-S4-Status": "resolved",
        }),
    };
    Ok(match rendering {
        TemplateRendering::Json => {
            serde_json::to_string_pretty(&value).map_err(|e| SimError::Invalid(e.to_string()))?
        }
        TemplateRendering::NaiveText => {
            let mut out = String::new();
            write_naive(&value, 0, &mut out);
            out
        }
    })
}

/// Writes JSON whose strings are pasted verbatim between quotes.
fn write_naive(value: &Value, indent: usize, out: &mut String) {
    let pad = "    ".repeat(indent + 1);
    let end_pad = "    ".repeat(indent);
    match value {
        Value::String(s) => {
            out.push('"');
            out.push_str(s);
            out.push('"');
        }
        Value::Object(map) => {
            out.push_str("{\n");
            for (i, (k, v)) in map.iter().enumerate() {
                let _ = write!(out, "{pad}\"{k}\" : ");
                write_naive(v, indent + 1, out);
                out.push_str(if i + 1 < map.len() { ",\n" } else { "\n" });
            }
            out.push_str(&end_pad);
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_naive(v, indent + 1, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Sends a rendered body; the receiver's HTTP status comes back.
pub(crate) async fn deliver(
    http: &reqwest::Client,
    url: &str,
    body: String,
    auth: &WebhookAuth,
) -> SimResult<u16> {
    let mut request = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::USER_AGENT, "Halo-Webhook/1.0 (halo-sim)")
        .body(body);
    request = match auth {
        WebhookAuth::None | WebhookAuth::PathToken => request,
        WebhookAuth::Basic { user, password } => request.basic_auth(user, Some(password)),
        WebhookAuth::Bearer(token) => request.bearer_auth(token),
    };
    let response = request.send().await.map_err(|source| SimError::Webhook {
        url: url.to_owned(),
        source,
    })?;
    Ok(response.status().as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimConfig;
    use crate::model::NewTicket;
    use crate::seed::build_store;

    fn store_with_quote() -> (Store, i32) {
        let now = dates::now();
        let mut store = build_store(&SimConfig::default().with_seed_tickets(0), now);
        let id = store.create_ticket(
            NewTicket {
                summary: "Printer says \"PC LOAD LETTER\"".into(),
                details_html: "<p>line one</p><p>line two</p>".into(),
                ..NewTicket::default()
            },
            None,
            now,
        );
        (store, id)
    }

    #[test]
    fn json_rendering_is_valid_and_naive_is_not() {
        let (store, id) = store_with_quote();
        let now = dates::now();
        for shape in [
            WebhookShape::IlertRecommended,
            WebhookShape::IlertFull,
            WebhookShape::Signl4,
        ] {
            let good = render_body(&store, "http://x", &shape, id, TemplateRendering::Json, now)
                .expect("renders");
            assert!(serde_json::from_str::<Value>(&good).is_ok(), "{shape:?}");
            let naive = render_body(
                &store,
                "http://x",
                &shape,
                id,
                TemplateRendering::NaiveText,
                now,
            )
            .expect("renders");
            assert!(serde_json::from_str::<Value>(&naive).is_err(), "{shape:?}");
        }
    }

    #[test]
    fn signl4_correlates_by_external_id() {
        let (store, id) = store_with_quote();
        let body = render_body(
            &store,
            "http://halo",
            &WebhookShape::Signl4Resolve,
            id,
            TemplateRendering::NaiveText,
            dates::now(),
        )
        .expect("renders");
        let v: Value = serde_json::from_str(&body).expect("simple body stays valid");
        assert_eq!(v["X-S4-ExternalID"], json!(format!("HaloPSA-{id}")));
        assert_eq!(v["X-S4-Status"], json!("resolved"));
    }

    #[test]
    fn unknown_ticket_is_an_error() {
        let (store, _) = store_with_quote();
        let r = render_body(
            &store,
            "http://x",
            &WebhookShape::Signl4,
            999_999,
            TemplateRendering::Json,
            dates::now(),
        );
        assert!(matches!(r, Err(SimError::UnknownTicket(999_999))));
    }
}
