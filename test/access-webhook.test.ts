/**
 * ACCESS_WEBHOOK_URL: when a customer's access state changes, the product receives a signed POST
 * `{id, customerId, state, graceUntil, reason, changedAt}`. Checked against a local receiver (test/fakes/hooks.ts):
 * the body, a signature the product can verify, a receiver answering 500 is retried and the same notice (same id)
 * arrives once it recovers, a notice is sent once however often the queue delivers it, retries exhausted end in
 * the dead-letter path, the kill switch holds notices, and nothing is sent when no URL is configured.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { ACCESS_SIGNATURE_HEADER, verifyAccessNotice } from "../src/access/signature.ts";
import { requeueAccessNotices } from "../src/access/webhook.ts";
import { ConfigError, loadConfig } from "../src/config.ts";
import { depsOf } from "../src/deps.ts";
import type { AccessWebhookJob, DunningJob } from "../src/queue/messages.ts";
import { sweepDueJobs } from "../src/scheduled.ts";
import { fakeClient, type RecordedRequest } from "./fakes/client.ts";
import { contextOf, eventMessage, runRecorded } from "./helpers/consumer.ts";
import { env, envWith, migrate, recordingQueue, uid, type TestEnv } from "./helpers/env.ts";
import { invoiceEvent } from "./helpers/stripe-events.ts";

const fakeUrl = inject("fakeUrl");
beforeAll(migrate);

const SECRET = "access-hook-secret-0123456789";

let seq = 0;
function messagesOf(jobs: AccessWebhookJob[], attempts = 1) {
  return jobs.map((body) => ({ id: `hook-${++seq}`, timestamp: new Date(), attempts, body: body as DunningJob })) as unknown as Parameters<typeof runRecorded>[0];
}

const noticesIn = (sent: unknown[]) => (sent as DunningJob[]).filter((j): j is AccessWebhookJob => j.kind === "access_webhook");

/** A customer whose invoice payment failed, processed by the real consumer with the given config. */
async function failedPayment(config: Record<string, string>, options: { queueFails?: boolean } = {}) {
  const scope = uid("hook");
  const customerId = `cus_${uid("h")}`;
  const q = recordingQueue(options.queueFails ? { fail: true } : {});
  const e = envWith({ ACCESS_WEBHOOK_URL: `${fakeUrl}/hooks/${scope}/access`, ACCESS_WEBHOOK_SECRET: SECRET, ...config, DUNNING_QUEUE: q.queue });
  const ctx = contextOf(invoiceEvent({ eventId: `evt_${uid()}`, customerId, invoiceId: `in_${uid()}`, amount: 4900, currency: "usd" }));
  const calls = await runRecorded([eventMessage(ctx)], e);
  expect([...calls.values()]).toEqual([{ action: "ack" }]);
  return { scope, customerId, e, q, fake: fakeClient(fakeUrl, scope), notices: noticesIn(q.sent) };
}

const changeRow = (customerId: string) =>
  env.LEDGER.prepare("SELECT * FROM access_changes WHERE customer_id = ?1 ORDER BY id DESC LIMIT 1").bind(customerId).first<{ id: number; state: string; webhook_state: string | null; webhook_attempts: number; webhook_error: string | null }>();

const received = async (fake: ReturnType<typeof fakeClient>): Promise<RecordedRequest[]> => fake.requests("hooks");

