/**
 * @module complete
 * Fills what ingress left unknown before deciding: decline code and the card's brand/last 4 (PaymentIntent /
 * charge), the plan's product name (product), email, name and
 * locale (customer), plan tier and interval (subscription) from Stripe when a key is configured; segment,
 * lifetime value and last payment from our ledger, backfilled from the customer's paid invoices the first
 * time we see them. A transient Stripe failure throws (the message is retried, never decided on half a
 * context); a definite "not found" leaves the field unknown.
 */
import type Stripe from "stripe";
import { isTransientStripeError } from "../clients/stripe.ts";
import type { Deps } from "../deps.ts";
import type { DunningContext } from "../ingest/context.ts";
import { customerFactsOf } from "../ingest/customer-facts.ts";
import { reasonFromCodes } from "../ingest/decline-codes.ts";
import { resolvePlanTier } from "../ingest/plan-tier.ts";
import { log } from "../log.ts";
import { ensureCustomer, getCustomer, hadLostCase, recordBackfill, type CustomerFacts } from "../ledger/customers.ts";
import { syncStripeLabel } from "../ledger/labels.ts";
import { STRIPE_LABEL_METADATA_KEY } from "../constants.ts";
import { segmentOf } from "./segment.ts";

/** Mirrors the Stripe customer's label metadata into the team labels (an unknown value is logged, not applied). */
export async function mirrorStripeLabel(deps: Deps, customerId: string, value: string | null): Promise<void> {
  const r = await syncStripeLabel(deps.db, customerId, value, deps.clock());
  if (r === "invalid") log("warn", "labels.unknown_stripe_label", { customerId, value: value?.slice(0, 40) ?? null, allowed: "do_not_contact, paused, no_offers" });
  else if (r !== "unchanged") log("info", "labels.stripe_label", { customerId, change: r, label: value });
}

type Obj = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);
const idOf = (v: unknown): string | null => str(v) ?? (typeof v === "object" && v !== null ? str((v as Obj).id) : null);

async function optional<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    if (isTransientStripeError(err)) throw err;
    log("warn", "complete.stripe_lookup_failed", { what, error: err instanceof Error ? err.message : String(err) });
    return null;
  }
}

const FAILURE_TYPES = new Set(["invoice.payment_failed", "payment_intent.payment_failed", "charge.failed"]);

async function completeFromStripe(stripe: Stripe, c: DunningContext, planTierMap: Deps["config"]["planTierMap"]): Promise<void> {
  // PaymentIntent and charge payloads carry the card; an invoice's does not (read with its PaymentIntent below).
  const needCard = c.eventType === "invoice.payment_failed" && (c.cardBrand == null || c.cardLast4 == null);
  if (FAILURE_TYPES.has(c.eventType) && (c.failureReason === null || c.declineCode === null || needCard)) {
    let piId = c.paymentIntentId;
    if (piId === null && c.invoiceId !== null) {
      const invoiceId = c.invoiceId;
      const payments = await optional("invoice_payments", () => stripe.invoicePayments.list({ invoice: invoiceId, limit: 10 }));
      const p = payments?.data.find((x) => idOf((x.payment as unknown as Obj | undefined)?.payment_intent) !== null);
      piId = p ? idOf((p.payment as unknown as Obj).payment_intent) : null;
      if (piId !== null) {
        c.paymentIntentId = piId;
        if (!c.invoicePaymentIntentIds.includes(piId)) c.invoicePaymentIntentIds = [...c.invoicePaymentIntentIds, piId];
      }
    }
    if (piId !== null) {
      const id = piId;
      const pi = await optional("payment_intent", () => stripe.paymentIntents.retrieve(id, { expand: ["latest_charge", "payment_method"] }));
      if (pi && needCard) withCard(c, pi as unknown as Obj);
      if (pi) {
        const err = pi.last_payment_error as unknown as Obj | null;
        const charge = pi.latest_charge as unknown as Obj | null;
        const found = reasonFromCodes([
          str(err?.decline_code),
          str(err?.code),
          str(charge?.failure_code),
          str((charge?.outcome as Obj | undefined)?.reason),
        ]);
        if (found.code !== null) {
          c.declineCode = found.code;
          if (c.failureReason === null || c.failureReason === "unknown") c.failureReason = found.reason;
          if (found.unmapped) log("warn", "complete.unmapped_decline_code", { eventId: c.eventId, declineCode: found.code });
        }
      }
    }
  }
  // Always read: besides the address, the customer carries the team's label in its metadata.
  const customer = await optional("customer", () => stripe.customers.retrieve(c.customerId));
  if (customer && !("deleted" in customer && customer.deleted === true)) {
    const cu = customer as Stripe.Customer;
    c.customerEmail = c.customerEmail ?? str(cu.email);
    c.customerName = c.customerName ?? str(cu.name);
    c.customerLocale = c.customerLocale ?? str(cu.preferred_locales?.[0]);
    c.stripeLabel = str(cu.metadata?.[STRIPE_LABEL_METADATA_KEY]);
    // Where the customer lives and what they read: the send window's clock and the emails' language.
    const facts = customerFactsOf(cu);
    c.customerCountry = c.customerCountry ?? facts.country;
    c.customerTimezone = c.customerTimezone ?? facts.timezone;
    if (c.preferredLocales === undefined || c.preferredLocales.length === 0) c.preferredLocales = facts.preferredLocales;
  }
  if ((c.planTier === null || c.isAnnual === null || c.subscriptionStatus === null) && c.subscriptionId !== null) {
    const id = c.subscriptionId;
    const sub = await optional("subscription", () => stripe.subscriptions.retrieve(id));
    if (sub) {
      const item = sub.items.data[0];
      const price = item?.price;
      c.subscriptionStatus = c.subscriptionStatus ?? sub.status;
      c.trialEnd = c.trialEnd ?? (sub.trial_end ? sub.trial_end * 1000 : null);
      c.priceLookupKey = c.priceLookupKey ?? str(price?.lookup_key);
      c.productId = c.productId ?? idOf(price?.product);
      c.isAnnual = c.isAnnual ?? (price?.recurring ? price.recurring.interval === "year" : null);
      c.planTier = c.planTier ?? resolvePlanTier(c.priceLookupKey, c.productId, planTierMap);
    }
  }
  // The plan's product name for the email (a failure only: the one email-bound read worth a call).
  if (FAILURE_TYPES.has(c.eventType) && c.productName == null && c.productId !== null && c.invoiceId !== null) {
    const id = c.productId;
    const product = await optional("product", () => stripe.products.retrieve(id));
    if (product) c.productName = str(product.name)?.slice(0, 120) ?? null;
  }
}

