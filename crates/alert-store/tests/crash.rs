//! Crash safety: a writer process is SIGKILLed mid-stream (several times, on
//! the same file) and the database must come back intact, holding every event
//! the writer reported committed and no event in part.

use std::error::Error;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use alert_store::{
    CursorRow, InboundEntry, InboundOutcome, InboundSource, NewAlert, NewOutboxItem, Store,
    StoreError, StoreTx, TimelineKind,
};
use chrono::{DateTime, Utc};

type TestResult = Result<(), Box<dyn Error>>;

/// Set in the child: the database path it writes to.
const CHILD_DB: &str = "ALERT_STORE_CRASH_CHILD_DB";
/// Set in the child: which kill round it is, to keep ticket ids unique.
const CHILD_ROUND: &str = "ALERT_STORE_CRASH_CHILD_ROUND";
/// Set in the child: the batch in which to stop just before committing.
const CHILD_FREEZE_AT: &str = "ALERT_STORE_CRASH_CHILD_FREEZE_AT";
/// Alerts per transaction: one "event" touching many rows.
const BATCH: i64 = 40;
/// Safety stop for a child whose parent vanished.
const MAX_BATCHES: i64 = 100_000;
/// Snapshot size in the frozen batch: 40 x 512 KiB is more than the store's
/// 16 MiB page cache, so SQLite spills pages into the WAL file before the
/// commit. The kill then leaves real uncommitted frames on disk that
/// recovery must ignore, not merely lost memory.
const BIG_PADDING: usize = 512 * 1024;

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_767_225_600_000 + ms).unwrap_or_default()
}

/// Per alert: the alert, its `created` timeline row, its cursor, an inbound
/// log line, an idempotency key and an outbox item.
fn write_rows(tx: &StoreTx<'_>, ticket_id: i64, padding: usize) -> Result<(), StoreError> {
    let now = at(ticket_id);
    let id = tx.insert_alert(&NewAlert {
        instance: "https://acme.halopsa.com".to_owned(),
        ticket_id,
        created_at: now,
        priority_id: Some(1),
        team_name: Some("Service Desk".to_owned()),
        summary: format!("Ticket {ticket_id}"),
        snapshot_json: format!(
            r#"{{"id":{ticket_id},"padding":"{}"}}"#,
            "x".repeat(padding)
        ),
        policy_json: r#"{"steps":[{"after":"0m"},{"after":"5m"}]}"#.to_owned(),
        trigger_reason: "crash test".to_owned(),
    })?;
    tx.append_timeline(id, now, &TimelineKind::Created, "{}")?;
    tx.set_cursor(
        id,
        &CursorRow {
            step: 0,
            repeat: 0,
            loops: 0,
            next_at: Some(now),
            updated_at: now,
        },
    )?;
    tx.log_inbound(&InboundEntry {
        received_at: now,
        source: InboundSource::Test,
        ticket_id: Some(ticket_id),
        event_key: Some(format!("ev-{ticket_id}")),
        outcome: InboundOutcome::Created,
        reason: "crash test".to_owned(),
        payload_excerpt: None,
    })?;
    tx.mark_processed(&format!("ev-{ticket_id}"), now)?;
    tx.enqueue(&NewOutboxItem {
        created_at: now,
        kind: alert_store::OutboxKind::Note,
        instance: "https://acme.halopsa.com".to_owned(),
        alert_id: Some(id),
        ticket_id,
        payload_json: "{}".to_owned(),
    })?;
    Ok(())
}

/// The child side: writes batches forever, printing a line after each commit.
/// A no-op in a normal test run.
#[test]
fn crash_writer_child() -> TestResult {
    let Some(db) = std::env::var_os(CHILD_DB) else {
        return Ok(());
    };
    let round: i64 = std::env::var(CHILD_ROUND)?.parse()?;
    let freeze_at: Option<i64> = std::env::var(CHILD_FREEZE_AT)
        .ok()
        .and_then(|v| v.parse().ok());
    let mut store = Store::open(Path::new(&db))?;
    let mut out = std::io::stdout().lock();
    for batch in 0..MAX_BATCHES {
        let freeze = freeze_at == Some(batch);
        let padding = if freeze { BIG_PADDING } else { 512 };
        store.transaction(|tx| {
            for i in 0..BATCH {
                write_rows(tx, round * 10_000_000 + batch * BATCH + i, padding)?;
            }
            if freeze {
                // Everything written, nothing committed: tell the parent and
                // block on stdin (which it never writes) until killed.
                writeln!(out, "inside {batch}")?;
                out.flush()?;
                std::io::stdin().read_line(&mut String::new())?;
            }
            Ok::<_, Box<dyn Error>>(())
        })?;
        // Only after commit returned: the parent counts these as durable.
        writeln!(out, "committed {batch}")?;
        out.flush()?;
    }
    Ok(())
}

