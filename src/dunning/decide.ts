/**
 * @module decide
 * One decision per case event: the model when configured (with the rules as fallback and, with SHADOW_RULES,
 * as a recorded second opinion), else the rules. Always exactly one proposed call, plus the rules' own call so
 * the caller can fall back to it when the gate refuses the model's proposal.
 */
import type { GoogleGenAI } from "@google/genai";
import { askModel } from "./orchestrator.ts";
import { callsAgree, decideByRules, type DecisionInput, type PolicyConfig, type PolicyDecision, type RuleId } from "./policy.ts";
import type { CaseToolset, ToolCall } from "./tools.ts";

export interface Decision {
  call: ToolCall;
  decidedBy: "model" | "rules" | "fallback";
  model: string | null;
  rule: RuleId | null;
  why: string;
  modelOutput: unknown;
  shadow: { tool: string | null; args: unknown; agree: boolean } | null;
  latencyMs: number;
  /** The rules' own decision (the fallback when the gate refuses the model's proposal). */
  rules: PolicyDecision;
  /** The model answered, but its answer cannot be carried out: recorded as rejected before `call` (the fallback). */
  rejectedModel: { error: string; output: unknown } | null;
}

export interface DecideOptions {
  gemini: { client: GoogleGenAI; model: string; timeoutMs: number } | null;
  shadowRules: boolean;
  policy: PolicyConfig;
  toolset: CaseToolset;
  clock: () => number;
}

export async function decide(input: DecisionInput, options: DecideOptions): Promise<Decision> {
  const started = options.clock();
  const rules = decideByRules(input, options.policy);
  const byRules = { call: rules.call, model: null, rule: rules.rule, why: rules.why, modelOutput: null, shadow: null, rules, rejectedModel: null };
  if (options.gemini === null) return { ...byRules, decidedBy: "rules", latencyMs: options.clock() - started };
  const outcome = await askModel(options.gemini, input, options.policy, options.toolset);
  const latencyMs = options.clock() - started;
  const model = options.gemini.model;
  const shadow = (call: ToolCall | null) =>
    options.shadowRules ? { tool: rules.call.name, args: rules.call.args, agree: call !== null && callsAgree(call, rules.call) } : null;
  switch (outcome.kind) {
    case "failed":
      return {
        ...byRules,
        decidedBy: "fallback",
        model,
        why: `model unavailable (${outcome.error}${outcome.finishReason ? `; finish reason ${outcome.finishReason}` : ""}); rules decided: ${rules.why}`,
        modelOutput: { error: outcome.error, finishReason: outcome.finishReason, ...(outcome.output ?? {}) },
        latencyMs,
      };
    case "invalid":
      return {
        ...byRules,
        decidedBy: "fallback",
        model,
        why: `model proposal rejected (${outcome.error}); rules decided: ${rules.why}`,
        modelOutput: outcome.output,
        shadow: shadow(null),
        latencyMs,
        rejectedModel: { error: outcome.error, output: outcome.output },
      };
    case "blocked":
      // A safety block says something about the case itself: a person looks at it, the rules do not guess.
      return {
        ...byRules,
        call: { name: "escalate_to_human", args: { reason: `The model's answer was blocked (${outcome.error}); please decide this case.` } },
        decidedBy: "fallback",
        model,
        rule: null,
        why: outcome.error,
        modelOutput: outcome.output,
        shadow: shadow(null),
        latencyMs,
        rejectedModel: { error: outcome.error, output: outcome.output },
      };
    case "call":
      return { call: outcome.call, decidedBy: "model", model, rule: null, why: "model decision", modelOutput: outcome.output, shadow: shadow(outcome.call), latencyMs, rules, rejectedModel: null };
  }
}
