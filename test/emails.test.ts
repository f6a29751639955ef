import { describe, expect, it } from "vitest";
import { FAILURE_REASONS } from "../src/ingest/decline-codes.ts";
import type { FailureReason } from "../src/ingest/decline-codes.ts";
import { fallbackEmpathyParagraph } from "../emails/empathy-fallback.ts";
import type { EmpathySegment } from "../emails/empathy-fallback.ts";
import { TEMPLATE_IDS, messagesFor, renderEmail, templateFitsReason } from "../emails/index.ts";
import type { EmailBase, EmailInput, RenderedEmail, TemplateId } from "../emails/index.ts";

const SEGMENTS: readonly (EmpathySegment | null)[] = ["trial", "new", "loyal", "winback", null];

const URLS = {
  invoice: "https://invoice.example.com/i/in_123",
  update: "https://billing.example.com/update/cus_123",
  resubscribe: "https://acme.example.com/resubscribe",
  unsubscribe: "https://recovery.example.com/r/unsubscribe/tok",
} as const;

const EXPIRES_AT = Date.UTC(2026, 3, 30); // April 30, 2026
const NEXT_RETRY_AT = Date.UTC(2026, 2, 5); // March 5, 2026
const ACCESS_ENDS_AT = Date.UTC(2026, 2, 15); // March 15, 2026

interface CurrencyCase {
  name: string;
  amount: EmailBase["amount"];
  locale: string | null;
  shown: string;
}

const CURRENCIES: readonly CurrencyCase[] = [
  { name: "USD", amount: { amount: 4900, currency: "usd" }, locale: "en-US", shown: "$49.00" },
  { name: "EUR", amount: { amount: 4900, currency: "eur" }, locale: "de-DE", shown: "49,00 €" },
  { name: "JPY", amount: { amount: 4980, currency: "jpy" }, locale: "en-US", shown: "¥4,980" },
];

/** Intl uses no-break spaces ("49,00\u00a0€"); compare with plain spaces. */
const norm = (s: string) => s.replace(/[\u00a0\u202f]/g, " ");
const all = (r: RenderedEmail) => norm(`${r.subject}\n${r.html}\n${r.text}`);
const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

function base(overrides: Partial<EmailBase> = {}): EmailBase {
  return {
    brandName: "Acme",
    customerName: "Jane Doe",
    locale: "en-US",
    amount: { amount: 4900, currency: "usd" },
    invoiceUrl: URLS.invoice,
    empathyParagraph: fallbackEmpathyParagraph("insufficient_funds", "loyal"),
    isTrial: false,
    isAnnual: false,
    planName: "Pro",
    ...overrides,
  };
}

/** A complete input for `templateId` on top of `b`. */
function inputFor(templateId: TemplateId, b: EmailBase, winback: "subscription" | "resubscribe" = "resubscribe"): EmailInput {
  switch (templateId) {
    case "card_update_request":
      return { ...b, templateId, updateUrl: URLS.update };
    case "soft_payment_reminder":
      return { ...b, templateId, nextRetryAt: NEXT_RETRY_AT };
    case "authentication_required":
      return { ...b, templateId, invoiceUrl: b.invoiceUrl ?? URLS.invoice };
    case "winback_offer":
      return {
        ...b,
        templateId,
        percentOff: 20,
        promoCode: "COMEBACK20",
        expiresAt: EXPIRES_AT,
        appliesTo: winback,
        resubscribeUrl: winback === "resubscribe" ? URLS.resubscribe : null,
        unsubscribeUrl: URLS.unsubscribe,
      };
    case "final_warning":
      return { ...b, templateId, updateUrl: URLS.update, accessEndsAt: ACCESS_ENDS_AT };
    case "trial_ending":
      return { ...b, templateId, updateUrl: URLS.update, trialEndsAt: ACCESS_ENDS_AT, engaged: false };
  }
}

/** The URLs each template must link to. */
function expectedUrls(templateId: TemplateId): string[] {
  switch (templateId) {
    case "card_update_request":
    case "final_warning":
      return [URLS.update, URLS.invoice];
    case "soft_payment_reminder":
    case "authentication_required":
      return [URLS.invoice];
    case "winback_offer":
      return [URLS.resubscribe];
    case "trial_ending":
      return [URLS.update];
  }
}

