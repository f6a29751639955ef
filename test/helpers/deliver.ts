/**
 * End to end through the webhook: sign an event, POST it to the real Hono app (signature, dedup, normalize),
 * then hand exactly what it enqueued to the real consumer. Only the queue transport is stood in for.
 */
import { createApp } from "../../src/http/app.ts";
import type { DunningJob } from "../../src/queue/messages.ts";
import type { TestEnv } from "./env.ts";
import { envWith, recordingQueue } from "./env.ts";
import { runRecorded } from "./consumer.ts";
import { signedRequest } from "./stripe-events.ts";

const app = createApp();
let seq = 0;

export async function deliver(event: Record<string, unknown>, e: TestEnv) {
  const q = recordingQueue();
  const res = await app.fetch(await signedRequest(event), envWith({ ...e, DUNNING_QUEUE: q.queue }));
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
  const messages = (q.sent as DunningJob[]).map((body) => ({ id: `w-${++seq}`, timestamp: new Date(), attempts: 1, body }));
  const calls = messages.length > 0 ? await runRecorded(messages, e) : new Map();
  return { response: await res.json(), calls, messages };
}

/** Runs the cron sweep with a recording queue and feeds the due jobs to the consumer (as after a restart). */
export async function runDueJobs(e: TestEnv, sweep: (env: TestEnv) => Promise<number>) {
  const q = recordingQueue();
  await sweep(envWith({ ...e, DUNNING_QUEUE: q.queue }));
  const messages = (q.sent as DunningJob[]).map((body) => ({ id: `j-${++seq}`, timestamp: new Date(), attempts: 1, body }));
  if (messages.length > 0) await runRecorded(messages, envWith({ ...e }));
  return messages.map((m) => m.body);
}
