/**
 * @module guards
 * Hard guardrails on a proposed call, checked at the dispatcher's boundary whoever proposed it
 * (model, rules or a person in Slack). Pure: the caller passes the facts and the clock.
 * The 24 h email throttle and the 90-day winback cap are also claimed atomically at execution time.
 */
import { templateFitsReason } from "../../emails/index.ts";
import type { Config } from "../config.ts";
import { ltvThreshold } from "../config.ts";
import { WINBACK_COOLDOWN_SECONDS } from "../constants.ts";
import type { DunningContext } from "../ingest/context.ts";
import { HARD_DECLINE_REASONS } from "../ingest/decline-codes.ts";
import { isHighValue } from "./policy.ts";
import type { ToolCall } from "./tools.ts";

export interface GuardFacts {
  ctx: DunningContext;
  actor: "agent" | "human";
  /** True when a new payment method was attached after the failure (card-update retry). */
  newPaymentMethodSinceFailure: boolean;
  lastWinbackAt: number | null;
  now: number;
  /** The team labelled the customer `do_not_contact` (update_customer_state): no email reaches them. */
  doNotContact?: boolean;
}

export type GuardVerdict = { ok: true } | { ok: false; reason: string; replacement: ToolCall | null };

const escalate = (reason: string): ToolCall => ({ name: "escalate_to_human", args: { reason } });

export function checkCall(call: ToolCall, facts: GuardFacts, config: Config): GuardVerdict {
  const { ctx } = facts;
  const reason = ctx.failureReason ?? "unknown";
  switch (call.name) {
    case "send_email": {
      const t = call.args.template_id;
      if (facts.doNotContact === true) {
        return { ok: false, reason: "customer is labelled do_not_contact", replacement: { name: "post_slack", args: { text: `Customer ${ctx.customerId} is labelled do_not_contact; the agent wanted to send "${t}" (${reason}). Nothing was sent.` } } };
      }
      if (ctx.customerEmail === null) {
        return {
          ok: false,
          reason: "no customer email address",
          replacement: { name: "post_slack", args: { text: `Customer ${ctx.customerId} has no email address; the agent wanted to send "${t}" (${reason}). Please reach them another way.` } },
        };
      }
      if (t === "winback_offer") return { ok: false, reason: "winback_offer is only sent by offer_winback_discount (it needs a code)", replacement: escalate(`A winback email was proposed outside the winback tool (${reason}).`) };
      if (!templateFitsReason(t, reason)) return { ok: false, reason: `template ${t} does not fit reason ${reason}`, replacement: escalate(`Proposed email "${t}" does not fit the failure reason "${reason}".`) };
      if (ctx.customerSegment === "trial" && (t === "final_warning" || call.args.variables.tone === "firm")) {
        return { ok: false, reason: "no pressure copy for trial customers", replacement: escalate(`A pressure email (${t}) was proposed for a trial customer.`) };
      }
      return { ok: true };
    }
    case "request_stripe_smart_retry": {
      if (reason === "authentication_required" && !facts.newPaymentMethodSinceFailure) {
        return { ok: false, reason: "a retry cannot pass 3-D Secure; the customer must confirm", replacement: { name: "send_email", args: { template_id: "authentication_required", variables: {} } } };
      }
      if (ctx.invoiceId === null) return { ok: false, reason: "Smart Retries only apply to invoices", replacement: escalate("A Stripe retry was proposed for a one-off payment.") };
      if (HARD_DECLINE_REASONS.has(reason) && !facts.newPaymentMethodSinceFailure) {
        return { ok: false, reason: `never retry a hard decline (${reason}) without a new payment method`, replacement: escalate(`A retry was proposed for a hard decline (${reason}).`) };
      }
      if (call.args.schedule === "continue" && ctx.nextPaymentAttempt === null && (ctx.attemptCount ?? 0) > 0) {
        return { ok: false, reason: "Smart Retries are exhausted for this invoice", replacement: escalate("Stripe has no retries left for this invoice.") };
      }
      if (call.args.schedule === "retry_now" && !facts.newPaymentMethodSinceFailure) {
        return { ok: false, reason: "retry_now only right after a new payment method", replacement: null };
      }
      return { ok: true };
    }
    case "offer_winback_discount": {
      const { percent_off, valid_days } = call.args;
      if (percent_off < config.winbackMinPercent || percent_off > config.winbackMaxPercent) {
        return { ok: false, reason: `percent_off ${percent_off} outside ${config.winbackMinPercent}-${config.winbackMaxPercent}`, replacement: facts.actor === "agent" ? escalate(`A ${percent_off}% winback was proposed, outside the allowed range.`) : null };
      }
      if (valid_days < 1 || valid_days > 30) return { ok: false, reason: "valid_days outside 1-30", replacement: null };
      if (facts.lastWinbackAt !== null && facts.now - facts.lastWinbackAt < WINBACK_COOLDOWN_SECONDS * 1000) {
        return { ok: false, reason: "a winback was already offered within 90 days", replacement: facts.actor === "agent" ? escalate("A second winback within 90 days was proposed.") : null };
      }
      if (facts.actor === "agent") {
        if (reason === "fraud_suspected") return { ok: false, reason: "no winback on a suspected-fraud decline", replacement: escalate("A winback was proposed for a suspected-fraud decline.") };
        if (ctx.customerSegment !== "loyal") return { ok: false, reason: "winback only for the loyal segment", replacement: escalate(`A winback was proposed for a ${ctx.customerSegment ?? "unknown"}-segment customer.`) };
        if (!isHighValue(ctx, ltvThreshold(config, ctx.lifetimeValue?.currency ?? ctx.currency ?? "usd"))) {
          return { ok: false, reason: "winback only above the lifetime-value threshold", replacement: escalate("A winback was proposed for a customer below the value threshold.") };
        }
      }
      if (ctx.customerEmail === null) return { ok: false, reason: "no customer email address for the winback code", replacement: escalate("Winback wanted, but the customer has no email address.") };
      if (facts.doNotContact === true) return { ok: false, reason: "customer is labelled do_not_contact", replacement: null };
      return { ok: true };
    }
    case "post_slack":
    case "update_customer_state":
    case "escalate_to_human":
      return { ok: true };
  }
}
