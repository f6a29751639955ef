/**
 * @module stripe-webhook
 * POST /webhooks/stripe: raw body (size-limited) -> signature (rotated secrets) -> normalize (pure) ->
 * KV dedup -> enqueue. No Stripe API call here; the consumer does the slow work.
 * Rejections write nothing to KV and enqueue nothing.
 */
import type { Context } from "hono";
import { EVENT_DEDUP_TTL_SECONDS, MAX_WEBHOOK_BODY_BYTES, kvEventKey } from "../constants.ts";
import { configOf } from "../config-cache.ts";
import type { Env } from "../env.ts";
import { normalizeEvent } from "../ingest/normalize.ts";
import { verifyStripeEvent, type VerifyFailure } from "../ingest/verify.ts";
import { log } from "../log.ts";
import { readBodyLimited } from "./body.ts";

const REJECT_MESSAGES: Record<VerifyFailure, string> = {
  missing_signature: "Missing Stripe-Signature header",
  bad_signature: "Invalid signature",
  stale_signature: "Signature timestamp outside the tolerance zone",
  future_signature: "Signature timestamp is in the future",
  not_json: "Body is not JSON",
  not_an_event: "Body is not a Stripe event",
  no_secret: "Webhook secret not configured",
};

export async function handleStripeWebhook(c: Context<{ Bindings: Env }>): Promise<Response> {
  const started = Date.now();
  if (c.req.method !== "POST") {
    log("warn", "ingress.reject", { reason: "method_not_allowed", method: c.req.method });
    return c.text("Method not allowed", 405, { Allow: "POST" });
  }
  const body = await readBodyLimited(c.req.raw, MAX_WEBHOOK_BODY_BYTES);
  if (!body.ok) {
    log("warn", "ingress.reject", { reason: "body_too_large", limitBytes: MAX_WEBHOOK_BODY_BYTES });
    return c.text(`Body larger than ${MAX_WEBHOOK_BODY_BYTES} bytes`, 413);
  }
  const config = configOf(c.env);
  const verified = await verifyStripeEvent(body.text, c.req.header("stripe-signature"), config.stripeWebhookSecrets);
  if (!verified.ok) {
    log(verified.reason === "no_secret" ? "error" : "warn", "ingress.reject", { reason: verified.reason });
    return c.text(REJECT_MESSAGES[verified.reason], verified.reason === "no_secret" ? 500 : 400);
  }
  const event = verified.event;
  const normalized = normalizeEvent(event, { planTierMap: config.planTierMap });
  if (!normalized.ok) {
    if (normalized.reason === "invalid_context") {
      log("warn", "ingress.reject", { reason: "invalid_event", eventId: event.id, eventType: event.type, detail: normalized.detail });
      return c.text("Event payload could not be understood", 400);
    }
    log("info", "ingress.ignored", { eventId: event.id, eventType: event.type, reason: normalized.reason });
    return c.json({ received: true, ignored: true, reason: normalized.reason });
  }
  // Normalization is pure and cheap, so it runs first: ignored and malformed events cost no KV read.
  const dedupKey = kvEventKey(event.id);
  if ((await c.env.BILLING_KV.get(dedupKey)) !== null) {
    log("info", "ingress.duplicate", { eventId: event.id, eventType: event.type });
    return c.json({ received: true, duplicate: true });
  }
  for (const w of normalized.warnings) {
    log("warn", "ingress.unmapped_decline_code", { eventId: event.id, declineCode: w.code });
  }
  try {
    await c.env.DUNNING_QUEUE.send({ kind: "event", context: normalized.context, receivedAt: Date.now() });
  } catch (err) {
    // Not recorded as seen: Stripe redelivers, and the redelivery is accepted.
    log("error", "ingress.enqueue_failed", { eventId: event.id, error: err instanceof Error ? err.message : String(err) });
    return c.text("Could not enqueue the event; please retry", 500);
  }
  try {
    await c.env.BILLING_KV.put(dedupKey, "1", { expirationTtl: EVENT_DEDUP_TTL_SECONDS });
  } catch (err) {
    // Enqueued already; the ledger's claim dedups a redelivery, so answer 200.
    log("warn", "ingress.dedup_write_failed", { eventId: event.id, error: err instanceof Error ? err.message : String(err) });
  }
  log("info", "ingress.accept", {
    eventId: event.id,
    eventType: event.type,
    customerId: normalized.context.customerId,
    latencyMs: Date.now() - started,
  });
  return c.json({ received: true });
}
