-- known_tickets is written for every changed ticket of a poll, and was the
-- largest single cost of a 10,000-ticket delta:
-- * As a WITHOUT ROWID table its ~600-byte rows moved around the primary-key
--   b-tree on every upsert; a rowid table with a unique key does not.
-- * The seen_at index cost a second write per upsert; pruning (hourly) now
--   scans the table instead.
-- * A ticket with an alert had its snapshot stored twice, here and in the
--   alert row. snapshot_json is now NULL when the ticket's most recent alert
--   holds the version, so changes to alerted tickets write only the alert.
CREATE TABLE known_tickets_new (
    id            INTEGER PRIMARY KEY,
    instance      TEXT    NOT NULL,
    ticket_id     INTEGER NOT NULL,
    seen_at       INTEGER NOT NULL,
    snapshot_json TEXT,                      -- NULL: see the latest alert's snapshot
    UNIQUE (instance, ticket_id)
) STRICT;

INSERT INTO known_tickets_new (instance, ticket_id, seen_at, snapshot_json)
    SELECT instance, ticket_id, seen_at, snapshot_json FROM known_tickets;

DROP TABLE known_tickets;
ALTER TABLE known_tickets_new RENAME TO known_tickets;
