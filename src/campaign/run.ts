/**
 * @module campaign/run
 * Runs the campaign of an invoice case: starts it on the first failure (its steps become D1 jobs the cron sweep
 * puts on the queue), and runs one step when it is due. A step's fixed outcomes (silence, the restriction) are
 * recorded without asking anyone; its decisions go through `decideCase` (the one gate) restricted to what the step
 * allows. Stripe's later retry events only update the case.
 */
import type { Mode } from "../constants.ts";
import type { Deps } from "../deps.ts";
import type { DunningContext } from "../ingest/context.ts";
import type { FailureReason } from "../ingest/decline-codes.ts";
import { log } from "../log.ts";
import { extendGrace, markRestricted, startCampaignWithJobs } from "../ledger/campaign.ts";
import { getCase, setNextStep, type CaseRow } from "../ledger/cases.ts";
import { recordStepOutcome } from "../ledger/decisions.ts";
import { rescheduleJob } from "../ledger/jobs.ts";
import { hasFraudHistory, labelForbidding, labelsOf } from "../ledger/labels.ts";
import { caseEventContext } from "../dunning/case-context.ts";
import { completeContext } from "../dunning/complete.ts";
import { decideCase } from "../dunning/decide-case.ts";
import { WARNING_NOTICE_MS, lastNoticeTemplate, planStep, reasonFamily, stepById, stepDueAt, stepId, type CampaignStep, type StepId } from "./plan.ts";
import { customerWindow } from "./send-window.ts";

export const campaignJobId = (caseId: string, step: StepId) => `campaign:${caseId}:${step}`;

export interface StepResult {
  /** done: the step is over; later: run it again at `at`. */
  status: "done" | "later" | "parked";
  at?: number;
  reason: string;
}

const graceDays = (deps: Deps, isAnnual: boolean | null) => (isAnnual === true ? deps.config.graceDaysAnnual : deps.config.graceDaysMonthly);

/** The campaign's start as planned from the case's first failure; `started` false when it had already started. */
export interface CampaignStart {
  startedAt: number;
  graceUntil: number;
  started: boolean;
  zone: string;
  jobs: Array<{ id: string; kind: string; customerId: string; dueAt: number; payload: unknown }>;
}

/**
 * Plans the campaign of an invoice case once (its first failure we see). Days count from the first failure; an
 * invoice that was already failing when we first saw it counts from its first failed attempt (about when it was
 * finalized). Steps already past are skipped, except that the final warning and the restriction are never skipped.
 */
export function planCampaignStart(deps: Deps, row: CaseRow, ctx: DunningContext): CampaignStart {
  const zone = customerWindow(ctx, "standard", deps.config.defaultTimezone).zone;
  if (row.campaign_started_at !== null && row.campaign_started_at !== undefined) {
    return { startedAt: row.campaign_started_at, graceUntil: row.grace_until ?? row.campaign_started_at, started: false, zone, jobs: [] };
  }
  const now = deps.clock();
  const lateStart = (ctx.attemptCount ?? 1) > 1 && typeof ctx.invoiceFinalizedAt === "number" && ctx.invoiceFinalizedAt < row.opened_at;
  const startedAt = lateStart ? (ctx.invoiceFinalizedAt as number) : row.opened_at;
  const graceUntil = startedAt + graceDays(deps, ctx.isAnnual ?? (row.is_annual === null ? null : row.is_annual === 1)) * 86400_000;
  const jobs = deps.config.campaign
    .filter((s) => !(s.kind === "notice" && s.day === 0))
    .map((step) => ({ step, due: stepDueAt(step, startedAt, graceUntil) }))
    // A notice whose day passed before we saw the invoice is skipped; the warning and the restriction never are.
    .filter(({ step, due }) => !(step.kind === "notice" && due < now))
    .map(({ step, due }) => ({ id: campaignJobId(row.id, stepId(step)), kind: "campaign_step", customerId: row.customer_id, dueAt: Math.max(due, now), payload: { step: stepId(step) } }));
  return { startedAt, graceUntil, started: true, zone, jobs };
}

