/**
 * @module card-update
 * `/r/update/:token`: the card-update link in recovery and trial emails. GET answers a small landing page (the
 * amount, what to do, one button) and opens nothing, so link scanners that only GET change nothing. The button's
 * POST is a person's press: it is recorded in `link_clicks` and opens the Stripe page (billing portal, or a
 * Checkout setup session for a one-off payment), at most 5 sessions per token per hour. Every link we signed
 * lands on a page (never a 404, never a redirect on GET); a token we cannot trust gets a 400 page.
 * GET /r/updated is where Stripe sends the customer back. The token is never logged.
 */
import type { Context } from "hono";
import { configOf } from "../config-cache.ts";
import { depsOf } from "../deps.ts";
import type { Env } from "../env.ts";
import { sha256Hex } from "../ledger/api-keys.ts";
import { claimLinkSession, recordClick } from "../ledger/link-clicks.ts";
import { invalidView, pageLocale, resolveLink, type LinkAction, type PageLocale } from "../links/landing.ts";
import { LANDING_CSP, renderLanding, type LandingView } from "../links/landing-page.ts";
import { openCardSetup, openPortal, type SessionResult } from "../links/stripe-session.ts";
import { verifyUpdateToken, type UpdateTokenPayload } from "../links/update-token.ts";
import { log } from "../log.ts";
import { recordSetupWarning } from "../ops/setup-warnings.ts";
import { readBodyLimited } from "./body.ts";

type C = Context<{ Bindings: Env }>;

/** The button's form sends no fields: anything bigger is not our page. */
export const MAX_LINK_BODY_BYTES = 4 * 1024;

/** The link token is in the URL: keep it out of caches and out of the Referer sent to the next page. */
const PRIVATE_HEADERS = { "cache-control": "no-store", "referrer-policy": "no-referrer" } as const;

function page(c: C, view: LandingView): Response {
  const token = c.req.param("token") ?? "";
  const html = renderLanding(view, configOf(c.env).brandName, `/r/update/${encodeURIComponent(token)}`);
  return c.html(html, view.status, { ...PRIVATE_HEADERS, "content-security-policy": LANDING_CSP, "x-content-type-options": "nosniff" });
}

/**
 * The language of a page that has no trusted token (a forged link, Stripe's return): the `l` the return URL carries,
 * else the browser's first language we have a catalog for, else English.
 */
function requestLocale(c: C): PageLocale {
  const asked = c.req.query("l");
  if (asked !== undefined && asked.length <= 35) return pageLocale(asked);
  for (const part of (c.req.header("accept-language") ?? "").split(",").slice(0, 10)) {
    const tag = part.split(";")[0]?.trim() ?? "";
    if (tag === "" || tag === "*") continue;
    const loc = pageLocale(tag);
    if (loc.lang !== "en" || tag.toLowerCase().startsWith("en")) return loc;
  }
  return pageLocale(null);
}

function redirect(c: C, url: string): Response {
  return c.body(null, 303, { location: url, ...PRIVATE_HEADERS });
}

type Verified = { ok: true; payload: UpdateTokenPayload; expired: boolean } | { ok: false };

async function verify(c: C): Promise<Verified> {
  const secret = depsOf(c.env).config.linkSigningSecret;
  if (secret === null) {
    log("error", "card_update.reject", { reason: "no_link_secret" });
    return { ok: false };
  }
  const check = await verifyUpdateToken(secret, c.req.param("token") ?? "", depsOf(c.env).clock());
  // The signature checked out (valid or merely expired): the payload names what we issued the link for.
  if (check.ok) return { ok: true, payload: check.payload, expired: false };
  if (check.reason === "expired" && check.payload !== undefined) return { ok: true, payload: check.payload, expired: true };
  log("warn", "card_update.reject", { reason: check.reason });
  return { ok: false };
}

/** GET: the landing page. Reads the ledger only; opens nothing. */
export async function handleCardUpdate(c: C): Promise<Response> {
  const v = await verify(c);
  if (!v.ok) return page(c, invalidView(requestLocale(c)));
  const resolved = await resolveLink(depsOf(c.env), v.payload, v.expired);
  if (!resolved.ok) {
    log("warn", "card_update.reject", { reason: resolved.reason, customerId: v.payload.c });
    return page(c, invalidView(pageLocale(v.payload.l)));
  }
  log("info", "card_update.view", { customerId: v.payload.c, target: resolved.target, caseId: resolved.row?.id ?? null, expired: v.expired, button: resolved.view.button !== null });
  return page(c, resolved.view);
}

