/**
 * @module policy
 * The decision policy as code: a pure function, table-tested, with the same numbered rules as
 * `agents/dunning-orchestrator.md`. Used when no model is configured, as the model's fallback,
 * and in shadow mode. No I/O, no clock: `now` is passed in.
 */
import type { DunningContext } from "../ingest/context.ts";
import type { FailureReason } from "../ingest/decline-codes.ts";
import { planStep, type CampaignStep } from "../campaign/plan.ts";
import type { ToolCall } from "./tools.ts";

/** The numbered rules. The agent file carries the same numbers (a test checks both ways). */
export const RULES = {
  1: "card_expired -> card update email",
  2: "insufficient_funds with attempt <= 2 (annual: <= 3) -> let Smart Retries continue + soft reminder email",
  3: "attempt >= 3, plan pro/team, lifetime value above the threshold -> escalate to a human",
  4: "loyal segment, reason not card_expired, not the first attempt, no winback in 90 days, lifetime value above the threshold -> winback discount (20%, 14 days)",
  5: "authentication_required -> 3-D Secure email (confirm with your bank), never 'update your card'",
  6: "card_unusable or invalid_card_details -> card update email; never ask Stripe to retry a hard decline",
  7: "do_not_honor or processing_error with attempt <= 2 (annual: <= 3) -> let Smart Retries continue + soft reminder; later -> card update email",
  8: "fraud_suspected or merchant_account_issue, and anything else or unsure -> escalate to a human",
  9: "insufficient_funds after the soft window: retries exhausted -> final warning (trial: card update email); otherwise card update email",
} as const;
export type RuleId = keyof typeof RULES;
export const RULE_IDS = Object.keys(RULES).map(Number) as RuleId[];

export interface DecisionHistory {
  /** Last customer email, epoch ms. */
  lastEmailAt: number | null;
  /** Last winback offer, epoch ms. */
  lastWinbackAt: number | null;
  /** Most recent actions for this customer, newest first. */
  lastActions: Array<{ tool: string; templateId: string | null; at: number; outcome: string }>;
}

export interface DecisionInput {
  context: DunningContext;
  /** The attempt number: the invoice's attempt_count, or a one-off PaymentIntent's consecutive failures. */
  attempt: number;
  history: DecisionHistory;
  now: number;
  /** The customer's team labels (shown to the model; the gate enforces them whoever proposes). */
  labels?: readonly string[];
  /** A suspected-fraud case, open or closed within 180 days. */
  fraudHistory?: boolean;
  /** The campaign step being decided (invoice cases): the step fixes which calls are allowed. */
  campaign?: { step: CampaignStep; stripeCustomerEmails: boolean };
}

export interface PolicyConfig {
  /** High-value threshold in the context's currency (minor units); null = none configured (never high value). */
  ltvThreshold: number | null;
  winbackPercent: number;
  winbackValidDays: number;
  winbackCooldownMs: number;
  /** A Stripe key is configured: coupons and retries can be made (default true). Without it, no winback is planned. */
  stripeActions?: boolean;
}

export interface PolicyDecision {
  call: ToolCall;
  rule: RuleId;
  why: string;
}

const email = (template_id: "card_update_request" | "soft_payment_reminder" | "authentication_required" | "final_warning"): ToolCall => ({
  name: "send_email",
  args: { template_id, variables: {} },
});

/** Whether the customer's lifetime value is above the configured threshold for its currency. */
export function isHighValue(ctx: DunningContext, threshold: number | null): boolean {
  if (threshold === null || ctx.lifetimeValue === null) return false;
  return ctx.lifetimeValue.amount > threshold;
}

/** Soft declines get a longer Smart-Retry window for annual subscribers (extra grace). */
export function softAttemptLimit(ctx: DunningContext): number {
  return ctx.isAnnual === true ? 3 : 2;
}

export function winbackEligible(input: DecisionInput, config: PolicyConfig): boolean {
  const last = input.history.lastWinbackAt;
  const cooled = last === null || input.now - last >= config.winbackCooldownMs;
  return config.stripeActions !== false && input.context.customerSegment === "loyal" && cooled && isHighValue(input.context, config.ltvThreshold);
}

