/**
 * @module guards
 * The hard rules on one proposed call, whoever proposed it (the model, the rules, a lifecycle job, a person in
 * Slack). Pure: the caller passes the facts and the clock. `gate.ts` applies them again to every replacement;
 * the executors re-check labels and fraud themselves. The 24 h email throttle and the 90-day winback cap are
 * also claimed atomically at execution time.
 */
import { FRAUD_FORBIDDEN_TEMPLATES, templateFitsReason } from "../../emails/index.ts";
import type { Config } from "../config.ts";
import { ltvThreshold } from "../config.ts";
import { WINBACK_COOLDOWN_SECONDS } from "../constants.ts";
import type { DunningContext } from "../ingest/context.ts";
import { HARD_DECLINE_REASONS } from "../ingest/decline-codes.ts";
import { labelForbidding, type LabelledEffect, type TeamLabel } from "../ledger/labels.ts";
import { isHighValue } from "./policy.ts";
import type { StepAllowance } from "../campaign/plan.ts";
import type { ToolCall, ToolName } from "./tools.ts";

export type Actor = "agent" | "human" | "system";

export interface GuardFacts {
  ctx: DunningContext;
  /** agent = the model or the rules deciding a case; system = a lifecycle or scheduled job; human = a Slack click. */
  actor: Actor;
  /** True when a new payment method was attached after the failure (card-update retry). */
  newPaymentMethodSinceFailure: boolean;
  lastWinbackAt: number | null;
  now: number;
  /** The customer's team labels (any source). */
  labels: readonly TeamLabel[];
  /** A suspected-fraud case, open or closed within 180 days. */
  fraudHistory: boolean;
  /** The case was paused (a dispute): no customer contact and no retries, as with the `paused` label. */
  casePaused?: boolean;
  /** A Stripe key is configured (default true). Without it coupons and retries are unavailable: never proposed. */
  stripeActions?: boolean;
  /** The campaign step being decided: the agent may only choose what the step allows. */
  campaignStep?: StepAllowance;
  /** The case's campaign is paused until then (a customer's reply): no customer contact before it. */
  pausedUntil?: number | null;
  /** What triggered the proposal: a customer's reply may only lead to the reply tools (`REPLY_GATE_TOOLS`). */
  origin?: "reply";
}

/**
 * All the power a customer's reply has: pause, escalate, note a wish to cancel, ignore, and pay once with a card
 * the customer already added (the card-update pay-now path). Never an offer, an email, or a retry of the old card.
 */
export const REPLY_GATE_TOOLS: ReadonlySet<ToolName> = new Set(["pause_campaign", "escalate_to_human", "note_cancel_intent", "ignore_reply", "request_stripe_smart_retry"]);

export type GuardVerdict = { ok: true } | { ok: false; reason: string; replacement: ToolCall | null; label: TeamLabel | null };

const escalate = (reason: string): ToolCall => ({ name: "escalate_to_human", args: { reason } });

/** The kind of effect of each tool a label can forbid (the table of which label forbids what is in ledger/labels.ts). */
const EFFECT_OF: Partial<Record<ToolName, LabelledEffect>> = {
  send_email: "email",
  send_trial_email: "email",
  offer_winback_discount: "offer",
  request_stripe_smart_retry: "retry",
  retry_payment_intent: "retry",
};

/** The first label (most restrictive first) that forbids this tool, or null. */
export function labelBlocking(tool: ToolName, labels: readonly TeamLabel[]): TeamLabel | null {
  const effect = EFFECT_OF[tool];
  return effect === undefined ? null : labelForbidding(effect, labels);
}

/** Fraud (this case, or one in the last 180 days) forbids offers and asking for a new card, whoever asks. */
export function fraudBlocks(call: ToolCall): boolean {
  if (call.name === "offer_winback_discount") return true;
  if (call.name === "send_trial_email") return FRAUD_FORBIDDEN_TEMPLATES.has("trial_ending");
  return call.name === "send_email" && FRAUD_FORBIDDEN_TEMPLATES.has(call.args.template_id);
}

/**
 * The rules that hold whatever happened before: team labels and fraud. Checked first by `checkCall`, and alone
 * when a pending decision is resumed (its own earlier claims, such as the winback cap, must not refuse it).
 */
