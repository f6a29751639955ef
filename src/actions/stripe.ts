/**
 * @module actions/stripe
 * Stripe side effects, each with an idempotency key derived from the event and the action.
 * A finalized invoice cannot change, so a winback coupon goes on the subscription (its next invoice)
 * while it is active or past due; for a canceled one the email carries the code and a resubscribe link.
 */
import { assertMayAct, claimCardAttempt } from "./refusal.ts";
import type Stripe from "stripe";
import type { Deps } from "../deps.ts";
import type { DunningContext } from "../ingest/context.ts";
import { onceEffect, type EffectIntent } from "../ledger/side-effects.ts";

export interface WinbackCodes {
  couponId: string;
  promotionCodeId: string;
  code: string;
  expiresAt: number;
  appliesTo: "subscription" | "resubscribe";
}

const requestIdOf = (obj: unknown): string | null => {
  const r = (obj as { lastResponse?: { requestId?: string } } | null)?.lastResponse?.requestId;
  return typeof r === "string" ? r : null;
};

/** The side-effect intents of one action: every Stripe call keyed by the action's key base plus the operation. */
function stripeIntents(ctx: DunningContext, input: { caseId: string | null; decisionId: number | null; keyBase: string }) {
  return (operation: string): EffectIntent => ({
    decisionId: input.decisionId,
    eventId: ctx.eventId,
    caseId: input.caseId,
    customerId: ctx.customerId,
    kind: "stripe",
    provider: "stripe",
    operation,
    idempotencyKey: `${input.keyBase}:${operation}`,
  });
}

/** A readable, single-use code: e.g. COMEBACK20-7F3K2Q. Derived from the event so a retry makes the same code. */
export async function promoCodeFor(eventId: string, percentOff: number): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(eventId)));
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  let suffix = "";
  for (let i = 0; i < 6; i++) suffix += alphabet[(digest[i] ?? 0) % alphabet.length];
  return `COMEBACK${percentOff}-${suffix}`;
}

export async function createWinbackCodes(
  deps: Deps,
  stripe: Stripe,
  ctx: DunningContext,
  input: { caseId: string | null; decisionId: number | null; percentOff: number; validDays: number; keyBase: string },
): Promise<WinbackCodes> {
  await assertMayAct(deps.db, ctx.customerId, "offer", deps.clock(), ctx.failureReason);
  const intent = stripeIntents(ctx, input);
  const coupon = await onceEffect(deps.db, intent("coupons.create"), deps.clock, async (key) => {
    const c = await stripe.coupons.create(
      {
        percent_off: input.percentOff,
        duration: "once",
        max_redemptions: 1,
        name: `Winback ${input.percentOff}%`,
        metadata: { recovery_agent_event: ctx.eventId, customer: ctx.customerId },
      },
      { idempotencyKey: key },
    );
    return { requestId: requestIdOf(c), detail: { couponId: c.id }, id: c.id };
  }, {
    // A stored failure: did a coupon for this event get made anyway? (our metadata names the event and customer)
    reconcile: async () => {
      const list = await stripe.coupons.list({ limit: 100 });
      const c = list.data.find((x) => x.metadata?.recovery_agent_event === ctx.eventId && x.metadata?.customer === ctx.customerId);
      return c ? { requestId: null, detail: { couponId: c.id }, id: c.id } : null;
    },
  });
  const couponId = coupon.skipped ? (JSON.parse(coupon.row.detail ?? "{}") as { couponId: string }).couponId : coupon.result.id;
  // The expiry is anchored to the first attempt of this action (its coupon intent), not to now: a retried message
  // must send the promotion code with the same parameters under the same idempotency key, or Stripe refuses it.
  const firstAttempt = await deps.db.prepare(`SELECT created_at FROM side_effects WHERE idempotency_key = ?1`).bind(intent("coupons.create").idempotencyKey).first<{ created_at: number }>();
  const expiresAtMs = (firstAttempt?.created_at ?? deps.clock()) + input.validDays * 86400 * 1000;
  const expiresAt = Math.floor(expiresAtMs / 1000);
  const code = await promoCodeFor(ctx.eventId, input.percentOff);
  const promo = await onceEffect(deps.db, intent("promotion_codes.create"), deps.clock, async (key) => {
    const p = await stripe.promotionCodes.create(
      {
        promotion: { type: "coupon", coupon: couponId },
        code,
        customer: ctx.customerId,
        max_redemptions: 1,
        expires_at: expiresAt,
        metadata: { recovery_agent_event: ctx.eventId },
      },
      { idempotencyKey: key },
    );
    return { requestId: requestIdOf(p), detail: { promotionCodeId: p.id, code: p.code }, id: p.id };
  }, {
    reconcile: async () => {
      const list = await stripe.promotionCodes.list({ code, limit: 1 });
      const p = list.data[0];
      return p ? { requestId: null, detail: { promotionCodeId: p.id, code: p.code }, id: p.id } : null;
    },
  });
  const promotionCodeId = promo.skipped ? (JSON.parse(promo.row.detail ?? "{}") as { promotionCodeId: string }).promotionCodeId : promo.result.id;
  const status = ctx.subscriptionStatus;
  const canApply = ctx.subscriptionId !== null && status !== "canceled" && status !== "incomplete_expired";
  if (canApply && ctx.subscriptionId !== null) {
    const subscriptionId = ctx.subscriptionId;
    await onceEffect(deps.db, intent("subscriptions.update"), deps.clock, async (key) => {
      // `discounts` replaces the subscription's discounts: keep the ones the customer already has.
      const current = await stripe.subscriptions.retrieve(subscriptionId);
      const kept = (current.discounts ?? []).map((d) => ({ discount: typeof d === "string" ? d : d.id }));
      const s = await stripe.subscriptions.update(
        subscriptionId,
        { discounts: [...kept, { coupon: couponId }], metadata: { recovery_agent_winback: ctx.eventId } },
        { idempotencyKey: key },
      );
      return { requestId: requestIdOf(s), detail: { subscriptionId: s.id } };
    }, {
      reconcile: async () => {
        const sub = await stripe.subscriptions.retrieve(subscriptionId);
        return sub.metadata?.recovery_agent_winback === ctx.eventId ? { requestId: null, detail: { subscriptionId: sub.id } } : null;
      },
    });
  }
  return { couponId, promotionCodeId, code, expiresAt: expiresAtMs, appliesTo: canApply ? "subscription" : "resubscribe" };
}

