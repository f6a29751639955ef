/**
 * @module test/fakes/stripe-routes
 * Stripe endpoints on single objects: retrieve (with `expand[]`), update (metadata merge, subscription
 * discounts), `PaymentIntent.confirm` and `Invoice.pay` with one-shot scripted declines
 * (`next_confirm_outcome`, `next_pay_outcome` on the object).
 */
import { coerce, isObj, json, now, randomId, type Obj, type Reply } from "./http.ts";
import type { StripeCollection } from "./client.ts";
import type { FakeState } from "./state.ts";
import { SINGULAR, applyMetadata } from "./stripe-store.ts";
import { badParam, cardError, declineMessage, noSuch, scriptedFailure, stripeErr } from "./stripe-replies.ts";
import { makeDiscount } from "./stripe-billing.ts";

/** One Stripe API call, split into the parts the routes match on. */
export interface StripeCall {
  fake: FakeState;
  scope: string;
  method: string;
  /** Query and body parameters, decoded. */
  params: Obj;
  /** `/v1/{res}/{id}/{action}` */
  res: string;
  id: string | undefined;
  action: string | undefined;
  /** Number of path segments, "v1" included. */
  n: number;
}

/** GET /v1/{collection}/{id} */
export function retrieveRoute(c: StripeCall): Reply | null {
  const { fake, scope, method, params, res, id, action, n } = c;
  const { getObj, putObj, allIds, expand } = fake.store;

  // simple retrievals
  const retrievable: Record<string, StripeCollection> = {
    customers: "customers",
    subscriptions: "subscriptions",
    payment_intents: "payment_intents",
    charges: "charges",
    invoices: "invoices",
    coupons: "coupons",
    promotion_codes: "promotion_codes",
    payment_methods: "payment_methods",
    prices: "prices",
    products: "products",
  };
  const coll = retrievable[res];
  if (method === "GET" && n === 3 && coll && id) {
    const o = getObj(scope, coll, id);
    if (!o) return noSuch(SINGULAR[coll] ?? coll, id);
    return json(200, expand(scope, o, params));
  }
  return null;
}

/** POST /v1/{customers|invoices|subscriptions}/{id} */
export function updateRoute(c: StripeCall): Reply | null {
  const { fake, scope, method, params, res, id, action, n } = c;
  const { getObj, putObj, allIds, expand } = fake.store;

  // updates that merge metadata (+ other simple fields)
  if (method === "POST" && n === 3 && id && (res === "customers" || res === "invoices" || res === "subscriptions")) {
    const c = res as StripeCollection;
    const o = getObj(scope, c, id);
    if (!o) return noSuch(SINGULAR[c] ?? c, id);
    if (res === "subscriptions") {
      const entries: unknown[] | null =
        params.discounts === ""
          ? []
          : Array.isArray(params.discounts)
            ? (params.discounts as unknown[])
            : typeof params.coupon === "string" || typeof params.promotion_code === "string"
              ? [{ ...(params.coupon ? { coupon: params.coupon } : {}), ...(params.promotion_code ? { promotion_code: params.promotion_code } : {}) }]
              : null;
      if (entries) {
        if (o.status === "canceled" || o.status === "incomplete_expired") {
          return badParam(`A canceled subscription can only update its cancellation_details and metadata.`, "discounts");
        }
        const ds: Obj[] = [];
        for (const e of entries) {
          const d = makeDiscount(fake, scope, isObj(e) ? e : {}, o);
          if (!("discount" in d)) return d;
          ds.push(d.discount);
        }
        o.discounts = ds.map((d) => d.id);
      }
    }
    applyMetadata(o, params.metadata);
    const skip = new Set(["metadata", "expand", "discounts", "coupon", "promotion_code", "proration_behavior", "items"]);
    for (const [k, v] of Object.entries(params)) if (!skip.has(k)) o[k] = v === "" ? null : coerce(v);
    putObj(scope, c, id, o);
    return json(200, expand(scope, o, params));
  }
  return null;
}

