//! The engine core against a real SQLite file, with explicit timestamps:
//! every alerting rule a technician would notice.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use alert_engine::{Effects, Engine, EngineSettings, Me, NotificationKind, TeamRef};
use alert_policy::{DutySchedule, GroupingRule, HumanDuration, Urgency};
use alert_store::{AlertFilter, AlertState, InboundOutcome, OutboxState, Store};
use chrono::{DateTime, TimeZone, Utc};
use ticket_events::{EventSource, TicketEvent, TicketSnapshot, WebhookKind};

const CLOSED: i32 = 9;
const ME: i32 = 7;

fn t0() -> DateTime<Utc> {
    // A Wednesday, 10:00 UTC.
    Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0)
        .single()
        .unwrap()
}

fn mins(m: i64) -> chrono::Duration {
    chrono::Duration::minutes(m)
}

fn settings() -> EngineSettings {
    EngineSettings {
        instance: "https://acme.halopsa.com".into(),
        teams: vec![TeamRef::Name("Service Desk".into())],
        grouping: None,
        ..EngineSettings::default()
    }
}

fn engine_with(settings: EngineSettings) -> Engine {
    engine_over(Store::open_in_memory().unwrap(), settings)
}

/// The engine as the app sets it up: knowing who I am and Halo's closed
/// statuses.
fn engine_over(store: Store, settings: EngineSettings) -> Engine {
    let mut engine = Engine::new(store, settings).unwrap();
    engine.set_me(Some(Me {
        agent_id: ME,
        name: "Alex Tech".into(),
    }));
    engine.set_closed_statuses([CLOSED]);
    engine
}

fn ticket(id: i32, priority: i32, agent: Option<i32>, updated: DateTime<Utc>) -> TicketSnapshot {
    TicketSnapshot {
        ticket_id: id,
        summary: Some(format!("Ticket {id}")),
        status_id: Some(1),
        status_name: Some("New".into()),
        priority_id: Some(priority),
        priority_name: Some(format!("P{priority}")),
        team_id: Some(3),
        team_name: Some("Service Desk".into()),
        agent_id: agent,
        agent_name: agent.map(|a| {
            if a == ME {
                "Alex Tech".to_owned()
            } else {
                "Sam Colleague".to_owned()
            }
        }),
        client_name: Some("Acme".into()),
        last_update: Some(updated),
        ..TicketSnapshot::default()
    }
}

fn polled(snapshot: TicketSnapshot, at: DateTime<Utc>) -> TicketEvent {
    TicketEvent {
        source: EventSource::Poll,
        received_at: at,
        key: format!(
            "ticket:{}:{}",
            snapshot.ticket_id,
            snapshot.last_update.map_or(0, |d| d.timestamp_millis())
        ),
        event_name: None,
        complete: true,
        snapshot,
    }
}

fn shown(effects: &Effects) -> Vec<&alert_engine::Notification> {
    effects
        .notifications
        .iter()
        .filter(|n| n.kind == NotificationKind::Notification)
        .collect()
}

#[test]
fn a_new_ticket_in_a_watched_team_notifies_at_once_and_only_once() {
    let mut engine = engine_with(settings());
    let now = t0();
    let event = polled(ticket(101, 1, None, now), now);
    let (applied, effects) = engine.ingest(&event, now).unwrap();
    assert_eq!(applied.outcome, InboundOutcome::Created);
    let n = shown(&effects);
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].title, "P1 · Acme: Ticket 101");
    assert_eq!(n[0].urgency, Urgency::Critical);
    assert_eq!(
        n[0].link.as_deref(),
        Some("https://acme.halopsa.com/ticket?id=101")
    );

    let (again, effects) = engine.ingest(&event, now + mins(1)).unwrap();
    assert_eq!(again.outcome, InboundOutcome::Duplicate);
    assert!(shown(&effects).is_empty());
    assert_eq!(engine.list(AlertFilter::Open).unwrap().len(), 1);
}

#[test]
fn a_p1_repeats_every_two_minutes_until_acknowledged() {
    let mut engine = engine_with(settings());
    let now = t0();
    engine
        .ingest(&polled(ticket(5, 1, None, now), now), now)
        .unwrap();
    assert!(shown(&engine.fire_due(now + mins(1)).unwrap()).is_empty());
    let repeat = engine.fire_due(now + mins(2)).unwrap();
    let n = shown(&repeat);
    assert_eq!((n.len(), n[0].repeat), (1, 1));

    let (view, effects) = engine.acknowledge(5, "Alex Tech", now + mins(3)).unwrap();
    assert_eq!(view.state, AlertState::Acknowledged);
    assert!(
        effects
            .notifications
            .iter()
            .any(|n| n.kind == NotificationKind::Acknowledged)
    );
    for m in 4..120 {
        assert!(shown(&engine.fire_due(now + mins(m)).unwrap()).is_empty());
    }
    assert_eq!(engine.next_wake().unwrap(), None);
}

