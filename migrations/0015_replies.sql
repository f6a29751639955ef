-- Customer replies to recovery emails (issue 17). The case_replies table itself is in 0011.

-- Each email's Reply-To (the signed plus-tag address, or SUPPORT_EMAIL) and our own Message-ID, for GET /admin/outbox.
ALTER TABLE outbox ADD COLUMN reply_to TEXT;
ALTER TABLE outbox ADD COLUMN message_id TEXT;

-- Every recovery email we sent, by its Message-ID: a reply whose client dropped the plus-tag is matched to its case
-- through In-Reply-To / References.
CREATE TABLE sent_messages (
  message_id TEXT PRIMARY KEY,
  case_id TEXT,
  customer_id TEXT NOT NULL,
  sent_at INTEGER NOT NULL
);

-- One row per received message (a redelivered message is recognised by its Message-ID and acted on once);
-- forwarded_at: when it was forwarded to SUPPORT_EMAIL (once per message).
CREATE UNIQUE INDEX case_replies_message ON case_replies (message_id);
ALTER TABLE case_replies ADD COLUMN forwarded_at INTEGER;

-- The customer said they want to cancel (a reply): reminders stop; the team decides in Slack.
ALTER TABLE cases ADD COLUMN cancel_intent_at INTEGER;
