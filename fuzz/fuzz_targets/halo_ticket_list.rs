//! Any JSON as a page of `GET /api/Tickets`: never a panic; a list or
//! `{"tickets": [...]}` is always read, with one row out per row in; a row
//! whose id is readable is never rejected (lenient per field), and a
//! rejected row says why.
#![no_main]

use halo_api::read_ticket_page;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn readable_id(row: &Value) -> Option<i32> {
    let id = row.as_object()?.get("id")?;
    match id {
        Value::Number(n) => n.as_i64().and_then(|n| i32::try_from(n).ok()).or_else(|| {
            n.as_f64()
                .filter(|f| {
                    f.fract() == 0.0 && *f >= f64::from(i32::MIN) && *f <= f64::from(i32::MAX)
                })
                .map(|f| f as i32)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fuzz_target!(|body: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    let rows_in = match &value {
        Value::Array(rows) => Some(rows.clone()),
        Value::Object(map) => match map.get("tickets") {
            Some(Value::Array(rows)) => Some(rows.clone()),
            Some(Value::Null) => Some(Vec::new()),
            _ => None,
        },
        _ => None,
    };
    let page = read_ticket_page(value);
    let Some(rows_in) = rows_in else {
        assert!(
            page.is_err(),
            "neither a list nor {{\"tickets\": [...]}} was read"
        );
        return;
    };
    let page = page.expect("a list is always read");
    assert_eq!(page.rows.len(), rows_in.len());
    for (row, out) in rows_in.iter().zip(&page.rows) {
        match (readable_id(row), out) {
            (Some(id), Ok(ticket)) => assert_eq!(ticket.id, id),
            (Some(_), Err(rejected)) => {
                panic!("a row with a readable id was rejected: {rejected:?} {row}")
            }
            (None, Ok(ticket)) => panic!("a row without an id was read as {ticket:?}"),
            (None, Err(rejected)) => assert!(!rejected.reason.is_empty()),
        }
    }
});
