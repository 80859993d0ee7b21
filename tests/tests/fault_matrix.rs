//! Issue 9's fault matrix: for each way Halo (or what stands in front of
//! it) fails, the app runs a scripted day of over 200 tickets logged,
//! updated, reassigned and closed, with the fault holding through the
//! middle third. Every row checks that no ticket was lost, nothing notified
//! after it was acknowledged or resolved, no ticket alerted twice, nothing
//! panicked, the app came back by itself once the fault cleared, and while
//! it lasted the status (the tray's "Not connected: ..." tooltip) named the
//! cause. Intervals are compressed (a poll a second); see
//! `engine_run::RunSettings::compressed`.

use std::time::Duration;

use halo_notifier_tests::fault_checks::runtime_name;
use halo_notifier_tests::panics::named_runtime;
use halo_notifier_tests::scenario::{self, Clearing, FaultRow, ROTATED_SECRET, Told};
use halo_sim::{Fault, FaultKind, SimConfig};

fn run(row: FaultRow) {
    let runtime = named_runtime(&runtime_name(row.name));
    let started = std::time::Instant::now();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(scenario::run(&row))
    }))
    .unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        panic!("fault \"{}\": the scenario stopped: {message}", row.name)
    });
    println!(
        "fault matrix | {} | {:.1}s | {} tickets, {} alerts, {} notifications ({} repeats) | told: {}",
        outcome.fault,
        started.elapsed().as_secs_f64(),
        outcome.tickets,
        outcome.alerts,
        outcome.notifications,
        outcome.repeats,
        outcome
            .told
            .as_deref()
            .unwrap_or("(nothing: the app coped)")
    );
    outcome.assert_passed();
}

fn same(config: SimConfig) -> SimConfig {
    config
}

/// For rows whose fault the status names: that is the evidence.
fn it_shows(_: &halo_sim::SimControl) -> Result<(), String> {
    Ok(())
}

/// A fault on every API call until cleared.
fn everywhere(kind: FaultKind) -> Fault {
    Fault::lasting(kind)
}

/// A fault on ticket calls only (the rest of the API still works).
fn on_tickets(kind: FaultKind) -> Fault {
    Fault::lasting(kind).on_path("/api/Tickets")
}

#[test]
fn rate_limited_with_retry_after() {
    run(FaultRow {
        name: "429 with Retry-After",
        sim: same,
        inject: |sim| {
            sim.inject(everywhere(FaultKind::RateLimited {
                retry_after: Some(1),
            }))
        },
        clearing: Clearing::Sim,
        bit: it_shows,
        told: Told::Cause(&["rate limit"]),
    });
}

#[test]
fn rate_limited_without_retry_after() {
    run(FaultRow {
        name: "429 without Retry-After",
        sim: same,
        inject: |sim| sim.inject(everywhere(FaultKind::RateLimited { retry_after: None })),
        clearing: Clearing::Sim,
        bit: it_shows,
        told: Told::Cause(&["rate limit"]),
    });
}

#[test]
fn server_error_500() {
    run(FaultRow {
        name: "500",
        sim: same,
        inject: |sim| sim.inject(everywhere(FaultKind::ServerError)),
        clearing: Clearing::Sim,
        bit: it_shows,
        told: Told::Cause(&["500"]),
    });
}

#[test]
fn bad_gateway_502() {
    run(FaultRow {
        name: "502 from the gateway",
        sim: same,
        inject: |sim| sim.inject(everywhere(FaultKind::Gateway { status: 502 })),
        clearing: Clearing::Sim,
        bit: it_shows,
        told: Told::Cause(&["502", "invalid response while acting as a gateway"]),
    });
}

#[test]
fn service_unavailable_503() {
    run(FaultRow {
        name: "503 from the gateway",
        sim: same,
        inject: |sim| sim.inject(everywhere(FaultKind::Gateway { status: 503 })),
        clearing: Clearing::Sim,
        bit: it_shows,
        told: Told::Cause(&["503", "service unavailable"]),
    });
}

