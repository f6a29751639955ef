-- A side effect whose provider stored a failure under its idempotency key (Stripe replays a stored 500 for 24 h)
-- is looked up and, only when nothing happened, sent again under a key derived from the first: the attempt number.
ALTER TABLE side_effects ADD COLUMN key_attempt INTEGER NOT NULL DEFAULT 0;
