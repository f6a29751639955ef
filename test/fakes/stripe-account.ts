/**
 * @module test/fakes/stripe-account
 * Account-level Stripe endpoints, and the lists the agent uses to reconcile after a stored failure:
 * GET /v1/webhook_endpoints, GET /v1/billing_portal/configurations, GET /v1/coupons, GET /v1/promotion_codes.
 * The customer portal is "configured" unless the scope seeded a configurations list without an active one
 * (`putStripe("billing_portal_configurations", id, {..., active: false})`) or the marker id "none": then, as in
 * Stripe, creating a portal session fails with `invalid_request_error` until the settings are saved.
 */
import { isObj, json, type Obj, type Reply } from "./http.ts";
import { stripeErr, stripeList } from "./stripe-replies.ts";
import { newestFirst } from "./stripe-store.ts";
import type { StripeCall } from "./stripe-routes.ts";

const DEFAULT_PORTAL_CONFIGURATION: Obj = {
  id: "bpc_default",
  object: "billing_portal.configuration",
  active: true,
  is_default: true,
  livemode: false,
  features: { payment_method_update: { enabled: true }, invoice_history: { enabled: true } },
};

/** The scope's portal configurations: the seeded ones (the marker "none" = none at all), else one default. */
export function portalConfigurations(c: Pick<StripeCall, "fake" | "scope">): Obj[] {
  const ids = c.fake.store.allIds(c.scope, "billing_portal_configurations");
  if (ids.length === 0) return [DEFAULT_PORTAL_CONFIGURATION];
  return ids.filter((id) => id !== "none").flatMap((id) => {
    const o = c.fake.store.getObj(c.scope, "billing_portal_configurations", id);
    return isObj(o) ? [o] : [];
  });
}

/** Stripe's answer to a portal session while the portal was never saved in this mode. */
export function portalNotConfigured(): Reply {
  return stripeErr(400, {
    message:
      "You can’t create a portal session in test mode until you save your customer portal settings in test mode at https://dashboard.stripe.com/test/settings/billing/portal.",
    type: "invalid_request_error",
  });
}

export function accountRoute(c: StripeCall): Reply | null {
  const { fake, scope, method, params, res, id, n } = c;
  const { allIds, getObj } = fake.store;
  if (method !== "GET") return null;
  if (res === "webhook_endpoints" && n === 2) {
    const data = allIds(scope, "webhook_endpoints").map((wid) => getObj(scope, "webhook_endpoints", wid));
    return json(200, stripeList("/v1/webhook_endpoints", newestFirst(data), params));
  }
  if (res === "billing_portal" && id === "configurations" && n === 3) {
    return json(200, stripeList("/v1/billing_portal/configurations", portalConfigurations(c), params));
  }
  if (res === "coupons" && n === 2) {
    const data = allIds(scope, "coupons").map((cid) => getObj(scope, "coupons", cid));
    return json(200, stripeList("/v1/coupons", newestFirst(data), params));
  }
  if (res === "promotion_codes" && n === 2) {
    let data: unknown[] = allIds(scope, "promotion_codes").map((pid) => getObj(scope, "promotion_codes", pid));
    if (typeof params.code === "string") data = data.filter((x) => isObj(x) && typeof x.code === "string" && x.code.toLowerCase() === String(params.code).toLowerCase());
    return json(200, stripeList("/v1/promotion_codes", newestFirst(data), params));
  }
  return null;
}