export function standingRefusal(call: ToolCall, facts: GuardFacts): GuardVerdict | null {
  const reason = facts.ctx.failureReason ?? "unknown";
  const label = labelBlocking(call.name, facts.labels);
  if (label !== null) return { ok: false, reason: `customer is labelled ${label}`, replacement: null, label };
  if (facts.casePaused === true && labelBlocking(call.name, ["paused"]) !== null) return { ok: false, reason: "the case is paused (the customer opened a dispute)", replacement: null, label: "paused" };
  if (facts.pausedUntil != null && facts.pausedUntil > facts.now && (EFFECT_OF[call.name] === "email" || EFFECT_OF[call.name] === "offer")) {
    return { ok: false, reason: `the customer asked for time: reminders paused until ${new Date(facts.pausedUntil).toISOString()}`, replacement: null, label: "paused" };
  }
  if ((reason === "fraud_suspected" || facts.fraudHistory) && fraudBlocks(call)) {
    const why = reason === "fraud_suspected" ? "suspected fraud on this payment" : "the customer had a suspected-fraud case in the last 180 days";
    const replacement = facts.actor === "agent" ? escalate(`Suspected fraud: the agent wanted to ${call.name === "send_email" ? `send "${call.args.template_id}"` : call.name}; a person should review first.`) : null;
    return { ok: false, reason: `${why}: no offer, no card request, no final warning`, replacement, label: null };
  }
  return null;
}

