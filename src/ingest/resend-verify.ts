/**
 * @module resend-verify
 * Verifies a Resend webhook on its raw body with `standardwebhooks` (the Svix scheme Resend signs with):
 * `svix-id`, `svix-timestamp` (5 min tolerance), `svix-signature` (`v1,<base64 HMAC-SHA256>` entries), secret
 * `whsec_...`. Expected failures are values; the public answer stays generic, the log has the reason.
 */
import { Webhook, WebhookVerificationError } from "standardwebhooks";

export interface ResendEvent {
  type: string;
  created_at?: string;
  data?: {
    email_id?: string;
    to?: string[] | string;
    bounce?: { type?: string; subType?: string; message?: string };
    [key: string]: unknown;
  };
}

export type ResendVerification =
  | { ok: true; svixId: string; event: ResendEvent }
  | { ok: false; reason: "missing_headers" | "bad_signature" | "invalid_json" | "bad_secret"; detail: string };

/** Verifies the raw body against the Svix headers; parses the event only once the signature holds. */
export function verifyResendWebhook(secret: string, rawBody: string, headers: Headers): ResendVerification {
  const svixId = headers.get("svix-id");
  const timestamp = headers.get("svix-timestamp");
  const signature = headers.get("svix-signature");
  if (!svixId || !timestamp || !signature) return { ok: false, reason: "missing_headers", detail: "svix-id, svix-timestamp and svix-signature are required" };
  let wh: Webhook;
  try {
    wh = new Webhook(secret);
  } catch (err) {
    return { ok: false, reason: "bad_secret", detail: err instanceof Error ? err.message : String(err) };
  }
  try {
    wh.verify(rawBody, { "webhook-id": svixId, "webhook-timestamp": timestamp, "webhook-signature": signature }, { jsonParse: false });
  } catch (err) {
    if (err instanceof WebhookVerificationError || (err instanceof Error && err.name === "WebhookVerificationError")) return { ok: false, reason: "bad_signature", detail: err.message };
    return { ok: false, reason: "bad_signature", detail: err instanceof Error ? err.message : String(err) };
  }
  let event: unknown;
  try {
    event = JSON.parse(rawBody);
  } catch {
    return { ok: false, reason: "invalid_json", detail: "body is not JSON" };
  }
  if (typeof event !== "object" || event === null || typeof (event as { type?: unknown }).type !== "string") return { ok: false, reason: "invalid_json", detail: "no event type" };
  return { ok: true, svixId, event: event as ResendEvent };
}
