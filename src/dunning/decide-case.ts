/**
 * @module decide-case
 * One case event -> one recorded decision -> at most one action. The proposal (model or rules) passes the
 * guards or is recorded as rejected (with a replacement escalation or note where one fits); the decision is
 * recorded before the effect (intent) and its outcome after. A retried message reuses its pending decision
 * instead of asking again, so a retry never turns into a different action.
 */
import { ltvThreshold } from "../config.ts";
import { WINBACK_COOLDOWN_SECONDS, type Mode } from "../constants.ts";
import type { Deps } from "../deps.ts";
import type { DunningContext } from "../ingest/context.ts";
import { log } from "../log.ts";
import { decisionsForCustomer, decisionsForEvent, insertDecision, setDecisionOutcome, type DecisionOutcome, type DecisionRow } from "../ledger/decisions.ts";
import { lastEmailAt, lastWinbackAt } from "../ledger/throttle.ts";
import { getCustomer } from "../ledger/customers.ts";
import { decide, type Decision } from "./decide.ts";
import { describeCall, dispatch, type DispatchResult } from "./dispatch.ts";
import { postSlack } from "../actions/slack.ts";
import { isTransientStripeError } from "../clients/stripe.ts";
import { checkCall } from "./guards.ts";
import type { DecisionInput, PolicyConfig } from "./policy.ts";
import { validateToolCall, type ToolCall } from "./tools.ts";

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
  };
}

export async function decisionInput(deps: Deps, ctx: DunningContext, attempt: number): Promise<DecisionInput> {
  const [recent, emailAt, winbackAt] = await Promise.all([
    decisionsForCustomer(deps.db, ctx.customerId, 10),
    lastEmailAt(deps.db, ctx.customerId),
    lastWinbackAt(deps.db, ctx.customerId),
  ]);
  return {
    context: ctx,
    attempt,
    now: deps.clock(),
    history: {
      lastEmailAt: emailAt,
      lastWinbackAt: winbackAt,
      lastActions: recent.filter((d) => d.tool !== null).map((d) => ({ tool: d.tool ?? "", templateId: d.template_id, at: d.created_at, outcome: d.outcome })),
    },
  };
}

const templateOf = (call: ToolCall) => (call.name === "send_email" ? call.args.template_id : call.name === "offer_winback_discount" ? "winback_offer" : null);

export interface DecideCaseInput {
  ctx: DunningContext;
  caseId: string | null;
  attempt: number;
  mode: Mode;
  newPaymentMethodSinceFailure?: boolean;
  /** Base of the action's idempotency keys; default: event id + tool. */
  keyBase?: string;
  /** A lifecycle step that already knows its action (it still passes the guards). */
  proposed?: { call: ToolCall; why: string; decidedBy: "lifecycle" };
}

/** The call that will be carried out, recorded as a pending decision. */
interface Chosen {
  call: ToolCall;
  decisionId: number;
  why: string;
}

/** A retried message resumes its own pending decision instead of asking again. */
function resumed(pending: DecisionRow): Chosen {
  const revalidated = validateToolCall(pending.tool, pending.args === null ? {} : JSON.parse(pending.args));
  if (!revalidated.ok) throw new Error(`pending decision ${pending.id} no longer validates: ${revalidated.error}`);
  return { call: revalidated.call, decisionId: pending.id, why: pending.reason ?? "" };
}

/**
 * Asks the orchestrator (or takes the lifecycle's proposal), runs the guards, and records the outcome: the
 * proposal as pending, or as rejected plus the guard's replacement as pending; `refused` when no replacement fits.
 */
