/**
 * @module locales/types
 * The shape of one locale's message catalog: every sentence a customer email, its empathy fallback, the
 * unsubscribe page and the card-update landing page can show. A locale file (`emails/locales/<tag>.ts`) exports one `Messages` object; the
 * type makes a missing key a compile error and `test/email-locales.test.ts` makes it a test failure.
 *
 * Values arrive already formatted for the locale (amounts, dates, percentages), so a message only places them.
 * `forPlan` / `forPurchase` return the whole prepositional phrase ("for your Pro plan", "für Ihren Tarif Pro"),
 * so every sentence that names what was paid for reads naturally in each language.
 */
import type { EmpathySegment } from "../empathy-fallback.ts";
import type { FailureReason } from "../../src/ingest/decline-codes.ts";

export interface Messages {
  /** Catalog tag: "en", "de", "pt-BR"... (also the `lang` attribute's language). */
  tag: string;
  /** Region used for dates and amounts when the customer gave none ("en" -> "en-US"). */
  defaultFormatLocale: string;
  /** The language's name in English, for the model's prompt ("German"). */
  languageName: string;

  greeting: (firstName: string | null) => string;
  signOff: string;
  team: (brand: string) => string;
  buttonFallback: string;
  /** "for your Pro plan" / "for your subscription". */
  forPlan: (plan: string | null) => string;
  /** "for “Advanced workshop”" / "for your purchase": one-off payments never say "subscription". */
  forPurchase: (description: string | null) => string;

  details: {
    title: string;
    amount: string;
    item: string;
    card: string;
    dueDate: string;
    /** "Visa ending in 4242". */
    cardValue: (brand: string, last4: string) => string;
  };

  footer: {
    renewal: (brand: string) => string;
    oneOff: (brand: string) => string;
    offer: (brand: string) => string;
    support: (email: string) => string;
    unsubscribe: string;
  };

  annualGrace: (brand: string) => string;
  viewInvoice: string;
  alreadyUpdated: string;
  alreadyConfirmed: string;
  alreadyPaid: string;
  /** "Just reply to this email" (only shown when replies reach a person: SUPPORT_EMAIL is set). */
  replyHelp: string;
  /** The last dated notice of a trial or 3-D Secure case: until when access stays on (no pressure wording). */
  accessUntil: (date: string) => string;

  cardUpdate: {
    subject: (amount: string, brand: string) => string;
    preview: (amount: string, brand: string) => string;
    intro: (amount: string, forWhat: string, brand: string) => string;
    /** The card needs the customer (expired, wrong details, unusable). */
    askNeedsCustomer: string;
    /** A soft decline after the retries: same card later or another card. */
    askSoft: string;
    askTrial: string;
    retryScheduled: (date: string) => string;
    button: string;
  };

  softReminder: {
    subject: (amount: string, brand: string) => string;
    subjectRetry: (amount: string, brand: string, date: string) => string;
    preview: (amount: string, brand: string) => string;
    previewRetry: (amount: string, brand: string, date: string) => string;
    intro: (amount: string, forWhat: string, brand: string) => string;
    /** Retry scheduled, a reason that usually clears by itself (funds, processing): nothing to do. */
    retryNoAction: (date: string) => string;
    /** Retry scheduled, but the bank declined (do_not_honor, unknown): say what helps, never "no action needed". */
    retryBank: (date: string) => string;
    /** No retry scheduled: the customer completes it. */
    noRetry: string;
    /** No retry promised (a one-off payment the agent may retry): the customer can complete it now. */
    completeNow: string;
    /** No retry, and the bank asked not to try this card again. */
    noRetryOtherCard: string;
    payNowOptional: string;
    button: string;
  };

  authRequired: {
    subject: (amount: string, brand: string) => string;
    subjectTrial: (amount: string, brand: string) => string;
    preview: (amount: string, brand: string) => string;
    intro: (amount: string, forWhat: string, brand: string) => string;
    how: string;
    button: string;
  };

  finalWarning: {
    subjectTrial: (amount: string, brand: string) => string;
    subjectDate: (amount: string, brand: string, date: string) => string;
    subject: (amount: string, brand: string) => string;
    previewTrial: (amount: string, brand: string) => string;
    preview: (amount: string, brand: string) => string;
    introTrial: (amount: string, forWhat: string, brand: string) => string;
    intro: (amount: string, forWhat: string, brand: string) => string;
    trial: (brand: string) => string;
    annualDate: (brand: string, date: string) => string;
    annual: (brand: string) => string;
    monthlyDate: (brand: string, date: string) => string;
    monthly: (brand: string) => string;
    oneOff: string;
    button: string;
  };

  winback: {
    subjectApplied: (pct: string, brand: string, code: string) => string;
    subjectReturn: (pct: string, brand: string, code: string) => string;
    previewApplied: (pct: string, brand: string, code: string, expiry: string) => string;
    previewReturn: (pct: string, brand: string, code: string, expiry: string) => string;
    introApplied: (amount: string, forWhat: string, brand: string) => string;
    introReturn: (amount: string, brand: string) => string;
    applied: (pct: string, code: string) => string;
    useAt: (code: string, pct: string) => string;
    useWhen: (code: string, pct: string) => string;
    validUntil: (pct: string, expiry: string) => string;
    button: (brand: string) => string;
  };

  trialEnding: {
    subjectEngaged: (brand: string, date: string) => string;
    subjectLapsed: (brand: string, date: string) => string;
    previewEngaged: (brand: string, date: string) => string;
    previewLapsed: (brand: string, date: string) => string;
    engaged: (brand: string, date: string, amount: string) => string;
    lapsed: (brand: string, date: string, amount: string) => string;
    changeCard: string;
    buttonEngaged: string;
    buttonLapsed: string;
  };

  /** Fixed empathy paragraphs (40-70 words together; Japanese 80-200 characters): tone by segment, hint by reason. */
  empathy: {
    opening: Readonly<Record<EmpathySegment | "none", string>>;
    hint: Readonly<Record<FailureReason, string>>;
    /** The trial-ending paragraph: nothing failed, no tenure, no pressure. */
    trialEnding: string;
  };

  unsubscribe: {
    title: string;
    confirm: (brand: string) => string;
    button: string;
    doneTitle: string;
    done: (brand: string) => string;
    invalid: string;
  };

  /** The card-update link's landing page (`/r/update/:token`) and the page Stripe sends the customer back to. */
  landing: {
    invalidTitle: string;
    invalidBody: string;
    settledTitle: string;
    settledPaid: string;
    settledNothing: string;
    settledThanks: string;
    expiredTitle: string;
    expiredNothing: string;
    expiredReply: string;
    stillOpenTitle: string;
    /** "Your payment of €49.00 to Acme didn't go through." (amount null: unknown). */
    failed: (amount: string | null, brand: string) => string;
    expiredPayOnInvoice: string;
    expiredNewLink: string;
    openInvoice: string;
    updateTitle: string;
    updateBody: string;
    updateButton: string;
    addCardTitle: string;
    addCardBody: (amount: string | null) => string;
    addCardButton: string;
    trialTitle: string;
    trialBody: (brand: string) => string;
    trialButton: string;
    cardOnFileBody: (brand: string) => string;
    rateLimited: string;
    noStripe: string;
    /** Under the button: where the customer continues, and that we never see the card. */
    secureNote: string;
    updatedTitle: string;
    updatedBody: (brand: string) => string;
  };
}