/** A reason each template fits, for the empathy paragraph. */
const REASON_FOR: Record<TemplateId, FailureReason> = {
  card_update_request: "card_expired",
  soft_payment_reminder: "insufficient_funds",
  authentication_required: "authentication_required",
  winback_offer: "card_unusable",
  final_warning: "do_not_honor",
  trial_ending: "unknown",
};

describe("renderEmail: every template, every currency", () => {
  for (const templateId of TEMPLATE_IDS) {
    for (const c of CURRENCIES) {
      it(`${templateId} renders in ${c.name} showing ${c.shown}`, async () => {
        const r = await renderEmail(
          inputFor(templateId, base({ amount: c.amount, locale: c.locale, empathyParagraph: fallbackEmpathyParagraph(REASON_FOR[templateId], "new") })),
        );
        expect(r.subject.length).toBeGreaterThan(10);
        expect(r.subject).not.toMatch(/[\r\n]/);
        expect(r.html).toMatch(/^<!DOCTYPE html/);
        const m = messagesFor(c.locale);
        expect(r.html).toContain(`lang="${m.tag}"`);
        expect(norm(r.html)).toContain(c.shown);
        expect(r.text.trim().length).toBeGreaterThan(100);
        expect(norm(r.text)).toContain(c.shown);
        for (const url of expectedUrls(templateId)) {
          expect(r.html).toContain(`href="${url}"`);
          expect(r.text).toContain(url);
        }
        const footer = templateId === "winback_offer" ? m.footer.offer("Acme") : m.footer.renewal("Acme");
        expect(r.html).toContain(footer);
        expect(r.text).toContain(footer);
        expect(r.text).toContain(m.greeting("Jane")); // first name only
        expect(r.text).not.toContain("Jane Doe");
        // Zero-decimal currency: never "¥4,980.00"; no processor jargon anywhere.
        expect(all(r)).not.toContain("¥4,980.");
        expect(all(r)).not.toMatch(/stripe|smart retries|paymentintent|payment_intent|invoice\.payment_failed|dunning/i);
        expect(r.text).not.toContain(m.buttonFallback); // HTML-only fallback link
      });
    }
  }

  it("subjects are specific (amount and brand)", async () => {
    const card = await renderEmail(inputFor("card_update_request", base()));
    expect(card.subject).toBe("Your payment of $49.00 to Acme didn't go through");
    const auth = await renderEmail(inputFor("authentication_required", base()));
    expect(auth.subject).toBe("Action needed: confirm your $49.00 payment to Acme with your bank");
    const soft = await renderEmail(inputFor("soft_payment_reminder", base()));
    expect(soft.subject).toBe("Your $49.00 payment to Acme didn't go through — we'll try again on March 5, 2026");
    const winback = await renderEmail(inputFor("winback_offer", base()));
    expect(winback.subject).toBe("20% off to come back to Acme — code COMEBACK20");
    const applied = await renderEmail(inputFor("winback_offer", base(), "subscription"));
    expect(applied.subject).toBe("20% off your next Acme invoice — code COMEBACK20");
    const last = await renderEmail(inputFor("final_warning", base()));
    expect(last.subject).toBe("Final reminder: your $49.00 payment to Acme is due by March 15, 2026");
  });

  it("never puts the customer's email in the subject, never greets by email", async () => {
    for (const templateId of TEMPLATE_IDS) {
      const r = await renderEmail(inputFor(templateId, base({ customerName: "jane@example.com" })));
      expect(r.subject).not.toContain("jane@example.com");
      expect(r.text).not.toContain("jane@example.com");
      expect(r.text).toContain("Hi there,");
    }
  });

  it("null name -> 'Hi there', null locale -> en-US, null plan -> 'your subscription'", async () => {
    const r = await renderEmail(inputFor("card_update_request", base({ customerName: null, locale: null, planName: null })));
    expect(r.text).toContain("Hi there,");
    expect(r.text).toContain("$49.00");
    expect(r.text).toContain("your subscription");
  });

  it("an unusable locale falls back to en-US instead of throwing", async () => {
    const r = await renderEmail(inputFor("soft_payment_reminder", base({ locale: "not a locale!!" })));
    expect(r.text).toContain("$49.00");
    expect(r.text).toContain("March 5, 2026");
  });

  it("escapes the caller's paragraph and URLs", async () => {
    const input = inputFor("card_update_request", base({ empathyParagraph: "Sorry <script>alert(1)</script> & thanks." }));
    if (input.templateId !== "card_update_request") throw new Error("unexpected template");
    const r = await renderEmail({ ...input, updateUrl: "https://billing.example.com/update?c=cus_1&t=abc" });
    expect(r.html).not.toContain("<script>");
    expect(r.html).toContain("&lt;script&gt;");
    expect(r.html).toContain('href="https://billing.example.com/update?c=cus_1&amp;t=abc"');
    expect(r.text).toContain("https://billing.example.com/update?c=cus_1&t=abc");
  });

  it("formats dates in the customer's locale", async () => {
    const fr = await renderEmail(inputFor("soft_payment_reminder", base({ locale: "fr-FR", amount: { amount: 4900, currency: "eur" } })));
    expect(norm(fr.text)).toContain("5 mars 2026");
    expect(norm(fr.text)).toContain("49,00 €");
  });
});

