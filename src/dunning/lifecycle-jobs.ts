/**
 * @module lifecycle-jobs
 * Deferred lifecycle work: the agent's retry of a one-off PaymentIntent, and the next-day winback after a
 * subscription ended. Each runs only if it still makes sense when it comes due.
 */
import { WINBACK_COOLDOWN_SECONDS, type Mode } from "../constants.ts";
import type { Deps } from "../deps.ts";
import type { DunningContext } from "../ingest/context.ts";
import { getCase } from "../ledger/cases.ts";
import { getCustomer } from "../ledger/customers.ts";
import { insertDecision, setDecisionOutcome } from "../ledger/decisions.ts";
import { getEvent } from "../ledger/events.ts";
import type { JobRow } from "../ledger/jobs.ts";

/** done / canceled finish the job; later puts it back for the next sweep. */
export type JobResult = "done" | "canceled" | "later";
import { retryPaymentIntent } from "../actions/stripe.ts";
import { completeContext } from "./complete.ts";
import { decideCase } from "./decide-case.ts";
import { dryRunNote, modeGate } from "./dispatch.ts";

async function piRetry(deps: Deps, job: JobRow, mode: Mode): Promise<JobResult> {
  const payload = JSON.parse(job.payload) as { paymentIntentId: string; eventId: string; failures: number };
  const caseRow = job.case_id ? await getCase(deps.db, job.case_id) : null;
  if (caseRow === null || caseRow.status !== "open" || caseRow.kind !== "payment_intent") return "canceled";
  if (caseRow.failures !== payload.failures) return "canceled"; // a newer failure has its own plan
  const eventId = `${payload.eventId}~retry${payload.failures}`;
  const ctxBase = { eventId, caseId: caseRow.id, customerId: caseRow.customer_id };
  const decisionId = await insertDecision(
    deps.db,
    { eventId, caseId: caseRow.id, customerId: caseRow.customer_id, decidedBy: "lifecycle", model: null, tool: "retry_payment_intent", args: { paymentIntentId: payload.paymentIntentId }, templateId: null, validation: "ok", reason: `scheduled retry #${payload.failures} of a one-off payment`, rule: null, mode, outcome: "pending", modelOutput: null, shadow: null, latencyMs: null },
    deps.clock(),
  );
  const gate = await modeGate(deps, mode, "request_stripe_smart_retry");
  if (gate.kind === "parked") {
    await setDecisionOutcome(deps.db, decisionId, "parked", "kill switch on: the retry waits for the next sweep");
    return "later";
  }
  if (gate.kind !== "execute" || deps.stripe === null) {
    const why = deps.stripe === null ? "no Stripe key configured" : gate.kind === "dry_run" ? gate.why : "observe mode";
    if (gate.kind === "dry_run") {
      const ctx = { eventId, customerId: caseRow.customer_id } as DunningContext;
      await dryRunNote(deps, { ctx, caseId: caseRow.id, decisionId, keyBase: `${eventId}:pi_retry` }, `retry PaymentIntent ${payload.paymentIntentId}`, why);
    }
    await setDecisionOutcome(deps.db, decisionId, gate.kind === "dry_run" ? "dry_run" : gate.kind === "observe" ? "observed" : "rejected", why);
    return "done";
  }
  const r = await retryPaymentIntent(deps, deps.stripe, { paymentIntentId: payload.paymentIntentId, ...ctxBase, decisionId, idempotencyKey: `pi-retry:${payload.paymentIntentId}:${payload.failures}` });
  // A success or a new failure arrives as its own webhook and moves the case on from there.
  await setDecisionOutcome(deps.db, decisionId, r.status === "skipped" ? "superseded" : "executed", r.detail);
  return "done";
}

async function winbackAfterLoss(deps: Deps, job: JobRow, mode: Mode): Promise<JobResult> {
  const { eventId } = JSON.parse(job.payload) as { eventId: string };
  const ev = await getEvent(deps.db, eventId);
  if (ev === null) return "canceled";
  const original = JSON.parse(ev.context) as DunningContext;
  const customer = await getCustomer(deps.db, job.customer_id);
  const ctx0 = await completeContext(deps, { ...original, eventId: `${eventId}~winback` });
  // After a loss the segment reads "winback"; the loyalty test is the paid history.
  const loyal = (customer?.paid_invoices ?? 0) >= deps.config.loyalMinPaidInvoices;
  const ctx: DunningContext = { ...ctx0, customerSegment: loyal ? "loyal" : ctx0.customerSegment, subscriptionStatus: "canceled", failureReason: ctx0.failureReason ?? "unknown" };
  await decideCase(deps, {
    ctx,
    caseId: null,
    attempt: 2,
    mode,
    proposed: { call: { name: "offer_winback_discount", args: { percent_off: Math.min(Math.max(20, deps.config.winbackMinPercent), deps.config.winbackMaxPercent), valid_days: 14 } }, why: `subscription ended yesterday; one winback, gated (90-day cap ${WINBACK_COOLDOWN_SECONDS / 86400} days)`, decidedBy: "lifecycle" },
  });
  return "done";
}

export async function runLifecycleJob(deps: Deps, job: JobRow, mode: Mode): Promise<JobResult> {
  switch (job.kind) {
    case "pi_retry":
      return piRetry(deps, job, mode);
    case "winback_after_loss":
      return winbackAfterLoss(deps, job, mode);
    case "reconsider":
      return "canceled";
  }
}
