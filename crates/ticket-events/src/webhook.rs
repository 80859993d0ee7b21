//! Webhook bodies to ticket events: Halo's native payload, ilert's
//! recommended and full bodies, SIGNL4's flat body and its resolve body,
//! and AlertOps-style flat bodies with status names.
//!
//! Lenient on purpose: a missing or odd field never loses the event. Custom
//! templates paste text raw between quotes (`"<<ticket^summary!>>"`), so a
//! quote or newline in a ticket breaks the JSON: such bodies are repaired,
//! and if even that fails, a ticket id found in the text still makes an
//! event. Only a body with no ticket id at all is refused.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::event::{EventSource, TicketEvent, WebhookKind};
use crate::snapshot::TicketSnapshot;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the body is empty: check the webhook's payload setting in Halo")]
    Empty,
    #[error(
        "no ticket id found in the body: it must carry `object_id`, `ticket.id`, `id`, \
         `TicketID` or `X-S4-ExternalID: HaloPSA-<id>`; check the webhook's payload template in Halo"
    )]
    NoTicketId,
}

/// Parses one delivery into its events: one for a single body, one per
/// element for a batched (array) delivery, in order. `headers` are
/// (lower-case name, value) pairs.
pub fn parse_webhook(
    headers: &[(String, String)],
    body: &[u8],
    received_at: DateTime<Utc>,
) -> Result<Vec<TicketEvent>, WebhookError> {
    let text = String::from_utf8_lossy(body);
    if text.trim().is_empty() {
        return Err(WebhookError::Empty);
    }
    let value = serde_json::from_str::<Value>(&text)
        .ok()
        .or_else(|| serde_json::from_str::<Value>(&repair(&text)).ok());
    match value {
        Some(Value::Object(map)) => from_object(headers, &map, &text, received_at).map(|e| vec![e]),
        Some(Value::Array(items)) => {
            let events: Vec<TicketEvent> = items
                .iter()
                .filter_map(|item| match item {
                    Value::Object(map) => {
                        from_object(headers, map, &item.to_string(), received_at).ok()
                    }
                    _ => None,
                })
                .collect();
            if events.is_empty() {
                Err(WebhookError::NoTicketId)
            } else {
                Ok(events)
            }
        }
        _ => salvage(headers, &text, received_at).map(|e| vec![e]),
    }
}

/// One ticket's body.
fn from_object(
    headers: &[(String, String)],
    map: &Map<String, Value>,
    text: &str,
    received_at: DateTime<Utc>,
) -> Result<TicketEvent, WebhookError> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let (kind, mut snapshot, event_name, delivery_id) = if let Some(Value::Object(ticket)) =
        get(map, &["ticket"])
    {
        if has(map, &["event", "object_id", "webhook_id", "escmsg_id"]) {
            let mut snap = flat_snapshot(ticket);
            if snap.ticket_id == 0 {
                snap.ticket_id = int(get(map, &["object_id"])).unwrap_or(0);
            }
            let name = text_of(get(map, &["event"]));
            let id = text_of(get(map, &["id"]));
            (WebhookKind::Native, snap, name, id)
        } else if has(ticket, &["agent", "tickettype"])
            || matches!(get(ticket, &["status"]), Some(Value::Object(_)))
        {
            (
                WebhookKind::IlertRecommended,
                flat_snapshot(ticket),
                None,
                None,
            )
        } else {
            let snap = serde_json::from_value::<halo_api::Ticket>(Value::Object(ticket.clone()))
                .map(|t| TicketSnapshot::from(&t))
                .unwrap_or_else(|_| flat_snapshot(ticket));
            (WebhookKind::IlertFull, snap, None, None)
        }
    } else if let Some(external) =
        text_of(get(map, &["X-S4-ExternalID"])).or_else(|| header("x-s4-externalid"))
    {
        let mut snap = flat_snapshot(map);
        snap.ticket_id = external_id(&external).unwrap_or(snap.ticket_id);
        let status = text_of(get(map, &["X-S4-Status"])).or_else(|| header("x-s4-status"));
        if status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("resolved"))
        {
            snap.closed_hint = Some(true);
            (WebhookKind::Signl4Resolve, snap, status, None)
        } else {
            (WebhookKind::Signl4, snap, status, None)
        }
    } else {
        let snap = flat_snapshot(map);
        let status = text_of(get(map, &["Status", "StatusName", "status_name", "State"]));
        let kind = if status.is_some() {
            WebhookKind::AlertOps
        } else {
            WebhookKind::Unknown
        };
        (kind, snap, status, None)
    };
    if snapshot.ticket_id <= 0 {
        return salvage(headers, text, received_at);
    }
    if snapshot.closed_hint.is_none() {
        snapshot.closed_hint = status_word(snapshot.status_name.as_deref())
            .or_else(|| status_word(event_name.as_deref()));
    }
    let key = match delivery_id.filter(|id| !id.trim().is_empty()) {
        Some(id) => format!("native:{id}"),
        None => content_key(kind, &snapshot, event_name.as_deref()),
    };
    Ok(TicketEvent {
        source: EventSource::Webhook(kind),
        received_at,
        snapshot,
        event_name,
        complete: false,
        key,
    })
}

