/**
 * @module decide-case
 * One case event -> one recorded decision -> at most one action. Every proposer enters here: the model or the
 * rules deciding a case, a lifecycle or scheduled job, a person's Slack click. The proposal passes the one gate
 * (`gate.ts`, replacements re-checked); a refused proposal falls back to the rules, then to a person, unless the
 * proposer asked only to record it; a proposal stopped by a team label is recorded as `skipped` and goes no
 * further. The decision is recorded before the effect (intent) and its outcome after. A retried message reuses
 * its pending decision instead of asking again (and gates it again: a label set meanwhile still holds).
 */
import { ltvThreshold } from "../config.ts";
import { WINBACK_COOLDOWN_SECONDS, type Mode } from "../constants.ts";
import type { Deps } from "../deps.ts";
import type { DunningContext } from "../ingest/context.ts";
import { log } from "../log.ts";
import { decisionsForCustomer, decisionsForEvent, insertDecision, setDecisionOutcome, type DecidedBy, type DecisionOutcome, type DecisionRow } from "../ledger/decisions.ts";
import { hasFraudHistory, labelsOf, type LabelEntry } from "../ledger/labels.ts";
import { getCase } from "../ledger/cases.ts";
import { lastEmailAt, lastWinbackAt } from "../ledger/throttle.ts";
import { isTransientStripeError } from "../clients/stripe.ts";
import { decide, type Decision } from "./decide.ts";
import { describeCall, dispatch, notifyTeam, type DispatchResult } from "./dispatch.ts";
import { gate } from "./gate.ts";
import { standingRefusal, type Actor, type GuardFacts } from "./guards.ts";
import type { DecisionInput, PolicyConfig } from "./policy.ts";
import { caseToolset } from "./toolset.ts";
import { validateToolCall, type ToolCall } from "./tools.ts";
import { readActFacts, type ActFacts } from "./act-facts.ts";
import { stepAllowance, stepById, type StepAllowance, type StepId } from "../campaign/plan.ts";

export interface CaseDecisionResult {
  outcome: DecisionOutcome;
  tool: string | null;
  detail: string;
}

export function policyConfig(deps: Deps, ctx: DunningContext): PolicyConfig {
  return {
    ltvThreshold: ltvThreshold(deps.config, ctx.lifetimeValue?.currency ?? ctx.currency ?? "usd"),
    winbackPercent: Math.min(Math.max(20, deps.config.winbackMinPercent), deps.config.winbackMaxPercent),
    winbackValidDays: 14,
    winbackCooldownMs: WINBACK_COOLDOWN_SECONDS * 1000,
    stripeActions: deps.stripe !== null,
  };
}

export interface CaseFacts {
  input: DecisionInput;
  stripeActions: boolean;
  labels: LabelEntry[];
  fraudHistory: boolean;
  casePaused: boolean;
  pausedUntil: number | null;
}

/** Everything a decision reads from the ledger, in parallel: history, team labels, fraud history. */
export async function loadCaseFacts(deps: Deps, ctx: DunningContext, attempt: number, caseId: string | null = null): Promise<CaseFacts> {
  const now = deps.clock();
  const [recent, emailAt, winbackAt, labels, fraudHistory, caseRow] = await Promise.all([
    decisionsForCustomer(deps.db, ctx.customerId, 10),
    lastEmailAt(deps.db, ctx.customerId),
    lastWinbackAt(deps.db, ctx.customerId),
    labelsOf(deps.db, ctx.customerId),
    hasFraudHistory(deps.db, ctx.customerId, now),
    caseId === null ? Promise.resolve(null) : getCase(deps.db, caseId),
  ]);
  return {
    input: {
      context: ctx,
      attempt,
      now,
      history: {
        lastEmailAt: emailAt,
        lastWinbackAt: winbackAt,
        lastActions: recent.filter((d) => d.tool !== null).map((d) => ({ tool: d.tool ?? "", templateId: d.template_id, at: d.created_at, outcome: d.outcome })),
      },
      labels: labels.map((l) => l.label),
      fraudHistory,
    },
    labels,
    fraudHistory,
    casePaused: caseRow?.paused_at !== null && caseRow?.paused_at !== undefined,
    pausedUntil: caseRow?.paused_until ?? null,
    stripeActions: deps.stripe !== null,
  };
}

export function guardFacts(facts: CaseFacts, actor: Actor, newPaymentMethodSinceFailure: boolean, origin?: "reply"): GuardFacts {
  return {
    ...(origin !== undefined ? { origin } : {}),
    pausedUntil: facts.pausedUntil,
    ctx: facts.input.context,
    actor,
    newPaymentMethodSinceFailure,
    lastWinbackAt: facts.input.history.lastWinbackAt,
    now: facts.input.now,
    labels: facts.labels.map((l) => l.label),
    fraudHistory: facts.fraudHistory,
    casePaused: facts.casePaused,
    stripeActions: facts.stripeActions,
  };
}

