/**
 * @module process
 * One queue message for one event: claim it in the ledger, then route it by what it means for its case.
 * Failures of an invoice open/feed the case and get one decision; a PaymentIntent/charge failure that belongs
 * to an invoice only enriches it; payments close cases; subscription endings close them as lost.
 * Every event ends `decided` or `parked` here (or `dead_lettered` by the DLQ consumer).
 */
import type { Mode } from "../constants.ts";
import type { Deps } from "../deps.ts";
import type { DunningContext } from "../ingest/context.ts";
import { log } from "../log.ts";
import { caseForPayment, closeCase, enrichCase, getCase, linkPayments, openCasesForSubscription, openInvoiceCaseByAmount, pauseCase, recordFailure, type CaseRow } from "../ledger/cases.ts";
import { DISPUTE_CUSTOMER_PREFIX } from "../ingest/normalize.ts";
import { formatMoney } from "../ingest/money.ts";
import { heldCodeOf, holdCode, markHeldTaken, takeHeldCode } from "../ledger/held-codes.ts";
import { customerFactsFrom, customerFactsStatements, recordPayment, type CustomerFacts } from "../ledger/customers.ts";
import { closeRecovered, paymentOf } from "../ledger/recoveries.ts";
import { recordSuperseded } from "../ledger/decisions.ts";
import { claimEvent, finishEvent, finishEventStatement, getEvent } from "../ledger/events.ts";
import { cancelJobsForCase } from "../ledger/jobs.ts";
import { recordSubscription, recordSubscriptionStatement } from "../ledger/access.ts";
import { refreshAndAnnounceAccess } from "../access/webhook.ts";
import type { EventJob } from "../queue/messages.ts";
import { completeContext, mirrorStripeLabel } from "./complete.ts";
import { criticalPath, traceStorage } from "../ledger/simulated-latency.ts";
import { eventLedger } from "../ledger/write-behind.ts";
import { decideCase } from "./decide-case.ts";
import { handleLifecycle } from "./lifecycle.ts";
import { planCampaignStart, runCampaignStep, writeCampaignStart } from "../campaign/run.ts";
import { cardSaved } from "./card-saved.ts";

/** Thrown to hold a message briefly (e.g. so an invoice event can arrive before its PaymentIntent's). */
export class HoldMessage extends Error {
  constructor(readonly delaySeconds: number, reason: string) {
    super(reason);
    this.name = "HoldMessage";
  }
}

export interface ProcessMeta {
  messageId: string;
  attempts: number;
}

interface Handled {
  status: "decided" | "parked";
  reason: string;
  caseId: string | null;
}

/**
 * A failed invoice and its PaymentIntent/charge events arrive in any order, and only the latter carry the
 * decline code (recent API versions). Either side may wait once, briefly, for the other: the first delivery
 * of a message, and only while it is fresh.
 */
function holdOnce(deps: Deps, meta: ProcessMeta, receivedAt: number, why: string): void {
  const holdMs = deps.config.piAttributionHoldSeconds * 1000;
  if (meta.attempts <= 1 && holdMs > 0 && deps.clock() - receivedAt < holdMs) throw new HoldMessage(deps.config.piAttributionHoldSeconds, why);
}

