/**
 * @module ledger/cases
 * Recovery cases: one per failed invoice or one-off PaymentIntent, `open -> recovered | lost`.
 * Decisions are made on cases, not loose events.
 */
import { writeOrDefer } from "./write-behind.ts";
import type { DunningContext } from "../ingest/context.ts";

export type CaseStatus = "open" | "recovered" | "lost" | "voided" | "uncollectible" | "canceled";
/** How a case can end. */
export type ClosedStatus = Exclude<CaseStatus, "open">;

export interface CaseRow {
  id: string;
  customer_id: string;
  kind: "invoice" | "payment_intent";
  invoice_id: string | null;
  payment_intent_id: string | null;
  subscription_id: string | null;
  status: CaseStatus;
  reason: string | null;
  decline_code: string | null;
  amount: number | null;
  currency: string | null;
  attempt_count: number | null;
  failures: number;
  is_annual: number | null;
  plan_tier: string | null;
  livemode: number;
  hosted_invoice_url: string | null;
  opened_at: number;
  closed_at: number | null;
  close_reason: string | null;
  next_step: string | null;
  escalated_at: number | null;
  escalation_resolved_at: number | null;
  last_event_id: string | null;
  updated_at: number;
  /** The Slack ts of the case's first escalation; later escalations are threaded under it. */
  slack_thread_ts: string | null;
  /** Set when a dispute paused the case: no customer step until a person resumes it. */
  paused_at: number | null;
  /** The campaign (migration 0011/0017): see ledger/campaign.ts. Null on cases opened before the campaign existed. */
  campaign_started_at?: number | null;
  grace_until?: number | null;
  warned_at?: number | null;
  /** A customer's reply (or a person) paused the campaign until then (`ledger/campaign-pause.ts`). */
  paused_until?: number | null;
  customer_zone?: string | null;
  restricted_at?: number | null;
  /** What recovered the case (see dunning/recovered-by.ts), set once by the UPDATE that closed it as recovered. */
  recovered_by?: string | null;
  recovered_amount?: number | null;
  recovered_currency?: string | null;
  recovered_event_id?: string | null;
  recovered_contacted?: number | null;
  recovered_note?: string | null;
  /** The customer wrote that they want to cancel (migration 0015). */
  cancel_intent_at?: number | null;
}

/** What recovered a case, written by the same UPDATE that closes it (so a late event can never change it). */
export interface RecoveryRecord {
  by: string;
  amount: number | null;
  currency: string | null;
  contacted: boolean;
  note: string;
}

/** The case id a failure belongs to: the invoice, else the one-off PaymentIntent. */
export function caseIdFor(ctx: DunningContext): string | null {
  return ctx.invoiceId ?? ctx.paymentIntentId;
}

export async function getCase(db: D1Database, caseId: string): Promise<CaseRow | null> {
  return db.prepare(`SELECT * FROM cases WHERE id = ?1`).bind(caseId).first<CaseRow>();
}

/**
 * Opens the case on its first failure, or records a further failure on it. A case that was already closed
 * (paid before the failure arrived) stays closed and its failure count does not move: the caller sees its status and
 * supersedes the decision, and a case paid before any failure stays out of the failure metrics (`failures = 0`).
 */