describe("the access notice", () => {
  it("is POSTed with the change, signed so the product can verify it", async () => {
    const w = await failedPayment({});
    expect(w.notices).toHaveLength(1);
    const calls = await runRecorded(messagesOf(w.notices), w.e);
    expect([...calls.values()]).toEqual([{ action: "ack" }]);

    const [req, ...more] = await received(w.fake);
    expect(more).toEqual([]);
    const row = await changeRow(w.customerId);
    expect(req?.method).toBe("POST");
    expect(req?.headers["content-type"]).toBe("application/json");
    const body = req?.body as Record<string, unknown>;
    expect(body).toMatchObject({ id: row?.id, customerId: w.customerId, state: "grace", reason: expect.stringContaining("grace") });
    expect(Date.parse(String(body.graceUntil))).toBeGreaterThan(Date.now());
    expect(Object.keys(body).sort()).toEqual(["changedAt", "customerId", "graceUntil", "id", "reason", "state"]);

    // What the product does with the raw body and the header.
    const header = req?.headers[ACCESS_SIGNATURE_HEADER.toLowerCase()] ?? null;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const now = Math.floor(Date.now() / 1000);
    expect(await verifyAccessNotice(SECRET, header, req?.raw ?? "", now)).toMatchObject({ ok: true });
    expect(await verifyAccessNotice(SECRET, header, (req?.raw ?? "").replace('"grace"', '"active"'), now)).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifyAccessNotice("another-secret-0123456789", header, req?.raw ?? "", now)).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifyAccessNotice(SECRET, header, req?.raw ?? "", now + 3600)).toEqual({ ok: false, reason: "expired" });
    expect(await verifyAccessNotice(SECRET, "v1=abc", req?.raw ?? "", now)).toEqual({ ok: false, reason: "malformed" });
    expect(row).toMatchObject({ webhook_state: "delivered", webhook_attempts: 1, webhook_error: null });
  });

  it("is retried when the receiver answers 500, and the same notice arrives once it recovers; delivered twice by the queue, sent once", async () => {
    const w = await failedPayment({});
    await w.fake.fail({ provider: "hooks", status: 500 });
    const first = await runRecorded(messagesOf(w.notices, 1), w.e);
    expect([...first.values()]).toEqual([{ action: "retry", delaySeconds: 0 }]); // RETRY_BASE_DELAY_SECONDS=0 in tests
    expect(await changeRow(w.customerId)).toMatchObject({ webhook_state: "queued", webhook_attempts: 1, webhook_error: "HTTP 500" });

    const second = await runRecorded(messagesOf(w.notices, 2), w.e);
    expect([...second.values()]).toEqual([{ action: "ack" }]);
    const reqs = await received(w.fake);
    expect(reqs.map((r) => r.status)).toEqual([500, 200]);
    expect(reqs[0]?.body).toEqual(reqs[1]?.body);

    // The queue delivers at least once: a third delivery of the same message sends nothing.
    await runRecorded(messagesOf(w.notices, 1), w.e);
    expect(await received(w.fake)).toHaveLength(2);
    expect(await changeRow(w.customerId)).toMatchObject({ webhook_state: "delivered", webhook_attempts: 2, webhook_error: null });
  });

  it("backs off over hours, not seconds, with the production base delay", async () => {
    const w = await failedPayment({});
    await w.fake.fail({ provider: "hooks", status: 503, count: 2 });
    const slow = envWith({ ...w.e, RETRY_BASE_DELAY_SECONDS: "30" });
    const first = await runRecorded(messagesOf(w.notices, 1), slow);
    const fourth = await runRecorded(messagesOf(w.notices, 4), slow);
    expect([...first.values()]).toEqual([{ action: "retry", delaySeconds: 60 }]);
    expect([...fourth.values()]).toEqual([{ action: "retry", delaySeconds: 7500 }]);
  });

  it("ends in the dead-letter path after the queue's retries, marked failed with its last error", async () => {
    const w = await failedPayment({});
    await w.fake.fail({ provider: "hooks", status: 500 });
    await runRecorded(messagesOf(w.notices, 6), w.e);
    const dlq = await runRecorded(messagesOf(w.notices), w.e, "dunning-dlq");
    expect([...dlq.values()]).toEqual([{ action: "ack" }]);
    expect(await changeRow(w.customerId)).toMatchObject({ webhook_state: "failed", webhook_error: "HTTP 500" });
    // A late redelivery does not send a notice the dead-letter path gave up on.
    await runRecorded(messagesOf(w.notices), w.e);
    expect(await received(w.fake)).toHaveLength(1);
  });

  it("is held while the kill switch is off and sent by the cron once it is on again", async () => {
    const w = await failedPayment({});
    const off = envWith({ ...w.e, DEFAULT_MODE: "off" });
    const held = await runRecorded(messagesOf(w.notices), off);
    expect([...held.values()]).toEqual([{ action: "ack" }]);
    expect(await received(w.fake)).toEqual([]);
    expect(await changeRow(w.customerId)).toMatchObject({ webhook_state: "held" });

    const q = recordingQueue();
    await sweepDueJobs(envWith({ ...w.e, DUNNING_QUEUE: q.queue }));
    const again = noticesIn(q.sent).filter((n) => n.customerId === w.customerId);
    expect(again).toHaveLength(1);
    await runRecorded(messagesOf(again), w.e);
    expect((await received(w.fake)).map((r) => r.status)).toEqual([200]);
  });

  it("whose enqueue failed stays pending, and the cron enqueues it (the event itself is not failed for it)", async () => {
    const w = await failedPayment({}, { queueFails: true });
    expect(w.notices).toEqual([]);
    expect(await changeRow(w.customerId)).toMatchObject({ webhook_state: "pending" });
    const q = recordingQueue();
    const deps = depsOf(envWith({ ...w.e, DUNNING_QUEUE: q.queue }) as TestEnv);
    // A minute later (a change still being enqueued is left alone).
    await requeueAccessNotices(deps, "dry_run", Date.now() + 120_000);
    const again = noticesIn(q.sent).filter((n) => n.customerId === w.customerId);
    expect(again).toHaveLength(1);
    await runRecorded(messagesOf(again), w.e);
    expect(await received(w.fake)).toHaveLength(1);
  });

  it("is not sent at all when no ACCESS_WEBHOOK_URL is configured", async () => {
    const w = await failedPayment({ ACCESS_WEBHOOK_URL: "", ACCESS_WEBHOOK_SECRET: "" });
    expect(w.notices).toEqual([]);
    expect(await changeRow(w.customerId)).toMatchObject({ state: "grace", webhook_state: null });
    expect(await received(w.fake)).toEqual([]);
  });
});

describe("ACCESS_WEBHOOK_URL configuration", () => {
  it("needs an http(s) URL and a signing secret", () => {
    expect(loadConfig({ ACCESS_WEBHOOK_URL: "https://app.example.com/hooks/access", ACCESS_WEBHOOK_SECRET: SECRET })).toMatchObject({ accessWebhookUrl: "https://app.example.com/hooks/access" });
    expect(loadConfig({}).accessWebhookUrl).toBeNull();
    expect(() => loadConfig({ ACCESS_WEBHOOK_URL: "https://app.example.com/hooks/access" })).toThrow(/ACCESS_WEBHOOK_SECRET/);
    expect(() => loadConfig({ ACCESS_WEBHOOK_URL: "ftp://app.example.com", ACCESS_WEBHOOK_SECRET: SECRET })).toThrow(ConfigError);
    expect(() => loadConfig({ ACCESS_WEBHOOK_URL: "not a url", ACCESS_WEBHOOK_SECRET: SECRET })).toThrow(/must be an http\(s\) URL/);
  });
});