#[test]
fn a_restart_mid_escalation_resumes_and_missed_reminders_fire_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.sqlite");
    let now = t0();
    {
        let mut engine = Engine::new(Store::open(&path).unwrap(), settings()).unwrap();
        engine.set_closed_statuses([CLOSED]);
        engine
            .ingest(&polled(ticket(8, 1, None, now), now), now)
            .unwrap();
    }
    // Down for 30 minutes: 15 reminders were due.
    let mut engine = Engine::new(Store::open(&path).unwrap(), settings()).unwrap();
    let later = now + mins(30);
    let effects = engine.fire_due(later).unwrap();
    assert_eq!(shown(&effects).len(), 1, "missed reminders fire once");
    assert!(
        shown(
            &engine
                .fire_due(later + chrono::Duration::seconds(1))
                .unwrap()
        )
        .is_empty()
    );
    assert_eq!(shown(&engine.fire_due(later + mins(2)).unwrap()).len(), 1);
    // The engine still knows the ticket: the same version is no news.
    let (applied, _) = engine
        .ingest(&polled(ticket(8, 1, None, now), later), later)
        .unwrap();
    assert_eq!(applied.outcome, InboundOutcome::Duplicate);
}

#[test]
fn a_snoozed_alert_is_silent_until_the_snooze_runs_out() {
    let mut engine = engine_with(settings());
    let now = t0();
    engine
        .ingest(&polled(ticket(9, 1, None, now), now), now)
        .unwrap();
    engine.snooze(9, now + mins(10), now + mins(1)).unwrap();
    for m in 2..10 {
        assert!(
            shown(&engine.fire_due(now + mins(m)).unwrap()).is_empty(),
            "minute {m}"
        );
    }
    let back = engine.fire_due(now + mins(10)).unwrap();
    assert_eq!(shown(&back).len(), 1);
    assert_eq!(
        engine.list(AlertFilter::Open).unwrap()[0].state,
        AlertState::Triggered
    );
}

#[test]
fn a_colleague_taking_the_ticket_stops_my_alert_with_their_name() {
    let mut engine = engine_with(settings());
    let now = t0();
    engine
        .ingest(&polled(ticket(11, 2, None, now), now), now)
        .unwrap();
    let taken = ticket(11, 2, Some(3), now + mins(1));
    let (applied, effects) = engine
        .ingest(&polled(taken, now + mins(1)), now + mins(1))
        .unwrap();
    assert_eq!(applied.outcome, InboundOutcome::Resolved);
    assert_eq!(applied.reason, "taken by Sam Colleague");
    assert!(
        effects
            .notifications
            .iter()
            .any(|n| n.kind == NotificationKind::Resolved)
    );
    assert!(shown(&engine.fire_due(now + mins(30)).unwrap()).is_empty());
}

#[test]
fn closing_in_halo_resolves_and_reopening_raises_again() {
    let mut engine = engine_with(settings());
    let now = t0();
    engine
        .ingest(&polled(ticket(12, 3, None, now), now), now)
        .unwrap();
    let mut closed = ticket(12, 3, None, now + mins(1));
    closed.status_id = Some(CLOSED);
    closed.status_name = Some("Closed".into());
    let (applied, _) = engine
        .ingest(&polled(closed, now + mins(1)), now + mins(1))
        .unwrap();
    assert_eq!(applied.outcome, InboundOutcome::Resolved);
    let reopened = ticket(12, 3, None, now + mins(2));
    let (applied, effects) = engine
        .ingest(&polled(reopened, now + mins(2)), now + mins(2))
        .unwrap();
    assert_eq!(applied.outcome, InboundOutcome::Reopened);
    assert_eq!(shown(&effects).len(), 1);
}

