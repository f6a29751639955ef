/**
 * @module unsubscribe-token
 * Signed unsubscribe links for offer emails (`/r/unsubscribe/:token`). The token names the customer and the
 * email's language (for the confirm page) and lasts a year, well past the 30 days US CAN-SPAM requires an opt-out
 * to keep working. Signed like the card-update links, with a key derived for this purpose only, so neither kind
 * of token is accepted as the other.
 * Token: base64url(JSON payload) + "." + base64url(HMAC-SHA256(derived key, payload)).
 */
import { fromBase64url, hmacSha256, timingSafeEqualBytes, toBase64url as b64url } from "../signing.ts";

export const UNSUBSCRIBE_LINK_TTL_MS = 365 * 86400_000;

export interface UnsubscribeTokenPayload {
  /** customer id */
  c: string;
  /** the email's locale tag (the confirm page's language) */
  l: string;
  /** expiry, epoch ms */
  e: number;
}

const enc = new TextEncoder();

/** A charset check first (a token is ASCII base64url), then the shared decoder. */
const fromB64url = (s: string): Uint8Array | null => (/^[A-Za-z0-9_-]*$/.test(s) ? fromBase64url(s) : null);

/** Under a key derived for unsubscribe links only, so a card-update token is never accepted here (or the reverse). */
const hmac = (secret: string, data: string) => hmacSha256(`unsubscribe:${secret}`, data);

export async function signUnsubscribeToken(secret: string, payload: UnsubscribeTokenPayload): Promise<string> {
  const body = b64url(enc.encode(JSON.stringify(payload)));
  return `${body}.${b64url(await hmac(secret, body))}`;
}

export type UnsubscribeTokenCheck = { ok: true; payload: UnsubscribeTokenPayload } | { ok: false; reason: "malformed" | "bad_signature" }
  /** Signed by us but past its date: an opt-out still works (the caller decides). */
  | { ok: false; reason: "expired"; payload: UnsubscribeTokenPayload };

/** Checks the signature first, then the payload's shape and expiry. Pure apart from the HMAC; `now` is passed in. */
export async function verifyUnsubscribeToken(secret: string, token: string, now: number): Promise<UnsubscribeTokenCheck> {
  const [body, sig, extra] = token.split(".");
  if (body === undefined || sig === undefined || extra !== undefined || token.length > 2048) return { ok: false, reason: "malformed" };
  const given = fromB64url(sig);
  if (given === null) return { ok: false, reason: "malformed" };
  if (!timingSafeEqualBytes(given, await hmac(secret, body))) return { ok: false, reason: "bad_signature" };
  let payload: UnsubscribeTokenPayload;
  try {
    payload = JSON.parse(new TextDecoder().decode(fromB64url(body) ?? new Uint8Array())) as UnsubscribeTokenPayload;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (typeof payload.c !== "string" || payload.c === "" || typeof payload.l !== "string" || typeof payload.e !== "number") return { ok: false, reason: "malformed" };
  if (payload.e < now) return { ok: false, reason: "expired", payload };
  return { ok: true, payload };
}