/** POST /v1/payment_intents/{id}/confirm */
export function confirmRoute(c: StripeCall): Reply | null {
  const { fake, scope, method, params, res, id, action, n } = c;
  const { getObj, putObj, allIds, expand } = fake.store;

  // PaymentIntent confirm
  if (res === "payment_intents" && id && action === "confirm" && method === "POST" && n === 4) {
    const pi = getObj(scope, "payment_intents", id);
    if (!pi) return noSuch("payment_intent", id, "intent");
    const confirmable = ["requires_payment_method", "requires_confirmation", "requires_action", undefined];
    if (!confirmable.includes(pi.status as string | undefined)) {
      return stripeErr(400, {
        code: "payment_intent_unexpected_state",
        doc_url: "https://stripe.com/docs/error-codes/payment-intent-unexpected-state",
        message: `You cannot confirm this PaymentIntent because it has a status of ${String(pi.status)}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_payment_method, requires_action.`,
        payment_intent: pi,
        type: "invalid_request_error",
      });
    }
    if (typeof params.payment_method === "string") pi.payment_method = params.payment_method;
    const decline = scriptedFailure(pi, "next_confirm_outcome", "next_confirm_decline_code");
    const chargeId = randomId("ch_");
    const charge: Obj = {
      id: chargeId,
      object: "charge",
      amount: pi.amount ?? 0,
      currency: pi.currency ?? "usd",
      customer: pi.customer ?? null,
      payment_intent: id,
      payment_method: pi.payment_method ?? null,
      created: now(),
      livemode: false,
      metadata: {},
      paid: decline === null,
      captured: decline === null,
      status: decline === null ? "succeeded" : "failed",
      failure_code: decline === null ? null : "card_declined",
      failure_message: decline === null ? null : declineMessage(decline),
      outcome:
        decline === null
          ? { network_status: "approved_by_network", reason: null, seller_message: "Payment complete.", type: "authorized" }
          : { network_status: "declined_by_network", reason: decline, seller_message: "The bank did not return any further details with this decline.", type: "issuer_declined" },
    };
    putObj(scope, "charges", chargeId, charge);
    pi.latest_charge = chargeId;
    if (decline !== null) {
      pi.status = "requires_payment_method";
      pi.last_payment_error = {
        charge: chargeId,
        code: "card_declined",
        decline_code: decline,
        message: declineMessage(decline),
        type: "card_error",
      };
      putObj(scope, "payment_intents", id, pi);
      return cardError(decline, { charge: chargeId, payment_intent: pi });
    }
    pi.status = "succeeded";
    pi.amount_received = pi.amount ?? 0;
    pi.last_payment_error = null;
    putObj(scope, "payment_intents", id, pi);
    return json(200, expand(scope, pi, params));
  }
  return null;
}

/** POST /v1/invoices/{id}/pay */
export function payRoute(c: StripeCall): Reply | null {
  const { fake, scope, method, params, res, id, action, n } = c;
  const { getObj, putObj, allIds, expand } = fake.store;

  // Invoice pay
  if (res === "invoices" && id && action === "pay" && method === "POST" && n === 4) {
    const inv = getObj(scope, "invoices", id);
    if (!inv) return noSuch("invoice", id);
    if (inv.status === "paid") return badParam("Invoice is already paid", undefined, "invoice_not_open");
    if (inv.status === "void") return badParam("You cannot pay a void invoice.", undefined, "invoice_not_open");
    const decline = scriptedFailure(inv, "next_pay_outcome", "next_pay_decline_code");
    inv.attempted = true;
    inv.attempt_count = (typeof inv.attempt_count === "number" ? inv.attempt_count : 0) + 1;
    if (decline !== null) {
      putObj(scope, "invoices", id, inv);
      return cardError(decline, {});
    }
    inv.status = "paid";
    inv.amount_paid = inv.amount_due ?? inv.total ?? 0;
    inv.amount_remaining = 0;
    inv.status_transitions = { ...(isObj(inv.status_transitions) ? inv.status_transitions : {}), paid_at: now() };
    inv.next_payment_attempt = null;
    putObj(scope, "invoices", id, inv);
    const cust = isObj(inv.customer) ? inv.customer.id : inv.customer;
    if (typeof cust === "string") {
      const paid = getObj<unknown[]>(scope, "paid_invoices", cust) ?? [];
      putObj(scope, "paid_invoices", cust, [inv, ...(Array.isArray(paid) ? paid.filter((x) => !(isObj(x) && x.id === id)) : [])]);
    }
    return json(200, expand(scope, inv, params));
  }
  return null;
}