#[test]
fn off_duty_alerts_are_recorded_then_come_back_as_one_digest() {
    let schedule: DutySchedule = toml::from_str(
        r#"
        timezone = "Europe/London"
        windows = [{ days = "mon-fri", from = "09:00", to = "17:00" }]
        critical_breaks_through = true
        "#,
    )
    .unwrap();
    let mut engine = engine_with(EngineSettings {
        schedule: Some(schedule),
        ..settings()
    });
    let evening = Utc
        .with_ymd_and_hms(2026, 11, 25, 20, 0, 0)
        .single()
        .unwrap();
    let mut quiet = 0;
    for id in 1..=3 {
        let (_, effects) = engine
            .ingest(&polled(ticket(id, 3, None, evening), evening), evening)
            .unwrap();
        quiet += shown(&effects).len();
    }
    assert_eq!(quiet, 0, "normal alerts wait for duty hours");
    // A P1 breaks through.
    let (_, effects) = engine
        .ingest(&polled(ticket(50, 1, None, evening), evening), evening)
        .unwrap();
    assert_eq!(shown(&effects).len(), 1);
    engine.acknowledge(50, "me", evening).unwrap();

    let morning = Utc
        .with_ymd_and_hms(2026, 11, 26, 9, 0, 0)
        .single()
        .unwrap();
    let effects = engine.fire_due(morning).unwrap();
    let summaries: Vec<_> = effects
        .notifications
        .iter()
        .filter(|n| n.kind == NotificationKind::Summary)
        .collect();
    assert_eq!(summaries.len(), 1, "{:?}", effects.notifications);
    assert_eq!(summaries[0].ticket_ids, vec![1, 2, 3]);
    assert!(shown(&effects).is_empty(), "a digest, not a burst");
}

#[test]
fn a_flood_becomes_a_summary_but_every_alert_exists() {
    let mut engine = engine_with(EngineSettings {
        grouping: Some(GroupingRule {
            threshold: 3,
            window: HumanDuration::from_mins(2),
        }),
        ..settings()
    });
    let now = t0();
    let mut individual = 0;
    for id in 1..=10 {
        let at = now + chrono::Duration::seconds(i64::from(id));
        let (_, effects) = engine
            .ingest(&polled(ticket(id, 3, None, at), at), at)
            .unwrap();
        individual += shown(&effects).len();
    }
    assert_eq!(individual, 3);
    assert_eq!(engine.list(AlertFilter::Open).unwrap().len(), 10);
    let flush = engine.next_wake().unwrap().unwrap();
    // The window opened with the first alert, 1 s in.
    assert_eq!(flush, now + chrono::Duration::seconds(1) + mins(2));
    let effects = engine.fire_due(flush).unwrap();
    let summary = effects
        .notifications
        .iter()
        .find(|n| n.kind == NotificationKind::Summary)
        .unwrap();
    assert_eq!(summary.title, "7 new tickets in Service Desk");
    assert_eq!(summary.ticket_ids.len(), 7);
}

/// Held alerts that were acknowledged meanwhile leave the summary; when one
/// is left it gets its own popup, not "1 new ticket".
#[test]
fn a_summary_counts_only_open_alerts_and_one_left_is_shown_alone() {
    let mut engine = engine_with(EngineSettings {
        grouping: Some(GroupingRule {
            threshold: 2,
            window: HumanDuration::from_mins(2),
        }),
        ..settings()
    });
    let now = t0();
    for id in 1..=5 {
        let at = now + chrono::Duration::seconds(i64::from(id));
        engine
            .ingest(&polled(ticket(id, 3, None, at), at), at)
            .unwrap();
    }
    // 3, 4 and 5 are held; two are handled before the summary is due.
    engine.acknowledge(3, "Alex Tech", now + mins(1)).unwrap();
    engine.acknowledge(4, "Alex Tech", now + mins(1)).unwrap();
    let flush = engine.next_wake().unwrap().unwrap();
    let effects = engine.fire_due(flush).unwrap();
    assert!(
        effects
            .notifications
            .iter()
            .all(|n| n.kind != NotificationKind::Summary),
        "{:?}",
        effects.notifications
    );
    let alone = shown(&effects);
    assert_eq!(alone.len(), 1);
    assert_eq!(alone[0].ticket_id, Some(5));
    assert_eq!(alone[0].title, "P3 · Acme: Ticket 5");
}

/// The app stops (or crashes) while a flood's summary is being held: after
/// the restart the summary still comes, with every held ticket.
#[test]
fn a_summary_held_across_a_restart_is_still_sent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.sqlite");
    let grouped = || EngineSettings {
        grouping: Some(GroupingRule {
            threshold: 2,
            window: HumanDuration::from_mins(2),
        }),
        ..settings()
    };
    let now = t0();
    {
        let mut engine = Engine::new(Store::open(&path).unwrap(), grouped()).unwrap();
        engine.set_closed_statuses([CLOSED]);
        for id in 1..=6 {
            let at = now + chrono::Duration::seconds(i64::from(id));
            engine
                .ingest(&polled(ticket(id, 4, None, at), at), at)
                .unwrap();
        }
    }
    // Grouping turned off meanwhile: the held alerts still get their summary.
    let mut engine = Engine::new(Store::open(&path).unwrap(), settings()).unwrap();
    engine.set_closed_statuses([CLOSED]);
    let flush = engine.next_wake().unwrap().unwrap();
    assert_eq!(flush, now + chrono::Duration::seconds(1) + mins(2));
    let effects = engine.fire_due(flush).unwrap();
    let summary = effects
        .notifications
        .iter()
        .find(|n| n.kind == NotificationKind::Summary)
        .expect("the held summary");
    assert_eq!(summary.ticket_ids, vec![3, 4, 5, 6]);
    // Sent once.
    drop(engine);
    let mut engine = Engine::new(Store::open(&path).unwrap(), settings()).unwrap();
    let later = engine.fire_due(flush + mins(5)).unwrap();
    assert!(
        later
            .notifications
            .iter()
            .all(|n| n.kind != NotificationKind::Summary)
    );
}