/** The rules at a campaign step: the step's own plan (campaign/plan.ts restates rules 2, 3, 4, 7 and 9 per step). */
function decideStep(input: DecisionInput, config: PolicyConfig, step: CampaignStep, stripeCustomerEmails: boolean): PolicyDecision {
  const ctx = input.context;
  const plan = planStep(step, {
    reason: ctx.failureReason,
    declineCode: ctx.declineCode,
    stripeRetryScheduled: ctx.nextPaymentAttempt !== null && ctx.nextPaymentAttempt > input.now,
    stripeCustomerEmails,
    trial: ctx.customerSegment === "trial",
    winbackEligible: winbackEligible(input, config),
  });
  if (plan.kind === "decide") {
    if ("offer" in plan.rules) return { call: { name: "offer_winback_discount", args: { percent_off: config.winbackPercent, valid_days: config.winbackValidDays } }, rule: 4, why: plan.rules.why };
    // Rule 3 holds at every step: a high-value pro/team customer failing again gets a person, not a third email.
    const tier = ctx.planTier;
    if (input.attempt >= 3 && (tier === "pro" || tier === "team") && isHighValue(ctx, config.ltvThreshold) && step.kind === "notice" && step.day > 0) {
      return { call: { name: "escalate_to_human", args: { reason: `High-value ${tier} customer failed ${input.attempt} attempts (${ctx.failureReason ?? "unknown"}); a personal touch is worth it.` } }, rule: 3, why: "Third or later failure for a high-value pro/team customer." };
    }
    return { call: email(plan.rules.template as "card_update_request" | "soft_payment_reminder" | "authentication_required" | "final_warning"), rule: plan.rules.rule, why: plan.rules.why };
  }
  if (plan.kind === "escalate") return { call: { name: "escalate_to_human", args: { reason: plan.reason } }, rule: 8, why: plan.why };
  // Silence and the restriction are recorded by the campaign without asking; asked anyway, a person decides.
  return { call: { name: "escalate_to_human", args: { reason: `Campaign step with no customer action (${plan.kind === "silent" ? plan.why : "restriction"}); please check.` } }, rule: 8, why: "nothing to send at this step" };
}

/** The rules policy. Always returns exactly one call. */
export function decideByRules(input: DecisionInput, config: PolicyConfig): PolicyDecision {
  if (input.campaign !== undefined) return decideStep(input, config, input.campaign.step, input.campaign.stripeCustomerEmails);
  const ctx = input.context;
  const reason: FailureReason = ctx.failureReason ?? "unknown";
  const attempt = input.attempt;
  const tier = ctx.planTier;
  const trial = ctx.customerSegment === "trial";

  if (reason === "authentication_required") {
    return { call: email("authentication_required"), rule: 5, why: "The bank wants the customer to confirm the payment (3-D Secure); a new card would not help." };
  }
  if (reason === "fraud_suspected") {
    return {
      call: { name: "escalate_to_human", args: { reason: `Payment declined as suspected fraud (${ctx.declineCode ?? "no code"}); a person should review before anyone contacts the customer.` } },
      rule: 8,
      why: "Suspected fraud is never retried and never answered with 'update your card'.",
    };
  }
  if (reason === "merchant_account_issue") {
    return {
      call: { name: "escalate_to_human", args: { reason: `The payment failed because of the merchant's own payment account (${ctx.declineCode ?? "no code"}), not the customer's card; please check the Stripe account.` } },
      rule: 8,
      why: "A merchant-side failure: the customer has nothing to fix.",
    };
  }
  if (attempt >= 3 && (tier === "pro" || tier === "team") && isHighValue(ctx, config.ltvThreshold)) {
    return {
      call: { name: "escalate_to_human", args: { reason: `High-value ${tier} customer failed ${attempt} attempts (${reason}); a personal touch is worth it.` } },
      rule: 3,
      why: "Third or later failure for a high-value pro/team customer.",
    };
  }
  if (reason === "card_expired") {
    return { call: email("card_update_request"), rule: 1, why: "The card on file has expired; only a new card fixes it." };
  }
  if (attempt >= 2 && winbackEligible(input, config)) {
    return {
      call: { name: "offer_winback_discount", args: { percent_off: config.winbackPercent, valid_days: config.winbackValidDays } },
      rule: 4,
      why: "Loyal, high-value customer failing again; a one-time discount keeps them.",
    };
  }
  const soft = attempt <= softAttemptLimit(ctx);
  if (reason === "insufficient_funds") {
    if (soft) return { call: email("soft_payment_reminder"), rule: 2, why: "Funds are often back within days; Smart Retries continue and a gentle reminder helps." };
    const exhausted = ctx.nextPaymentAttempt === null;
    if (exhausted && !trial) return { call: email("final_warning"), rule: 9, why: "Retries are exhausted; the customer must act before access ends." };
    return { call: email("card_update_request"), rule: 9, why: "Repeated insufficient funds; another card is the likely fix." };
  }
  if (reason === "card_unusable" || reason === "invalid_card_details") {
    return { call: email("card_update_request"), rule: 6, why: "Hard decline: retrying cannot succeed, the customer needs to enter a card again." };
  }
  if (reason === "do_not_honor" || reason === "processing_error") {
    if (soft) return { call: email("soft_payment_reminder"), rule: 7, why: "Soft decline early in the schedule; Smart Retries often succeed." };
    return { call: email("card_update_request"), rule: 7, why: "Soft declines keep failing; ask for another card." };
  }
  return {
    call: { name: "escalate_to_human", args: { reason: `Unclear failure (${ctx.declineCode ?? "no decline code"}, attempt ${attempt}); the agent is not sure what to do.` } },
    rule: 8,
    why: "Unknown reason: a person decides.",
  };
}

/** Two calls agree when they name the same tool and, for emails, the same template. */
export function callsAgree(a: ToolCall, b: ToolCall): boolean {
  if (a.name !== b.name) return false;
  if (a.name === "send_email" && b.name === "send_email") return a.args.template_id === b.args.template_id;
  return true;
}
