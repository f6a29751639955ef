/**
 * Later campaign steps (day 3, final warning) through the real queue consumer, as the cron sweep hands them over
 * once due: the case's `campaign_step` job as a `scheduled` message. Time is moved by making the case older.
 */
import type { StepId } from "../../src/campaign/plan.ts";
import { campaignJobId } from "../../src/campaign/run.ts";
import type { DunningJob } from "../../src/queue/messages.ts";
import { runRecorded } from "./consumer.ts";
import { env, type TestEnv } from "./env.ts";

let seq = 0;

/** Makes a case's campaign `ms` older (its start, grace end, dated warning and pending steps), as if that much time had passed. */
export async function ageCampaign(caseId: string, ms: number): Promise<void> {
  await env.LEDGER.prepare(`UPDATE cases SET campaign_started_at = campaign_started_at - ?2, grace_until = grace_until - ?2, opened_at = opened_at - ?2, warned_at = warned_at - ?2 WHERE id = ?1`).bind(caseId, ms).run();
  await env.LEDGER.prepare(`UPDATE scheduled_jobs SET due_at = due_at - ?2 WHERE case_id = ?1 AND status = 'pending'`).bind(caseId, ms).run();
}

/** The queue message the sweep sends for a case's step (the job claimed as the sweep claims it). */
export async function stepMessage(caseId: string, step: StepId, options: { id?: string; attempts?: number } = {}) {
  const jobId = campaignJobId(caseId, step);
  const job = await env.LEDGER.prepare(`UPDATE scheduled_jobs SET status = 'enqueued' WHERE id = ?1 AND status IN ('pending', 'enqueued') RETURNING id`).bind(jobId).first<{ id: string }>();
  if (job === null) throw new Error(`no pending campaign job ${jobId}`);
  seq += 1;
  return { id: options.id ?? `step-${jobId}-${seq}`, timestamp: new Date(), attempts: options.attempts ?? 1, body: { kind: "scheduled", jobId } as DunningJob };
}

/** Runs a case's campaign step through the queue handler; returns what the consumer asked of the message. */
export async function runStep(e: TestEnv, caseId: string, step: StepId, options: { id?: string; attempts?: number } = {}) {
  const msg = await stepMessage(caseId, step, options);
  const calls = await runRecorded([msg], e);
  return calls.get(msg.id);
}

/** The decisions taken at one campaign step of a case (recorded under the step's own event id). */
export async function stepDecisions(caseId: string, step: StepId) {
  return (await env.LEDGER.prepare(`SELECT * FROM decisions WHERE event_id LIKE ?1 ORDER BY id`).bind(`${campaignJobId(caseId, step)}@%`).all<Record<string, unknown>>()).results;
}
