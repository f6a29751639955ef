/**
 * @module ledger/jobs
 * Deferred work that outlives a queue message's 12 h delay limit: a throttled email to reconsider when the
 * window ends, a one-off PaymentIntent retry, a next-day winback. A cron sweep enqueues due jobs.
 */

export type JobKind = "reconsider" | "pi_retry" | "winback_after_loss" | "campaign_step";

export interface JobRow {
  id: string;
  kind: JobKind;
  case_id: string | null;
  customer_id: string;
  due_at: number;
  payload: string;
  status: "pending" | "enqueued" | "done" | "canceled";
  created_at: number;
  updated_at: number;
}

/** Schedules a job once per id (the id is derived from what it is for, so retries do not duplicate it). */
export async function scheduleJob(
  db: D1Database,
  job: { id: string; kind: JobKind; caseId: string | null; customerId: string; dueAt: number; payload: unknown },
  now: number,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO scheduled_jobs (id, kind, case_id, customer_id, due_at, payload, status, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?7) ON CONFLICT (id) DO NOTHING`,
    )
    .bind(job.id, job.kind, job.caseId, job.customerId, job.dueAt, JSON.stringify(job.payload), now)
    .run();
}

/** Claims due jobs for enqueueing (pending -> enqueued), at most `limit`. Stuck `enqueued` jobs are re-sent after an hour. */
export async function claimDueJobs(db: D1Database, now: number, limit: number): Promise<JobRow[]> {
  const r = await db
    .prepare(
      `UPDATE scheduled_jobs SET status = 'enqueued', updated_at = ?1
       WHERE id IN (SELECT id FROM scheduled_jobs WHERE (status = 'pending' AND due_at <= ?1) OR (status = 'enqueued' AND updated_at <= ?1 - 3600000) ORDER BY due_at LIMIT ?2)
       RETURNING *`,
    )
    .bind(now, limit)
    .all<JobRow>();
  return r.results;
}

export async function getJob(db: D1Database, id: string): Promise<JobRow | null> {
  return db.prepare(`SELECT * FROM scheduled_jobs WHERE id = ?1`).bind(id).first<JobRow>();
}

export async function finishJob(db: D1Database, id: string, status: "done" | "canceled", now: number): Promise<void> {
  await db.prepare(`UPDATE scheduled_jobs SET status = ?2, updated_at = ?3 WHERE id = ?1`).bind(id, status, now).run();
}

export async function releaseJob(db: D1Database, id: string, now: number): Promise<void> {
  await db.prepare(`UPDATE scheduled_jobs SET status = 'pending', updated_at = ?2 WHERE id = ?1 AND status = 'enqueued'`).bind(id, now).run();
}

/** Cancels pending jobs of a case (it was paid or lost). */
export async function cancelJobsForCase(db: D1Database, caseId: string, now: number, kinds?: JobKind[]): Promise<void> {
  if (kinds && kinds.length > 0) {
    await db
      .prepare(`UPDATE scheduled_jobs SET status = 'canceled', updated_at = ?2 WHERE case_id = ?1 AND status IN ('pending','enqueued') AND kind IN (SELECT value FROM json_each(?3))`)
      .bind(caseId, now, JSON.stringify(kinds))
      .run();
    return;
  }
  await db.prepare(`UPDATE scheduled_jobs SET status = 'canceled', updated_at = ?2 WHERE case_id = ?1 AND status IN ('pending','enqueued')`).bind(caseId, now).run();
}

/** Puts a job back for a later time (a paused campaign, a warning that must be 48 h old first). */
export async function rescheduleJob(db: D1Database, id: string, dueAt: number, now: number): Promise<void> {
  await db.prepare(`UPDATE scheduled_jobs SET status = 'pending', due_at = ?2, updated_at = ?3 WHERE id = ?1 AND status IN ('pending','enqueued')`).bind(id, dueAt, now).run();
}

/** Pending jobs of a case, soonest first (the case's visible plan). */
export async function pendingJobsForCase(db: D1Database, caseId: string): Promise<JobRow[]> {
  return (await db.prepare(`SELECT * FROM scheduled_jobs WHERE case_id = ?1 AND status IN ('pending','enqueued') ORDER BY due_at`).bind(caseId).all<JobRow>()).results;
}
