-- Delivery of each access change to ACCESS_WEBHOOK_URL. webhook_state: NULL (no URL configured when it changed:
-- never sent), 'pending' (to enqueue; the cron re-enqueues one whose enqueue failed), 'queued', 'delivered',
-- 'failed' (retries exhausted: the dead-letter consumer), 'held' (kill switch off: re-enqueued by the cron once it is
-- on again). The row id is the notice's `id`, so a receiver can drop a notice it already applied.
ALTER TABLE access_changes ADD COLUMN webhook_state TEXT;
ALTER TABLE access_changes ADD COLUMN webhook_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE access_changes ADD COLUMN webhook_error TEXT;
ALTER TABLE access_changes ADD COLUMN webhook_delivered_at INTEGER;
-- The cron's look-up of notices to (re-)enqueue reads only the few rows in these states.
CREATE INDEX access_changes_webhook ON access_changes (webhook_state, changed_at) WHERE webhook_state IN ('pending', 'held');
