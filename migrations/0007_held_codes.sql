-- Decline codes of PaymentIntent/charge failures whose invoice case does not exist yet (Stripe usually sends the
-- PaymentIntent event first, and current payloads do not name the invoice). The invoice case takes the code over
-- when its own event arrives: by invoice id when the older payload shape or Stripe named it, else (no Stripe key)
-- by the same customer, currency and amount.
CREATE TABLE held_codes (
  payment_id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL,
  invoice_id TEXT,
  amount INTEGER,
  currency TEXT,
  reason TEXT,
  decline_code TEXT,
  event_id TEXT NOT NULL,
  held_at INTEGER NOT NULL,
  taken_by TEXT
) WITHOUT ROWID;
CREATE INDEX held_codes_customer ON held_codes (customer_id, held_at);
