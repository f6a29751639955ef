-- Card-update links (issue 16): Stripe sessions opened per link token, for the "at most 5 per token per hour" rule.
-- token_key: SHA-256 of the token (the token itself is never stored). One row per session opened.
CREATE TABLE link_sessions (
  token_key TEXT NOT NULL,
  at INTEGER NOT NULL,
  case_id TEXT
);
CREATE INDEX link_sessions_token ON link_sessions (token_key, at);

-- Resend webhooks (email.bounced, email.complained, ...): each svix-id is acted on once.
CREATE TABLE resend_events (
  svix_id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  email_id TEXT,
  customer_id TEXT,
  outcome TEXT NOT NULL,
  received_at INTEGER NOT NULL
) WITHOUT ROWID;

-- A Resend webhook names the email by Resend's id, stored as the email side effect's request_id: found by it.
-- Partial: only sent emails carry a Resend id, so other side effects write no index entry.
CREATE INDEX side_effects_resend_id ON side_effects (request_id) WHERE kind = 'email' AND request_id IS NOT NULL;
