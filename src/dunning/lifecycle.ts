/**
 * @module lifecycle
 * Events around the failure itself: one-off PaymentIntent failures, a new card while an invoice is open,
 * trial endings, subscription changes and recoveries.
 */
import type { Mode } from "../constants.ts";
import type { Deps } from "../deps.ts";
import type { DunningContext } from "../ingest/context.ts";
import { insertDecision } from "../ledger/decisions.ts";
import { openCasesForCustomer, recordFailure } from "../ledger/cases.ts";
import { completeContext } from "./complete.ts";
import { decideCase } from "./decide-case.ts";
import type { Handled } from "./process.ts";

export type LifecycleEvent =
  | { kind: "one_off_failure"; ctx: DunningContext }
  | { kind: "recovered"; ctx: DunningContext; caseId: string }
  | { kind: "subscription_update"; ctx: DunningContext }
  | { kind: "subscription_ended"; ctx: DunningContext; closedCaseIds: string[] }
  | { kind: "trial_will_end"; ctx: DunningContext }
  | { kind: "payment_method_updated"; ctx: DunningContext };

async function note(deps: Deps, ctx: DunningContext, caseId: string | null, mode: Mode, reason: string): Promise<Handled> {
  await insertDecision(
    deps.db,
    { eventId: ctx.eventId, caseId, customerId: ctx.customerId, decidedBy: "lifecycle", model: null, tool: null, args: null, templateId: null, validation: "ok", reason, rule: null, mode, outcome: "recorded", modelOutput: null, shadow: null, latencyMs: null },
    deps.clock(),
  );
  return { status: "decided", reason, caseId };
}

export async function handleLifecycle(deps: Deps, event: LifecycleEvent, mode: Mode): Promise<Handled> {
  switch (event.kind) {
    case "one_off_failure": {
      const ctx = await completeContext(deps, event.ctx);
      const caseRow = await recordFailure(deps.db, ctx, deps.clock());
      if (caseRow.status !== "open") return note(deps, ctx, caseRow.id, mode, `case already ${caseRow.status}; nothing sent`);
      const r = await decideCase(deps, { ctx, caseId: caseRow.id, attempt: caseRow.failures, mode });
      if (r.outcome === "parked") return { status: "parked", reason: "kill switch turned on before the side effect", caseId: caseRow.id };
      return { status: "decided", reason: `${r.tool ?? "no action"}: ${r.outcome}`, caseId: caseRow.id };
    }
    case "payment_method_updated": {
      const ctx = event.ctx;
      if (ctx.newPaymentMethodId === null) return note(deps, ctx, null, mode, "no new default payment method");
      const open = (await openCasesForCustomer(deps.db, ctx.customerId)).filter((c) => c.kind === "invoice");
      const target = open[0];
      if (target === undefined) return note(deps, ctx, null, mode, "new payment method; no open failed invoice");
      const full = await completeContext(deps, { ...ctx, invoiceId: target.invoice_id, subscriptionId: target.subscription_id, amountDue: target.amount, currency: target.currency, failureReason: (target.reason as DunningContext["failureReason"]) ?? null, declineCode: target.decline_code });
      const r = await decideCase(deps, {
        ctx: full,
        caseId: target.id,
        attempt: target.attempt_count ?? target.failures,
        mode,
        newPaymentMethodSinceFailure: true,
        keyBase: `card-update:${target.id}:${ctx.newPaymentMethodId}`,
        proposed: { call: { name: "request_stripe_smart_retry", args: { schedule: "retry_now" } }, why: "new payment method while an invoice is open: pay it once now", decidedBy: "lifecycle" },
      });
      if (r.outcome === "parked") return { status: "parked", reason: "kill switch turned on before the side effect", caseId: target.id };
      return { status: "decided", reason: `card-update retry: ${r.outcome} (${r.detail})`, caseId: target.id };
    }
    case "recovered":
      return { status: "decided", reason: "case recovered", caseId: event.caseId };
    case "subscription_update":
      return note(deps, event.ctx, null, mode, `subscription ${event.ctx.previousSubscriptionStatus ?? "?"} -> ${event.ctx.subscriptionStatus ?? "?"}`);
    case "subscription_ended":
      return { status: "decided", reason: `subscription ended; ${event.closedCaseIds.length} case(s) lost`, caseId: event.closedCaseIds[0] ?? null };
    case "trial_will_end":
      return note(deps, event.ctx, null, mode, "trial ends soon");
  }
}
