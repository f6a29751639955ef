/**
 * @module case-context
 * A `DunningContext` rebuilt from a case row, for proposers that act on a case without a fresh event (a person's
 * Slack click on a case whose event is gone). Pure.
 */
import { blankContext, type DunningContext } from "../ingest/context.ts";
import type { FailureReason } from "../ingest/decline-codes.ts";
import type { CaseRow } from "../ledger/cases.ts";

export function contextFromCase(row: CaseRow, eventId: string, now: number): DunningContext {
  return {
    ...blankContext({
      eventId,
      eventType: row.kind === "invoice" ? "invoice.payment_failed" : "payment_intent.payment_failed",
      livemode: row.livemode === 1,
      occurredAt: now,
      customerId: row.customer_id,
    }),
    invoiceId: row.invoice_id,
    subscriptionId: row.subscription_id,
    paymentIntentId: row.payment_intent_id,
    amountDue: row.amount,
    currency: row.currency,
    hostedInvoiceUrl: row.hosted_invoice_url,
    attemptCount: row.attempt_count,
    failureReason: (row.reason as FailureReason | null) ?? "unknown",
    declineCode: row.decline_code,
    isAnnual: row.is_annual === null ? null : row.is_annual === 1,
  };
}

/**
 * The context a case acts on later (a campaign step, a held email): its latest failure event's, under a new event
 * id, with what the case learned since (reason, decline code, attempt). Falls back to the case row alone.
 */
export async function caseEventContext(db: D1Database, row: CaseRow, eventId: string, now: number): Promise<DunningContext> {
  const ev = row.last_event_id === null ? null : await db.prepare(`SELECT context FROM events WHERE id = ?1`).bind(row.last_event_id).first<{ context: string }>();
  if (ev === null) return contextFromCase(row, eventId, now);
  const stored = JSON.parse(ev.context) as DunningContext;
  const caseReason = row.reason as FailureReason | null;
  return {
    ...stored,
    eventId,
    failureReason: caseReason !== null && caseReason !== "unknown" ? caseReason : (stored.failureReason ?? caseReason),
    declineCode: stored.declineCode ?? row.decline_code,
    attemptCount: Math.max(stored.attemptCount ?? 0, row.attempt_count ?? 0) || stored.attemptCount,
  };
}
