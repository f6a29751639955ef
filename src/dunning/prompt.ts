/**
 * @module prompt
 * What the model sees about a case: the facts it needs and no more. No email address (only whether there is
 * one), no name, no ids beyond what decisions need. Pure.
 */
import { stepId } from "../campaign/plan.ts";
import { formatMoney } from "../ingest/money.ts";
import type { DecisionInput, PolicyConfig } from "./policy.ts";
import { isHighValue, winbackEligible } from "./policy.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function caseFacts(input: DecisionInput, config: PolicyConfig): Record<string, unknown> {
  const ctx = input.context;
  return {
    event_type: ctx.eventType,
    reason: ctx.failureReason ?? "unknown",
    decline_code: ctx.declineCode,
    attempt: input.attempt,
    campaign_step: input.campaign ? stepId(input.campaign.step) : null,
    amount: ctx.amountDue !== null && ctx.currency !== null ? formatMoney({ amount: ctx.amountDue, currency: ctx.currency }) : null,
    plan_tier: ctx.planTier,
    is_annual: ctx.isAnnual,
    segment: ctx.customerSegment,
    trial: ctx.customerSegment === "trial",
    high_value: isHighValue(ctx, config.ltvThreshold),
    winback_eligible: winbackEligible(input, config),
    has_email: ctx.customerEmail !== null,
    team_labels: input.labels ?? [],
    fraud_history: input.fraudHistory === true,
    one_off_payment: ctx.invoiceId === null,
    next_retry_at: iso(ctx.nextPaymentAttempt),
    subscription_status: ctx.subscriptionStatus,
    now: iso(input.now),
    history: {
      last_email_at: iso(input.history.lastEmailAt),
      last_winback_at: iso(input.history.lastWinbackAt),
      last_actions: input.history.lastActions.slice(0, 5).map((a) => ({ tool: a.tool, template: a.templateId, at: iso(a.at), outcome: a.outcome })),
    },
  };
}

export function buildPrompt(input: DecisionInput, config: PolicyConfig): string {
  return [
    "A customer's payment failed. Choose exactly one action by calling exactly one tool.",
    "Case facts (JSON):",
    JSON.stringify(caseFacts(input, config), null, 2),
  ].join("\n");
}
