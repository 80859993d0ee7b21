//! Behaviour of every public store method against real SQLite databases
//! (in memory and on disk): constraints, migrations, pragmas, lifecycles.

use std::error::Error;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use alert_store::{
    AlertFilter, AlertId, AlertRow, AlertState, CursorRow, InboundEntry, InboundOutcome,
    InboundSource, MAX_EXCERPT_BYTES, NewAlert, NewOutboxItem, OutboxKind, OutboxState,
    SCHEMA_VERSION, SnapshotUpdate, Store, StoreError, TimelineKind,
};
use chrono::{DateTime, Utc};

type TestResult = Result<(), Box<dyn Error>>;

const ACME: &str = "https://acme.halopsa.com";
const GLOBEX: &str = "https://globex.haloitsm.com";

/// A fixed instant plus `secs`, at millisecond precision like the store.
fn t(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600 + secs, 0).expect("valid timestamp")
}

fn new_alert(instance: &str, ticket_id: i64, at: DateTime<Utc>) -> NewAlert {
    NewAlert {
        instance: instance.to_owned(),
        ticket_id,
        created_at: at,
        priority_id: Some(1),
        team_name: Some("Service Desk".to_owned()),
        summary: format!("Ticket {ticket_id}"),
        snapshot_json: format!(r#"{{"id":{ticket_id},"status":"New"}}"#),
        policy_json: r#"{"steps":[{"after":"0m"}]}"#.to_owned(),
        trigger_reason: "new ticket in watched team".to_owned(),
    }
}

fn resolved(mut row: AlertRow, at: DateTime<Utc>) -> AlertRow {
    row.state = AlertState::Resolved;
    row.resolved_at = Some(at);
    row.resolve_reason = Some("closed in Halo".to_owned());
    row.updated_at = at;
    row
}

fn cursor(next_at: Option<DateTime<Utc>>, at: DateTime<Utc>) -> CursorRow {
    CursorRow {
        step: 0,
        repeat: 0,
        loops: 0,
        next_at,
        updated_at: at,
    }
}

// ---- opening, pragmas, migrations -------------------------------------------------

#[test]
fn open_creates_parent_dirs_and_turns_on_wal_and_foreign_keys() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("nested/deeper/alerts.db");
    let store = Store::open(&path)?;
    assert!(path.exists());
    assert_eq!(store.path(), Some(path.as_path()));
    assert_eq!(store.journal_mode()?, "wal");
    assert!(store.foreign_keys_enabled()?);
    assert_eq!(store.synchronous()?, 1, "NORMAL");
    assert_eq!(store.busy_timeout_ms()?, 5000);
    assert_eq!(store.schema_version()?, SCHEMA_VERSION as i64);
    assert_eq!(store.integrity_check()?, vec!["ok".to_owned()]);
    let raw = rusqlite::Connection::open(&path)?;
    let page_size: i64 = raw.pragma_query_value(None, "page_size", |r| r.get(0))?;
    assert_eq!(page_size, 16 * 1024);
    Ok(())
}

#[test]
fn no_column_could_hold_a_secret() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("alerts.db");
    drop(Store::open(&path)?);
    let raw = rusqlite::Connection::open(&path)?;
    let mut stmt = raw.prepare(
        "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table'",
    )?;
    let columns: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    assert!(columns.len() > 50, "saw the whole schema");
    for (table, column) in columns {
        let lower = column.to_ascii_lowercase();
        for marker in ["secret", "password", "token", "credential", "api_key"] {
            assert!(
                !lower.contains(marker),
                "{table}.{column} looks like it holds a secret"
            );
        }
    }
    Ok(())
}

#[test]
fn checkpoint_moves_the_wal_into_the_database() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("alerts.db");
    let mut store = Store::open(&path)?;
    for n in 0..50 {
        store.insert_alert(&new_alert(ACME, n, t(n)))?;
    }
    store.checkpoint()?;
    let raw = rusqlite::Connection::open(&path)?;
    // (busy, frames in the WAL, frames checkpointed): nothing left to copy.
    let (busy, wal, done): (i64, i64, i64) =
        raw.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    assert_eq!((busy, wal), (0, done));
    Store::open_in_memory()?.checkpoint()?;
    Ok(())
}

#[test]
fn in_memory_store_is_migrated_with_foreign_keys() -> TestResult {
    let store = Store::open_in_memory()?;
    assert!(store.path().is_none());
    assert!(store.foreign_keys_enabled()?);
    assert_eq!(store.journal_mode()?, "memory");
    assert_eq!(store.synchronous()?, 2, "FULL without WAL");
    assert_eq!(store.schema_version()?, SCHEMA_VERSION as i64);
    Ok(())
}

