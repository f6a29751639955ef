/**
 * @module resend-webhook
 * POST /webhooks/resend: Resend's delivery events. Raw body (size-limited) verified with the Svix headers
 * (`ingest/resend-verify.ts`), each `svix-id` acted on once, `email.bounced` / `email.complained` mapped back to
 * the customer through the email side effect that stored Resend's id, then `dunning/undeliverable.ts`.
 * Distinct statuses: 503 not configured, 413 too large, 400 missing headers or not JSON, 401 bad signature,
 * 200 otherwise (a duplicate, an event about an email we do not know, a type we do not act on).
 */
import type { Context } from "hono";
import { MAX_RESEND_BODY_BYTES } from "../constants.ts";
import { depsOf } from "../deps.ts";
import type { Env } from "../env.ts";
import { verifyResendWebhook } from "../ingest/resend-verify.ts";
import { emailByResendId, recordResendEvent, resendEventSeen } from "../ledger/resend-events.ts";
import { log } from "../log.ts";
import { deliveryProblem, recordDeliveryProblem } from "../dunning/undeliverable.ts";
import { readBodyLimited } from "./body.ts";

type C = Context<{ Bindings: Env }>;

export async function handleResendWebhook(c: C): Promise<Response> {
  const deps = depsOf(c.env);
  const secret = deps.config.resendWebhookSecret;
  if (secret === null) {
    log("error", "resend_webhook.reject", { reason: "no_secret" });
    return c.json({ error: "not_configured", message: "RESEND_WEBHOOK_SECRET is not set" }, 503);
  }
  const body = await readBodyLimited(c.req.raw, MAX_RESEND_BODY_BYTES);
  if (!body.ok) return c.json({ error: "payload_too_large" }, 413);
  const v = verifyResendWebhook(secret, body.text, c.req.raw.headers);
  if (!v.ok) {
    log("warn", "resend_webhook.reject", { reason: v.reason, detail: v.detail });
    if (v.reason === "bad_secret") return c.json({ error: "not_configured", message: "RESEND_WEBHOOK_SECRET is not a valid whsec_ secret" }, 503);
    return c.json({ error: v.reason === "bad_signature" ? "invalid_signature" : v.reason }, v.reason === "bad_signature" ? 401 : 400);
  }
  const { svixId, event } = v;
  if (await resendEventSeen(deps.db, svixId)) return c.json({ received: true, duplicate: true });
  const emailId = typeof event.data?.email_id === "string" ? event.data.email_id : null;
  const problem = deliveryProblem(event.type, event.data?.bounce);
  if (problem === null) {
    await recordResendEvent(deps.db, { svixId, type: event.type, emailId, customerId: null, outcome: "ignored type" }, deps.clock());
    return c.json({ received: true, ignored: event.type });
  }
  const sent = emailId === null ? null : await emailByResendId(deps.db, emailId);
  if (sent === null) {
    log("warn", "resend_webhook.unknown_email", { svixId, type: event.type, emailId });
    await recordResendEvent(deps.db, { svixId, type: event.type, emailId, customerId: null, outcome: "email not found" }, deps.clock());
    return c.json({ received: true, matched: false });
  }
  const outcome = await recordDeliveryProblem(deps, { customerId: sent.customer_id, caseId: sent.case_id, template: sent.operation, emailId: emailId ?? svixId, problem });
  await recordResendEvent(deps.db, { svixId, type: event.type, emailId, customerId: sent.customer_id, outcome }, deps.clock());
  log("info", "resend_webhook.done", { svixId, type: event.type, customerId: sent.customer_id, caseId: sent.case_id, outcome });
  return c.json({ received: true, customerId: sent.customer_id, outcome });
}