/** Writes a planned start: the row (only if not started yet) and its jobs (once per id), in one round trip. */
export async function writeCampaignStart(deps: Deps, row: CaseRow, start: CampaignStart): Promise<void> {
  if (!start.started) return;
  await startCampaignWithJobs(deps.db, row.id, { startedAt: start.startedAt, graceUntil: start.graceUntil, zone: start.zone }, start.jobs, deps.clock());
}

/** Whether the customer gets a dated warning before the restriction (not after fraud, with a label, or with no email). */
async function warningRequired(deps: Deps, row: CaseRow, ctx: DunningContext): Promise<{ required: boolean; why: string }> {
  const family = reasonFamily(row.reason as FailureReason | null, row.decline_code);
  if (family === "escalate") return { required: false, why: `no warning for this reason (${row.reason ?? "unknown"})` };
  const [labels, fraud] = await Promise.all([labelsOf(deps.db, row.customer_id), hasFraudHistory(deps.db, row.customer_id, deps.clock())]);
  const label = labelForbidding("email", labels.map((l) => l.label));
  if (label !== null) return { required: false, why: `customer labelled ${label}: restricted without a warning` };
  if (fraud) return { required: false, why: "suspected fraud within 180 days: restricted without a warning" };
  if (ctx.customerEmail === null) return { required: false, why: "no email address to warn" };
  return { required: true, why: "" };
}

function describePaused(row: CaseRow, now: number): { until: number; why: string } | null {
  if (row.paused_until !== null && row.paused_until !== undefined && row.paused_until > now) return { until: row.paused_until, why: `campaign paused until ${new Date(row.paused_until).toISOString()}` };
  if (row.paused_at !== null) return { until: now + 86400_000, why: "campaign paused (the customer opened a dispute; a person decides)" };
  return null;
}

/** Runs one step of an open invoice case. */
export async function runCampaignStep(deps: Deps, input: { caseId: string; step: StepId; eventId: string; mode: Mode; ctx?: DunningContext; row?: CaseRow }): Promise<StepResult> {
  const now = deps.clock();
  // The caller may pass the row it just wrote (the invoice event's day 0): one read fewer on the critical path.
  const row = input.row ?? (await getCase(deps.db, input.caseId));
  if (row === null || row.status !== "open") return { status: "done", reason: `case ${row?.status ?? "missing"}: step ${input.step} dropped` };
  const table = deps.config.campaign;
  const step: CampaignStep | null = stepById(table, input.step);
  if (step === null) return { status: "done", reason: `step ${input.step} is not in the campaign table` };
  const ctx = input.ctx ?? (await completeContext(deps, await caseEventContext(deps.db, row, input.eventId, now)));
  const record = (reason: string) => recordStepOutcome(deps.db, { eventId: ctx.eventId, caseId: row.id, customerId: row.customer_id, mode: input.mode, step: input.step, reason }, now);

  // A paused campaign resumes where it stopped: the step waits for the pause to end.
  const paused = describePaused(row, now);
  if (paused !== null) return { status: "later", at: paused.until, reason: `${input.step} waits: ${paused.why}` };
  if (step.kind === "restrict") return restrict(deps, row, ctx, input, record);
  // The grace end may have moved since the step was planned (a pause): the warning keeps its distance to it.
  if (step.kind === "final_warning" && row.grace_until && row.campaign_started_at) {
    const due = stepDueAt(step, row.campaign_started_at, row.grace_until);
    if (now < due) return { status: "later", at: due, reason: `final warning due ${new Date(due).toISOString()} (the grace end moved)` };
  }

  const facts = {
    reason: (ctx.failureReason ?? row.reason ?? null) as FailureReason | null,
    declineCode: ctx.declineCode ?? row.decline_code,
    stripeRetryScheduled: ctx.nextPaymentAttempt !== null && ctx.nextPaymentAttempt > now,
    stripeCustomerEmails: deps.config.stripeCustomerEmails,
    trial: ctx.customerSegment === "trial",
    winbackEligible: false,
  };
  const plan = planStep(step, facts);
  switch (plan.kind) {
    case "silent":
      await record(`${input.step}: ${plan.why}`);
      return { status: "done", reason: `${input.step}: ${plan.why}` };
    case "escalate": {
      const r = await decideCase(deps, {
        ctx,
        caseId: row.id,
        attempt: row.attempt_count ?? row.failures,
        mode: input.mode,
        proposed: { call: { name: "escalate_to_human", args: { reason: plan.reason } }, why: `${input.step}: ${plan.why}`, decidedBy: "lifecycle" },
        campaign: { step: input.step, dated: false },
      });
      return r.outcome === "parked" ? { status: "parked", reason: "kill switch" } : { status: "done", reason: `${input.step}: escalate_to_human: ${r.outcome}` };
    }
    case "decide": {
      const r = await decideCase(deps, { ctx, caseId: row.id, attempt: row.attempt_count ?? row.failures, mode: input.mode, campaign: { step: input.step, dated: step.kind === "final_warning" } });
      return r.outcome === "parked" ? { status: "parked", reason: "kill switch" } : { status: "done", reason: `${input.step}: ${r.tool ?? "no action"}: ${r.outcome}` };
    }
    case "restrict":
      return restrict(deps, row, ctx, input, record);
  }
}

