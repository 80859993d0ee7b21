//! Any bytes as the body of `GET /api/Tickets/{id}`: never a panic; a
//! ticket read is written and read back to the same ticket (after the one
//! normalisation writing does: dates to milliseconds), keeping its id and
//! every date it had.
#![no_main]

use halo_api::Ticket;
use libfuzzer_sys::fuzz_target;

fn dates(t: &Ticket) -> [bool; 8] {
    [
        t.dateoccurred.is_some(),
        t.datecreated.is_some(),
        t.dateclosed.is_some(),
        t.last_update.is_some(),
        t.lastactiondate.is_some(),
        t.lastincomingemail.is_some(),
        t.fixbydate.is_some(),
        t.respondbydate.is_some(),
    ]
}

/// `extra` holds raw JSON; serde_json's float parsing is not exact, so only
/// its keys are compared.
fn modelled(t: &Ticket) -> (Ticket, Vec<String>) {
    let keys = t.extra.keys().cloned().collect();
    (
        Ticket {
            extra: Default::default(),
            ..t.clone()
        },
        keys,
    )
}

fuzz_target!(|body: &[u8]| {
    let Ok(first) = serde_json::from_slice::<Ticket>(body) else {
        return;
    };
    let written = serde_json::to_string(&first).expect("a ticket serialises");
    let second: Ticket = serde_json::from_str(&written).expect("a written ticket reads back");
    assert_eq!(second.id, first.id);
    assert_eq!(dates(&second), dates(&first), "a date was lost: {written}");
    let rewritten = serde_json::to_string(&second).expect("serialises");
    let third: Ticket = serde_json::from_str(&rewritten).expect("reads back");
    assert_eq!(
        modelled(&third),
        modelled(&second),
        "not a fixpoint: {rewritten}"
    );
});
