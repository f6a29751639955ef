/**
 * Typed factories for Stripe events with overrides, and the signing helper (the SDK's own test header).
 * Fixture files are the realistic baseline; factories make unique copies per test.
 */
import Stripe from "stripe";

export const PRIMARY_SECRET = "whsec_test_primary";
export const ROTATED_SECRET = "whsec_test_rotated";

const cryptoProvider = Stripe.createSubtleCryptoProvider();

const fixtureModules = import.meta.glob("../../fixtures/events/*.json", { eager: true, import: "default" }) as Record<string, Record<string, unknown>>;

/** Fixture events by file name (without folder and extension). */
export const FIXTURES: Record<string, Record<string, unknown>> = Object.fromEntries(
  Object.entries(fixtureModules).map(([path, value]) => [path.split("/").pop()?.replace(/\.json$/, "") ?? path, value]),
);

export function fixture(name: string): Record<string, unknown> {
  const f = FIXTURES[name];
  if (!f) throw new Error(`no fixture ${name}; have ${Object.keys(FIXTURES).join(", ")}`);
  return structuredClone(f);
}

export async function signatureHeader(payload: string, secret = PRIMARY_SECRET, timestamp?: number): Promise<string> {
  return Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret, cryptoProvider, ...(timestamp !== undefined ? { timestamp } : {}) });
}

export async function signedRequest(event: unknown, options: { secret?: string; timestamp?: number; url?: string } = {}): Promise<Request> {
  const payload = typeof event === "string" ? event : JSON.stringify(event);
  return new Request(options.url ?? "http://recovery.test/webhooks/stripe", {
    method: "POST",
    headers: { "content-type": "application/json", "stripe-signature": await signatureHeader(payload, options.secret, options.timestamp) },
    body: payload,
  });
}

type Obj = Record<string, unknown>;

/** Deep-merges plain objects (arrays and scalars replace). */
function merge(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && typeof v === "object" && !Array.isArray(v) && b && typeof b === "object" && !Array.isArray(b) ? merge(b as Obj, v as Obj) : v;
  }
  return out;
}

export interface InvoiceFailedOptions {
  eventId: string;
  customerId: string;
  invoiceId: string;
  paymentIntentId?: string;
  email?: string | null;
  amount?: number;
  currency?: string;
  attempt?: number;
  type?: "invoice.payment_failed" | "invoice.payment_action_required" | "invoice.paid" | "invoice.payment_succeeded";
  created?: number;
  nextPaymentAttempt?: number | null;
  lookupKey?: string;
  status?: string;
  livemode?: boolean;
  extra?: Obj;
}

/**
 * An invoice event as Stripe sends it in the current API (no `payments` list: an includable field webhooks never
 * carry), built from the fixture with unique ids. `paymentIntentId` is only where the old shape names it (`extra`).
 */
export function invoiceEvent(o: InvoiceFailedOptions): Obj {
  const base = fixture("01-olivia-invoice-payment-failed-insufficient-funds");
  const invoice = (base.data as Obj).object as Obj;
  const created = o.created ?? Math.floor(Date.now() / 1000);
  const paid = o.type === "invoice.paid" || o.type === "invoice.payment_succeeded";
  const amount = o.amount ?? (invoice.amount_due as number);
  const obj = merge(invoice, {
    id: o.invoiceId,
    customer: o.customerId,
    customer_email: o.email === undefined ? `${o.customerId}@example.com` : o.email,
    amount_due: amount,
    amount_remaining: paid ? 0 : amount,
    amount_paid: paid ? amount : 0,
    currency: o.currency ?? (invoice.currency as string),
    attempt_count: o.attempt ?? 1,
    status: o.status ?? (paid ? "paid" : "open"),
    next_payment_attempt: o.nextPaymentAttempt === undefined ? created + 3 * 86400 : o.nextPaymentAttempt,
    ...(o.extra ?? {}),
  });
  const lookupKey = o.lookupKey;
  if (lookupKey) {
    const lines = obj.lines as Obj;
    const data = (lines.data as Obj[]).map((l) => merge(l, { price: { id: `price_${lookupKey}`, lookup_key: lookupKey, product: `prod_${lookupKey}`, recurring: { interval: lookupKey.includes("annual") ? "year" : "month" } } }));
    obj.lines = { ...lines, data };
  }
  return { ...base, id: o.eventId, type: o.type ?? "invoice.payment_failed", created, livemode: o.livemode ?? false, data: { object: obj } };
}

export interface PaymentIntentFailedOptions {
  eventId: string;
  customerId: string;
  paymentIntentId: string;
  declineCode?: string | null;
  code?: string;
  amount?: number;
  currency?: string;
  type?: "payment_intent.payment_failed" | "payment_intent.succeeded";
  created?: number;
  email?: string | null;
}

export function paymentIntentEvent(o: PaymentIntentFailedOptions): Obj {
  const base = fixture("26-grace-one-off-payment-intent-failed-call-issuer");
  const pi = (base.data as Obj).object as Obj;
  const succeeded = o.type === "payment_intent.succeeded";
  const obj = merge(pi, {
    id: o.paymentIntentId,
    latest_charge: `ch_${o.paymentIntentId.replace(/^pi_/, "")}`,
    customer: o.customerId,
    amount: o.amount ?? (pi.amount as number),
    currency: o.currency ?? (pi.currency as string),
    receipt_email: o.email === undefined ? `${o.customerId}@example.com` : o.email,
    status: succeeded ? "succeeded" : "requires_payment_method",
    last_payment_error: succeeded
      ? null
      : { type: "card_error", code: o.code ?? "card_declined", decline_code: o.declineCode === undefined ? "insufficient_funds" : o.declineCode, advice_code: null, message: "Your card was declined.", payment_method: o.email === null ? null : { billing_details: { email: `${o.customerId}@example.com` } } },
  });
  return { ...base, id: o.eventId, type: o.type ?? "payment_intent.payment_failed", created: o.created ?? Math.floor(Date.now() / 1000), data: { object: obj } };
}