async function invoiceFailure(deps: Deps, ctx0: DunningContext, mode: Mode, meta: ProcessMeta, receivedAt: number, customer: CustomerFacts | null): Promise<Handled> {
  const ctx = await completeContext(deps, ctx0, customer);
  const caseRow = await recordFailure(deps.db, ctx, deps.clock());
  await linkPayments(deps.db, caseRow.id, [...ctx.invoicePaymentIntentIds, ...(ctx.chargeId ? [ctx.chargeId] : [])]);
  if (caseRow.status !== "open") {
    // A failure that arrived after its invoice was paid (or lost) is a decision not to act: recorded as superseded.
    const reason = `case already ${caseRow.status}; nothing sent`;
    await recordSuperseded(deps.db, { eventId: ctx.eventId, caseId: caseRow.id, customerId: ctx.customerId, mode, reason }, deps.clock());
    return { status: "decided", reason, caseId: caseRow.id };
  }
  // A PaymentIntent event may have told the case its decline reason before the invoice event arrived: either on
  // the case (it arrived while the case existed) or held for it (it arrived first).
  let known = caseRow;
  if (ctx.failureReason === null || ctx.failureReason === "unknown") {
    const held = await takeHeldCode(deps.db, {
      caseId: caseRow.id,
      invoiceId: caseRow.id,
      customerId: ctx.customerId,
      amount: ctx.amountDue,
      currency: ctx.currency,
      byAmount: deps.stripe === null,
      since: deps.clock() - HELD_CODE_WINDOW_MS,
    });
    if (held !== null) {
      await enrichCase(deps.db, caseRow.id, held.reason, held.decline_code, deps.clock());
      await linkPayments(deps.db, caseRow.id, [held.payment_id]);
      known = { ...caseRow, reason: held.reason !== null && held.reason !== "unknown" ? held.reason : caseRow.reason, decline_code: caseRow.decline_code ?? held.decline_code };
    }
  }
  const enriched: DunningContext =
    ctx.failureReason === null || ctx.failureReason === "unknown"
      ? { ...ctx, failureReason: (known.reason as DunningContext["failureReason"]) ?? ctx.failureReason, declineCode: ctx.declineCode ?? known.decline_code }
      : ctx;
  if (deps.stripe === null && (enriched.failureReason === null || enriched.failureReason === "unknown")) {
    // Without a Stripe key we cannot ask the PaymentIntent; its own event carries the decline code (current payloads
    // do not even name it). The case is recorded, so that event can find it by customer, currency and amount.
    holdOnce(deps, meta, receivedAt, "waiting briefly for the decline code from this invoice's PaymentIntent event");
  }
  // The campaign starts on the case's first failure and decides its day-0 step now; Stripe's later retry events
  // only update the case (attempt, decline code, next retry): the campaign's own steps decide.
  const campaign = planCampaignStart(deps, known, enriched);
  if (caseRow.failures > 1) {
    await writeCampaignStart(deps, known, campaign);
    const next = enriched.nextPaymentAttempt === null ? "no Stripe retry left" : `Stripe retries at ${new Date(enriched.nextPaymentAttempt).toISOString()}`;
    return { status: "decided", reason: `campaign: attempt ${enriched.attemptCount ?? caseRow.failures} recorded (${enriched.failureReason ?? "unknown"}, ${enriched.declineCode ?? "no code"}; ${next}); the campaign's steps decide`, caseId: caseRow.id };
  }
  const row = { ...known, campaign_started_at: campaign.startedAt, grace_until: known.grace_until ?? campaign.graceUntil };
  // The campaign's rows are written while day 0 reads its decision's facts (independent: one round trip for both).
  const [, r] = await bothSettled(
    writeCampaignStart(deps, known, campaign),
    runCampaignStep(deps, { caseId: caseRow.id, step: "day_0", eventId: enriched.eventId, mode, ctx: enriched, row }),
  );
  if (r.status === "parked") return { status: "parked", reason: "kill switch turned on before the side effect", caseId: caseRow.id };
  return { status: "decided", reason: r.reason, caseId: caseRow.id };
}

/** Both settle before either's failure is thrown (a write is never left running behind a retried message). */
async function bothSettled<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === "rejected") throw ra.reason;
  if (rb.status === "rejected") throw rb.reason;
  return [ra.value, rb.value];
}

