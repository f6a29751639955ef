/**
 * @module campaign/plan
 * The recovery campaign of an invoice case as one typed table: which steps run on which day, and what each step
 * may do for each reason family. Pure: the caller passes the facts and the clock. The table can be overridden with
 * the `CAMPAIGN` JSON variable (validated at start). Rules 2, 3, 4, 7 and 9 of `agents/dunning-orchestrator.md`
 * are restated here per step; `policy.ts` reads a step's plan from this module so the two stay one policy.
 */
import { z } from "zod";
import type { RecoveryTemplateId as TemplateId } from "../../emails/index.ts";
import { DECLINE_CODE_TABLE, type FailureReason } from "../ingest/decline-codes.ts";

/** One step of the table. Notices count days from the case's first failure; the last two hang off the grace end. */
export type CampaignStep = { kind: "notice"; day: number } | { kind: "final_warning"; hoursBeforeGrace: number } | { kind: "restrict" };

/** Day 0 and day 3 notices, the final warning 48 h before the grace ends, the restriction at the grace end. */
export const DEFAULT_CAMPAIGN: readonly CampaignStep[] = [
  { kind: "notice", day: 0 },
  { kind: "notice", day: 3 },
  { kind: "final_warning", hoursBeforeGrace: 48 },
  { kind: "restrict" },
];

const StepSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("notice"), day: z.number().int().min(0).max(60) }),
  z.object({ kind: z.literal("final_warning"), hoursBeforeGrace: z.number().int().min(48).max(24 * 30) }),
  z.object({ kind: z.literal("restrict") }),
]);

/**
 * Validates a campaign table: day 0 first, notice days strictly increasing, exactly one final warning and one
 * restriction at the end (the warning at least 48 h before the grace end: the rule access depends on).
 */