#[test]
fn reopening_is_idempotent_and_keeps_data() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("alerts.db");
    let id = Store::open(&path)?.insert_alert(&new_alert(ACME, 1, t(0)))?;
    for _ in 0..2 {
        let store = Store::open(&path)?;
        assert_eq!(store.schema_version()?, SCHEMA_VERSION as i64);
        assert_eq!(store.alert(id)?.map(|a| a.ticket_id), Some(1));
    }
    Ok(())
}

#[test]
fn a_database_from_a_newer_app_is_refused_untouched() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("alerts.db");
    drop(Store::open(&path)?);
    let future = SCHEMA_VERSION as i64 + 1;
    rusqlite::Connection::open(&path)?.pragma_update(None, "user_version", future)?;

    let err = Store::open(&path).expect_err("newer schema must be refused");
    assert!(
        matches!(err, StoreError::SchemaTooNew { found, known } if found == future && known == SCHEMA_VERSION),
        "{err}"
    );
    assert!(err.to_string().contains("newer than this app"), "{err}");
    let version: i64 =
        rusqlite::Connection::open(&path)?
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
    assert_eq!(version, future);
    Ok(())
}

#[test]
fn open_fails_clearly_when_the_directory_cannot_be_created() -> TestResult {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a directory")?;
    let err = Store::open(&file.join("alerts.db")).expect_err("parent is a file");
    assert!(matches!(err, StoreError::CreateDir { .. }), "{err}");
    Ok(())
}

// ---- alerts ----------------------------------------------------------------------

#[test]
fn alerts_round_trip_every_field() -> TestResult {
    let store = Store::open_in_memory()?;
    let id = store.insert_alert(&new_alert(ACME, 42, t(0)))?;
    let mut row = store.alert(id)?.expect("inserted");
    assert_eq!(row.state, AlertState::Triggered);
    assert_eq!((row.created_at, row.updated_at), (t(0), t(0)));
    assert_eq!(row.trigger_reason, "new ticket in watched team");

    row.state = AlertState::Acknowledged;
    row.acknowledged_at = Some(t(30));
    row.acknowledged_by = Some("Jo Tech".to_owned());
    row.updated_at = t(30);
    row.priority_id = None;
    row.team_name = None;
    row.summary = "Server down (updated)".to_owned();
    row.snapshot_json = r#"{"id":42,"status":"In Progress"}"#.to_owned();
    store.update_alert(&row)?;
    assert_eq!(store.alert(id)?, Some(row.clone()));

    row.state = AlertState::Snoozed;
    row.snoozed_until = Some(t(3600));
    store.update_alert(&row)?;
    assert_eq!(store.open_alert_for(ACME, 42)?, Some(row.clone()));
    assert_eq!(store.latest_alert_for(ACME, 42)?, Some(row));
    assert_eq!(store.alert(AlertId(9999))?, None);
    assert_eq!(store.open_alert_for(ACME, 43)?, None);
    assert_eq!(store.latest_alert_for(GLOBEX, 42)?, None);
    Ok(())
}

#[test]
fn one_open_alert_per_ticket_and_a_new_one_after_resolving() -> TestResult {
    let store = Store::open_in_memory()?;
    let first = store.insert_alert(&new_alert(ACME, 7, t(0)))?;

    let err = store
        .insert_alert(&new_alert(ACME, 7, t(1)))
        .expect_err("second open alert for the ticket");
    assert!(
        matches!(&err, StoreError::OpenAlertExists { instance, ticket_id: 7 } if instance == ACME),
        "{err}"
    );
    // The same ticket number in another Halo instance is another ticket.
    store.insert_alert(&new_alert(GLOBEX, 7, t(1)))?;

    let old = store.alert(first)?.expect("exists");
    store.update_alert(&resolved(old.clone(), t(60)))?;
    assert_eq!(store.open_alert_for(ACME, 7)?, None);
    assert_eq!(store.latest_alert_for(ACME, 7)?.map(|a| a.id), Some(first));

    let second = store.insert_alert(&new_alert(ACME, 7, t(120)))?;
    assert_eq!(store.open_alert_for(ACME, 7)?.map(|a| a.id), Some(second));
    assert_eq!(store.latest_alert_for(ACME, 7)?.map(|a| a.id), Some(second));

    // Reopening the old alert while the new one is open breaks the rule too.
    let err = store.update_alert(&old).expect_err("two open alerts");
    assert!(matches!(err, StoreError::OpenAlertExists { .. }), "{err}");
    Ok(())
}

