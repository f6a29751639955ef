-- Decisions of one event are looked up within its customer (decisions_customer), so the per-event index, which
-- cost one billed row written on every decision, goes.
DROP INDEX IF EXISTS decisions_event;
