import { beforeAll, describe, expect, it } from "vitest";
import { exports } from "cloudflare:workers";
import { env, envWith, migrate, uid, waitFor } from "./helpers/env.ts";
import { caseRow, contextOf, decisionsOf, eventMessage, eventRow, outboxFor, runBatch } from "./helpers/consumer.ts";
import { invoiceEvent, signedRequest } from "./helpers/stripe-events.ts";
import { createExecutionContext } from "cloudflare:test";
import worker from "../src/index.ts";
import { createApp } from "../src/http/app.ts";
import type { DunningJob } from "../src/queue/messages.ts";

beforeAll(migrate);

const live = () => envWith({ DEFAULT_MODE: "live" });

/**
 * A failed invoice with no Stripe retry scheduled: with no Stripe key its reason stays unknown (a soft decline), so
 * the campaign's day-0 step sends the soft reminder (with a retry scheduled, day 0 would be silent).
 */
function failure(overrides: Partial<Parameters<typeof invoiceEvent>[0]> = {}) {
  const id = uid();
  return contextOf(invoiceEvent({ eventId: `evt_${id}`, customerId: `cus_${id}`, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}`, amount: 4900, currency: "usd", nextPaymentAttempt: null, ...overrides }));
}

describe("queue consumer", () => {
  it("claims an event, opens its case, decides once and records it as decided", async () => {
    const ctx = failure();
    const result = await runBatch([eventMessage(ctx)], live());
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toHaveLength(0);
    const row = await eventRow(ctx.eventId);
    expect(row?.status).toBe("decided");
    expect(row?.case_id).toBe(ctx.invoiceId);
    const c = await caseRow(ctx.invoiceId ?? "");
    expect(c).toMatchObject({ status: "open", kind: "invoice", amount: 4900, currency: "usd", customer_id: ctx.customerId });
    const decisions = await decisionsOf(ctx.eventId);
    expect(decisions).toHaveLength(1);
    // No Stripe key: the reason stays unknown (soft) and Stripe has no retry scheduled, so the day-0 step's rules
    // send the soft reminder (rule 7), to the outbox.
    expect(decisions[0]).toMatchObject({ decided_by: "rules", tool: "send_email", template_id: "soft_payment_reminder", outcome: "executed", rule: "R7", mode: "live" });
    expect(await outboxFor(ctx.customerId, "email")).toHaveLength(1);
  });

  it("20 concurrent deliveries of one event (distinct messages, concurrent batches) are claimed exactly once", async () => {
    const ctx = failure();
    const e = live();
    const results = await Promise.all(Array.from({ length: 20 }, () => runBatch([eventMessage(ctx)], e)));
    expect(results.every((r) => r.explicitAcks.length === 1)).toBe(true);
    expect(await decisionsOf(ctx.eventId)).toHaveLength(1);
    expect(await outboxFor(ctx.customerId)).toHaveLength(1);
    expect((await eventRow(ctx.eventId))?.status).toBe("decided");
  });

  it("a message that throws is retried with a delay, and the rest of its batch is acked", async () => {
    const good = failure();
    const bad = { ...failure(), invoiceId: null, paymentIntentId: null, invoicePaymentIntentIds: [] };
    const badMsg = eventMessage(bad);
    const result = await runBatch([eventMessage(good), badMsg], envWith({ DEFAULT_MODE: "live", RETRY_BASE_DELAY_SECONDS: "7" }));
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([badMsg.id]);
    expect((await eventRow(good.eventId))?.status).toBe("decided");
    const badRow = await eventRow(bad.eventId);
    expect(badRow?.status).toBe("claimed");
    expect(badRow?.last_error).toMatch(/neither invoice nor PaymentIntent/);
  });

  it("retry delays grow with the attempt number and are capped", async () => {
    const bad = { ...failure(), invoiceId: null, paymentIntentId: null, invoicePaymentIntentIds: [] };
    const e = envWith({ DEFAULT_MODE: "live", RETRY_BASE_DELAY_SECONDS: "10", RETRY_MAX_DELAY_SECONDS: "50" });
    const delays: Array<number | undefined> = [];
    for (const attempts of [1, 2, 3, 4, 5]) {
      // A hand-built batch records exactly what the consumer asked of each message.
      const calls: string[] = [];
      const msg = eventMessage(bad, { id: "same-msg-" + bad.eventId, attempts });
      const batch = {
        queue: "dunning",
        messages: [{ ...msg, ack: () => calls.push("ack"), retry: (o?: { delaySeconds?: number }) => { calls.push("retry"); delays.push(o?.delaySeconds); } }],
        ackAll: () => calls.push("ackAll"),
        retryAll: () => calls.push("retryAll"),
      };
      await worker.queue(batch as unknown as MessageBatch<DunningJob>, e, createExecutionContext());
      expect(calls).toEqual(["retry"]);
    }
    expect(delays).toEqual([10, 20, 40, 50, 50]);
  });

  it("a retried message (same message id) resumes its unfinished claim; a different message for a finished event does nothing", async () => {
    const ctx = failure();
    const e = live();
    // Simulate a first attempt that claimed the event and then died before deciding.
    await env.LEDGER.prepare(
      "INSERT INTO events (id, type, customer_id, livemode, occurred_at, received_at, status, claim_token, claimed_at, attempts, context, updated_at) VALUES (?1, ?2, ?3, 0, ?4, ?4, 'claimed', 'msg-A', ?4, 1, ?5, ?4)",
    )
      .bind(ctx.eventId, ctx.eventType, ctx.customerId, Date.now(), JSON.stringify(ctx))
      .run();
    const busy = await runBatch([eventMessage(ctx, { id: "msg-B" })], e);
    expect(busy.explicitAcks).toHaveLength(1);
    expect(await decisionsOf(ctx.eventId)).toHaveLength(0); // another consumer holds the claim
    const resumed = await runBatch([eventMessage(ctx, { id: "msg-A", attempts: 2 })], e);
    expect(resumed.explicitAcks).toHaveLength(1);
    expect((await eventRow(ctx.eventId))?.status).toBe("decided");
    expect(await decisionsOf(ctx.eventId)).toHaveLength(1);
    await runBatch([eventMessage(ctx, { id: "msg-C" })], e);
    expect(await decisionsOf(ctx.eventId)).toHaveLength(1);
    expect(await outboxFor(ctx.customerId)).toHaveLength(1);
  });

  it("with the kill switch (mode off) events are parked, not acted on, and nothing is lost", async () => {
    const ctx = failure();
    const r = await runBatch([eventMessage(ctx)], envWith({ DEFAULT_MODE: "off" }));
    expect(r.explicitAcks).toHaveLength(1);
    expect(await eventRow(ctx.eventId)).toMatchObject({ status: "parked", status_reason: "kill switch: mode off" });
    expect(await outboxFor(ctx.customerId)).toHaveLength(0);
    // Resumed later in live mode: decided once.
    await runBatch([eventMessage(ctx, { resume: true })], live());
    expect((await eventRow(ctx.eventId))?.status).toBe("decided");
    expect(await outboxFor(ctx.customerId)).toHaveLength(1);
  });

  it("a mode flip through PUT /admin/mode takes effect from the next batch", async () => {
    const app = createApp();
    const token = "test-admin-token-0123456789abcdefghij";
    const put = (mode: string) =>
      app.fetch(new Request("http://x/admin/mode", { method: "PUT", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ mode }) }), env);
    try {
      expect((await put("off")).status).toBe(200);
      const a = failure();
      await runBatch([eventMessage(a)], env);
      expect(await eventRow(a.eventId)).toMatchObject({ status: "parked" });
      expect((await put("live")).status).toBe(200);
      const b = failure();
      await runBatch([eventMessage(b)], env);
      expect(await eventRow(b.eventId)).toMatchObject({ status: "decided" });
      expect(await outboxFor(b.customerId)).toHaveLength(1);
    } finally {
      await env.BILLING_KV.delete("dunning:mode");
    }
  });

  it("the kill switch turned on mid-batch stops the side effect (the mode is read again right before it)", async () => {
    const ctx = failure();
    let reads = 0;
    const kv = {
      get: async (key: string) => (key === "dunning:mode" ? (++reads === 1 ? "live" : "off") : env.BILLING_KV.get(key)),
      put: (key: string, value: string, o?: KVNamespacePutOptions) => env.BILLING_KV.put(key, value, o),
      delete: (key: string) => env.BILLING_KV.delete(key),
    };
    await runBatch([eventMessage(ctx)], envWith({ BILLING_KV: kv }));
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(await eventRow(ctx.eventId)).toMatchObject({ status: "parked" });
    expect(await decisionsOf(ctx.eventId)).toMatchObject([{ outcome: "parked" }]);
    expect(await outboxFor(ctx.customerId)).toHaveLength(0);
  });

  it("observe records the decision without any side effect; dry_run posts what it would do", async () => {
    const a = failure();
    await runBatch([eventMessage(a)], envWith({ DEFAULT_MODE: "observe" }));
    expect(await decisionsOf(a.eventId)).toMatchObject([{ outcome: "observed", tool: "send_email", template_id: "soft_payment_reminder" }]);
    expect(await outboxFor(a.customerId)).toHaveLength(0);
    const b = failure();
    await runBatch([eventMessage(b)], envWith({ DEFAULT_MODE: "dry_run" }));
    expect(await decisionsOf(b.eventId)).toMatchObject([{ outcome: "dry_run" }]);
    const notes = await outboxFor(b.customerId, "slack");
    expect(notes).toHaveLength(1);
    expect(String(notes[0]?.text)).toMatch(/^\[dry run\] Would send email "soft_payment_reminder"/);
  });

  it("the dead-letter consumer records an exhausted message as dead-lettered with its last error", async () => {
    const bad = { ...failure(), invoiceId: null, paymentIntentId: null, invoicePaymentIntentIds: [] };
    await runBatch([eventMessage(bad)], live());
    const r = await runBatch([eventMessage(bad)], live(), "dunning-dlq");
    expect(r.explicitAcks).toHaveLength(1);
    const row = await eventRow(bad.eventId);
    expect(row?.status).toBe("dead_lettered");
    expect(row?.status_reason).toMatch(/neither invoice nor PaymentIntent/);
  });

  it("a dead-lettered message that never reached the ledger is still recorded", async () => {
    const ctx = failure();
    await runBatch([eventMessage(ctx)], live(), "dunning-dlq");
    expect(await eventRow(ctx.eventId)).toMatchObject({ status: "dead_lettered", status_reason: "retries exhausted" });
  });

  it("end to end through the real queue: a signed webhook ends decided in the ledger", async () => {
    const id = uid();
    const ev = invoiceEvent({ eventId: `evt_${id}`, customerId: `cus_${id}`, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}` });
    const res = await (exports as unknown as { default: Fetcher }).default.fetch(await signedRequest(ev));
    expect(res.status).toBe(200);
    const row = await waitFor(async () => {
      const r = await eventRow(`evt_${id}`);
      return r && r.status !== "claimed" ? r : null;
    }, "the consumer to decide the event");
    expect(row.status).toBe("decided");
    expect((await decisionsOf(`evt_${id}`))[0]).toMatchObject({ mode: "dry_run" });
  });
});
