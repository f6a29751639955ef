/**
 * @module dispatch
 * Executes one gated call as one action (which may be several provider calls: a winback is a coupon, a code and
 * an email). The only module that imports `src/actions/*` (a test holds that line): every side effect, whoever
 * proposed it, comes through here after `gate.ts`. Mode decides whether it executes; the mode is read again right
 * before the side effect; the case and the Stripe object are re-checked so a paid or closed case is never chased;
 * the executors refuse on their own what they must never do (`actions/refusal.ts`).
 */
import { MAIL_THROTTLE_SECONDS, type Mode } from "../constants.ts";
import type { Deps } from "../deps.ts";
import type { DunningContext } from "../ingest/context.ts";
import { log } from "../log.ts";
import { isTransientStripeError } from "../clients/stripe.ts";
import { closeCase, getCase, markEscalated, setNextStep, setSlackThread, type CaseRow } from "../ledger/cases.ts";
import { closeRecovered } from "../ledger/recoveries.ts";
import { pauseCampaign, stopReminders } from "../ledger/campaign-pause.ts";
import type { DecisionOutcome } from "../ledger/decisions.ts";
import { effectsForCustomer, type EffectRow } from "../ledger/side-effects.ts";
import { scheduleJob } from "../ledger/jobs.ts";
import { accessOf } from "../ledger/access.ts";
import { claimEmailSlot, claimWinback, recordWinbackCodes, releaseWinback } from "../ledger/throttle.ts";
import { readMode } from "../mode.ts";
import { sendTemplateEmail } from "../actions/email.ts";
import { ExecutorRefusal, assertMayAct } from "../actions/refusal.ts";
import { escalationBlocks } from "../actions/slack-blocks.ts";
import { postSlack, type SlackPost, type SlackPostResult } from "../actions/slack.ts";
import { writeCustomerState } from "../actions/state.ts";
import { createWinbackCodes, requestInvoiceRetry, retryPaymentIntent, stopInvoiceRetries } from "../actions/stripe.ts";
import { checkCall, type Actor, type GuardFacts } from "./guards.ts";
import { brakeState, type BrakeState } from "../ops/brake.ts";
import type { ToolCall } from "./tools.ts";
import { CUSTOMER_FACING, EMAILS, RECENT_EFFECTS, type ActFacts } from "./act-facts.ts";
import { WARNING_NOTICE_MS, type StepId } from "../campaign/plan.ts";
import { customerWindow, isInside, nextOpening, type SendWindow } from "../campaign/send-window.ts";
import { markWarned } from "../ledger/campaign.ts";

/** The customer's send window for this email: 09:00-19:00 on their clock, 08:00-21:00 for 3-D Secure. */
export function emailWindow(deps: Deps, ctx: DunningContext, call: ToolCall): SendWindow {
  const kind = call.name === "send_email" && call.args.template_id === "authentication_required" ? "authentication" : "standard";
  return customerWindow(ctx, kind, deps.config.defaultTimezone);
}

export interface DispatchInput {
  ctx: DunningContext;
  caseId: string | null;
  decisionId: number;
  call: ToolCall;
  actor: Actor;
  actorName?: string | undefined;
  /** The facts the gate decided on (the escalation's buttons are offered only where a person's click may pass). */
  guard: GuardFacts;
  /** The mode read at the start of the batch. */
  mode: Mode;
  why: string;
  /** Base of every idempotency key of this action: event id + tool (or the Slack action id). */
  keyBase: string;
  attempt: number;
  /** The campaign step this action carries out; `dated`: the email names the restriction date and freezes it. */
  campaign?: { step: StepId; dated: boolean } | undefined;
  /** The re-checks read for this act while its intent was recorded (act-facts.ts); read here when absent. */
  fresh?: ActFacts | undefined;
}

export interface DispatchResult {
  outcome: DecisionOutcome;
  detail: string;
}


