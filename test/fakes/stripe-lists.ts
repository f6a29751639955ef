/**
 * @module test/fakes/stripe-lists
 * Stripe list endpoints the agent reads: a customer's paid invoices, prices by lookup key, and the payments of
 * an invoice. Lists are newest first and paginate with `limit` / `starting_after` like Stripe's.
 */
import { coerce, isObj, json, type Reply } from "./http.ts";
import { newestFirst } from "./stripe-store.ts";
import { stripeList } from "./stripe-replies.ts";
import type { StripeCall } from "./stripe-routes.ts";

/** GET /v1/invoices (paid invoices of a customer) */
export function invoiceListRoute(c: StripeCall): Reply | null {
  const { fake, scope, method, params, res, id, action, n } = c;
  const { getObj, putObj, allIds, expand } = fake.store;

  // Invoice list (paid invoices of a customer)
  if (res === "invoices" && method === "GET" && n === 2) {
    let data: unknown[] = [];
    const customer = typeof params.customer === "string" ? params.customer : null;
    const ids = customer ? [customer] : allIds(scope, "paid_invoices");
    for (const c of ids) {
      const list = getObj<unknown>(scope, "paid_invoices", c);
      if (Array.isArray(list)) data.push(...list);
    }
    if (typeof params.status === "string") {
      data = data.filter((x) => !isObj(x) || x.status === undefined || x.status === params.status);
    }
    if (typeof params.subscription === "string") {
      data = data.filter((x) => !isObj(x) || x.subscription === undefined || x.subscription === params.subscription);
    }
    data = newestFirst(data);
    return json(200, expand(scope, stripeList("/v1/invoices", data, params), params));
  }
  return null;
}

/** GET /v1/prices */
export function priceListRoute(c: StripeCall): Reply | null {
  const { fake, scope, method, params, res, id, action, n } = c;
  const { getObj, putObj, allIds, expand } = fake.store;

  // Price list (lookup_keys[] / product / active filters)
  if (res === "prices" && method === "GET" && n === 2) {
    let data: unknown[] = allIds(scope, "prices").map((pid) => getObj(scope, "prices", pid));
    const lookupKeys: unknown = params.lookup_keys;
    if (Array.isArray(lookupKeys)) data = data.filter((x) => isObj(x) && lookupKeys.includes(x.lookup_key));
    if (typeof params.product === "string") data = data.filter((x) => isObj(x) && (isObj(x.product) ? x.product.id : x.product) === params.product);
    if (params.active !== undefined) data = data.filter((x) => isObj(x) && x.active === coerce(params.active));
    return json(200, expand(scope, stripeList("/v1/prices", newestFirst(data), params), params));
  }
  return null;
}

/** GET /v1/invoice_payments */
export function invoicePaymentsRoute(c: StripeCall): Reply | null {
  const { fake, scope, method, params, res, id, action, n } = c;
  const { getObj, putObj, allIds, expand } = fake.store;

  // Invoice payments list
  if (res === "invoice_payments" && method === "GET" && n === 2) {
    let data: unknown[] = [];
    if (typeof params.invoice === "string") {
      const list = getObj<unknown>(scope, "invoice_payments", params.invoice);
      if (Array.isArray(list)) data = list;
    } else {
      for (const inv of allIds(scope, "invoice_payments")) {
        const list = getObj<unknown>(scope, "invoice_payments", inv);
        if (Array.isArray(list)) data.push(...list);
      }
    }
    const payment = isObj(params.payment) ? params.payment : null;
    if (payment) {
      data = data.filter((x) => {
        if (!isObj(x)) return false;
        const p = isObj(x.payment) ? x.payment : {};
        if (typeof payment.type === "string" && p.type !== undefined && p.type !== payment.type) return false;
        if (typeof payment.payment_intent === "string") {
          const pi = isObj(p.payment_intent) ? p.payment_intent.id : p.payment_intent;
          if (pi !== payment.payment_intent) return false;
        }
        if (typeof payment.payment_record === "string") {
          const pr = isObj(p.payment_record) ? p.payment_record.id : p.payment_record;
          if (pr !== payment.payment_record) return false;
        }
        return true;
      });
    }
    if (typeof params.status === "string") data = data.filter((x) => !isObj(x) || x.status === undefined || x.status === params.status);
    return json(200, expand(scope, stripeList("/v1/invoice_payments", data, params), params));
  }
  return null;
}
