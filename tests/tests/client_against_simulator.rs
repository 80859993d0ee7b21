//! The Halo client against the simulator over real HTTP: authentication,
//! every error kind, paging, delta polling and writes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use halo_api::{DeltaTracker, HaloError, ManualClock, Operation, RetryPolicy, TicketQuery};
use halo_notifier_tests::{client_for, client_with, quick_retries, settings_for};
use halo_sim::{Fault, FaultKind, NewTicket, SimConfig};

async fn sim() -> halo_sim::SimHandle {
    halo_sim::start(SimConfig::default())
        .await
        .expect("simulator starts")
}

fn fault(kind: FaultKind, times: u32) -> Fault {
    Fault {
        kind,
        path_prefix: Some("/api/tickets".to_owned()),
        times,
    }
}

#[tokio::test]
async fn discovers_the_token_endpoint_and_reads_tickets() {
    let sim = sim().await;
    let client = client_for(&sim.base_url());
    let list = client
        .list_tickets(&TicketQuery::default())
        .await
        .expect("tickets");
    assert!(!list.tickets.is_empty());
    assert!(list.rejected.is_empty(), "{:?}", list.rejected);
    let paths: Vec<String> = sim
        .requests()
        .iter()
        .map(|r| r.path.to_ascii_lowercase())
        .collect();
    assert!(paths.contains(&"/api/authinfo".to_owned()), "{paths:?}");
    assert!(paths.contains(&"/auth/token".to_owned()), "{paths:?}");
}

