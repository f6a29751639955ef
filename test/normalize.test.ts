import { describe, expect, it } from "vitest";
import type Stripe from "stripe";
import { DECLINE_CODE_TABLE, FAILURE_REASONS, reasonFromCodes } from "../src/ingest/decline-codes.ts";
import { formatMoney, currencyExponent } from "../src/ingest/money.ts";
import { normalizeEvent } from "../src/ingest/normalize.ts";
import { resolvePlanTier } from "../src/ingest/plan-tier.ts";
import { FIXTURES, fixture } from "./helpers/stripe-events.ts";

/** Every decline code documented at https://docs.stripe.com/declines/codes (card codes, then local payment methods). */
const DOCUMENTED_CARD_CODES =
  "authentication_required, authentication_not_handled, approve_with_id, call_issuer, card_not_supported, card_velocity_exceeded, currency_not_supported, do_not_honor, do_not_try_again, duplicate_transaction, expired_card, fraudulent, generic_decline, incorrect_address, incorrect_cvc, incorrect_number, incorrect_pin, incorrect_zip, insufficient_funds, invalid_account, invalid_amount, invalid_cvc, invalid_expiry_month, invalid_expiry_year, invalid_number, invalid_pin, issuer_not_available, lost_card, merchant_blacklist, new_account_information_available, no_action_taken, not_permitted, offline_pin_required, online_or_offline_pin_required, pickup_card, pin_try_exceeded, processing_error, reenter_transaction, restricted_card, revocation_of_all_authorizations, revocation_of_authorization, security_violation, service_not_allowed, stolen_card, stop_payment_order, testmode_decline, transaction_not_allowed, try_again_later, withdrawal_count_limit_exceeded, mobile_device_authentication_required".split(
    ", ",
  );
const DOCUMENTED_LPM_CODES = [
  "partner_generic_decline", "invalid_customer_account", "payment_limit_exceeded", "invalid_billing_agreement", "expired_card", "processing_error",
  "insufficient_funds", "currency_not_supported", "invalid_amount", "invalid_business_account", "partner_high_risk_customer", "compliance_violation",
  "payment_disputed", "invalid_authorization", "invalid_payment_information", "partner_payment_not_found", "expired_payment_information", "duplicate_transaction",
  // charge.outcome.reason spellings
  "partner_expired_card", "partner_processing_error", "partner_insufficient_funds", "partner_invalid_currency", "partner_invalid_amount", "partner_duplicate_transaction",
];

const norm = (name: string) => {
  const r = normalizeEvent(fixture(name) as unknown as Stripe.Event);
  if (!r.ok) throw new Error(`${name}: ${r.reason}`);
  return r;
};

describe("decline-code table", () => {
  it("is total over every documented code (50 card + LPM codes)", () => {
    expect(DOCUMENTED_CARD_CODES).toHaveLength(50);
    const missing = [...DOCUMENTED_CARD_CODES, ...DOCUMENTED_LPM_CODES].filter((c) => DECLINE_CODE_TABLE[c] === undefined);
    expect(missing).toEqual([]);
  });

  it("holds only documented codes, error codes and outcome reasons: no invented spellings", () => {
    const API_ERROR_CODES = ["card_declined", "card_decline_rate_limit_exceeded", "payment_intent_authentication_failure", "payment_method_unactivated", "payment_method_not_available", "payment_method_provider_decline"];
    const OUTCOME_REASONS = ["highest_risk_level", "elevated_risk_level", "rule"];
    const known = new Set([...DOCUMENTED_CARD_CODES, ...DOCUMENTED_LPM_CODES, ...API_ERROR_CODES, ...OUTCOME_REASONS]);
    expect(Object.keys(DECLINE_CODE_TABLE).filter((c) => !known.has(c))).toEqual([]);
  });

  it("maps only into our vocabulary", () => {
    for (const reason of Object.values(DECLINE_CODE_TABLE)) expect(FAILURE_REASONS).toContain(reason);
  });

  it.each([
    ["expired_card", "card_expired"],
    ["insufficient_funds", "insufficient_funds"],
    ["authentication_required", "authentication_required"],
    ["generic_decline", "do_not_honor"],
    ["incorrect_cvc", "invalid_card_details"],
    ["stolen_card", "card_unusable"],
    ["fraudulent", "fraud_suspected"],
    ["merchant_blacklist", "fraud_suspected"],
    ["issuer_not_available", "processing_error"],
    ["try_again_later", "processing_error"],
    ["invalid_business_account", "merchant_account_issue"],
    ["card_decline_rate_limit_exceeded", "processing_error"],
  ])("%s -> %s", (code, reason) => {
    expect(reasonFromCodes([code]).reason).toBe(reason);
  });

  it("prefers a specific code over the generic card_declined, and flags unmapped codes", () => {
    expect(reasonFromCodes([null, "card_declined", "insufficient_funds"])).toEqual({ reason: "insufficient_funds", code: "insufficient_funds", unmapped: false });
    expect(reasonFromCodes(["some_new_issuer_code"])).toEqual({ reason: "unknown", code: "some_new_issuer_code", unmapped: true });
    expect(reasonFromCodes([null, undefined])).toEqual({ reason: "unknown", code: null, unmapped: false });
  });
});

