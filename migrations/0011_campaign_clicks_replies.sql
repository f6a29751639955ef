-- Shared schema for the campaign (issue 15), customer messages (16), replies (17) and attribution (18).
-- Written once up front so the parts built in parallel agree on names.

-- The campaign of a case. Days count from campaign_started_at (the case's first failure; for an invoice already
-- failing when the agent was installed, its first failed attempt). grace_until only moves later; it is frozen
-- when the final warning is sent (warned_at). paused_until: a promise to pay (a reply) pauses the campaign's
-- customer steps until then and moves grace_until by the pause. customer_zone: the IANA zone the send window
-- and the dates in emails use.
ALTER TABLE cases ADD COLUMN campaign_started_at INTEGER;
ALTER TABLE cases ADD COLUMN grace_until INTEGER;
ALTER TABLE cases ADD COLUMN warned_at INTEGER;
ALTER TABLE cases ADD COLUMN paused_until INTEGER;
ALTER TABLE cases ADD COLUMN customer_zone TEXT;

-- What recovered a case (set once, when it is recovered; a late event never changes it).
ALTER TABLE cases ADD COLUMN recovered_by TEXT;
ALTER TABLE cases ADD COLUMN recovered_amount INTEGER;
ALTER TABLE cases ADD COLUMN recovered_currency TEXT;

-- A person pressed the button of a link we sent (GET alone never counts: link scanners only GET).
-- kind: update (card-update landing page button) | unsubscribe.
CREATE TABLE link_clicks (
  id INTEGER PRIMARY KEY,
  case_id TEXT,
  customer_id TEXT NOT NULL,
  template TEXT,
  kind TEXT NOT NULL,
  clicked_at INTEGER NOT NULL
);
CREATE INDEX link_clicks_case ON link_clicks (case_id, clicked_at);
CREATE INDEX link_clicks_time ON link_clicks (clicked_at);

-- Customer replies to recovery emails. class: human | auto | forged. action: the reply tool called, or ignored.
CREATE TABLE case_replies (
  id INTEGER PRIMARY KEY,
  case_id TEXT,
  customer_id TEXT,
  message_id TEXT,
  event_id TEXT,
  received_at INTEGER NOT NULL,
  class TEXT NOT NULL CHECK (class IN ('human', 'auto', 'forged')),
  summary TEXT,
  action TEXT
);
CREATE INDEX case_replies_case ON case_replies (case_id, received_at);