/**
 * Stops Stripe's automatic collection of one invoice (`auto_advance: false`): no more Smart Retries. Only a person
 * asks for it (the gate refuses every other proposer), after a customer wrote that they want to cancel.
 */
export async function stopInvoiceRetries(deps: Deps, stripe: Stripe, ctx: DunningContext, input: { invoiceId: string; caseId: string | null; decisionId: number | null; keyBase: string }): Promise<void> {
  await onceEffect(deps.db, stripeIntents(ctx, input)("invoices.update:auto_advance"), deps.clock, async (key) => {
    const inv = await stripe.invoices.update(input.invoiceId, { auto_advance: false, metadata: { recovery_agent_retries: "stopped" } }, { idempotencyKey: key });
    return { requestId: requestIdOf(inv), detail: { autoAdvance: false } };
  });
}

/**
 * Records the requested retry schedule on the invoice and, for `retry_now`, pays it once.
 * Returns the invoice status after the call.
 */
export async function requestInvoiceRetry(
  deps: Deps,
  stripe: Stripe,
  ctx: DunningContext,
  input: { invoiceId: string; caseId: string | null; decisionId: number | null; schedule: "continue" | "retry_now"; keyBase: string; paymentMethodId?: string | null },
): Promise<{ paid: boolean; declined: string | null }> {
  await assertMayAct(deps.db, ctx.customerId, "retry", deps.clock());
  const intent = stripeIntents(ctx, input);
  await onceEffect(deps.db, intent("invoices.update"), deps.clock, async (key) => {
    const inv = await stripe.invoices.update(
      input.invoiceId,
      { metadata: { recovery_agent_retry: input.schedule, recovery_agent_event: ctx.eventId } },
      { idempotencyKey: key },
    );
    return { requestId: requestIdOf(inv), detail: { schedule: input.schedule } };
  }, {
    reconcile: async () => {
      const inv = await stripe.invoices.retrieve(input.invoiceId);
      return inv.metadata?.recovery_agent_event === ctx.eventId ? { requestId: null, detail: { schedule: input.schedule } } : null;
    },
  });
  if (input.schedule !== "retry_now") return { paid: false, declined: null };
  if (input.paymentMethodId) {
    await claimCardAttempt(deps.db, { paymentMethodId: input.paymentMethodId, customerId: ctx.customerId, idempotencyKey: `${input.keyBase}:invoices.pay`, cap: deps.config.maxCardRetries30d }, deps.clock());
  }
  let declined: string | null = null;
  const paid = await onceEffect(deps.db, intent("invoices.pay"), deps.clock, async (key) => {
    try {
      const inv = await stripe.invoices.pay(input.invoiceId, input.paymentMethodId ? { payment_method: input.paymentMethodId } : {}, { idempotencyKey: key });
      return { requestId: requestIdOf(inv), detail: { status: inv.status }, status: inv.status };
    } catch (err) {
      const e = err as { type?: string; code?: string; decline_code?: string; raw?: { decline_code?: string } };
      if (e.type === "StripeCardError") {
        declined = e.decline_code ?? e.raw?.decline_code ?? e.code ?? "card_declined";
        return { requestId: null, detail: { declined }, status: "open" };
      }
      throw err;
    }
  }, {
    // Paid meanwhile (the stored failure came after the payment went through): done. Still open: nothing happened.
    reconcile: async () => {
      const inv = await stripe.invoices.retrieve(input.invoiceId);
      return inv.status === "paid" ? { requestId: null, detail: { status: inv.status }, status: inv.status } : null;
    },
  });
  const status = paid.skipped ? (JSON.parse(paid.row.detail ?? "{}") as { status?: string }).status : paid.result.status;
  return { paid: status === "paid", declined };
}

