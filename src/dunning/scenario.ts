/**
 * @module scenario
 * Scenario eval: a context, the acceptable actions, and why. `finalCall` runs a proposal through the same
 * guards as production, so a scenario can pin a guardrail edge (no email -> Slack note) as well as a rule.
 */
import { z } from "zod";
import { loadConfig, ltvThreshold, type Config } from "../config.ts";
import { WINBACK_COOLDOWN_SECONDS } from "../constants.ts";
import { DunningContextSchema, type DunningContext } from "../ingest/context.ts";
import { gate } from "./gate.ts";
import type { GuardFacts } from "./guards.ts";
import { isTeamLabel } from "../ledger/labels.ts";
import type { DecisionInput, PolicyConfig } from "./policy.ts";
import type { ToolCall } from "./tools.ts";
import { DEFAULT_CAMPAIGN, stepAllowance, stepById } from "../campaign/plan.ts";

export const AcceptableSchema = z.object({ tool: z.string(), template_id: z.string().optional() }).strict();

export const ScenarioSchema = z
  .object({
    name: z.string(),
    why: z.string().min(5),
    context: z.record(z.string(), z.unknown()),
    attempt: z.number().int().min(1),
    history: z
      .object({ lastEmailAt: z.number().nullable().default(null), lastWinbackDaysAgo: z.number().nullable().default(null) })
      .strict()
      .default({ lastEmailAt: null, lastWinbackDaysAgo: null }),
    acceptable: z.array(AcceptableSchema).min(1),
    /** The campaign step decided (e.g. "day_3_notice"); absent: a decision outside the campaign. */
    campaign_step: z.string().optional(),
  })
  .strict();
export type Scenario = z.infer<typeof ScenarioSchema>;

/** A fixed clock for scenarios (2026-11-20T12:00:00Z). */
export const SCENARIO_NOW = Date.UTC(2026, 10, 20, 12);

const BASE_CONTEXT: DunningContext = {
  eventId: "evt_scenario",
  eventType: "invoice.payment_failed",
  livemode: false,
  occurredAt: SCENARIO_NOW - 60_000,
  customerId: "cus_scenario",
  customerEmail: "customer@example.com",
  customerName: "Sam Example",
  customerLocale: "en-US",
  invoiceId: "in_scenario",
  subscriptionId: "sub_scenario",
  paymentIntentId: "pi_scenario",
  chargeId: null,
  invoicePaymentIntentIds: ["pi_scenario"],
  amountDue: 4900,
  currency: "usd",
  hostedInvoiceUrl: "https://invoice.stripe.com/i/scenario",
  attemptCount: 1,
  nextPaymentAttempt: SCENARIO_NOW + 3 * 86400_000,
  failureReason: "insufficient_funds",
  declineCode: "insufficient_funds",
  planTier: "pro",
  isAnnual: false,
  customerSegment: "new",
  lastSuccessfulPaymentAt: SCENARIO_NOW - 30 * 86400_000,
  lifetimeValue: { amount: 9800, currency: "usd" },
  priceLookupKey: "pro_monthly",
  productId: "prod_pro",
  subscriptionStatus: "past_due",
  previousSubscriptionStatus: null,
  trialEnd: null,
  billingReason: "subscription_cycle",
  invoiceStatus: "open",
  newPaymentMethodId: null,
  unknown: [],
};

export function scenarioInput(s: Scenario): DecisionInput {
  const context = DunningContextSchema.parse({ ...BASE_CONTEXT, attemptCount: s.attempt, ...s.context });
  const step = s.campaign_step === undefined ? null : stepById(DEFAULT_CAMPAIGN, s.campaign_step);
  if (s.campaign_step !== undefined && step === null) throw new Error(`scenario ${s.name}: unknown campaign step ${s.campaign_step}`);
  return {
    ...(step !== null ? { campaign: { step, stripeCustomerEmails: false } } : {}),
    context,
    attempt: s.attempt,
    now: SCENARIO_NOW,
    history: {
      lastEmailAt: s.history.lastEmailAt,
      lastWinbackAt: s.history.lastWinbackDaysAgo === null ? null : SCENARIO_NOW - s.history.lastWinbackDaysAgo * 86400_000,
      lastActions: [],
    },
  };
}

export function scenarioConfig(): Config {
  // A deployment that may send offers: the postal address and the link secret (for the unsubscribe link) are set.
  return loadConfig({ STRIPE_WEBHOOK_SECRET: "whsec_eval", COMPANY_ADDRESS: "Example Inc., 1 Main St, Springfield", LINK_SIGNING_SECRET: "eval-link-secret" });
}

export function scenarioPolicy(config: Config, ctx: DunningContext): PolicyConfig {
  return {
    ltvThreshold: ltvThreshold(config, ctx.lifetimeValue?.currency ?? ctx.currency ?? "usd"),
    winbackPercent: 20,
    winbackValidDays: 14,
    winbackCooldownMs: WINBACK_COOLDOWN_SECONDS * 1000,
  };
}

/** The gate's facts for a scenario: the agent deciding, no labels or fraud history unless the scenario says so. */
export function scenarioGuardFacts(input: DecisionInput): GuardFacts {
  const c = input.context;
  const allowance =
    input.campaign === undefined
      ? undefined
      : stepAllowance(input.campaign.step, { reason: c.failureReason, declineCode: c.declineCode, stripeRetryScheduled: c.nextPaymentAttempt !== null && c.nextPaymentAttempt > input.now, stripeCustomerEmails: false, trial: c.customerSegment === "trial", winbackEligible: true });
  return {
    ...(allowance !== undefined ? { campaignStep: allowance } : {}),
    ctx: input.context,
    actor: "agent",
    newPaymentMethodSinceFailure: false,
    lastWinbackAt: input.history.lastWinbackAt,
    now: input.now,
    labels: (input.labels ?? []).filter(isTeamLabel),
    fraudHistory: input.fraudHistory === true,
  };
}

/** The call that would execute: the proposal, or the gate's replacement (null when nothing passes). */
export function finalCall(proposal: ToolCall, input: DecisionInput, config: Config): ToolCall | null {
  const result = gate(proposal, scenarioGuardFacts(input), config);
  return result.ok ? result.call : null;
}

export function describeAction(call: ToolCall | null): string {
  if (call === null) return "(nothing)";
  return call.name === "send_email" ? `send_email:${call.args.template_id}` : call.name;
}

export function isAcceptable(call: ToolCall | null, acceptable: Scenario["acceptable"]): boolean {
  if (call === null) return false;
  return acceptable.some((a) => a.tool === call.name && (a.template_id === undefined || (call.name === "send_email" && call.args.template_id === a.template_id)));
}
