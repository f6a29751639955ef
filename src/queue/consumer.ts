/**
 * @module consumer
 * The `dunning` queue consumer. Each message is handled on its own: acked on success, retried with a growing
 * delay on failure (after max_retries the queue moves it to the dead-letter queue). One bad message never
 * fails the batch. One customer's messages run in order; different customers run with bounded concurrency.
 */
import type { Env } from "../env.ts";
import { depsOf, type Deps } from "../deps.ts";
import { log } from "../log.ts";
import { recordEventError } from "../ledger/events.ts";
import { readMode } from "../mode.ts";
import { HoldMessage, processEvent } from "../dunning/process.ts";
import { accessWebhookDelaySeconds, deliverAccessNotice } from "../access/webhook.ts";
import { processScheduledJob } from "../dunning/scheduled-jobs.ts";
import { processReply } from "../replies/process.ts";
import { retryDelaySeconds } from "./backoff.ts";
import type { DunningJob } from "./messages.ts";
import { forEachLimited } from "./pool.ts";

function groupKey(job: DunningJob): string {
  if (job.kind === "event") return `cus:${job.context.customerId}`;
  if (job.kind === "reply") return `cus:${job.customerId}`;
  // One customer's access notices go out in the order the changes happened.
  if (job.kind === "access_webhook") return `access:${job.customerId}`;
  return `job:${job.jobId}`;
}

function orderKey(job: DunningJob): number {
  if (job.kind === "event") return job.context.occurredAt;
  if (job.kind === "reply") return job.receivedAt;
  return job.kind === "access_webhook" ? job.changeId : 0;
}

export async function handleDunningBatch(batch: MessageBatch<DunningJob>, env: Env, deps: Deps = depsOf(env)): Promise<void> {
  const mode = await readMode(deps.kv, deps.config.defaultMode);
  const groups = new Map<string, Array<Message<DunningJob>>>();
  for (const msg of batch.messages) {
    const key = groupKey(msg.body);
    const list = groups.get(key) ?? [];
    list.push(msg);
    groups.set(key, list);
  }
  await forEachLimited([...groups.values()], deps.config.decisionConcurrency, async (messages) => {
    messages.sort((a, b) => orderKey(a.body) - orderKey(b.body));
    for (const msg of messages) await handleMessage(deps, msg, mode);
  });
}

async function handleMessage(deps: Deps, msg: Message<DunningJob>, mode: Awaited<ReturnType<typeof readMode>>): Promise<void> {
  const job = msg.body;
  try {
    if (job.kind === "event") await processEvent(deps, job, mode, { messageId: msg.id, attempts: msg.attempts });
    else if (job.kind === "access_webhook") await deliverAccessNotice(deps, job, mode);
    else if (job.kind === "reply") await processReply(deps, job, mode);
    else await processScheduledJob(deps, job.jobId, mode);
    msg.ack();
  } catch (err) {
    if (err instanceof HoldMessage) {
      msg.retry({ delaySeconds: err.delaySeconds });
      return;
    }
    const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    const delaySeconds =
      job.kind === "access_webhook"
        ? accessWebhookDelaySeconds(msg.attempts, deps.config.retryBaseDelaySeconds)
        : retryDelaySeconds(msg.attempts, deps.config.retryBaseDelaySeconds, deps.config.retryMaxDelaySeconds);
    log("error", "consumer.retry", {
      eventId: job.kind === "event" ? job.context.eventId : undefined,
      jobId: job.kind === "scheduled" ? job.jobId : job.kind === "reply" ? `reply:${job.replyId}` : undefined,
      changeId: job.kind === "access_webhook" ? job.changeId : undefined,
      customerId: job.kind === "event" ? job.context.customerId : job.kind === "access_webhook" || job.kind === "reply" ? job.customerId : undefined,
      attempts: msg.attempts,
      delaySeconds,
      error,
    });
    if (job.kind === "event") await recordEventError(deps.db, job.context.eventId, error, deps.clock()).catch(() => undefined);
    msg.retry({ delaySeconds });
  }
}
