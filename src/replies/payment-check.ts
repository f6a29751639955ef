/**
 * @module replies/payment-check
 * "I updated my card": re-reads Stripe for the customer's default payment method and says whether it is new since
 * the case's failure (not the card that declined, and added after the case opened).
 */
import type Stripe from "stripe";
import type { DunningContext } from "../ingest/context.ts";
import type { CaseRow } from "../ledger/cases.ts";
import { isTransientStripeError } from "../clients/stripe.ts";

/** A lookup that may find nothing: a definite Stripe error (no such object) reads as null; a transient one throws. */
const orNull = <T>(p: Promise<T>): Promise<T | null> =>
  p.catch((err: unknown) => {
    if (isTransientStripeError(err)) throw err;
    return null;
  });

const idOf = (pm: string | { id: string } | null | undefined): string | null => (pm === null || pm === undefined ? null : typeof pm === "string" ? pm : pm.id);

/** The new payment method's id, or null when Stripe shows none since the failure. Transient Stripe errors throw. */
export async function newPaymentMethodSinceFailure(stripe: Stripe, ctx: DunningContext, row: CaseRow): Promise<string | null> {
  const customer = await stripe.customers.retrieve(ctx.customerId);
  let pmId = "deleted" in customer && customer.deleted === true ? null : idOf((customer as Stripe.Customer).invoice_settings?.default_payment_method);
  if (pmId === null && row.subscription_id !== null) {
    const sub = await orNull(stripe.subscriptions.retrieve(row.subscription_id));
    pmId = idOf(sub?.default_payment_method);
  }
  if (pmId === null) return null;
  const failed = ctx.paymentMethodId ?? null;
  if (failed !== null) return pmId === failed ? null : pmId;
  // The declined card is unknown: only a card created after the case opened counts as new.
  const pm = await orNull(stripe.paymentMethods.retrieve(pmId));
  return pm !== null && pm.created >= Math.floor(row.opened_at / 1000) ? pmId : null;
}
