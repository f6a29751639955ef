/**
 * @module decide
 * One decision per case event: the model when configured (with the rules as fallback and, with
 * SHADOW_RULES, as a recorded second opinion), else the rules. Always exactly one proposed call.
 */
import type { GoogleGenAI } from "@google/genai";
import { askModel } from "./orchestrator.ts";
import { callsAgree, decideByRules, type DecisionInput, type PolicyConfig, type RuleId } from "./policy.ts";
import type { ToolCall } from "./tools.ts";

export interface Decision {
  call: ToolCall;
  decidedBy: "model" | "rules" | "fallback";
  model: string | null;
  rule: RuleId | null;
  why: string;
  /** "ok", or "rejected: <why>" when the model's proposal was invalid and replaced by an escalation. */
  validation: string;
  modelOutput: unknown;
  shadow: { tool: string | null; args: unknown; agree: boolean } | null;
  latencyMs: number;
}

export interface DecideOptions {
  gemini: { client: GoogleGenAI; model: string; timeoutMs: number } | null;
  shadowRules: boolean;
  policy: PolicyConfig;
  clock: () => number;
}

export async function decide(input: DecisionInput, options: DecideOptions): Promise<Decision> {
  const started = options.clock();
  const rules = decideByRules(input, options.policy);
  if (options.gemini === null) {
    return { call: rules.call, decidedBy: "rules", model: null, rule: rules.rule, why: rules.why, validation: "ok", modelOutput: null, shadow: null, latencyMs: options.clock() - started };
  }
  const outcome = await askModel(options.gemini, input, options.policy);
  const latencyMs = options.clock() - started;
  const model = options.gemini.model;
  if (outcome.kind === "failed") {
    return {
      call: rules.call,
      decidedBy: "fallback",
      model,
      rule: rules.rule,
      why: `model unavailable (${outcome.error}); rules decided: ${rules.why}`,
      validation: "ok",
      modelOutput: { error: outcome.error },
      shadow: null,
      latencyMs,
    };
  }
  const shadow = (call: ToolCall | null) =>
    options.shadowRules ? { tool: rules.call.name, args: rules.call.args, agree: call !== null && callsAgree(call, rules.call) } : null;
  if (outcome.kind === "invalid") {
    return {
      call: { name: "escalate_to_human", args: { reason: rejectedProposalReason(outcome.error, outcome.output) } },
      decidedBy: "model",
      model,
      rule: null,
      why: outcome.error,
      validation: `rejected: ${outcome.error}`,
      modelOutput: outcome.output,
      shadow: shadow(null),
      latencyMs,
    };
  }
  return { call: outcome.call, decidedBy: "model", model, rule: null, why: "model decision", validation: "ok", modelOutput: outcome.output, shadow: shadow(outcome.call), latencyMs };
}

/** The escalation text for a rejected model proposal, with what the model attempted (the tool's 500-char limit). */
export function rejectedProposalReason(error: string, output: unknown): string {
  const head = `The model's proposal was rejected (${error.slice(0, 160)}); please decide this case.`;
  const attempted = JSON.stringify(output) ?? "null";
  const room = 500 - head.length - " Attempted: ".length;
  return room > 20 ? `${head} Attempted: ${attempted.length > room ? `${attempted.slice(0, room - 1)}…` : attempted}` : head.slice(0, 500);
}
