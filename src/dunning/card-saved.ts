/**
 * @module card-saved
 * `checkout.session.completed` in `setup` mode: the customer saved a new card through the card-update link of a
 * one-off PaymentIntent (links/stripe-session.ts). The agent pays that PaymentIntent once with it, proposing the
 * system tool `retry_payment_intent` through the one gate, keyed by case and card: a replayed or repeated event
 * charges nothing twice (the key, the recorded side effect, and the PaymentIntent's own status all hold).
 */
import type { Mode } from "../constants.ts";
import type { Deps } from "../deps.ts";
import type { DunningContext } from "../ingest/context.ts";
import { getCase } from "../ledger/cases.ts";
import { completeContext } from "./complete.ts";
import { decideCase } from "./decide-case.ts";
import type { Handled } from "./process.ts";

const note = (caseId: string | null, reason: string): Handled => ({ status: "decided", reason, caseId });

export async function cardSaved(deps: Deps, ctx: DunningContext, mode: Mode): Promise<Handled> {
  if (ctx.checkoutMode !== "setup") return note(null, `checkout session in ${ctx.checkoutMode ?? "unknown"} mode: not a card-update link; nothing to do`);
  const caseId = ctx.paymentIntentId;
  if (caseId === null) return note(null, "setup session without our case metadata: not a card-update link; nothing to do");
  const row = await getCase(deps.db, caseId);
  if (row === null || row.kind !== "payment_intent" || row.customer_id !== ctx.customerId) return note(null, `no one-off case ${caseId} for this customer; nothing charged`);
  if (row.status !== "open") return note(row.id, `card saved; case already ${row.status}, nothing charged`);
  if (deps.stripe === null || ctx.setupIntentId == null) return note(row.id, "card saved; no Stripe key or SetupIntent to read the card from, nothing charged");
  const si = await deps.stripe.setupIntents.retrieve(ctx.setupIntentId);
  const pm = typeof si.payment_method === "string" ? si.payment_method : (si.payment_method?.id ?? null);
  if (pm === null || si.status !== "succeeded") return note(row.id, `setup ${si.status}: no saved card, nothing charged`);
  const full = await completeContext(deps, {
    ...ctx,
    paymentIntentId: row.id,
    amountDue: row.amount,
    currency: row.currency,
    hostedInvoiceUrl: row.hosted_invoice_url,
    failureReason: (row.reason as DunningContext["failureReason"]) ?? null,
    declineCode: row.decline_code,
    newPaymentMethodId: pm,
  });
  const r = await decideCase(deps, {
    ctx: full,
    caseId: row.id,
    attempt: row.failures,
    mode,
    newPaymentMethodSinceFailure: true,
    keyBase: `card-saved:${row.id}:${pm}`,
    proposed: {
      call: { name: "retry_payment_intent", args: { payment_intent_id: row.payment_intent_id ?? row.id, failures: Math.max(1, row.failures), payment_method_id: pm } },
      why: "the customer saved a new card for this payment: pay it once now",
      decidedBy: "lifecycle",
    },
  });
  if (r.outcome === "parked") return { status: "parked", reason: "kill switch turned on before the side effect", caseId: row.id };
  return note(row.id, `card saved; one-off payment with the new card: ${r.outcome} (${r.detail})`);
}