#[test]
fn pausing_silences_everything_and_resuming_sends_a_digest() {
    let mut engine = engine_with(settings());
    let now = t0();
    engine.pause(Some(now + mins(60)), now).unwrap();
    for id in 1..=2 {
        let (_, effects) = engine
            .ingest(&polled(ticket(id, 1, None, now), now), now)
            .unwrap();
        assert!(shown(&effects).is_empty());
    }
    engine.pause(None, now + mins(5)).unwrap();
    let effects = engine.fire_due(now + mins(5)).unwrap();
    assert_eq!(
        effects
            .notifications
            .iter()
            .filter(|n| n.kind == NotificationKind::Summary)
            .count(),
        1
    );
}

#[test]
fn closing_from_the_app_queues_the_write_and_resolves() {
    let mut engine = engine_with(settings());
    let now = t0();
    engine
        .ingest(&polled(ticket(20, 2, None, now), now), now)
        .unwrap();
    engine
        .close(20, "Fixed the printer", now + mins(1))
        .unwrap();
    let outbox = engine.outbox(Some(OutboxState::Pending)).unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].kind, alert_store::OutboxKind::Close);
    assert!(outbox[0].payload_json.contains("Fixed the printer"));
    let all = engine.list(AlertFilter::All).unwrap();
    assert_eq!(all[0].state, AlertState::Resolved);
    assert_eq!(
        all[0].resolve_reason.as_deref(),
        Some("closed from Halo Notifier")
    );
}

#[test]
fn acknowledging_can_take_the_ticket_and_leave_a_note_in_halo() {
    let mut engine = engine_with(EngineSettings {
        acknowledge: alert_engine::AcknowledgeWriteBack {
            take: true,
            note: true,
        },
        ..settings()
    });
    let now = t0();
    engine
        .ingest(&polled(ticket(21, 2, None, now), now), now)
        .unwrap();
    engine.acknowledge(21, "Alex Tech", now).unwrap();
    let kinds: Vec<alert_store::OutboxKind> = engine
        .outbox(Some(OutboxState::Pending))
        .unwrap()
        .into_iter()
        .map(|o| o.kind)
        .collect();
    assert_eq!(kinds.len(), 2);
    assert!(
        kinds.contains(&alert_store::OutboxKind::Take)
            && kinds.contains(&alert_store::OutboxKind::Note)
    );
}

#[test]
fn the_first_sync_does_not_alert_for_tickets_someone_already_holds() {
    let mut engine = engine_with(settings());
    let now = t0();
    let events: Vec<_> = [
        ticket(1, 2, Some(ME), now),
        ticket(2, 2, Some(3), now),
        ticket(3, 2, None, now),
    ]
    .into_iter()
    .map(|t| polled(t, now))
    .collect();
    let (applied, effects) = engine.ingest_baseline(events, now, None).unwrap();
    let outcomes: Vec<_> = applied.iter().map(|a| a.outcome).collect();
    assert_eq!(
        outcomes,
        vec![
            InboundOutcome::Ignored,
            InboundOutcome::Ignored,
            InboundOutcome::Created
        ]
    );
    assert_eq!(shown(&effects).len(), 1);
    // Later, a customer reply on my ticket is news.
    let mut replied = ticket(1, 2, Some(ME), now + mins(5));
    replied.last_customer_reply = Some(now + mins(5));
    let (applied, _) = engine
        .ingest(&polled(replied, now + mins(5)), now + mins(5))
        .unwrap();
    assert_eq!(applied.outcome, InboundOutcome::Created);
}

