-- What recovered a case (issue 18), next to recovered_by / recovered_amount / recovered_currency of 0011. All set once,
-- in the same UPDATE that closes the case as recovered (a late event never changes them):
-- recovered_event_id: the event (or the agent's own pay-now) that recovered it; recovered_contacted: 1 when we had
-- been in touch before the payment (an email sent on the case, a person's action, a reply), 0 when it was
-- recovered with no contact; recovered_note: why that cause, in words (for the audit trail).
ALTER TABLE cases ADD COLUMN recovered_event_id TEXT;
ALTER TABLE cases ADD COLUMN recovered_contacted INTEGER;
ALTER TABLE cases ADD COLUMN recovered_note TEXT;

-- GET /admin/metrics sums recovered cases by when they were recovered (closed_at), over 30 and 90 days.
CREATE INDEX cases_closed ON cases (status, closed_at);
