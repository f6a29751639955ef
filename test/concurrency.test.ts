/**
 * Concurrency: many deliveries of one event through the real Worker and queue act once; a large batch is decided
 * with bounded concurrency while one customer's events stay in order.
 * (20 events of one customer in one batch -> at most one email in 24 h: see guardrails.test.ts.)
 */
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { DunningContext } from "../src/ingest/context.ts";
import { fakeClient, geminiFunctionCall } from "./fakes/client.ts";
import { contextOf, decisionsOf, eventMessage, eventRow, outboxFor, runBatch } from "./helpers/consumer.ts";
import { env, envWith, migrate, uid, waitFor } from "./helpers/env.ts";
import { invoiceEvent, signedRequest } from "./helpers/stripe-events.ts";

const fakeUrl = inject("fakeUrl");
const worker = (exports as unknown as { default: Fetcher }).default;

beforeAll(migrate);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("concurrency", () => {
  it("50 concurrent deliveries of one signed event through the real Worker and queue -> exactly one action", async () => {
    const id = uid();
    const customerId = `cus_${id}`;
    // No Stripe retry scheduled: the day-0 step acts (with one, a soft decline's day 0 is silent).
    const ev = invoiceEvent({ eventId: `evt_${id}`, customerId, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}`, amount: 4900, currency: "usd", nextPaymentAttempt: null });
    const requests = await Promise.all(Array.from({ length: 50 }, () => signedRequest(ev)));
    const responses = await Promise.all(requests.map((r) => worker.fetch(r)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{ received: boolean; duplicate?: boolean }>;
    expect(bodies.every((b) => b.received)).toBe(true);
    const enqueued = bodies.filter((b) => b.duplicate !== true).length;
    expect(enqueued).toBeGreaterThanOrEqual(1);

    const row = await waitFor(async () => {
      const r = await eventRow(`evt_${id}`);
      return r && r.status !== "claimed" ? r : null;
    }, "the Worker's consumer to decide the event", 20_000);
    expect(row.status).toBe("decided");
    // Let every other enqueued copy reach the consumer (max_batch_timeout is 2 s), then count again.
    if (enqueued > 1) await sleep(3_000);

    const decisions = await decisionsOf(`evt_${id}`);
    expect(decisions).toHaveLength(1);
    // The Worker's own consumer runs with the base env: DEFAULT_MODE dry_run, so the one action is a dry-run note.
    expect(decisions[0]).toMatchObject({ mode: "dry_run", outcome: "dry_run" });
    expect(await outboxFor(customerId)).toHaveLength(1);
    const effects = await env.LEDGER.prepare("SELECT COUNT(*) AS n FROM side_effects WHERE event_id = ?1").bind(`evt_${id}`).first<{ n: number }>();
    expect(effects?.n).toBe(1);
    const cases = await env.LEDGER.prepare("SELECT COUNT(*) AS n, MAX(failures) AS f FROM cases WHERE customer_id = ?1").bind(customerId).first<{ n: number; f: number }>();
    expect(cases).toEqual({ n: 1, f: 1 });
  }, 40_000);

  it("100 events for 96 customers with a 500 ms model: bounded concurrency, and one customer's events decided in order", async () => {
    const scope = uid("conc");
    const fake = fakeClient(fakeUrl, scope);
    const LIMIT = 10;
    await fake.scriptGemini(Array.from({ length: 100 }, () => ({ delayMs: 500, body: geminiFunctionCall("escalate_to_human", { reason: "load test: a person decides" }) })));
    const run = uid("c");
    const now = Math.floor(Date.now() / 1000);
    // Each a first failure with no Stripe retry scheduled: the day-0 step asks the model.
    const failure = (customerId: string, i: number, created: number): DunningContext =>
      contextOf(invoiceEvent({ eventId: `evt_${run}_${i}`, customerId, invoiceId: `in_${run}_${i}`, paymentIntentId: `pi_${run}_${i}`, created, nextPaymentAttempt: null }));
    const orderedCustomer = `cus_${run}_ordered`;
    // One customer with 5 failures, 10 s apart, and 95 customers with one each.
    const ordered = Array.from({ length: 5 }, (_, k) => failure(orderedCustomer, k, now - 600 + k * 10));
    const others = Array.from({ length: 95 }, (_, k) => failure(`cus_${run}_${k}`, 100 + k, now - 300));
    // A deterministic shuffle that puts the ordered customer's events in reverse and scattered.
    const messages = [...others.map((c) => eventMessage(c))];
    [...ordered].reverse().forEach((c, k) => messages.splice(7 + k * 19, 0, eventMessage(c)));
    expect(messages).toHaveLength(100);
    const positions = ordered.map((c) => messages.findIndex((m) => m.body.kind === "event" && m.body.context.eventId === c.eventId));
    expect(positions).toEqual([...positions].sort((a, b) => b - a)); // batch order is the reverse of occurredAt order

    const e = envWith({ DEFAULT_MODE: "live", DECISION_CONCURRENCY: String(LIMIT), GEMINI_API_KEY: `gk_${scope}`, GEMINI_BASE_URL: fakeUrl, GEMINI_TIMEOUT_MS: "20000" });
    const result = await runBatch(messages, e);
    expect(result.explicitAcks).toHaveLength(100);
    expect(result.retryMessages).toHaveLength(0);

    const stats = await fake.stats();
    expect(stats.counts.gemini).toBe(100);
    expect(stats.geminiPeakInFlight).toBeGreaterThan(1);
    expect(stats.geminiPeakInFlight).toBeLessThanOrEqual(LIMIT);

    const decided = (
      await env.LEDGER.prepare("SELECT event_id, decided_by, tool, outcome FROM decisions WHERE customer_id = ?1 ORDER BY id").bind(orderedCustomer).all<{ event_id: string; decided_by: string; tool: string; outcome: string }>()
    ).results;
    expect(decided.map((d) => d.event_id)).toEqual(ordered.map((c) => c.eventId));
    expect(decided.every((d) => d.decided_by === "model" && d.tool === "escalate_to_human" && d.outcome === "executed")).toBe(true);
    const occurred = await Promise.all(decided.map(async (d) => (await env.LEDGER.prepare("SELECT occurred_at FROM events WHERE id = ?1").bind(d.event_id).first<{ occurred_at: number }>())?.occurred_at ?? 0));
    expect(occurred).toEqual([...occurred].sort((a, b) => a - b));

    const all = await env.LEDGER.prepare("SELECT COUNT(*) AS n FROM decisions WHERE event_id LIKE ?1").bind(`evt_${run}_%`).first<{ n: number }>();
    expect(all?.n).toBe(100);
    const states = await env.LEDGER.prepare("SELECT status, COUNT(*) AS n FROM events WHERE id LIKE ?1 GROUP BY status").bind(`evt_${run}_%`).all<{ status: string; n: number }>();
    expect(states.results).toEqual([{ status: "decided", n: 100 }]);
  }, 60_000);
});
