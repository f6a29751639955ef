/**
 * @module test/fakes/stripe
 * The Stripe fake (`/v1/...`; the Stripe SDK with host 127.0.0.1, the port, protocol "http"): bearer-key scopes,
 * injected failures (429 with `retry-after`, 5xx, hangs), idempotency keys with Stripe's replay and mismatch
 * semantics, and `request-id` / `stripe-version` headers. Endpoints live in `stripe-routes.ts`,
 * `stripe-lists.ts` and `stripe-billing.ts`.
 */
import type { IncomingMessage } from "node:http";
import { bearer, decodeStripeForm, isObj, json, normalizeScope, parseBody, randomId, sleep, type Obj, type Reply } from "./http.ts";
import type { FakeState } from "./state.ts";
import { stripeErr } from "./stripe-replies.ts";
import { confirmRoute, payRoute, retrieveRoute, updateRoute, type StripeCall } from "./stripe-routes.ts";
import { invoiceListRoute, invoicePaymentsRoute, priceListRoute } from "./stripe-lists.ts";
import { couponRoute, portalSessionRoute, promotionCodeRoute } from "./stripe-billing.ts";
import { accountRoute } from "./stripe-account.ts";
import { checkoutRoute } from "./stripe-checkout.ts";

/** Endpoint handlers, tried in order; each answers `null` when the call is not its own. */
const ROUTES: ReadonlyArray<(c: StripeCall) => Reply | null> = [
  accountRoute,
  retrieveRoute,
  updateRoute,
  confirmRoute,
  payRoute,
  invoiceListRoute,
  priceListRoute,
  invoicePaymentsRoute,
  couponRoute,
  promotionCodeRoute,
  portalSessionRoute,
  checkoutRoute,
];

function stripeRoute(fake: FakeState, scope: string, method: string, path: string, params: Obj): Reply {
  const seg = path.split("/").slice(1).map((s) => decodeURIComponent(s)); // ["v1", ...]
  const [v1, res, id, action] = seg as [string, string?, string?, string?];
  const n = seg.length;
  const unknown = (): Reply =>
    stripeErr(404, {
      code: "resource_missing",
      message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      type: "invalid_request_error",
    });
  if (v1 !== "v1" || !res) return unknown();

  const call: StripeCall = { fake, scope, method, params, res, id, action, n };
  for (const route of ROUTES) {
    const reply = route(call);
    if (reply) return reply;
  }
  return unknown();
}

/** Handles one request to `/v1/...` (after the Gemini paths are routed away). */
export async function handleStripe(fake: FakeState, req: IncomingMessage, u: URL, raw: string): Promise<Reply> {
  const method = req.method ?? "GET";
  const key = bearer(req) ?? "";
  const scope = normalizeScope(key);
  const body = parseBody(raw, req.headers["content-type"]);
  const rec = fake.record("stripe", scope, req, u, body);
  const reqId = randomId("req_");
  const finish = (reply: Reply): Reply => {
    rec.status = reply.status;
    return {
      ...reply,
      headers: {
        ...reply.headers,
        "request-id": reqId,
        "stripe-version": String(req.headers["stripe-version"] ?? "2026-10-28.endive"),
      },
    };
  };
  if (!key) {
    return finish(
      stripeErr(401, {
        message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        type: "invalid_request_error",
      }),
    );
  }
  const params: Obj = { ...decodeStripeForm(u.search.slice(1)), ...(isObj(body) ? body : {}) };
  const idemKey = method === "POST" && typeof req.headers["idempotency-key"] === "string" && req.headers["idempotency-key"] !== "" ? req.headers["idempotency-key"] : null;
  const s = fake.state(scope);
  const fingerprint = `${method} ${u.pathname} ${raw}`;
  if (idemKey !== null) {
    // Stripe replays the stored result of a request that began executing (any status) for the same key, refuses a
    // key reused with other parameters, and answers 409 while another request with the key is still executing.
    const prev = s.stripeIdem.get(idemKey);
    if (prev) {
      if (prev.fingerprint !== fingerprint) {
        return finish(
          stripeErr(400, {
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
            type: "idempotency_error",
          }),
        );
      }
      rec.replayed = true;
      return finish({ ...prev.reply, headers: { ...prev.reply.headers, "idempotent-replayed": "true", "original-request": reqId } });
    }
    if (s.stripeInFlight.has(idemKey)) {
      return finish(
        stripeErr(409, {
          code: "idempotency_key_in_use",
          message: "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): " + idemKey + ". Please try again later.",
          type: "invalid_request_error",
        }),
      );
    }
    s.stripeInFlight.add(idemKey);
  }
  try {
    const fail = fake.takeFail(scope, "stripe", method, u.pathname);
    if (fail?.hangMs !== undefined) await sleep(fail.hangMs);
    else if (fail && (fail.when === undefined || fail.when === "before")) {
      // Before execution: nothing happened and nothing is stored under the key.
      rec.injected = true;
      const status = fail.status ?? 500;
      if (status === 429) {
        return finish(
          json(
            429,
            {
              error: {
                code: "rate_limit",
                doc_url: "https://stripe.com/docs/error-codes/rate-limit",
                message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
                type: "invalid_request_error",
              },
            },
            { "retry-after": "0" },
          ),
        );
      }
      return finish(json(status, { error: { message: "An unknown error occurred (injected by the fake).", type: "api_error" } }));
    }
    // "after": the effect happened, then a 5xx; "stored": a 5xx from inside Stripe before any effect. Both are stored.
    const executed = fail?.when === "stored" ? null : stripeRoute(fake, scope, method, u.pathname, params);
    const stored = fail !== null && fail.hangMs === undefined && (fail.when === "after" || fail.when === "stored");
    const reply = stored || executed === null ? json(fail?.status ?? 500, { error: { message: `An unknown error occurred (injected by the fake, ${fail?.when ?? "after"} execution began).`, type: "api_error" } }) : executed;
    if (stored) rec.injected = true;
    // Stored: every result of a request that began executing; not validation errors (400/404), which change nothing.
    const began = (reply.status >= 200 && reply.status < 300) || reply.status === 402 || reply.status >= 500;
    if (idemKey !== null && began) s.stripeIdem.set(idemKey, { fingerprint, reply });
    return finish(reply);
  } finally {
    if (idemKey !== null) s.stripeInFlight.delete(idemKey);
  }
}
