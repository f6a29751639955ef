/** Drives the real queue consumer with hand-made batches and reads the ledger. */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import worker from "../../src/index.ts";
import type { DunningContext } from "../../src/ingest/context.ts";
import { normalizeEvent } from "../../src/ingest/normalize.ts";
import type { DunningJob } from "../../src/queue/messages.ts";
import type { TestEnv } from "./env.ts";
import { env } from "./env.ts";
import type Stripe from "stripe";

let seq = 0;

export function contextOf(event: Record<string, unknown>): DunningContext {
  const r = normalizeEvent(event as unknown as Stripe.Event);
  if (!r.ok) throw new Error(`fixture did not normalize: ${r.reason}`);
  return r.context;
}

export function eventMessage(context: DunningContext, options: { id?: string; attempts?: number; receivedAt?: number; resume?: boolean } = {}) {
  seq += 1;
  return {
    id: options.id ?? `msg-${context.eventId}-${seq}`,
    timestamp: new Date(),
    attempts: options.attempts ?? 1,
    body: { kind: "event", context, receivedAt: options.receivedAt ?? Date.now() - 60_000, ...(options.resume ? { resume: true } : {}) } as DunningJob,
  };
}

/** Runs one batch through the Worker's queue handler and returns what it acked and retried. */
export async function runBatch(messages: ReturnType<typeof eventMessage>[], e: TestEnv = env, queue = "dunning") {
  const batch = createMessageBatch<DunningJob>(queue, messages);
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<DunningJob>, e, ctx);
  return getQueueResult(batch, ctx);
}

export async function eventRow(eventId: string) {
  return env.LEDGER.prepare("SELECT * FROM events WHERE id = ?1").bind(eventId).first<{ status: string; status_reason: string | null; attempts: number; last_error: string | null; case_id: string | null }>();
}

export async function decisionsOf(eventId: string) {
  return (await env.LEDGER.prepare("SELECT * FROM decisions WHERE event_id = ?1 ORDER BY id").bind(eventId).all<Record<string, unknown>>()).results;
}

export async function outboxFor(customerId: string, kind?: "email" | "slack") {
  const q = kind
    ? env.LEDGER.prepare("SELECT * FROM outbox WHERE customer_id = ?1 AND kind = ?2 ORDER BY id").bind(customerId, kind)
    : env.LEDGER.prepare("SELECT * FROM outbox WHERE customer_id = ?1 ORDER BY id").bind(customerId);
  return (await q.all<Record<string, unknown>>()).results;
}

export async function caseRow(caseId: string) {
  return env.LEDGER.prepare("SELECT * FROM cases WHERE id = ?1").bind(caseId).first<Record<string, unknown>>();
}

/**
 * Runs one batch through the Worker's queue handler with messages that record exactly what the consumer
 * asked of each (ack, or retry with its delay). A binding-level stand-in for the queue runtime.
 */
export async function runRecorded(messages: ReturnType<typeof eventMessage>[], e: TestEnv = env, queue = "dunning") {
  const calls = new Map<string, { action: "ack" | "retry"; delaySeconds?: number }>();
  const batch = {
    queue,
    messages: messages.map((m) => ({
      ...m,
      ack: () => {
        if (!calls.has(m.id)) calls.set(m.id, { action: "ack" });
      },
      retry: (o?: { delaySeconds?: number }) => {
        if (!calls.has(m.id)) calls.set(m.id, { action: "retry", ...(o?.delaySeconds !== undefined ? { delaySeconds: o.delaySeconds } : {}) });
      },
    })),
    ackAll: () => undefined,
    retryAll: () => undefined,
  };
  await worker.queue(batch as unknown as MessageBatch<DunningJob>, e, createExecutionContext());
  return calls;
}
