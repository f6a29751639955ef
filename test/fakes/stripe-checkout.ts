/**
 * @module test/fakes/stripe-checkout
 * Checkout Sessions in `setup` mode and their SetupIntents: `POST /v1/checkout/sessions` (with Stripe's checks:
 * a customer that exists, `success_url`, `currency` in setup mode), `GET /v1/checkout/sessions/:id`,
 * `GET /v1/setup_intents/:id`. A test completes a session by patching its SetupIntent
 * (`patchStripe("setup_intents", id, {status: "succeeded", payment_method: "pm_..."})`) and sending the
 * `checkout.session.completed` event.
 */
import { applyMetadata } from "./stripe-store.ts";
import { isObj, json, now, randomId, type Obj, type Reply } from "./http.ts";
import { badParam, noSuch } from "./stripe-replies.ts";
import type { StripeCall } from "./stripe-routes.ts";

export function checkoutRoute(c: StripeCall): Reply | null {
  const { fake, scope, method, params, res, id, action, n } = c;
  const { getObj, putObj, expand } = fake.store;
  if (res === "setup_intents" && method === "GET" && n === 3 && id) {
    const si = getObj(scope, "setup_intents", id);
    return si ? json(200, expand(scope, si, params)) : noSuch("setup_intent", id, "intent");
  }
  if (res !== "checkout" || id !== "sessions") return null;
  if (method === "GET" && n === 4 && action) {
    const s = getObj(scope, "checkout_sessions", action);
    return s ? json(200, expand(scope, s, params)) : noSuch("checkout.session", action, "session");
  }
  if (method !== "POST" || n !== 3) return null;
  const mode = typeof params.mode === "string" ? params.mode : null;
  if (mode === null) return badParam("Missing required param: mode.", "mode", "parameter_missing");
  if (mode !== "setup") return badParam("This fake only supports mode=setup.", "mode");
  const customer = typeof params.customer === "string" ? params.customer : null;
  if (customer !== null && !getObj(scope, "customers", customer)) return noSuch("customer", customer, "customer");
  if (typeof params.success_url !== "string") return badParam("Missing required param: success_url.", "success_url", "parameter_missing");
  if (typeof params.currency !== "string" && !Array.isArray(params.payment_method_types)) {
    return badParam("You must provide `currency` when using `setup` mode without `payment_method_types`.", "currency", "parameter_missing");
  }
  const sid = randomId("cs_test_", 24);
  const setupId = randomId("seti_", 24);
  const setupIntent: Obj = { id: setupId, object: "setup_intent", customer, status: "requires_payment_method", payment_method: null, usage: "off_session", created: now(), livemode: false, metadata: {} };
  applyMetadata(setupIntent, isObj(params.setup_intent_data) ? params.setup_intent_data.metadata : undefined);
  putObj(scope, "setup_intents", setupId, setupIntent);
  const session: Obj = {
    id: sid,
    object: "checkout.session",
    mode,
    customer,
    currency: typeof params.currency === "string" ? params.currency : null,
    success_url: params.success_url,
    cancel_url: typeof params.cancel_url === "string" ? params.cancel_url : null,
    setup_intent: setupId,
    payment_intent: null,
    status: "open",
    created: now(),
    livemode: false,
    metadata: {},
    url: `${fake.url}/checkout/${sid}`,
  };
  applyMetadata(session, params.metadata);
  putObj(scope, "checkout_sessions", sid, session);
  return json(200, session);
}
