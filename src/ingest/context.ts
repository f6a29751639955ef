/**
 * @module context
 * The normalized `DunningContext`: everything the decision needs about one Stripe event, in our own words.
 * Ingress fills what the payload gives; fields it cannot give are `null` and listed in `unknown`
 * so the consumer knows what to complete (Stripe API, ledger) before deciding.
 */
import { z } from "zod";
import { FAILURE_REASONS } from "./decline-codes.ts";

export const HANDLED_EVENT_TYPES = [
  "invoice.payment_failed",
  "invoice.payment_action_required",
  "invoice.payment_succeeded",
  "invoice.paid",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "customer.subscription.trial_will_end",
  "payment_intent.payment_failed",
  "payment_intent.succeeded",
  "charge.failed",
  "payment_method.attached",
  "customer.updated",
  "invoice.voided",
  "invoice.marked_uncollectible",
  "payment_intent.canceled",
  "payment_method.automatically_updated",
  "charge.dispute.created",
  "checkout.session.completed",
] as const;
export type HandledEventType = (typeof HANDLED_EVENT_TYPES)[number];

export const PLAN_TIERS = ["basic", "pro", "team"] as const;
export const SEGMENTS = ["trial", "new", "loyal", "winback"] as const;
export type PlanTier = (typeof PLAN_TIERS)[number];
export type Segment = (typeof SEGMENTS)[number];

const MoneySchema = z.object({ amount: z.number().int(), currency: z.string().min(3).max(3) });

/** Fields the consumer may have to complete. */
export const COMPLETABLE_FIELDS = [
  "customerEmail",
  "failureReason",
  "declineCode",
  "planTier",
  "isAnnual",
  "customerSegment",
  "lastSuccessfulPaymentAt",
  "lifetimeValue",
  "invoiceId",
] as const;
export type CompletableField = (typeof COMPLETABLE_FIELDS)[number];