export function describeCall(call: ToolCall): string {
  switch (call.name) {
    case "send_email":
      return `send email "${call.args.template_id}"`;
    case "post_slack":
      return `post to Slack: "${call.args.text.slice(0, 120)}"`;
    case "update_customer_state":
      return `set customer state "${call.args.state}" (${call.args.note})`;
    case "request_stripe_smart_retry":
      return `Stripe retry: ${call.args.schedule}`;
    case "offer_winback_discount":
      return `winback ${call.args.percent_off}% for ${call.args.valid_days} days`;
    case "escalate_to_human":
      return `escalate to a human: ${call.args.reason}`;
    case "send_trial_email":
      return `send the trial-ending email (${call.args.engaged ? "engaged" : "lapsed"})`;
    case "retry_payment_intent":
      return `retry PaymentIntent ${call.args.payment_intent_id}${call.args.payment_method_id !== undefined ? ` with the new card ${call.args.payment_method_id}` : ""}`;
    case "mark_case_lost":
      return `mark the case lost (${call.args.note})`;
    case "pause_campaign":
      return `pause the reminders for ${call.args.days} day(s) (${call.args.note})`;
    case "note_cancel_intent":
      return `stop the reminders and ask a person: the customer wants to cancel (${call.args.summary})`;
    case "ignore_reply":
      return `ignore the reply (${call.args.reason})`;
    case "stop_stripe_retries":
      return `stop Stripe's retries of the invoice (${call.args.note})`;
  }
}

/**
 * A note for the team (a provider refusal, an ops alert). Within a case it goes into the case's Slack thread.
 * Team notes reach no customer: no gate has anything to refuse them, and they stay posted once per key.
 */
export async function notifyTeam(
  deps: Deps,
  note: { text: string; ctx: Pick<DunningContext, "eventId" | "customerId">; caseId: string | null; decisionId: number | null; idempotencyKey: string; blocks?: unknown[] | null },
): Promise<SlackPostResult> {
  return postInCaseThread(deps, { text: note.text, blocks: note.blocks ?? null, eventId: note.ctx.eventId, caseId: note.caseId, customerId: note.ctx.customerId, decisionId: note.decisionId, idempotencyKey: note.idempotencyKey });
}

/** Posts into the case's thread when it has one; the first post of a case starts the thread. */
async function postInCaseThread(deps: Deps, post: SlackPost, caseRow?: CaseRow | null): Promise<SlackPostResult> {
  const row = post.caseId === null ? null : caseRow !== undefined ? caseRow : await getCase(deps.db, post.caseId);
  const threadTs = row?.slack_thread_ts ?? null;
  const r = await postSlack(deps, { ...post, threadTs });
  if (threadTs === null && post.caseId !== null && r.ts !== null && !r.skipped) await setSlackThread(deps.db, post.caseId, r.ts);
  return r;
}

/** Is the case still worth acting on? Ledger always; the Stripe object too when a key is configured. */
async function staleReason(deps: Deps, ctx: DunningContext, caseId: string | null, read?: CaseRow | null): Promise<string | null> {
  if (caseId === null) return null;
  const row = read !== undefined ? read : await getCase(deps.db, caseId);
  if (row !== null && row.status !== "open") return `case already ${row.status}`;
  if (deps.stripe === null) return null;
  try {
    return await stripeStaleReason(deps, ctx, caseId, row);
  } catch (err) {
    if (isTransientStripeError(err)) throw err; // retried: never act on a state we could not check
    log("warn", "dispatch.stale_check_failed", { eventId: ctx.eventId, caseId, error: err instanceof Error ? err.message : String(err) });
    return null;
  }
}

