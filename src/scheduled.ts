/** @module scheduled — the cron sweep: enqueue due deferred jobs; check the unknown-reason alert; re-enqueue held or unqueued access notices. */
import type { Env } from "./env.ts";
import { depsOf } from "./deps.ts";
import { log } from "./log.ts";
import { claimDueJobs, releaseJob } from "./ledger/jobs.ts";
import { checkUnknownShare } from "./ops/unknown-alert.ts";
import { requeueAccessNotices } from "./access/webhook.ts";
import { readMode } from "./mode.ts";

export async function sweepDueJobs(env: Env): Promise<number> {
  const deps = depsOf(env);
  // The alert must never hold up the sweep: its failure is logged and retried on the next run.
  await checkUnknownShare(deps, deps.clock()).catch((err: unknown) =>
    log("error", "alert.unknown_reasons_failed", { error: err instanceof Error ? err.message : String(err) }),
  );
  // Access notices whose enqueue failed or that the kill switch held: never holds up the sweep either.
  if (deps.config.accessWebhookUrl !== null) {
    await readMode(deps.kv, deps.config.defaultMode)
      .then((mode) => requeueAccessNotices(deps, mode, deps.clock()))
      .catch((err: unknown) => log("error", "access_webhook.requeue_failed", { error: err instanceof Error ? err.message : String(err) }));
  }
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
