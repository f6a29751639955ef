/**
 * @module actions/email
 * One recovery email: claim the 24 h slot (authoritative, D1), write the empathy paragraph, render the
 * template, route it (test-mode safety), send through Resend with an idempotency key derived from the event
 * and template (or write it to the outbox), then mirror the throttle to KV for on-call.
 */
import { FRAUD_FORBIDDEN_TEMPLATES, renderEmail, type EmailInput, type TemplateId } from "../../emails/index.ts";
import { MAIL_THROTTLE_SECONDS, kvMailThrottleKey } from "../constants.ts";
import type { Deps } from "../deps.ts";
import type { DunningContext } from "../ingest/context.ts";
import { signUpdateToken, UPDATE_LINK_TTL_MS } from "../links/update-token.ts";
import { log, maskEmail } from "../log.ts";
import { putOutbox } from "../ledger/outbox.ts";
import { onceEffect } from "../ledger/side-effects.ts";
import { claimEmailSlot } from "../ledger/throttle.ts";
import { recordSentMessage } from "../ledger/replies.ts";
import { messageIdFor, replyToFor } from "../replies/address.ts";
import { empathyParagraph } from "./empathy.ts";
import { routeEmail } from "./email-routing.ts";
import { assertMayAct } from "./refusal.ts";


export interface WinbackEmailFields {
  percentOff: number;
  promoCode: string;
  expiresAt: number;
  appliesTo: "subscription" | "resubscribe";
  resubscribeUrl: string | null;
}

export interface EmailRequest {
  ctx: DunningContext;
  caseId: string | null;
  decisionId: number | null;
  templateId: TemplateId;
  tone?: "gentle" | "standard" | "firm" | undefined;
  winback?: WinbackEmailFields;
  accessEndsAt?: number | null;
  trial?: { trialEndsAt: number; engaged: boolean };
}

export type EmailResult =
  | { status: "sent"; via: "resend" | "outbox"; to: string; sandboxed: boolean; id: string | null; skipped: boolean }
  | { status: "throttled"; availableAt: number };

/** The link a card-update email carries: our signed route, or the hosted invoice page. */
export async function cardUpdateUrl(deps: Deps, ctx: DunningContext, caseId: string | null): Promise<string> {
  const secret = deps.config.linkSigningSecret;
  if (secret !== null && caseId !== null) {
    const token = await signUpdateToken(secret, { c: ctx.customerId, k: caseId, e: deps.clock() + UPDATE_LINK_TTL_MS });
    return `${deps.config.appUrl}/r/update/${token}`;
  }
  return ctx.hostedInvoiceUrl ?? deps.config.appUrl;
}

export function emailIdempotencyKey(eventId: string, templateId: TemplateId): string {
  return `email:${eventId}:${templateId}`;
}

async function buildInput(deps: Deps, req: EmailRequest, paragraph: string): Promise<EmailInput> {
  const { ctx } = req;
  const base = {
    brandName: deps.config.brandName,
    customerName: ctx.customerName,
    locale: ctx.customerLocale,
    amount: { amount: ctx.amountDue ?? 0, currency: ctx.currency ?? "usd" },
    invoiceUrl: ctx.hostedInvoiceUrl,
    empathyParagraph: paragraph,
    isTrial: ctx.customerSegment === "trial",
    isAnnual: ctx.isAnnual === true,
    planName: ctx.planTier === null ? null : ctx.planTier[0]?.toUpperCase() + ctx.planTier.slice(1),
  };
  switch (req.templateId) {
    case "card_update_request":
      return { templateId: "card_update_request", ...base, updateUrl: await cardUpdateUrl(deps, ctx, req.caseId) };
    case "soft_payment_reminder":
      return { templateId: "soft_payment_reminder", ...base, nextRetryAt: ctx.nextPaymentAttempt };
    case "authentication_required":
      return { templateId: "authentication_required", ...base, invoiceUrl: ctx.hostedInvoiceUrl ?? (await cardUpdateUrl(deps, ctx, req.caseId)) };
    case "final_warning":
      return { templateId: "final_warning", ...base, updateUrl: await cardUpdateUrl(deps, ctx, req.caseId), accessEndsAt: req.accessEndsAt ?? null };
    case "winback_offer": {
      if (!req.winback) throw new Error("winback_offer needs the promotion code (sent by offer_winback_discount)");
      return { templateId: "winback_offer", ...base, ...req.winback };
    }
    case "trial_ending": {
      if (!req.trial) throw new Error("trial_ending needs the trial end");
      return { templateId: "trial_ending", ...base, ...req.trial, updateUrl: await cardUpdateUrl(deps, ctx, req.caseId ?? `trial:${ctx.subscriptionId ?? ctx.customerId}`) };
    }
  }
}