/** Finds the invoice a PaymentIntent/charge belongs to: the payload, our ledger, or Stripe's invoice-payments lookup. */
async function invoiceCaseOf(deps: Deps, ctx: DunningContext): Promise<string | null> {
  if (ctx.invoiceId !== null) return ctx.invoiceId;
  for (const id of [ctx.paymentIntentId, ctx.chargeId]) {
    if (id === null) continue;
    const found = await caseForPayment(deps.db, id);
    if (found !== null) {
      const row = await getCase(deps.db, found);
      if (row?.kind === "invoice") return found;
    }
  }
  if (deps.stripe !== null && ctx.paymentIntentId !== null) {
    const list = await deps.stripe.invoicePayments.list({ payment: { type: "payment_intent", payment_intent: ctx.paymentIntentId }, limit: 1 });
    const invoice = list.data[0]?.invoice;
    const id = typeof invoice === "string" ? invoice : (invoice?.id ?? null);
    if (id !== null) return id;
  }
  return null;
}

/** Stripe's descriptions of invoice payments (subscriptions, and one-off invoices): never a one-off PaymentIntent. */
const INVOICE_PAYMENT_DESCRIPTIONS = ["Subscription creation", "Subscription update", "Subscription cycle", "Payment for Invoice"];
const isInvoicePayment = (ctx: DunningContext) => INVOICE_PAYMENT_DESCRIPTIONS.some((d) => (ctx.paymentDescription ?? "").startsWith(d));

/** How far back an invoice case looks for a held code of the same amount (no key, no invoice id to match). */
const HELD_CODE_WINDOW_MS = 3600_000;

/**
 * A PaymentIntent/charge failure that belongs to an existing invoice case: its decline code goes on the case, and
 * a decision already taken on an unknown reason is taken again with the real one (a card that needs replacing
 * gets its email instead of the "unclear failure" path).
 */
async function attribute(deps: Deps, ctx: DunningContext, row: CaseRow, mode: Mode): Promise<Handled> {
  await enrichCase(deps.db, row.id, ctx.failureReason, ctx.declineCode, deps.clock());
  await linkPayments(deps.db, row.id, [ctx.paymentIntentId, ctx.chargeId].filter((x): x is string => x !== null));
  const what = `attributed to invoice ${row.id}: ${ctx.failureReason ?? "unknown"} (${ctx.declineCode ?? "no code"})`;
  const learned = ctx.failureReason !== null && ctx.failureReason !== "unknown" && (row.reason === null || row.reason === "unknown");
  const decidedEvent = learned && row.status === "open" && row.last_event_id !== null ? await getEvent(deps.db, row.last_event_id) : null;
  if (decidedEvent === null || decidedEvent.status !== "decided" || ctx.eventType === "charge.failed") {
    return { status: "decided", reason: `${what}; decided on the invoice's own event`, caseId: row.id };
  }
  // The invoice was decided before its reason was known: reconsidered once, under this event's id.
  const stored = JSON.parse(decidedEvent.context) as DunningContext;
  const full = await completeContext(deps, { ...stored, eventId: ctx.eventId, failureReason: ctx.failureReason, declineCode: ctx.declineCode, adviceCode: ctx.adviceCode ?? null, networkAdviceCode: ctx.networkAdviceCode ?? null });
  const r = await runCampaignStep(deps, { caseId: row.id, step: "day_0", eventId: full.eventId, mode, ctx: full });
  if (r.status === "parked") return { status: "parked", reason: "kill switch turned on before the side effect", caseId: row.id };
  return { status: "decided", reason: `${what}; the invoice was decided on an unknown reason, reconsidered: ${r.reason}`, caseId: row.id };
}

