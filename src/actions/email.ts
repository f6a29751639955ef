/**
 * @module actions/email
 * One recovery email: claim the 24 h slot (authoritative, D1), write the empathy paragraph, render the
 * template, route it (test-mode safety), send through Resend with an idempotency key derived from the event
 * and template (or write it to the outbox), then mirror the throttle to KV for on-call.
 */
import { emailHeaders, FRAUD_FORBIDDEN_TEMPLATES, renderEmail, type EmailInput, type LocaleChoice, type TemplateId } from "../../emails/index.ts";
import type { Config } from "../config.ts";
import { emailBase, emailFacts, localeOf } from "../../emails/facts.ts";
import { MAIL_THROTTLE_SECONDS, kvMailThrottleKey } from "../constants.ts";
import type { Deps } from "../deps.ts";
import type { DunningContext } from "../ingest/context.ts";
import { updateLinkUrl } from "../links/update-link.ts";
import { signUnsubscribeToken, UNSUBSCRIBE_LINK_TTL_MS } from "../links/unsubscribe-token.ts";
import { log, maskEmail } from "../log.ts";
import { putOutbox } from "../ledger/outbox.ts";
import { EffectGuardRefused, onceEffect } from "../ledger/side-effects.ts";
import { emailSlotGuard, slotRefused } from "../ledger/throttle.ts";
import { recordSentMessage } from "../ledger/replies.ts";
import { messageIdFor, replyToFor } from "../replies/address.ts";
import { empathyParagraph } from "./empathy.ts";
import { routeEmail } from "./email-routing.ts";
import { assertMayAct } from "./refusal.ts";
import type { RefusalReads } from "../ledger/labels.ts";
import type { CaseRow } from "../ledger/cases.ts";


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
  /** The 3-D Secure email of an incomplete subscription (Stripe gives the first payment about 23 h): no 24 h throttle. */
  throttleExempt?: boolean;
  /** Labels and fraud history read for this email by its dispatcher after the decision (else read here). */
  checked?: RefusalReads | undefined;
  /** The case as its dispatcher read it for this email (the link's lifetime comes from its grace end). */
  caseRow?: CaseRow | null | undefined;
}

export type EmailResult =
  | { status: "sent"; via: "resend" | "outbox"; to: string; sandboxed: boolean; id: string | null; skipped: boolean }
  | { status: "throttled"; availableAt: number };

/** The link a card-update email carries: our signed landing page (naming the case or trial and the template), or the hosted invoice page. */
export async function cardUpdateUrl(deps: Deps, ctx: DunningContext, caseId: string | null, templateId: TemplateId, known?: CaseRow | null): Promise<string> {
  return updateLinkUrl(deps, ctx, caseId, templateId, known);
}

export function emailIdempotencyKey(eventId: string, templateId: TemplateId): string {
  return `email:${eventId}:${templateId}`;
}

/** The signed unsubscribe link of an offer email, or null without a link secret (the gate then refuses offers). */
export async function unsubscribeUrl(config: Config, customerId: string, locale: string, now: number): Promise<string | null> {
  if (config.linkSigningSecret === null) return null;
  const token = await signUnsubscribeToken(config.linkSigningSecret, { c: customerId, l: locale, e: now + UNSUBSCRIBE_LINK_TTL_MS });
  return `${config.appUrl}/r/unsubscribe/${token}`;
}

async function buildInput(deps: Deps, req: EmailRequest, paragraph: string, locale: LocaleChoice): Promise<EmailInput> {
  const { ctx } = req;
  const { nextRetryAt, retryOutlook, ...base } = emailBase(ctx, req.templateId, deps.clock(), {
    brandName: deps.config.brandName,
    supportEmail: deps.config.supportEmail,
    companyAddress: deps.config.companyAddress,
    locale: locale.format,
    empathyParagraph: paragraph,
  });
  switch (req.templateId) {
    case "card_update_request":
      return { templateId: "card_update_request", ...base, updateUrl: await cardUpdateUrl(deps, ctx, req.caseId, req.templateId, req.caseRow), nextRetryAt, accessEndsAt: req.accessEndsAt ?? null };
    case "soft_payment_reminder":
      return { templateId: "soft_payment_reminder", ...base, nextRetryAt, retryOutlook, payUrl: ctx.hostedInvoiceUrl ?? (await cardUpdateUrl(deps, ctx, req.caseId, req.templateId, req.caseRow)) };
    case "authentication_required":
      return { templateId: "authentication_required", ...base, accessEndsAt: req.accessEndsAt ?? null, invoiceUrl: ctx.hostedInvoiceUrl ?? (await cardUpdateUrl(deps, ctx, req.caseId, req.templateId, req.caseRow)) };
    case "final_warning":
      return { templateId: "final_warning", ...base, updateUrl: await cardUpdateUrl(deps, ctx, req.caseId, req.templateId, req.caseRow), accessEndsAt: req.accessEndsAt ?? null };
    case "winback_offer": {
      if (!req.winback) throw new Error("winback_offer needs the promotion code (sent by offer_winback_discount)");
      const url = await unsubscribeUrl(deps.config, ctx.customerId, locale.format, deps.clock());
      if (url === null) throw new Error("winback_offer needs LINK_SIGNING_SECRET for its unsubscribe link (the gate should have refused it)");
      return { templateId: "winback_offer", ...base, ...req.winback, unsubscribeUrl: url };
    }
    case "trial_ending": {
      if (!req.trial) throw new Error("trial_ending needs the trial end");
      return { templateId: "trial_ending", ...base, ...req.trial, updateUrl: await cardUpdateUrl(deps, ctx, req.caseId, req.templateId, req.caseRow) };
    }
  }
}