export async function sendTemplateEmail(deps: Deps, req: EmailRequest): Promise<EmailResult> {
  const { ctx, templateId } = req;
  const to = ctx.customerEmail;
  if (to === null) throw new Error("sendTemplateEmail called without an address (the guard should have stopped it)");
  const now = deps.clock();
  const effect = templateId === "winback_offer" ? "offer" : FRAUD_FORBIDDEN_TEMPLATES.has(templateId) ? "card_request_email" : "email";
  await assertMayAct(deps.db, ctx.customerId, effect, now, ctx.failureReason);
  const slot = await claimEmailSlot(deps.db, ctx.customerId, ctx.eventId, MAIL_THROTTLE_SECONDS * 1000, now);
  if (!slot.ok) return { status: "throttled", availableAt: slot.availableAt };

  const route = routeEmail(to, ctx.livemode, {
    resendConfigured: deps.resend !== null,
    stripeLiveKey: deps.config.stripeLiveKey,
    sandboxEmail: deps.config.sandboxEmail,
  });
  const key = emailIdempotencyKey(ctx.eventId, templateId);
  const done = await onceEffect(
    deps.db,
    { decisionId: req.decisionId, eventId: ctx.eventId, caseId: req.caseId, customerId: ctx.customerId, kind: "email", provider: route.via, operation: templateId, idempotencyKey: key },
    deps.clock,
    async (idempotencyKey) => {
      const paragraph = await empathyParagraph(deps.fastGemini, {
        reason: ctx.failureReason ?? "unknown",
        segment: ctx.customerSegment,
        tone: ctx.customerSegment === "trial" && req.tone === "firm" ? "gentle" : req.tone,
        brandName: deps.config.brandName,
      });
      const rendered = await renderEmail(await buildInput(deps, req, paragraph.text));
      const subject = `${route.subjectPrefix}${rendered.subject}`;
      // Replies reach the case (a signed plus-tag) or the team; our Message-ID matches a reply that lost the tag.
      const [replyTo, messageId] = await Promise.all([replyToFor(deps.config, req.caseId), messageIdFor(deps.config, idempotencyKey)]);
      await recordSentMessage(deps.db, { messageId, caseId: req.caseId, customerId: ctx.customerId }, deps.clock());
      if (route.via === "outbox") {
        const id = await putOutbox(
          deps.db,
          { kind: "email", recipient: route.to, subject, html: rendered.html, text: rendered.text, blocks: null, templateId, eventId: ctx.eventId, caseId: req.caseId, customerId: ctx.customerId, idempotencyKey, replyTo, messageId },
          deps.clock(),
        );
        return { requestId: `outbox:${id}`, detail: { via: "outbox", to: maskEmail(route.to), subject, empathy: paragraph.source, ...(paragraph.why ? { empathyWhy: paragraph.why } : {}) } };
      }
      if (deps.resend === null) throw new Error("resend not configured");
      const { data, error } = await deps.resend.emails.send(
        { from: deps.config.emailFrom, to: [route.to], subject, html: rendered.html, text: rendered.text, tags: [{ name: "template", value: templateId }], ...(replyTo !== null ? { replyTo } : {}), headers: { "Message-ID": messageId } },
        { idempotencyKey },
      );
      // 409 invalid_idempotent_request: Resend already accepted an email under this key (its success went unrecorded
      // and this retry rendered a different body, e.g. a fresh signed link). It was delivered once: do not send again.
      if (error?.name === "invalid_idempotent_request") {
        return { requestId: null, detail: { via: "resend", to: maskEmail(route.to), subject, sandboxed: route.sandboxed, empathy: paragraph.source, ...(paragraph.why ? { empathyWhy: paragraph.why } : {}), alreadyAccepted: true } };
      }
      if (error) throw new Error(`resend error: ${error.name ?? ""} ${error.message ?? ""}`.trim());
      return { requestId: data?.id ?? null, detail: { via: "resend", to: maskEmail(route.to), subject, sandboxed: route.sandboxed, empathy: paragraph.source, ...(paragraph.why ? { empathyWhy: paragraph.why } : {}) } };
    },
  );
  try {
    await deps.kv.put(kvMailThrottleKey(ctx.customerId), JSON.stringify({ eventId: ctx.eventId, template: templateId, at: now }), { expirationTtl: MAIL_THROTTLE_SECONDS });
  } catch (err) {
    log("warn", "email.throttle_mirror_failed", { customerId: ctx.customerId, error: err instanceof Error ? err.message : String(err) });
  }
  const id = done.skipped ? done.row.request_id : done.result.requestId;
  return { status: "sent", via: route.via, to: maskEmail(route.to), sandboxed: route.sandboxed, id, skipped: done.skipped };
}