async function paymentFailure(deps: Deps, ctx: DunningContext, mode: Mode, meta: ProcessMeta, receivedAt: number): Promise<Handled> {
  const named = await invoiceCaseOf(deps, ctx);
  const paymentId = ctx.paymentIntentId ?? ctx.chargeId;
  if (named !== null) {
    const row = await getCase(deps.db, named);
    if (row !== null) return attribute(deps, ctx, row, mode);
    // The invoice is known but its own event has not arrived: the code waits for its case.
    if (paymentId !== null) {
      await holdCode(deps.db, { paymentId, customerId: ctx.customerId, invoiceId: named, amount: ctx.amountDue, currency: ctx.currency, reason: ctx.failureReason, declineCode: ctx.declineCode, eventId: ctx.eventId }, deps.clock());
    }
    return { status: "decided", reason: `held for invoice ${named}: ${ctx.failureReason ?? "unknown"} (${ctx.declineCode ?? "no code"}); its case takes the code when the invoice's event arrives`, caseId: named };
  }
  // Nothing names the invoice. Without a key, an open invoice case of the same customer, currency and amount is it.
  if (deps.stripe === null && ctx.amountDue !== null && ctx.currency !== null) {
    const byAmount = await openInvoiceCaseByAmount(deps.db, ctx.customerId, ctx.currency, ctx.amountDue);
    if (byAmount !== null) return attribute(deps, ctx, byAmount, mode);
  }
  if (paymentId !== null) {
    const held = await heldCodeOf(deps.db, paymentId);
    // Taken by an invoice case meanwhile (a one-off case marks its own PaymentIntent: it goes on as a one-off).
    if (held?.taken_by && held.taken_by !== ctx.paymentIntentId) return { status: "decided", reason: `attributed to invoice ${held.taken_by}, which took over this payment's code`, caseId: held.taken_by };
    // Held so that an invoice case opened meanwhile (or later) takes the code over.
    await holdCode(deps.db, { paymentId, customerId: ctx.customerId, invoiceId: null, amount: ctx.amountDue, currency: ctx.currency, reason: ctx.failureReason, declineCode: ctx.declineCode, eventId: ctx.eventId }, deps.clock());
  }
  holdOnce(deps, meta, receivedAt, "waiting briefly for the invoice event of this payment");
  if (ctx.eventType === "charge.failed") {
    // A charge is decided through its PaymentIntent's own event, never on its own.
    if (ctx.paymentIntentId !== null) await enrichCase(deps.db, ctx.paymentIntentId, ctx.failureReason, ctx.declineCode, deps.clock());
    return { status: "decided", reason: `charge of PaymentIntent ${ctx.paymentIntentId ?? "unknown"}: recorded, decided through the PaymentIntent`, caseId: ctx.paymentIntentId };
  }
  if (isInvoicePayment(ctx)) {
    // A subscription's payment whose invoice we cannot find: never a one-off (no email, no retry of our own).
    return { status: "decided", reason: `unattributed: "${ctx.paymentDescription ?? ""}" payment of a subscription with no invoice case found; ${ctx.failureReason ?? "unknown"} (${ctx.declineCode ?? "no code"}) held for it; nothing done`, caseId: null };
  }
  if (paymentId !== null) await markHeldTaken(deps.db, paymentId, ctx.paymentIntentId ?? paymentId);
  return handleLifecycle(deps, { kind: "one_off_failure", ctx }, mode);
}

async function payment(deps: Deps, ctx: DunningContext, mode: Mode): Promise<Handled> {
  const now = deps.clock();
  let caseId: string | null;
  let kind: "invoice" | "payment_intent";
  if (ctx.eventType === "payment_intent.succeeded") {
    const invoiceCase = await invoiceCaseOf(deps, ctx);
    caseId = invoiceCase ?? ctx.paymentIntentId;
    kind = invoiceCase !== null ? "invoice" : "payment_intent";
  } else {
    caseId = ctx.invoiceId;
    kind = "invoice";
  }
  if (caseId === null) {
    return { status: "decided", reason: "payment recorded (no invoice or PaymentIntent id)", caseId: null };
  }
  // Count lifetime value once per invoice or one-off PaymentIntent.
  if (ctx.amountDue !== null && ctx.currency !== null && !(kind === "invoice" && ctx.eventType === "payment_intent.succeeded")) {
    await recordPayment(deps.db, { id: caseId, customerId: ctx.customerId, amount: ctx.amountDue, currency: ctx.currency, paidAt: ctx.occurredAt }, now);
  }
  const existing = await getCase(deps.db, caseId);
  // What recovered it is written by the same UPDATE that closes it (ledger/recoveries.ts).
  const { closed, attribution } = await closeRecovered(deps.db, { caseId, customerId: ctx.customerId, kind, reason: ctx.eventType, eventId: ctx.eventId, existing }, paymentOf(ctx), now);
  await cancelJobsForCase(deps.db, caseId, now);
  const what = closed ? (existing === null ? "paid before any failure was seen (case created closed)" : `case recovered${attribution ? ` (recoveredBy ${attribution.cause})` : ""}`) : `case already ${existing?.status ?? "closed"}`;
  if (closed && existing !== null) await handleLifecycle(deps, { kind: "recovered", ctx, caseId }, mode);
  return { status: "decided", reason: what, caseId };
}