export async function recordFailure(db: D1Database, ctx: DunningContext, now: number): Promise<CaseRow> {
  const caseId = caseIdFor(ctx);
  if (caseId === null) throw new Error(`event ${ctx.eventId} has neither invoice nor PaymentIntent`);
  const kind = ctx.invoiceId !== null ? "invoice" : "payment_intent";
  const row = await db
    .prepare(
      `INSERT INTO cases (id, customer_id, kind, invoice_id, payment_intent_id, subscription_id, status, reason, decline_code, amount, currency,
         attempt_count, failures, is_annual, plan_tier, livemode, hosted_invoice_url, opened_at, last_event_id, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7, ?8, ?9, ?10, ?11, 1, ?12, ?13, ?14, ?15, ?16, ?17, ?16)
       ON CONFLICT (id) DO UPDATE SET
         failures = cases.failures + (CASE WHEN cases.last_event_id = excluded.last_event_id OR cases.status <> 'open' THEN 0 ELSE 1 END),
         reason = CASE WHEN excluded.reason IS NULL OR excluded.reason = 'unknown' THEN COALESCE(cases.reason, excluded.reason) ELSE excluded.reason END,
         decline_code = COALESCE(excluded.decline_code, cases.decline_code),
         amount = COALESCE(excluded.amount, cases.amount),
         currency = COALESCE(excluded.currency, cases.currency),
         attempt_count = MAX(COALESCE(excluded.attempt_count, 0), COALESCE(cases.attempt_count, 0)),
         subscription_id = COALESCE(excluded.subscription_id, cases.subscription_id),
         payment_intent_id = COALESCE(cases.payment_intent_id, excluded.payment_intent_id),
         is_annual = COALESCE(excluded.is_annual, cases.is_annual),
         plan_tier = COALESCE(excluded.plan_tier, cases.plan_tier),
         hosted_invoice_url = COALESCE(excluded.hosted_invoice_url, cases.hosted_invoice_url),
         last_event_id = excluded.last_event_id,
         updated_at = excluded.updated_at
       RETURNING *`,
    )
    .bind(
      caseId,
      ctx.customerId,
      kind,
      ctx.invoiceId,
      ctx.paymentIntentId,
      ctx.subscriptionId,
      ctx.failureReason,
      ctx.declineCode,
      ctx.amountDue,
      ctx.currency,
      ctx.attemptCount,
      ctx.isAnnual === null ? null : ctx.isAnnual ? 1 : 0,
      ctx.planTier,
      ctx.livemode ? 1 : 0,
      ctx.hostedInvoiceUrl,
      now,
      ctx.eventId,
    )
    .first<CaseRow>();
  if (!row) throw new Error(`case ${caseId} could not be written`);
  return row;
}

/** Adds what a PaymentIntent/charge event tells about its invoice's failure (the decline code). */
export async function enrichCase(db: D1Database, caseId: string, reason: string | null, declineCode: string | null, now: number): Promise<void> {
  await db
    .prepare(
      `UPDATE cases SET reason = CASE WHEN ?2 IS NOT NULL AND (reason IS NULL OR reason = 'unknown') THEN ?2 ELSE reason END,
         decline_code = COALESCE(decline_code, ?3), updated_at = ?4 WHERE id = ?1`,
    )
    .bind(caseId, reason, declineCode, now)
    .run();
}

/** Records the payment ids that belong to a case (so their own events are attributed, not decided). */
export async function linkPayments(db: D1Database, caseId: string, paymentIds: readonly string[]): Promise<void> {
  if (paymentIds.length === 0) return;
  await db.batch(
    paymentIds.map((id) => db.prepare(`INSERT INTO case_payments (payment_id, case_id) VALUES (?1, ?2) ON CONFLICT (payment_id) DO NOTHING`).bind(id, caseId)),
  );
}

export async function caseForPayment(db: D1Database, paymentId: string): Promise<string | null> {
  const r = await db.prepare(`SELECT case_id FROM case_payments WHERE payment_id = ?1`).bind(paymentId).first<{ case_id: string }>();
  return r?.case_id ?? null;
}

/**
 * Closes a case. Returns true when this call closed it. A payment that lands before its failure event
 * creates the case already closed, so the late failure finds it closed and acts on nothing.
 */