export function parseCampaign(value: unknown): CampaignStep[] {
  const parsed = z.array(StepSchema).min(3).safeParse(value);
  if (!parsed.success) throw new Error(`CAMPAIGN: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const steps = parsed.data as CampaignStep[];
  const notices = steps.filter((s): s is Extract<CampaignStep, { kind: "notice" }> => s.kind === "notice");
  if (steps[0]?.kind !== "notice" || steps[0].day !== 0) throw new Error("CAMPAIGN: the first step must be the day-0 notice");
  for (let i = 1; i < notices.length; i++) {
    if ((notices[i]?.day ?? 0) <= (notices[i - 1]?.day ?? 0)) throw new Error("CAMPAIGN: notice days must be strictly increasing");
  }
  const warnings = steps.filter((s) => s.kind === "final_warning").length;
  const restricts = steps.filter((s) => s.kind === "restrict").length;
  if (warnings !== 1 || restricts !== 1) throw new Error("CAMPAIGN: exactly one final_warning and one restrict step are required");
  if (steps.at(-1)?.kind !== "restrict" || steps.at(-2)?.kind !== "final_warning") throw new Error("CAMPAIGN: the table must end with final_warning then restrict");
  return steps;
}

export type StepId = "day_0" | `day_${number}_notice` | "final_warning" | "restrict";

export function stepId(step: CampaignStep): StepId {
  if (step.kind === "notice") return step.day === 0 ? "day_0" : `day_${step.day}_notice`;
  return step.kind;
}

export function stepById(table: readonly CampaignStep[], id: string): CampaignStep | null {
  return table.find((s) => stepId(s) === id) ?? null;
}

/** The dated warning must be this old before access is restricted (the grace end is at least this long after it). */
export const WARNING_NOTICE_MS = 48 * 3600_000;

/** When a step is due, from the campaign start and the grace end (UTC ms). */
export function stepDueAt(step: CampaignStep, startedAt: number, graceUntil: number): number {
  switch (step.kind) {
    case "notice":
      return startedAt + step.day * 86400_000;
    case "final_warning":
      return graceUntil - step.hoursBeforeGrace * 3600_000;
    case "restrict":
      return graceUntil;
  }
}

/** What the failure asks of the customer. */
export type ReasonFamily = "needs_customer" | "authentication" | "soft" | "escalate";

const NEEDS_CUSTOMER: ReadonlySet<FailureReason> = new Set(["card_expired", "card_unusable", "invalid_card_details"]);

/** A decline code that is neither in our table nor generic: something we have never seen. */
export function isUnseenCode(code: string | null): boolean {
  return code !== null && code !== "card_declined" && DECLINE_CODE_TABLE[code] === undefined;
}

export function reasonFamily(reason: FailureReason | null, declineCode: string | null): ReasonFamily {
  const r = reason ?? "unknown";
  if (NEEDS_CUSTOMER.has(r)) return "needs_customer";
  if (r === "authentication_required") return "authentication";
  if (r === "fraud_suspected" || r === "merchant_account_issue") return "escalate";
  if (r === "unknown" && isUnseenCode(declineCode)) return "escalate";
  return "soft";
}

/** The facts a step's plan depends on. */
export interface StepFacts {
  reason: FailureReason | null;
  declineCode: string | null;
  /** Stripe has a retry of the invoice scheduled (in the future). */
  stripeRetryScheduled: boolean;
  /** STRIPE_CUSTOMER_EMAILS=on: Stripe sends the failure and 3-D Secure emails itself. */
  stripeCustomerEmails: boolean;
  trial: boolean;
  /** The customer qualifies for a winback (loyal, high value, no offer in 90 days, Stripe key). */
  winbackEligible: boolean;
}

/**
 * What a step does: nothing (recorded with why, the model is not asked), a fixed escalation, or a decision among
 * `templates` (plus an offer where allowed), whose rules choice is `email` (or the offer).
 */
export type StepPlan =
  | { kind: "silent"; why: string }
  | { kind: "escalate"; reason: string; why: string }
  | { kind: "decide"; templates: TemplateId[]; offer: boolean; rules: { template: TemplateId; rule: 2 | 4 | 7 | 9 | 1 | 5 | 6; why: string } | { offer: true; rule: 4; why: string } }
  | { kind: "restrict" };

/** The dated last notice of a case: the final warning, or for trials and 3-D Secure their own email with the date. */
export function lastNoticeTemplate(family: ReasonFamily, trial: boolean): TemplateId | null {
  if (family === "escalate") return null;
  if (family === "authentication") return "authentication_required";
  if (trial) return "card_update_request";
  return "final_warning";
}

const noticeTemplate = (family: Exclude<ReasonFamily, "escalate">): TemplateId =>
  family === "needs_customer" ? "card_update_request" : family === "authentication" ? "authentication_required" : "soft_payment_reminder";

const noticeRule = (family: Exclude<ReasonFamily, "escalate">, reason: FailureReason | null) =>
  family === "needs_customer" ? (reason === "card_expired" ? 1 : 6) : family === "authentication" ? 5 : reason === "insufficient_funds" ? 2 : 7;

/** The plan of one step for one case. */
export function planStep(step: CampaignStep, f: StepFacts): StepPlan {
  const family = reasonFamily(f.reason, f.declineCode);
  if (step.kind === "restrict") return { kind: "restrict" };
  if (family === "escalate") {
    if (step.kind === "notice" && step.day === 0) {
      const what = f.reason === "fraud_suspected" ? "suspected fraud" : f.reason === "merchant_account_issue" ? "the merchant's own payment account failed" : `a decline code we have never seen (${f.declineCode ?? "none"})`;
      return { kind: "escalate", reason: `Payment failed: ${what}. The campaign sends the customer nothing; a person decides.`, why: `${what}: escalated, no customer steps` };
    }
    return { kind: "silent", why: "no customer steps for this reason (a person was asked on day 0)" };
  }
  if (step.kind === "notice") {
    const template = noticeTemplate(family);
    if (step.day === 0) {
      if (f.stripeCustomerEmails) return { kind: "silent", why: "STRIPE_CUSTOMER_EMAILS=on: Stripe sends the day-0 email" };
      if (family === "soft" && f.stripeRetryScheduled) return { kind: "silent", why: "soft decline with a Stripe retry scheduled: no email on day 0" };
    } else if (family === "authentication" && f.stripeCustomerEmails) {
      return { kind: "silent", why: "STRIPE_CUSTOMER_EMAILS=on: Stripe sends the 3-D Secure emails" };
    }
    const templates: TemplateId[] = family === "soft" ? ["soft_payment_reminder", "card_update_request"] : [template];
    return { kind: "decide", templates, offer: false, rules: { template, rule: noticeRule(family, f.reason), why: step.day === 0 ? `day 0: ${family.replace("_", " ")}` : `day ${step.day}: still open, second notice` } };
  }
  // The final warning: a dated notice (trial and 3-D Secure their own), or for a loyal, high-value customer an offer.
  const last = lastNoticeTemplate(family, f.trial);
  if (last === "authentication_required" && f.stripeCustomerEmails) return { kind: "silent", why: "STRIPE_CUSTOMER_EMAILS=on: Stripe sends the 3-D Secure emails" };
  if (last === null) return { kind: "silent", why: "no final warning for this reason" };
  if (f.winbackEligible && !f.trial && family !== "authentication") {
    return { kind: "decide", templates: [last], offer: true, rules: { offer: true, rule: 4, why: "final-warning step: a loyal, high-value customer gets the last-chance offer first (the dated warning follows before any restriction)" } };
  }
  return { kind: "decide", templates: [last], offer: false, rules: { template: last, rule: 9, why: f.trial ? "last dated notice for a trial customer" : "final warning: names the date access will be restricted" } };
}

/** What a step lets the model (and a replacement) do: its templates, and an offer at the final warning. */
export interface StepAllowance {
  step: StepId;
  templates: readonly TemplateId[];
  offer: boolean;
}

export function stepAllowance(step: CampaignStep, f: StepFacts): StepAllowance {
  const plan = planStep(step, { ...f, winbackEligible: true });
  if (plan.kind !== "decide") return { step: stepId(step), templates: [], offer: false };
  return { step: stepId(step), templates: plan.templates, offer: plan.offer };
}