async function subscriptionChange(deps: Deps, ctx: DunningContext, mode: Mode): Promise<Handled> {
  const ended = ctx.eventType === "customer.subscription.deleted" || ctx.subscriptionStatus === "canceled" || ctx.subscriptionStatus === "unpaid" || ctx.subscriptionStatus === "incomplete_expired";
  if (!ended || ctx.subscriptionId === null) return handleLifecycle(deps, { kind: "subscription_update", ctx }, mode);
  const open = await openCasesForSubscription(deps.db, ctx.customerId, ctx.subscriptionId);
  const now = deps.clock();
  for (const c of open) {
    await closeCase(deps.db, { caseId: c.id, customerId: ctx.customerId, kind: c.kind, status: "lost", reason: `subscription ${ctx.subscriptionStatus ?? "ended"}`, eventId: ctx.eventId }, now);
    await cancelJobsForCase(deps.db, c.id, now);
  }
  const then = await handleLifecycle(deps, { kind: "subscription_ended", ctx, closedCaseIds: open.map((c) => c.id) }, mode);
  return { ...then, reason: `subscription ${ctx.subscriptionStatus ?? "ended"}: ${open.length} open case(s) closed as lost; ${then.reason}`, caseId: then.caseId ?? open[0]?.id ?? null };
}

/** The invoice was voided or marked uncollectible, or the one-off PaymentIntent canceled: the case ends, its steps with it. */
async function caseEnded(deps: Deps, ctx: DunningContext): Promise<Handled> {
  const status = ctx.eventType === "invoice.voided" ? "voided" : ctx.eventType === "invoice.marked_uncollectible" ? "uncollectible" : "canceled";
  const caseId = ctx.eventType === "payment_intent.canceled" ? ctx.paymentIntentId : ctx.invoiceId;
  if (caseId === null) return { status: "decided", reason: `${ctx.eventType}: no case id in the payload`, caseId: null };
  const row = await getCase(deps.db, caseId);
  if (row === null) return { status: "decided", reason: `${ctx.eventType}: no recovery case for ${caseId}; nothing to end`, caseId: null };
  if (ctx.eventType === "payment_intent.canceled" && row.kind !== "payment_intent") return { status: "decided", reason: `PaymentIntent ${caseId} canceled; its invoice's case follows the invoice`, caseId: row.id };
  const now = deps.clock();
  const closed = await closeCase(deps.db, { caseId: row.id, customerId: row.customer_id, kind: row.kind, status, reason: ctx.eventType, eventId: ctx.eventId }, now);
  await cancelJobsForCase(deps.db, row.id, now);
  return { status: "decided", reason: closed ? `case ${status} (${ctx.eventType}); its remaining steps canceled` : `case already ${row.status}`, caseId: row.id };
}

