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
import { decideOneOff } from "./lifecycle.ts";

async function reconsider(deps: Deps, job: JobRow, mode: Mode): Promise<"done" | "canceled"> {
  const caseRow = job.case_id ? await getCase(deps.db, job.case_id) : null;
  if (caseRow === null || caseRow.status !== "open") return "canceled";
  const { eventId } = JSON.parse(job.payload) as { eventId: string };
  const ev = await getEvent(deps.db, eventId);
  if (ev === null) return "canceled";
  const original = JSON.parse(ev.context) as DunningContext;
  // A new decision under its own id: its email carries its own idempotency key.
  const ctx = await completeContext(deps, { ...original, eventId: `${eventId}~${job.id.slice(-8)}`, failureReason: original.failureReason ?? (caseRow.reason as DunningContext["failureReason"]) });
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
  const result = job.kind === "reconsider" ? await reconsider(deps, job, mode) : await runLifecycleJob(deps, job, mode);
  if (result === "later") await releaseJob(deps.db, job.id, deps.clock());
  else await finishJob(deps.db, job.id, result, deps.clock());
  log("info", "job.done", { jobId: job.id, kind: job.kind, customerId: job.customer_id, result });
}