#[test]
fn a_priority_raised_in_halo_escalates_the_alert_at_once() {
    let mut engine = engine_with(settings());
    let now = t0();
    engine
        .ingest(&polled(ticket(30, 4, None, now), now), now)
        .unwrap();
    let raised = ticket(30, 1, None, now + mins(1));
    let (applied, effects) = engine
        .ingest(&polled(raised, now + mins(1)), now + mins(1))
        .unwrap();
    assert_eq!(applied.outcome, InboundOutcome::Appended);
    assert!(
        applied.reason.contains("priority: P4 → P1"),
        "{}",
        applied.reason
    );
    let fired = engine.fire_due(now + mins(1)).unwrap();
    let n = shown(&fired);
    assert_eq!(n.len(), 1, "{effects:?}");
    assert_eq!(n[0].urgency, Urgency::Critical);
}

#[test]
fn a_webhook_delivered_twice_changes_nothing_the_second_time() {
    let mut engine = engine_with(settings());
    let now = t0();
    let partial = TicketSnapshot {
        ticket_id: 40,
        summary: Some("VPN down".into()),
        team_name: Some("Service Desk".into()),
        status_id: Some(1),
        ..TicketSnapshot::default()
    };
    let event = TicketEvent {
        source: EventSource::Webhook(WebhookKind::Native),
        received_at: now,
        key: "native:abc".into(),
        event_name: Some("New Ticket Logged".into()),
        complete: false,
        snapshot: partial,
    };
    let (first, _) = engine.ingest(&event, now).unwrap();
    assert_eq!(first.outcome, InboundOutcome::Created);
    let (second, effects) = engine.ingest(&event, now).unwrap();
    assert_eq!(second.outcome, InboundOutcome::Duplicate);
    assert!(effects.notifications.is_empty());
    let log = engine.inbound_log(10).unwrap();
    assert_eq!(log.len(), 2, "both deliveries are in the inbound log");
}

#[test]
fn filters_keep_alerts_away_and_say_so_in_the_log() {
    let mut engine = engine_with(EngineSettings {
        filters: alert_engine::FilterConfig {
            exclude_summary_regex: Some("(?i)newsletter".into()),
            ..Default::default()
        },
        ..settings()
    });
    let now = t0();
    let mut t = ticket(60, 3, None, now);
    t.summary = Some("Monthly NEWSLETTER bounced".into());
    let (applied, effects) = engine.ingest(&polled(t, now), now).unwrap();
    assert_eq!(applied.outcome, InboundOutcome::Filtered);
    assert!(effects.notifications.is_empty());
    assert_eq!(
        engine.inbound_log(1).unwrap()[0].outcome,
        InboundOutcome::Filtered
    );
}

#[test]
fn test_alerts_go_through_the_whole_path() {
    let mut engine = engine_with(settings());
    let now = t0();
    let (applied, effects) = engine.test_alert(now).unwrap();
    assert_eq!(applied.outcome, InboundOutcome::Created);
    assert_eq!(
        shown(&effects)[0].title,
        "Test · Halo Notifier: Test alert from Halo Notifier"
    );
    let (again, _) = engine.test_alert(now + mins(1)).unwrap();
    assert_eq!(again.outcome, InboundOutcome::Created);
    assert_eq!(engine.list(AlertFilter::Open).unwrap().len(), 1);
    let _ = Duration::ZERO;
}

/// What the engine knows about tickets survives a restart exactly, whether
/// the latest version went into an alert or only into its memory: after a
/// restart the same versions are no news and a reopened ticket is a reopen.
#[test]
fn every_tickets_latest_version_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.sqlite");
    let open = |path: &std::path::Path| engine_over(Store::open(path).unwrap(), settings());
    let now = t0();
    let at = |m: i64| now + mins(m);
    let mut closed = ticket(21, 3, None, at(3));
    closed.status_id = Some(CLOSED);
    closed.status_name = Some("Closed".into());
    let mut renamed_client = ticket(22, 3, None, at(2));
    renamed_client.client_name = Some("Acme Holdings".into());
    let held = ticket(23, 3, Some(3), at(1));
    {
        let mut engine = open(&path);
        // 21: raised, appended, closed in Halo.
        engine
            .ingest(&polled(ticket(21, 3, None, at(0)), at(0)), at(0))
            .unwrap();
        engine
            .ingest(&polled(ticket(21, 2, None, at(1)), at(1)), at(1))
            .unwrap();
        let (applied, _) = engine
            .ingest(&polled(closed.clone(), at(3)), at(3))
            .unwrap();
        assert_eq!(applied.outcome, InboundOutcome::Resolved);
        // 22: raised, then a change no alert shows (same update time).
        engine
            .ingest(&polled(ticket(22, 3, None, at(2)), at(2)), at(2))
            .unwrap();
        let (applied, _) = engine
            .ingest(&polled(renamed_client.clone(), at(2)), at(2))
            .unwrap();
        assert_eq!(applied.outcome, InboundOutcome::Duplicate);
        // 23: a colleague's ticket, remembered without an alert.
        engine.ingest(&polled(held.clone(), at(1)), at(1)).unwrap();
    }
    let mut engine = open(&path);
    assert_eq!(engine.known_ticket(21), Some(&closed));
    assert_eq!(engine.known_ticket(22), Some(&renamed_client));
    assert_eq!(engine.known_ticket(23), Some(&held));
    for version in [closed, renamed_client, held] {
        let (applied, _) = engine.ingest(&polled(version, at(5)), at(5)).unwrap();
        assert_eq!(applied.outcome, InboundOutcome::Duplicate);
    }
    let (applied, _) = engine
        .ingest(&polled(ticket(21, 3, None, at(6)), at(6)), at(6))
        .unwrap();
    assert_eq!(applied.outcome, InboundOutcome::Reopened);
}