#[test]
fn snapshot_updates_leave_the_state_alone() -> TestResult {
    let store = Store::open_in_memory()?;
    let id = store.insert_alert(&new_alert(ACME, 5, t(0)))?;
    let mut row = store.alert(id)?.expect("exists");
    row.state = AlertState::Acknowledged;
    row.acknowledged_at = Some(t(10));
    row.acknowledged_by = Some("Jo Tech".to_owned());
    store.update_alert(&row)?;

    let update = SnapshotUpdate {
        updated_at: t(20),
        summary: "Server down, now in progress",
        priority_id: Some(2),
        team_name: None,
        snapshot_json: r#"{"id":5,"status":"In Progress"}"#,
    };
    store.update_alert_snapshot(id, &update)?;
    let after = store.alert(id)?.expect("exists");
    assert_eq!(after.summary, update.summary);
    assert_eq!(after.snapshot_json, update.snapshot_json);
    assert_eq!(
        (after.priority_id, after.team_name.clone(), after.updated_at),
        (Some(2), None, t(20))
    );
    assert_eq!(
        (after.state, after.acknowledged_at),
        (AlertState::Acknowledged, Some(t(10)))
    );
    assert_eq!(after.trigger_reason, row.trigger_reason);

    assert!(matches!(
        store.update_alert_snapshot(AlertId(404), &update),
        Err(StoreError::AlertNotFound(AlertId(404)))
    ));
    Ok(())
}

#[test]
fn update_of_a_missing_alert_and_inconsistent_states_are_refused() -> TestResult {
    let store = Store::open_in_memory()?;
    let id = store.insert_alert(&new_alert(ACME, 1, t(0)))?;
    let mut row = store.alert(id)?.expect("exists");

    let mut ghost = row.clone();
    ghost.id = AlertId(777);
    assert!(matches!(
        store.update_alert(&ghost),
        Err(StoreError::AlertNotFound(AlertId(777)))
    ));

    // Each state must carry the timestamp that explains it.
    for state in [
        AlertState::Acknowledged,
        AlertState::Snoozed,
        AlertState::Resolved,
    ] {
        row.state = state;
        assert!(
            matches!(store.update_alert(&row), Err(StoreError::Sqlite(_))),
            "{state} without its timestamp"
        );
    }
    Ok(())
}

#[test]
fn list_and_count_alerts() -> TestResult {
    let store = Store::open_in_memory()?;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(store.insert_alert(&new_alert(ACME, n, t(n)))?);
    }
    for id in &ids[..2] {
        let row = store.alert(*id)?.expect("exists");
        store.update_alert(&resolved(row, t(100)))?;
    }
    assert_eq!(store.count_open()?, 3);

    let open: Vec<AlertId> = store
        .list_alerts(AlertFilter::Open, 10)?
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(open, vec![ids[4], ids[3], ids[2]], "newest first");
    assert_eq!(store.list_alerts(AlertFilter::All, 10)?.len(), 5);
    assert_eq!(store.list_alerts(AlertFilter::All, 2)?.len(), 2);
    let done = store.list_alerts(AlertFilter::State(AlertState::Resolved), 10)?;
    assert_eq!(
        done.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![ids[1], ids[0]]
    );
    assert!(
        store
            .list_alerts(AlertFilter::State(AlertState::Snoozed), 10)?
            .is_empty()
    );
    Ok(())
}

#[test]
fn pruning_resolved_alerts_cascades_to_timeline_and_cursor() -> TestResult {
    let store = Store::open_in_memory()?;
    let old = store.insert_alert(&new_alert(ACME, 1, t(0)))?;
    let open = store.insert_alert(&new_alert(ACME, 2, t(0)))?;
    store.append_timeline(old, t(0), &TimelineKind::Created, "")?;
    store.set_cursor(old, &cursor(None, t(0)))?;
    let out = store.enqueue(&NewOutboxItem {
        created_at: t(1),
        kind: OutboxKind::Note,
        instance: ACME.to_owned(),
        alert_id: Some(old),
        ticket_id: 1,
        payload_json: "{}".to_owned(),
    })?;
    let row = store.alert(old)?.expect("exists");
    store.update_alert(&resolved(row, t(10)))?;

    assert_eq!(
        store.prune_resolved_alerts(t(10))?,
        0,
        "strictly older than"
    );
    assert_eq!(store.prune_resolved_alerts(t(11))?, 1);
    assert_eq!(store.alert(old)?, None);
    assert!(store.timeline(old)?.is_empty());
    assert_eq!(store.cursor(old)?, None);
    assert_eq!(store.outbox_item(out)?.map(|o| o.alert_id), Some(None));
    assert!(store.alert(open)?.is_some());
    Ok(())
}

