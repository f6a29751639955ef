/**
 * @module facts
 * From a case's context to the fields every email template reads: whether it is a renewal or a one-off payment,
 * whether a retry may be promised (only Stripe's next attempt, scheduled and in the future; never against the
 * bank's "do not try again"), what was paid for, the card's brand and last 4. Pure: `now` is passed in. Used by
 * the email action and by the preview matrix, so the previews show exactly what customers get.
 */
import { sendWindowFor } from "../src/campaign/send-window.ts";
import { retryAdvice } from "../src/dunning/retry-advice.ts";
import type { DunningContext } from "../src/ingest/context.ts";
import type { TemplateId } from "./index.ts";
import { chooseLocale, type LocaleChoice } from "./i18n.ts";
import type { EmailBase } from "./layout.tsx";

export interface EmailFacts {
  payment: "renewal" | "one_off";
  /** Stripe's next attempt, only when scheduled and in the future. */
  nextRetryAt: number | null;
  /** Without a retry date: Stripe will not retry ("ended"), the bank said not to ("blocked"), or no promise ("unknown"). */
  retryOutlook: "ended" | "blocked" | "unknown";
  planName: string | null;
  card: { brand: string; last4: string } | null;
}

const titleCase = (s: string) => (s[0]?.toUpperCase() ?? "") + s.slice(1);

export function emailFacts(ctx: DunningContext, templateId: TemplateId, now: number): EmailFacts {
  const oneOff = templateId !== "trial_ending" && ctx.invoiceId === null && ctx.subscriptionId === null && ctx.paymentIntentId !== null;
  const advice = retryAdvice({ declineCode: ctx.declineCode, adviceCode: ctx.adviceCode, networkAdviceCode: ctx.networkAdviceCode, outcomeReason: ctx.outcomeReason });
  const blocked = advice.kind === "never" || advice.kind === "ask_customer";
  const nextRetryAt = !oneOff && ctx.nextPaymentAttempt !== null && ctx.nextPaymentAttempt > now ? ctx.nextPaymentAttempt : null;
  const planName = oneOff ? (ctx.productName ?? null) : (ctx.productName ?? (ctx.planTier === null ? null : titleCase(ctx.planTier)));
  const card = ctx.cardBrand && ctx.cardLast4 && /^\d{4}$/.test(ctx.cardLast4) ? { brand: ctx.cardBrand, last4: ctx.cardLast4 } : null;
  // "ended" only when Stripe says no retry is scheduled; a date already past promises nothing either way.
  const retryOutlook = blocked ? "blocked" : oneOff || ctx.nextPaymentAttempt !== null ? "unknown" : "ended";
  return { payment: oneOff ? "one_off" : "renewal", nextRetryAt, retryOutlook, planName, card };
}

export interface BaseOptions {
  brandName: string;
  supportEmail: string | null;
  companyAddress: string | null;
  /** The chosen format locale (`chooseLocale(...).format`). */
  locale: string;
  empathyParagraph: string;
}

/** The `EmailBase` of one email for this context, plus the retry facts the reminder templates take. */
export function emailBase(ctx: DunningContext, templateId: TemplateId, now: number, o: BaseOptions): EmailBase & Pick<EmailFacts, "nextRetryAt" | "retryOutlook"> {
  const f = emailFacts(ctx, templateId, now);
  return {
    brandName: o.brandName,
    customerName: ctx.customerName,
    locale: o.locale,
    // Dates on the customer's clock: the metadata zone, else their country's (the send window's zone).
    timeZone: ctx.customerTimezone ?? (ctx.customerCountry ? sendWindowFor({ country: ctx.customerCountry }, "standard", "UTC").zone : null),
    amount: { amount: ctx.amountDue ?? 0, currency: ctx.currency ?? "usd" },
    invoiceUrl: ctx.hostedInvoiceUrl,
    empathyParagraph: o.empathyParagraph,
    isTrial: templateId === "trial_ending" || ctx.customerSegment === "trial",
    isAnnual: ctx.isAnnual === true,
    planName: f.planName,
    payment: f.payment,
    reason: ctx.failureReason,
    card: f.card,
    dueAt: ctx.invoiceDueAt ?? null,
    supportEmail: o.supportEmail,
    companyAddress: o.companyAddress,
    nextRetryAt: f.nextRetryAt,
    retryOutlook: f.retryOutlook,
  };
}

/** The customer's language and number/date format: their preferred locales, else their country, else English. */
export function localeOf(ctx: DunningContext): LocaleChoice {
  const preferred = ctx.preferredLocales && ctx.preferredLocales.length > 0 ? ctx.preferredLocales : ctx.customerLocale ? [ctx.customerLocale] : [];
  return chooseLocale({ preferredLocales: preferred, country: ctx.customerCountry ?? null });
}
