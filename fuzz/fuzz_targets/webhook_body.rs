//! Any bytes as a webhook body, with and without SIGNL4's headers: never a
//! panic; every event names a ticket and has a key; the same body gives the
//! same events; valid JSON passes `repair` untouched, and re-indenting it
//! keeps every content key (the dedupe promise).
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use ticket_events::{EventSource, TicketEvent, parse_webhook, repair};

/// The same JSON text with a newline and indent after every `{`, `[`, `,`
/// and `:` outside strings: whitespace only, so unlike re-serialising a
/// parsed value it keeps duplicate keys (the fuzzer found that difference).
fn reindented(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        out.push(c);
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if matches!(c, '{' | '[' | ',' | ':') {
            out.push_str("\n  ");
        }
    }
    out
}

fn keys(events: &[TicketEvent]) -> Vec<&str> {
    events.iter().map(|e| e.key.as_str()).collect()
}

fuzz_target!(|body: &[u8]| {
    let at = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
    let signl4 = [
        ("x-s4-externalid".to_owned(), "HaloPSA-77".to_owned()),
        ("x-s4-status".to_owned(), "resolved".to_owned()),
    ];
    let plain = parse_webhook(&[], body, at);
    let _ = parse_webhook(&signl4, body, at);
    let Ok(events) = plain else { return };
    assert!(!events.is_empty(), "Ok with no events");
    for event in &events {
        assert!(event.snapshot.ticket_id > 0, "{event:?}");
        assert!(!event.key.is_empty(), "{event:?}");
        assert!(matches!(event.source, EventSource::Webhook(_)), "{event:?}");
    }
    let again = parse_webhook(&[], body, at).expect("the same body parses again");
    assert_eq!(keys(&events), keys(&again), "keys are deterministic");

    let Ok(text) = std::str::from_utf8(body) else {
        return;
    };
    if serde_json::from_str::<serde_json::Value>(text).is_err() {
        return;
    }
    assert_eq!(repair(text), text, "repair changed valid JSON");
    let spaced = reindented(text);
    let reindented = parse_webhook(&[], spaced.as_bytes(), at).expect("re-indented parses");
    let content = |events: &[TicketEvent]| -> Vec<String> {
        events
            .iter()
            .filter(|e| !e.key.contains(":unreadable:"))
            .map(|e| e.key.clone())
            .collect()
    };
    assert_eq!(
        content(&events),
        content(&reindented),
        "whitespace changed a key"
    );
});
