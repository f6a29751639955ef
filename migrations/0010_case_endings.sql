-- A case can end in more ways than recovered or lost: its invoice was voided or marked uncollectible, or its one-off
-- PaymentIntent was canceled. SQLite cannot change a CHECK constraint in place: the table is rebuilt (same columns,
-- same indexes). `paused_at` marks a case whose campaign a dispute paused (a person decides what happens next).
CREATE TABLE cases_new (
  id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('invoice', 'payment_intent')),
  invoice_id TEXT,
  payment_intent_id TEXT,
  subscription_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('open', 'recovered', 'lost', 'voided', 'uncollectible', 'canceled')),
  reason TEXT,
  decline_code TEXT,
  amount INTEGER,
  currency TEXT,
  attempt_count INTEGER,
  failures INTEGER NOT NULL DEFAULT 0,
  is_annual INTEGER,
  plan_tier TEXT,
  livemode INTEGER NOT NULL DEFAULT 0,
  hosted_invoice_url TEXT,
  opened_at INTEGER NOT NULL,
  closed_at INTEGER,
  close_reason TEXT,
  next_step TEXT,
  escalated_at INTEGER,
  escalation_resolved_at INTEGER,
  last_event_id TEXT,
  updated_at INTEGER NOT NULL,
  slack_thread_ts TEXT,
  paused_at INTEGER
) WITHOUT ROWID;
INSERT INTO cases_new (id, customer_id, kind, invoice_id, payment_intent_id, subscription_id, status, reason, decline_code, amount, currency,
  attempt_count, failures, is_annual, plan_tier, livemode, hosted_invoice_url, opened_at, closed_at, close_reason, next_step, escalated_at,
  escalation_resolved_at, last_event_id, updated_at, slack_thread_ts)
SELECT id, customer_id, kind, invoice_id, payment_intent_id, subscription_id, status, reason, decline_code, amount, currency,
  attempt_count, failures, is_annual, plan_tier, livemode, hosted_invoice_url, opened_at, closed_at, close_reason, next_step, escalated_at,
  escalation_resolved_at, last_event_id, updated_at, slack_thread_ts FROM cases;
DROP TABLE cases;
ALTER TABLE cases_new RENAME TO cases;
CREATE INDEX cases_customer ON cases (customer_id, status, opened_at);
CREATE INDEX cases_status ON cases (status, opened_at);