/** POST: a person pressed the button. Recorded, then the Stripe page opens (rate-limited per token). */
export async function handleCardUpdatePost(c: C): Promise<Response> {
  const body = await readBodyLimited(c.req.raw, MAX_LINK_BODY_BYTES);
  if (!body.ok) return page(c, { ...invalidView(requestLocale(c)), status: 413 });
  const v = await verify(c);
  if (!v.ok) return page(c, invalidView(requestLocale(c)));
  const deps = depsOf(c.env);
  const loc = pageLocale(v.payload.l);
  const resolved = await resolveLink(deps, v.payload, v.expired);
  if (!resolved.ok) return page(c, invalidView(loc));
  const caseId = resolved.row?.id ?? (resolved.target === "case" ? v.payload.k : null);
  const fields = { customerId: v.payload.c, caseId, target: resolved.target };
  await recordClick(deps.db, { caseId, customerId: v.payload.c, template: v.payload.m ?? null, kind: "update" }, deps.clock());
  if (resolved.action === null) return page(c, resolved.view);
  const hosted = resolved.row?.hosted_invoice_url ?? null;
  if (deps.stripe === null) {
    log("info", "card_update.fallback", { reason: "no_stripe_key", to: hosted === null ? "page" : "hosted_invoice", ...fields });
    return hosted !== null ? redirect(c, hosted) : page(c, noStripePage(resolved.view, loc));
  }
  const tokenKey = await sha256Hex(c.req.param("token") ?? "");
  const now = deps.clock();
  if (!(await claimLinkSession(deps.db, tokenKey, caseId, now))) {
    log("warn", "card_update.rate_limited", fields);
    return page(c, { ...resolved.view, status: 429, paragraphs: [loc.m.rateLimited], button: null });
  }
  const result = await open(c, resolved.action, v.payload.c, `link:${tokenKey.slice(0, 32)}:${now}`, loc.lang);
  if (result.ok) {
    log("info", "card_update.session", { ...fields, sessionId: result.id, action: resolved.action.kind });
    return redirect(c, result.url);
  }
  if (result.reason === "portal_not_configured") await recordSetupWarning(deps.db, "portal_not_configured", now);
  log("error", "card_update.fallback", { reason: result.reason, to: hosted === null ? "page" : "hosted_invoice", errorType: result.errorType, status: result.status, error: result.error, ...fields });
  return hosted !== null ? redirect(c, hosted) : page(c, noStripePage(resolved.view, loc));
}

function open(c: C, action: LinkAction, customerId: string, idempotencyKey: string, lang: string): Promise<SessionResult> {
  const deps = depsOf(c.env);
  if (deps.stripe === null) throw new Error("open() without a Stripe client");
  // Stripe sends the customer back to a page in the email's language.
  const back = `${deps.config.appUrl}/r/updated?l=${encodeURIComponent(lang)}`;
  if (action.kind === "checkout") return openCardSetup(deps.stripe, { row: action.row, successUrl: back, cancelUrl: `${deps.config.appUrl}${new URL(c.req.url).pathname}`, idempotencyKey });
  return openPortal(deps.stripe, { customerId, returnUrl: back, idempotencyKey });
}

/** No Stripe page can be opened and there is no invoice page: say what to do instead. */
function noStripePage(view: LandingView, loc: PageLocale): LandingView {
  return { ...view, status: 200, button: null, paragraphs: [...view.paragraphs.slice(0, 1), loc.m.noStripe] };
}

export function handleCardUpdated(c: C): Response {
  const brand = configOf(c.env).brandName;
  const loc = requestLocale(c);
  const view: LandingView = { status: 200, title: loc.m.updatedTitle, amount: null, paragraphs: [loc.m.updatedBody(brand)], button: null, link: null, lang: loc.lang, secureNote: loc.m.secureNote };
  return c.html(renderLanding(view, brand, "/r/updated"), 200, {
    "cache-control": "no-store",
    "content-security-policy": LANDING_CSP,
  });
}