export async function closeCase(
  db: D1Database,
  input: { caseId: string; customerId: string; kind: "invoice" | "payment_intent"; status: ClosedStatus; reason: string; eventId: string; recovery?: RecoveryRecord },
  now: number,
): Promise<boolean> {
  // The recovery is written only by the closing UPDATE: a case created closed (paid before any failure) has none.
  const recovery = input.recovery ?? null;
  const r = await db
    .prepare(
      `INSERT INTO cases (id, customer_id, kind, invoice_id, payment_intent_id, status, failures, opened_at, closed_at, close_reason, last_event_id, updated_at)
       VALUES (?1, ?2, ?3, CASE WHEN ?3 = 'invoice' THEN ?1 END, CASE WHEN ?3 = 'payment_intent' THEN ?1 END, ?4, 0, ?5, ?5, ?6, ?7, ?5)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, closed_at = excluded.closed_at, close_reason = excluded.close_reason,
         next_step = NULL, escalation_resolved_at = CASE WHEN cases.escalated_at IS NOT NULL AND cases.escalation_resolved_at IS NULL THEN excluded.closed_at ELSE cases.escalation_resolved_at END,
         updated_at = excluded.updated_at,
         recovered_by = ?8, recovered_amount = ?9, recovered_currency = ?10, recovered_contacted = ?11, recovered_note = ?12,
         recovered_event_id = CASE WHEN ?8 IS NULL THEN NULL ELSE excluded.last_event_id END
       WHERE cases.status = 'open'
       RETURNING id`,
    )
    .bind(input.caseId, input.customerId, input.kind, input.status, now, input.reason, input.eventId, recovery?.by ?? null, recovery?.amount ?? null, recovery?.currency ?? null, recovery === null ? null : recovery.contacted ? 1 : 0, recovery?.note ?? null)
    .first<{ id: string }>();
  return r !== null;
}

/** The case's next step as shown to the team: a label nothing in the event waits for (written behind, see write-behind.ts). */
export async function setNextStep(db: D1Database, caseId: string, nextStep: string | null, now: number): Promise<void> {
  await writeOrDefer(db, db.prepare(`UPDATE cases SET next_step = ?2, updated_at = ?3 WHERE id = ?1`).bind(caseId, nextStep, now));
}

/** Marks the case escalated (first time only) and sets its next step, in one write: written behind, like the next step it shows. */
export async function markEscalated(db: D1Database, caseId: string, nextStep: string, now: number): Promise<void> {
  await writeOrDefer(db, db.prepare(`UPDATE cases SET escalated_at = COALESCE(escalated_at, ?2), next_step = ?3, updated_at = ?2 WHERE id = ?1`).bind(caseId, now, nextStep));
}

/** Remembers the case's first Slack message (first writer wins). */
export async function setSlackThread(db: D1Database, caseId: string, ts: string): Promise<void> {
  await db.prepare(`UPDATE cases SET slack_thread_ts = COALESCE(slack_thread_ts, ?2) WHERE id = ?1`).bind(caseId, ts).run();
}

/** Open cases of a subscription, found within its customer's open cases (the customer index; no scan of all cases). */
export async function openCasesForSubscription(db: D1Database, customerId: string, subscriptionId: string): Promise<CaseRow[]> {
  const r = await db
    .prepare(`SELECT * FROM cases WHERE customer_id = ?1 AND status = 'open' AND subscription_id = ?2`)
    .bind(customerId, subscriptionId)
    .all<CaseRow>();
  return r.results;
}

export async function openCasesForCustomer(db: D1Database, customerId: string): Promise<CaseRow[]> {
  const r = await db.prepare(`SELECT * FROM cases WHERE customer_id = ?1 AND status = 'open' ORDER BY opened_at`).bind(customerId).all<CaseRow>();
  return r.results;
}

/** The oldest open invoice case of a customer with this amount and currency (attribution without a Stripe key). */
export async function openInvoiceCaseByAmount(db: D1Database, customerId: string, currency: string, amount: number): Promise<CaseRow | null> {
  return db
    .prepare(`SELECT * FROM cases WHERE customer_id = ?1 AND status = 'open' AND kind = 'invoice' AND currency = ?2 AND amount = ?3 ORDER BY opened_at LIMIT 1`)
    .bind(customerId, currency.toLowerCase(), amount)
    .first<CaseRow>();
}

/** Pauses a case (a dispute was opened): no customer step until a person acts. */
export async function pauseCase(db: D1Database, caseId: string, nextStep: string, now: number): Promise<void> {
  await db.prepare(`UPDATE cases SET paused_at = COALESCE(paused_at, ?2), next_step = ?3, updated_at = ?2 WHERE id = ?1 AND status = 'open'`).bind(caseId, now, nextStep).run();
}
