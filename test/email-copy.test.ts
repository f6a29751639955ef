/**
 * Copy per situation: each template's key sentences present or absent according to the case's facts (renewal or
 * one-off, trial, reason family, a retry scheduled or not, the bank's "do not try again"), names, the payment
 * details box and the footer contacts. English here; test/email-matrix.test.ts walks every locale.
 */
import { describe, expect, it } from "vitest";
import { emailFacts } from "../emails/facts.ts";
import { chooseLocale, firstName } from "../emails/i18n.ts";
import { en } from "../emails/locales/en.ts";
import { fallbackEmpathyParagraph, renderEmail, trialEndingEmpathyParagraph } from "../emails/index.ts";
import type { EmailBase, EmailInput, RenderedEmail } from "../emails/index.ts";
import { blankContext, type DunningContext } from "../src/ingest/context.ts";

const NOW = Date.UTC(2026, 2, 1, 12);
const RETRY = Date.UTC(2026, 2, 5, 12);
const norm = (s: string) => s.replace(/[\u00a0\u202f]/g, " ");
const read = (r: RenderedEmail) => norm(`${r.subject}\n${r.text}`);

function base(over: Partial<EmailBase> = {}): EmailBase {
  return {
    brandName: "Acme",
    customerName: "Jane Doe",
    locale: "en-US",
    amount: { amount: 4900, currency: "usd" },
    invoiceUrl: "https://invoice.example.com/i/in_1",
    empathyParagraph: "",
    isTrial: false,
    isAnnual: false,
    planName: "Pro",
    payment: "renewal",
    reason: "insufficient_funds",
    ...over,
  };
}
const oneOff = (over: Partial<EmailBase> = {}) => base({ payment: "one_off", planName: "Advanced Billing Workshop", amount: { amount: 25000, currency: "usd" }, invoiceUrl: null, ...over });
const render = (input: EmailInput) => renderEmail(input);
const UPDATE = "https://recovery.example.com/r/update/tok";

function ctx(over: Partial<DunningContext>): DunningContext {
  return { ...blankContext({ eventId: "evt_1", eventType: "invoice.payment_failed", livemode: false, occurredAt: NOW, customerId: "cus_1" }), ...over };
}

