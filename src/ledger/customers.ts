/** @module ledger/customers — what the ledger knows about a customer: payments, lifetime value, state label. */

export interface CustomerRow {
  id: string;
  first_seen_at: number;
  paid_invoices: number;
  lifetime_value: number;
  ltv_currency: string | null;
  last_successful_payment_at: number | null;
  first_paid_at: number | null;
  backfilled_until: number | null;
  state_label: string | null;
  state_note: string | null;
  updated_at: number;
}

const customerRowStatement = (db: D1Database, id: string) => db.prepare(`SELECT * FROM customers WHERE id = ?1`).bind(id);
const lostCaseStatement = (db: D1Database, customerId: string) => db.prepare(`SELECT 1 AS x FROM cases WHERE customer_id = ?1 AND status = 'lost' LIMIT 1`).bind(customerId);

export async function getCustomer(db: D1Database, id: string): Promise<CustomerRow | null> {
  return customerRowStatement(db, id).first<CustomerRow>();
}

/**
 * Creates the customer row on first sight; returns it and whether it is new. A known customer (the common case)
 * costs one read; a new one a read and an insert.
 */
export async function ensureCustomer(db: D1Database, id: string, now: number): Promise<{ row: CustomerRow; created: boolean }> {
  const known = await getCustomer(db, id);
  if (known) return { row: known, created: false };
  const created = await db
    .prepare(`INSERT INTO customers (id, first_seen_at, updated_at) VALUES (?1, ?2, ?2) ON CONFLICT (id) DO NOTHING RETURNING *`)
    .bind(id, now)
    .first<CustomerRow>();
  if (created) return { row: created, created: true };
  // Created concurrently between the read and the insert.
  const row = await getCustomer(db, id);
  if (!row) throw new Error(`customer ${id} vanished`);
  return { row, created: false };
}

/**
 * Counts a successful payment into lifetime value, once per payment id. Lifetime value is kept in the
 * currency of the customer's first payment; payments in another currency count as paid but not into the sum.
 */
export async function recordPayment(
  db: D1Database,
  p: { id: string; customerId: string; amount: number; currency: string; paidAt: number },
  now: number,
): Promise<boolean> {
  const currency = p.currency.toLowerCase();
  const results = await db.batch([
    db.prepare(`INSERT INTO customers (id, first_seen_at, updated_at) VALUES (?1, ?2, ?2) ON CONFLICT (id) DO NOTHING`).bind(p.customerId, now),
    // Not counted again when the one-time backfill already covered it.
    db
      .prepare(
        `INSERT INTO payments (id, customer_id, amount, currency, paid_at)
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM customers WHERE id = ?2 AND backfilled_until >= ?5)
         ON CONFLICT (customer_id, id) DO NOTHING RETURNING id`,
      )
      .bind(p.id, p.customerId, p.amount, currency, p.paidAt),
  ]);
  const inserted = (results[1]?.results?.length ?? 0) > 0;
  if (!inserted) return false;
  await db
    .prepare(
      `UPDATE customers SET paid_invoices = paid_invoices + 1,
         ltv_currency = COALESCE(ltv_currency, ?2),
         lifetime_value = lifetime_value + CASE WHEN COALESCE(ltv_currency, ?2) = ?2 THEN ?3 ELSE 0 END,
         last_successful_payment_at = MAX(COALESCE(last_successful_payment_at, 0), ?4),
         first_paid_at = MIN(COALESCE(first_paid_at, ?4), ?4),
         updated_at = ?5
       WHERE id = ?1`,
    )
    .bind(p.customerId, currency, p.amount, p.paidAt, now)
    .run();
  return true;
}

export interface BackfillPayment {
  id: string;
  amount: number;
  currency: string;
  paidAt: number;
}

/**
 * Counts a customer's paid history from Stripe in one write: the sums go on the customer row and the newest
 * paid_at becomes the watermark, so a later event for one of these invoices is not counted twice. Payments
 * the ledger already holds (seen as events before the backfill) are left out of the sums.
 */
export async function recordBackfill(db: D1Database, customerId: string, paid: readonly BackfillPayment[], now: number): Promise<void> {
  const known = new Set(
    (await db.prepare(`SELECT id FROM payments WHERE customer_id = ?1`).bind(customerId).all<{ id: string }>()).results.map((r) => r.id),
  );
  const fresh = paid.filter((p) => !known.has(p.id)).sort((a, b) => a.paidAt - b.paidAt);
  const row = await getCustomer(db, customerId);
  const currency = row?.ltv_currency ?? fresh[0]?.currency.toLowerCase() ?? null;
  const sum = fresh.filter((p) => p.currency.toLowerCase() === currency).reduce((t, p) => t + p.amount, 0);
  const first = fresh[0]?.paidAt ?? null;
  const last = fresh.at(-1)?.paidAt ?? null;
  const watermark = Math.max(0, ...paid.map((p) => p.paidAt));
  await db
    .prepare(
      `UPDATE customers SET paid_invoices = paid_invoices + ?2, ltv_currency = COALESCE(ltv_currency, ?3), lifetime_value = lifetime_value + ?4,
         first_paid_at = CASE WHEN ?5 IS NULL THEN first_paid_at ELSE MIN(COALESCE(first_paid_at, ?5), ?5) END,
         last_successful_payment_at = CASE WHEN ?6 IS NULL THEN last_successful_payment_at ELSE MAX(COALESCE(last_successful_payment_at, 0), ?6) END,
         backfilled_until = ?7, updated_at = ?8
       WHERE id = ?1`,
    )
    .bind(customerId, fresh.length, currency, sum, first, last, watermark, now)
    .run();
}

export async function setStateLabel(db: D1Database, id: string, state: string, note: string, now: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO customers (id, first_seen_at, state_label, state_note, updated_at) VALUES (?1, ?4, ?2, ?3, ?4)
       ON CONFLICT (id) DO UPDATE SET state_label = excluded.state_label, state_note = excluded.state_note, updated_at = excluded.updated_at`,
    )
    .bind(id, state, note, now)
    .run();
}

/** What a decision needs of the customer, as statements for a caller's batch: created on first sight, the row, a lost case. */
export function customerFactsStatements(db: D1Database, id: string, now: number): D1PreparedStatement[] {
  return [
    db.prepare(`INSERT INTO customers (id, first_seen_at, updated_at) VALUES (?1, ?2, ?2) ON CONFLICT (id) DO NOTHING`).bind(id, now),
    customerRowStatement(db, id),
    lostCaseStatement(db, id),
  ];
}

export interface CustomerFacts {
  row: CustomerRow;
  lost: boolean;
}

/** Reads the results of `customerFactsStatements`. */
export function customerFactsFrom(results: readonly D1Result[]): CustomerFacts | null {
  const row = (results[1]?.results?.[0] ?? null) as CustomerRow | null;
  return row === null ? null : { row, lost: (results[2]?.results?.length ?? 0) > 0 };
}

export async function hadLostCase(db: D1Database, customerId: string): Promise<boolean> {
  return (await lostCaseStatement(db, customerId).first()) !== null;
}
