-- Team labels: restrictions the agent must honour and can never set or clear. One entry per customer and source
-- (the admin route, the Stripe customer's `recovery_agent_label` metadata, the unsubscribe link, email bounces),
-- so removing one source's entry never lifts another's. The agent's own recovery state stays in
-- customers.state_label (at_risk, recovering, recovered, lost).
CREATE TABLE customer_labels (
  customer_id TEXT NOT NULL,
  set_by TEXT NOT NULL CHECK (set_by IN ('admin', 'stripe_metadata', 'unsubscribe', 'bounce')),
  label TEXT NOT NULL CHECK (label IN ('paused', 'do_not_contact', 'email_undeliverable', 'no_offers')),
  note TEXT,
  at INTEGER NOT NULL,
  PRIMARY KEY (customer_id, set_by)
) WITHOUT ROWID;

-- Labels the agent's own tool used to write into the state field become team labels, so no restriction is lost.
INSERT INTO customer_labels (customer_id, set_by, label, note, at)
  SELECT id, 'admin', state_label, COALESCE(state_note, 'moved from the agent state field'), updated_at
  FROM customers WHERE state_label IN ('paused', 'do_not_contact');
UPDATE customers SET state_label = NULL, state_note = NULL WHERE state_label IN ('paused', 'do_not_contact');

-- The first escalation message of a case: later escalations of the same case go into its thread.
ALTER TABLE cases ADD COLUMN slack_thread_ts TEXT;