async function stripeStaleReason(deps: Deps, ctx: DunningContext, caseId: string, row: CaseRow | null): Promise<string | null> {
  if (deps.stripe === null) return null;
  if (row?.kind === "payment_intent" || (ctx.invoiceId === null && ctx.paymentIntentId !== null)) {
    const pi = await deps.stripe.paymentIntents.retrieve(caseId);
    if (pi.status === "succeeded" || pi.status === "canceled") {
      const closing = { caseId, customerId: ctx.customerId, kind: "payment_intent" as const, reason: `payment_intent ${pi.status} (seen before acting)`, eventId: ctx.eventId };
      if (pi.status === "succeeded") await closeRecovered(deps.db, closing, { occurredAt: deps.clock(), seenAt: deps.clock(), amount: pi.amount_received, currency: pi.currency, attemptCount: null }, deps.clock());
      else await closeCase(deps.db, { ...closing, status: "lost" }, deps.clock());
      return `payment already ${pi.status}`;
    }
    return null;
  }
  const invoice = await deps.stripe.invoices.retrieve(caseId);
  if (invoice.status === "paid" || invoice.status === "void") {
    const closing = { caseId, customerId: ctx.customerId, kind: "invoice" as const, reason: `invoice ${invoice.status} (seen before acting)`, eventId: ctx.eventId };
    const paidAt = invoice.status_transitions?.paid_at;
    if (invoice.status === "paid") await closeRecovered(deps.db, closing, { occurredAt: typeof paidAt === "number" ? paidAt * 1000 : deps.clock(), seenAt: deps.clock(), amount: invoice.amount_paid, currency: invoice.currency, attemptCount: invoice.attempt_count }, deps.clock());
    else await closeCase(deps.db, { ...closing, status: "lost" }, deps.clock());
    return `invoice already ${invoice.status}`;
  }
  return null;
}

async function alreadyDone(deps: Deps, customerId: string, read?: EffectRow[]): Promise<string[]> {
  const effects = read ?? (await effectsForCustomer(deps.db, customerId, RECENT_EFFECTS));
  return effects.filter((e) => e.status === "succeeded").map((e) => `${e.kind} ${e.operation} (${new Date(e.created_at).toISOString().slice(0, 16).replace("T", " ")})`);
}

/** Posts "would do X" (Slack or the outbox) instead of doing it. */
export async function dryRunNote(
  deps: Deps,
  input: { ctx: DunningContext; caseId: string | null; decisionId: number | null; keyBase: string },
  what: string,
  why: string,
): Promise<DispatchResult> {
  const text = `[${why}] Would ${what} for customer ${input.ctx.customerId}${input.caseId ? ` (case ${input.caseId})` : ""}.`;
  await postSlack(deps, { text, blocks: null, eventId: input.ctx.eventId, caseId: input.caseId, customerId: input.ctx.customerId, decisionId: input.decisionId, idempotencyKey: `dryrun:${input.keyBase}` });
  return { outcome: "dry_run", detail: text };
}

/** System tools count as the model tool they resemble in LIVE_TOOLS (a trial email is an email, a PI retry a retry). */
const LIVE_TOOLS_FAMILY: Record<string, string> = { send_trial_email: "send_email", retry_payment_intent: "request_stripe_smart_retry" };

export type Gate = { kind: "execute" } | { kind: "parked" } | { kind: "observe" } | { kind: "dry_run"; why: string };

/**
 * Whether a side effect may run now: the batch's mode, read again from KV right before the effect when
 * live, and LIVE_TOOLS (tools outside it behave as dry run).
 */
export async function modeGate(deps: Deps, batchMode: Mode, tool: string, read?: Mode): Promise<Gate> {
  const mode = batchMode === "live" ? (read ?? (await readMode(deps.kv, deps.config.defaultMode))) : batchMode;
  if (mode === "off") return { kind: "parked" };
  if (mode === "observe") return { kind: "observe" };
  if (mode === "dry_run") return { kind: "dry_run", why: "dry run" };
  const family = LIVE_TOOLS_FAMILY[tool] ?? tool;
  if (deps.config.liveTools !== null && !deps.config.liveTools.has(family)) return { kind: "dry_run", why: `LIVE_TOOLS excludes ${family}` };
  return { kind: "execute" };
}

