/**
 * @module preview-matrix
 * Every template × situation × locale, built the way the email action builds a real email (`emailBase` from a
 * case context, `chooseLocale`, the fallback empathy paragraph of that language). `npm run email:preview`
 * renders it to files; `test/email-matrix.test.ts` walks it and checks what each customer would read.
 */
import { blankContext, type DunningContext } from "../src/ingest/context.ts";
import { fallbackEmpathyParagraph, trialEndingEmpathyParagraph } from "./empathy-fallback.ts";
import type { EmpathySegment } from "./empathy-fallback.ts";
import { emailBase } from "./facts.ts";
import { chooseLocale } from "./i18n.ts";
import type { EmailInput, TemplateId } from "./index.ts";
import { LOCALE_TAGS } from "./locales/index.ts";

/** Fixed "now" so the output is stable between runs. */
export const PREVIEW_NOW = Date.UTC(2026, 2, 1, 12);
const DAY = 86400_000;
export const PREVIEW_RETRY_AT = PREVIEW_NOW + 3 * DAY;
/** A retry Stripe had scheduled that is already in the past: never promised. */
export const PREVIEW_PAST_RETRY_AT = PREVIEW_NOW - DAY;

export const PREVIEW_URLS = {
  invoice: "https://invoice.example.com/i/in_1Q2w3E4r",
  update: "https://recovery.example.com/r/update/tok_update",
  resubscribe: "https://acme.example.com/resubscribe",
  unsubscribe: "https://recovery.example.com/r/unsubscribe/tok_unsub",
} as const;

export const PREVIEW_BRAND = "Acme";
export const PREVIEW_CUSTOMER = "Ana Pereira";
export const PREVIEW_SUPPORT = "support@acme.example";
export const PREVIEW_ADDRESS = "Acme Inc., 500 Market St, San Francisco, CA 94105";

export interface Situation {
  templateId: TemplateId;
  /** File-name part and test label. */
  name: string;
  ctx: Partial<DunningContext>;
  segment: EmpathySegment;
  winback?: "subscription" | "resubscribe";
  trialEngaged?: boolean;
}

const renewal: Partial<DunningContext> = {
  invoiceId: "in_1Q2w3E4r",
  subscriptionId: "sub_1",
  paymentIntentId: "pi_1",
  amountDue: 4900,
  currency: "usd",
  hostedInvoiceUrl: PREVIEW_URLS.invoice,
  planTier: "pro",
  productName: "Pro",
  isAnnual: false,
  customerSegment: "loyal",
  cardBrand: "visa",
  cardLast4: "4242",
};
const oneOff: Partial<DunningContext> = {
  invoiceId: null,
  subscriptionId: null,
  paymentIntentId: "pi_workshop",
  amountDue: 25000,
  currency: "usd",
  hostedInvoiceUrl: null,
  planTier: null,
  productName: "Advanced Billing Workshop",
  customerSegment: "new",
  cardBrand: "mastercard",
  cardLast4: "4444",
};
const trial: Partial<DunningContext> = { ...renewal, customerSegment: "trial", planTier: "basic", productName: "Basic", amountDue: 1900, hostedInvoiceUrl: null, invoiceId: null };

export const SITUATIONS: readonly Situation[] = [
  { templateId: "card_update_request", name: "renewal-expired", segment: "loyal", ctx: { ...renewal, failureReason: "card_expired", declineCode: "expired_card" } },
  { templateId: "card_update_request", name: "renewal-soft-retry", segment: "loyal", ctx: { ...renewal, failureReason: "insufficient_funds", declineCode: "insufficient_funds", nextPaymentAttempt: PREVIEW_RETRY_AT } },
  { templateId: "card_update_request", name: "trial-customer", segment: "trial", ctx: { ...renewal, customerSegment: "trial", failureReason: "card_unusable", declineCode: "card_not_supported" } },
  { templateId: "card_update_request", name: "one-off", segment: "new", ctx: { ...oneOff, failureReason: "card_expired", declineCode: "expired_card" } },
  { templateId: "soft_payment_reminder", name: "renewal-retry-funds", segment: "loyal", ctx: { ...renewal, failureReason: "insufficient_funds", declineCode: "insufficient_funds", nextPaymentAttempt: PREVIEW_RETRY_AT } },
  { templateId: "soft_payment_reminder", name: "renewal-retry-do-not-honor", segment: "new", ctx: { ...renewal, failureReason: "do_not_honor", declineCode: "do_not_honor", nextPaymentAttempt: PREVIEW_RETRY_AT } },
  { templateId: "soft_payment_reminder", name: "renewal-retry-past", segment: "loyal", ctx: { ...renewal, failureReason: "insufficient_funds", declineCode: "insufficient_funds", nextPaymentAttempt: PREVIEW_PAST_RETRY_AT } },
  { templateId: "soft_payment_reminder", name: "renewal-no-retry", segment: "loyal", ctx: { ...renewal, failureReason: "processing_error", declineCode: "processing_error", nextPaymentAttempt: null } },
  { templateId: "soft_payment_reminder", name: "one-off", segment: "new", ctx: { ...oneOff, failureReason: "insufficient_funds", declineCode: "insufficient_funds" } },
  { templateId: "soft_payment_reminder", name: "one-off-do-not-try-again", segment: "new", ctx: { ...oneOff, failureReason: "do_not_honor", declineCode: "do_not_honor", adviceCode: "do_not_try_again" } },
  { templateId: "authentication_required", name: "renewal", segment: "loyal", ctx: { ...renewal, failureReason: "authentication_required" } },
  { templateId: "authentication_required", name: "one-off", segment: "new", ctx: { ...oneOff, hostedInvoiceUrl: null, failureReason: "authentication_required" } },
  { templateId: "final_warning", name: "monthly", segment: "loyal", ctx: { ...renewal, failureReason: "do_not_honor", declineCode: "do_not_honor" } },
  { templateId: "final_warning", name: "annual", segment: "loyal", ctx: { ...renewal, isAnnual: true, failureReason: "card_unusable", declineCode: "card_not_supported" } },
  { templateId: "final_warning", name: "one-off", segment: "new", ctx: { ...oneOff, failureReason: "card_expired", declineCode: "expired_card" } },
  { templateId: "winback_offer", name: "applied", segment: "loyal", winback: "subscription", ctx: { ...renewal, failureReason: "insufficient_funds", declineCode: "insufficient_funds" } },
  { templateId: "winback_offer", name: "come-back", segment: "loyal", winback: "resubscribe", ctx: { ...renewal, failureReason: "card_unusable", declineCode: "card_not_supported" } },
  { templateId: "trial_ending", name: "engaged", segment: "trial", trialEngaged: true, ctx: trial },
  { templateId: "trial_ending", name: "lapsed", segment: "trial", trialEngaged: false, ctx: { ...trial, cardBrand: null, cardLast4: null } },
];

