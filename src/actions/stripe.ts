/**
 * @module actions/stripe
 * Stripe side effects, each with an idempotency key derived from the event and the action.
 * A finalized invoice cannot change, so a winback coupon goes on the subscription (its next invoice)
 * while it is active or past due; for a canceled one the email carries the code and a resubscribe link.
 */
import type Stripe from "stripe";
import type { Deps } from "../deps.ts";
import type { DunningContext } from "../ingest/context.ts";
import { onceEffect } from "../ledger/side-effects.ts";

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
  const expiresAtMs = deps.clock() + input.validDays * 86400 * 1000;
  const expiresAt = Math.floor(expiresAtMs / 1000);
  const intent = (operation: string) => ({
    decisionId: input.decisionId,
    eventId: ctx.eventId,
    caseId: input.caseId,
    customerId: ctx.customerId,
    kind: "stripe" as const,
    provider: "stripe",
    operation,
    idempotencyKey: `${input.keyBase}:${operation}`,
  });
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
  });
  const couponId = coupon.skipped ? (JSON.parse(coupon.row.detail ?? "{}") as { couponId: string }).couponId : coupon.result.id;
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
  });
  const promotionCodeId = promo.skipped ? (JSON.parse(promo.row.detail ?? "{}") as { promotionCodeId: string }).promotionCodeId : promo.result.id;
  const status = ctx.subscriptionStatus;
  const canApply = ctx.subscriptionId !== null && status !== "canceled" && status !== "incomplete_expired";
  if (canApply && ctx.subscriptionId !== null) {
    const subscriptionId = ctx.subscriptionId;
    await onceEffect(deps.db, intent("subscriptions.update"), deps.clock, async (key) => {
      const s = await stripe.subscriptions.update(
        subscriptionId,
        { discounts: [{ coupon: couponId }], metadata: { recovery_agent_winback: ctx.eventId } },
        { idempotencyKey: key },
      );
      return { requestId: requestIdOf(s), detail: { subscriptionId: s.id } };
    });
  }
  return { couponId, promotionCodeId, code, expiresAt: expiresAtMs, appliesTo: canApply ? "subscription" : "resubscribe" };
}

/**
 * Records the requested retry schedule on the invoice and, for `retry_now`, pays it once.
 * Returns the invoice status after the call.
 */
export async function requestInvoiceRetry(
  deps: Deps,
  stripe: Stripe,
  ctx: DunningContext,
  input: { invoiceId: string; caseId: string | null; decisionId: number | null; schedule: "continue" | "retry_now"; keyBase: string },
): Promise<{ paid: boolean; declined: string | null }> {
  const intent = (operation: string) => ({
    decisionId: input.decisionId,
    eventId: ctx.eventId,
    caseId: input.caseId,
    customerId: ctx.customerId,
    kind: "stripe" as const,
    provider: "stripe",
    operation,
    idempotencyKey: `${input.keyBase}:${operation}`,
  });
  await onceEffect(deps.db, intent("invoices.update"), deps.clock, async (key) => {
    const inv = await stripe.invoices.update(
      input.invoiceId,
      { metadata: { recovery_agent_retry: input.schedule, recovery_agent_event: ctx.eventId } },
      { idempotencyKey: key },
    );
    return { requestId: requestIdOf(inv), detail: { schedule: input.schedule } };
  });
  if (input.schedule !== "retry_now") return { paid: false, declined: null };
  let declined: string | null = null;
  const paid = await onceEffect(deps.db, intent("invoices.pay"), deps.clock, async (key) => {
    try {
      const inv = await stripe.invoices.pay(input.invoiceId, {}, { idempotencyKey: key });
      return { requestId: requestIdOf(inv), detail: { status: inv.status }, status: inv.status };
    } catch (err) {
      const e = err as { type?: string; code?: string; decline_code?: string; raw?: { decline_code?: string } };
      if (e.type === "StripeCardError") {
        declined = e.decline_code ?? e.raw?.decline_code ?? e.code ?? "card_declined";
        return { requestId: null, detail: { declined }, status: "open" };
      }
      throw err;
    }
  });
  const status = paid.skipped ? (JSON.parse(paid.row.detail ?? "{}") as { status?: string }).status : paid.result.status;
  return { paid: status === "paid", declined };
}