/** A dispute: the customer's case is paused (no customer step) and a person is told. */
async function disputeOpened(deps: Deps, ctx: DunningContext, mode: Mode): Promise<Handled> {
  let row: CaseRow | null = null;
  for (const id of [ctx.paymentIntentId, ctx.chargeId]) {
    if (id === null || row !== null) continue;
    const linked = await caseForPayment(deps.db, id);
    row = await getCase(deps.db, linked ?? id);
  }
  const customerId = row?.customer_id ?? (ctx.customerId.startsWith(DISPUTE_CUSTOMER_PREFIX) ? null : ctx.customerId);
  const what = `dispute on ${ctx.chargeId ?? "a charge"} (${ctx.disputeReason ?? "no reason given"})`;
  if (customerId === null) return { status: "decided", reason: `${what}: no recovery case or customer found; nothing paused`, caseId: null };
  if (row !== null && row.status === "open") await pauseCase(deps.db, row.id, `paused: ${what}; a person decides`, deps.clock());
  const amount = ctx.amountDue !== null && ctx.currency !== null ? formatMoney({ amount: ctx.amountDue, currency: ctx.currency }) : "an unknown amount";
  const r = await decideCase(deps, {
    ctx: { ...ctx, customerId },
    caseId: row?.id ?? null,
    attempt: row?.attempt_count ?? row?.failures ?? 0,
    mode,
    proposed: {
      call: { name: "escalate_to_human", args: { reason: `The customer opened a ${what} for ${amount}.${row !== null && row.status === "open" ? ` Recovery of ${row.id} is paused: no emails or retries until someone resumes it.` : ""}` } },
      why: "a dispute was opened",
      decidedBy: "lifecycle",
    },
  });
  return { status: r.outcome === "parked" ? "parked" : "decided", reason: `${what}: ${row !== null && row.status === "open" ? `case ${row.id} paused; ` : ""}escalation ${r.outcome}`, caseId: row?.id ?? null };
}

async function route(deps: Deps, job: EventJob, mode: Mode, meta: ProcessMeta, customer: CustomerFacts | null): Promise<Handled> {
  const ctx = job.context;
  switch (ctx.eventType) {
    case "invoice.payment_failed":
    case "invoice.payment_action_required":
      return invoiceFailure(deps, ctx, mode, meta, job.receivedAt, customer);
    case "payment_intent.payment_failed":
    case "charge.failed":
      return paymentFailure(deps, ctx, mode, meta, job.receivedAt);
    case "invoice.paid":
    case "invoice.payment_succeeded":
    case "payment_intent.succeeded":
      return payment(deps, ctx, mode);
    case "customer.subscription.updated":
    case "customer.subscription.deleted":
      return subscriptionChange(deps, ctx, mode);
    case "customer.subscription.trial_will_end":
      return handleLifecycle(deps, { kind: "trial_will_end", ctx }, mode);
    case "payment_method.attached":
    case "customer.updated":
    case "payment_method.automatically_updated":
      // The card updater replacing an expired card is a new card like any other: pay-now once where allowed.
      return handleLifecycle(deps, { kind: "payment_method_updated", ctx }, mode);
    case "invoice.voided":
    case "invoice.marked_uncollectible":
    case "payment_intent.canceled":
      return caseEnded(deps, ctx);
    case "charge.dispute.created":
      return disputeOpened(deps, ctx, mode);
    case "checkout.session.completed":
      return cardSaved(deps, ctx, mode);
  }
}

/** Processes one event message. Throws to have the message retried. */
export async function processEvent(deps: Deps, job: EventJob, mode: Mode, meta: ProcessMeta): Promise<void> {
  if (deps.config.simulatedStorageRttMs <= 0) return processWithLedger(deps, job, mode, meta);
  // Bench only: count the event's D1/KV round trips (each delayed by the simulated RTT) and report them.
  const started = performance.now();
  const { trace, result } = traceStorage(() => processWithLedger(deps, job, mode, meta));
  await result;
  log("info", "bench.storage", {
    eventId: job.context.eventId,
    eventType: job.context.eventType,
    ms: Math.round(performance.now() - started),
    d1RoundTrips: trace.d1.length,
    d1CriticalPath: criticalPath(trace.d1),
    d1Statements: trace.statements,
    kvRoundTrips: trace.kv,
    sql: trace.sql,
  });
}

