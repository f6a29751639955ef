/**
 * @module scheduled-jobs
 * Runs a due deferred job: a throttled email reconsidered when the window ends (if its case is still open),
 * a one-off PaymentIntent retry, a next-day winback after a loss.
 */
import type { Mode } from "../constants.ts";
import type { Deps } from "../deps.ts";
import type { DunningContext } from "../ingest/context.ts";
import { log } from "../log.ts";
import { getCase } from "../ledger/cases.ts";
import { getEvent } from "../ledger/events.ts";
import { finishJob, getJob, releaseJob, type JobRow } from "../ledger/jobs.ts";
import { completeContext } from "./complete.ts";
import { decideCase } from "./decide-case.ts";
import { runLifecycleJob } from "./lifecycle-jobs.ts";
import { refreshAndAnnounceAccess } from "../access/webhook.ts";
import { validateToolCall } from "./tools.ts";
import { deferStep, runCampaignStep } from "../campaign/run.ts";
import type { StepId } from "../campaign/plan.ts";
import { decideOneOff } from "./lifecycle.ts";

interface HeldPayload {
  eventId: string;
  call?: unknown;
  why?: string;
  campaign?: { step: StepId; dated: boolean } | null;
  attempt?: number;
  context?: DunningContext;
}

/** The event a held email was decided on: the original, or (for an email held twice) the original's original. */
async function storedContext(deps: Deps, eventId: string): Promise<DunningContext | null> {
  const ev = await getEvent(deps.db, eventId);
  if (ev !== null) return JSON.parse(ev.context) as DunningContext;
  const base = eventId.split("~")[0] ?? eventId;
  if (base === eventId) return null;
  const original = await getEvent(deps.db, base);
  return original === null ? null : (JSON.parse(original.context) as DunningContext);
}

async function reconsider(deps: Deps, job: JobRow, mode: Mode): Promise<"done" | "canceled" | "later"> {
  const caseRow = job.case_id ? await getCase(deps.db, job.case_id) : null;
  const payload = JSON.parse(job.payload) as HeldPayload;
  if (job.case_id !== null && (caseRow === null || caseRow.status !== "open")) return "canceled";
  const { eventId } = payload;
  const original = payload.context ?? (await storedContext(deps, eventId));
  if (original === null) return "canceled";
  // A new decision under its own id: its email carries its own idempotency key.
  const heldId = `${eventId.split("~")[0] ?? eventId}~${job.id.slice(-8)}`;
  if (payload.call !== undefined) {
    // The email that waited (throttle, send window, brake) is sent unchanged, through the gate again.
    const parsed = validateToolCall(String((payload.call as { name?: unknown }).name ?? ""), (payload.call as { args?: unknown }).args ?? {});
    if (!parsed.ok) return "canceled";
    const ctx = await completeContext(deps, { ...original, eventId: heldId, failureReason: original.failureReason ?? ((caseRow?.reason ?? null) as DunningContext["failureReason"]) });
    const r = await decideCase(deps, {
      ctx,
      caseId: caseRow?.id ?? null,
      attempt: payload.attempt ?? caseRow?.attempt_count ?? caseRow?.failures ?? 0,
      mode,
      proposed: { call: parsed.call, why: `held email sent unchanged${payload.why ? `: ${payload.why}` : ""}`, decidedBy: "lifecycle" },
      ...(payload.campaign ? { campaign: payload.campaign } : {}),
    });
    return r.outcome === "parked" ? "later" : "done";
  }
  if (caseRow === null) return "canceled";
  const ctx = await completeContext(deps, { ...original, eventId: heldId, failureReason: original.failureReason ?? (caseRow.reason as DunningContext["failureReason"]) });
  if (caseRow.kind === "payment_intent") await decideOneOff(deps, ctx, caseRow.id, caseRow.failures, mode);
  else await decideCase(deps, { ctx, caseId: caseRow.id, attempt: caseRow.attempt_count ?? caseRow.failures, mode });
  return "done";
}

export async function processScheduledJob(deps: Deps, jobId: string, mode: Mode): Promise<void> {
  const job = await getJob(deps.db, jobId);
  if (job === null || job.status === "done" || job.status === "canceled") return;
  if (mode === "off") {
    await releaseJob(deps.db, job.id, deps.clock()); // kept pending; the sweep offers it again later
    return;
  }
  if (job.kind === "campaign_step") {
    const { step } = JSON.parse(job.payload) as { step: StepId };
    if (job.case_id === null) return finishJob(deps.db, job.id, "canceled", deps.clock());
    const stepEventId = `${job.id}@${job.due_at}`;
    const r = await runCampaignStep(deps, { caseId: job.case_id, step, eventId: stepEventId, mode });
    if (r.status === "later" && r.at !== undefined) await deferStep(deps, job.id, r.at);
    else if (r.status === "parked") await releaseJob(deps.db, job.id, deps.clock());
    else await finishJob(deps.db, job.id, "done", deps.clock());
    // A step can move the access state (a warning freezes the grace end, a restriction).
    await refreshAndAnnounceAccess(deps, job.customer_id, stepEventId);
    log("info", "job.done", { jobId: job.id, kind: job.kind, customerId: job.customer_id, result: r.status, reason: r.reason });
    return;
  }
  const result = job.kind === "reconsider" ? await reconsider(deps, job, mode) : await runLifecycleJob(deps, job, mode);
  if (result === "later") await releaseJob(deps.db, job.id, deps.clock());
  else await finishJob(deps.db, job.id, result, deps.clock());
  if (job.kind === "reconsider") await refreshAndAnnounceAccess(deps, job.customer_id, null);
  log("info", "job.done", { jobId: job.id, kind: job.kind, customerId: job.customer_id, result });
}
