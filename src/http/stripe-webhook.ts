/**
 * @module stripe-webhook
 * POST /webhooks/stripe: raw body (size-limited) -> signature (rotated secrets) -> normalize (pure) ->
 * KV dedup -> enqueue. No Stripe API call here; the consumer does the slow work.
 * Rejections write nothing to KV and enqueue nothing. A handled event that names no customer is not queued either:
 * it is recorded in the ledger as `decided` with its reason (nothing to act on) and acknowledged with 200.
 */
import type { Context } from "hono";
import type Stripe from "stripe";
import { EVENT_DEDUP_TTL_SECONDS, MAX_WEBHOOK_BODY_BYTES, kvEventKey } from "../constants.ts";
import { configOf } from "../config-cache.ts";
import type { Env } from "../env.ts";
import { formatMoney } from "../ingest/money.ts";
import { normalizeEvent } from "../ingest/normalize.ts";
import { verifyStripeEvent, type VerifyFailure } from "../ingest/verify.ts";
import { recordWithoutCustomer } from "../ledger/events.ts";
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

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);
/** Event `created` (seconds) as epoch ms; a value no real event has falls back to now. */
const occurredAtMs = (created: number): number => (Number.isFinite(created) && Math.abs(created) < 1e11 ? Math.trunc(created) * 1000 : Date.now());

/**
 * A handled event that names no customer (e.g. `stripe trigger payment_intent.payment_failed` creates a PaymentIntent
 * without one): nobody to contact and no case to open, so it is not queued. It is recorded in the ledger as `decided`
 * with a reason a person can read (GET /admin/events/:id) and acknowledged with 200, so Stripe stops redelivering.
 */
async function recordNoCustomer(c: Context<{ Bindings: Env }>, event: Stripe.Event): Promise<Response> {
  const data: unknown = event.data;
  const obj = isObj(data) && isObj(data.object) ? data.object : {};
  const error = isObj(obj.last_payment_error) ? obj.last_payment_error : {};
  const amount = typeof obj.amount === "number" && Number.isInteger(obj.amount) ? obj.amount : null;
  const currency = str(obj.currency);
  const outcome = isObj(obj.outcome) ? obj.outcome : {};
  const code = str(error.decline_code) ?? str(error.code) ?? str(outcome.reason) ?? str(obj.failure_code);
  const description = str(obj.description);
  const what = [
    `${str(obj.object) ?? "object"} ${str(obj.id) ?? "(no id)"}`,
    amount !== null && currency !== null ? formatMoney({ amount, currency }) : null,
    code,
    description !== null ? JSON.stringify(description.slice(0, 80)) : null,
  ].filter((x): x is string => x !== null);
  const reason = `no customer on this ${event.type} (${what.join(", ")}): nobody to contact and no case to open; recorded, nothing done`;
  const facts = { eventId: event.id, eventType: event.type, customerId: null, objectId: str(obj.id), amount, currency, code, description };
  let recorded: boolean;
  try {
    recorded = await recordWithoutCustomer(
      c.env.LEDGER,
      { id: event.id, type: event.type, livemode: event.livemode === true, occurredAt: occurredAtMs(event.created), receivedAt: Date.now(), reason, facts },
      Date.now(),
    );
  } catch (err) {
    // Not recorded: Stripe redelivers, and the redelivery is recorded.
    log("error", "ingress.record_failed", { eventId: event.id, error: err instanceof Error ? err.message : String(err) });
    return c.text("Could not record the event; please retry", 500);
  }
  log("info", "ingress.no_customer", { eventId: event.id, eventType: event.type, objectId: facts.objectId, duplicate: !recorded });
  return c.json({ received: true, ignored: true, reason: "no_customer", recorded: true, ...(recorded ? {} : { duplicate: true }) });
}

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
    if (normalized.reason === "no_customer") return recordNoCustomer(c, event);
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