// ---- timeline --------------------------------------------------------------------

#[test]
fn timeline_is_ordered_append_only_and_tied_to_an_alert() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("alerts.db");
    let store = Store::open(&path)?;
    let id = store.insert_alert(&new_alert(ACME, 1, t(0)))?;
    let kinds = [
        TimelineKind::Created,
        TimelineKind::Notified,
        TimelineKind::Escalated,
        TimelineKind::Other("future_kind".to_owned()),
        TimelineKind::Acknowledged,
    ];
    for kind in &kinds {
        // Same millisecond on purpose: order must still be write order.
        store.append_timeline(id, t(5), kind, r#"{"step":0}"#)?;
    }
    let rows = store.timeline(id)?;
    assert_eq!(
        rows.iter().map(|r| r.kind.clone()).collect::<Vec<_>>(),
        kinds
    );
    assert!(
        rows.iter()
            .all(|r| r.alert_id == id && r.at == t(5) && r.detail == r#"{"step":0}"#)
    );

    let missing = store.append_timeline(AlertId(999), t(0), &TimelineKind::Created, "");
    assert!(
        matches!(missing, Err(StoreError::Sqlite(_))),
        "foreign key enforced"
    );

    let raw = rusqlite::Connection::open(&path)?;
    let err = raw
        .execute("UPDATE alert_timeline SET detail = 'rewritten'", [])
        .expect_err("append-only");
    assert!(err.to_string().contains("append-only"), "{err}");
    Ok(())
}

// ---- cursors ---------------------------------------------------------------------

#[test]
fn cursors_set_replace_read_and_delete() -> TestResult {
    let store = Store::open_in_memory()?;
    let id = store.insert_alert(&new_alert(ACME, 1, t(0)))?;
    assert_eq!(store.cursor(id)?, None);
    store.set_cursor(id, &cursor(Some(t(60)), t(0)))?;
    let moved = CursorRow {
        step: 2,
        repeat: 1,
        loops: 3,
        next_at: Some(t(600)),
        updated_at: t(60),
    };
    store.set_cursor(id, &moved)?;
    assert_eq!(store.cursor(id)?, Some(moved));
    assert!(store.delete_cursor(id)?);
    assert!(!store.delete_cursor(id)?);
    assert_eq!(store.cursor(id)?, None);
    assert!(
        store.set_cursor(AlertId(999), &moved).is_err(),
        "foreign key enforced"
    );
    Ok(())
}

#[test]
fn next_due_and_due_cursors_skip_resolved_and_exhausted() -> TestResult {
    let store = Store::open_in_memory()?;
    assert_eq!(store.next_due()?, None);
    let a = store.insert_alert(&new_alert(ACME, 1, t(0)))?;
    let b = store.insert_alert(&new_alert(ACME, 2, t(0)))?;
    let c = store.insert_alert(&new_alert(ACME, 3, t(0)))?;
    let d = store.insert_alert(&new_alert(ACME, 4, t(0)))?;
    store.set_cursor(a, &cursor(Some(t(300)), t(0)))?;
    store.set_cursor(b, &cursor(Some(t(100)), t(0)))?;
    store.set_cursor(c, &cursor(Some(t(50)), t(0)))?;
    store.set_cursor(d, &cursor(None, t(0)))?; // exhausted
    // c is earliest but resolved: it must never wake the engine.
    let row = store.alert(c)?.expect("exists");
    store.update_alert(&resolved(row, t(10)))?;

    assert_eq!(store.next_due()?, Some((b, t(100))));
    assert!(store.due_cursors(t(99))?.is_empty());
    let due: Vec<AlertId> = store
        .due_cursors(t(300))?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(due, vec![b, a], "earliest first");
    let (_, row) = store
        .due_cursors(t(100))?
        .into_iter()
        .next()
        .expect("b is due");
    assert_eq!(row.next_at, Some(t(100)));
    Ok(())
}

// ---- inbound log and idempotency -------------------------------------------------

fn entry(at: DateTime<Utc>, outcome: InboundOutcome) -> InboundEntry {
    InboundEntry {
        received_at: at,
        source: InboundSource::Webhook("ticket_updated".to_owned()),
        ticket_id: Some(42),
        event_key: Some(format!("wh-{}", at.timestamp())),
        outcome,
        reason: "status changed".to_owned(),
        payload_excerpt: Some(r#"{"id":42}"#.to_owned()),
    }
}

/// A poll's batch is logged several rows per statement: every entry lands,
/// in order, with the same fields and excerpt rule as one at a time.
#[test]
fn a_batch_of_log_entries_is_stored_whole_and_in_order() -> TestResult {
    let store = Store::open_in_memory()?;
    let entries: Vec<InboundEntry> = (0..150)
        .map(|n| {
            let mut e = entry(t(0), InboundOutcome::ALL[n % InboundOutcome::ALL.len()]);
            e.reason = format!("entry {n}");
            e.ticket_id = Some(n as i64);
            if n == 70 {
                e.payload_excerpt = Some("x".repeat(MAX_EXCERPT_BYTES * 2));
            }
            e
        })
        .collect();
    store.log_inbound_all(&entries)?;
    let mut stored = store.inbound_log(1000, None)?;
    stored.reverse();
    assert_eq!(stored.len(), entries.len());
    for (row, e) in stored.iter().zip(&entries) {
        assert_eq!(
            (
                row.ticket_id,
                row.outcome,
                row.reason.as_str(),
                row.event_key.as_ref()
            ),
            (
                e.ticket_id,
                e.outcome,
                e.reason.as_str(),
                e.event_key.as_ref()
            )
        );
    }
    let cut = stored[70].payload_excerpt.as_deref().unwrap_or_default();
    assert!(cut.len() <= MAX_EXCERPT_BYTES && cut.ends_with('…'));
    Ok(())
}

#[test]
fn inbound_log_lists_newest_first_truncates_and_prunes() -> TestResult {
    let store = Store::open_in_memory()?;
    for (n, outcome) in InboundOutcome::ALL.iter().enumerate() {
        store.log_inbound(&entry(t(n as i64), *outcome))?;
    }
    let mut big = entry(t(100), InboundOutcome::Rejected);
    big.source = InboundSource::Poll;
    big.ticket_id = None;
    big.event_key = None;
    big.payload_excerpt = Some("é".repeat(5000));
    store.log_inbound(&big)?;

    let all = store.inbound_log(100, None)?;
    assert_eq!(all.len(), InboundOutcome::ALL.len() + 1);
    let newest = all.first().expect("rows");
    assert_eq!(
        (newest.source.clone(), newest.ticket_id),
        (InboundSource::Poll, None)
    );
    let excerpt = newest.payload_excerpt.as_deref().expect("excerpt");
    assert!(excerpt.len() <= MAX_EXCERPT_BYTES && excerpt.ends_with('…'));
    assert_eq!(
        all.get(1).map(|r| r.outcome),
        Some(InboundOutcome::Rejected)
    );
    assert_eq!(all.last().map(|r| r.outcome), Some(InboundOutcome::Created));
    assert_eq!(
        all.last().map(|r| r.source.clone()),
        Some(InboundSource::Webhook("ticket_updated".into()))
    );

    assert_eq!(store.inbound_log(3, None)?.len(), 3);
    assert_eq!(
        store.inbound_log(100, Some(t(6)))?.len(),
        3,
        "t6, t7 and t100"
    );

    assert_eq!(store.prune_inbound(t(4))?, 4);
    assert_eq!(
        store.inbound_log(100, None)?.len(),
        InboundOutcome::ALL.len() + 1 - 4
    );
    assert_eq!(store.prune_inbound(t(4))?, 0);
    Ok(())
}

#[test]
fn processed_event_keys_make_events_idempotent() -> TestResult {
    let mut store = Store::open_in_memory()?;
    let id = store.insert_alert(&new_alert(ACME, 1, t(0)))?;
    // What the engine does per event: claim the key, then apply, atomically.
    let apply = |store: &mut Store, key: &str| {
        store.transaction(|tx| {
            if !tx.mark_processed(key, t(1))? {
                return Ok::<_, StoreError>(false);
            }
            tx.append_timeline(id, t(1), &TimelineKind::Appended, key)?;
            Ok(true)
        })
    };
    assert!(apply(&mut store, "ticket-1-action-9")?);
    assert!(!apply(&mut store, "ticket-1-action-9")?);
    assert_eq!(store.timeline(id)?.len(), 1);
    assert!(store.is_processed("ticket-1-action-9")?);
    assert!(!store.is_processed("ticket-1-action-10")?);

    assert!(store.mark_processed("later", t(100))?);
    assert_eq!(store.prune_processed(t(50))?, 1);
    assert!(!store.is_processed("ticket-1-action-9")?);
    assert!(store.is_processed("later")?);
    Ok(())
}

// ---- outbox ----------------------------------------------------------------------

fn item(kind: OutboxKind, at: DateTime<Utc>) -> NewOutboxItem {
    NewOutboxItem {
        created_at: at,
        kind,
        instance: ACME.to_owned(),
        alert_id: None,
        ticket_id: 42,
        payload_json: r#"{"note":"Acknowledged in Halo Notifier"}"#.to_owned(),
    }
}

#[test]
fn outbox_lifecycle() -> TestResult {
    let store = Store::open_in_memory()?;
    assert_eq!(store.next_outbox_due()?, None);
    let take = store.enqueue(&item(OutboxKind::Take, t(0)))?;
    let note = store.enqueue(&item(OutboxKind::Note, t(1)))?;
    let close = store.enqueue(&item(OutboxKind::Close, t(2)))?;

    assert_eq!(store.next_outbox_due()?, Some(t(0)));
    assert!(store.due_outbox(t(-1), 10)?.is_empty());
    let due: Vec<_> = store
        .due_outbox(t(5), 10)?
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(due, vec![take, note, close]);
    assert_eq!(store.due_outbox(t(5), 1)?.len(), 1);

    // take: one transient failure, then success.
    store.outbox_failed_attempt(take, "HTTP 503", t(60))?;
    let row = store.outbox_item(take)?.expect("exists");
    assert_eq!(
        (row.state, row.attempts, row.next_attempt_at),
        (OutboxState::Pending, 1, t(60))
    );
    assert_eq!(row.last_error.as_deref(), Some("HTTP 503"));
    let due: Vec<_> = store
        .due_outbox(t(5), 10)?
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(due, vec![note, close], "take waits for its retry time");
    store.outbox_succeeded(take, t(61))?;
    let row = store.outbox_item(take)?.expect("exists");
    assert_eq!(
        (row.state, row.attempts, row.done_at),
        (OutboxState::Done, 2, Some(t(61)))
    );
    assert_eq!(row.last_error, None);

    // note: rejected for good.
    store.outbox_failed_permanently(note, "HTTP 403: missing edit:tickets", t(7))?;
    let row = store.outbox_item(note)?.expect("exists");
    assert_eq!(
        (row.state, row.attempts, row.done_at),
        (OutboxState::Failed, 1, Some(t(7)))
    );

    // Finished items cannot be finished again; unknown ids are named.
    assert!(matches!(
        store.outbox_succeeded(take, t(70)),
        Err(StoreError::OutboxNotPending {
            state: OutboxState::Done,
            ..
        })
    ));
    assert!(matches!(
        store.outbox_failed_attempt(note, "again", t(70)),
        Err(StoreError::OutboxNotPending {
            state: OutboxState::Failed,
            ..
        })
    ));
    assert!(matches!(
        store.outbox_failed_permanently(alert_store::OutboxId(999), "x", t(70)),
        Err(StoreError::OutboxNotFound(_))
    ));

    let ids = |s| -> Result<Vec<_>, StoreError> {
        Ok(store
            .outbox_items(s, 10)?
            .into_iter()
            .map(|o| o.id)
            .collect())
    };
    assert_eq!(ids(Some(OutboxState::Pending))?, vec![close]);
    assert_eq!(ids(Some(OutboxState::Done))?, vec![take]);
    assert_eq!(ids(Some(OutboxState::Failed))?, vec![note]);
    assert_eq!(ids(None)?, vec![take, note, close]);
    assert_eq!(store.next_outbox_due()?, Some(t(2)));

    assert_eq!(
        store.prune_outbox(t(62))?,
        2,
        "done and failed, never pending"
    );
    assert_eq!(ids(None)?, vec![close]);
    Ok(())
}

// ---- settings and poll state -----------------------------------------------------

#[test]
fn settings_and_poll_state() -> TestResult {
    let store = Store::open_in_memory()?;
    assert_eq!(store.setting("halo_url")?, None);
    store.set_setting("halo_url", ACME, t(0))?;
    store.set_setting("halo_url", GLOBEX, t(1))?;
    store.set_setting("snooze_minutes", "15", t(1))?;
    assert_eq!(store.setting("halo_url")?.as_deref(), Some(GLOBEX));
    assert_eq!(
        store.settings()?,
        vec![
            ("halo_url".to_owned(), GLOBEX.to_owned()),
            ("snooze_minutes".to_owned(), "15".to_owned())
        ]
    );
    assert!(store.delete_setting("snooze_minutes")?);
    assert!(!store.delete_setting("snooze_minutes")?);

    let err = store
        .set_setting("halo_client_secret", "s3cr3t", t(2))
        .expect_err("secret");
    assert!(matches!(err, StoreError::SecretRefused(_)), "{err}");
    assert_eq!(store.setting("halo_client_secret")?, None);

    assert_eq!(store.poll_state("last_delta_poll")?, None);
    store.set_poll_state("last_delta_poll", "2026-01-01T00:00:00Z")?;
    store.set_poll_state("last_delta_poll", "2026-01-01T00:01:00Z")?;
    assert_eq!(
        store.poll_state("last_delta_poll")?.as_deref(),
        Some("2026-01-01T00:01:00Z")
    );
    assert!(store.set_poll_state("refresh_token", "x").is_err());
    Ok(())
}

// ---- stats -----------------------------------------------------------------------

#[test]
fn stats_per_alert_and_per_priority() -> TestResult {
    let store = Store::open_in_memory()?;
    // (ticket, priority, created, acked after s, resolved after s)
    let plan = [
        (1, Some(1), 0, Some(60), Some(600)),
        (2, Some(1), 10, Some(120), Some(1200)),
        (3, Some(1), 20, Some(300), None),
        (4, Some(2), 30, None, Some(3600)),
        (5, None, 40, None, None),
        (6, Some(1), -100, Some(1), Some(2)), // before `since`
    ];
    for (ticket, priority, created, ack, resolve) in plan {
        let mut a = new_alert(ACME, ticket, t(created));
        a.priority_id = priority;
        let mut row = store.alert(store.insert_alert(&a)?)?.expect("exists");
        if let Some(s) = ack {
            row.state = AlertState::Acknowledged;
            row.acknowledged_at = Some(t(created + s));
        }
        if let Some(s) = resolve {
            row = resolved(row, t(created + s));
        }
        store.update_alert(&row)?;
    }

    let timings = store.alert_timings(t(0))?;
    assert_eq!(timings.len(), 5);
    let first = timings.first().expect("ticket 1");
    assert_eq!(first.time_to_ack, Some(Duration::from_secs(60)));
    assert_eq!(first.time_to_resolve, Some(Duration::from_secs(600)));
    assert_eq!(timings.get(3).map(|x| x.time_to_ack), Some(None));

    let stats = store.stats_by_priority(t(0))?;
    assert_eq!(
        stats.iter().map(|s| s.priority_id).collect::<Vec<_>>(),
        vec![None, Some(1), Some(2)]
    );
    let p1 = stats.get(1).expect("priority 1");
    assert_eq!((p1.alerts, p1.acknowledged, p1.resolved), (3, 3, 2));
    assert_eq!(p1.median_time_to_ack, Some(Duration::from_secs(120)));
    assert_eq!(p1.mean_time_to_ack, Some(Duration::from_secs(160)));
    assert_eq!(p1.median_time_to_resolve, Some(Duration::from_secs(900)));
    assert_eq!(p1.mean_time_to_resolve, Some(Duration::from_secs(900)));
    let p2 = stats.get(2).expect("priority 2");
    assert_eq!((p2.alerts, p2.acknowledged, p2.resolved), (1, 0, 1));
    assert_eq!(
        (p2.median_time_to_ack, p2.median_time_to_resolve),
        (None, Some(Duration::from_secs(3600)))
    );
    let none = stats.first().expect("no priority");
    assert_eq!(
        (
            none.alerts,
            none.mean_time_to_ack,
            none.mean_time_to_resolve
        ),
        (1, None, None)
    );
    Ok(())
}

// ---- transactions ----------------------------------------------------------------

#[test]
fn a_transaction_commits_whole_or_not_at_all() -> TestResult {
    let mut store = Store::open_in_memory()?;
    let id = store.transaction(|tx| {
        let id = tx.insert_alert(&new_alert(ACME, 1, t(0)))?;
        tx.append_timeline(id, t(0), &TimelineKind::Created, "")?;
        tx.set_cursor(id, &cursor(Some(t(0)), t(0)))?;
        Ok::<_, StoreError>(id)
    })?;
    assert_eq!(store.timeline(id)?.len(), 1);

    // An error halfway (here the one-open-alert rule) undoes the event.
    let err = store
        .transaction(|tx| {
            let id = tx.insert_alert(&new_alert(ACME, 2, t(1)))?;
            tx.append_timeline(id, t(1), &TimelineKind::Created, "")?;
            tx.insert_alert(&new_alert(ACME, 1, t(1)))?;
            Ok::<_, StoreError>(())
        })
        .expect_err("duplicate open alert");
    assert!(matches!(
        err,
        StoreError::OpenAlertExists { ticket_id: 1, .. }
    ));
    assert_eq!(store.latest_alert_for(ACME, 2)?, None);
    assert_eq!(store.list_alerts(AlertFilter::All, 10)?.len(), 1);

    // So does a panic, and the store stays usable afterwards.
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        let _ = store.transaction(|tx| {
            tx.insert_alert(&new_alert(ACME, 3, t(2)))?;
            panic!("engine bug mid-event");
            #[allow(unreachable_code)]
            Ok::<_, StoreError>(())
        });
    }));
    assert!(panicked.is_err());
    assert_eq!(store.latest_alert_for(ACME, 3)?, None);
    store.transaction(|tx| tx.insert_alert(&new_alert(ACME, 3, t(3))).map(drop))?;
    assert_eq!(store.count_open()?, 2);
    Ok(())
}

