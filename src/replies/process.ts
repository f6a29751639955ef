/**
 * @module replies/process
 * One customer reply, from the queue: the model (or, without one, the rules) proposes exactly one reply tool, and
 * the proposal enters the one gate through `decideCase` as a triggering event of its own (`reply:<id>`), so its
 * escalation is a new message in the case's Slack thread. The gate knows the proposal came from a reply
 * (`origin: "reply"`) and lets through only the reply tools; the rules' escalation is the fallback.
 */
import type { Mode } from "../constants.ts";
import type { Deps } from "../deps.ts";
import { contextFromCase } from "../dunning/case-context.ts";
import { decideCase } from "../dunning/decide-case.ts";
import type { ToolCall } from "../dunning/tools.ts";
import type { DunningContext } from "../ingest/context.ts";
import { formatMoney } from "../ingest/money.ts";
import { getCase, type CaseRow } from "../ledger/cases.ts";
import { getEvent } from "../ledger/events.ts";
import { getReply, setReplyAction } from "../ledger/replies.ts";
import { log, maskEmail } from "../log.ts";
import type { ReplyJob } from "../queue/messages.ts";
import { askReplyModel } from "./orchestrator.ts";
import { newPaymentMethodSinceFailure } from "./payment-check.ts";
import { firstLines } from "./text.ts";
import { gateCallOf, replySummary, type ReplyCall } from "./tools.ts";

/** What the proposer asks of the gate for one reply. */
interface ReplyProposal {
  /** The reply tool recorded on the reply (`case_replies.action`). */
  replyTool: string;
  summary: string;
  call: ToolCall;
  why: string;
  decidedBy: "model" | "rules";
  model: string | null;
  modelOutput: unknown;
  newPaymentMethodSinceFailure: boolean;
  keyBase?: string;
  ctx: DunningContext;
}

/** The rules: every human reply goes to a person, with its first lines. */
function rulesEscalation(job: ReplyJob): { call: ToolCall; summary: string } {
  const lines = job.text === null ? "(the message was too large to read here; it is in the support inbox)" : maskEmail(firstLines(job.text, 300)) || "(no text)";
  return { call: { name: "escalate_to_human", args: { reason: `The customer replied: "${lines}"`.slice(0, 500) } }, summary: lines };
}

async function replyContext(deps: Deps, row: CaseRow, eventId: string): Promise<DunningContext> {
  const ev = row.last_event_id === null ? null : await getEvent(deps.db, row.last_event_id);
  if (ev === null) return contextFromCase(row, eventId, deps.clock());
  const stored = JSON.parse(ev.context) as DunningContext;
  return { ...stored, eventId, failureReason: stored.failureReason ?? ((row.reason as DunningContext["failureReason"]) ?? "unknown"), declineCode: stored.declineCode ?? row.decline_code };
}

async function propose(deps: Deps, job: ReplyJob, row: CaseRow, ctx: DunningContext): Promise<ReplyProposal> {
  const rules = rulesEscalation(job);
  const byRules: ReplyProposal = { replyTool: "escalate_to_human", summary: rules.summary, call: rules.call, why: "rules: every human reply goes to a person", decidedBy: "rules", model: null, modelOutput: null, newPaymentMethodSinceFailure: false, ctx };
  if (deps.gemini === null || job.text === null || job.text.trim() === "") return byRules;
  const now = deps.clock();
  const outcome = await askReplyModel(deps.gemini, {
    reason: ctx.failureReason ?? row.reason ?? "unknown",
    amount: row.amount !== null && row.currency !== null ? formatMoney({ amount: row.amount, currency: row.currency }) : null,
    daysOpen: Math.max(0, Math.floor((now - row.opened_at) / 86400_000)),
    pausedUntil: row.paused_until != null && row.paused_until > now ? new Date(row.paused_until).toISOString() : null,
    subject: job.subject,
    text: job.text,
  });
  const model = deps.gemini.model;
  if (outcome.kind === "invalid") {
    log("warn", "reply.model_rejected", { replyId: job.replyId, caseId: row.id, error: outcome.error });
    return { ...byRules, why: `model answer not usable (${outcome.error}); rules: every human reply goes to a person`, decidedBy: "rules", modelOutput: outcome.output };
  }
  if (outcome.kind === "foreign") {
    // The model asked for something a reply never leads to: the gate refuses it on the record, then the rules act.
    return { ...byRules, replyTool: outcome.call.name, call: outcome.call, why: "model decision on a customer's reply", decidedBy: "model", model, modelOutput: outcome.output };
  }
  const base = { summary: maskEmail(replySummary(outcome.call)), why: "model decision on a customer's reply", decidedBy: "model" as const, model, modelOutput: outcome.output, newPaymentMethodSinceFailure: false, ctx };
  if (outcome.call.name !== "check_payment_method") return { ...base, replyTool: outcome.call.name, call: gateCallOf(outcome.call as Exclude<ReplyCall, { name: "check_payment_method" }>) };
  return checkPaymentMethod(deps, row, ctx, outcome.call.args.note, base);
}