describe("money", () => {
  it("formats with the currency's real exponent", () => {
    expect(formatMoney({ amount: 4900, currency: "usd" })).toBe("$49.00");
    expect(formatMoney({ amount: 4980, currency: "jpy" })).toBe("¥4,980");
    expect(formatMoney({ amount: 1234, currency: "kwd" }, "en-US").replace(/\u00a0/g, " ")).toBe("KWD 1.234");
    expect(formatMoney({ amount: 4500, currency: "eur" }, "de-DE").replace(/\u00a0/g, " ")).toBe("45,00 €");
    expect(currencyExponent("JPY")).toBe(0);
  });
});

describe("normalizeEvent", () => {
  it("normalizes every handled fixture into a schema-valid context, and ignores the rest", () => {
    for (const [name, ev] of Object.entries(FIXTURES)) {
      const r = normalizeEvent(structuredClone(ev) as unknown as Stripe.Event);
      if (name.startsWith("90-")) expect(r).toEqual({ ok: false, reason: "ignored_type" });
      else if (name === "cli-payment-intent-payment-failed") expect(r).toEqual({ ok: false, reason: "no_customer" });
      else expect(r.ok, name).toBe(true);
    }
  });

  it("current invoice shape (as the webhook carries it): no PaymentIntent named, subscription from `parent`, USD minor units", () => {
    const { context } = norm("01-olivia-invoice-payment-failed-insufficient-funds");
    expect(context).toMatchObject({
      eventType: "invoice.payment_failed",
      customerId: "cus_RiltVRG3sMWO7G",
      invoiceId: "in_1Q3TpTQ9RKHgCVdKBBbWnl3O",
      // `payments` is an includable field: a webhook never carries it, so the consumer links the PaymentIntent later.
      paymentIntentId: null,
      invoicePaymentIntentIds: [],
      amountDue: 4900,
      currency: "usd",
      attemptCount: 1,
      failureReason: null,
    });
    expect(context.subscriptionId).toMatch(/^sub_/);
    expect(context.unknown).toContain("failureReason");
    expect(context.nextPaymentAttempt).toBeGreaterThan(context.occurredAt);
  });

  it("old invoice shape: top-level payment_intent, charge and subscription; EUR", () => {
    const { context } = norm("10-lukas-old-shape-invoice-payment-failed-expired-card-eur");
    expect(context).toMatchObject({ invoiceId: "in_1LkgssQ9RKHgCVdKl627Vapu", paymentIntentId: "pi_31FNiaQ9RKHgCVdKSlPgpD9f", currency: "eur", planTier: "pro", isAnnual: false });
    expect(context.chargeId).toMatch(/^ch_/);
    expect(context.subscriptionId).toMatch(/^sub_/);
  });

  it("an expired card arrives as error code expired_card with no decline code", () => {
    const { context } = norm("11-lukas-old-shape-payment-intent-failed-expired-card-eur");
    expect(context).toMatchObject({ failureReason: "card_expired", declineCode: "expired_card", invoiceId: "in_1LkgssQ9RKHgCVdKl627Vapu" });
  });

  it("JPY amounts stay in yen (zero-decimal)", () => {
    const { context } = norm("13-haruto-invoice-payment-failed-jpy");
    expect(context).toMatchObject({ amountDue: 4980, currency: "jpy" });
    expect(formatMoney({ amount: context.amountDue ?? 0, currency: context.currency ?? "" })).toBe("¥4,980");
  });

  it("payment_action_required is authentication_required by its type", () => {
    expect(norm("12-amelia-invoice-payment-action-required-3ds-gbp").context.failureReason).toBe("authentication_required");
  });

  it("a charge's outcome reason beats the generic failure code", () => {
    expect(norm("03-olivia-charge-failed-insufficient-funds").context).toMatchObject({ failureReason: "insufficient_funds", eventType: "charge.failed" });
  });

  it("an unmapped decline code is unknown, with a warning naming it", () => {
    const r = norm("29-chloe-payment-intent-failed-unknown-decline-code-aud");
    expect(r.context.failureReason).toBe("unknown");
    expect(r.warnings).toEqual([{ kind: "unmapped_decline_code", code: "some_new_issuer_code" }]);
  });

  it("a customer without email stays explicitly unknown", () => {
    const { context } = norm("19-dmitri-invoice-payment-failed-no-email");
    expect(context.customerEmail).toBeNull();
    expect(context.unknown).toContain("customerEmail");
  });

  it("annual plans and trials come from the subscription", () => {
    const trial = norm("18-priya-subscription-trial-will-end").context;
    expect(trial.subscriptionStatus).toBe("trialing");
    expect(trial.trialEnd).toBeGreaterThan(trial.occurredAt);
    const unpaid = norm("32-ethan-subscription-updated-past-due-to-unpaid").context;
    expect(unpaid).toMatchObject({ subscriptionStatus: "unpaid", previousSubscriptionStatus: "past_due" });
  });

  it("a new default payment method is detected from customer.updated", () => {
    const { context } = norm("06-olivia-customer-updated-default-payment-method");
    expect(context.newPaymentMethodId).toMatch(/^pm_/);
    expect(norm("05-olivia-payment-method-attached-new-card").context.newPaymentMethodId).toMatch(/^pm_/);
  });

  it("PaymentIntent events of the new API carry no invoice: left unknown for the consumer", () => {
    const { context } = norm("02-olivia-payment-intent-failed-insufficient-funds");
    expect(context).toMatchObject({ invoiceId: null, failureReason: "insufficient_funds", declineCode: "insufficient_funds" });
    expect(context.unknown).toContain("invoiceId");
  });

  it("an event without a customer is not attributable", () => {
    const ev = fixture("26-grace-one-off-payment-intent-failed-call-issuer");
    ((ev.data as { object: Record<string, unknown> }).object).customer = null;
    expect(normalizeEvent(ev as unknown as Stripe.Event)).toEqual({ ok: false, reason: "no_customer" });
  });
});

