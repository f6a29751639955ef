/**
 * @module update-token
 * Signed card-update links. Stripe sessions are short-lived, so emails link to our own route with a token
 * naming what the link is for (a case, a trial, or the customer's card on file), the customer and the template
 * of the email; the Stripe session is created when the customer presses the landing page's button. The lifetime
 * is set by the signer (`update-link.ts`: the case's grace + 7 days).
 * Token: base64url(JSON payload) + "." + base64url(HMAC-SHA256(secret, payload)).
 */

import { fromBase64url as fromB64url, hmacSha256 as hmac, timingSafeEqualBytes, toBase64url as b64url } from "../signing.ts";

/** What a link is for. Tokens signed before `f` existed name a case. */
export const LINK_TARGETS = ["case", "trial", "customer"] as const;
export type LinkTarget = (typeof LINK_TARGETS)[number];

export interface UpdateTokenPayload {
  /** customer id */
  c: string;
  /** the target's id: the case id (`f` = case), the subscription id (trial), the customer id (customer) */
  k: string;
  /** expiry, epoch ms */
  e: number;
  /** what the link is for (absent: case) */
  f?: LinkTarget;
  /** the template of the email that carried the link */
  m?: string;
  /** the email's locale (BCP 47, e.g. "de-DE"): the landing page speaks it (absent: English) */
  l?: string;
}

/** What a (verified) token is for. */
export const targetOf = (p: UpdateTokenPayload): LinkTarget => p.f ?? "case";

const enc = new TextEncoder();

export async function signUpdateToken(secret: string, payload: UpdateTokenPayload): Promise<string> {
  const body = b64url(enc.encode(JSON.stringify(payload)));
  return `${body}.${b64url(await hmac(secret, body))}`;
}

export type TokenCheck = { ok: true; payload: UpdateTokenPayload } | { ok: false; reason: "malformed" | "bad_signature" | "expired"; payload?: UpdateTokenPayload };

export async function verifyUpdateToken(secret: string, token: string, now: number): Promise<TokenCheck> {
  const [body, sig, extra] = token.split(".");
  if (body === undefined || sig === undefined || extra !== undefined) return { ok: false, reason: "malformed" };
  const given = fromB64url(sig);
  if (given === null) return { ok: false, reason: "malformed" };
  if (!timingSafeEqualBytes(given, await hmac(secret, body))) return { ok: false, reason: "bad_signature" };
  const raw = fromB64url(body);
  let payload: UpdateTokenPayload;
  try {
    payload = JSON.parse(new TextDecoder().decode(raw ?? new Uint8Array())) as UpdateTokenPayload;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (typeof payload.c !== "string" || typeof payload.k !== "string" || typeof payload.e !== "number") return { ok: false, reason: "malformed" };
  if (payload.f !== undefined && !(LINK_TARGETS as readonly unknown[]).includes(payload.f)) return { ok: false, reason: "malformed" };
  if (payload.m !== undefined && typeof payload.m !== "string") return { ok: false, reason: "malformed" };
  if (payload.l !== undefined && (typeof payload.l !== "string" || payload.l.length > 35)) return { ok: false, reason: "malformed" };
  if (payload.e < now) return { ok: false, reason: "expired", payload };
  return { ok: true, payload };
}