/// The last resort for a body not even repair could read: a ticket id in
/// the text still makes an event (the engine re-fetches the ticket).
fn salvage(
    headers: &[(String, String)],
    text: &str,
    received_at: DateTime<Utc>,
) -> Result<TicketEvent, WebhookError> {
    let from_header = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("x-s4-externalid"))
        .and_then(|(_, v)| external_id(v));
    let id = from_header
        .or_else(|| number_after(text, "\"X-S4-ExternalID\"").and(external_in(text)))
        .or_else(|| number_after(text, "\"object_id\""))
        .or_else(|| number_after(text, "\"TicketID\""))
        .or_else(|| number_after(text, "\"ticket_id\""))
        .or_else(|| number_after(text, "\"id\""))
        .filter(|id| *id > 0)
        .ok_or(WebhookError::NoTicketId)?;
    let closed = text.contains("\"resolved\"").then_some(true);
    let snapshot = TicketSnapshot {
        ticket_id: id,
        closed_hint: closed,
        ..TicketSnapshot::default()
    };
    let key = format!(
        "{CONTENT_KEY_PREFIX}unreadable:{id}:{:016x}",
        fnv1a(text.as_bytes())
    );
    Ok(TicketEvent {
        source: EventSource::Webhook(WebhookKind::Unknown),
        received_at,
        snapshot,
        event_name: None,
        complete: false,
        key,
    })
}

fn external_in(text: &str) -> Option<i32> {
    let at = text.find("HaloPSA-")?;
    leading_number(&text[at + "HaloPSA-".len()..])
}

/// The number after `"key" :` (optionally quoted).
fn number_after(text: &str, key: &str) -> Option<i32> {
    let at = text.find(key)?;
    let rest = text[at + key.len()..].trim_start();
    let rest = rest.strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix('"').unwrap_or(rest);
    if key == "\"X-S4-ExternalID\"" {
        return external_id(rest);
    }
    leading_number(rest)
}