const templateOf = (call: ToolCall) =>
  call.name === "send_email" ? call.args.template_id : call.name === "offer_winback_discount" ? "winback_offer" : call.name === "send_trial_email" ? "trial_ending" : null;

/** What a refusal leads to: the rules then a person, a person, or only the record. */
export type OnRefusal = "fallback" | "escalate" | "record";

export interface DecideCaseInput {
  ctx: DunningContext;
  caseId: string | null;
  attempt: number;
  mode: Mode;
  newPaymentMethodSinceFailure?: boolean;
  /** Base of the action's idempotency keys; default: event id + tool. */
  keyBase?: string;
  /**
   * A proposer that already knows its action (a lifecycle step, a job, a person, the model or the rules reading a
   * customer's reply). It still passes the gate; `fallback` is tried next when the gate refuses it.
   */
  proposed?: {
    call: ToolCall;
    why: string;
    decidedBy: "lifecycle" | "human" | "model" | "rules";
    actorName?: string;
    model?: string | null;
    modelOutput?: unknown;
    fallback?: { call: ToolCall; why: string };
  };
  /** What triggered this decision, when the gate must know (a customer's reply). */
  origin?: "reply";
  /** Default: "fallback" for the model and the rules, "record" for other proposers. */
  onRefusal?: OnRefusal;
  /** The campaign step this decision is (invoice cases); `dated`: its email names the restriction date and freezes it. */
  campaign?: { step: StepId; dated: boolean };
}

/** What the campaign step allows the agent, from the case's facts (null outside a campaign step). */
function allowanceOf(deps: Deps, input: DecideCaseInput, now: number): StepAllowance | undefined {
  if (input.campaign === undefined) return undefined;
  const step = stepById(deps.config.campaign, input.campaign.step);
  if (step === null) return undefined;
  const ctx = input.ctx;
  return stepAllowance(step, {
    reason: ctx.failureReason,
    declineCode: ctx.declineCode,
    stripeRetryScheduled: ctx.nextPaymentAttempt !== null && ctx.nextPaymentAttempt > now,
    stripeCustomerEmails: deps.config.stripeCustomerEmails,
    trial: ctx.customerSegment === "trial",
    winbackEligible: true,
  });
}

/** The call that will be carried out, recorded as a pending decision. */
interface Chosen {
  call: ToolCall;
  decisionId: number;
  why: string;
  /** What the dispatcher re-checks, read while the intent was recorded (absent for a resumed decision). */
  fresh?: ActFacts;
}

type Choice = Chosen | { skipped: string; tool: string } | { refused: string; tool: string };

/** Who acts for a new decision: the agent, or the proposer that already knows its action. */
const proposerActor = (input: DecideCaseInput): Actor =>
  input.proposed ? (input.proposed.decidedBy === "human" ? "human" : input.proposed.decidedBy === "lifecycle" ? "system" : "agent") : "agent";

const actorOf = (decidedBy: DecidedBy): Actor => (decidedBy === "human" ? "human" : decidedBy === "lifecycle" ? "system" : "agent");

/** A retried message resumes its own pending decision instead of asking again. */
function resumed(pending: DecisionRow): { call: ToolCall; decisionId: number; why: string; actor: Actor } {
  const revalidated = validateToolCall(pending.tool, pending.args === null ? {} : JSON.parse(pending.args));
  if (!revalidated.ok) throw new Error(`pending decision ${pending.id} no longer validates: ${revalidated.error}`);
  return { call: revalidated.call, decisionId: pending.id, why: pending.reason ?? "", actor: actorOf(pending.decided_by) };
}

/**
 * Asks the orchestrator (or takes the proposer's call), passes it through the gate, and records every step: refused
 * proposals as rejected (or skipped, for a team label), the call that passed as pending.
 */