export interface MatrixEntry {
  key: string;
  locale: string;
  situation: Situation;
  input: EmailInput;
}

function contextFor(s: Situation, tag: string): DunningContext {
  const base = blankContext({ eventId: `evt_preview_${s.name}`, eventType: "invoice.payment_failed", livemode: false, occurredAt: PREVIEW_NOW, customerId: "cus_preview" });
  return { ...base, customerName: PREVIEW_CUSTOMER, customerEmail: "ana@example.com", preferredLocales: [tag], customerTimezone: "America/New_York", ...s.ctx };
}

export function previewInput(s: Situation, tag: string): MatrixEntry {
  const ctx = contextFor(s, tag);
  const locale = chooseLocale({ preferredLocales: ctx.preferredLocales ?? [], country: ctx.customerCountry ?? null });
  const paragraph = s.templateId === "trial_ending" ? trialEndingEmpathyParagraph(locale.format) : fallbackEmpathyParagraph(ctx.failureReason ?? "unknown", s.segment, locale.format);
  const { nextRetryAt, retryOutlook, ...base } = emailBase(ctx, s.templateId, PREVIEW_NOW, { brandName: PREVIEW_BRAND, supportEmail: PREVIEW_SUPPORT, companyAddress: PREVIEW_ADDRESS, locale: locale.format, empathyParagraph: paragraph });
  const key = `${s.templateId}--${s.name}--${locale.messages.tag}`;
  const entry = (input: EmailInput): MatrixEntry => ({ key, locale: locale.messages.tag, situation: s, input });
  switch (s.templateId) {
    case "card_update_request":
      return entry({ ...base, templateId: s.templateId, updateUrl: PREVIEW_URLS.update, nextRetryAt });
    case "soft_payment_reminder":
      return entry({ ...base, templateId: s.templateId, nextRetryAt, retryOutlook, payUrl: base.invoiceUrl ?? PREVIEW_URLS.update });
    case "authentication_required":
      return entry({ ...base, templateId: s.templateId, invoiceUrl: base.invoiceUrl ?? PREVIEW_URLS.update });
    case "final_warning":
      return entry({ ...base, templateId: s.templateId, updateUrl: PREVIEW_URLS.update, accessEndsAt: PREVIEW_NOW + 7 * DAY });
    case "winback_offer":
      return entry({
        ...base,
        templateId: s.templateId,
        percentOff: 20,
        promoCode: "COMEBACK20",
        expiresAt: PREVIEW_NOW + 14 * DAY,
        appliesTo: s.winback ?? "subscription",
        resubscribeUrl: s.winback === "resubscribe" ? PREVIEW_URLS.resubscribe : null,
        unsubscribeUrl: PREVIEW_URLS.unsubscribe,
      });
    case "trial_ending":
      return entry({ ...base, templateId: s.templateId, updateUrl: PREVIEW_URLS.update, trialEndsAt: PREVIEW_NOW + 5 * DAY, engaged: s.trialEngaged === true });
  }
}

/** The whole matrix: every situation in every catalog locale. */
export function previewMatrix(): MatrixEntry[] {
  return LOCALE_TAGS.flatMap((tag) => SITUATIONS.map((s) => previewInput(s, tag)));
}
