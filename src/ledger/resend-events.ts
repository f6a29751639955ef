/**
 * @module ledger/resend-events
 * Resend webhook deliveries (migration 0014): each `svix-id` is acted on once (Resend retries, and replays on
 * request). And the way back from Resend's email id to our customer: the email side effect stored it as its
 * `request_id` (actions/email.ts), found through the partial index `side_effects_resend_id`.
 */

export async function resendEventSeen(db: D1Database, svixId: string): Promise<boolean> {
  return (await db.prepare(`SELECT 1 AS x FROM resend_events WHERE svix_id = ?1`).bind(svixId).first()) !== null;
}

/** Records a handled delivery; false when this svix-id was already recorded (a concurrent duplicate). */
export async function recordResendEvent(
  db: D1Database,
  e: { svixId: string; type: string; emailId: string | null; customerId: string | null; outcome: string },
  now: number,
): Promise<boolean> {
  const r = await db
    .prepare(
      `INSERT INTO resend_events (svix_id, type, email_id, customer_id, outcome, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
       ON CONFLICT (svix_id) DO NOTHING RETURNING svix_id`,
    )
    .bind(e.svixId, e.type, e.emailId, e.customerId, e.outcome.slice(0, 500), now)
    .first();
  return r !== null;
}

export interface SentEmail {
  customer_id: string;
  case_id: string | null;
  event_id: string;
  operation: string;
}

/** The email we sent under this Resend id, or null (not ours, or sent before ids were kept). */
export async function emailByResendId(db: D1Database, emailId: string): Promise<SentEmail | null> {
  return db
    .prepare(`SELECT customer_id, case_id, event_id, operation FROM side_effects WHERE kind = 'email' AND request_id = ?1 LIMIT 1`)
    .bind(emailId)
    .first<SentEmail>();
}