/**
 * The restriction: only once the dated warning is 48 h old (sent now if it never went out); fraud, labelled and
 * unreachable customers are restricted at the grace end without one.
 */
async function restrict(deps: Deps, row: CaseRow, ctx: DunningContext, input: { step: StepId; mode: Mode }, record: (reason: string) => Promise<void>): Promise<StepResult> {
  const now = deps.clock();
  const grace = row.grace_until ?? now;
  if (now < grace) return { status: "later", at: grace, reason: `grace runs until ${new Date(grace).toISOString()}` };
  const warning = await warningRequired(deps, row, ctx);
  if (warning.required && (row.warned_at === null || row.warned_at === undefined)) {
    // The warning never went out (held, throttled, or an offer came first): it goes out now, the restriction waits.
    const template = lastNoticeTemplate(reasonFamily(row.reason as FailureReason | null, row.decline_code), ctx.customerSegment === "trial");
    if (template !== null) {
      await extendGrace(deps.db, row.id, now + WARNING_NOTICE_MS, now);
      const r = await decideCase(deps, {
        ctx,
        caseId: row.id,
        attempt: row.attempt_count ?? row.failures,
        mode: input.mode,
        keyBase: `${ctx.eventId}:warning`,
        proposed: { call: { name: "send_email", args: { template_id: template, variables: {} } }, why: "restriction due but the dated warning never went out: warn first, restrict 48 h later", decidedBy: "lifecycle" },
        campaign: { step: input.step, dated: true },
      });
      if (r.outcome === "parked") return { status: "parked", reason: "kill switch" };
      const fresh = await getCase(deps.db, row.id);
      if (fresh?.warned_at !== null && fresh?.warned_at !== undefined) return { status: "later", at: fresh.warned_at + WARNING_NOTICE_MS, reason: "dated warning sent now; restriction 48 h later" };
      if (r.outcome === "throttled") return { status: "later", at: now + 3600_000, reason: `dated warning waiting (${r.detail}); restriction after it` };
      // The warning cannot be sent at all (refused): the grace end holds, as for an unreachable customer.
      log("warn", "campaign.warning_refused", { caseId: row.id, detail: r.detail });
    }
  } else if (warning.required && row.warned_at !== null && row.warned_at !== undefined && now < row.warned_at + WARNING_NOTICE_MS) {
    return { status: "later", at: row.warned_at + WARNING_NOTICE_MS, reason: "the dated warning is not 48 h old yet" };
  }
  const restricted = await markRestricted(deps.db, row.id, now);
  if (restricted) {
    await record(`access restricted: grace ended ${new Date(grace).toISOString()}${warning.required ? `, warned ${row.warned_at ? new Date(row.warned_at).toISOString() : "(warning refused)"}` : ` (${warning.why})`}`);
    // The access change itself is recorded and announced by the job runner after every step (scheduled-jobs.ts).
    await setNextStep(deps.db, row.id, "access restricted; waiting for payment or Stripe's last retry", now);
  }
  return { status: "done", reason: restricted ? "access restricted" : "already restricted" };
}

/** Puts a campaign job back for later (paused, grace not over, warning too fresh). */
export async function deferStep(deps: Deps, jobId: string, at: number): Promise<void> {
  await rescheduleJob(deps.db, jobId, at, deps.clock());
}