#[test]
fn slower_than_the_timeout() {
    run(FaultRow {
        name: "answers slower than the timeout",
        sim: same,
        inject: |sim| sim.inject(everywhere(FaultKind::Slow(Duration::from_secs(3)))),
        clearing: Clearing::Sim,
        bit: it_shows,
        told: Told::Cause(&["timed out", "did not answer in time"]),
    });
}

#[test]
fn connection_reset() {
    run(FaultRow {
        name: "connection reset",
        sim: same,
        inject: |sim| sim.inject(everywhere(FaultKind::ResetConnection)),
        clearing: Clearing::Sim,
        bit: it_shows,
        told: Told::Cause(&["could not reach Halo", "reset"]),
    });
}

#[test]
fn connection_closed_without_an_answer() {
    run(FaultRow {
        name: "connection closed without an answer",
        sim: same,
        inject: |sim| sim.inject(everywhere(FaultKind::DropConnection)),
        clearing: Clearing::Sim,
        bit: it_shows,
        told: Told::Cause(&["could not reach Halo", "closed"]),
    });
}

#[test]
fn token_expiry_mid_run() {
    run(FaultRow {
        name: "token expiry mid-run",
        // Tokens last a second all through the run (renewed early), and one
        // is revoked mid-run: the next call is answered 401.
        sim: |config| config.with_token_lifetime(Duration::from_secs(1)),
        inject: |sim| sim.inject(Fault::once(FaultKind::ExpireTokens)),
        clearing: Clearing::Sim,
        told: Told::Unnoticed,
        bit: |sim| {
            let renewals = sim.token_requests_count();
            let refused = sim
                .requests()
                .iter()
                .filter(|r| r.status == Some(401))
                .count();
            if renewals >= 3 && refused >= 1 {
                Ok(())
            } else {
                Err(format!(
                    "{renewals} token request(s), {refused} call(s) refused with 401"
                ))
            }
        },
    });
}

#[test]
fn secret_rotated() {
    run(FaultRow {
        name: "401 after a secret rotation",
        sim: same,
        // The administrator regenerates the secret; the token in hand
        // expires, and renewing it with the old secret fails.
        inject: |sim| {
            sim.rotate_secret(ROTATED_SECRET);
            sim.expire_tokens();
        },
        clearing: Clearing::NewSecret,
        bit: it_shows,
        told: Told::Cause(&["secret"]),
    });
}

#[test]
fn permission_removed() {
    run(FaultRow {
        name: "403 for a removed permission",
        sim: same,
        inject: |sim| {
            sim.inject(on_tickets(FaultKind::Forbidden {
                permission: "read:tickets".into(),
            }))
        },
        clearing: Clearing::Sim,
        bit: it_shows,
        told: Told::Cause(&["read:tickets", "permission"]),
    });
}

#[test]
fn malformed_json() {
    run(FaultRow {
        name: "malformed JSON",
        sim: same,
        inject: |sim| sim.inject(on_tickets(FaultKind::MalformedJson)),
        clearing: Clearing::Sim,
        bit: it_shows,
        told: Told::Cause(&["not valid JSON"]),
    });
}

#[test]
fn fifty_megabyte_body() {
    run(FaultRow {
        name: "a 50 MB body",
        sim: same,
        inject: |sim| {
            sim.inject(on_tickets(FaultKind::HugeBody {
                bytes: 50 * 1024 * 1024,
            }))
        },
        clearing: Clearing::Sim,
        bit: it_shows,
        told: Told::Cause(&["too large"]),
    });
}

#[test]
fn list_changes_between_pages() {
    run(FaultRow {
        name: "ticket list changing between pages",
        sim: same,
        inject: |sim| {
            sim.inject(Fault::lasting(FaultKind::ChangeBetweenPages {
                close: 3,
                create: 3,
            }))
        },
        clearing: Clearing::Sim,
        told: Told::Unnoticed,
        bit: |sim| {
            let changes = sim.page_changes();
            let closed: usize = changes.iter().map(|c| c.closed.len()).sum();
            if closed > 0 {
                Ok(())
            } else {
                Err(format!("no ticket closed between pages ({changes:?})"))
            }
        },
    });
}
