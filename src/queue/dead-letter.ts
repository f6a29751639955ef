/**
 * @module dead-letter
 * The `dunning-dlq` consumer: records each message that exhausted its retries as dead-lettered, with the
 * last error its attempts left in the ledger. Nothing accepted is lost silently.
 */
import type { Env } from "../env.ts";
import { depsOf, type Deps } from "../deps.ts";
import { log } from "../log.ts";
import { getEvent, markDeadLettered } from "../ledger/events.ts";
import { finishJob } from "../ledger/jobs.ts";
import { markWebhookFailed } from "../ledger/access-webhook.ts";
import { setReplyAction } from "../ledger/replies.ts";
import type { DunningJob } from "./messages.ts";

export async function handleDeadLetterBatch(batch: MessageBatch<DunningJob>, env: Env, deps: Deps = depsOf(env)): Promise<void> {
  for (const msg of batch.messages) {
    const job = msg.body;
    try {
      if (job.kind === "event") {
        const existing = await getEvent(deps.db, job.context.eventId);
        const error = existing?.last_error ?? "retries exhausted";
        await markDeadLettered(deps.db, job.context, job.receivedAt, error, deps.clock());
        log("error", "consumer.dead_lettered", { eventId: job.context.eventId, customerId: job.context.customerId, error });
      } else if (job.kind === "access_webhook") {
        await markWebhookFailed(deps.db, job.changeId);
        log("error", "access_webhook.dead_lettered", { changeId: job.changeId, customerId: job.customerId });
      } else if (job.kind === "reply") {
        // The reply was forwarded to the team when it arrived; only the agent's decision on it was lost.
        await setReplyAction(deps.db, job.replyId, "dead_lettered", null);
        log("error", "consumer.reply_dead_lettered", { replyId: job.replyId, caseId: job.caseId });
      } else {
        await finishJob(deps.db, job.jobId, "canceled", deps.clock());
        log("error", "consumer.job_dead_lettered", { jobId: job.jobId });
      }
      msg.ack();
    } catch (err) {
      log("error", "dlq.record_failed", { error: err instanceof Error ? err.message : String(err) });
      msg.retry({ delaySeconds: 30 });
    }
  }
}