/// Tickets untouched for 90 days are forgotten, in memory as in the store;
/// a ticket whose alert is still open is not.
#[test]
fn long_untouched_tickets_are_forgotten_but_alerted_ones_are_kept() {
    let mut engine = engine_with(settings());
    let now = t0();
    let held = ticket(31, 3, Some(3), now);
    engine.ingest(&polled(held, now), now).unwrap();
    engine
        .ingest(&polled(ticket(32, 3, None, now), now), now)
        .unwrap();
    engine
        .housekeeping(now + chrono::Duration::days(30))
        .unwrap();
    assert!(engine.known_ticket(31).is_some());
    let later = now + chrono::Duration::days(91);
    engine.housekeeping(later).unwrap();
    assert_eq!(engine.known_ticket(31), None);
    assert!(engine.known_ticket(32).is_some(), "its alert is still open");
}

#[test]
fn an_open_alert_shows_its_escalation_step_and_an_acknowledged_one_none() {
    let mut engine = engine_with(settings());
    let now = t0();
    engine
        .ingest(&polled(ticket(30, 1, None, now), now), now)
        .unwrap();
    let policy = settings().policies.policy_for(Some(1)).clone();
    let view = engine.alert_for_ticket(30).unwrap().unwrap();
    let escalation = view.escalation.expect("an open alert escalates");
    assert_eq!(escalation.step, 1);
    assert_eq!(escalation.steps as usize, policy.steps.len());
    assert_eq!(escalation.urgency, policy.steps[0].urgency);
    let json = serde_json::to_value(&view).unwrap();
    assert_eq!(json["escalation"]["step"], 1);
    let (acknowledged, _) = engine.acknowledge(30, "Alex Tech", now + mins(1)).unwrap();
    assert_eq!(acknowledged.escalation, None);
}

#[test]
fn absurd_snooze_and_pause_lengths_are_refused_with_a_message() {
    let now = t0();
    for huge in [
        Duration::MAX,
        Duration::from_secs(u64::MAX / 2),
        Duration::from_secs(400 * 24 * 3600),
    ] {
        let error = alert_engine::until_after(now, huge, "a snooze").unwrap_err();
        assert!(
            error.to_string().contains("too long: 366 days at the most"),
            "{error}"
        );
    }
    let week = alert_engine::until_after(now, Duration::from_secs(7 * 24 * 3600), "a pause");
    assert_eq!(week.unwrap(), now + chrono::Duration::days(7));
}

#[test]
fn a_retention_too_long_to_represent_keeps_the_log_instead_of_panicking() {
    let mut engine = engine_with(EngineSettings {
        inbound_retention: Duration::MAX,
        ..settings()
    });
    let now = t0();
    engine
        .ingest(&polled(ticket(31, 2, None, now), now), now)
        .unwrap();
    engine.housekeeping(now + mins(60 * 24 * 30)).unwrap();
    assert_eq!(engine.inbound_log(10).unwrap().len(), 1);
}

/// A custom-integration body (no delivery id) saying the ticket is new.
fn custom_body(id: i32, at: DateTime<Utc>) -> TicketEvent {
    let body = format!(
        r#"{{"TicketID":{id},"Subject":"VPN down","Status":"New","status_id":1,"Team":"Service Desk"}}"#
    );
    ticket_events::parse_webhook(&[], body.as_bytes(), at)
        .unwrap()
        .remove(0)
}

