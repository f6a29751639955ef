/**
 * @module actions/refusal
 * Defence in depth: each executor checks, right before its side effect, what it must never do whatever the gate
 * said: contact a labelled customer, offer anything or ask for a card after suspected fraud, retry while paused.
 * Reads the ledger itself (labels, fraud history), or takes the reads its dispatcher made for this act after the
 * decision was recorded (never the decision's own facts), so a bug upstream cannot talk it into acting.
 */
import { FRAUD_MEMORY_MS, hasFraudHistory, labelForbidding, labelsOf, type RefusalReads, type TeamLabel } from "../ledger/labels.ts";

/** What an executor is about to do; a card request is an email that fraud also forbids. */
export type ExecutorEffect = "email" | "card_request_email" | "offer" | "retry";

/** Thrown by an executor that refuses; the dispatcher records it (skipped for a label, rejected otherwise). */
export class ExecutorRefusal extends Error {
  override name = "ExecutorRefusal";
  constructor(
    readonly reason: string,
    readonly label: TeamLabel | null,
  ) {
    super(`executor refused: ${reason}`);
  }
}

/** Reads the labels and the fraud history itself, or takes those its caller read for this very act. */
export async function assertMayAct(db: D1Database, customerId: string, effect: ExecutorEffect, now: number, failureReason: string | null = null, read?: RefusalReads): Promise<void> {
  const needsFraudCheck = effect === "offer" || effect === "card_request_email";
  const [labels, fraud] =
    read !== undefined ? [read.labels, read.fraud] : await Promise.all([labelsOf(db, customerId), needsFraudCheck ? hasFraudHistory(db, customerId, now) : Promise.resolve(false)]);
  const label = labelForbidding(effect === "card_request_email" ? "email" : effect, labels.map((e) => e.label));
  if (label !== null) throw new ExecutorRefusal(`customer is labelled ${label}`, label);
  if (needsFraudCheck && (fraud || failureReason === "fraud_suspected")) {
    throw new ExecutorRefusal(`suspected fraud within ${FRAUD_MEMORY_MS / 86400_000} days: no offer and no card request`, null);
  }
}

const CARD_WINDOW_MS = 30 * 86400_000;

/**
 * Counts one payment attempt on a card, or refuses it when the card already had `cap` attempts by the agent in
 * 30 days. The same idempotency key counts once (a replayed attempt is the same attempt).
 */
export async function claimCardAttempt(db: D1Database, a: { paymentMethodId: string; customerId: string; idempotencyKey: string; cap: number }, now: number): Promise<void> {
  const already = await db.prepare(`SELECT 1 AS x FROM card_retries WHERE idempotency_key = ?1`).bind(a.idempotencyKey).first();
  if (already !== null) return;
  const n = await db.prepare(`SELECT COUNT(*) AS n FROM card_retries WHERE payment_method_id = ?1 AND at >= ?2`).bind(a.paymentMethodId, now - CARD_WINDOW_MS).first<{ n: number }>();
  if ((n?.n ?? 0) >= a.cap) throw new ExecutorRefusal(`card ${a.paymentMethodId} already had ${n?.n ?? 0} attempts by the agent in 30 days (cap ${a.cap})`, null);
  await db.prepare(`INSERT INTO card_retries (idempotency_key, payment_method_id, customer_id, at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING`).bind(a.idempotencyKey, a.paymentMethodId, a.customerId, now).run();
}
