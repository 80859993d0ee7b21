-- An outbox item is claimed (marked in flight) in a transaction before it is
-- sent: a second worker never sends it too, and after a crash mid-send the
-- next attempt first checks whether Halo already has it. `held` says why a
-- pending item waits for the user (credentials revoked, permission missing).
-- A side table rather than new outbox columns: creating it is idempotent, so
-- two processes migrating a new file at once cannot trip over each other.
CREATE TABLE IF NOT EXISTS outbox_claims (
    outbox_id  INTEGER PRIMARY KEY REFERENCES outbox (id) ON DELETE CASCADE,
    claimed_at INTEGER,
    held       TEXT
) STRICT;