#[tokio::test]
async fn the_token_is_reused_then_renewed_before_it_expires() {
    let sim = halo_sim::start(SimConfig {
        token_lifetime: Duration::from_secs(3600),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let clock = ManualClock::starting_now();
    let client = client_with(
        settings_for(&sim.base_url()),
        Arc::new(clock.clone()),
        quick_retries(),
    );
    client.statuses().await.expect("first call");
    client.statuses().await.expect("second call");
    assert_eq!(sim.token_requests_count(), 1, "a valid token is reused");
    // 56 minutes later the token still works at Halo, but is within the
    // renewal margin: the client renews before using it.
    clock.advance(Duration::from_secs(56 * 60));
    client.statuses().await.expect("third call");
    assert_eq!(sim.token_requests_count(), 2, "renewed before expiry");
    let unauthorised = sim
        .requests()
        .iter()
        .filter(|r| r.status == Some(401))
        .count();
    assert_eq!(
        unauthorised, 0,
        "renewal happened before Halo had to refuse anything"
    );
}

#[tokio::test]
async fn a_401_renews_the_token_once_and_retries() {
    let sim = sim().await;
    let client = client_for(&sim.base_url());
    client.statuses().await.expect("first call");
    sim.expire_tokens();
    let statuses = client.statuses().await.expect("renewed after 401");
    assert!(!statuses.is_empty());
    assert_eq!(sim.token_requests_count(), 2);
}

#[tokio::test]
async fn a_token_rejected_twice_is_unauthorized_with_advice() {
    let sim = sim().await;
    let client = client_for(&sim.base_url());
    sim.inject(Fault {
        kind: FaultKind::ExpireTokens,
        path_prefix: Some("/api/status".to_owned()),
        times: 2,
    });
    let error = client.statuses().await.expect_err("rejected twice");
    assert!(matches!(error, HaloError::Unauthorized { .. }), "{error:?}");
    assert!(
        error.to_string().contains("API application is active"),
        "{error}"
    );
}

#[tokio::test]
async fn bad_credentials_say_where_to_check_them() {
    let sim = sim().await;
    let client = halo_api::HaloClient::with_options(
        settings_for(&sim.base_url()),
        halo_api::ClientSecret::new("wrong-secret"),
        Arc::new(halo_api::SystemClock),
        quick_retries(),
    )
    .expect("builds");
    let error = client.statuses().await.expect_err("refused");
    assert!(
        matches!(error, HaloError::BadCredentials { .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.contains("client ID or secret") && text.contains("invalid_client"),
        "{text}"
    );
    assert!(
        !text.contains("wrong-secret"),
        "the secret leaked into: {text}"
    );
}

#[tokio::test]
async fn a_missing_permission_names_the_permission_to_enable() {
    let sim = halo_sim::start(SimConfig {
        scopes: vec!["read:tickets".to_owned()],
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let mut settings = settings_for(&sim.base_url());
    settings.scope = "read:tickets".to_owned();
    let client = client_with(settings, Arc::new(halo_api::SystemClock), quick_retries());
    let error = client.teams().await.expect_err("teams need all:teams");
    match &error {
        HaloError::Forbidden {
            permission,
            operation,
            ..
        } => {
            assert_eq!(permission, "all:teams");
            assert_eq!(*operation, Operation::ReadTeams);
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
    let error = client
        .assign_ticket(1, 2)
        .await
        .expect_err("writes need edit:tickets");
    assert!(error.to_string().contains("edit:tickets"), "{error}");
}

#[tokio::test]
async fn an_injected_403_is_reported_with_its_permission() {
    let sim = sim().await;
    let client = client_for(&sim.base_url());
    sim.inject(fault(
        FaultKind::Forbidden {
            permission: "read:tickets".to_owned(),
        },
        1,
    ));
    let error = client
        .list_tickets(&TicketQuery::default())
        .await
        .expect_err("denied");
    assert!(error.to_string().contains("'read:tickets'"), "{error}");
}

#[tokio::test]
async fn an_unknown_ticket_is_not_found() {
    let sim = sim().await;
    let error = client_for(&sim.base_url())
        .ticket(987_654)
        .await
        .expect_err("missing");
    assert!(matches!(error, HaloError::NotFound { .. }), "{error:?}");
    assert!(error.to_string().contains("Ticket 987654"), "{error}");
}

#[tokio::test]
async fn rate_limit_without_retry_after_backs_off_from_5_seconds() {
    let sim = sim().await;
    let client = client_for(&sim.base_url());
    sim.inject(fault(FaultKind::RateLimited { retry_after: None }, 1));
    let error = client
        .list_tickets(&TicketQuery::default())
        .await
        .expect_err("limited");
    match error {
        HaloError::RateLimited { retry_after } => {
            assert!(
                retry_after > Duration::from_secs(4) && retry_after <= Duration::from_secs(5),
                "{retry_after:?}"
            );
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    let wait = client.rate_limited_for().expect("the wait is exposed");
    assert!(
        wait <= Duration::from_secs(5) && wait > Duration::from_secs(3),
        "{wait:?}"
    );
    // While the wait runs, the client does not hit Halo again.
    let before = sim.requests().len();
    assert!(matches!(
        client.statuses().await,
        Err(HaloError::RateLimited { .. })
    ));
    assert_eq!(sim.requests().len(), before, "no request during the wait");
}

#[tokio::test]
async fn rate_limit_honours_retry_after_and_then_succeeds() {
    let sim = sim().await;
    let retry = RetryPolicy {
        rate_limit_retries: 1,
        ..quick_retries()
    };
    let client = client_with(
        settings_for(&sim.base_url()),
        Arc::new(halo_api::SystemClock),
        retry,
    );
    client.statuses().await.expect("warm up the token");
    sim.clear_requests();
    sim.inject(fault(
        FaultKind::RateLimited {
            retry_after: Some(1),
        },
        1,
    ));
    let started = Instant::now();
    let list = client
        .list_tickets(&TicketQuery::default())
        .await
        .expect("succeeds after the wait");
    assert!(!list.tickets.is_empty());
    assert!(started.elapsed() >= Duration::from_secs(1));
    let hits: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.path.eq_ignore_ascii_case("/api/tickets"))
        .collect();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].status, Some(429));
    let gap = hits[1].at - hits[0].at;
    assert!(
        gap >= chrono::Duration::milliseconds(990),
        "retried after only {gap}"
    );
}

#[tokio::test]
async fn server_errors_are_retried_a_bounded_number_of_times() {
    let sim = sim().await;
    let client = client_for(&sim.base_url());
    sim.inject(fault(FaultKind::ServerError, 2));
    client
        .list_tickets(&TicketQuery::default())
        .await
        .expect("third attempt succeeds");
    sim.inject(fault(FaultKind::ServerError, 10));
    let error = client
        .list_tickets(&TicketQuery::default())
        .await
        .expect_err("gives up");
    match &error {
        HaloError::Server {
            status, attempts, ..
        } => assert_eq!((*status, *attempts), (500, 3)),
        other => panic!("expected Server, got {other:?}"),
    }
    assert!(error.to_string().contains("try again later"), "{error}");
}

#[tokio::test]
async fn a_dropped_connection_is_a_network_error() {
    let sim = sim().await;
    let client = client_for(&sim.base_url());
    client.statuses().await.expect("warm up");
    sim.inject(fault(FaultKind::DropConnection, 10));
    let error = client
        .list_tickets(&TicketQuery::default())
        .await
        .expect_err("dropped");
    assert!(
        matches!(
            error,
            HaloError::Network {
                timed_out: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("check the address and your network"),
        "{error}"
    );
}

#[tokio::test]
async fn a_slow_halo_times_out() {
    let sim = sim().await;
    let mut settings = settings_for(&sim.base_url());
    settings.request_timeout = Duration::from_millis(300);
    let retry = RetryPolicy {
        transient_retries: 0,
        ..quick_retries()
    };
    let client = client_with(settings, Arc::new(halo_api::SystemClock), retry);
    client.statuses().await.expect("warm up");
    sim.inject(fault(FaultKind::Slow(Duration::from_secs(3)), 1));
    let error = client
        .list_tickets(&TicketQuery::default())
        .await
        .expect_err("too slow");
    assert!(
        matches!(
            error,
            HaloError::Network {
                timed_out: true,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("did not answer in time"),
        "{error}"
    );
}

#[tokio::test]
async fn malformed_json_is_an_unexpected_response_not_a_panic() {
    let sim = sim().await;
    let client = client_for(&sim.base_url());
    sim.inject(fault(FaultKind::MalformedJson, 1));
    let error = client
        .list_tickets(&TicketQuery::default())
        .await
        .expect_err("malformed");
    assert!(
        matches!(error, HaloError::UnexpectedResponse { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("not valid JSON"), "{error}");
}

/// A runaway answer is refused once it passes the limit, not buffered: the
/// simulator streams 50 MB without a length, and the client stops reading.
#[tokio::test]
async fn a_fifty_megabyte_answer_is_refused_as_too_large() {
    let sim = sim().await;
    let client = client_for(&sim.base_url());
    sim.inject(fault(
        FaultKind::HugeBody {
            bytes: 50 * 1024 * 1024,
        },
        1,
    ));
    let error = client
        .list_tickets(&TicketQuery::default())
        .await
        .expect_err("too large");
    assert!(error.to_string().contains("too large"), "{error}");
    // Not retried: one huge answer was sent, and the next call works.
    assert_eq!(
        sim.requests()
            .iter()
            .filter(|r| r.path_starts_with("/api/Tickets"))
            .count(),
        1
    );
    client
        .list_tickets(&TicketQuery::default())
        .await
        .expect("the next answer is read");
}

/// A gateway's HTML error page is shown by its title, not its markup.
#[tokio::test]
async fn a_gateway_error_page_is_named_by_its_title() {
    let sim = sim().await;
    let client = client_for(&sim.base_url());
    sim.inject(fault(FaultKind::Gateway { status: 502 }, 3));
    let error = client
        .list_tickets(&TicketQuery::default())
        .await
        .expect_err("502");
    let text = error.to_string();
    assert!(
        text.contains("502 - Web server received an invalid response") && !text.contains('<'),
        "{text}"
    );
}

#[tokio::test]
async fn pages_through_more_than_a_thousand_tickets() {
    let sim = halo_sim::start(SimConfig {
        seed_tickets: 0,
        ..SimConfig::default()
    })
    .await
    .expect("starts");
    sim.seed_bulk(1234);
    let client = client_for(&sim.base_url());
    let list = client
        .list_tickets(&TicketQuery::default())
        .await
        .expect("all pages");
    assert_eq!(list.tickets.len(), 1234);
    assert_eq!(list.record_count, Some(1234));
    assert_eq!(list.pages, 13);
    let mut ids: Vec<i32> = list.tickets.iter().map(|t| t.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 1234, "no ticket twice");
    let sizes: Vec<String> = sim
        .requests()
        .iter()
        .filter(|r| r.path.eq_ignore_ascii_case("/api/tickets"))
        .filter_map(|r| {
            r.query
                .iter()
                .find(|(k, _)| k == "page_size")
                .map(|(_, v)| v.clone())
        })
        .collect();
    assert!(sizes.iter().all(|s| s == "100"), "{sizes:?}");
}

#[tokio::test]
async fn filters_reach_halo_under_their_real_names() {
    let sim = sim().await;
    let client = client_for(&sim.base_url());
    let query = TicketQuery {
        team_ids: vec![1, 2],
        agent_id: Some(3),
        open_only: true,
        ..TicketQuery::default()
    };
    let list = client.list_tickets(&query).await.expect("filtered");
    assert!(list.tickets.iter().all(|t| t.assigned_agent() == Some(3)));
    assert!(
        list.tickets
            .iter()
            .all(|t| matches!(t.team_id, Some(1 | 2)))
    );
    let request = sim
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path.eq_ignore_ascii_case("/api/tickets"))
        .expect("sent");
    for (key, value) in [
        ("team", "1,2"),
        ("agent_id", "3"),
        ("open_only", "true"),
        ("pageinate", "true"),
    ] {
        assert!(
            request.query.contains(&(key.to_owned(), value.to_owned())),
            "{key} missing from {:?}",
            request.query
        );
    }
}

#[tokio::test]
async fn delta_polling_sees_changes_across_halos_date_formats() {
    let sim = halo_sim::start(SimConfig {
        seed_tickets: 0,
        ..SimConfig::default()
    })
    .await
    .expect("starts");
    let ids: Vec<i32> = (0..6)
        .map(|n| {
            sim.create_ticket(NewTicket {
                summary: format!("Printer {n} jammed"),
                ..NewTicket::default()
            })
        })
        .collect();
    let old = Utc
        .with_ymd_and_hms(2026, 1, 1, 8, 0, 0)
        .single()
        .expect("valid");
    for id in &ids {
        sim.set_last_update(*id, old).expect("exists");
    }
    let client = client_for(&sim.base_url());
    let mut tracker = DeltaTracker::new(Duration::from_secs(120));
    let poll_1 = Utc
        .with_ymd_and_hms(2026, 1, 1, 9, 0, 0)
        .single()
        .expect("valid");
    let first = client
        .list_tickets(&TicketQuery::default())
        .await
        .expect("first poll");
    assert_eq!(tracker.accept(first.tickets, poll_1).len(), 6);

    // Three tickets change; the simulator writes their dates in its three
    // forms (Z with 7 digits, an offset, no zone) by ticket id.
    let changed = Utc
        .with_ymd_and_hms(2026, 1, 1, 9, 5, 0)
        .single()
        .expect("valid");
    for id in &ids[..3] {
        sim.set_last_update(*id, changed).expect("exists");
    }
    let since = tracker.since().expect("after the first poll");
    let delta = client
        .tickets_changed_since(&TicketQuery::default(), since)
        .await
        .expect("delta");
    let request = sim
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path.eq_ignore_ascii_case("/api/tickets"))
        .expect("sent");
    assert!(
        request
            .query
            .iter()
            .any(|(k, v)| k == "lastupdatefromdate" && v.starts_with("2026-01-01T08:58:00")),
        "{:?}",
        request.query
    );
    assert!(
        !request.query.iter().any(|(k, _)| k == "open_only"),
        "delta must include closed tickets"
    );
    for ticket in &delta.tickets {
        assert_eq!(
            ticket.last_update,
            Some(changed),
            "ticket {} date misread",
            ticket.id
        );
    }
    let news = tracker.accept(
        delta.tickets,
        Utc.with_ymd_and_hms(2026, 1, 1, 9, 10, 0)
            .single()
            .expect("valid"),
    );
    let mut news: Vec<i32> = news.iter().map(|t| t.id).collect();
    news.sort_unstable();
    assert_eq!(news, ids[..3].to_vec());
    // The same delta again (overlap) changes nothing.
    let again = client
        .tickets_changed_since(&TicketQuery::default(), since)
        .await
        .expect("delta");
    assert!(tracker.accept(again.tickets, Utc::now()).is_empty());
}

#[tokio::test]
async fn closing_through_an_action_sets_the_instances_closed_status_and_leaves_a_note() {
    let sim = halo_sim::start(SimConfig {
        closed_status_id: 23,
        ..SimConfig::default()
    })
    .await
    .expect("starts");
    let id = sim.create_ticket(NewTicket {
        summary: "VPN down".to_owned(),
        ..NewTicket::default()
    });
    let client = client_for(&sim.base_url());
    let catalog = client.status_catalog(&[]).await.expect("statuses");
    assert_eq!(
        catalog.closing_status(),
        Some(23),
        "found at run time, not hard-coded 9"
    );
    client
        .close_ticket(id, "Fixed the tunnel — closed from Halo Notifier", &catalog)
        .await
        .expect("closed");
    let outcome_reads = sim
        .requests()
        .iter()
        .filter(|r| r.path.eq_ignore_ascii_case("/api/outcome"))
        .count();
    assert_eq!(outcome_reads, 1, "closing reads Halo's outcomes once");
    let ticket = client.ticket(id).await.expect("ticket");
    assert_eq!(ticket.status_id, Some(23));
    assert!(ticket.dateclosed.is_some());
    let actions = client.actions(id).await.expect("actions");
    let note = actions
        .iter()
        .find(|a| a.new_status == Some(23))
        .expect("a closing action");
    assert_eq!(
        note.note.as_deref(),
        Some("Fixed the tunnel — closed from Halo Notifier")
    );
}

#[tokio::test]
async fn taking_a_ticket_assigns_it_and_a_private_note_is_hidden_from_the_user() {
    let sim = sim().await;
    let id = sim.create_ticket(NewTicket {
        summary: "Email bouncing".to_owned(),
        agent_id: None,
        ..NewTicket::default()
    });
    let client = client_for(&sim.base_url());
    let me = client.me().await.expect("me");
    client.assign_ticket(id, me.id).await.expect("taken");
    assert_eq!(
        client.ticket(id).await.expect("ticket").assigned_agent(),
        Some(me.id)
    );
    client
        .add_private_note(id, "Acknowledged by Alex \"AJ\" Tech\nlooking now")
        .await
        .expect("note");
    let actions = client.actions(id).await.expect("actions");
    let note = actions
        .iter()
        .find(|a| {
            a.note
                .as_deref()
                .is_some_and(|n| n.starts_with("Acknowledged"))
        })
        .expect("note");
    assert_eq!(note.hiddenfromuser, Some(true));
    assert_eq!(
        note.note.as_deref(),
        Some("Acknowledged by Alex \"AJ\" Tech\nlooking now")
    );
}

#[tokio::test]
async fn lookups_accept_wrapped_and_bare_lists() {
    for wrap_teams in [false, true] {
        let sim = halo_sim::start(SimConfig {
            wrap_teams,
            ..SimConfig::default()
        })
        .await
        .expect("starts");
        let client = client_for(&sim.base_url());
        let teams = client.teams().await.expect("teams");
        assert!(
            teams
                .iter()
                .any(|t| t.name.as_deref() == Some("Service Desk")),
            "wrap={wrap_teams}"
        );
        assert!(
            client
                .priorities()
                .await
                .expect("priorities")
                .iter()
                .any(|p| p.priorityid == Some(1))
        );
        assert!(!client.outcomes().await.expect("outcomes").is_empty());
    }
}

#[tokio::test]
async fn the_budget_counts_every_request() {
    let sim = sim().await;
    let client = client_for(&sim.base_url());
    for _ in 0..3 {
        client.statuses().await.expect("statuses");
    }
    let budget = client.budget();
    assert_eq!(budget.last_5_min, sim.requests().len(), "{budget}");
    assert_eq!(budget.last_hour, budget.last_5_min);
    assert!(budget.to_string().contains("in the last 5 min"));
}

#[tokio::test]
async fn a_connection_test_costs_a_handful_of_requests_not_one_per_ticket() {
    let sim = sim().await;
    let client = client_for(&sim.base_url());
    let agent = client.test_connection().await.expect("connected");
    assert_eq!(agent.name.as_deref(), Some("Alex Tech"));
    let api_calls = sim
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/api/tickets") || r.path.starts_with("/api/Tickets"))
        .count();
    assert_eq!(
        api_calls, 1,
        "one page of one ticket is enough to prove read access"
    );
    assert!(client.budget().last_5_min <= 5, "{}", client.budget());
}

#[tokio::test]
async fn an_absurd_retry_after_is_clamped_not_a_panic() {
    let sim = sim().await;
    let client = client_for(&sim.base_url());
    // 31 million years: past the end of the calendar the client counts in.
    sim.inject(fault(
        FaultKind::RateLimited {
            retry_after: Some(1_000_000_000_000_000),
        },
        1,
    ));
    let error = client
        .list_tickets(&TicketQuery::default())
        .await
        .expect_err("limited");
    let HaloError::RateLimited { retry_after } = error else {
        panic!("expected RateLimited, got {error:?}");
    };
    assert!(
        retry_after <= halo_api::retry::MAX_RETRY_AFTER,
        "{retry_after:?}"
    );
    let wait = client.rate_limited_for().expect("the wait is exposed");
    assert!(wait <= halo_api::retry::MAX_RETRY_AFTER, "{wait:?}");
    // While limited, the client says so instead of calling Halo.
    assert!(matches!(
        client.statuses().await,
        Err(HaloError::RateLimited { .. })
    ));
}

#[tokio::test]
async fn ticket_lists_carry_halos_clock_for_the_next_delta() {
    let sim = sim().await;
    let client = client_for(&sim.base_url());
    assert_eq!(client.server_now(), None, "nothing heard from Halo yet");
    let before = Utc::now() - chrono::Duration::seconds(2);
    let list = client
        .list_tickets(&TicketQuery::default())
        .await
        .expect("tickets");
    let after = Utc::now() + chrono::Duration::seconds(2);
    let date = list.server_date.expect("the Date header is exposed");
    assert!(date >= before && date <= after, "{date}");
    let server_now = client.server_now().expect("Halo's clock is known");
    assert!(server_now >= before && server_now <= after, "{server_now}");
}