describe("authentication_required", () => {
  it("asks to confirm with the bank and never to update the card", async () => {
    for (const segment of SEGMENTS) {
      for (const isTrial of [false, true]) {
        const r = await renderEmail(
          inputFor(
            "authentication_required",
            base({ isTrial, empathyParagraph: fallbackEmpathyParagraph("authentication_required", segment) }),
          ),
        );
        expect(all(r)).not.toMatch(/update your card/i);
        expect(all(r)).not.toMatch(/update your payment/i);
        expect(r.text).toContain("confirm the payment with your bank");
        expect(r.html).toContain(`href="${URLS.invoice}"`);
      }
    }
  });
});

describe("trial customers: no pressure", () => {
  for (const templateId of TEMPLATE_IDS) {
    it(`${templateId} trial copy has no final/suspend/interrupt and no deadline`, async () => {
      for (const isAnnual of [false, true]) {
        const r = await renderEmail(
          inputFor(
            templateId,
            base({ isTrial: true, isAnnual, empathyParagraph: fallbackEmpathyParagraph(REASON_FOR[templateId], "trial") }),
          ),
        );
        expect(all(r)).not.toMatch(/final|suspend|interrupt|last reminder|deadline/i);
        if (templateId === "final_warning") expect(all(r)).not.toContain("March 15, 2026");
      }
    });
  }

  it("non-trial final warning is honest about the end date", async () => {
    const r = await renderEmail(inputFor("final_warning", base()));
    expect(r.text).toContain("March 15, 2026");
    expect(r.text).toMatch(/canceled/);
  });
});

describe("annual subscribers", () => {
  for (const templateId of ["card_update_request", "soft_payment_reminder", "authentication_required", "final_warning"] as const) {
    it(`${templateId} mentions the grace period for annual, not for monthly`, async () => {
      const annual = await renderEmail(inputFor(templateId, base({ isAnnual: true })));
      expect(annual.text).toMatch(/grace period/);
      const monthly = await renderEmail(inputFor(templateId, base({ isAnnual: false })));
      expect(monthly.text).not.toMatch(/grace period/);
    });
  }
});

