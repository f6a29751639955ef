/** @module scheduled — the cron sweep: enqueue due deferred jobs. */
import type { Env } from "./env.ts";
import { depsOf } from "./deps.ts";
import { log } from "./log.ts";
import { claimDueJobs, releaseJob } from "./ledger/jobs.ts";

export async function sweepDueJobs(env: Env): Promise<number> {
  const deps = depsOf(env);
  const due = await claimDueJobs(deps.db, deps.clock(), 100);
  if (due.length === 0) return 0;
  try {
    await deps.queue.sendBatch(due.map((j) => ({ body: { kind: "scheduled" as const, jobId: j.id } })));
  } catch (err) {
    for (const j of due) await releaseJob(deps.db, j.id, deps.clock());
    throw err;
  }
  log("info", "sweep.enqueued", { count: due.length });
  return due.length;
}
