/**
 * @module normalize
 * Stripe event -> DunningContext. Pure: no I/O, no clock. Handles the old invoice shape
 * (top-level `payment_intent`/`charge`/`subscription`) and the new one (`payments`, `parent`).
 */
import { STRIPE_LABEL_METADATA_KEY } from "../constants.ts";
import type Stripe from "stripe";
import { reasonFromCodes, type FailureReason } from "./decline-codes.ts";
import {
  blankContext,
  DunningContextSchema,
  HANDLED_EVENT_TYPES,
  type CompletableField,
  type DunningContext,
  type HandledEventType,
  type PlanTier,
} from "./context.ts";
import { customerFactsOf, invoiceCountryOf } from "./customer-facts.ts";
import { resolvePlanTier } from "./plan-tier.ts";

export type NormalizeResult =
  | { ok: true; context: DunningContext; warnings: NormalizeWarning[] }
  | { ok: false; reason: "ignored_type" | "no_customer" | "invalid_context"; detail?: string };

export interface NormalizeWarning {
  kind: "unmapped_decline_code";
  code: string;
}

export interface NormalizeOptions {
  planTierMap?: Readonly<Record<string, PlanTier>>;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const int = (v: unknown): number | null => {
  const n = num(v);
  return n === null ? null : Math.trunc(n);
};
const get = (v: unknown, ...path: string[]): unknown => {
  let cur = v;
  for (const p of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
};
/** An expandable field: an id string or an expanded object with `id`. */
const idOf = (v: unknown): string | null => str(v) ?? (isObj(v) ? str(v.id) : null);
const secondsToMs = (v: unknown): number | null => {
  const n = int(v);
  return n === null ? null : n * 1000;
};
const list = (v: unknown): unknown[] => {
  const data = get(v, "data");
  return Array.isArray(data) ? data : Array.isArray(v) ? v : [];
};

/** Brand and last 4 digits of a card object (`payment_method.card`, `payment_method_details.card`); nothing else is read. */
function cardOf(card: unknown): { brand: string; last4: string } | null {
  const brand = str(get(card, "brand"));
  const last4 = str(get(card, "last4"));
  return brand !== null && last4 !== null && /^\d{4}$/.test(last4) ? { brand: brand.toLowerCase(), last4 } : null;
}

function withCard(ctx: DunningContext, ...cards: unknown[]): void {
  for (const c of cards) {
    const found = cardOf(c);
    if (found !== null) {
      ctx.cardBrand = found.brand;
      ctx.cardLast4 = found.last4;
      return;
    }
  }
}

/** The product name of an invoice line: the expanded product's name, else the line description without Stripe's "1 × … (at …)" wrapper. */
function lineProductName(invoice: Obj): string | null {
  const line = list(invoice.lines)[0];
  if (!isObj(line)) return null;
  const named = str(get(line, "price", "product", "name")) ?? str(get(line, "plan", "product", "name")) ?? str(get(line, "pricing", "price_details", "product", "name"));
  if (named !== null) return named;
  const description = str(line.description);
  if (description === null) return null;
  const m = /^\d+\s*[×x]\s*(.+?)\s*\(at .*\)$/u.exec(description);
  return (m?.[1] ?? description).slice(0, 120);
}

/** Descriptions Stripe gives an invoice's own payments: not a product name. */
const STRIPE_INVOICE_DESCRIPTION = /^(Subscription (creation|update|cycle)|Payment for Invoice)/;
const productFromDescription = (v: unknown): string | null => {
  const d = str(v);
  return d === null || STRIPE_INVOICE_DESCRIPTION.test(d) ? null : d.slice(0, 120);
};

export const isHandledType = (t: string): t is HandledEventType => (HANDLED_EVENT_TYPES as readonly string[]).includes(t);

/** Base context with every optional field unknown. */
function blank(event: Stripe.Event, type: HandledEventType, customerId: string): DunningContext {
  return blankContext({ eventId: event.id, eventType: type, livemode: event.livemode === true, occurredAt: event.created * 1000, customerId });
}

interface PriceFacts {
  lookupKey: string | null;
  productId: string | null;
  isAnnual: boolean | null;
}

function priceFacts(price: unknown, period?: { start: number | null; end: number | null }): PriceFacts {
  const interval = str(get(price, "recurring", "interval"));
  let isAnnual: boolean | null = interval === null ? null : interval === "year";
  if (isAnnual === null && period && period.start !== null && period.end !== null) {
    isAnnual = period.end - period.start > 300 * 86400;
  }
  return {
    lookupKey: str(get(price, "lookup_key")),
    productId: idOf(get(price, "product")),
    isAnnual,
  };
}

/** First subscription line of an invoice: price facts from the old (`price`) or new (`pricing`) line shape. */
function invoiceLineFacts(invoice: Obj): PriceFacts {
  const line = list(invoice.lines)[0];
  if (!isObj(line)) return { lookupKey: null, productId: null, isAnnual: null };
  const period = { start: int(get(line, "period", "start")), end: int(get(line, "period", "end")) };
  if (isObj(line.price)) return priceFacts(line.price, period);
  if (isObj(line.plan)) {
    return { ...priceFacts(line.plan, period), isAnnual: str(get(line.plan, "interval")) === "year" ? true : priceFacts(line.plan, period).isAnnual };
  }
  const details = get(line, "pricing", "price_details");
  const f = priceFacts(get(details, "price"), period);
  return { ...f, productId: f.productId ?? idOf(get(details, "product")) };
}

function subscriptionIdOfInvoice(invoice: Obj): string | null {
  return (
    idOf(invoice.subscription) ??
    idOf(get(invoice, "parent", "subscription_details", "subscription")) ??
    idOf(get(list(invoice.lines)[0], "parent", "subscription_item_details", "subscription")) ??
    idOf(get(list(invoice.lines)[0], "subscription"))
  );
}

interface PaymentFacts {
  paymentIntentIds: string[];
  chargeId: string | null;
  /** Codes from an expanded PaymentIntent or charge, most specific first. */
  codes: Array<string | null>;
}

function invoicePaymentFacts(invoice: Obj): PaymentFacts {
  const ids: string[] = [];
  const codes: Array<string | null> = [];
  let chargeId = idOf(invoice.charge);
  const consider = (pi: unknown) => {
    const id = idOf(pi);
    if (id !== null && !ids.includes(id)) ids.push(id);
    if (isObj(pi)) codes.push(...paymentErrorCodes(pi.last_payment_error));
  };
  consider(invoice.payment_intent); // old shape
  for (const p of list(invoice.payments)) {
    const payment = get(p, "payment");
    if (str(get(payment, "type")) === "charge" || get(payment, "charge") !== undefined) {
      chargeId = chargeId ?? idOf(get(payment, "charge"));
    }
    if (get(payment, "payment_intent") !== undefined) consider(get(payment, "payment_intent"));
  }
  return { paymentIntentIds: ids, chargeId, codes };
}

function paymentErrorCodes(error: unknown): Array<string | null> {
  return [str(get(error, "decline_code")), str(get(error, "code"))];
}

function withReason(ctx: DunningContext, codes: Array<string | null>, warnings: NormalizeWarning[]): void {
  const found = reasonFromCodes(codes);
  if (found.code === null) {
    ctx.failureReason = null;
    return;
  }
  ctx.failureReason = found.reason;
  ctx.declineCode = found.code;
  if (found.unmapped) warnings.push({ kind: "unmapped_decline_code", code: found.code });
}

function fromInvoice(ctx: DunningContext, invoice: Obj, warnings: NormalizeWarning[], options: NormalizeOptions): void {
  ctx.customerEmail = str(invoice.customer_email);
  ctx.customerName = str(invoice.customer_name);
  ctx.customerCountry = invoiceCountryOf(invoice);
  ctx.invoiceId = str(invoice.id);
  ctx.subscriptionId = subscriptionIdOfInvoice(invoice);
  const payments = invoicePaymentFacts(invoice);
  ctx.invoicePaymentIntentIds = payments.paymentIntentIds;
  ctx.paymentIntentId = payments.paymentIntentIds[0] ?? null;
  ctx.chargeId = payments.chargeId;
  ctx.amountDue = int(invoice.amount_due);
  ctx.currency = str(invoice.currency)?.toLowerCase() ?? null;
  ctx.hostedInvoiceUrl = str(invoice.hosted_invoice_url);
  ctx.attemptCount = int(invoice.attempt_count);
  ctx.nextPaymentAttempt = secondsToMs(invoice.next_payment_attempt);
  {
    // When the invoice began to be collected: days of a campaign first seen at a later attempt count from here.
    const finalized = secondsToMs(get(invoice, "status_transitions", "finalized_at")) ?? secondsToMs(invoice.created);
    if (finalized !== null) ctx.invoiceFinalizedAt = finalized;
  }
  ctx.billingReason = str(invoice.billing_reason);
  ctx.invoiceStatus = str(invoice.status);
  const line = invoiceLineFacts(invoice);
  ctx.priceLookupKey = line.lookupKey;
  ctx.productId = line.productId;
  ctx.isAnnual = line.isAnnual;
  ctx.planTier = resolvePlanTier(line.lookupKey, line.productId, options.planTierMap);
  ctx.productName = lineProductName(invoice);
  ctx.invoiceDueAt = secondsToMs(invoice.due_date);
  const pi = get(invoice, "payment_intent");
  withCard(ctx, get(pi, "last_payment_error", "payment_method", "card"), get(pi, "latest_charge", "payment_method_details", "card"), get(invoice, "charge", "payment_method_details", "card"));
  if (ctx.eventType === "invoice.payment_action_required") {
    ctx.failureReason = "authentication_required";
  } else if (ctx.eventType === "invoice.payment_failed") {
    withReason(ctx, payments.codes, warnings);
  }
}

function fromPaymentIntent(ctx: DunningContext, pi: Obj, warnings: NormalizeWarning[]): void {
  ctx.paymentIntentId = str(pi.id);
  ctx.chargeId = idOf(pi.latest_charge);
  ctx.invoiceId = idOf(pi.invoice); // removed from recent API versions; present on old ones
  ctx.amountDue = int(pi.amount);
  ctx.currency = str(pi.currency)?.toLowerCase() ?? null;
  ctx.customerEmail = str(pi.receipt_email) ?? str(get(pi, "last_payment_error", "payment_method", "billing_details", "email"));
  ctx.paymentDescription = str(pi.description);
  ctx.paymentMethodId = idOf(get(pi, "last_payment_error", "payment_method")) ?? idOf(pi.payment_method);
  ctx.productName = productFromDescription(pi.description);
  withCard(ctx, get(pi, "last_payment_error", "payment_method", "card"), get(pi.latest_charge, "payment_method_details", "card"), get(pi, "payment_method", "card"));
  if (ctx.eventType === "payment_intent.payment_failed") {
    ctx.adviceCode = str(get(pi, "last_payment_error", "advice_code")) ?? str(get(pi.latest_charge, "outcome", "advice_code"));
    ctx.networkAdviceCode = str(get(pi, "last_payment_error", "network_advice_code"));
    ctx.outcomeReason = str(get(pi.latest_charge, "outcome", "reason"));
    const charge = pi.latest_charge;
    withReason(
      ctx,
      [
        ...paymentErrorCodes(pi.last_payment_error),
        str(get(charge, "failure_code")),
        str(get(charge, "outcome", "reason")),
      ],
      warnings,
    );
  }
}

function fromCharge(ctx: DunningContext, charge: Obj, warnings: NormalizeWarning[]): void {
  ctx.chargeId = str(charge.id);
  ctx.paymentIntentId = idOf(charge.payment_intent);
  ctx.invoiceId = idOf(charge.invoice);
  ctx.amountDue = int(charge.amount);
  ctx.currency = str(charge.currency)?.toLowerCase() ?? null;
  ctx.customerEmail = str(get(charge, "billing_details", "email")) ?? str(charge.receipt_email);
  ctx.customerName = str(get(charge, "billing_details", "name"));
  ctx.paymentDescription = str(charge.description);
  ctx.paymentMethodId = idOf(charge.payment_method);
  ctx.productName = productFromDescription(charge.description);
  withCard(ctx, get(charge, "payment_method_details", "card"));
  ctx.adviceCode = str(get(charge, "outcome", "advice_code"));
  ctx.networkAdviceCode = str(get(charge, "outcome", "network_advice_code"));
  ctx.outcomeReason = str(get(charge, "outcome", "reason"));
  withReason(ctx, [str(charge.failure_code), str(get(charge, "outcome", "reason"))], warnings);
}

function fromSubscription(ctx: DunningContext, sub: Obj, previous: Obj | null, options: NormalizeOptions): void {
  ctx.subscriptionId = str(sub.id);
  ctx.subscriptionStatus = str(sub.status);
  ctx.previousSubscriptionStatus = previous === null ? null : str(previous.status);
  ctx.trialEnd = secondsToMs(sub.trial_end);
  ctx.invoiceId = idOf(sub.latest_invoice);
  ctx.currency = str(sub.currency)?.toLowerCase() ?? null;
  const item = list(sub.items)[0];
  const facts = priceFacts(get(item, "price") ?? get(item, "plan"));
  ctx.priceLookupKey = facts.lookupKey;
  ctx.productId = facts.productId;
  ctx.isAnnual = facts.isAnnual ?? (str(get(item, "plan", "interval")) === null ? null : str(get(item, "plan", "interval")) === "year");
  ctx.planTier = resolvePlanTier(facts.lookupKey, facts.productId, options.planTierMap);
  const amount = int(get(item, "price", "unit_amount")) ?? int(get(item, "plan", "amount"));
  const quantity = int(get(item, "quantity")) ?? 1;
  ctx.amountDue = amount === null ? null : amount * quantity;
  if (ctx.currency === null) ctx.currency = str(get(item, "price", "currency"))?.toLowerCase() ?? null;
}

function fromCustomer(ctx: DunningContext, customer: Obj, previous: Obj | null): void {
  ctx.customerEmail = str(customer.email);
  ctx.customerName = str(customer.name);
  const locales = customer.preferred_locales;
  ctx.customerLocale = Array.isArray(locales) ? str(locales[0]) : null;
  const facts = customerFactsOf(customer);
  ctx.customerCountry = facts.country;
  ctx.customerTimezone = facts.timezone;
  ctx.preferredLocales = facts.preferredLocales;
  const before = get(previous, "invoice_settings");
  const changed = isObj(before) && "default_payment_method" in before;
  const now = idOf(get(customer, "invoice_settings", "default_payment_method"));
  ctx.newPaymentMethodId = changed && now !== null ? now : null;
  // The team's label in Stripe: present -> that value, absent -> none (a removal the consumer mirrors).
  const meta = get(customer, "metadata");
  ctx.stripeLabel = isObj(meta) ? str(meta[STRIPE_LABEL_METADATA_KEY]) : null;
}

/** A dispute names no customer: it is keyed by its charge until the consumer finds the case (and the customer). */
export const DISPUTE_CUSTOMER_PREFIX = "dispute:";

function customerIdOf(type: HandledEventType, obj: Obj): string | null {
  if (type === "customer.updated") return str(obj.id);
  if (type === "charge.dispute.created") return idOf(obj.customer) ?? (idOf(obj.charge) !== null ? `${DISPUTE_CUSTOMER_PREFIX}${idOf(obj.charge)}` : null);
  return idOf(obj.customer);
}

/** Which fields a context still lacks and the consumer should try to complete. */
function unknownFields(ctx: DunningContext): CompletableField[] {
  const missing: CompletableField[] = [];
  if (ctx.customerEmail === null) missing.push("customerEmail");
  const isFailure = ctx.eventType === "invoice.payment_failed" || ctx.eventType === "payment_intent.payment_failed" || ctx.eventType === "charge.failed";
  if (isFailure && ctx.failureReason === null) missing.push("failureReason");
  if (isFailure && ctx.declineCode === null && ctx.failureReason !== "authentication_required") missing.push("declineCode");
  if (ctx.planTier === null) missing.push("planTier");
  if (ctx.isAnnual === null) missing.push("isAnnual");
  missing.push("customerSegment", "lastSuccessfulPaymentAt", "lifetimeValue");
  if (ctx.invoiceId === null && (ctx.eventType.startsWith("payment_intent.") || ctx.eventType === "charge.failed")) missing.push("invoiceId");
  return missing;
}

/** Normalizes a verified Stripe event. Pure. */
export function normalizeEvent(event: Stripe.Event, options: NormalizeOptions = {}): NormalizeResult {
  const type = event.type;
  if (!isHandledType(type)) return { ok: false, reason: "ignored_type" };
  const obj = (event.data as { object: unknown }).object;
  if (!isObj(obj)) return { ok: false, reason: "invalid_context", detail: "data.object is not an object" };
  const previous = isObj(get(event.data, "previous_attributes")) ? (get(event.data, "previous_attributes") as Obj) : null;
  const customerId = customerIdOf(type, obj);
  if (customerId === null) return { ok: false, reason: "no_customer" };
  const ctx = blank(event, type, customerId);
  const warnings: NormalizeWarning[] = [];
  if (type.startsWith("invoice.")) fromInvoice(ctx, obj, warnings, options);
  else if (type.startsWith("payment_intent.")) fromPaymentIntent(ctx, obj, warnings);
  else if (type === "charge.failed") fromCharge(ctx, obj, warnings);
  else if (type.startsWith("customer.subscription.")) fromSubscription(ctx, obj, previous, options);
  else if (type === "customer.updated") fromCustomer(ctx, obj, previous);
  else if (type === "payment_method.attached" || type === "payment_method.automatically_updated") ctx.newPaymentMethodId = str(obj.id);
  else if (type === "charge.dispute.created") {
    ctx.chargeId = idOf(obj.charge);
    ctx.paymentIntentId = idOf(obj.payment_intent);
    ctx.amountDue = int(obj.amount);
    ctx.currency = str(obj.currency)?.toLowerCase() ?? null;
    ctx.disputeReason = str(obj.reason);
  } else if (type === "checkout.session.completed") {
    // Our card-update link's setup session names its case and PaymentIntent in metadata (links/stripe-session.ts).
    ctx.checkoutMode = str(obj.mode);
    ctx.setupIntentId = idOf(obj.setup_intent);
    const md = isObj(obj.metadata) ? obj.metadata : {};
    ctx.paymentIntentId = str(md.recovery_agent_payment_intent);
    ctx.currency = str(obj.currency)?.toLowerCase() ?? null;
  }
  ctx.unknown = unknownFields(ctx);
  const parsed = DunningContextSchema.safeParse(ctx);
  if (!parsed.success) {
    return { ok: false, reason: "invalid_context", detail: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  }
  return { ok: true, context: parsed.data, warnings };
}

export type { FailureReason };