export async function sendTemplateEmail(deps: Deps, req: EmailRequest): Promise<EmailResult> {
  const { ctx, templateId } = req;
  const to = ctx.customerEmail;
  if (to === null) throw new Error("sendTemplateEmail called without an address (the guard should have stopped it)");
  const now = deps.clock();
  // A commercial email without the sender's postal address is never sent (the gate refuses it first).
  if (templateId === "winback_offer" && deps.config.companyAddress === null) throw new Error("winback_offer refused: COMPANY_ADDRESS is not set (a commercial email needs the sender's postal address)");
  const effect = templateId === "winback_offer" ? "offer" : FRAUD_FORBIDDEN_TEMPLATES.has(templateId) ? "card_request_email" : "email";
  await assertMayAct(deps.db, ctx.customerId, effect, now, ctx.failureReason, req.checked);
  // The 24 h slot is claimed in the intent's own batch: refused, nothing is recorded and nothing is sent.
  const windowMs = MAIL_THROTTLE_SECONDS * 1000;
  const guard = req.throttleExempt === true ? undefined : emailSlotGuard(deps.db, ctx.customerId, ctx.eventId, windowMs, now);
  const mirror = () =>
    deps.kv.put(kvMailThrottleKey(ctx.customerId), JSON.stringify({ eventId: ctx.eventId, template: templateId, at: now }), { expirationTtl: MAIL_THROTTLE_SECONDS }).catch((err: unknown) => {
      log("warn", "email.throttle_mirror_failed", { customerId: ctx.customerId, error: err instanceof Error ? err.message : String(err) });
    });
  let mirrored: Promise<void> | null = null;

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
      // The slot is ours: on-call's KV mirror of it is written while the email is prepared and sent.
      mirrored = mirror();
      const locale = localeOf(ctx);
      const paragraph = await empathyParagraph(deps.fastGemini, {
        reason: ctx.failureReason ?? "unknown",
        segment: templateId === "trial_ending" ? "trial" : ctx.customerSegment,
        tone: ctx.customerSegment === "trial" && req.tone === "firm" ? "gentle" : req.tone,
        brandName: deps.config.brandName,
        locale: locale.format,
        situation: templateId === "trial_ending" ? "trial_ending" : emailFacts(ctx, templateId, now).payment,
      });
      const input = await buildInput(deps, req, paragraph.text, locale);
      const rendered = await renderEmail(input);
      const headers = emailHeaders(input);
      const subject = `${route.subjectPrefix}${rendered.subject}`;
      // Replies reach the case (a signed plus-tag) or the team; our Message-ID matches a reply that lost the tag.
      const [replyTo, messageId] = await Promise.all([replyToFor(deps.config, req.caseId), messageIdFor(deps.config, idempotencyKey)]);
      // The Message-ID is recorded while the email goes out (a reply cannot arrive before either has finished).
      const recorded = recordSentMessage(deps.db, { messageId, caseId: req.caseId, customerId: ctx.customerId }, deps.clock());
      if (route.via === "outbox") {
        const [id] = await Promise.all([
          putOutbox(
            deps.db,
            { kind: "email", recipient: route.to, subject, html: rendered.html, text: rendered.text, blocks: null, templateId, eventId: ctx.eventId, caseId: req.caseId, customerId: ctx.customerId, idempotencyKey, replyTo, messageId },
            deps.clock(),
          ),
          recorded,
        ]);
        return { requestId: `outbox:${id}`, detail: { via: "outbox", to: maskEmail(route.to), subject, locale: locale.format, empathy: paragraph.source, ...(paragraph.why ? { empathyWhy: paragraph.why } : {}) } };
      }
      if (deps.resend === null) throw new Error("resend not configured");
      const [{ data, error }] = await Promise.all([
        deps.resend.emails.send(
        {
          from: deps.config.emailFrom,
          to: [route.to],
          subject,
          html: rendered.html,
          text: rendered.text,
          tags: [{ name: "template", value: templateId }, { name: "locale", value: locale.messages.tag.replace(/[^A-Za-z0-9_-]/g, "_") }],
          ...(replyTo !== null ? { replyTo } : {}),
          headers: { ...(headers ?? {}), "Message-ID": messageId },
        },
          { idempotencyKey },
        ),
        recorded,
      ]);
      // 409 invalid_idempotent_request: Resend already accepted an email under this key (its success went unrecorded
      // and this retry rendered a different body, e.g. a fresh signed link). It was delivered once: do not send again.
      if (error?.name === "invalid_idempotent_request") {
        return { requestId: null, detail: { via: "resend", to: maskEmail(route.to), subject, sandboxed: route.sandboxed, empathy: paragraph.source, ...(paragraph.why ? { empathyWhy: paragraph.why } : {}), alreadyAccepted: true } };
      }
      if (error) throw new Error(`resend error: ${error.name ?? ""} ${error.message ?? ""}`.trim());
      return { requestId: data?.id ?? null, detail: { via: "resend", to: maskEmail(route.to), subject, sandboxed: route.sandboxed, empathy: paragraph.source, ...(paragraph.why ? { empathyWhy: paragraph.why } : {}) } };
    },
    guard === undefined ? {} : { guard },
  ).catch(async (err: unknown) => {
    if (!(err instanceof EffectGuardRefused)) throw err;
    return { throttled: await slotRefused(deps.db, ctx.customerId, windowMs, now) };
  });
  if ("throttled" in done) return { status: "throttled", availableAt: done.throttled.availableAt };
  await (mirrored ?? mirror());
  const id = done.skipped ? done.row.request_id : done.result.requestId;
  return { status: "sent", via: route.via, to: maskEmail(route.to), sandboxed: route.sandboxed, id, skipped: done.skipped };
}
