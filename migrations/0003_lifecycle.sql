-- Subscription facts the access state needs (latest seen), kept per customer.
ALTER TABLE customers ADD COLUMN subscription_id TEXT;
ALTER TABLE customers ADD COLUMN subscription_status TEXT;
ALTER TABLE customers ADD COLUMN is_annual INTEGER;
