/**
 * @module ledger/events
 * The audit trail and the authoritative "act once" claim. KV dedup is best effort (eventually consistent);
 * this claim is not: `INSERT ... ON CONFLICT DO NOTHING RETURNING` lets exactly one consumer own an event.
 * A retried message (same claim token) or an abandoned claim (lease expired) resumes; anything else stops.
 */
import { CLAIM_LEASE_MS } from "../constants.ts";
import type { DunningContext } from "../ingest/context.ts";

export type EventStatus = "claimed" | "decided" | "parked" | "dead_lettered";

export type ClaimResult =
  | { kind: "claimed" }
  | { kind: "resumed" }
  | { kind: "busy" }
  | { kind: "finished"; status: EventStatus };

export interface EventRow {
  id: string;
  type: string;
  customer_id: string;
  case_id: string | null;
  livemode: number;
  occurred_at: number;
  received_at: number;
  status: EventStatus;
  status_reason: string | null;
  attempts: number;
  last_error: string | null;
  context: string;
  updated_at: number;
}

/** Claims an event for processing. `token` is stable across retries of one queue message (its id). */
export async function claimEvent(
  db: D1Database,
  ctx: DunningContext,
  receivedAt: number,
  token: string,
  now: number,
  resumeParked = false,
  alongside: readonly D1PreparedStatement[] = [],
): Promise<ClaimResult & { alongside?: D1Result[] }> {
  const insert = db
    .prepare(
      `INSERT INTO events (id, type, customer_id, livemode, occurred_at, received_at, status, claim_token, claimed_at, attempts, context, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'claimed', ?7, ?8, 1, ?9, ?8)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
    )
    .bind(ctx.eventId, ctx.eventType, ctx.customerId, ctx.livemode ? 1 : 0, ctx.occurredAt, receivedAt, token, now, JSON.stringify(ctx));
  if (alongside.length > 0) {
    // One round trip: the claim and what the event reads and records first (writes among them guarded by the claim).
    const [claimed, ...rest] = await db.batch([insert, ...alongside]);
    if ((claimed?.results?.length ?? 0) > 0) return { kind: "claimed", alongside: rest };
  } else {
    const inserted = await insert.first<{ id: string }>();
    if (inserted) return { kind: "claimed" };
  }
  const resumed = await db
    .prepare(
      `UPDATE events SET claim_token = ?2, claimed_at = ?3, attempts = attempts + 1, updated_at = ?3, status = 'claimed'
       WHERE id = ?1 AND (
         (status = 'claimed' AND (claim_token = ?2 OR claimed_at < ?4))
         OR (?5 = 1 AND status = 'parked')
       ) RETURNING id`,
    )
    .bind(ctx.eventId, token, now, now - CLAIM_LEASE_MS, resumeParked ? 1 : 0)
    .first<{ id: string }>();
  if (resumed) return { kind: "resumed" };
  const row = await db.prepare(`SELECT status FROM events WHERE id = ?1`).bind(ctx.eventId).first<{ status: EventStatus }>();
  if (!row || row.status === "claimed") return { kind: "busy" };
  return { kind: "finished", status: row.status };
}

/** Moves a claimed event to its final state. */
export async function finishEvent(
  db: D1Database,
  eventId: string,
  status: Exclude<EventStatus, "claimed">,
  reason: string,
  caseId: string | null,
  now: number,
): Promise<void> {
  await finishEventStatement(db, eventId, status, reason, caseId, now).run();
}

/** The statement that finishes an event, to be sent in one batch with the event's last record (its access change). */
export function finishEventStatement(db: D1Database, eventId: string, status: Exclude<EventStatus, "claimed">, reason: string, caseId: string | null, now: number): D1PreparedStatement {
  return db
    .prepare(`UPDATE events SET status = ?2, status_reason = ?3, case_id = COALESCE(?4, case_id), claim_token = NULL, updated_at = ?5 WHERE id = ?1`)
    .bind(eventId, status, reason, caseId, now);
}

/** Records the last error of a failed attempt (the message will be retried). */
export async function recordEventError(db: D1Database, eventId: string, error: string, now: number): Promise<void> {
  await db.prepare(`UPDATE events SET last_error = ?2, updated_at = ?3 WHERE id = ?1`).bind(eventId, error.slice(0, 1000), now).run();
}

/** Marks an event dead-lettered; inserts it when it never reached the ledger (e.g. D1 was down). */
export async function markDeadLettered(
  db: D1Database,
  ctx: DunningContext,
  receivedAt: number,
  error: string,
  now: number,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO events (id, type, customer_id, livemode, occurred_at, received_at, status, status_reason, attempts, last_error, context, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'dead_lettered', ?7, 0, ?7, ?8, ?9)
       ON CONFLICT (id) DO UPDATE SET status = 'dead_lettered',
         status_reason = COALESCE(events.last_error, excluded.status_reason), claim_token = NULL, updated_at = excluded.updated_at
       WHERE events.status IN ('claimed', 'parked')`,
    )
    .bind(ctx.eventId, ctx.eventType, ctx.customerId, ctx.livemode ? 1 : 0, ctx.occurredAt, receivedAt, error.slice(0, 1000), JSON.stringify(ctx), now)
    .run();
}

/**
 * Records, at ingress, an event the agent can never act on because it names no customer (e.g. the PaymentIntent
 * `stripe trigger payment_intent.payment_failed` creates): `decided` with the reason, no case, never queued.
 * `customer_id` is empty ("no customer"); `context` holds what the payload said. Idempotent: a redelivery inserts
 * nothing and returns false.
 */
export async function recordWithoutCustomer(
  db: D1Database,
  e: { id: string; type: string; livemode: boolean; occurredAt: number; receivedAt: number; reason: string; facts: Record<string, unknown> },
  now: number,
): Promise<boolean> {
  const inserted = await db
    .prepare(
      `INSERT INTO events (id, type, customer_id, livemode, occurred_at, received_at, status, status_reason, attempts, context, updated_at)
       VALUES (?1, ?2, '', ?3, ?4, ?5, 'decided', ?6, 0, ?7, ?8)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
    )
    .bind(e.id, e.type, e.livemode ? 1 : 0, e.occurredAt, e.receivedAt, e.reason.slice(0, 1000), JSON.stringify(e.facts), now)
    .first<{ id: string }>();
  return inserted !== null;
}

export async function getEvent(db: D1Database, eventId: string): Promise<EventRow | null> {
  return db.prepare(`SELECT * FROM events WHERE id = ?1`).bind(eventId).first<EventRow>();
}

/** Parked events, oldest first (for POST /admin/resume). */
export async function listParked(db: D1Database, limit: number): Promise<EventRow[]> {
  const r = await db.prepare(`SELECT * FROM events WHERE status = 'parked' ORDER BY occurred_at LIMIT ?1`).bind(limit).all<EventRow>();
  return r.results;
}