/**
 * The card of the failed payment from a retrieved PaymentIntent: brand and last 4 only (never logged, never more).
 * The failed attempt's payment method first, then the charge's details, then the PaymentIntent's method.
 */
function withCard(c: DunningContext, pi: Obj): void {
  const cardOf = (v: unknown): { brand: string; last4: string } | null => {
    const card = typeof v === "object" && v !== null ? (v as Obj) : null;
    const brand = str(card?.brand);
    const last4 = str(card?.last4);
    return brand !== null && last4 !== null && /^\d{4}$/.test(last4) ? { brand: brand.toLowerCase(), last4 } : null;
  };
  const at = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((cur, k) => (typeof cur === "object" && cur !== null ? (cur as Obj)[k] : undefined), o);
  const found =
    cardOf(at(pi, "last_payment_error", "payment_method", "card")) ??
    cardOf(at(pi, "latest_charge", "payment_method_details", "card")) ??
    cardOf(at(pi, "payment_method", "card"));
  if (found !== null) {
    c.cardBrand = found.brand;
    c.cardLast4 = found.last4;
  }
}

/** The paid history read once per customer: every page (Stripe's pages hold at most 100), up to this many invoices. */
export const BACKFILL_MAX_INVOICES = 2000;

async function backfill(deps: Deps, stripe: Stripe, customerId: string): Promise<void> {
  const invoices = await optional("paid invoices", () => stripe.invoices.list({ customer: customerId, status: "paid", limit: 100 }).autoPagingToArray({ limit: BACKFILL_MAX_INVOICES }));
  if (invoices === null) return;
  const paid = invoices.map((inv) => ({
    id: inv.id ?? `inv-${inv.created}`,
    amount: inv.amount_paid,
    currency: inv.currency,
    paidAt: (inv.status_transitions?.paid_at ?? inv.created) * 1000,
  }));
  await recordBackfill(deps.db, customerId, paid, deps.clock());
}

/**
 * `known`: the customer's row and lost-case flag, read in the event's claim batch (only while nothing of this event
 * has written to them since).
 */
export async function completeContext(deps: Deps, ctx: DunningContext, known?: CustomerFacts | null): Promise<DunningContext> {
  const c: DunningContext = { ...ctx };
  if (deps.stripe !== null) await completeFromStripe(deps.stripe, c, deps.config.planTierMap);
  if (c.planTier === null) c.planTier = resolvePlanTier(c.priceLookupKey, c.productId, deps.config.planTierMap);
  const now = deps.clock();
  // The customer and whether they ever lost a case are read together (one round trip).
  const [{ row }, lost] =
    known !== undefined && known !== null && known.row.id === c.customerId
      ? [{ row: known.row }, known.lost]
      : await Promise.all([ensureCustomer(deps.db, c.customerId, now), hadLostCase(deps.db, c.customerId)]);
  if (c.stripeLabel !== undefined) await mirrorStripeLabel(deps, c.customerId, c.stripeLabel);
  const backfillFrom = row.backfilled_until === null ? deps.stripe : null;
  if (backfillFrom !== null) await backfill(deps, backfillFrom, c.customerId);
  // Read again only when the backfill may have changed the row.
  const fresh = backfillFrom !== null ? await getCustomer(deps.db, c.customerId) : row;
  const customer = fresh ?? row;
  c.lifetimeValue = customer.ltv_currency !== null ? { amount: customer.lifetime_value, currency: customer.ltv_currency } : null;
  c.lastSuccessfulPaymentAt = customer.last_successful_payment_at;
  c.customerSegment = segmentOf(
    {
      subscriptionStatus: c.subscriptionStatus,
      trialEnd: c.trialEnd,
      paidInvoices: customer.paid_invoices,
      hadLostCase: lost,
    },
    { loyalMinPaidInvoices: deps.config.loyalMinPaidInvoices },
    now,
  );
  if (c.failureReason === null && FAILURE_TYPES.has(c.eventType)) c.failureReason = "unknown";
  c.unknown = c.unknown.filter((f) => c[f] === null);
  return c;
}