export async function dispatch(deps: Deps, input: DispatchInput): Promise<DispatchResult> {
  try {
    return await execute(deps, input);
  } catch (err) {
    if (!(err instanceof ExecutorRefusal)) throw err;
    log("warn", "dispatch.executor_refused", { eventId: input.ctx.eventId, customerId: input.ctx.customerId, tool: input.call.name, reason: err.reason });
    return err.label !== null ? { outcome: "skipped", detail: `skipped (label ${err.label}): ${err.reason}` } : { outcome: "rejected", detail: err.message };
  }
}

async function execute(deps: Deps, input: DispatchInput): Promise<DispatchResult> {
  const { ctx, call } = input;
  if (call.name === "mark_case_lost") return markLost(deps, input, call.args.note);
  const gate = await modeGate(deps, input.mode, call.name, input.fresh?.mode);
  if (gate.kind === "parked") return { outcome: "parked", detail: "kill switch on before the side effect" };
  if (gate.kind === "observe") return { outcome: "observed", detail: `observe mode: would ${describeCall(call)}` };
  if (gate.kind === "dry_run") return dryRunNote(deps, input, describeCall(call), gate.why);

  if (CUSTOMER_FACING.has(call.name)) {
    const stale = await staleReason(deps, ctx, input.caseId, input.fresh?.caseRow);
    if (stale !== null) return { outcome: "superseded", detail: stale };
  }
  if (EMAILS.has(call.name)) {
    // A processor outage must not email every customer: with the brake on, emails wait (reconsidered in an hour).
    const brake = await brakeState(deps.db, deps.kv, deps.config, deps.clock());
    if (brake.engaged) return held(deps, input, brake);
    // Never at night: outside the customer's window the same email is sent, unchanged, when it opens.
    const win = emailWindow(deps, ctx, call);
    const now = deps.clock();
    if (deps.config.sendWindows && !isInside(now, win)) {
      const at = nextOpening(now, win);
      await reconsiderAt(deps, input, at, `outside the customer's send window ${win.label} ${win.zone}`);
      log("info", "dispatch.send_window", { eventId: ctx.eventId, customerId: ctx.customerId, zone: win.zone, sendAt: at });
      return { outcome: "throttled", detail: `outside the customer's send window (${win.label} ${win.zone}): sent unchanged at ${new Date(at).toISOString()}` };
    }
  }

  switch (call.name) {
    case "send_email": {
      // A dated notice (the final warning; for trials and 3-D Secure their own last email) names the day access ends:
      // the grace end, at least 48 h from now, frozen by sending it (the email and the access endpoint agree).
      const dated = call.args.template_id === "final_warning" || input.campaign?.dated === true;
      const warnAt = deps.clock();
      const graceUntil = dated ? await datedGraceEnd(deps, ctx, input.caseId, warnAt) : null;
      const accessEndsAt = graceUntil !== null && graceUntil > warnAt ? graceUntil : null;
      const throttleExempt = call.args.template_id === "authentication_required" && ctx.subscriptionStatus === "incomplete";
      const r = await sendTemplateEmail(deps, { ctx, caseId: input.caseId, decisionId: input.decisionId, templateId: call.args.template_id, tone: call.args.variables.tone, accessEndsAt, throttleExempt, checked: input.fresh?.refusal, caseRow: input.fresh?.caseRow });
      if (r.status === "throttled") return throttled(deps, input, r.availableAt);
      if (dated && input.caseId !== null) await markWarned(deps.db, input.caseId, warnAt, WARNING_NOTICE_MS);
      if (input.caseId) await setNextStep(deps.db, input.caseId, `wait for the customer (${call.args.template_id} sent)`, deps.clock());
      return { outcome: "executed", detail: `email ${call.args.template_id} via ${r.via} to ${r.to}${r.sandboxed ? " (sandbox)" : ""}${r.skipped ? " (already sent)" : ""}` };
    }
    case "post_slack": {
      const r = await postInCaseThread(deps, { text: call.args.text, blocks: null, eventId: ctx.eventId, caseId: input.caseId, customerId: ctx.customerId, decisionId: input.decisionId, idempotencyKey: `slack:${input.keyBase}` });
      return { outcome: "executed", detail: `slack note via ${r.via}` };
    }
    case "escalate_to_human":
      return escalate(deps, input, call.args.reason, {});
    case "note_cancel_intent": {
      if (input.caseId !== null) await stopReminders(deps.db, input.caseId, deps.clock());
      const r = await escalate(deps, input, `The customer wants to cancel: ${call.args.summary}`, { wantsToCancel: true });
      return { outcome: r.outcome, detail: `reminders stopped; ${r.detail}` };
    }
    case "pause_campaign": {
      if (input.caseId === null) return { outcome: "rejected", detail: "a pause needs its case" };
      const now = deps.clock();
      const paused = await pauseCampaign(deps.db, input.caseId, now + call.args.days * 86400_000, now);
      if (paused === null) return { outcome: "rejected", detail: "no such case" };
      const until = new Date(paused.pausedUntil).toISOString().slice(0, 10);
      await setNextStep(deps.db, input.caseId, `reminders paused until ${new Date(paused.pausedUntil).toISOString()} (the customer's reply)`, now);
      // The team sees what the reply led to in the case's thread; no one is paged for it.
      await postInCaseThread(deps, { text: `Reply from the customer: ${call.args.note} Reminders paused until ${until}${paused.graceUntil !== null ? `; access grace now ends ${new Date(paused.graceUntil).toISOString().slice(0, 10)}` : ""}.`, blocks: null, eventId: ctx.eventId, caseId: input.caseId, customerId: ctx.customerId, decisionId: input.decisionId, idempotencyKey: `reply-note:${ctx.eventId}` });
      return { outcome: "executed", detail: `reminders paused until ${until}${paused.graceUntil !== null ? `; grace until ${new Date(paused.graceUntil).toISOString()}` : ""}` };
    }
    case "ignore_reply":
      return { outcome: "executed", detail: `reply ignored: ${call.args.reason}` };
    case "stop_stripe_retries": {
      if (deps.stripe === null || ctx.invoiceId === null) return { outcome: "rejected", detail: "no Stripe key or no invoice: nothing to stop" };
      await stopInvoiceRetries(deps, deps.stripe, ctx, { invoiceId: ctx.invoiceId, caseId: input.caseId, decisionId: input.decisionId, keyBase: input.keyBase });
      if (input.caseId) await setNextStep(deps.db, input.caseId, `Stripe's retries stopped by a person (${call.args.note})`, deps.clock());
      return { outcome: "executed", detail: "Stripe's automatic retries stopped for the invoice (auto_advance off)" };
    }
    case "update_customer_state": {
      await writeCustomerState(deps, ctx.customerId, call.args.state, call.args.note, input.caseId);
      return { outcome: "executed", detail: `state ${call.args.state}` };
    }
    case "request_stripe_smart_retry": {
      if (deps.stripe === null || ctx.invoiceId === null) return { outcome: "rejected", detail: "no Stripe key configured: cannot touch the invoice" };
      const r = await requestInvoiceRetry(deps, deps.stripe, ctx, { invoiceId: ctx.invoiceId, caseId: input.caseId, decisionId: input.decisionId, schedule: call.args.schedule, keyBase: input.keyBase, paymentMethodId: ctx.newPaymentMethodId });
      if (r.paid && input.caseId) {
        const payment = { occurredAt: deps.clock(), seenAt: deps.clock(), amount: ctx.amountDue, currency: ctx.currency, attemptCount: null, byAgent: true };
        await closeRecovered(deps.db, { caseId: input.caseId, customerId: ctx.customerId, kind: "invoice", reason: "paid by the agent's retry after a card update", eventId: ctx.eventId }, payment, deps.clock());
      }
      return { outcome: "executed", detail: call.args.schedule === "retry_now" ? (r.paid ? "invoice paid" : `retry declined (${r.declined ?? "unknown"})`) : "Smart Retries continue" };
    }
    case "send_trial_email": {
      if (ctx.trialEnd === null) return { outcome: "rejected", detail: "no trial end date" };
      const r = await sendTemplateEmail(deps, { ctx: { ...ctx, customerSegment: "trial" }, caseId: null, decisionId: input.decisionId, templateId: "trial_ending", trial: { trialEndsAt: ctx.trialEnd, engaged: call.args.engaged }, checked: input.fresh?.refusal });
      if (r.status === "throttled") return { outcome: "throttled", detail: "24 h email throttle: a trial nudge is not worth a second email today" };
      return { outcome: "executed", detail: `trial_ending (${call.args.engaged ? "engaged" : "lapsed"}) via ${r.via}` };
    }
    case "retry_payment_intent": {
      if (deps.stripe === null) return { outcome: "rejected", detail: "no Stripe key configured: cannot retry the payment" };
      if (input.caseId === null) return { outcome: "rejected", detail: "a PaymentIntent retry needs its case" };
      const r = await retryPaymentIntent(deps, deps.stripe, {
        paymentIntentId: call.args.payment_intent_id,
        customerId: ctx.customerId,
        eventId: ctx.eventId,
        caseId: input.caseId,
        decisionId: input.decisionId,
        // A new card's payment is keyed by its proposer (case + card): however many events announce it, one charge.
        idempotencyKey: call.args.payment_method_id !== undefined ? `${input.keyBase}:payment_intents.confirm` : `pi-retry:${call.args.payment_intent_id}:${call.args.failures}`,
        paymentMethodId: call.args.payment_method_id ?? null,
      });
      // A success or a new failure arrives as its own webhook and moves the case on from there.
      return { outcome: r.status === "skipped" ? "superseded" : "executed", detail: r.detail };
    }
    case "offer_winback_discount": {
      if (deps.stripe === null) return { outcome: "rejected", detail: "no Stripe key configured: cannot create a promotion code" };
      // Checked before the throttle and the 90-day cap are claimed, so a refusal leaves neither claimed.
      await assertMayAct(deps.db, ctx.customerId, "offer", deps.clock(), ctx.failureReason, input.fresh?.refusal);
      const slot = await claimEmailSlot(deps.db, ctx.customerId, ctx.eventId, MAIL_THROTTLE_SECONDS * 1000, deps.clock());
      if (!slot.ok) return throttled(deps, input, slot.availableAt);
      const claim = await claimWinback(
        deps.db,
        { customerId: ctx.customerId, eventId: ctx.eventId, caseId: input.caseId, percentOff: call.args.percent_off, validDays: call.args.valid_days },
        90 * 86400 * 1000,
        deps.clock(),
      );
      if (!claim.ok) return { outcome: "rejected", detail: `a winback was already offered on ${new Date(claim.lastAt).toISOString().slice(0, 10)} (90-day cap)` };
      const codes = await createWinbackCodes(deps, deps.stripe, ctx, { caseId: input.caseId, decisionId: input.decisionId, percentOff: call.args.percent_off, validDays: call.args.valid_days, keyBase: input.keyBase }).catch(
        async (err: unknown) => {
          // Stripe refused for good: no code exists, so the 90-day cap must not count this offer.
          if (!isTransientStripeError(err)) await releaseWinback(deps.db, claim.id);
          throw err;
        },
      );
      await recordWinbackCodes(deps.db, claim.id, codes.couponId, codes.code);
      const r = await sendTemplateEmail(deps, {
        ctx,
        caseId: input.caseId,
        decisionId: input.decisionId,
        templateId: "winback_offer",
        winback: { percentOff: call.args.percent_off, promoCode: codes.code, expiresAt: codes.expiresAt, appliesTo: codes.appliesTo, resubscribeUrl: codes.appliesTo === "resubscribe" ? `${deps.config.appUrl}/resubscribe` : null },
      });
      if (r.status === "throttled") return throttled(deps, input, r.availableAt);
      return { outcome: "executed", detail: `winback ${call.args.percent_off}% code ${codes.code} (${codes.appliesTo}) emailed via ${r.via}` };
    }
  }
}