async function choose(deps: Deps, input: DecideCaseInput, facts: CaseFacts): Promise<Choice> {
  const { ctx } = input;
  const actor = proposerActor(input);
  const onRefusal: OnRefusal = input.onRefusal ?? (input.proposed ? "record" : "fallback");
  const newPm = input.newPaymentMethodSinceFailure === true;
  const allowance = allowanceOf(deps, input, facts.input.now);
  const gFacts: GuardFacts = allowance === undefined ? guardFacts(facts, actor, newPm, input.origin) : { ...guardFacts(facts, actor, newPm, input.origin), campaignStep: allowance };
  const step = input.campaign === undefined ? null : stepById(deps.config.campaign, input.campaign.step);
  const decisionInput = step === null ? facts.input : { ...facts.input, campaign: { step, stripeCustomerEmails: deps.config.stripeCustomerEmails } };
  const decision: Decision | null = input.proposed
    ? null
    : await decide(decisionInput, { gemini: deps.gemini, shadowRules: deps.config.shadowRules, policy: policyConfig(deps, ctx), toolset: caseToolset(gFacts, deps.config), clock: deps.clock });
  const base = { eventId: ctx.eventId, caseId: input.caseId, customerId: ctx.customerId, mode: input.mode };
  const record = (
    call: ToolCall | null,
    f: { decidedBy: DecidedBy; validation: string; reason: string; outcome: "pending" | "rejected" | "skipped"; model?: string | null; rule?: string | null; modelOutput?: unknown; shadow?: Decision["shadow"]; latencyMs?: number | null },
  ) =>
    insertDecision(
      deps.db,
      { ...base, tool: call?.name ?? null, args: call?.args ?? null, templateId: call ? templateOf(call) : null, model: f.model ?? null, rule: f.rule ?? null, modelOutput: f.modelOutput ?? null, shadow: f.shadow ?? null, latencyMs: f.latencyMs ?? null, decidedBy: f.decidedBy, validation: f.validation, reason: f.reason, outcome: f.outcome },
      deps.clock(),
    );

  // The proposals to try in order: the proposer's; then, for the model, the rules' own decision.
  type Candidate = { call: ToolCall; why: string; decidedBy: DecidedBy; rule: string | null; model: string | null; modelOutput: unknown; shadow: Decision["shadow"]; latencyMs: number | null };
  const candidates: Candidate[] = [];
  if (decision === null && input.proposed) {
    const p = input.proposed;
    candidates.push({ call: p.call, why: p.why, decidedBy: p.decidedBy, rule: null, model: p.model ?? null, modelOutput: p.modelOutput ?? null, shadow: null, latencyMs: null });
    if (p.fallback) candidates.push({ call: p.fallback.call, why: p.fallback.why, decidedBy: "fallback", rule: null, model: null, modelOutput: null, shadow: null, latencyMs: null });
  } else if (decision !== null) {
    const rule = decision.rule === null ? null : `R${decision.rule}`;
    if (decision.rejectedModel !== null) {
      // The model's answer could not be carried out: recorded with its output; the fallback below is what runs.
      await record(null, { decidedBy: "model", validation: `rejected: ${decision.rejectedModel.error}`, reason: decision.rejectedModel.error, outcome: "rejected", model: decision.model, modelOutput: decision.modelOutput, shadow: decision.shadow, latencyMs: decision.latencyMs });
      candidates.push({ call: decision.call, why: decision.why, decidedBy: "fallback", rule, model: decision.model, modelOutput: null, shadow: null, latencyMs: null });
    } else {
      candidates.push({ call: decision.call, why: decision.why, decidedBy: decision.decidedBy, rule, model: decision.model, modelOutput: decision.modelOutput, shadow: decision.shadow, latencyMs: decision.latencyMs });
      if (decision.decidedBy === "model" && onRefusal === "fallback") {
        candidates.push({ call: decision.rules.call, why: `rules after the model's proposal was refused: ${decision.rules.why}`, decidedBy: "fallback", rule: `R${decision.rules.rule}`, model: null, modelOutput: null, shadow: null, latencyMs: null });
      }
    }
  }

  const reasons: string[] = [];
  const plain: string[] = [];
  for (const c of candidates) {
    const result = gate(c.call, gFacts, deps.config);
    for (const [i, step] of result.refused.entries()) {
      const first = i === 0;
      await record(step.call, {
        decidedBy: first ? c.decidedBy : "guard",
        validation: step.label !== null ? `skipped (label ${step.label})` : `rejected: ${step.reason}`,
        reason: first ? c.why : `replacement: ${step.reason}`,
        outcome: step.label !== null ? "skipped" : "rejected",
        ...(first ? { rule: c.rule, model: c.model, modelOutput: c.modelOutput, shadow: c.shadow, latencyMs: c.latencyMs } : {}),
      });
      reasons.push(`${describeCall(step.call)}: ${step.reason}`);
      plain.push(step.reason);
    }
    if (result.ok) {
      const replaced = result.refused.length > 0;
      const why = replaced ? `replacement after rejected: ${result.refused.at(-1)?.reason ?? ""}` : c.why;
      // The intent is recorded while the dispatcher's re-checks are read (one round trip).
      const [decisionId, fresh] = await Promise.all([
        record(result.call, {
          decidedBy: replaced ? "guard" : c.decidedBy,
          validation: "ok",
          reason: why,
          outcome: "pending",
          ...(replaced ? {} : { rule: c.rule, model: c.model, modelOutput: c.modelOutput, shadow: c.shadow, latencyMs: c.latencyMs }),
        }),
        readActFacts(deps, result.call, ctx.customerId, input.caseId, input.mode),
      ]);
      return { call: result.call, decisionId, why, fresh };
    }
    // A team label says "not this customer, not now": nothing else is tried and no person is paged.
    if (result.label !== null) return { skipped: `skipped (label ${result.label}): ${result.refused.at(-1)?.reason ?? ""}`, tool: c.call.name };
  }
  const summary = reasons.join("; ").slice(0, 380);
  if (onRefusal === "record" || candidates.length === 0) return { refused: plain.join("; ") || "nothing proposed", tool: candidates[0]?.call.name ?? "none" };
  // No dead ends: nothing the agent may do passed, so a person decides.
  const call: ToolCall = { name: "escalate_to_human", args: { reason: `Nothing the agent proposed may be done (${summary}); please decide this case.`.slice(0, 500) } };
  const [decisionId, fresh] = await Promise.all([
    record(call, { decidedBy: "guard", validation: "ok", reason: "every proposal was refused", outcome: "pending" }),
    readActFacts(deps, call, ctx.customerId, input.caseId, input.mode),
  ]);
  return { call, decisionId, why: "every proposal was refused", fresh };
}

