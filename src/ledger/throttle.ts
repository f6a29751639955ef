/**
 * @module ledger/throttle
 * The authoritative 24 h email throttle and the 90-day winback cap, claimed atomically in D1 so two events
 * for one customer, in one batch or two concurrent batches, cannot both email. A retry of the same event
 * passes its own claim.
 */
import type { EffectGuard } from "./side-effects.ts";

export type ThrottleClaim = { ok: true } | { ok: false; lastSentAt: number; availableAt: number };

/** The 24 h slot's claim: passes when the last email is older than the window, or was this event's. */
function emailSlotStatement(db: D1Database, customerId: string, eventId: string, windowMs: number, now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO email_throttle (customer_id, last_sent_at, event_id) VALUES (?1, ?2, ?3)
       ON CONFLICT (customer_id) DO UPDATE SET last_sent_at = excluded.last_sent_at, event_id = excluded.event_id
       WHERE email_throttle.last_sent_at <= ?4 OR email_throttle.event_id = excluded.event_id
       RETURNING customer_id`,
    )
    .bind(customerId, now, eventId, now - windowMs);
}

export async function claimEmailSlot(db: D1Database, customerId: string, eventId: string, windowMs: number, now: number): Promise<ThrottleClaim> {
  const claimed = await emailSlotStatement(db, customerId, eventId, windowMs, now).first();
  if (claimed) return { ok: true };
  return slotRefused(db, customerId, windowMs, now);
}

/** The slot is taken: when it frees. */
export async function slotRefused(db: D1Database, customerId: string, windowMs: number, now: number): Promise<{ ok: false; lastSentAt: number; availableAt: number }> {
  const last = (await lastEmailAt(db, customerId)) ?? now;
  return { ok: false, lastSentAt: last, availableAt: last + windowMs };
}

/** The slot claimed in the same batch as the email's intent (the intent is recorded only when the slot is this event's). */
export function emailSlotGuard(db: D1Database, customerId: string, eventId: string, windowMs: number, now: number): EffectGuard {
  return {
    statement: emailSlotStatement(db, customerId, eventId, windowMs, now),
    held: (r) => (r.results?.length ?? 0) > 0,
    condition: `EXISTS (SELECT 1 FROM email_throttle WHERE customer_id = ?10 AND event_id = ?11)`,
    params: [customerId, eventId],
  };
}

export async function lastEmailAt(db: D1Database, customerId: string): Promise<number | null> {
  const r = await db.prepare(`SELECT last_sent_at FROM email_throttle WHERE customer_id = ?1`).bind(customerId).first<{ last_sent_at: number }>();
  return r?.last_sent_at ?? null;
}

export async function lastWinbackAt(db: D1Database, customerId: string): Promise<number | null> {
  const r = await db.prepare(`SELECT MAX(offered_at) AS at FROM winbacks WHERE customer_id = ?1`).bind(customerId).first<{ at: number | null }>();
  return r?.at ?? null;
}

/**
 * Claims the winback for this customer: succeeds only when no winback was offered within the cooldown
 * (or this event already holds it). One statement, so two concurrent claims cannot both pass.
 */
export async function claimWinback(
  db: D1Database,
  w: { customerId: string; eventId: string; caseId: string | null; percentOff: number; validDays: number },
  cooldownMs: number,
  now: number,
): Promise<{ ok: true; id: number } | { ok: false; lastAt: number }> {
  const mine = await db
    .prepare(`SELECT id FROM winbacks WHERE customer_id = ?1 AND event_id = ?2`)
    .bind(w.customerId, w.eventId)
    .first<{ id: number }>();
  if (mine) return { ok: true, id: mine.id };
  const r = await db
    .prepare(
      `INSERT INTO winbacks (customer_id, event_id, case_id, percent_off, valid_days, offered_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6
       WHERE NOT EXISTS (SELECT 1 FROM winbacks WHERE customer_id = ?1 AND offered_at > ?7)
       RETURNING id`,
    )
    .bind(w.customerId, w.eventId, w.caseId, w.percentOff, w.validDays, now, now - cooldownMs)
    .first<{ id: number }>();
  if (r) return { ok: true, id: r.id };
  return { ok: false, lastAt: (await lastWinbackAt(db, w.customerId)) ?? now };
}

/** Drops a winback claim that produced no code (Stripe refused), so it does not count against the cap. */
export async function releaseWinback(db: D1Database, id: number): Promise<void> {
  await db.prepare(`DELETE FROM winbacks WHERE id = ?1 AND promo_code IS NULL`).bind(id).run();
}

export async function recordWinbackCodes(db: D1Database, id: number, couponId: string, promoCode: string): Promise<void> {
  await db.prepare(`UPDATE winbacks SET coupon_id = ?2, promo_code = ?3 WHERE id = ?1`).bind(id, couponId, promoCode).run();
}
