/**
 * @module card-update
 * GET /r/update/:token: the card-update link in recovery emails. A valid token opens a Stripe billing-portal
 * session on the "update payment method" flow (sessions are short-lived, so one is made per click). Whenever
 * that cannot be done (expired link, no subscription, no Stripe key, portal error) the customer still lands
 * somewhere useful: the case's hosted invoice page. A token we cannot trust (malformed, forged) redirects
 * nowhere: it gets a short 400 page. GET /r/updated is where the portal sends the customer back.
 * The token is never logged.
 */
import type { Context } from "hono";
import { configOf } from "../config-cache.ts";
import { depsOf } from "../deps.ts";
import type { Env } from "../env.ts";
import { getCase, type CaseRow } from "../ledger/cases.ts";
import { verifyUpdateToken } from "../links/update-token.ts";
import { log } from "../log.ts";
import { recordSetupWarning } from "../ops/setup-warnings.ts";

type C = Context<{ Bindings: Env }>;

/** The link token is in the URL: keep it out of caches and out of the Referer sent to the next page. */
const PRIVATE_HEADERS = { "cache-control": "no-store", "referrer-policy": "no-referrer" } as const;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function page(title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2933;line-height:1.5}h1{font-size:1.4rem}</style></head>
<body><h1>${esc(title)}</h1><p>${esc(message)}</p></body></html>`;
}

function redirect(c: C, url: string): Response {
  return c.body(null, 303, { location: url, ...PRIVATE_HEADERS });
}

/** Anything short of the portal: the hosted invoice page, or a page saying where to look when there is none. */
function fallback(c: C, row: CaseRow | null, reason: string, fields: Record<string, unknown>): Response {
  const url = row?.hosted_invoice_url ?? null;
  log(reason === "portal_error" || reason === "portal_not_configured" ? "error" : "info", "card_update.fallback", { reason, to: url === null ? "page" : "hosted_invoice", ...fields });
  if (url !== null) return redirect(c, url);
  return c.html(page("Update your payment details", "We could not open the billing page from this link. Please use the link in your most recent invoice email, or reply to it and we will help."), 404, PRIVATE_HEADERS);
}

export async function handleCardUpdate(c: C): Promise<Response> {
  const deps = depsOf(c.env);
  const secret = deps.config.linkSigningSecret;
  const token = c.req.param("token") ?? "";
  if (secret === null) {
    log("error", "card_update.reject", { reason: "no_link_secret" });
    return c.html(page("This link is not valid", "Please use the link in your most recent email from us."), 400, PRIVATE_HEADERS);
  }
  const check = await verifyUpdateToken(secret, token, deps.clock());
  if (!check.ok && check.reason !== "expired") {
    log("warn", "card_update.reject", { reason: check.reason });
    return c.html(page("This link is not valid", "Please use the link in your most recent email from us."), 400, PRIVATE_HEADERS);
  }
  // The signature checked out (valid or merely expired): the payload names a case we issued the link for.
  const payload = check.payload;
  if (payload === undefined) {
    log("warn", "card_update.reject", { reason: "no_payload" });
    return c.html(page("This link is not valid", "Please use the link in your most recent email from us."), 400, PRIVATE_HEADERS);
  }
  const fields = { caseId: payload.k, customerId: payload.c };
  const found = await getCase(deps.db, payload.k);
  const row = found !== null && found.customer_id === payload.c ? found : null;
  if (found !== null && row === null) {
    log("warn", "card_update.reject", { reason: "customer_mismatch", ...fields });
    return c.html(page("This link is not valid", "Please use the link in your most recent email from us."), 400, PRIVATE_HEADERS);
  }
  if (!check.ok) return fallback(c, row, "expired", fields);
  if (row === null) return fallback(c, null, "unknown_case", fields);
  if (deps.stripe === null) return fallback(c, row, "no_stripe_key", fields);
  if (row.subscription_id === null) return fallback(c, row, "no_subscription", fields);
  const returnUrl = `${deps.config.appUrl}/r/updated`;
  try {
    const session = await deps.stripe.billingPortal.sessions.create({
      customer: row.customer_id,
      return_url: returnUrl,
      flow_data: { type: "payment_method_update", after_completion: { type: "redirect", redirect: { return_url: returnUrl } } },
    });
    log("info", "card_update.portal", { ...fields, sessionId: session.id });
    return redirect(c, session.url);
  } catch (err) {
    const e = err as { type?: string; statusCode?: number; message?: string };
    // Stripe refuses portal sessions until the portal settings were saved once in this mode: an operator problem,
    // shown on the dashboard ("customer portal not configured"), while the customer gets the hosted invoice page.
    const notConfigured = e.type === "StripeInvalidRequestError" && /portal|configuration/i.test(e.message ?? "");
    if (notConfigured) await recordSetupWarning(deps.db, "portal_not_configured", deps.clock());
    return fallback(c, row, notConfigured ? "portal_not_configured" : "portal_error", { ...fields, errorType: e.type ?? null, status: e.statusCode ?? null, error: e.message ?? String(err) });
  }
}

export function handleCardUpdated(c: C): Response {
  const brand = configOf(c.env).brandName;
  return c.html(page("Thanks, your card is updated", `Your payment details for ${brand} are saved. You can close this page.`), 200, { "cache-control": "no-store" });
}
