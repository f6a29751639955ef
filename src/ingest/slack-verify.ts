/**
 * @module slack-verify
 * Verifies that a request came from Slack: `X-Slack-Signature` must equal
 * `v0=` + hex(HMAC-SHA256(signing secret, `v0:{X-Slack-Request-Timestamp}:{raw body}`)), compared in constant
 * time, and the timestamp must be within 5 minutes of now (replay protection)
 * (https://api.slack.com/docs/verifying-requests-from-slack).
 * Pure: no I/O, no clock (`nowSeconds` is passed in). Failures are values; the route maps them to 401.
 */
import { SLACK_SIGNATURE_TOLERANCE_SECONDS } from "../constants.ts";
import { hmacSha256, timingSafeEqualBytes, toHex } from "../signing.ts";

export type SlackVerifyFailure = "no_secret" | "missing_headers" | "bad_timestamp" | "stale_timestamp" | "bad_signature";

export type SlackVerifyResult = { ok: true } | { ok: false; reason: SlackVerifyFailure };

export interface SlackVerifyInput {
  rawBody: string;
  /** `X-Slack-Request-Timestamp` (unix seconds), as received. */
  timestamp: string | null | undefined;
  /** `X-Slack-Signature`, as received. */
  signature: string | null | undefined;
  /** The app's signing secret; null when not configured (then nothing verifies). */
  secret: string | null;
  nowSeconds: number;
  toleranceSeconds?: number;
}

const enc = new TextEncoder();


/** The signature Slack would send for this body and timestamp. */
export async function slackSignature(secret: string, timestamp: string, rawBody: string): Promise<string> {
  return `v0=${toHex(await hmacSha256(secret, `v0:${timestamp}:${rawBody}`))}`;
}

export async function verifySlackRequest(input: SlackVerifyInput): Promise<SlackVerifyResult> {
  if (input.secret === null || input.secret === "") return { ok: false, reason: "no_secret" };
  const { timestamp, signature } = input;
  if (!timestamp || !signature) return { ok: false, reason: "missing_headers" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "bad_timestamp" };
  // Checked before the HMAC: a replayed old request is refused whatever its signature.
  if (Math.abs(input.nowSeconds - Number(timestamp)) > (input.toleranceSeconds ?? SLACK_SIGNATURE_TOLERANCE_SECONDS)) return { ok: false, reason: "stale_timestamp" };
  const expected = await slackSignature(input.secret, timestamp, input.rawBody);
  if (!timingSafeEqualBytes(enc.encode(signature.trim()), enc.encode(expected))) return { ok: false, reason: "bad_signature" };
  return { ok: true };
}
