/**
 * @module act-facts
 * What the dispatcher and the executors read again right before a side effect (the kill switch, the case still open,
 * the team's labels, the fraud history), read for the chosen call while its intent is recorded: the same reads at
 * the same point (after the decision, before the effect), in the intent's round trip instead of two more.
 */
import type { Mode } from "../constants.ts";
import type { Deps } from "../deps.ts";
import { getCase, type CaseRow } from "../ledger/cases.ts";
import { hasFraudHistory, labelsOf, type RefusalReads } from "../ledger/labels.ts";
import { effectsForCustomer, type EffectRow } from "../ledger/side-effects.ts";
import { readMode } from "../mode.ts";
import type { ToolCall } from "./tools.ts";

export interface ActFacts {
  /** The mode read from KV for this act (a live batch only). */
  mode?: Mode;
  /** The case as it is now (customer-facing calls and escalations). */
  caseRow?: CaseRow | null;
  /** Labels and fraud history (emails and offers). */
  refusal?: RefusalReads;
  /** The customer's recent side effects, for the escalation's "already done" list. */
  recentEffects?: EffectRow[];
}

/** Calls the dispatcher re-checks against the case (a paid or closed case is never chased). */
export const CUSTOMER_FACING = new Set(["send_email", "offer_winback_discount", "request_stripe_smart_retry", "retry_payment_intent", "send_trial_email"]);
/** Tools that email the customer (held by the mass-failure brake; their executors check labels and fraud). */
export const EMAILS = new Set(["send_email", "offer_winback_discount", "send_trial_email"]);
/** Tools that only change our own ledger and contact no one: a person's call is recorded in every mode. */
export const LEDGER_ONLY = new Set(["mark_case_lost"]);

/** How many of the customer's latest side effects an escalation lists. */
export const RECENT_EFFECTS = 10;

export async function readActFacts(deps: Deps, call: ToolCall, customerId: string, caseId: string | null, batchMode: Mode): Promise<ActFacts> {
  const wantsMode = batchMode === "live" && !LEDGER_ONLY.has(call.name);
  const wantsCase = caseId !== null && (CUSTOMER_FACING.has(call.name) || call.name === "escalate_to_human" || call.name === "note_cancel_intent");
  const wantsRefusal = EMAILS.has(call.name);
  const wantsEffects = call.name === "escalate_to_human" || call.name === "note_cancel_intent";
  const now = deps.clock();
  const [mode, caseRow, labels, fraud, recentEffects] = await Promise.all([
    wantsMode ? readMode(deps.kv, deps.config.defaultMode) : undefined,
    wantsCase && caseId !== null ? getCase(deps.db, caseId) : undefined,
    wantsRefusal ? labelsOf(deps.db, customerId) : undefined,
    wantsRefusal ? hasFraudHistory(deps.db, customerId, now) : undefined,
    wantsEffects ? effectsForCustomer(deps.db, customerId, RECENT_EFFECTS) : undefined,
  ]);
  return {
    ...(mode !== undefined ? { mode } : {}),
    ...(caseRow !== undefined ? { caseRow } : {}),
    ...(labels !== undefined && fraud !== undefined ? { refusal: { labels, fraud } } : {}),
    ...(recentEffects !== undefined ? { recentEffects } : {}),
  };
}