/**
 * Hands the case to a person: the decision-ready message with the buttons a person's click may pass. One message
 * per triggering event, whichever proposal led to it; later ones go into the case's thread.
 */
async function escalate(deps: Deps, input: DispatchInput, why: string, flags: { wantsToCancel?: boolean }): Promise<DispatchResult> {
  const { ctx } = input;
  const known = input.fresh?.caseRow;
  const [caseRow, done] = await Promise.all([known !== undefined ? known : input.caseId ? getCase(deps.db, input.caseId) : Promise.resolve(null as CaseRow | null), alreadyDone(deps, ctx.customerId, input.fresh?.recentEffects)]);
  // The winback button is offered only where a person's click would pass the gate (never after suspected fraud).
  const percent = Math.min(Math.max(20, deps.config.winbackMinPercent), deps.config.winbackMaxPercent);
  const human = { ...input.guard, actor: "human" as const, origin: undefined };
  const offerWinback = flags.wantsToCancel !== true && checkCall({ name: "offer_winback_discount", args: { percent_off: percent, valid_days: 14 } }, human, deps.config).ok;
  const offerStopRetries = flags.wantsToCancel === true && checkCall({ name: "stop_stripe_retries", args: { note: "customer wants to cancel" } }, human, deps.config).ok;
  const { text, blocks } = escalationBlocks({
    caseId: input.caseId ?? ctx.eventId,
    customerId: ctx.customerId,
    customerName: ctx.customerName,
    livemode: ctx.livemode,
    planTier: ctx.planTier,
    isAnnual: ctx.isAnnual,
    amount: ctx.amountDue ?? caseRow?.amount ?? null,
    currency: ctx.currency ?? caseRow?.currency ?? null,
    reason: ctx.failureReason ?? caseRow?.reason ?? "unknown",
    declineCode: ctx.declineCode ?? caseRow?.decline_code ?? null,
    attempt: input.attempt,
    lifetimeValue: ctx.lifetimeValue,
    why,
    alreadyDone: done,
    offerWinback,
    labels: input.guard.labels,
    wantsToCancel: flags.wantsToCancel === true,
    offerStopRetries,
  });
  const r = await postInCaseThread(deps, { text, blocks, eventId: ctx.eventId, caseId: input.caseId, customerId: ctx.customerId, decisionId: input.decisionId, idempotencyKey: `escalate:${ctx.eventId}` }, caseRow);
  if (input.caseId) {
    await markEscalated(deps.db, input.caseId, flags.wantsToCancel === true ? "the customer wants to cancel: a person decides (Slack)" : "human review (Slack)", deps.clock());
  }
  return { outcome: "executed", detail: `escalated via ${r.via}` };
}

