//! The webhook setup text: what the user pastes into Halo must be a body the
//! receiver understands once Halo fills in a ticket.

#![allow(clippy::unwrap_used)]

use app_core::Config;
use app_core::webhook_setup::{RUNBOOK_EVENTS, webhook_setup};

/// Halo's substitution: each `<<ticket^…>>` becomes a JSON value.
fn fill(body: &str) -> String {
    let values = [
        ("<<ticket^id>>", "4711"),
        ("<<ticket^summary>>", "\"Mail server down\""),
        ("<<ticket^details>>", "\"Nobody can send mail\""),
        ("<<ticket^status^id>>", "1"),
        ("<<ticket^status^name>>", "\"New\""),
        ("<<ticket^status^shortname>>", "\"NEW\""),
        ("<<ticket^dateoccurred>>", "\"2026-12-01T09:00:00\""),
        ("<<ticket^dateclosed>>", "null"),
        ("<<ticket^tickettype^id>>", "1"),
        ("<<ticket^tickettype^name>>", "\"Incident\""),
        ("<<ticket^priority_id>>", "1"),
        ("<<ticket^priority^name>>", "\"Critical\""),
        ("<<ticket^client_id>>", "12"),
        ("<<ticket^client_name>>", "\"Acme\""),
        ("<<ticket^site_id>>", "3"),
        ("<<ticket^site_name>>", "\"HQ\""),
        ("<<ticket^team_id>>", "2"),
        ("<<ticket^team>>", "\"Service Desk\""),
        ("<<ticket^agent^id>>", "0"),
        ("<<ticket^agent^name>>", "\"\""),
    ];
    let mut out = body.to_owned();
    for (k, v) in values {
        out = out.replace(k, v);
    }
    assert!(!out.contains("<<"), "a variable was not filled: {out}");
    out
}

#[test]
fn the_pasted_body_once_filled_by_halo_is_a_ticket_event_for_the_receiver() {
    let setup = webhook_setup(&Config::default(), Some("t0ken-t0ken-t0ken-t0ken"));
    let body = fill(&setup.body_json);
    let events = ticket_events::parse_webhook(&[], body.as_bytes(), chrono::Utc::now()).unwrap();
    assert_eq!(events.len(), 1, "one delivery, one event");
    let s = &events[0].snapshot;
    assert_eq!(s.ticket_id, 4711);
    assert_eq!(s.summary.as_deref(), Some("Mail server down"));
    assert_eq!(s.status_name.as_deref(), Some("New"));
    assert_eq!(s.priority_id, Some(1));
    assert_eq!(s.team_id, Some(2));
    assert_eq!(s.team_name.as_deref(), Some("Service Desk"));
}

#[test]
fn the_url_carries_the_token_and_the_runbook_events_are_named() {
    let mut config = Config::default();
    config.webhook.enabled = true;
    config.webhook.public_url = Some("https://alerts.example.com/".into());
    let setup = webhook_setup(&config, Some("t0ken-t0ken-t0ken-t0ken"));
    assert_eq!(
        setup.url,
        "https://alerts.example.com/webhook/t0ken-t0ken-t0ken-t0ken"
    );
    assert_eq!(setup.events, RUNBOOK_EVENTS);
    assert!(setup.notes.is_empty(), "{:?}", setup.notes);
    let text = setup.instructions();
    assert!(
        text.contains("\"New Ticket Logged\" and \"Ticket Status Changed\""),
        "{text}"
    );
}

#[test]
fn a_setup_with_the_listener_off_and_no_token_says_so() {
    let setup = webhook_setup(&Config::default(), None);
    assert_eq!(setup.url, "http://127.0.0.1:8787/webhook/<token>");
    let notes = setup.notes.join("\n");
    assert!(notes.contains("listener is off"), "{notes}");
    assert!(notes.contains("webhook-setup --new-token"), "{notes}");
    assert!(notes.contains("public_url"), "{notes}");
}