#[test]
fn the_same_custom_webhook_body_later_is_a_new_event() {
    let mut engine = engine_with(settings());
    let now = t0();
    let (first, _) = engine.ingest(&custom_body(32, now), now).unwrap();
    assert_eq!(first.outcome, InboundOutcome::Created);
    // Halo retrying the delivery a few minutes later: a duplicate.
    let retry_at = now + mins(5);
    let (retry, _) = engine.ingest(&custom_body(32, retry_at), retry_at).unwrap();
    assert_eq!(retry.outcome, InboundOutcome::Duplicate);
    // The ticket is closed, then an hour later reopened with the same body.
    let closed_at = now + mins(30);
    let mut closed = ticket(32, 2, None, closed_at);
    closed.status_id = Some(CLOSED);
    engine
        .ingest(&polled(closed, closed_at), closed_at)
        .unwrap();
    let later = now + mins(60);
    let (again, _) = engine.ingest(&custom_body(32, later), later).unwrap();
    assert_eq!(again.outcome, InboundOutcome::Reopened, "{again:?}");
}

#[test]
fn every_note_written_back_carries_its_own_marker() {
    let mut engine = engine_with(EngineSettings {
        acknowledge: alert_engine::AcknowledgeWriteBack {
            take: false,
            note: true,
        },
        ..settings()
    });
    let now = t0();
    let mut markers = Vec::new();
    for (i, at) in [now, now + mins(60)].into_iter().enumerate() {
        let t = ticket(33, 2, None, at);
        if i == 1 {
            // Closed in between, so the same ticket alerts again.
            let mut closed = ticket(33, 2, None, at - mins(30));
            closed.status_id = Some(CLOSED);
            engine
                .ingest(&polled(closed, at - mins(30)), at - mins(30))
                .unwrap();
        }
        engine.ingest(&polled(t, at), at).unwrap();
        engine.acknowledge(33, "Alex Tech", at).unwrap();
    }
    for item in engine.outbox(None).unwrap() {
        let write: alert_engine::HaloWrite = serde_json::from_str(&item.payload_json).unwrap();
        let alert_engine::HaloWrite::Note { text, marker } = write else {
            panic!("a note: {write:?}");
        };
        let marker = marker.expect("a marker");
        assert!(text.contains(&marker), "{text}");
        markers.push(marker);
    }
    assert_eq!(markers.len(), 2);
    assert_ne!(markers[0], markers[1], "the same text, different markers");
}

/// The database busy (another process writing) when a flood's summary is
/// due: the summary comes on the next try instead of being lost.
#[test]
fn a_flood_summary_survives_a_busy_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.sqlite");
    let mut engine = engine_over(
        Store::open(&path).unwrap(),
        EngineSettings {
            grouping: Some(GroupingRule {
                threshold: 3,
                window: HumanDuration::from_mins(2),
            }),
            ..settings()
        },
    );
    let now = t0();
    for id in 1..=6 {
        let at = now + chrono::Duration::seconds(i64::from(id));
        engine
            .ingest(&polled(ticket(id, 3, None, at), at), at)
            .unwrap();
    }
    let flush = engine.next_wake().unwrap().unwrap();
    // Another process holds the write lock while the summary is due.
    let (locked_tx, locked) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let mut other = Store::open(&path).unwrap();
        other
            .transaction(|tx| {
                tx.set_setting("busy", "yes", now)?;
                locked_tx.send(()).unwrap();
                let _ = released.recv();
                Ok::<_, alert_store::StoreError>(())
            })
            .unwrap();
    });
    locked.recv().unwrap();
    assert!(engine.fire_due(flush).is_err(), "the database was busy");
    release.send(()).unwrap();
    holder.join().unwrap();
    let effects = engine.fire_due(flush).unwrap();
    let summary = effects
        .notifications
        .iter()
        .find(|n| n.kind == NotificationKind::Summary)
        .expect("the summary was kept for the next try");
    assert_eq!(summary.ticket_ids.len(), 3);
}

