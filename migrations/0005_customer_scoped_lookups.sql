-- Lookups on the consumer's hot path stay within one customer:
-- * a customer's open cases in opening order (access state, card updates): with
--   (customer_id, status) alone SQLite chose cases_status for the ORDER BY and walked every open case;
-- * a customer's recorded payments (lifetime-value backfill): payments were keyed by id only, so the lookup
--   scanned every payment. Keyed by (customer_id, id) now; a payment id belongs to one customer.
-- Same number of index entries per row as before, so no extra rows written.
DROP INDEX IF EXISTS cases_customer;
CREATE INDEX cases_customer ON cases (customer_id, status, opened_at);

CREATE TABLE payments_by_customer (
  customer_id TEXT NOT NULL,
  id TEXT NOT NULL,
  amount INTEGER NOT NULL,
  currency TEXT NOT NULL,
  paid_at INTEGER NOT NULL,
  PRIMARY KEY (customer_id, id)
) WITHOUT ROWID;
INSERT INTO payments_by_customer (customer_id, id, amount, currency, paid_at) SELECT customer_id, id, amount, currency, paid_at FROM payments;
DROP TABLE payments;
ALTER TABLE payments_by_customer RENAME TO payments;