const INVOICE_FAILURES = new Set(["invoice.payment_failed", "invoice.payment_action_required"]);

/**
 * One event on its own ledger view: bookkeeping writes ride on the event's next round trip (ledger/write-behind.ts).
 * What is still deferred when it ends is written before the message is acknowledged. When it fails, the deferred
 * outcomes are dropped with it: the retry finds its decision and side effect still pending and resumes them under
 * the same idempotency keys (one email, one decision), as after any failure between an effect and its record.
 */
async function processWithLedger(deps: Deps, job: EventJob, mode: Mode, meta: ProcessMeta): Promise<void> {
  const ledger = eventLedger(deps.db);
  await processOne({ ...deps, db: ledger.db }, job, mode, meta);
  await ledger.flush();
}

async function processOne(deps: Deps, job: EventJob, mode: Mode, meta: ProcessMeta): Promise<void> {
  const ctx = job.context;
  const now = deps.clock();
  // The claim's batch also records the subscription's facts (only while this message holds the claim) and, for an
  // invoice failure, reads what its decision needs of the customer: one round trip instead of three.
  const subscription = ctx.subscriptionId !== null && (ctx.subscriptionStatus !== null || ctx.isAnnual !== null) ? { subscriptionId: ctx.subscriptionId, status: ctx.subscriptionStatus, isAnnual: ctx.isAnnual } : null;
  const readsCustomer = mode !== "off" && INVOICE_FAILURES.has(ctx.eventType);
  const alongside = [
    ...(mode !== "off" && subscription !== null ? [recordSubscriptionStatement(deps.db, ctx.customerId, subscription, now, { eventId: ctx.eventId, token: meta.messageId })] : []),
    ...(readsCustomer ? customerFactsStatements(deps.db, ctx.customerId, now) : []),
  ];
  const claim = await claimEvent(deps.db, ctx, job.receivedAt, meta.messageId, now, job.resume === true, alongside);
  if (claim.kind === "busy" || claim.kind === "finished") {
    log("info", "consumer.skip", { eventId: ctx.eventId, customerId: ctx.customerId, claim: claim.kind, status: claim.kind === "finished" ? claim.status : undefined });
    return;
  }
  if (mode === "off") {
    await finishEvent(deps.db, ctx.eventId, "parked", "kill switch: mode off", null, deps.clock());
    log("info", "consumer.parked", { eventId: ctx.eventId, customerId: ctx.customerId, mode });
    return;
  }
  const started = deps.clock();
  // A resumed claim (a retry after a lost lease, a parked event) did not carry them: written and read now.
  const carried = claim.kind === "claimed" && claim.alongside !== undefined ? claim.alongside : null;
  if (carried === null && subscription !== null) await recordSubscription(deps.db, ctx.customerId, subscription, started);
  const customer = carried !== null && readsCustomer ? customerFactsFrom(carried.slice(subscription !== null ? 1 : 0)) : null;
  // A customer object tells the team's Stripe label (set or removed): mirrored before anything is decided.
  if (ctx.eventType === "customer.updated" && ctx.stripeLabel !== undefined) await mirrorStripeLabel(deps, ctx.customerId, ctx.stripeLabel);
  const handled = await route(deps, job, mode, meta, customer);
  // The event ends in the same batch as the access change it caused (or alone when access did not change).
  await refreshAndAnnounceAccess(deps, ctx.customerId, ctx.eventId, [finishEventStatement(deps.db, ctx.eventId, handled.status, handled.reason, handled.caseId, deps.clock())]);
  log("info", "consumer.done", { eventId: ctx.eventId, customerId: ctx.customerId, status: handled.status, reason: handled.reason, mode, latencyMs: deps.clock() - started });
}

export type { Handled };
