-- Recovery Agent ledger. Times are epoch milliseconds.
-- D1 bills every row written, index entries included: tables carry only the indexes a query needs, and
-- rowid keys without AUTOINCREMENT (which would write sqlite_sequence on every insert), and tables keyed by a
-- text id are WITHOUT ROWID (the primary key is the table; no second copy of the key in an automatic index).

-- Every accepted event: the audit trail. status: claimed -> decided | parked | dead_lettered
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  case_id TEXT,
  livemode INTEGER NOT NULL DEFAULT 0,
  occurred_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('claimed', 'decided', 'parked', 'dead_lettered')),
  status_reason TEXT,
  claim_token TEXT,
  claimed_at INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  context TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX events_customer ON events (customer_id, occurred_at);
-- No index on status: every index entry is a billed row written on claim and again on finish, while only the
-- rare admin resume looks events up by status (a scan, billed as cheap rows read).

-- Recovery cases: one per failed invoice or one-off PaymentIntent.
CREATE TABLE cases (
  id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('invoice', 'payment_intent')),
  invoice_id TEXT,
  payment_intent_id TEXT,
  subscription_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('open', 'recovered', 'lost')),
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
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX cases_customer ON cases (customer_id, status);
CREATE INDEX cases_status ON cases (status, opened_at);

-- Payment ids attributed to a case (PaymentIntents / charges of a failed invoice).
CREATE TABLE case_payments (
  payment_id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL
) WITHOUT ROWID;

-- Decisions: one per decided event (and per human action from Slack).
CREATE TABLE decisions (
  id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  case_id TEXT,
  customer_id TEXT NOT NULL,
  decided_by TEXT NOT NULL,
  model TEXT,
  tool TEXT,
  args TEXT,
  template_id TEXT,
  validation TEXT NOT NULL,
  reason TEXT,
  rule TEXT,
  mode TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT,
  model_output TEXT,
  shadow_tool TEXT,
  shadow_args TEXT,
  shadow_agree INTEGER,
  latency_ms INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX decisions_event ON decisions (event_id);
CREATE INDEX decisions_customer ON decisions (customer_id, created_at);

-- Side effects: intent recorded before the call, outcome after.
CREATE TABLE side_effects (
  id INTEGER PRIMARY KEY,
  decision_id INTEGER,
  event_id TEXT NOT NULL,
  case_id TEXT,
  customer_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  provider TEXT NOT NULL,
  operation TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  request_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'unclear')),
  detail TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX side_effects_customer ON side_effects (customer_id, created_at);

-- Customers: what the ledger knows (segment inputs, lifetime value, state label).
CREATE TABLE customers (
  id TEXT PRIMARY KEY,
  first_seen_at INTEGER NOT NULL,
  paid_invoices INTEGER NOT NULL DEFAULT 0,
  lifetime_value INTEGER NOT NULL DEFAULT 0,
  ltv_currency TEXT,
  last_successful_payment_at INTEGER,
  first_paid_at INTEGER,
  -- Paid invoices up to this paid_at were counted by the one-time backfill from Stripe (null: not backfilled).
  backfilled_until INTEGER,
  state_label TEXT,
  state_note TEXT,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Successful payments counted into lifetime value, once each.
CREATE TABLE payments (
  id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL,
  amount INTEGER NOT NULL,
  currency TEXT NOT NULL,
  paid_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Authoritative 24 h email throttle: one row per customer, claimed atomically.
CREATE TABLE email_throttle (
  customer_id TEXT PRIMARY KEY,
  last_sent_at INTEGER NOT NULL,
  event_id TEXT NOT NULL
) WITHOUT ROWID;

-- Winback offers (90-day cap per customer).
CREATE TABLE winbacks (
  id INTEGER PRIMARY KEY,
  customer_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  case_id TEXT,
  percent_off INTEGER NOT NULL,
  valid_days INTEGER NOT NULL,
  coupon_id TEXT,
  promo_code TEXT,
  offered_at INTEGER NOT NULL
);
CREATE INDEX winbacks_customer ON winbacks (customer_id, offered_at);

-- Local outbox: emails and Slack messages when no provider is configured (and the demo).
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('email', 'slack')),
  recipient TEXT NOT NULL,
  subject TEXT,
  html TEXT,
  text TEXT,
  blocks TEXT,
  template_id TEXT,
  event_id TEXT,
  case_id TEXT,
  customer_id TEXT,
  idempotency_key TEXT UNIQUE,
  created_at INTEGER NOT NULL
);

-- Deferred work: throttled emails to reconsider, one-off PaymentIntent retries, next-day winbacks.
CREATE TABLE scheduled_jobs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  case_id TEXT,
  customer_id TEXT NOT NULL,
  due_at INTEGER NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'enqueued', 'done', 'canceled')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX scheduled_jobs_due ON scheduled_jobs (status, due_at);

-- Slack interactions handled once each (Slack retries).
CREATE TABLE slack_actions (
  id TEXT PRIMARY KEY,
  case_id TEXT,
  action TEXT NOT NULL,
  user_name TEXT,
  result TEXT,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Access state history for GET /v1/access/:customerId.
CREATE TABLE access_changes (
  id INTEGER PRIMARY KEY,
  customer_id TEXT NOT NULL,
  state TEXT NOT NULL,
  grace_until INTEGER,
  reason TEXT,
  event_id TEXT,
  changed_at INTEGER NOT NULL
);
CREATE INDEX access_changes_customer ON access_changes (customer_id, changed_at);

-- API keys for /v1 (stored hashed).
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  key_hash TEXT NOT NULL UNIQUE,
  label TEXT,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
) WITHOUT ROWID;

-- Alerts sent at most once per period (e.g. the daily "unknown reasons" alert).
CREATE TABLE alerts (
  kind TEXT NOT NULL,
  period TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  PRIMARY KEY (kind, period)
) WITHOUT ROWID;
