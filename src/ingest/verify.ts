/**
 * @module verify
 * Stripe webhook signature verification on the raw body, with secret rotation.
 * Expected failures are values, never thrown: the HTTP edge maps them to statuses.
 */
import Stripe from "stripe";
import { STRIPE_SIGNATURE_TOLERANCE_SECONDS } from "../constants.ts";

export type VerifyFailure = "missing_signature" | "bad_signature" | "stale_signature" | "future_signature" | "not_json" | "not_an_event" | "no_secret";

export type VerifyResult =
  | { ok: true; event: Stripe.Event }
  | { ok: false; reason: VerifyFailure };

/**
 * Stripe's SubtleCrypto provider imports the HMAC key on every verification. Handing it a SubtleCrypto whose
 * `importKey` remembers the key per secret (a handful at most) saves that work on every webhook; signing and
 * comparing stay Stripe's own code.
 */
const MAX_CACHED_KEYS = 16;
const importedKeys = new Map<string, Promise<CryptoKey>>();
const decoder = new TextDecoder();
const cachingSubtle = {
  importKey(...args: Parameters<SubtleCrypto["importKey"]>): Promise<CryptoKey> {
    const [format, keyData, algorithm, extractable, usages] = args;
    const id = `${format}:${JSON.stringify(algorithm)}:${usages.join(",")}:${decoder.decode(keyData as ArrayBuffer)}`;
    let key = importedKeys.get(id);
    if (key === undefined) {
      if (importedKeys.size >= MAX_CACHED_KEYS) importedKeys.clear();
      key = crypto.subtle.importKey(format, keyData, algorithm, extractable, usages);
      key.catch(() => importedKeys.delete(id));
      importedKeys.set(id, key);
    }
    return key;
  },
  sign: (...args: Parameters<SubtleCrypto["sign"]>) => crypto.subtle.sign(...args),
  digest: (...args: Parameters<SubtleCrypto["digest"]>) => crypto.subtle.digest(...args),
};
const cryptoProvider = Stripe.createSubtleCryptoProvider(cachingSubtle as unknown as SubtleCrypto);

/** The `t=` timestamp of a `Stripe-Signature` header (epoch seconds), or null when there is none. */
function signedAt(header: string): number | null {
  for (const part of header.split(",")) {
    const m = /^\s*t=(\d{1,12})\s*$/.exec(part);
    if (m?.[1] !== undefined) return Number(m[1]);
  }
  return null;
}

/**
 * Verifies `Stripe-Signature` against each configured secret (rotation: any match wins).
 * Stripe's tolerance only bounds the past; a correctly signed timestamp more than the same tolerance in the
 * future is refused too (`future_signature`), so a leaked signed request cannot be held back and replayed later.
 * `receivedAt` (epoch seconds) is only passed by tests.
 */
export async function verifyStripeEvent(
  body: string,
  header: string | null | undefined,
  secrets: readonly string[],
  receivedAt?: number,
): Promise<VerifyResult> {
  if (secrets.length === 0) return { ok: false, reason: "no_secret" };
  if (!header) return { ok: false, reason: "missing_signature" };
  let failure: VerifyFailure = "bad_signature";
  for (const secret of secrets) {
    try {
      const event = await Stripe.webhooks.constructEventAsync(
        body,
        header,
        secret,
        STRIPE_SIGNATURE_TOLERANCE_SECONDS,
        cryptoProvider,
        receivedAt,
      );
      const t = signedAt(header);
      const now = receivedAt ?? Math.floor(Date.now() / 1000);
      if (t !== null && t - now > STRIPE_SIGNATURE_TOLERANCE_SECONDS) return { ok: false, reason: "future_signature" };
      if (!isEvent(event)) return { ok: false, reason: "not_an_event" };
      return { ok: true, event };
    } catch (err) {
      if (err instanceof SyntaxError) return { ok: false, reason: "not_json" }; // signature matched, body is not JSON
      const message = err instanceof Error ? err.message : "";
      if (/tolerance/i.test(message)) failure = "stale_signature";
    }
  }
  return { ok: false, reason: failure };
}

function isEvent(value: unknown): value is Stripe.Event {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  const data = v.data as Record<string, unknown> | undefined;
  return (
    typeof v.id === "string" &&
    v.object === "event" &&
    typeof v.type === "string" &&
    typeof v.created === "number" &&
    typeof data === "object" &&
    data !== null &&
    typeof data.object === "object" &&
    data.object !== null
  );
}