describe("soft_payment_reminder", () => {
  it("retry scheduled, funds: gives the date and says nothing is needed", async () => {
    const r = read(await render({ ...base(), templateId: "soft_payment_reminder", nextRetryAt: RETRY }));
    expect(r).toContain("We'll try the payment again automatically on March 5, 2026, so you don't need to do anything right now.");
    expect(r).toContain("we'll try again on March 5, 2026");
  });

  it("retry scheduled, do_not_honor: gives the date, says what helps, and never 'no action needed'", async () => {
    const r = read(await render({ ...base({ reason: "do_not_honor", empathyParagraph: fallbackEmpathyParagraph("do_not_honor", "loyal") }), templateId: "soft_payment_reminder", nextRetryAt: RETRY }));
    expect(r).toContain("Since your bank declined it, a quick word with them before then, or using another card, helps it go through.");
    expect(r).not.toMatch(/don't need to do anything|no action is needed|no action needed/i);
  });

  it("no retry scheduled: no retry promise, asks to complete the payment, links to the payment page", async () => {
    const email = await render({ ...base(), templateId: "soft_payment_reminder", nextRetryAt: null, retryOutlook: "ended" });
    const r = read(email);
    expect(r).not.toMatch(/try (the payment )?again|in the next few days|don't need to do anything/i);
    expect(r).toContain(en.softReminder.noRetry);
    expect(email.html).toContain('href="https://invoice.example.com/i/in_1"');
  });

  it("one-off with do_not_try_again: no retry promise, another card, the product's name, never 'subscription', a button", async () => {
    const email = await render({ ...oneOff({ reason: "do_not_honor" }), templateId: "soft_payment_reminder", nextRetryAt: null, retryOutlook: "blocked", payUrl: UPDATE });
    const r = read(email);
    expect(r).toContain("for “Advanced Billing Workshop”");
    expect(r).toContain(en.softReminder.noRetryOtherCard);
    expect(r).not.toMatch(/subscription/i);
    expect(r).not.toMatch(/try (the payment )?again automatically|we'll try again/i);
    expect(email.html).toContain(`href="${UPDATE}"`);
    expect(r).toContain("You are receiving this because of a payment to Acme.");
  });

  it("one-off, retry allowed: promises nothing either way", async () => {
    const r = read(await render({ ...oneOff(), templateId: "soft_payment_reminder", nextRetryAt: null, retryOutlook: "unknown", payUrl: UPDATE }));
    expect(r).toContain(en.softReminder.completeNow);
    expect(r).not.toContain(en.softReminder.noRetry);
  });
});

describe("card_update_request", () => {
  it("needs-customer reason: asks to update; soft reason: same card later or another", async () => {
    const expired = read(await render({ ...base({ reason: "card_expired" }), templateId: "card_update_request", updateUrl: UPDATE }));
    expect(expired).toContain(en.cardUpdate.askNeedsCustomer);
    expect(expired).not.toContain(en.cardUpdate.askSoft);
    const soft = read(await render({ ...base({ reason: "insufficient_funds" }), templateId: "card_update_request", updateUrl: UPDATE }));
    expect(soft).toContain(en.cardUpdate.askSoft);
  });

  it("a retry date only when one is passed (scheduled, in the future)", async () => {
    const withRetry = read(await render({ ...base({ reason: "card_expired" }), templateId: "card_update_request", updateUrl: UPDATE, nextRetryAt: RETRY }));
    expect(withRetry).toContain("We'll try the payment again on March 5, 2026");
    const without = read(await render({ ...base({ reason: "card_expired" }), templateId: "card_update_request", updateUrl: UPDATE, nextRetryAt: null }));
    expect(without).not.toMatch(/try the payment again/);
  });

  it("trial customer: no pressure wording", async () => {
    const r = read(await render({ ...base({ isTrial: true, reason: "card_expired" }), templateId: "card_update_request", updateUrl: UPDATE }));
    expect(r).toContain(en.cardUpdate.askTrial);
  });

  it("one-off: the product, no 'subscription', no annual grace", async () => {
    const r = read(await render({ ...oneOff({ reason: "card_expired", isAnnual: true }), templateId: "card_update_request", updateUrl: UPDATE }));
    expect(r).toContain("We tried to collect $250.00 for “Advanced Billing Workshop” with Acme");
    expect(r).not.toMatch(/subscri|grace period/i);
  });
});

describe("authentication_required", () => {
  it("one-off: confirm with the bank, no 'subscription'", async () => {
    const r = read(await render({ ...oneOff({ reason: "authentication_required" }), templateId: "authentication_required", invoiceUrl: UPDATE }));
    expect(r).toContain("confirm the payment with your bank");
    expect(r).not.toMatch(/subscri|update your (card|payment)/i);
  });
});

describe("final_warning", () => {
  it("one-off: a plain reminder, no plan to cancel, no 'subscription'", async () => {
    const r = read(await render({ ...oneOff({ reason: "card_expired" }), templateId: "final_warning", updateUrl: UPDATE, accessEndsAt: RETRY }));
    expect(r).toContain(en.finalWarning.oneOff);
    expect(r).not.toMatch(/subscri|canceled|lose access|March 5/i);
  });
});

describe("trial_ending", () => {
  for (const engaged of [true, false]) {
    it(`${engaged ? "engaged" : "lapsed"}: no failure wording, no tenure line, no pressure`, async () => {
      const r = read(await render({ ...base({ isTrial: true, invoiceUrl: null, empathyParagraph: trialEndingEmpathyParagraph("en-US") }), templateId: "trial_ending", updateUrl: UPDATE, trialEndsAt: RETRY, engaged }));
      expect(r).not.toMatch(/didn't go through|declin|fail|went wrong|not sure|long time|final|deadline|suspend/i);
      expect(r).toContain("March 5, 2026");
    });
  }

  it("the fallback paragraph for a trial ending exists in every locale and names no failure", () => {
    for (const tag of ["en", "de", "fr", "es", "ja", "pt-BR"]) expect(trialEndingEmpathyParagraph(tag).length).toBeGreaterThan(60);
    expect(trialEndingEmpathyParagraph("en")).not.toMatch(/fail|declin|wrong|long time/i);
  });
});

describe("winback_offer", () => {
  it("is a commercial email: offer footer, postal address, unsubscribe link", async () => {
    const email = await render({
      ...base({ companyAddress: "Acme Inc., 1 Main St, Springfield" }),
      templateId: "winback_offer",
      percentOff: 20,
      promoCode: "COMEBACK20",
      expiresAt: RETRY,
      appliesTo: "subscription",
      resubscribeUrl: null,
      unsubscribeUrl: "https://recovery.example.com/r/unsubscribe/tok",
    });
    expect(email.text).toContain("You are receiving this offer because you are a customer of Acme.");
    expect(email.text).toContain("Acme Inc., 1 Main St, Springfield");
    expect(email.html).toContain('href="https://recovery.example.com/r/unsubscribe/tok"');
    expect(email.text).toContain("Unsubscribe from offers");
  });
});

describe("details that help", () => {
  it("shows the amount, the product, the card brand and last 4, and the due date", async () => {
    const r = read(await render({ ...base({ card: { brand: "visa", last4: "4242" }, dueAt: RETRY, timeZone: "Asia/Tokyo" }), templateId: "card_update_request", updateUrl: UPDATE }));
    expect(r).toContain("Payment details");
    expect(r).toContain("Visa ending in 4242");
    expect(r).toMatch(/Due date\s+March 5, 2026/);
    expect(r).toMatch(/For\s+Pro/);
  });

  it("support address and postal address in the footer when configured, and the reply hint only then", async () => {
    const withSupport = read(await render({ ...base({ supportEmail: "help@acme.example", companyAddress: "Acme Inc., 1 Main St" }), templateId: "card_update_request", updateUrl: UPDATE }));
    expect(withSupport).toContain("Questions? Write to us at help@acme.example.");
    expect(withSupport).toContain("Acme Inc., 1 Main St");
    expect(withSupport).toContain(en.replyHelp);
    const without = read(await render({ ...base(), templateId: "card_update_request", updateUrl: UPDATE }));
    expect(without).not.toContain("Questions?");
    expect(without).not.toContain(en.replyHelp);
  });

  it("dates fall on the customer's calendar day", async () => {
    const late = Date.UTC(2026, 2, 5, 23, 30); // March 5 in UTC, March 6 in Tokyo
    const tokyo = read(await render({ ...base({ timeZone: "Asia/Tokyo" }), templateId: "soft_payment_reminder", nextRetryAt: late }));
    expect(tokyo).toContain("March 6, 2026");
  });
});

describe("names: first name only, junk dropped", () => {
  it.each([
    ["Jane Doe", "Jane"],
    ["  Grace   Hopper ", "Grace"],
    ["山田 太郎", "山田"],
    ["José", "José"],
    ["jane@example.com", null],
    ["Win a prize at https://evil.example", null],
    ["Visit www.spam.example now", null],
    ["claim-prize.com", null],
    ["<b>Bob</b>", null],
    ["Bob > Alice", null],
    ["A".repeat(41), null],
    ["", null],
    [null, null],
  ])("%s -> %s", (name, expected) => {
    expect(firstName(name)).toBe(expected);
  });

  it('greets a dropped name with "Hi there" in the locale', async () => {
    const en_ = read(await render({ ...base({ customerName: "Get rich at https://x.example" }), templateId: "card_update_request", updateUrl: UPDATE }));
    expect(en_).toContain("Hi there,");
    const de = read(await render({ ...base({ customerName: "x".repeat(50), locale: "de-DE" }), templateId: "card_update_request", updateUrl: UPDATE }));
    expect(de).toContain("Guten Tag,");
  });
});

describe("emailFacts: what the case's context allows the email to say", () => {
  const renewal = { invoiceId: "in_1", subscriptionId: "sub_1", paymentIntentId: "pi_1" } as const;
  it("a retry only when Stripe scheduled one in the future", () => {
    expect(emailFacts(ctx({ ...renewal, nextPaymentAttempt: NOW + 1000 }), "soft_payment_reminder", NOW).nextRetryAt).toBe(NOW + 1000);
    expect(emailFacts(ctx({ ...renewal, nextPaymentAttempt: NOW - 1000 }), "soft_payment_reminder", NOW)).toMatchObject({ nextRetryAt: null, retryOutlook: "unknown" });
    expect(emailFacts(ctx({ ...renewal, nextPaymentAttempt: null }), "soft_payment_reminder", NOW)).toMatchObject({ nextRetryAt: null, retryOutlook: "ended" });
  });

  it("a one-off payment: no retry promise, the description as product, blocked when the bank said do_not_try_again", () => {
    const pi = { invoiceId: null, subscriptionId: null, paymentIntentId: "pi_w", productName: "Workshop", nextPaymentAttempt: NOW + 5000 };
    expect(emailFacts(ctx(pi), "soft_payment_reminder", NOW)).toMatchObject({ payment: "one_off", nextRetryAt: null, retryOutlook: "unknown", planName: "Workshop" });
    expect(emailFacts(ctx({ ...pi, adviceCode: "do_not_try_again" }), "soft_payment_reminder", NOW).retryOutlook).toBe("blocked");
  });

  it("the plan: the product name, else the tier; the card only with 4 digits", () => {
    expect(emailFacts(ctx({ ...renewal, planTier: "pro" }), "card_update_request", NOW).planName).toBe("Pro");
    expect(emailFacts(ctx({ ...renewal, planTier: "pro", productName: "Pro Annual" }), "card_update_request", NOW).planName).toBe("Pro Annual");
    expect(emailFacts(ctx({ ...renewal, cardBrand: "visa", cardLast4: "4242" }), "card_update_request", NOW).card).toEqual({ brand: "visa", last4: "4242" });
    expect(emailFacts(ctx({ ...renewal, cardBrand: "visa", cardLast4: "42" }), "card_update_request", NOW).card).toBeNull();
  });
});

describe("chooseLocale: preferred locales, then the address's country, then English", () => {
  it.each([
    [["fr-CA"], null, "fr", "fr-CA"],
    [["pt-PT"], null, "pt-BR", "pt-PT"],
    [["pt-BR", "en"], "US", "pt-BR", "pt-BR"],
    [["sv-SE", "de"], null, "de", "de-DE"],
    [["de"], "AT", "de", "de-AT"],
    [["ja"], null, "ja", "ja-JP"],
    [["es-419"], null, "es", "es-419"],
    [[], "BR", "pt-BR", "pt-BR"],
    [[], "MX", "es", "es-MX"],
    [[], "JP", "ja", "ja-JP"],
    [[], "se", "en", "en-US"],
    [["not a locale!!"], null, "en", "en-US"],
    [[], null, "en", "en-US"],
  ] as const)("%j, %s -> %s (%s)", (preferred, country, tag, format) => {
    const c = chooseLocale({ preferredLocales: preferred, country });
    expect(c.messages.tag).toBe(tag);
    expect(c.format).toBe(format);
  });
});
