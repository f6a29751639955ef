/**
 * @module unsubscribe
 * `/r/unsubscribe/:token`, the opt-out of offer emails (the winback). GET shows a small confirm page in the email's
 * language with one button: link scanners that only GET change nothing. POST (the button, or a mail client's
 * RFC 8058 one-click `List-Unsubscribe=One-Click`) sets the customer's `no_offers` label from source
 * `unsubscribe` in the labels ledger. That label blocks future offers and never the transactional recovery
 * emails (`labelForbidding` in ledger/labels.ts). Idempotent: a second POST changes nothing. A validly signed but
 * expired token still opts out (an opt-out must keep working); a forged or malformed one gets a 400 page.
 * The token is never logged.
 */
import type { Context } from "hono";
import { messagesFor } from "../../emails/index.ts";
import { depsOf } from "../deps.ts";
import type { Env } from "../env.ts";
import { putLabel } from "../ledger/labels.ts";
import { verifyUnsubscribeToken, type UnsubscribeTokenPayload } from "../links/unsubscribe-token.ts";
import { log } from "../log.ts";
import { readBodyLimited } from "./body.ts";

type C = Context<{ Bindings: Env }>;

/** The token is in the URL: keep it out of caches and out of the Referer sent anywhere else. */
const PRIVATE_HEADERS = { "cache-control": "no-store", "referrer-policy": "no-referrer" } as const;
/** A one-click body is `List-Unsubscribe=One-Click`; a form button sends nothing. */
const MAX_BODY_BYTES = 1024;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function page(lang: string, title: string, message: string, form: { action: string; button: string } | null): string {
  const button = form ? `<form method="post" action="${esc(form.action)}"><button type="submit">${esc(form.button)}</button></form>` : "";
  return `<!doctype html><html lang="${esc(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${esc(title)}</title>
<style>body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2933;line-height:1.5}h1{font-size:1.4rem}button{background:#1d4ed8;color:#fff;border:0;border-radius:6px;padding:.7rem 1.4rem;font-size:1rem;cursor:pointer}</style></head>
<body><h1>${esc(title)}</h1><p>${esc(message)}</p>${button}</body></html>`;
}

/** The token's payload when we signed it (expired or not), else null. */
async function payloadOf(c: C): Promise<UnsubscribeTokenPayload | null> {
  const deps = depsOf(c.env);
  const secret = deps.config.linkSigningSecret;
  if (secret === null) {
    log("error", "unsubscribe.reject", { reason: "no_link_secret" });
    return null;
  }
  const check = await verifyUnsubscribeToken(secret, c.req.param("token") ?? "", deps.clock());
  if (check.ok) return check.payload;
  if (check.reason === "expired") return check.payload;
  log("warn", "unsubscribe.reject", { reason: check.reason });
  return null;
}

function invalid(c: C): Response {
  const m = messagesFor(null);
  return c.html(page(m.tag, m.unsubscribe.title, m.unsubscribe.invalid, null), 400, PRIVATE_HEADERS);
}

export async function handleUnsubscribePage(c: C): Promise<Response> {
  const payload = await payloadOf(c);
  if (payload === null) return invalid(c);
  const m = messagesFor(payload.l);
  const brand = depsOf(c.env).config.brandName;
  const action = new URL(c.req.url).pathname;
  return c.html(page(m.tag, m.unsubscribe.title, m.unsubscribe.confirm(brand), { action, button: m.unsubscribe.button }), 200, PRIVATE_HEADERS);
}

export async function handleUnsubscribe(c: C): Promise<Response> {
  const body = await readBodyLimited(c.req.raw, MAX_BODY_BYTES);
  if (!body.ok) return c.text("body too large", 413);
  const payload = await payloadOf(c);
  if (payload === null) return invalid(c);
  const deps = depsOf(c.env);
  const oneClick = body.text.trim() === "List-Unsubscribe=One-Click";
  await putLabel(deps.db, payload.c, { label: "no_offers", setBy: "unsubscribe", note: oneClick ? "one-click unsubscribe (mail client)" : "unsubscribe link in an offer email" }, deps.clock());
  log("info", "unsubscribe.no_offers", { customerId: payload.c, oneClick });
  const m = messagesFor(payload.l);
  return c.html(page(m.tag, m.unsubscribe.doneTitle, m.unsubscribe.done(deps.config.brandName), null), 200, PRIVATE_HEADERS);
}