describe("plan tier", () => {
  it("uses the explicit mapping first, then a tier named in the key", () => {
    expect(resolvePlanTier("gold_monthly", null, { gold_monthly: "team" })).toBe("team");
    expect(resolvePlanTier("pro_monthly", null)).toBe("pro");
    expect(resolvePlanTier(null, "prod_team_annual")).toBe("team");
    expect(resolvePlanTier("enterprise", null)).toBeNull();
  });
});

describe("details for the customer's email: card brand and last 4, product name, due date", () => {
  const normalizeObj = (e: Record<string, unknown>) => {
    const r = normalizeEvent(e as unknown as Stripe.Event);
    if (!r.ok) throw new Error(r.reason);
    return r.context;
  };
  const withObject = (name: string, over: Record<string, unknown>) => {
    const e = fixture(name);
    const data = e.data as { object: Record<string, unknown> };
    return { ...e, data: { ...data, object: { ...data.object, ...over } } };
  };

  it("a failed PaymentIntent: the card from last_payment_error.payment_method.card, the description as product", () => {
    const ctx = normalizeObj(
      withObject("26-grace-one-off-payment-intent-failed-call-issuer", {
        description: "Advanced Billing Workshop",
        last_payment_error: { type: "card_error", code: "card_declined", decline_code: "call_issuer", payment_method: { id: "pm_1", card: { brand: "visa", last4: "4242", exp_month: 12, exp_year: 2030, fingerprint: "fp_secret" } } },
      }),
    );
    expect(ctx).toMatchObject({ cardBrand: "visa", cardLast4: "4242", productName: "Advanced Billing Workshop" });
    // Only brand and last 4 are kept: nothing else of the card reaches the context.
    expect(JSON.stringify(ctx)).not.toMatch(/fp_secret|exp_year|2030/);
  });

  it("an invoice's own PaymentIntent description ('Subscription cycle') is not a product name", () => {
    const ctx = normalizeObj(withObject("26-grace-one-off-payment-intent-failed-call-issuer", { description: "Subscription cycle" }));
    expect(ctx.productName).toBeNull();
  });

  it("a failed charge: the card from payment_method_details.card", () => {
    const ctx = normalizeObj(withObject("03-olivia-charge-failed-insufficient-funds", { payment_method_details: { type: "card", card: { brand: "mastercard", last4: "4444", network: "mastercard" } } }));
    expect(ctx).toMatchObject({ cardBrand: "mastercard", cardLast4: "4444" });
  });

  it("an invoice: the line's product name (Stripe's '1 × … (at …)' description unwrapped) and the due date", () => {
    const base = fixture("01-olivia-invoice-payment-failed-insufficient-funds");
    const invoice = (base.data as { object: Record<string, unknown> }).object;
    const lines = invoice.lines as { data: Array<Record<string, unknown>> };
    const line = { ...lines.data[0], description: "1 × Team Plan (at $99.00 / month)" };
    const ctx = normalizeObj(withObject("01-olivia-invoice-payment-failed-insufficient-funds", { lines: { ...lines, data: [line] }, due_date: 1767225600 }));
    expect(ctx.productName).toBe("Team Plan");
    expect(ctx.invoiceDueAt).toBe(1767225600 * 1000);
  });

  it("a card with anything but 4 digits as last4 is not kept", () => {
    const ctx = normalizeObj(
      withObject("26-grace-one-off-payment-intent-failed-call-issuer", { last_payment_error: { type: "card_error", code: "card_declined", payment_method: { card: { brand: "visa", last4: "4242424242424242" } } } }),
    );
    expect(ctx.cardLast4 ?? null).toBeNull();
  });
});