async function choose(deps: Deps, input: DecideCaseInput, history: DecisionInput, doNotContact: boolean): Promise<Chosen | { refused: string }> {
  const { ctx } = input;
  const decision: Decision = input.proposed
    ? { call: input.proposed.call, decidedBy: "rules", model: null, rule: null, why: input.proposed.why, validation: "ok", modelOutput: null, shadow: null, latencyMs: 0 }
    : await decide(history, { gemini: deps.gemini, shadowRules: deps.config.shadowRules, policy: policyConfig(deps, ctx), clock: deps.clock });
  const base = {
    eventId: ctx.eventId,
    caseId: input.caseId,
    customerId: ctx.customerId,
    decidedBy: input.proposed ? ("lifecycle" as const) : decision.decidedBy,
    model: decision.model,
    rule: decision.rule === null ? null : `R${decision.rule}`,
    mode: input.mode,
    modelOutput: decision.modelOutput,
    shadow: decision.shadow,
    latencyMs: decision.latencyMs,
  };
  const record = (call: ToolCall | null, over: { validation: string; reason: string; outcome: "pending" | "rejected" }) =>
    insertDecision(deps.db, { ...base, tool: call?.name ?? null, args: call?.args ?? null, templateId: call ? templateOf(call) : null, ...over }, deps.clock());

  // An invalid model proposal never executes: it is recorded with the model's output and goes to a person.
  if (decision.validation !== "ok") {
    await record(null, { validation: decision.validation, reason: decision.why, outcome: "rejected" });
    const why = `replacement after ${decision.validation}`;
    const decisionId = await insertDecision(deps.db, { ...base, decidedBy: "guard", model: null, rule: null, modelOutput: null, shadow: null, tool: decision.call.name, args: decision.call.args, templateId: null, validation: "ok", reason: why, outcome: "pending" }, deps.clock());
    return { call: decision.call, decisionId, why };
  }
  const verdict = checkCall(
    decision.call,
    { ctx, actor: "agent", newPaymentMethodSinceFailure: input.newPaymentMethodSinceFailure === true, lastWinbackAt: history.history.lastWinbackAt, now: history.now, doNotContact },
    deps.config,
  );
  if (verdict.ok) return { call: decision.call, decisionId: await record(decision.call, { validation: "ok", reason: decision.why, outcome: "pending" }), why: decision.why };
  const rejection = `rejected: ${verdict.reason}`;
  await record(decision.call, { validation: rejection, reason: decision.why, outcome: "rejected" });
  if (verdict.replacement === null) return { refused: rejection };
  const why = `replacement after ${rejection}`;
  const call = verdict.replacement;
  const decisionId = await insertDecision(deps.db, { ...base, decidedBy: "guard", model: null, rule: null, modelOutput: null, shadow: null, tool: call.name, args: call.args, templateId: templateOf(call), validation: "ok", reason: why, outcome: "pending" }, deps.clock());
  return { call, decisionId, why };
}

/** Carries out the chosen call once; a definite provider refusal is recorded and handed to a person. */
async function carryOut(deps: Deps, input: DecideCaseInput, chosen: Chosen): Promise<DispatchResult> {
  const { ctx, caseId } = input;
  const keyBase = input.keyBase ?? `${ctx.eventId}:${chosen.call.name}`;
  try {
    return await dispatch(deps, { ctx, caseId, decisionId: chosen.decisionId, call: chosen.call, actor: "agent", mode: input.mode, why: chosen.why, keyBase, attempt: input.attempt });
  } catch (err) {
    if (!isDefiniteProviderError(err)) throw err; // transient: the message is retried with the same keys
    const message = err instanceof Error ? err.message : String(err);
    await postSlack(deps, {
      text: `The agent could not ${describeCall(chosen.call)} for customer ${ctx.customerId}${caseId ? ` (case ${caseId})` : ""}: ${message}. Please take a look.`,
      blocks: null,
      eventId: ctx.eventId,
      caseId,
      customerId: ctx.customerId,
      decisionId: chosen.decisionId,
      idempotencyKey: `failed:${keyBase}`,
    });
    return { outcome: "failed", detail: `provider refused: ${message}` };
  }
}

export async function decideCase(deps: Deps, input: DecideCaseInput): Promise<CaseDecisionResult> {
  const { ctx } = input;
  // The history for a new decision is read alongside; it is simply unused when a decision is resumed.
  const [earlier, history, customer] = await Promise.all([decisionsForEvent(deps.db, ctx.customerId, ctx.eventId), decisionInput(deps, ctx, input.attempt), getCustomer(deps.db, ctx.customerId)]);
  const pending = earlier.find((d) => d.outcome === "pending" && d.tool !== null);
  const chosen = pending ? resumed(pending) : await choose(deps, input, history, customer?.state_label === "do_not_contact");
  if ("refused" in chosen) return { outcome: "rejected", tool: null, detail: chosen.refused };
  const result = await carryOut(deps, input, chosen);
  await setDecisionOutcome(deps.db, chosen.decisionId, result.outcome, result.detail);
  log("info", "decision", { eventId: ctx.eventId, customerId: ctx.customerId, caseId: input.caseId, action: chosen.call.name, template: templateOf(chosen.call), mode: input.mode, outcome: result.outcome });
  return { outcome: result.outcome, tool: chosen.call.name, detail: result.detail };
}

/** A provider error that a retry cannot fix: a Stripe 4xx other than rate limiting. */
function isDefiniteProviderError(err: unknown): boolean {
  const e = err as { type?: string; statusCode?: number } | null;
  return typeof e?.type === "string" && e.type.startsWith("Stripe") && !isTransientStripeError(err);
}
