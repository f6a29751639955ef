/**
 * @module actions/refusal
 * Defence in depth: each executor checks, right before its side effect, what it must never do whatever the gate
 * said: contact a labelled customer, offer anything or ask for a card after suspected fraud, retry while paused.
 * Reads the ledger itself (labels, fraud history), so a bug upstream cannot talk it into acting.
 */
import { FRAUD_MEMORY_MS, hasFraudHistory, labelsOf, type TeamLabel } from "../ledger/labels.ts";

export type ExecutorEffect = "email" | "card_request_email" | "offer" | "retry";

const BLOCKED_BY: Record<ExecutorEffect, readonly TeamLabel[]> = {
  email: ["paused", "do_not_contact", "email_undeliverable"],
  card_request_email: ["paused", "do_not_contact", "email_undeliverable"],
  offer: ["paused", "do_not_contact", "email_undeliverable", "no_offers"],
  retry: ["paused"],
};

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

export async function assertMayAct(db: D1Database, customerId: string, effect: ExecutorEffect, now: number, failureReason: string | null = null): Promise<void> {
  const needsFraudCheck = effect === "offer" || effect === "card_request_email";
  const [labels, fraud] = await Promise.all([labelsOf(db, customerId), needsFraudCheck ? hasFraudHistory(db, customerId, now) : Promise.resolve(false)]);
  const label = BLOCKED_BY[effect].find((l) => labels.some((e) => e.label === l)) ?? null;
  if (label !== null) throw new ExecutorRefusal(`customer is labelled ${label}`, label);
  if (needsFraudCheck && (fraud || failureReason === "fraud_suspected")) {
    throw new ExecutorRefusal(`suspected fraud within ${FRAUD_MEMORY_MS / 86400_000} days: no offer and no card request`, null);
  }
}