/** A person closed the case as lost (Slack): our ledger only, in every mode. */
async function markLost(deps: Deps, input: DispatchInput, note: string): Promise<DispatchResult> {
  const row = input.caseId === null ? null : await getCase(deps.db, input.caseId);
  if (row === null) return { outcome: "rejected", detail: "no case to close" };
  const closed = await closeCase(deps.db, { caseId: row.id, customerId: row.customer_id, kind: row.kind, status: "lost", reason: note, eventId: input.ctx.eventId }, deps.clock());
  if (!closed) return { outcome: "superseded", detail: `case already ${(await getCase(deps.db, row.id))?.status ?? "closed"}` };
  await writeCustomerState(deps, row.customer_id, "lost", note, row.id);
  return { outcome: "executed", detail: "case closed as lost; customer state lost" };
}

/** The grace end a dated notice names: the case's (or the customer's access) grace end, at least 48 h after `at`. */
async function datedGraceEnd(deps: Deps, ctx: DunningContext, caseId: string | null, at: number): Promise<number | null> {
  const row = caseId === null ? null : await getCase(deps.db, caseId);
  if (row?.warned_at !== null && row?.warned_at !== undefined && row.grace_until) return row.grace_until; // frozen
  const grace = row?.grace_until ?? (await accessOf(deps.db, ctx.customerId, deps.config, at))?.graceUntil ?? null;
  return grace === null ? null : Math.max(grace, at + WARNING_NOTICE_MS);
}

