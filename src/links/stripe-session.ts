/**
 * @module stripe-session
 * Opens the Stripe page a card-update button leads to, once per press: a billing-portal session on the
 * "update payment method" flow, or, for a one-off PaymentIntent, a Checkout Session in `setup` mode that saves a
 * new card (its `checkout.session.completed` event then pays the PaymentIntent once, through the gate). Each call
 * carries an idempotency key derived from the link and the press. Expected failures are values.
 */
import type Stripe from "stripe";
import type { CaseRow } from "../ledger/cases.ts";

/** Checkout Session metadata naming the case and the PaymentIntent the saved card is for. */
export const CHECKOUT_CASE_METADATA = "recovery_agent_case";
export const CHECKOUT_PI_METADATA = "recovery_agent_payment_intent";

export type SessionResult = { ok: true; url: string; id: string } | { ok: false; reason: "portal_not_configured" | "stripe_error"; errorType: string | null; status: number | null; error: string };

function failure(err: unknown, portal: boolean): SessionResult {
  const e = err as { type?: string; statusCode?: number; message?: string };
  // Stripe refuses portal sessions until the portal settings were saved once in this mode: an operator problem.
  const notConfigured = portal && e.type === "StripeInvalidRequestError" && /portal|configuration/i.test(e.message ?? "");
  return { ok: false, reason: notConfigured ? "portal_not_configured" : "stripe_error", errorType: e.type ?? null, status: e.statusCode ?? null, error: e.message ?? String(err) };
}

export async function openPortal(stripe: Stripe, input: { customerId: string; returnUrl: string; idempotencyKey: string }): Promise<SessionResult> {
  try {
    const s = await stripe.billingPortal.sessions.create(
      {
        customer: input.customerId,
        return_url: input.returnUrl,
        flow_data: { type: "payment_method_update", after_completion: { type: "redirect", redirect: { return_url: input.returnUrl } } },
      },
      { idempotencyKey: input.idempotencyKey },
    );
    return { ok: true, url: s.url, id: s.id };
  } catch (err) {
    return failure(err, true);
  }
}

export async function openCardSetup(stripe: Stripe, input: { row: CaseRow; successUrl: string; cancelUrl: string; idempotencyKey: string }): Promise<SessionResult> {
  const { row } = input;
  const metadata = { [CHECKOUT_CASE_METADATA]: row.id, [CHECKOUT_PI_METADATA]: row.payment_intent_id ?? row.id };
  try {
    const s = await stripe.checkout.sessions.create(
      {
        mode: "setup",
        customer: row.customer_id,
        currency: row.currency ?? undefined,
        success_url: input.successUrl,
        cancel_url: input.cancelUrl,
        metadata,
        setup_intent_data: { metadata },
      },
      { idempotencyKey: input.idempotencyKey },
    );
    if (s.url === null) return { ok: false, reason: "stripe_error", errorType: null, status: null, error: "checkout session without a url" };
    return { ok: true, url: s.url, id: s.id };
  } catch (err) {
    return failure(err, false);
  }
}
