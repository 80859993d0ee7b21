-- The last version of each ticket the engine saw, alerted or not, so that
-- triggers compare against it across restarts ("assigned to me" fires when
-- the assignment changes, not whenever the app starts).
CREATE TABLE known_tickets (
    instance      TEXT    NOT NULL,
    ticket_id     INTEGER NOT NULL,
    seen_at       INTEGER NOT NULL,
    snapshot_json TEXT    NOT NULL,
    PRIMARY KEY (instance, ticket_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX known_tickets_seen_at ON known_tickets (seen_at);