/** Confirms a one-off PaymentIntent again with its saved payment method (the agent's own retry). */
export async function retryPaymentIntent(
  deps: Deps,
  stripe: Stripe,
  input: { paymentIntentId: string; customerId: string; eventId: string; caseId: string; decisionId: number | null; idempotencyKey: string; paymentMethodId?: string | null },
): Promise<{ status: "succeeded" | "declined" | "requires_action" | "skipped"; declineCode: string | null; detail: string }> {
  await assertMayAct(deps.db, input.customerId, "retry", deps.clock());
  const pi = await stripe.paymentIntents.retrieve(input.paymentIntentId);
  if (pi.status === "succeeded" || pi.status === "canceled" || pi.status === "processing") return { status: "skipped", declineCode: null, detail: `PaymentIntent already ${pi.status}` };
  // Only the payment method the customer chose for this payment: never another card on file.
  const lastPm = (pi.last_payment_error as { payment_method?: { id?: string } } | null)?.payment_method?.id ?? null;
  // A card the customer saved for this very payment (the card-update link's setup session) comes first.
  const paymentMethod = input.paymentMethodId ?? (typeof pi.payment_method === "string" ? pi.payment_method : (pi.payment_method?.id ?? null)) ?? lastPm;
  if (paymentMethod === null) return { status: "skipped", declineCode: null, detail: "the payment method the customer chose for this payment is gone; no retry with another card" };
  const pm = paymentMethod;
  await claimCardAttempt(deps.db, { paymentMethodId: pm, customerId: input.customerId, idempotencyKey: input.idempotencyKey, cap: deps.config.maxCardRetries30d }, deps.clock());
  let declineCode: string | null = null;
  const done = await onceEffect(
    deps.db,
    { decisionId: input.decisionId, eventId: input.eventId, caseId: input.caseId, customerId: input.customerId, kind: "stripe", provider: "stripe", operation: "payment_intents.confirm", idempotencyKey: input.idempotencyKey },
    deps.clock,
    async (key) => {
      try {
        const confirmed = await stripe.paymentIntents.confirm(input.paymentIntentId, { payment_method: pm, off_session: true }, { idempotencyKey: key });
        return { requestId: requestIdOf(confirmed), detail: { status: confirmed.status }, status: confirmed.status };
      } catch (err) {
        const e = err as { type?: string; code?: string; decline_code?: string; raw?: { decline_code?: string } };
        if (e.type === "StripeCardError") {
          declineCode = e.decline_code ?? e.raw?.decline_code ?? e.code ?? "card_declined";
          return { requestId: null, detail: { status: "declined", declineCode }, status: "declined" };
        }
        throw err;
      }
    },
    {
      reconcile: async () => {
        const now = await stripe.paymentIntents.retrieve(input.paymentIntentId);
        return now.status === "succeeded" || now.status === "processing" || now.status === "requires_action" ? { requestId: null, detail: { status: now.status }, status: now.status } : null;
      },
    },
  );
  const status = done.skipped ? ((JSON.parse(done.row.detail ?? "{}") as { status?: string }).status ?? "skipped") : done.result.status;
  if (status === "succeeded") return { status: "succeeded", declineCode: null, detail: "PaymentIntent succeeded on retry" };
  if (status === "requires_action") return { status: "requires_action", declineCode: null, detail: "the bank asks the customer to authenticate" };
  return { status: "declined", declineCode, detail: `retry declined (${declineCode ?? "unknown"})` };
}
