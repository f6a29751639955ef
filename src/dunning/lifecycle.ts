/**
 * @module lifecycle
 * Events around the failure itself: one-off PaymentIntent failures (the agent owns their retries), a new card
 * while an invoice is open (pay it once now), trial endings, subscription endings (case lost, one tasteful
 * winback the next day) and recoveries.
 */
import type { Mode } from "../constants.ts";
import type { Deps } from "../deps.ts";
import type { DunningContext } from "../ingest/context.ts";
import { log } from "../log.ts";
import { openCasesForCustomer, recordFailure } from "../ledger/cases.ts";
import { getCustomer } from "../ledger/customers.ts";
import { getEvent } from "../ledger/events.ts";
import { scheduleJob } from "../ledger/jobs.ts";
import { completeContext } from "./complete.ts";
import { decideCase } from "./decide-case.ts";
import { planOneOff } from "./one-off.ts";
import { retryAdvice } from "./retry-advice.ts";
import type { Handled } from "./process.ts";

export type LifecycleEvent =
  | { kind: "one_off_failure"; ctx: DunningContext }
  | { kind: "recovered"; ctx: DunningContext; caseId: string }
  | { kind: "subscription_update"; ctx: DunningContext }
  | { kind: "subscription_ended"; ctx: DunningContext; closedCaseIds: string[] }
  | { kind: "trial_will_end"; ctx: DunningContext }
  | { kind: "payment_method_updated"; ctx: DunningContext };

/** An event that asks for no action: its ledger row (decided, with this reason) is the whole record. */
function note(caseId: string | null, reason: string): Handled {
  return { status: "decided", reason, caseId };
}

const parked = (caseId: string | null): Handled => ({ status: "parked", reason: "kill switch turned on before the side effect", caseId });

/** A one-off PaymentIntent failure: the planned action now, and the agent's own retry later. */
export async function decideOneOff(deps: Deps, ctx0: DunningContext, caseId: string, failures: number, mode: Mode): Promise<Handled> {
  const advice = retryAdvice({ declineCode: ctx0.declineCode, adviceCode: ctx0.adviceCode, networkAdviceCode: ctx0.networkAdviceCode, outcomeReason: ctx0.outcomeReason });
  const plan = planOneOff(ctx0.failureReason ?? "unknown", failures, deps.config.piRetryDelaysSeconds, advice);
  const retryAt = plan.retryAfterSeconds === null ? null : deps.clock() + plan.retryAfterSeconds * 1000;
  const ctx: DunningContext = { ...ctx0, nextPaymentAttempt: retryAt };
  // The one-off plan is the rules for one-off payments: a refused step goes to a person.
  const r = await decideCase(deps, { ctx, caseId, attempt: failures, mode, proposed: { call: plan.call, why: plan.why, decidedBy: "lifecycle" }, onRefusal: "escalate" });
  if (r.outcome === "parked") return parked(caseId);
  if (retryAt !== null && ctx.paymentIntentId !== null) {
    await scheduleJob(
      deps.db,
      { id: `pi_retry:${ctx.paymentIntentId}:${failures}`, kind: "pi_retry", caseId, customerId: ctx.customerId, dueAt: retryAt, payload: { paymentIntentId: ctx.paymentIntentId, eventId: ctx.eventId, failures } },
      deps.clock(),
    );
  }
  return { status: "decided", reason: `${r.tool ?? "no action"}: ${r.outcome}${retryAt !== null ? `; retry at ${new Date(retryAt).toISOString()}` : ""}`, caseId };
}

/** Trial ending: engaged (a payment method on file) or lapsed (none), from Stripe when configured, else the ledger. */
async function trialIsEngaged(deps: Deps, ctx: DunningContext): Promise<boolean> {
  if (deps.stripe !== null) {
    try {
      const customer = await deps.stripe.customers.retrieve(ctx.customerId);
      if (!("deleted" in customer && customer.deleted)) {
        const c = customer as { invoice_settings?: { default_payment_method?: unknown } };
        if (c.invoice_settings?.default_payment_method) return true;
      }
      if (ctx.subscriptionId !== null) {
        const sub = await deps.stripe.subscriptions.retrieve(ctx.subscriptionId);
        if (sub.default_payment_method) return true;
      }
      return false;
    } catch (err) {
      log("warn", "lifecycle.trial_lookup_failed", { customerId: ctx.customerId, error: err instanceof Error ? err.message : String(err) });
    }
  }
  const seen = await deps.db
    .prepare(`SELECT 1 AS x FROM events WHERE customer_id = ?1 AND type IN ('payment_method.attached', 'customer.updated') AND json_extract(context, '$.newPaymentMethodId') IS NOT NULL LIMIT 1`)
    .bind(ctx.customerId)
    .first();
  return seen !== null;
}

