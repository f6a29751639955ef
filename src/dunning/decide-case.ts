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
import { decisionsForCustomer, decisionsForEvent, insertDecision, setDecisionOutcome, type DecisionOutcome } from "../ledger/decisions.ts";
import { lastEmailAt, lastWinbackAt } from "../ledger/throttle.ts";
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

export async function decideCase(
  deps: Deps,
  input: { ctx: DunningContext; caseId: string | null; attempt: number; mode: Mode; newPaymentMethodSinceFailure?: boolean; keyBase?: string; proposed?: { call: ToolCall; why: string; decidedBy: "lifecycle" } },
): Promise<CaseDecisionResult> {
  const { ctx, caseId, attempt, mode } = input;
  // A retried message resumes its own pending decision.
  // (The history for a new decision is read alongside; it is simply unused when a decision is resumed.)
  const [earlier, history] = await Promise.all([decisionsForEvent(deps.db, ctx.eventId), decisionInput(deps, ctx, attempt)]);
  const pending = earlier.find((d) => d.outcome === "pending" && d.tool !== null);
  let call: ToolCall;
  let decisionId: number;
  let why: string;
  if (pending) {
    const revalidated = validateToolCall(pending.tool, pending.args === null ? {} : JSON.parse(pending.args));
    if (!revalidated.ok) throw new Error(`pending decision ${pending.id} no longer validates: ${revalidated.error}`);
    call = revalidated.call;
    decisionId = pending.id;
    why = pending.reason ?? "";
  } else {
    const dInput = history;
    const policy = policyConfig(deps, ctx);
    const decision: Decision = input.proposed
      ? { call: input.proposed.call, decidedBy: "rules", model: null, rule: null, why: input.proposed.why, validation: "ok", modelOutput: null, shadow: null, latencyMs: 0 }
      : await decide(dInput, { gemini: deps.gemini, shadowRules: deps.config.shadowRules, policy, clock: deps.clock });
    const decidedBy = input.proposed ? "lifecycle" : decision.decidedBy;
    call = decision.call;
    why = decision.why;
    const base = {
      eventId: ctx.eventId,
      caseId,
      customerId: ctx.customerId,
      model: decision.model,
      rule: decision.rule === null ? null : `R${decision.rule}`,
      mode,
      modelOutput: decision.modelOutput,
      shadow: decision.shadow,
      latencyMs: decision.latencyMs,
    };
    const verdict = checkCall(call, { ctx, actor: "agent", newPaymentMethodSinceFailure: input.newPaymentMethodSinceFailure === true, lastWinbackAt: dInput.history.lastWinbackAt, now: dInput.now }, deps.config);
    if (decision.validation !== "ok" || !verdict.ok) {
      // The proposal itself is recorded as rejected, with why.
      const rejection = decision.validation !== "ok" ? decision.validation : `rejected: ${verdict.ok ? "" : verdict.reason}`;
      await insertDecision(
        deps.db,
        { ...base, decidedBy, tool: decision.validation !== "ok" ? null : call.name, args: decision.validation !== "ok" ? null : call.args, templateId: decision.validation !== "ok" ? null : templateOf(call), validation: rejection, reason: why, outcome: "rejected" },
        deps.clock(),
      );
      const replacement = decision.validation !== "ok" ? call : verdict.ok ? null : verdict.replacement;
      if (replacement === null) return { outcome: "rejected", tool: null, detail: rejection };
      call = replacement;
      why = `replacement after ${rejection}`;
      decisionId = await insertDecision(deps.db, { ...base, decidedBy: "guard", model: null, rule: null, modelOutput: null, shadow: null, tool: call.name, args: call.args, templateId: templateOf(call), validation: "ok", reason: why, outcome: "pending" }, deps.clock());
    } else {
      decisionId = await insertDecision(deps.db, { ...base, decidedBy, tool: call.name, args: call.args, templateId: templateOf(call), validation: "ok", reason: why, outcome: "pending" }, deps.clock());
    }
  }
  const keyBase = input.keyBase ?? `${ctx.eventId}:${call.name}`;
  let result: DispatchResult;
  try {
    result = await dispatch(deps, { ctx, caseId, decisionId, call, actor: "agent", mode, why, keyBase, attempt });
  } catch (err) {
    if (!isDefiniteProviderError(err)) throw err; // transient: the message is retried with the same keys
    // A definite refusal (e.g. Stripe 4xx) will not change on retry: record it and tell a person.
    const message = err instanceof Error ? err.message : String(err);
    result = { outcome: "failed", detail: `provider refused: ${message}` };
    await postSlack(deps, {
      text: `The agent could not ${describeCall(call)} for customer ${ctx.customerId}${caseId ? ` (case ${caseId})` : ""}: ${message}. Please take a look.`,
      blocks: null,
      eventId: ctx.eventId,
      caseId,
      customerId: ctx.customerId,
      decisionId,
      idempotencyKey: `failed:${keyBase}`,
    });
  }
  await setDecisionOutcome(deps.db, decisionId, result.outcome, result.detail);
  log("info", "decision", { eventId: ctx.eventId, customerId: ctx.customerId, caseId, action: call.name, template: templateOf(call), mode, outcome: result.outcome });
  return { outcome: result.outcome, tool: call.name, detail: result.detail };
}

/** A provider error that a retry cannot fix: a Stripe 4xx other than rate limiting. */
function isDefiniteProviderError(err: unknown): boolean {
  const e = err as { type?: string; statusCode?: number } | null;
  return typeof e?.type === "string" && e.type.startsWith("Stripe") && !isTransientStripeError(err);
}