#[test]
fn a_second_connection_reads_while_the_first_writes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("alerts.db");
    let mut writer = Store::open(&path)?;
    let reader = Store::open(&path)?;
    writer.insert_alert(&new_alert(ACME, 1, t(0)))?;
    writer.transaction(|tx| {
        tx.insert_alert(&new_alert(ACME, 2, t(1)))?;
        // WAL: the reader is not blocked and sees only committed data.
        assert_eq!(reader.count_open()?, 1);
        Ok::<_, StoreError>(())
    })?;
    assert_eq!(reader.count_open()?, 2);
    Ok(())
}

/// The CLI and the app open the same database; the first start of both at
/// once must not fail because the other one is creating the schema.
#[test]
fn processes_opening_a_new_database_at_once_all_succeed() {
    for round in 0..10 {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("alerts.sqlite");
        let start = std::sync::Arc::new(std::sync::Barrier::new(6));
        let openers: Vec<_> = (0..6)
            .map(|_| {
                let (path, start) = (path.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    Store::open(&path).and_then(|s| s.schema_version())
                })
            })
            .collect();
        for opener in openers {
            let version = opener.join().expect("opener thread");
            assert_eq!(
                version.unwrap_or_else(|e| panic!("round {round}: {e}")),
                alert_store::SCHEMA_VERSION as i64
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn the_database_and_its_folder_are_readable_by_the_user_only() -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("halo-notifier");
    let path = dir.join("alerts.sqlite");
    // A folder another program left open to everyone is tightened too.
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut store = Store::open(&path)?;
    store.transaction(|tx| tx.set_setting("k", "v", t(0)))?;
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&path), 0o600);
    let wal = dir.join("alerts.sqlite-wal");
    if wal.exists() {
        assert_eq!(mode(&wal), 0o600);
    }
    drop(store);
    // An existing file someone loosened is tightened again on open.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    Store::open(&path)?;
    assert_eq!(mode(&path), 0o600);
    Ok(())
}