/**
 * An email that must wait (the throttle, the send window, the brake) is not lost: the same call is sent, unchanged,
 * at `dueAt` (through the gate again: a label set meanwhile still holds). The case's next step says why.
 */
async function reconsiderAt(deps: Deps, input: DispatchInput, dueAt: number, why: string, shownAt = dueAt): Promise<void> {
  const now = deps.clock();
  // The context travels with the job: a campaign step's own event id names no stored event.
  const payload = { eventId: input.ctx.eventId, call: input.call, why: input.why, campaign: input.campaign ?? null, attempt: input.attempt, context: input.ctx };
  await scheduleJob(deps.db, { id: `reconsider:${input.ctx.eventId}`, kind: "reconsider", caseId: input.caseId, customerId: input.ctx.customerId, dueAt, payload }, now);
  if (input.caseId !== null) await setNextStep(deps.db, input.caseId, `${describeCall(input.call)} after ${new Date(shownAt).toISOString()} (${why})`, now);
}

/** The brake is on: the email waits an hour (reconsidered then), and the team hears about it once a day. */
async function held(deps: Deps, input: DispatchInput, brake: BrakeState): Promise<DispatchResult> {
  const now = deps.clock();
  const why = `mass-failure brake: ${brake.lastHour} failures in the last hour (threshold ${brake.threshold})`;
  await notifyTeam(deps, {
    text: `Recovery emails are on hold: ${brake.lastHour} payment failures in the last hour (threshold ${brake.threshold}), which looks like a processor outage rather than your customers. Emails wait and are reconsidered hourly. Resume with POST /admin/resume-campaigns once you have checked.`,
    ctx: { eventId: `brake:${new Date(now).toISOString().slice(0, 10)}`, customerId: "ops" },
    caseId: null,
    decisionId: null,
    idempotencyKey: `brake-alert:${new Date(now).toISOString().slice(0, 10)}:${brake.releasedUntil ?? "never-released"}`,
  });
  if (input.actor === "human") return { outcome: "throttled", detail: `${why}; resume with POST /admin/resume-campaigns` };
  const retryAt = now + 3600_000;
  await reconsiderAt(deps, input, retryAt, why);
  log("warn", "dispatch.brake_hold", { eventId: input.ctx.eventId, customerId: input.ctx.customerId, lastHour: brake.lastHour, threshold: brake.threshold });
  return { outcome: "throttled", detail: `held by the ${why}; reconsidered after ${new Date(retryAt).toISOString()}` };
}

async function throttled(deps: Deps, input: DispatchInput, availableAt: number): Promise<DispatchResult> {
  if (input.actor === "human") {
    // A person is waiting for the answer: say when an email is possible again instead of deciding for them later.
    return { outcome: "throttled", detail: `the customer was emailed less than 24 h ago (next email possible after ${new Date(availableAt).toISOString().slice(0, 16).replace("T", " ")} UTC)` };
  }
  await reconsiderAt(deps, input, availableAt + 1000, "email throttle", availableAt);
  log("info", "dispatch.throttled", { eventId: input.ctx.eventId, customerId: input.ctx.customerId, availableAt });
  return { outcome: "throttled", detail: `24 h email throttle: reconsidered after ${new Date(availableAt).toISOString()}` };
}