fn count(conn: &rusqlite::Connection, sql: &str) -> Result<i64, rusqlite::Error> {
    conn.query_row(sql, [], |r| r.get(0))
}

/// Frames in the WAL file after its last commit frame (of the current WAL
/// generation): pages of a transaction that never committed.
fn uncommitted_wal_frames(wal: &[u8]) -> usize {
    let be32 = |at: usize| {
        wal.get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let (Some(page_size), Some(salt1), Some(salt2)) = (be32(8), be32(16), be32(20)) else {
        return 0;
    };
    let frame_len = 24 + page_size as usize;
    let mut since_commit = 0;
    let mut offset = 32;
    while offset + frame_len <= wal.len() {
        // A frame belongs to this generation only if its salts match.
        if be32(offset + 8) != Some(salt1) || be32(offset + 12) != Some(salt2) {
            break;
        }
        let commit_size = be32(offset + 4).unwrap_or(0);
        since_commit = if commit_size != 0 {
            0
        } else {
            since_commit + 1
        };
        offset += frame_len;
    }
    since_commit
}

fn child_stderr(child: &mut Child) -> String {
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    err
}

#[test]
fn sigkill_mid_write_leaves_whole_events_only() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("alerts.db");
    let wal = dir.path().join("alerts.db-wal");
    let exe = std::env::current_exe()?;
    // Batches known to be in the file before each round starts.
    let mut durable = 0_i64;

    for round in 0..4_i64 {
        // Rounds 0 and 1: kill right after the N-th commit line, wherever the
        // child then is (almost always inside the next transaction). Rounds 2
        // and 3: kill the child frozen inside a spilled, uncommitted batch.
        let frozen = round >= 2;
        let wanted = 10 + round * 7;
        let mut cmd = Command::new(&exe);
        cmd.args([
            "crash_writer_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DB, &db)
        .env(CHILD_ROUND, round.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        if frozen {
            cmd.env(CHILD_FREEZE_AT, wanted.to_string());
        }
        let mut child = cmd.spawn()?;
        let stdout = child.stdout.take().ok_or("no child stdout")?;
        let mut seen = 0;
        let mut inside = false;
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            // `contains`: libtest may print "test crash_writer_child ... "
            // without a newline just before the child's first line.
            if line.contains("committed ") {
                seen += 1;
                if !frozen && seen == wanted {
                    break;
                }
            } else if line.contains("inside ") {
                inside = true;
                break;
            }
        }
        child.kill()?; // SIGKILL on Unix, TerminateProcess on Windows
        let status = child.wait()?;
        if seen < wanted || frozen != inside {
            let err = child_stderr(&mut child);
            return Err(format!("child stopped after {seen} commits ({status}): {err}").into());
        }
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(
                status.signal(),
                Some(9),
                "child must die by SIGKILL, got {status}"
            );
        }
        if frozen {
            let frames = uncommitted_wal_frames(&std::fs::read(&wal)?);
            assert!(
                frames > 0,
                "the frozen transaction should have spilled into the WAL"
            );
        }

        // The store reopens (recovering from the WAL) and is consistent.
        let store = Store::open(&db)?;
        assert_eq!(store.integrity_check()?, vec!["ok".to_owned()]);
        drop(store);
        let conn = rusqlite::Connection::open(&db)?;
        assert_eq!(
            count(&conn, "SELECT count(*) FROM pragma_foreign_key_check")?,
            0
        );

        let alerts = count(&conn, "SELECT count(*) FROM alerts")?;
        assert_eq!(
            alerts % BATCH,
            0,
            "a partial batch survived: {alerts} alerts"
        );
        let batches = alerts / BATCH;
        assert!(
            batches >= durable + seen,
            "lost committed work: {batches} batches, {} reported",
            durable + seen
        );
        if frozen {
            assert_eq!(
                batches,
                durable + seen,
                "the uncommitted batch must vanish whole"
            );
        }
        let orphans = count(
            &conn,
            "SELECT count(*) FROM alerts a \
             WHERE NOT EXISTS (SELECT 1 FROM alert_timeline t WHERE t.alert_id = a.id AND t.kind = 'created') \
                OR NOT EXISTS (SELECT 1 FROM escalation_cursors c WHERE c.alert_id = a.id) \
                OR NOT EXISTS (SELECT 1 FROM outbox o WHERE o.alert_id = a.id)",
        )?;
        assert_eq!(
            orphans, 0,
            "alerts missing their timeline, cursor or outbox rows"
        );
        for table in [
            "alert_timeline",
            "escalation_cursors",
            "inbound_log",
            "processed_events",
            "outbox",
        ] {
            let n = count(&conn, &format!("SELECT count(*) FROM {table}"))?;
            assert_eq!(n, alerts, "{table} out of step with alerts");
        }
        // What survived may include batches committed after the last line
        // read; the next round builds on that.
        durable = batches;
    }
    Ok(())
}