#[test]
fn an_outbox_item_in_flight_is_not_handed_out_twice() -> Result<(), StoreError> {
    let mut store = Store::open_in_memory()?;
    let id = store.enqueue(&item(OutboxKind::Note, t(0)))?;
    assert!(store.transaction(|tx| tx.claim_outbox(id, t(1)))?);
    // A second worker (or the CLI) finds nothing to send, and cannot claim it.
    assert!(store.due_outbox(t(2), 10)?.is_empty());
    assert!(!store.transaction(|tx| tx.claim_outbox(id, t(2)))?);
    let row = store.outbox_item(id)?.expect("item");
    assert_eq!(row.claimed_at, Some(t(1)));
    // Abandoned mid-send (the app stopped): due again after the lease.
    let later = t(1) + alert_store::CLAIM_LEASE;
    assert_eq!(store.due_outbox(later, 10)?.len(), 1);
    store.outbox_succeeded(id, later)?;
    assert_eq!(store.outbox_item(id)?.expect("item").claimed_at, None);
    Ok(())
}

#[test]
fn a_held_outbox_item_waits_for_the_user_then_resumes() -> Result<(), StoreError> {
    let store = Store::open_in_memory()?;
    let id = store.enqueue(&item(OutboxKind::Close, t(0)))?;
    store.claim_outbox(id, t(1))?;
    store.outbox_hold(id, "the credentials were refused")?;
    let row = store.outbox_item(id)?.expect("item");
    assert_eq!(row.state, OutboxState::Pending);
    assert_eq!(row.held.as_deref(), Some("the credentials were refused"));
    assert!(store.due_outbox(t(100), 10)?.is_empty());
    assert_eq!(store.next_outbox_due()?, None);
    assert_eq!(store.outbox_release_held(t(200))?, 1);
    let due = store.due_outbox(t(200), 10)?;
    assert_eq!((due.len(), due[0].held.clone()), (1, None));
    Ok(())
}
