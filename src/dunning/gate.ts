/**
 * @module gate
 * The one gate. Every side effect, whoever proposed it, passes `gate()`: the guards are applied to the proposal,
 * then again to each replacement a refusal names, until one passes or none is left. A replacement is never
 * executed unchecked (a guard's "send the 3-D Secure email instead" still meets the customer's labels). Pure.
 */
import type { Config } from "../config.ts";
import type { TeamLabel } from "../ledger/labels.ts";
import { checkCall, type GuardFacts } from "./guards.ts";
import type { ToolCall } from "./tools.ts";

/** A refused step of the chain: the call and why. `label` is set when a team label alone refused it. */
export interface RefusedStep {
  call: ToolCall;
  reason: string;
  label: TeamLabel | null;
}

export type GateResult =
  | { ok: true; call: ToolCall; refused: RefusedStep[] }
  /** `label`: the chain ended on a team label (a skip, not a problem for a person). */
  | { ok: false; refused: RefusedStep[]; label: TeamLabel | null };

/** Replacement chains are short (at most proposal -> email -> escalation); the cap only guards against cycles. */
const MAX_STEPS = 5;

export function gate(proposal: ToolCall, facts: GuardFacts, config: Config): GateResult {
  const refused: RefusedStep[] = [];
  const seen = new Set<string>();
  let call: ToolCall | null = proposal;
  while (call !== null && refused.length < MAX_STEPS) {
    const key = JSON.stringify(call);
    if (seen.has(key)) break;
    seen.add(key);
    const verdict = checkCall(call, facts, config);
    if (verdict.ok) return { ok: true, call, refused };
    refused.push({ call, reason: verdict.reason, label: verdict.label });
    call = verdict.replacement;
  }
  return { ok: false, refused, label: refused.at(-1)?.label ?? null };
}