export const DunningContextSchema = z.object({
  eventId: z.string().min(1),
  eventType: z.enum(HANDLED_EVENT_TYPES),
  livemode: z.boolean(),
  /** Event creation time, epoch ms. */
  occurredAt: z.number().int(),
  customerId: z.string().min(1),
  customerEmail: z.string().nullable(),
  customerName: z.string().nullable(),
  customerLocale: z.string().nullable(),
  invoiceId: z.string().nullable(),
  subscriptionId: z.string().nullable(),
  paymentIntentId: z.string().nullable(),
  chargeId: z.string().nullable(),
  /** PaymentIntent ids the invoice lists under `payments` (new shape) or `payment_intent` (old shape). */
  invoicePaymentIntentIds: z.array(z.string()),
  amountDue: z.number().int().nullable(),
  currency: z.string().nullable(),
  hostedInvoiceUrl: z.string().nullable(),
  attemptCount: z.number().int().nullable(),
  /** Next Smart Retry, epoch ms; null when Stripe has none scheduled. */
  nextPaymentAttempt: z.number().int().nullable(),
  failureReason: z.enum(FAILURE_REASONS).nullable(),
  declineCode: z.string().nullable(),
  planTier: z.enum(PLAN_TIERS).nullable(),
  isAnnual: z.boolean().nullable(),
  customerSegment: z.enum(SEGMENTS).nullable(),
  lastSuccessfulPaymentAt: z.number().int().nullable(),
  lifetimeValue: MoneySchema.nullable(),
  /** Price lookup key / product id of the subscription's first item, for the plan-tier mapping. */
  priceLookupKey: z.string().nullable(),
  productId: z.string().nullable(),
  subscriptionStatus: z.string().nullable(),
  previousSubscriptionStatus: z.string().nullable(),
  /** Trial end, epoch ms. */
  trialEnd: z.number().int().nullable(),
  billingReason: z.string().nullable(),
  invoiceStatus: z.string().nullable(),
  /** New default payment method (card-update events), or the payment method attached. */
  newPaymentMethodId: z.string().nullable(),
  /**
   * The Stripe customer's `recovery_agent_label` metadata: a string, null when the customer has none, absent when
   * this event does not tell (only customer objects carry it).
   */
  stripeLabel: z.string().nullable().optional(),
  /** A PaymentIntent's or charge's description (Stripe names subscription payments "Subscription cycle", ...). */
  paymentDescription: z.string().nullable().optional(),
  /** The issuer's advice on retrying (`last_payment_error.advice_code`, charge `outcome.advice_code`). */
  adviceCode: z.string().nullable().optional(),
  /** The card network's advice (`network_advice_code`, e.g. Mastercard merchant advice codes "03", "21", "24"). */
  networkAdviceCode: z.string().nullable().optional(),
  /** Stripe's outcome reason of the failed charge (e.g. `previously_declined_do_not_retry`). */
  outcomeReason: z.string().nullable().optional(),
  /** The payment method the failed payment used. */
  paymentMethodId: z.string().nullable().optional(),
  /** A dispute's charge, reason and status (`charge.dispute.created`). */
  disputeReason: z.string().nullable().optional(),
  /** ISO 3166 country of the customer's address (invoice `customer_address`, then the Stripe customer). */
  customerCountry: z.string().nullable().optional(),
  /** IANA time zone from the Stripe customer's metadata `timezone`, when valid. */
  customerTimezone: z.string().nullable().optional(),
  /** The Stripe customer's `preferred_locales`, in order. */
  preferredLocales: z.array(z.string()).optional(),
  /** The card of the failed payment or the payment method on file: brand and last 4 digits (never more). */
  cardBrand: z.string().nullable().optional(),
  cardLast4: z.string().nullable().optional(),
  /** The product/plan name of the subscription, or the one-off payment's description/product. */
  productName: z.string().nullable().optional(),
  /** When the invoice was finalized (collection began), epoch ms. */
  invoiceFinalizedAt: z.number().int().nullable().optional(),
  /** A Checkout Session's mode and SetupIntent (`checkout.session.completed`; the card-update link's setup session). */
  checkoutMode: z.string().nullable().optional(),
  setupIntentId: z.string().nullable().optional(),
  /** The invoice's due date (epoch ms; `due_date`, set on invoices sent for manual payment). */
  invoiceDueAt: z.number().int().nullable().optional(),
  /** Fields ingress could not fill from the payload. */
  unknown: z.array(z.enum(COMPLETABLE_FIELDS)),
});

export type DunningContext = z.infer<typeof DunningContextSchema>;

/** Event types that open or feed a recovery case. */
export const FAILURE_EVENT_TYPES: ReadonlySet<HandledEventType> = new Set([
  "invoice.payment_failed",
  "invoice.payment_action_required",
  "payment_intent.payment_failed",
  "charge.failed",
]);

/** Event types that mean money arrived. */
export const SUCCESS_EVENT_TYPES: ReadonlySet<HandledEventType> = new Set([
  "invoice.payment_succeeded",
  "invoice.paid",
  "payment_intent.succeeded",
]);

/** A context that knows only which event it is and whose: every other field unknown (null). */
export function blankContext(id: Pick<DunningContext, "eventId" | "eventType" | "livemode" | "occurredAt" | "customerId">): DunningContext {
  return {
    ...id,
    customerEmail: null,
    customerName: null,
    customerLocale: null,
    invoiceId: null,
    subscriptionId: null,
    paymentIntentId: null,
    chargeId: null,
    invoicePaymentIntentIds: [],
    amountDue: null,
    currency: null,
    hostedInvoiceUrl: null,
    attemptCount: null,
    nextPaymentAttempt: null,
    failureReason: null,
    declineCode: null,
    planTier: null,
    isAnnual: null,
    customerSegment: null,
    lastSuccessfulPaymentAt: null,
    lifetimeValue: null,
    priceLookupKey: null,
    productId: null,
    subscriptionStatus: null,
    previousSubscriptionStatus: null,
    trialEnd: null,
    billingReason: null,
    invoiceStatus: null,
    newPaymentMethodId: null,
    unknown: [],
  };
}