fn leading_number(text: &str) -> Option<i32> {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// "HaloPSA-123" → 123.
fn external_id(value: &str) -> Option<i32> {
    let v = value.trim();
    let rest = v
        .get(..8)
        .filter(|p| p.eq_ignore_ascii_case("halopsa-"))
        .map(|_| &v[8..])
        .unwrap_or(v);
    leading_number(rest).filter(|id| *id > 0)
}

/// Closed / open from a status or event name, when it clearly says so.
fn status_word(name: Option<&str>) -> Option<bool> {
    let name = name?.trim().to_ascii_lowercase();
    const CLOSED: [&str; 6] = [
        "closed",
        "resolved",
        "completed",
        "cancelled",
        "canceled",
        "ticket closed",
    ];
    const OPEN: [&str; 4] = ["new", "open", "opened", "reopened"];
    if CLOSED
        .iter()
        .any(|w| name == *w || name.ends_with(&format!(" {w}")))
    {
        Some(true)
    } else if OPEN.contains(&name.as_str()) {
        Some(false)
    } else {
        None
    }
}

/// A snapshot from a flat map with Halo's, ilert's, SIGNL4's and AlertOps'
/// field names, whichever are present.
fn flat_snapshot(m: &Map<String, Value>) -> TicketSnapshot {
    let nested = |key: &str, field: &str| match get(m, &[key]) {
        Some(Value::Object(o)) => get(o, &[field]).cloned(),
        _ => None,
    };
    let status_obj = nested("status", "id");
    let status_name = nested("status", "name")
        .and_then(|v| text_of(Some(&v)))
        .or_else(
            || match get(m, &["status_name", "Status", "StatusName", "State"]) {
                Some(Value::Object(_)) | None => None,
                other => text_of(other),
            },
        );
    let status_id = int(status_obj.as_ref()).or_else(|| int(get(m, &["status_id", "statusid"])));
    let priority_name = nested("priority", "name")
        .and_then(|v| text_of(Some(&v)))
        .or_else(|| {
            text_of(get(m, &["priority_name", "Priority"]))
                .filter(|_| !is_number(get(m, &["Priority"])))
        });
    let priority_id = int(nested("priority", "id").as_ref())
        .or_else(|| int(get(m, &["priority_id", "priorityid"])));
    let agent_id = int(nested("agent", "id").as_ref())
        .or_else(|| int(get(m, &["agent_id", "agentid"])))
        .filter(|a| *a > 0);
    let agent_name = nested("agent", "name")
        .and_then(|v| text_of(Some(&v)))
        .or_else(|| text_of(get(m, &["agent_name", "Agent", "AssignedTo"])));
    TicketSnapshot {
        ticket_id: int(get(
            m,
            &["id", "ticket_id", "TicketID", "ticketid", "faultid"],
        ))
        .unwrap_or(0),
        summary: text_of(get(m, &["summary", "Title", "Subject", "Summary"])),
        details_text: text_of(get(
            m,
            &[
                "details",
                "details_html",
                "Message",
                "Description",
                "Details",
            ],
        )),
        status_id,
        status_name,
        priority_id,
        priority_name,
        tickettype_id: int(nested("tickettype", "id").as_ref())
            .or_else(|| int(get(m, &["tickettype_id"]))),
        tickettype_name: nested("tickettype", "name")
            .and_then(|v| text_of(Some(&v)))
            .or_else(|| text_of(get(m, &["tickettype_name", "Type"]))),
        team_id: int(get(m, &["team_id", "teamid"])),
        team_name: text_of(get(m, &["team", "team_name", "Team"]))
            .filter(|_| !is_number(get(m, &["team"]))),
        agent_id,
        agent_name: agent_name.filter(|n| !n.is_empty()),
        client_id: int(get(m, &["client_id"])),
        client_name: text_of(get(m, &["client_name", "Client", "Customer"])),
        site_id: int(get(m, &["site_id"])),
        site_name: text_of(get(m, &["site_name", "Site"])),
        user_name: text_of(get(m, &["user_name", "User", "Requester"])),
        last_update: date(get(m, &["last_update", "lastupdate", "timestamp"])),
        last_customer_reply: date(get(m, &["lastincomingemail"])),
        date_closed: date(get(m, &["dateclosed", "date_closed"])),
        closed_hint: match get(m, &["hasbeenclosed"]) {
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::Number(n)) => n.as_i64().map(|v| v != 0),
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        },
    }
}

/// Case-insensitive lookup of the first present key.
fn get<'a>(m: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    for key in keys {
        if let Some(v) = m.get(*key) {
            return Some(v);
        }
        if let Some((_, v)) = m.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
            return Some(v);
        }
    }
    None
}

fn has(m: &Map<String, Value>, keys: &[&str]) -> bool {
    keys.iter().any(|k| get(m, &[k]).is_some())
}

fn is_number(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Number(_)))
}

