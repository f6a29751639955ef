-- The agent's own payment attempts per card (one-off retries, the pay-now after a card update), so it never passes
-- the networks' reattempt limits (Visa: 15 in 30 days per card; the agent's default cap is lower). Keyed by the
-- attempt's idempotency key: a replayed attempt is counted once.
CREATE TABLE card_retries (
  idempotency_key TEXT PRIMARY KEY,
  payment_method_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX card_retries_card ON card_retries (payment_method_id, at);
