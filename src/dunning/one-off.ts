/**
 * @module one-off
 * One-off PaymentIntents (not tied to an invoice) get no Smart Retries, so the agent owns the retries.
 * Pure plan: first failure -> reminder + retry after PI_RETRY_DELAYS[0]; second -> ask for another payment
 * method (+ retry after PI_RETRY_DELAYS[1]); third consecutive failure -> a person. Hard declines are never
 * retried; fraud goes to a person; 3-D Secure asks the customer to confirm.
 */
import { HARD_DECLINE_REASONS, type FailureReason } from "../ingest/decline-codes.ts";
import type { RetryAdvice } from "./retry-advice.ts";
import type { ToolCall } from "./tools.ts";

export interface OneOffPlan {
  call: ToolCall;
  /** Seconds until the agent retries the PaymentIntent, or null for no retry. */
  retryAfterSeconds: number | null;
  why: string;
}

const email = (template_id: "soft_payment_reminder" | "card_update_request" | "authentication_required"): ToolCall => ({ name: "send_email", args: { template_id, variables: {} } });

export function planOneOff(reason: FailureReason, failures: number, retryDelaysSeconds: readonly number[], advice: RetryAdvice = { kind: "ok" }): OneOffPlan {
  const plan = planByReason(reason, failures, retryDelaysSeconds);
  if (plan.retryAfterSeconds === null || advice.kind === "ok") return plan;
  // The issuer's or the network's advice bounds the agent's own retry.
  if (advice.kind === "not_before") return { ...plan, retryAfterSeconds: Math.max(plan.retryAfterSeconds, advice.seconds), why: `${plan.why}; ${advice.why}` };
  if (advice.kind === "ask_customer") return { call: email("card_update_request"), retryAfterSeconds: null, why: `${advice.why}: ask the customer, no retry` };
  return { ...plan, retryAfterSeconds: null, why: `${plan.why}; no retry: ${advice.why}` };
}

function planByReason(reason: FailureReason, failures: number, retryDelaysSeconds: readonly number[]): OneOffPlan {
  if (reason === "fraud_suspected") {
    return { call: { name: "escalate_to_human", args: { reason: "One-off payment declined as suspected fraud; a person should review it." } }, retryAfterSeconds: null, why: "suspected fraud: never retried" };
  }
  if (failures >= 3) {
    return { call: { name: "escalate_to_human", args: { reason: `One-off payment failed ${failures} times in a row (${reason}).` } }, retryAfterSeconds: null, why: "third consecutive failure" };
  }
  if (reason === "authentication_required") return { call: email("authentication_required"), retryAfterSeconds: null, why: "the bank wants the customer to confirm" };
  if (HARD_DECLINE_REASONS.has(reason)) return { call: email("card_update_request"), retryAfterSeconds: null, why: `hard decline (${reason}): no retry, ask for another card` };
  const delay = retryDelaysSeconds[failures - 1] ?? null;
  if (failures === 1) return { call: email("soft_payment_reminder"), retryAfterSeconds: delay, why: "first failure: tell the customer, retry later" };
  return { call: email("card_update_request"), retryAfterSeconds: delay, why: "second failure: ask for another payment method" };
}
