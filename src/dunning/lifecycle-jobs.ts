/**
 * @module lifecycle-jobs
 * Deferred lifecycle work: the agent's retry of a one-off PaymentIntent, and the next-day winback after a
 * subscription ended. Each runs only if it still makes sense when it comes due, and each is a proposal that
 * passes the one gate like any other (`decideCase`).
 */
import { WINBACK_COOLDOWN_SECONDS, type Mode } from "../constants.ts";
import type { Deps } from "../deps.ts";
import type { DunningContext } from "../ingest/context.ts";
import type { FailureReason } from "../ingest/decline-codes.ts";
import { getCase, type CaseRow } from "../ledger/cases.ts";
import { getCustomer } from "../ledger/customers.ts";
import { getEvent } from "../ledger/events.ts";
import type { JobRow } from "../ledger/jobs.ts";
import { completeContext } from "./complete.ts";
import { decideCase } from "./decide-case.ts";

/** done / canceled finish the job; later puts it back for the next sweep. */
export type JobResult = "done" | "canceled" | "later";

/** The context a job decides on: the stored event's, under the job's own event id, with the case's reason. */
async function jobContext(deps: Deps, eventId: string, jobEventId: string, caseRow: CaseRow | null): Promise<DunningContext | null> {
  const ev = await getEvent(deps.db, eventId);
  if (ev === null) return null;
  const stored = JSON.parse(ev.context) as DunningContext;
  return {
    ...stored,
    eventId: jobEventId,
    failureReason: stored.failureReason ?? ((caseRow?.reason ?? null) as FailureReason | null),
    declineCode: stored.declineCode ?? caseRow?.decline_code ?? null,
  };
}

async function piRetry(deps: Deps, job: JobRow, mode: Mode): Promise<JobResult> {
  const payload = JSON.parse(job.payload) as { paymentIntentId: string; eventId: string; failures: number };
  const caseRow = job.case_id ? await getCase(deps.db, job.case_id) : null;
  if (caseRow === null || caseRow.status !== "open" || caseRow.kind !== "payment_intent") return "canceled";
  if (caseRow.failures !== payload.failures) return "canceled"; // a newer failure has its own plan
  const ctx = await jobContext(deps, payload.eventId, `${payload.eventId}~retry${payload.failures}`, caseRow);
  if (ctx === null) return "canceled";
  const r = await decideCase(deps, {
    ctx,
    caseId: caseRow.id,
    attempt: payload.failures,
    mode,
    keyBase: `${ctx.eventId}:pi_retry`,
    proposed: { call: { name: "retry_payment_intent", args: { payment_intent_id: payload.paymentIntentId, failures: payload.failures } }, why: `scheduled retry #${payload.failures} of a one-off payment`, decidedBy: "lifecycle" },
  });
  // The kill switch keeps the retry for the next sweep; everything else (done, refused, dry run) finishes the job.
  return r.outcome === "parked" ? "later" : "done";
}

const REASON_PRIORITY: readonly string[] = ["fraud_suspected"];

async function winbackAfterLoss(deps: Deps, job: JobRow, mode: Mode): Promise<JobResult> {
  const payload = JSON.parse(job.payload) as { eventId: string; closedCaseIds?: string[] };
  // The reasons come from the cases the ending closed, not from the deletion event (which has none).
  const closed = (await Promise.all((payload.closedCaseIds ?? (job.case_id ? [job.case_id] : [])).map((id) => getCase(deps.db, id)))).filter((c): c is CaseRow => c !== null);
  const reasons = closed.map((c) => c.reason).filter((r): r is string => r !== null);
  const reason = (reasons.find((r) => REASON_PRIORITY.includes(r)) ?? reasons[0] ?? "unknown") as FailureReason;
  const stored = await jobContext(deps, payload.eventId, `${payload.eventId}~winback`, null);
  if (stored === null) return "canceled";
  const customer = await getCustomer(deps.db, job.customer_id);
  const ctx0 = await completeContext(deps, stored);
  // After a loss the segment reads "winback"; the loyalty test is the paid history.
  const loyal = (customer?.paid_invoices ?? 0) >= deps.config.loyalMinPaidInvoices;
  const ctx: DunningContext = { ...ctx0, customerSegment: loyal ? "loyal" : ctx0.customerSegment, subscriptionStatus: "canceled", failureReason: reason };
  const r = await decideCase(deps, {
    ctx,
    caseId: null, // the cases are closed (lost): the offer is about the customer, not a case to chase
    attempt: 2,
    mode,
    proposed: {
      call: { name: "offer_winback_discount", args: { percent_off: Math.min(Math.max(20, deps.config.winbackMinPercent), deps.config.winbackMaxPercent), valid_days: 14 } },
      why: `subscription ended yesterday; one winback, gated (90-day cap ${WINBACK_COOLDOWN_SECONDS / 86400} days)`,
      decidedBy: "lifecycle",
    },
  });
  return r.outcome === "parked" ? "later" : "done";
}

export async function runLifecycleJob(deps: Deps, job: JobRow, mode: Mode): Promise<JobResult> {
  switch (job.kind) {
    case "pi_retry":
      return piRetry(deps, job, mode);
    case "winback_after_loss":
      return winbackAfterLoss(deps, job, mode);
    case "reconsider":
    case "campaign_step":
      return "canceled";
  }
}
