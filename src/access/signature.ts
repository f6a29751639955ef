/**
 * @module access/signature
 * The signature on what the agent POSTs to ACCESS_WEBHOOK_URL, in Stripe's shape so a product can check it the
 * same way: `Recovery-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`. The receiver
 * recomputes it over the raw body, compares in constant time and refuses a timestamp older than the tolerance
 * (a replayed notice). Pure apart from WebCrypto; the clock is passed in.
 */
import { hmacSha256, toHex } from "../signing.ts";

export const ACCESS_SIGNATURE_HEADER = "Recovery-Signature";
/** A receiver refuses a notice signed longer ago than this (seconds). */
export const ACCESS_SIGNATURE_TOLERANCE_SECONDS = 300;

const hmacHex = async (secret: string, message: string): Promise<string> => toHex(await hmacSha256(secret, message));

/** The header value for `body` signed at `timestampSeconds`. */
export async function signAccessNotice(secret: string, body: string, timestampSeconds: number): Promise<string> {
  return `t=${timestampSeconds},v1=${await hmacHex(secret, `${timestampSeconds}.${body}`)}`;
}

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: "malformed" | "mismatch" | "expired" };

function equalConstantTime(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** What a receiver does: checks the header against the raw body, the secret and the time. */
export async function verifyAccessNotice(secret: string, header: string | null, body: string, nowSeconds: number, toleranceSeconds = ACCESS_SIGNATURE_TOLERANCE_SECONDS): Promise<SignatureCheck> {
  if (header === null) return { ok: false, reason: "malformed" };
  const parts = new Map<string, string[]>();
  for (const item of header.split(",")) {
    const [k, v] = item.split("=", 2).map((x) => x.trim());
    if (k && v) parts.set(k, [...(parts.get(k) ?? []), v]);
  }
  const t = Number(parts.get("t")?.[0]);
  const signatures = parts.get("v1") ?? [];
  if (!Number.isInteger(t) || signatures.length === 0) return { ok: false, reason: "malformed" };
  const expected = await hmacHex(secret, `${t}.${body}`);
  if (!signatures.some((s) => equalConstantTime(s, expected))) return { ok: false, reason: "mismatch" };
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return { ok: false, reason: "expired" };
  return { ok: true, timestamp: t };
}
