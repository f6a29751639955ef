/**
 * Recovery Agent: the Worker entry point.
 * fetch: Stripe webhooks, Slack interactions, admin, card-update links, access API.
 * queue: the `dunning` consumer and its dead-letter consumer. scheduled: the cron sweep of deferred jobs.
 * email: customers' replies to recovery emails (Email Routing to REPLY_ADDRESS).
 */
import type { Env } from "./env.ts";
import { createApp } from "./http/app.ts";
import { handleDunningBatch } from "./queue/consumer.ts";
import { handleDeadLetterBatch } from "./queue/dead-letter.ts";
import type { DunningJob } from "./queue/messages.ts";
import { receiveReply } from "./replies/receive.ts";
import { sweepDueJobs } from "./scheduled.ts";

export type { DunningJob } from "./queue/messages.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    if (batch.queue.endsWith("-dlq")) await handleDeadLetterBatch(batch, env);
    else await handleDunningBatch(batch, env);
  },
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(sweepDueJobs(env));
  },
  async email(message, env, _ctx) {
    await receiveReply(message, env);
  },
} satisfies ExportedHandler<Env, DunningJob>;