/// A number, or a string holding one; anything else is no value.
fn int(v: Option<&Value>) -> Option<i32> {
    match v? {
        Value::Number(n) => n.as_i64().and_then(|i| i32::try_from(i).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Text from a string or a number; empty is no value.
fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn date(v: Option<&Value>) -> Option<DateTime<Utc>> {
    match v? {
        Value::String(s) => halo_api::dates::parse_halo_date(s),
        _ => None,
    }
}

/// Keys made from a body's content rather than a delivery id start with
/// this; they deduplicate only within [`CONTENT_DEDUPE_WINDOW`].
pub(crate) const CONTENT_KEY_PREFIX: &str = "content:";

/// The same change gives the same key whatever the whitespace or key
/// order of the body; a different change (status, agent…) another key.
fn content_key(kind: WebhookKind, snapshot: &TicketSnapshot, event_name: Option<&str>) -> String {
    let canonical = serde_json::to_string(&(snapshot, event_name)).unwrap_or_default();
    format!(
        "{CONTENT_KEY_PREFIX}{}:{}:{:016x}",
        kind.as_str(),
        snapshot.ticket_id,
        fnv1a(canonical.as_bytes())
    )
}

/// FNV-1a, 64 bit: stable across runs and versions, unlike std's hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Re-escapes what naive templates paste raw into strings: control
/// characters, stray backslashes, and quotes that do not end the string (a
/// quote ends it only when followed by `,` `}` `]` `:` or the end).
pub fn repair(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_string = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !in_string {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '\\' => match chars.get(i + 1) {
                Some('"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't' | 'u') => {
                    out.push(c);
                    out.push(chars[i + 1]);
                    i += 2;
                    continue;
                }
                _ => out.push_str("\\\\"),
            },
            '"' => {
                let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
                if matches!(next, None | Some(',' | '}' | ']' | ':')) {
                    in_string = false;
                    out.push('"');
                } else {
                    out.push_str("\\\"");
                }
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(body: &str) -> Result<TicketEvent, WebhookError> {
        parse_webhook(&[], body.as_bytes(), Utc::now()).map(|mut events| events.remove(0))
    }

    #[test]
    fn a_batched_delivery_gives_every_element() {
        let body = r#"[{"TicketID":5,"Subject":"VPN down","Status":"New"},
                       "not a ticket",
                       {"TicketID":6,"Subject":"Printer","Status":"New"}]"#;
        let events = parse_webhook(&[], body.as_bytes(), Utc::now()).unwrap();
        let ids: Vec<i32> = events.iter().map(|e| e.snapshot.ticket_id).collect();
        assert_eq!(ids, vec![5, 6]);
        assert_ne!(events[0].key, events[1].key);
        assert_eq!(
            parse_webhook(&[], b"[1, 2]", Utc::now()),
            Err(WebhookError::NoTicketId)
        );
    }

    #[test]
    fn content_keys_deduplicate_for_a_while_and_delivery_ids_for_good() {
        let custom = parse(r#"{"TicketID":"9","Subject":"VPN","Status":"New"}"#).unwrap();
        assert_eq!(custom.dedupe_window(), Some(chrono::Duration::minutes(10)));
        let native = parse(r#"{"id":"a1","event":"x","object_id":4,"ticket":{"id":4}}"#).unwrap();
        assert_eq!(native.dedupe_window(), None);
    }

    #[test]
    fn native_payloads_key_on_the_delivery_id() {
        let body = r#"{"id":"a1b2","webhook_id":"w","event":"New Ticket Logged","object_id":42,
            "ticket":{"id":42,"summary":"Server down","status_id":1,"team":"Service Desk","agent_id":0,"hasbeenclosed":false}}"#;
        let e = parse(body).unwrap();
        assert_eq!(e.source, EventSource::Webhook(WebhookKind::Native));
        assert_eq!(e.snapshot.ticket_id, 42);
        assert_eq!(e.snapshot.agent_id, None);
        assert_eq!(e.snapshot.closed_hint, Some(false));
        assert_eq!(e.key, "native:a1b2");
        assert_eq!(e.event_name.as_deref(), Some("New Ticket Logged"));
    }

    #[test]
    fn signl4_resolve_closes_and_headers_count() {
        let e = parse(r#"{"X-S4-ExternalID":"HaloPSA-77","X-S4-Status":"resolved"}"#).unwrap();
        assert_eq!(
            (e.snapshot.ticket_id, e.snapshot.closed_hint),
            (77, Some(true))
        );
        assert_eq!(e.source, EventSource::Webhook(WebhookKind::Signl4Resolve));
        let headers = vec![("x-s4-externalid".to_owned(), "HaloPSA-78".to_owned())];
        let e = parse_webhook(
            &headers,
            br#"{"Title":"Disk full","Status":"New"}"#,
            Utc::now(),
        )
        .unwrap()
        .remove(0);
        assert_eq!(e.snapshot.ticket_id, 78);
        assert_eq!(e.snapshot.summary.as_deref(), Some("Disk full"));
    }

    #[test]
    fn alertops_status_names_open_and_close() {
        let open = parse(r#"{"TicketID":"9","Subject":"VPN","Status":"New"}"#).unwrap();
        assert_eq!(
            (open.snapshot.ticket_id, open.snapshot.closed_hint),
            (9, Some(false))
        );
        let closed = parse(r#"{"TicketID":9,"Subject":"VPN","Status":"Closed"}"#).unwrap();
        assert_eq!(closed.snapshot.closed_hint, Some(true));
        assert_ne!(open.key, closed.key);
    }

    #[test]
    fn naive_templates_with_quotes_and_newlines_are_repaired() {
        let body = "{\n \"ticket\" : {\n  \"id\" : 5,\n  \"summary\" : \"He said \"hi\"\n\tand left \\ ünïcødé 🚀\",\n  \"status\" : {\"id\" : 1, \"name\" : \"New\"}\n }\n}";
        assert!(serde_json::from_str::<Value>(body).is_err());
        let e = parse(body).unwrap();
        assert_eq!(e.snapshot.ticket_id, 5);
        assert_eq!(
            e.snapshot.summary.as_deref(),
            Some("He said \"hi\"\n\tand left \\ ünïcødé 🚀")
        );
    }

    #[test]
    fn whitespace_and_key_order_do_not_change_the_key() {
        let a =
            parse(r#"{"ticket":{"id":3,"summary":"x","status":{"id":1,"name":"New"}}}"#).unwrap();
        let b = parse("{ \"ticket\" : { \"status\" : { \"name\":\"New\", \"id\":1 }, \"summary\":\"x\",\n \"id\":3 } }").unwrap();
        assert_eq!(a.key, b.key);
        let c =
            parse(r#"{"ticket":{"id":3,"summary":"x","status":{"id":2,"name":"In Progress"}}}"#)
                .unwrap();
        assert_ne!(a.key, c.key);
    }

    #[test]
    fn hopeless_bodies_still_give_the_ticket_if_it_is_named() {
        let e = parse("{\"object_id\": 123, \"message\": \"unterminated").unwrap();
        assert_eq!(e.snapshot.ticket_id, 123);
        assert_eq!(parse("not json at all"), Err(WebhookError::NoTicketId));
        assert_eq!(parse("  "), Err(WebhookError::Empty));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = parse_webhook(&[], &bytes, Utc::now());
        }

        #[test]
        fn a_ticket_id_anywhere_expected_is_found(id in 1i32..1_000_000, summary in ".{0,40}", naive in any::<bool>()) {
            let body = if naive {
                format!("{{\"ticket\": {{\"id\": {id}, \"summary\": \"{summary}\", \"status\": {{\"id\": 1}}}}}}")
            } else {
                serde_json::json!({"ticket": {"id": id, "summary": summary, "status": {"id": 1}}}).to_string()
            };
            let e = parse(&body).unwrap();
            prop_assert_eq!(e.snapshot.ticket_id, id);
        }
    }
}
