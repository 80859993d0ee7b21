-- An outbox item is claimed (marked in flight) in a transaction before it is
-- sent: a second worker never sends it too, and after a crash mid-send the
-- next attempt first checks whether Halo already has it.
ALTER TABLE outbox ADD COLUMN claimed_at INTEGER;

-- Why a pending item waits for the user (credentials revoked, permission
-- missing); NULL when it does not. Cleared when the credentials work again.
ALTER TABLE outbox ADD COLUMN held TEXT;
