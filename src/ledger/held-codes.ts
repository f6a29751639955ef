/**
 * @module ledger/held-codes
 * A PaymentIntent/charge failure that arrived before its invoice's case: its decline code is held here and taken
 * over by the invoice case once (by invoice id, else by customer + currency + amount within a window).
 */

export interface HeldCode {
  payment_id: string;
  customer_id: string;
  invoice_id: string | null;
  amount: number | null;
  currency: string | null;
  reason: string | null;
  decline_code: string | null;
  event_id: string;
  held_at: number;
  taken_by: string | null;
}

/** Holds one payment's code (the first hold wins; a redelivery changes nothing). */
export async function holdCode(
  db: D1Database,
  h: { paymentId: string; customerId: string; invoiceId: string | null; amount: number | null; currency: string | null; reason: string | null; declineCode: string | null; eventId: string },
  now: number,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO held_codes (payment_id, customer_id, invoice_id, amount, currency, reason, decline_code, event_id, held_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
       ON CONFLICT (payment_id) DO UPDATE SET invoice_id = COALESCE(held_codes.invoice_id, excluded.invoice_id)`,
    )
    .bind(h.paymentId, h.customerId, h.invoiceId, h.amount, h.currency?.toLowerCase() ?? null, h.reason, h.declineCode, h.eventId, now)
    .run();
}

export async function heldCodeOf(db: D1Database, paymentId: string): Promise<HeldCode | null> {
  return db.prepare(`SELECT * FROM held_codes WHERE payment_id = ?1`).bind(paymentId).first<HeldCode>();
}

/**
 * An invoice case takes over the held code meant for it: one named for this invoice, else (when `byAmount`) the
 * oldest untaken one of the same customer, currency and amount held since `since`. Atomic: taken once.
 */
export async function takeHeldCode(
  db: D1Database,
  c: { caseId: string; invoiceId: string; customerId: string; amount: number | null; currency: string | null; byAmount: boolean; since: number },
): Promise<HeldCode | null> {
  const named = await db
    .prepare(`UPDATE held_codes SET taken_by = ?2 WHERE payment_id = (SELECT payment_id FROM held_codes WHERE customer_id = ?3 AND invoice_id = ?1 AND taken_by IS NULL ORDER BY held_at LIMIT 1) RETURNING *`)
    .bind(c.invoiceId, c.caseId, c.customerId)
    .first<HeldCode>();
  if (named !== null || !c.byAmount || c.amount === null || c.currency === null) return named;
  return db
    .prepare(
      `UPDATE held_codes SET taken_by = ?1, invoice_id = ?2 WHERE payment_id = (
         SELECT payment_id FROM held_codes WHERE customer_id = ?3 AND invoice_id IS NULL AND taken_by IS NULL AND amount = ?4 AND currency = ?5 AND held_at >= ?6
         ORDER BY held_at LIMIT 1) RETURNING *`,
    )
    .bind(c.caseId, c.invoiceId, c.customerId, c.amount, c.currency.toLowerCase(), c.since)
    .first<HeldCode>();
}

/** Marks a held code as used by another case (a one-off opened for it), so no invoice takes it later. */
export async function markHeldTaken(db: D1Database, paymentId: string, caseId: string): Promise<void> {
  await db.prepare(`UPDATE held_codes SET taken_by = ?2 WHERE payment_id = ?1 AND taken_by IS NULL`).bind(paymentId, caseId).run();
}