/** "I updated my card": Stripe is read again; a new card pays the invoice once (the card-update pay-now path). */
async function checkPaymentMethod(deps: Deps, row: CaseRow, ctx: DunningContext, note: string, base: Omit<ReplyProposal, "replyTool" | "call">): Promise<ReplyProposal> {
  const pm = deps.stripe === null || row.kind !== "invoice" ? null : await newPaymentMethodSinceFailure(deps.stripe, ctx, row);
  if (pm === null) {
    const reason = `The customer says they updated their card, but Stripe shows no new payment method since the failure: ${maskEmail(note)}`.slice(0, 500);
    return { ...base, replyTool: "check_payment_method", call: { name: "escalate_to_human", args: { reason } } };
  }
  return {
    ...base,
    replyTool: "check_payment_method",
    call: { name: "request_stripe_smart_retry", args: { schedule: "retry_now" } },
    why: "the customer's reply says the card is updated and Stripe shows a new one: pay the invoice once now",
    newPaymentMethodSinceFailure: true,
    // The same key as the card-update webhook's pay-now: one payment, whichever arrives first.
    keyBase: `card-update:${row.id}:${pm}`,
    ctx: { ...ctx, newPaymentMethodId: pm },
  };
}

const ACTION_OF: Record<string, string> = { ignore_reply: "ignored", ignore: "ignored", request_stripe_smart_retry: "check_payment_method" };

export async function processReply(deps: Deps, job: ReplyJob, mode: Mode): Promise<void> {
  const reply = await getReply(deps.db, job.replyId);
  if (reply === null || (reply.action !== null && reply.action !== "pending")) return; // decided already (a redelivery)
  const row = await getCase(deps.db, job.caseId);
  if (row === null || row.status !== "open") {
    await setReplyAction(deps.db, job.replyId, "ignored", null);
    log("info", "reply.case_closed", { replyId: job.replyId, caseId: job.caseId, status: row?.status ?? "unknown" });
    return;
  }
  const ctx = await replyContext(deps, row, reply.event_id);
  const p = await propose(deps, job, row, ctx);
  const fallback = rulesEscalation(job);
  const r = await decideCase(deps, {
    ctx: p.ctx,
    caseId: row.id,
    attempt: row.attempt_count ?? row.failures,
    mode,
    origin: "reply",
    onRefusal: "escalate",
    newPaymentMethodSinceFailure: p.newPaymentMethodSinceFailure,
    ...(p.keyBase !== undefined ? { keyBase: p.keyBase } : {}),
    proposed: {
      call: p.call,
      why: p.why,
      decidedBy: p.decidedBy,
      model: p.model,
      modelOutput: p.modelOutput,
      ...(p.call.name === "escalate_to_human" ? {} : { fallback: { call: fallback.call, why: "rules after the reply's proposal was refused: every human reply goes to a person" } }),
    },
  });
  // What the reply led to: the reply tool when the gate let it through, else what ran instead.
  const tool = r.tool ?? "none";
  const action = tool === p.call.name ? p.replyTool : (ACTION_OF[tool] ?? tool);
  await setReplyAction(deps.db, job.replyId, ACTION_OF[action] ?? action, p.summary);
  log("info", "reply.decided", { replyId: job.replyId, caseId: row.id, customerId: row.customer_id, action, outcome: r.outcome });
}