/// The transaction recording a flood decision fails after the grouper has
/// decided (the database refuses the "held for a summary" entry): the
/// grouper keeps its state from before, so the retry holds that ticket once
/// and the summary names each held ticket once.
#[test]
fn a_grouping_decision_whose_transaction_fails_is_not_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.sqlite");
    let mut engine = engine_over(
        Store::open(&path).unwrap(),
        EngineSettings {
            grouping: Some(GroupingRule {
                threshold: 3,
                window: HumanDuration::from_mins(2),
            }),
            ..settings()
        },
    );
    let at = |id: i32| t0() + chrono::Duration::seconds(i64::from(id));
    for id in 1..=3 {
        engine
            .ingest(&polled(ticket(id, 3, None, at(id)), at(id)), at(id))
            .unwrap();
    }
    // Another connection makes recording a "held for a summary" decision
    // fail, as a full or failing disk would, after the grouper decided.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.busy_timeout(Duration::from_secs(10)).unwrap();
    other
        .execute_batch(
            "CREATE TRIGGER fail_summarised BEFORE INSERT ON alert_timeline
             WHEN NEW.kind = 'summarised'
             BEGIN SELECT RAISE(ABORT, 'disk I/O error (injected)'); END;",
        )
        .unwrap();
    // Ticket 4 is stored; holding it for the summary fails, on intake and
    // on the timer's next try alike.
    engine
        .ingest(&polled(ticket(4, 3, None, at(4)), at(4)), at(4))
        .unwrap();
    assert!(
        engine.fire_due(at(4)).is_err(),
        "the decision could not be recorded"
    );
    other
        .execute_batch("DROP TRIGGER fail_summarised;")
        .unwrap();
    assert!(
        engine.fire_due(at(4)).unwrap().notifications.is_empty(),
        "ticket 4 is held"
    );
    for id in 5..=6 {
        engine
            .ingest(&polled(ticket(id, 3, None, at(id)), at(id)), at(id))
            .unwrap();
    }
    let flush = engine.next_wake().unwrap().unwrap();
    let effects = engine.fire_due(flush).unwrap();
    let summaries: Vec<_> = effects
        .notifications
        .iter()
        .filter(|n| n.kind == NotificationKind::Summary)
        .collect();
    assert_eq!(summaries.len(), 1, "one summary: {summaries:#?}");
    let mut held = summaries[0].ticket_ids.clone();
    held.sort_unstable();
    assert_eq!(held, vec![4, 5, 6], "each held ticket once");
    let holds = engine
        .timeline(4)
        .unwrap()
        .into_iter()
        .filter(|r| {
            r.kind == alert_store::TimelineKind::Summarised
                && r.detail.starts_with("held for a summary")
        })
        .count();
    assert_eq!(holds, 1, "ticket 4 held once");
}

#[test]
fn a_poll_fetched_before_the_ticket_closed_does_not_reopen_it() {
    let mut engine = engine_with(settings());
    let now = t0();
    let open = ticket(301, 2, None, now);
    let (applied, _) = engine.ingest(&polled(open.clone(), now), now).unwrap();
    assert_eq!(applied.outcome, InboundOutcome::Created);
    // A webhook about the close is applied first...
    let mut closed = ticket(301, 2, None, now + mins(2));
    closed.status_id = Some(CLOSED);
    let (applied, _) = engine
        .ingest(&polled(closed, now + mins(2)), now + mins(2))
        .unwrap();
    assert_eq!(applied.outcome, InboundOutcome::Resolved);
    // ...then a poll whose answer still held the open version.
    let (applied, effects) = engine
        .ingest(
            &polled(open, now + mins(2)),
            now + mins(2) + chrono::Duration::seconds(1),
        )
        .unwrap();
    assert_eq!(applied.outcome, InboundOutcome::Ignored, "{applied:?}");
    assert!(shown(&effects).is_empty());
    assert!(engine.list(AlertFilter::Open).unwrap().is_empty());
}

#[test]
fn an_open_version_from_the_same_second_as_the_close_does_not_reopen_it() {
    // Some of Halo's date forms have whole seconds: both versions say 10:00:00.
    let mut engine = engine_with(settings());
    let now = t0();
    let open = ticket(302, 2, None, now);
    engine.ingest(&polled(open.clone(), now), now).unwrap();
    let mut closed = ticket(302, 2, None, now);
    closed.status_id = Some(CLOSED);
    let mut event = polled(closed, now);
    event.key.push_str(":closed");
    let (applied, _) = engine.ingest(&event, now).unwrap();
    assert_eq!(applied.outcome, InboundOutcome::Resolved);
    let later = now + chrono::Duration::milliseconds(400);
    let (applied, effects) = engine.ingest(&polled(open, later), later).unwrap();
    assert_eq!(applied.outcome, InboundOutcome::Ignored, "{applied:?}");
    assert!(shown(&effects).is_empty());
    assert!(engine.list(AlertFilter::Open).unwrap().is_empty());
}

#[test]
fn a_version_dated_in_the_future_does_not_hold_back_the_close() {
    // A webhook body's zoneless local time read as UTC, hours ahead.
    let mut engine = engine_with(settings());
    let now = t0();
    let ahead = ticket(303, 2, None, now + chrono::Duration::hours(5));
    let (applied, _) = engine.ingest(&polled(ahead, now), now).unwrap();
    assert_eq!(applied.outcome, InboundOutcome::Created);
    let mut closed = ticket(303, 2, None, now + mins(1));
    closed.status_id = Some(CLOSED);
    let (applied, _) = engine
        .ingest(&polled(closed, now + mins(1)), now + mins(1))
        .unwrap();
    assert_eq!(applied.outcome, InboundOutcome::Resolved, "{applied:?}");
    assert!(engine.list(AlertFilter::Open).unwrap().is_empty());
}
