-- 001_initial.sql: the first schema of the alert store.
--
-- Conventions, so every query can rely on them:
-- * Timestamps are unix epoch milliseconds, UTC, as INTEGER: cheap to index and
--   compare, immune to time-zone formatting drift, and one type everywhere.
-- * Tables are STRICT, so a wrongly typed value (say an RFC 3339 string in a
--   timestamp column) is refused instead of silently stored.
-- * There is deliberately no column for credentials: secrets live in the OS
--   keyring, never in this file.
-- * Enumerated columns are checked with OR-ed equalities, not `IN (...)`:
--   SQLite builds a temporary lookup table for an IN list on every row it
--   checks, which measured at ~5 us per insert, the largest single cost of a
--   10,000-ticket batch.

-- One row per alert, GoAlert style: the alert's own state lives here, how far
-- its escalation has got lives in escalation_cursors, what happened to it in
-- alert_timeline.
CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY,
    instance        TEXT    NOT NULL,            -- Halo web URL the ticket belongs to
    ticket_id       INTEGER NOT NULL,
    state           TEXT    NOT NULL
        CHECK (state = 'triggered' OR state = 'acknowledged' OR state = 'snoozed'
               OR state = 'resolved'),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    acknowledged_at INTEGER,
    acknowledged_by TEXT,
    snoozed_until   INTEGER,
    resolved_at     INTEGER,
    resolve_reason  TEXT,
    priority_id     INTEGER,
    team_name       TEXT,
    summary         TEXT    NOT NULL,
    snapshot_json   TEXT    NOT NULL,            -- normalised ticket snapshot, opaque to the store
    policy_json     TEXT    NOT NULL,            -- escalation policy frozen at trigger time, opaque
    trigger_reason  TEXT    NOT NULL,            -- why the alert was raised
    -- A state without the timestamp that explains it would break stats and
    -- the "unsnooze at" wake-up, so the database refuses it outright.
    CHECK (state <> 'acknowledged' OR acknowledged_at IS NOT NULL),
    CHECK (state <> 'snoozed' OR snoozed_until IS NOT NULL),
    CHECK (state <> 'resolved' OR resolved_at IS NOT NULL)
) STRICT;

-- The one-open-alert-per-ticket rule, enforced by the database so no engine
-- bug or race can ever double-page a technician for the same ticket.
CREATE UNIQUE INDEX alerts_one_open_per_ticket
    ON alerts (instance, ticket_id) WHERE state <> 'resolved';

-- Finds the latest alert of a ticket, resolved ones included (for reopen).
CREATE INDEX alerts_by_ticket ON alerts (instance, ticket_id);

-- Append-only history of an alert.
CREATE TABLE alert_timeline (
    id       INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    at       INTEGER NOT NULL,
    kind     TEXT    NOT NULL,
    detail   TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX alert_timeline_by_alert ON alert_timeline (alert_id);

-- History is evidence ("who acknowledged, when were we paged"); rewriting it
-- is always a bug. Deleting stays possible so retention can cascade.
CREATE TRIGGER alert_timeline_append_only
BEFORE UPDATE ON alert_timeline
BEGIN
    SELECT RAISE(ABORT, 'alert_timeline is append-only');
END;

-- Where each alert's escalation stands. next_at NULL means the policy is
-- exhausted: nothing more to send until something changes.
CREATE TABLE escalation_cursors (
    alert_id   INTEGER PRIMARY KEY REFERENCES alerts (id) ON DELETE CASCADE,
    step       INTEGER NOT NULL CHECK (step >= 0),
    repeat     INTEGER NOT NULL CHECK (repeat >= 0),
    loops      INTEGER NOT NULL CHECK (loops >= 0),
    next_at    INTEGER,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX escalation_cursors_next_at ON escalation_cursors (next_at);

-- Everything that came in and what the engine made of it, for the
-- "why did / didn't I get paged" view. Pruned by age.
CREATE TABLE inbound_log (
    id              INTEGER PRIMARY KEY,
    received_at     INTEGER NOT NULL,
    source          TEXT    NOT NULL,            -- poll / reconcile / webhook:<kind> / test
    ticket_id       INTEGER,
    event_key       TEXT,
    outcome         TEXT    NOT NULL
        CHECK (outcome = 'created' OR outcome = 'appended' OR outcome = 'resolved'
               OR outcome = 'reopened' OR outcome = 'duplicate' OR outcome = 'filtered'
               OR outcome = 'ignored' OR outcome = 'rejected'),
    reason          TEXT    NOT NULL DEFAULT '',
    payload_excerpt TEXT
        CHECK (payload_excerpt IS NULL OR length(CAST(payload_excerpt AS BLOB)) <= 4096)
) STRICT;

CREATE INDEX inbound_log_received_at ON inbound_log (received_at);

-- Idempotency keys: an event seen twice (webhook retried, webhook then poll)
-- changes nothing the second time.
CREATE TABLE processed_events (
    event_key TEXT    PRIMARY KEY,
    at        INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX processed_events_at ON processed_events (at);

-- Calls to make to Halo (take, note, close, ...), written in the same
-- transaction as the decision that needs them, so a crash can neither lose
-- nor invent one. A worker drains it with retries.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    created_at      INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    instance        TEXT    NOT NULL,            -- which Halo to call; alert_id may be NULL
    alert_id        INTEGER REFERENCES alerts (id) ON DELETE SET NULL,
    ticket_id       INTEGER NOT NULL,
    payload_json    TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state = 'pending' OR state = 'done' OR state = 'failed'),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    done_at         INTEGER,
    -- Finished items say when they finished; pending ones cannot.
    CHECK ((state = 'pending') = (done_at IS NULL))
) STRICT;

CREATE INDEX outbox_pending_due ON outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_by_alert ON outbox (alert_id);

-- Non-secret user settings.
CREATE TABLE settings (
    key        TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Poller bookkeeping (last delta poll, last reconcile, ...), kept apart from
-- settings so "reset settings" never forces a full re-poll.
CREATE TABLE poll_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