async function trialWillEnd(deps: Deps, ctx0: DunningContext, mode: Mode): Promise<Handled> {
  const ctx = await completeContext(deps, ctx0);
  if (ctx.trialEnd === null) return note(null, "trial_will_end without a trial end date");
  const engaged = await trialIsEngaged(deps, ctx);
  const r = await decideCase(deps, {
    ctx,
    caseId: null,
    attempt: 0,
    mode,
    keyBase: `${ctx.eventId}:trial`,
    proposed: { call: { name: "send_trial_email", args: { engaged } }, why: engaged ? "engaged trial: tell them what continues" : "lapsed trial: invite them to add a payment method", decidedBy: "lifecycle" },
  });
  if (r.outcome === "parked") return parked(null);
  return { status: "decided", reason: `trial nudge: ${r.outcome}${r.outcome === "executed" ? "" : ` (${r.detail})`}`, caseId: null };
}

export async function handleLifecycle(deps: Deps, event: LifecycleEvent, mode: Mode): Promise<Handled> {
  switch (event.kind) {
    case "one_off_failure": {
      const ctx = await completeContext(deps, event.ctx);
      const caseRow = await recordFailure(deps.db, ctx, deps.clock());
      if (caseRow.status !== "open") return note(caseRow.id, `case already ${caseRow.status}; nothing sent`);
      return decideOneOff(deps, ctx, caseRow.id, caseRow.failures, mode);
    }
    case "payment_method_updated": {
      const ctx = event.ctx;
      if (ctx.newPaymentMethodId === null) return note(null, "no new default payment method");
      const target = (await openCasesForCustomer(deps.db, ctx.customerId)).find((c) => c.kind === "invoice");
      if (target === undefined) return note(null, "new payment method; no open failed invoice");
      // Stripe does not deliver in order: a card attached before the failure (the one that just declined) arrives
      // late. Only a card attached after the last failure is new.
      const failed = target.last_event_id === null ? null : await getEvent(deps.db, target.last_event_id);
      const failedCtx = failed === null ? null : (JSON.parse(failed.context) as DunningContext);
      if (failed !== null && ctx.occurredAt < failed.occurred_at) {
        return note(target.id, `payment method ${ctx.newPaymentMethodId} was attached before the last failure (${new Date(failed.occurred_at).toISOString()}); not a new card`);
      }
      if (failedCtx?.paymentMethodId !== undefined && failedCtx.paymentMethodId !== null && failedCtx.paymentMethodId === ctx.newPaymentMethodId) {
        return note(target.id, `payment method ${ctx.newPaymentMethodId} is the one that failed; not a new card`);
      }
      const full = await completeContext(deps, {
        ...ctx,
        invoiceId: target.invoice_id,
        subscriptionId: target.subscription_id,
        amountDue: target.amount,
        currency: target.currency,
        failureReason: (target.reason as DunningContext["failureReason"]) ?? null,
        declineCode: target.decline_code,
      });
      const r = await decideCase(deps, {
        ctx: full,
        caseId: target.id,
        attempt: target.attempt_count ?? target.failures,
        mode,
        newPaymentMethodSinceFailure: true,
        // One retry per case and payment method, however many update events announce it.
        keyBase: `card-update:${target.id}:${ctx.newPaymentMethodId}`,
        proposed: { call: { name: "request_stripe_smart_retry", args: { schedule: "retry_now" } }, why: "new payment method while an invoice is open: pay it once now", decidedBy: "lifecycle" },
      });
      if (r.outcome === "parked") return parked(target.id);
      return { status: "decided", reason: `card-update retry: ${r.outcome} (${r.detail})`, caseId: target.id };
    }
    case "recovered":
      return { status: "decided", reason: "case recovered", caseId: event.caseId };
    case "subscription_update":
      return note(null, `subscription ${event.ctx.previousSubscriptionStatus ?? "?"} -> ${event.ctx.subscriptionStatus ?? "?"}`);
    case "subscription_ended": {
      const ctx = event.ctx;
      const customer = await getCustomer(deps.db, ctx.customerId);
      if ((customer?.paid_invoices ?? 0) > 0) {
        // One tasteful winback the next day, gated like every winback when it runs.
        await scheduleJob(
          deps.db,
          { id: `winback_after_loss:${ctx.subscriptionId ?? ctx.eventId}`, kind: "winback_after_loss", caseId: event.closedCaseIds[0] ?? null, customerId: ctx.customerId, dueAt: deps.clock() + 86400_000, payload: { eventId: ctx.eventId, closedCaseIds: event.closedCaseIds } },
          deps.clock(),
        );
      }
      return { status: "decided", reason: `subscription ended; ${event.closedCaseIds.length} case(s) lost`, caseId: event.closedCaseIds[0] ?? null };
    }
    case "trial_will_end":
      return trialWillEnd(deps, event.ctx, mode);
  }
}