describe("winback_offer", () => {
  it("resubscribe: shows the code, the percentage, the expiry and the resubscribe URL", async () => {
    const r = await renderEmail(inputFor("winback_offer", base()));
    for (const out of [r.html, r.text]) {
      expect(out).toContain("COMEBACK20");
      expect(out).toContain("20%");
      expect(out).toContain("April 30, 2026");
    }
    expect(r.text).toContain("Use code COMEBACK20 on the page below to get 20% off when you come back.");
    expect(r.text).toContain(URLS.resubscribe);
    expect(r.html).toContain(`href="${URLS.resubscribe}"`);
  });

  it("subscription: says the discount is applied and shows the code for reference", async () => {
    const r = await renderEmail(inputFor("winback_offer", base(), "subscription"));
    expect(r.text).toContain("We've applied 20% off your next invoice");
    expect(r.text).toContain("COMEBACK20");
    expect(r.text).toContain("April 30, 2026");
    expect(r.text).not.toContain(URLS.resubscribe);
  });

  it("formats the expiry in the customer's locale", async () => {
    const r = await renderEmail(inputFor("winback_offer", base({ locale: "fr-FR", amount: { amount: 4900, currency: "eur" } })));
    expect(norm(r.text)).toContain("30 avril 2026");
    expect(norm(r.text)).toContain("49,00 €");
    expect(r.text).toContain("COMEBACK20");
  });

  it("resubscribe without a URL still tells how to use the code", async () => {
    const input = inputFor("winback_offer", base());
    if (input.templateId !== "winback_offer") throw new Error("unexpected template");
    const r = await renderEmail({ ...input, resubscribeUrl: null });
    expect(r.text).toContain("Use code COMEBACK20 when you resubscribe");
  });
});

describe("fallbackEmpathyParagraph", () => {
  for (const reason of FAILURE_REASONS) {
    for (const segment of SEGMENTS) {
      it(`${reason} / ${segment ?? "no segment"}: 40-70 words, no jargon`, () => {
        const p = fallbackEmpathyParagraph(reason, segment);
        const n = words(p);
        expect(n).toBeGreaterThanOrEqual(40);
        expect(n).toBeLessThanOrEqual(70);
        expect(p).not.toMatch(/stripe|retry|retries|decline code|issuer/i);
        expect(p).not.toMatch(/\n/);
        if (reason === "fraud_suspected" || reason === "card_unusable") {
          expect(p).not.toMatch(/stolen|flagged|fraud|suspicious|lost/i);
          expect(p).toMatch(/your bank declined the payment/i);
        }
        if (reason === "authentication_required") expect(p).not.toMatch(/update your card/i);
        if (segment === "trial") expect(p).not.toMatch(/final|suspend|interrupt/i);
      });
    }
  }

  it("tone differs by segment and hint differs by reason", () => {
    const bySegment = new Set(SEGMENTS.map((s) => fallbackEmpathyParagraph("unknown", s)));
    expect(bySegment.size).toBe(SEGMENTS.length);
    const byReason = new Set(FAILURE_REASONS.map((r) => fallbackEmpathyParagraph(r, null)));
    expect(byReason.size).toBe(FAILURE_REASONS.length);
  });
});

describe("templateFitsReason", () => {
  const SOFT = new Set<FailureReason>(["insufficient_funds", "do_not_honor", "processing_error", "unknown"]);
  const expected = (t: TemplateId, r: FailureReason): boolean => {
    switch (t) {
      case "authentication_required":
        return r === "authentication_required";
      case "card_update_request":
        return r !== "authentication_required" && r !== "fraud_suspected" && r !== "merchant_account_issue";
      case "soft_payment_reminder":
        return SOFT.has(r);
      case "winback_offer":
        return true;
      case "final_warning":
        return r !== "authentication_required" && r !== "fraud_suspected" && r !== "merchant_account_issue";
      case "trial_ending":
        return false;
    }
  };
  const rows = TEMPLATE_IDS.flatMap((t) => FAILURE_REASONS.map((r) => [t, r, expected(t, r)] as const));

  it.each(rows)("%s for %s -> %s", (templateId, reason, fits) => {
    expect(templateFitsReason(templateId, reason)).toBe(fits);
  });

  it("spot checks", () => {
    expect(templateFitsReason("authentication_required", "authentication_required")).toBe(true);
    expect(templateFitsReason("card_update_request", "authentication_required")).toBe(false);
    expect(templateFitsReason("soft_payment_reminder", "card_expired")).toBe(false);
    expect(templateFitsReason("soft_payment_reminder", "insufficient_funds")).toBe(true);
    expect(templateFitsReason("winback_offer", "authentication_required")).toBe(true);
    expect(templateFitsReason("final_warning", "authentication_required")).toBe(false);
    expect(templateFitsReason("final_warning", "fraud_suspected")).toBe(false);
    expect(templateFitsReason("card_update_request", "fraud_suspected")).toBe(false);
    expect(templateFitsReason("final_warning", "card_unusable")).toBe(true);
  });
});