/** Carries out the chosen call once; a definite provider refusal is recorded and handed to a person. */
async function carryOut(deps: Deps, input: DecideCaseInput, chosen: Chosen, gFacts: GuardFacts): Promise<DispatchResult> {
  const { ctx, caseId } = input;
  const keyBase = input.keyBase ?? `${ctx.eventId}:${chosen.call.name}`;
  try {
    return await dispatch(deps, { ctx, caseId, decisionId: chosen.decisionId, call: chosen.call, actor: gFacts.actor, actorName: input.proposed?.actorName, guard: gFacts, mode: input.mode, why: chosen.why, keyBase, attempt: input.attempt, campaign: input.campaign, fresh: chosen.fresh });
  } catch (err) {
    if (!isDefiniteProviderError(err)) throw err; // transient: the message is retried with the same keys
    const message = err instanceof Error ? err.message : String(err);
    await notifyTeam(deps, {
      text: `The agent could not ${describeCall(chosen.call)} for customer ${ctx.customerId}${caseId ? ` (case ${caseId})` : ""}: ${message}. Please take a look.`,
      ctx,
      caseId,
      decisionId: chosen.decisionId,
      idempotencyKey: `failed:${keyBase}`,
    });
    return { outcome: "failed", detail: `provider refused: ${message}` };
  }
}

export async function decideCase(deps: Deps, input: DecideCaseInput): Promise<CaseDecisionResult> {
  const { ctx } = input;
  // The facts for a new decision are read alongside; a resumed decision is gated again with them.
  const [earlier, facts] = await Promise.all([decisionsForEvent(deps.db, ctx.customerId, ctx.eventId), loadCaseFacts(deps, ctx, input.attempt, input.caseId)]);
  const pending = earlier.find((d) => d.outcome === "pending" && d.tool !== null);
  const newPm = input.newPaymentMethodSinceFailure === true;
  let chosen: Chosen;
  let actor: Actor;
  if (pending) {
    const r = resumed(pending);
    actor = r.actor;
    // A label set or a fraud case opened since the intent was recorded still holds.
    const standing = standingRefusal(r.call, guardFacts(facts, actor, newPm, input.origin));
    if (standing !== null && !standing.ok) {
      const outcome = standing.label !== null ? "skipped" : "rejected";
      const detail = `${standing.label !== null ? `skipped (label ${standing.label})` : "rejected"} on resume: ${standing.reason}`;
      await setDecisionOutcome(deps.db, r.decisionId, outcome, detail);
      return { outcome, tool: r.call.name, detail };
    }
    chosen = r;
  } else {
    actor = proposerActor(input);
    const choice = await choose(deps, input, facts);
    if ("skipped" in choice) return { outcome: "skipped", tool: choice.tool, detail: choice.skipped };
    if ("refused" in choice) return { outcome: "rejected", tool: choice.tool, detail: choice.refused };
    chosen = choice;
  }
  const result = await carryOut(deps, input, chosen, guardFacts(facts, actor, newPm, input.origin));
  await setDecisionOutcome(deps.db, chosen.decisionId, result.outcome, result.detail);
  log("info", "decision", { eventId: ctx.eventId, customerId: ctx.customerId, caseId: input.caseId, action: chosen.call.name, template: templateOf(chosen.call), mode: input.mode, outcome: result.outcome });
  return { outcome: result.outcome, tool: chosen.call.name, detail: result.detail };
}

/** A provider error that a retry cannot fix: a Stripe 4xx other than rate limiting. */
function isDefiniteProviderError(err: unknown): boolean {
  const e = err as { type?: string; statusCode?: number } | null;
  return typeof e?.type === "string" && e.type.startsWith("Stripe") && !isTransientStripeError(err);
}