export function checkCall(call: ToolCall, facts: GuardFacts, config: Config): GuardVerdict {
  const { ctx } = facts;
  const reason = ctx.failureReason ?? "unknown";
  const refuse = (why: string, replacement: ToolCall | null = null): GuardVerdict => ({ ok: false, reason: why, replacement, label: null });

  const standing = standingRefusal(call, facts);
  if (standing !== null) return standing;
  if (facts.origin === "reply") {
    const allowed = REPLY_GATE_TOOLS.has(call.name) && (call.name !== "request_stripe_smart_retry" || (call.args.schedule === "retry_now" && facts.newPaymentMethodSinceFailure));
    if (!allowed) {
      return refuse(
        `a customer's reply can only pause the reminders, escalate, note a wish to cancel, pay once with a new card, or be ignored (not ${call.name})`,
        escalate(`The agent wanted to ${call.name === "send_email" ? `send "${call.args.template_id}"` : call.name} because of a customer's reply; a reply never leads to that. Please read the reply.`),
      );
    }
  }
  if (facts.stripeActions === false && (call.name === "offer_winback_discount" || call.name === "request_stripe_smart_retry" || call.name === "retry_payment_intent")) {
    return refuse("no Stripe key configured: coupons and retries are unavailable");
  }
  if (reason === "merchant_account_issue" && (call.name === "send_email" || call.name === "offer_winback_discount" || call.name === "retry_payment_intent")) {
    // The merchant's own payment account failed, not the customer's card: nothing to ask of the customer.
    return refuse("the merchant's payment account failed (merchant_account_issue): no customer contact, no retry", facts.actor === "agent" ? escalate("The payment failed because of our own payment provider account (merchant_account_issue); please check the Stripe account.") : null);
  }

  const step = facts.campaignStep;
  if (step !== undefined && facts.actor === "agent") {
    if (call.name === "send_email" && !step.templates.includes(call.args.template_id)) {
      return refuse(`the ${step.step} step allows ${step.templates.length > 0 ? step.templates.join(" or ") : "no email"}, not ${call.args.template_id}`);
    }
    if (call.name === "offer_winback_discount" && !step.offer) return refuse(`offers come at the final warning or after a loss, not at ${step.step}`);
    if (call.name === "request_stripe_smart_retry" && call.args.schedule !== "continue" && !facts.newPaymentMethodSinceFailure) {
      return refuse("the campaign never retries an invoice itself while Stripe's schedule runs (only the pay-now after a new card)");
    }
  }

  switch (call.name) {
    case "send_email": {
      const t = call.args.template_id;
      if (ctx.customerEmail === null) {
        return refuse("no customer email address", escalate(`Customer has no email address; the agent wanted to send "${t}" (${reason}). Please reach them another way.`));
      }
      if (t === "winback_offer") return refuse("winback_offer is only sent by offer_winback_discount (it needs a code)", escalate(`A winback email was proposed outside the winback tool (${reason}).`));
      if (!templateFitsReason(t, reason)) return refuse(`template ${t} does not fit reason ${reason}`, escalate(`Proposed email "${t}" does not fit the failure reason "${reason}".`));
      if (ctx.customerSegment === "trial" && (t === "final_warning" || call.args.variables.tone === "firm")) {
        return refuse("no pressure copy for trial customers", escalate(`A pressure email (${t}) was proposed for a trial customer.`));
      }
      return { ok: true };
    }
    case "send_trial_email":
      return ctx.customerEmail === null ? refuse("no customer email address") : { ok: true };
    case "request_stripe_smart_retry": {
      if (reason === "authentication_required" && !facts.newPaymentMethodSinceFailure) {
        return refuse("a retry cannot pass 3-D Secure; the customer must confirm", { name: "send_email", args: { template_id: "authentication_required", variables: {} } });
      }
      if (ctx.invoiceId === null) return refuse("Smart Retries only apply to invoices", escalate("A Stripe retry was proposed for a one-off payment."));
      if (HARD_DECLINE_REASONS.has(reason) && !facts.newPaymentMethodSinceFailure) {
        return refuse(`never retry a hard decline (${reason}) without a new payment method`, escalate(`A retry was proposed for a hard decline (${reason}).`));
      }
      if (call.args.schedule === "continue" && ctx.nextPaymentAttempt === null && (ctx.attemptCount ?? 0) > 0) {
        return refuse("Smart Retries are exhausted for this invoice", escalate("Stripe has no retries left for this invoice."));
      }
      if (call.args.schedule === "retry_now" && !facts.newPaymentMethodSinceFailure) return refuse("retry_now only right after a new payment method");
      return { ok: true };
    }
    case "retry_payment_intent":
      // A card the customer just saved for this payment is the customer acting: it may be charged once.
      if ((HARD_DECLINE_REASONS.has(reason) || reason === "authentication_required") && !facts.newPaymentMethodSinceFailure) return refuse(`never retry ${reason} without the customer`);
      return { ok: true };
    case "offer_winback_discount": {
      const { percent_off, valid_days } = call.args;
      const agent = facts.actor === "agent";
      // A discount offer is a commercial email (US CAN-SPAM): it must carry the sender's postal address and a working opt-out.
      if (config.companyAddress === null) return refuse("COMPANY_ADDRESS is not set: a winback offer is a commercial email and needs the sender's postal address");
      if (config.linkSigningSecret === null) return refuse("LINK_SIGNING_SECRET is not set: a winback offer needs its signed unsubscribe link");
      if (percent_off < config.winbackMinPercent || percent_off > config.winbackMaxPercent) {
        return refuse(`percent_off ${percent_off} outside ${config.winbackMinPercent}-${config.winbackMaxPercent}`, agent ? escalate(`A ${percent_off}% winback was proposed, outside the allowed range.`) : null);
      }
      if (valid_days < 1 || valid_days > 30) return refuse("valid_days outside 1-30");
      if (facts.lastWinbackAt !== null && facts.now - facts.lastWinbackAt < WINBACK_COOLDOWN_SECONDS * 1000) {
        return refuse("a winback was already offered within 90 days", agent ? escalate("A second winback within 90 days was proposed.") : null);
      }
      if (facts.actor !== "human") {
        if (ctx.customerSegment !== "loyal") return refuse("winback only for the loyal segment", agent ? escalate(`A winback was proposed for a ${ctx.customerSegment ?? "unknown"}-segment customer.`) : null);
        if (!isHighValue(ctx, ltvThreshold(config, ctx.lifetimeValue?.currency ?? ctx.currency ?? "usd"))) {
          return refuse("winback only above the lifetime-value threshold", agent ? escalate("A winback was proposed for a customer below the value threshold.") : null);
        }
      }
      if (ctx.customerEmail === null) return refuse("no customer email address for the winback code", agent ? escalate("Winback wanted, but the customer has no email address.") : null);
      return { ok: true };
    }
    case "stop_stripe_retries":
      if (facts.actor !== "human") return refuse("only a person stops Stripe's retries");
      if (facts.stripeActions === false) return refuse("no Stripe key configured: Stripe's retries cannot be stopped from here");
      if (ctx.invoiceId === null) return refuse("Stripe retries only apply to invoices");
      return { ok: true };
    case "post_slack":
    case "update_customer_state":
    case "escalate_to_human":
    case "mark_case_lost":
    case "pause_campaign":
    case "note_cancel_intent":
    case "ignore_reply":
      return { ok: true };
  }
}
