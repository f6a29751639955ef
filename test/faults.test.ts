/**
 * Fault injection: the fake providers fail (5xx, 429, hangs past the SDK timeout), D1 and KV throw, the queue
 * refuses. What must hold: a failed message is retried with a growing delay, a retry never repeats what already
 * happened (the same idempotency key reaches the provider and the provider answers once), and every accepted
 * event ends `decided` or `dead_lettered` with a reason.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { fallbackEmpathyParagraph } from "../emails/index.ts";
import { createApp } from "../src/http/app.ts";
import type { DunningContext } from "../src/ingest/context.ts";
import type { DunningJob } from "../src/queue/messages.ts";
import { fakeClient, geminiFunctionCall, geminiText, type FakeClient, type RecordedRequest } from "./fakes/client.ts";
import { contextOf, decisionsOf, eventMessage, eventRow, outboxFor, runBatch, runRecorded } from "./helpers/consumer.ts";
import { env, envWith, migrate, recordingQueue, uid, type TestEnv } from "./helpers/env.ts";
import { invoiceEvent, signedRequest } from "./helpers/stripe-events.ts";

const fakeUrl = inject("fakeUrl");
const app = createApp();
/** wrangler.toml: `max_retries = 5` on the dunning consumer -> one delivery plus five retries. */
const MAX_DELIVERIES = 6;
const SANDBOX = "billing-qa@example.test";

beforeAll(migrate);

type Msg = ReturnType<typeof eventMessage>;

// ---------------------------------------------------------------------------------------------
// binding wrappers

const INJECTED = "D1_ERROR: injected failure (test)";

/**
 * A D1 binding that proxies the real one but fails chosen statements: `failWhen(sql, op)` is asked before every
 * run/first/all/raw (and for every statement of a batch); true -> that call rejects with a D1-like error.
 */
function failingD1(real: D1Database, failWhen: (sql: string, op: string) => boolean): { db: D1Database; failures: string[] } {
  const failures: string[] = [];
  const check = (sql: string, op: string): Error | null => {
    if (!failWhen(sql, op)) return null;
    failures.push(`${op}: ${sql.replace(/\s+/g, " ").slice(0, 80)}`);
    return new Error(INJECTED);
  };
  type Wrapped = D1PreparedStatement & { __real: D1PreparedStatement; __sql: string };
  const wrap = (stmt: D1PreparedStatement, sql: string): Wrapped => {
    const w = {
      __real: stmt,
      __sql: sql,
      bind: (...values: unknown[]) => wrap(stmt.bind(...values), sql),
      first: (column?: string) => {
        const err = check(sql, "first");
        if (err) return Promise.reject(err);
        return column === undefined ? stmt.first() : stmt.first(column);
      },
      run: () => {
        const err = check(sql, "run");
        return err ? Promise.reject(err) : stmt.run();
      },
      all: () => {
        const err = check(sql, "all");
        return err ? Promise.reject(err) : stmt.all();
      },
      raw: (options?: { columnNames?: boolean }) => {
        const err = check(sql, "raw");
        return err ? Promise.reject(err) : (stmt.raw as (o?: unknown) => Promise<unknown>)(options);
      },
    };
    return w as unknown as Wrapped;
  };
  const db = {
    prepare: (sql: string) => wrap(real.prepare(sql), sql),
    batch: (statements: D1PreparedStatement[]) => {
      for (const s of statements as Wrapped[]) {
        const err = check(s.__sql, "batch");
        if (err) return Promise.reject(err);
      }
      return real.batch((statements as Wrapped[]).map((s) => s.__real));
    },
    exec: (query: string) => {
      const err = check(query, "exec");
      return err ? Promise.reject(err) : real.exec(query);
    },
    dump: () => real.dump(),
    withSession: () => {
      throw new Error("withSession is not used by the app");
    },
  };
  return { db: db as unknown as D1Database, failures };
}

/** Fails the first `n` matching calls, then lets everything through. */
function firstN(n: number, pattern: RegExp = /.*/s) {
  let left = n;
  return (sql: string) => {
    if (left <= 0 || !pattern.test(sql)) return false;
    left -= 1;
    return true;
  };
}

/** A KV binding over the real one whose get/put can be told to throw; records the keys written. */
function flakyKv(real: KVNamespace, options: { failGet?: boolean; failPut?: boolean }) {
  const puts: string[] = [];
  const kv = {
    get: (key: string, type?: unknown) => {
      if (options.failGet) return Promise.reject(new Error("KV GET failed: 503 (injected)"));
      return (real.get as (k: string, t?: unknown) => Promise<unknown>)(key, type);
    },
    getWithMetadata: (key: string, type?: unknown) => {
      if (options.failGet) return Promise.reject(new Error("KV GET failed: 503 (injected)"));
      return (real.getWithMetadata as (k: string, t?: unknown) => Promise<unknown>)(key, type);
    },
    put: (key: string, value: string, opts?: KVNamespacePutOptions) => {
      if (options.failPut) return Promise.reject(new Error("KV PUT failed: 503 (injected)"));
      puts.push(key);
      return real.put(key, value, opts);
    },
    delete: (key: string) => real.delete(key),
    list: (opts?: KVNamespaceListOptions) => real.list(opts),
  };
  return { kv: kv as unknown as KVNamespace, puts };
}

// ---------------------------------------------------------------------------------------------
// scenario helpers

function scoped(prefix: string): { scope: string; fake: FakeClient } {
  const scope = uid(prefix);
  return { scope, fake: fakeClient(fakeUrl, scope) };
}

/** Live mode with Stripe and Resend (sandboxed test-mode routing) on the fake under `scope`. */
function providers(scope: string, over: Record<string, unknown> = {}): TestEnv {
  return envWith({
    DEFAULT_MODE: "live",
    RETRY_BASE_DELAY_SECONDS: "5",
    RETRY_MAX_DELAY_SECONDS: "3600",
    STRIPE_SECRET_KEY: `sk_test_${scope}`,
    STRIPE_API_BASE: fakeUrl,
    RESEND_API_KEY: `re_${scope}`,
    RESEND_BASE_URL: `${fakeUrl}/resend`,
    SANDBOX_EMAIL: SANDBOX,
    ...over,
  });
}

interface Seeded {
  id: string;
  customerId: string;
  invoiceId: string;
  subscriptionId: string;
  ctx: DunningContext;
}

/**
 * A loyal, high-value customer (10 paid invoices of $200 on the fake) failing with insufficient funds. With
 * `finalWarningDue`, the invoice was finalized 6 days ago (seen first at attempt 2): the campaign counts from then,
 * so its final-warning step (grace end - 48 h) is due at once. Offers come only at that step: there the rules offer
 * a winback (rule 4): coupon, promotion code, subscription discount, email (see `winbackDue`).
 */
async function seedLoyal(fake: FakeClient, options: { attempt?: number; nextPaymentAttempt?: number | null; finalWarningDue?: boolean } = {}): Promise<Seeded> {
  const id = uid();
  const customerId = `cus_${id}`;
  const invoiceId = `in_${id}`;
  const subscriptionId = `sub_${id}`;
  await fake.putStripe("customers", customerId, { id: customerId, object: "customer", email: `olivia.${id}@example.com`, name: "Olivia Bennett", preferred_locales: ["en"], metadata: {} });
  await fake.putStripe("invoices", invoiceId, { id: invoiceId, object: "invoice", customer: customerId, status: "open", amount_due: 4900, currency: "usd", metadata: {} });
  await fake.putStripe("subscriptions", subscriptionId, {
    id: subscriptionId,
    object: "subscription",
    customer: customerId,
    status: "past_due",
    trial_end: null,
    metadata: {},
    items: { object: "list", data: [{ id: `si_${id}`, object: "subscription_item", price: { id: `price_${id}`, lookup_key: "pro_monthly", product: `prod_${id}`, recurring: { interval: "month" } } }] },
  });
  await fake.putStripe(
    "paid_invoices",
    customerId,
    Array.from({ length: 10 }, (_, i) => ({ id: `in_hist_${id}_${i}`, object: "invoice", customer: customerId, amount_paid: 20000, currency: "usd", status: "paid", created: 1790000000 + i * 2600000, status_transitions: { paid_at: 1790000000 + i * 2600000 } })),
  );
  const ctx = contextOf(
    invoiceEvent({
      eventId: `evt_${id}`,
      customerId,
      invoiceId,
      paymentIntentId: `pi_${id}`,
      email: `olivia.${id}@example.com`,
      amount: 4900,
      currency: "usd",
      attempt: options.attempt ?? 2,
      ...(options.nextPaymentAttempt !== undefined ? { nextPaymentAttempt: options.nextPaymentAttempt } : {}),
      extra: {
        parent: { subscription_details: { subscription: subscriptionId } },
        ...(options.finalWarningDue ? { status_transitions: { finalized_at: Math.floor((Date.now() - 6 * 86400_000) / 1000) } } : {}),
      },
    }),
  );
  return { id, customerId, invoiceId, subscriptionId, ctx: { ...ctx, failureReason: "insufficient_funds", declineCode: "insufficient_funds" } };
}

/** A first failure with a known soft reason and no Stripe retry scheduled: day 0 sends the soft reminder (rule 2). */
function softFailure(): DunningContext {
  const id = uid();
  const ctx = contextOf(invoiceEvent({ eventId: `evt_${id}`, customerId: `cus_${id}`, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}`, email: `jane.${id}@example.com`, amount: 4900, currency: "usd", nextPaymentAttempt: null }));
  return { ...ctx, failureReason: "insufficient_funds", declineCode: "insufficient_funds" };
}

interface WinbackDue extends Seeded {
  /** The final-warning job's queue message (as the cron sweep enqueues it). */
  msg: Msg;
  jobId: string;
  /** The id the step decides under (decisions, side effects and idempotency keys carry it). */
  stepEventId: string;
}

/**
 * A loyal customer whose final-warning step is due: the failure event is processed first (day 0: a soft decline
 * with Stripe's retry scheduled, recorded silently), then the step's job message is handed back for the test to
 * deliver. At that step the rules offer the winback.
 */
async function winbackDue(fake: FakeClient, e: TestEnv): Promise<WinbackDue> {
  const s = await seedLoyal(fake, { finalWarningDue: true });
  const first = await runRecorded([eventMessage(s.ctx, { id: `m-${s.id}` })], e);
  expect(first.get(`m-${s.id}`)).toEqual({ action: "ack" });
  expect(await decisionsOf(s.ctx.eventId)).toMatchObject([{ tool: null, outcome: "recorded" }]);
  const jobId = `campaign:${s.invoiceId}:final_warning`;
  const job = await env.LEDGER.prepare("SELECT id, due_at, status FROM scheduled_jobs WHERE id = ?1").bind(jobId).first<{ id: string; due_at: number; status: string }>();
  expect(job).toMatchObject({ status: "pending" });
  expect(job?.due_at ?? Infinity).toBeLessThanOrEqual(Date.now());
  await env.LEDGER.prepare("UPDATE scheduled_jobs SET status = 'enqueued' WHERE id = ?1").bind(jobId).run();
  const msg = { id: `j-${s.id}`, timestamp: new Date(), attempts: 1, body: { kind: "scheduled", jobId } as DunningJob };
  return { ...s, msg, jobId, stepEventId: `${jobId}@${job?.due_at}` };
}

/**
 * Delivers one message the way the queue would: again (same message id, attempts + 1) while the consumer asks
 * for a retry, up to `max` deliveries. Returns what each delivery asked for.
 */
async function deliverUntilSettled(msg: Msg, e: TestEnv, max = MAX_DELIVERIES): Promise<Array<{ action: "ack" | "retry"; delaySeconds?: number }>> {
  const history: Array<{ action: "ack" | "retry"; delaySeconds?: number }> = [];
  for (let attempts = 1; attempts <= max; attempts++) {
    const calls = await runRecorded([{ ...msg, attempts }], e);
    const call = calls.get(msg.id);
    if (!call) throw new Error(`message ${msg.id} was neither acked nor retried`);
    history.push(call);
    if (call.action === "ack") break;
  }
  return history;
}

const posts = (recs: RecordedRequest[], path: string) => recs.filter((r) => r.method === "POST" && r.path === path);
/** Requests the provider actually carried out: answered 2xx, not injected, not an idempotent replay. */
const carriedOut = (recs: RecordedRequest[]) => recs.filter((r) => r.status !== undefined && r.status >= 200 && r.status < 300 && !r.injected && !r.replayed);
const keysOf = (recs: RecordedRequest[]) => [...new Set(recs.map((r) => r.headers["idempotency-key"]))];

async function effects(eventId: string) {
  return (await env.LEDGER.prepare("SELECT operation, provider, idempotency_key, status, detail FROM side_effects WHERE event_id = ?1 ORDER BY id").bind(eventId).all<{ operation: string; provider: string; idempotency_key: string; status: string; detail: string | null }>()).results;
}

async function winbacksOf(customerId: string) {
  return (await env.LEDGER.prepare("SELECT * FROM winbacks WHERE customer_id = ?1").bind(customerId).all<Record<string, unknown>>()).results;
}

// ---------------------------------------------------------------------------------------------

describe("Stripe failures during context completion", () => {
  it("a Stripe 500 on every SDK attempt: the message is retried with a growing delay, nothing is decided until Stripe answers", async () => {
    const { scope, fake } = scoped("fltcmp");
    const s = await seedLoyal(fake, { attempt: 1, nextPaymentAttempt: null });
    // The SDK itself tries 3 times (maxNetworkRetries 2); two deliveries' worth of 500s.
    await fake.fail({ provider: "stripe", status: 500, count: 6, method: "GET" });
    const msg = eventMessage(s.ctx, { id: `m-${s.id}` });
    const e = providers(scope);

    const first = await runRecorded([msg], e);
    expect(first.get(msg.id)).toEqual({ action: "retry", delaySeconds: 5 });
    expect(await decisionsOf(s.ctx.eventId)).toHaveLength(0);
    expect(await eventRow(s.ctx.eventId)).toMatchObject({ status: "claimed", last_error: expect.stringMatching(/unknown error occurred/) });

    const second = await runRecorded([{ ...msg, attempts: 2 }], e);
    expect(second.get(msg.id)).toEqual({ action: "retry", delaySeconds: 10 });
    expect(await decisionsOf(s.ctx.eventId)).toHaveLength(0);

    const third = await runRecorded([{ ...msg, attempts: 3 }], e);
    expect(third.get(msg.id)).toEqual({ action: "ack" });
    expect(await eventRow(s.ctx.eventId)).toMatchObject({ status: "decided" });
    const ds = await decisionsOf(s.ctx.eventId);
    expect(ds).toHaveLength(1);
    // Attempt 1 of a loyal customer: the soft reminder, decided on the completed context (segment loyal).
    expect(ds[0]).toMatchObject({ decided_by: "rules", tool: "send_email", outcome: "executed" });
    const injected = (await fake.requests("stripe")).filter((r) => r.injected);
    expect(injected).toHaveLength(6);
    const resend = await fake.requests("resend");
    expect(carriedOut(posts(resend, "/resend/emails"))).toHaveLength(1);
  });

  it("a Stripe 429 (rate limit) during completion is retried as a whole message, then decided once", async () => {
    const { scope, fake } = scoped("fltrl");
    const s = await seedLoyal(fake, { attempt: 1, nextPaymentAttempt: null });
    await fake.fail({ provider: "stripe", status: 429, count: 1, path: `/v1/customers/${s.customerId}` });
    const msg = eventMessage(s.ctx, { id: `m-${s.id}` });
    const history = await deliverUntilSettled(msg, providers(scope));
    expect(history).toEqual([{ action: "retry", delaySeconds: 5 }, { action: "ack" }]);
    expect(await decisionsOf(s.ctx.eventId)).toHaveLength(1);
    expect(carriedOut(posts(await fake.requests("resend"), "/resend/emails"))).toHaveLength(1);
  });
});

describe("Stripe failures during an action (winback for a loyal customer)", () => {
  it("Stripe 500 on the coupon: retried with the same Idempotency-Key; one coupon, one promotion code, one email", async () => {
    const { scope, fake } = scoped("fltcpn");
    const e = providers(scope);
    const s = await winbackDue(fake, e);
    await fake.fail({ provider: "stripe", status: 500, count: 3, path: "/v1/coupons" });
    const msg = s.msg;
    const history = await deliverUntilSettled(msg, e);
    expect(history).toEqual([{ action: "retry", delaySeconds: 5 }, { action: "ack" }]);

    const stripe = await fake.requests("stripe");
    const coupons = posts(stripe, "/v1/coupons");
    expect(coupons).toHaveLength(4); // 3 SDK attempts on delivery 1, 1 on delivery 2
    expect(keysOf(coupons)).toEqual([`${s.stepEventId}:offer_winback_discount:coupons.create`]);
    expect(carriedOut(coupons)).toHaveLength(1);
    expect(carriedOut(posts(stripe, "/v1/promotion_codes"))).toHaveLength(1);
    expect(carriedOut(posts(stripe, `/v1/subscriptions/${s.subscriptionId}`))).toHaveLength(1);
    const emails = posts(await fake.requests("resend"), "/resend/emails");
    expect(emails).toHaveLength(1);
    expect(carriedOut(emails)).toHaveLength(1);
    expect(emails[0]?.headers["idempotency-key"]).toBe(`email:${s.stepEventId}:winback_offer`);

    const ds = await decisionsOf(s.stepEventId);
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ tool: "offer_winback_discount", rule: "R4", outcome: "executed" });
    expect(await winbacksOf(s.customerId)).toHaveLength(1);
    const fx = await effects(s.stepEventId);
    expect(fx.map((f) => [f.operation, f.status])).toEqual([
      ["coupons.create", "succeeded"],
      ["promotion_codes.create", "succeeded"],
      ["subscriptions.update", "succeeded"],
      ["winback_offer", "succeeded"],
    ]);
    // The step is over: its job is done (the failure event itself was decided on day 0).
    expect(await env.LEDGER.prepare("SELECT status FROM scheduled_jobs WHERE id = ?1").bind(s.jobId).first()).toMatchObject({ status: "done" });
  });

  it("Stripe 429 on the promotion code after the coupon succeeded: the retry does not create the coupon again", async () => {
    const { scope, fake } = scoped("fltpromo");
    const e = providers(scope);
    const s = await winbackDue(fake, e);
    await fake.fail({ provider: "stripe", status: 429, count: 1, path: "/v1/promotion_codes" });
    const msg = s.msg;
    const history = await deliverUntilSettled(msg, e);
    expect(history).toEqual([{ action: "retry", delaySeconds: 5 }, { action: "ack" }]);
    const stripe = await fake.requests("stripe");
    // The coupon was recorded as done on delivery 1: delivery 2 skips it (no second request at all).
    expect(posts(stripe, "/v1/coupons")).toHaveLength(1);
    const promos = posts(stripe, "/v1/promotion_codes");
    expect(promos).toHaveLength(2);
    expect(keysOf(promos)).toEqual([`${s.stepEventId}:offer_winback_discount:promotion_codes.create`]);
    expect(carriedOut(promos)).toHaveLength(1);
    expect(carriedOut(posts(await fake.requests("resend"), "/resend/emails"))).toHaveLength(1);
    expect(await decisionsOf(s.stepEventId)).toMatchObject([{ tool: "offer_winback_discount", outcome: "executed" }]);
  });

  it(
    "a promotion-code request that times out after Stripe processed it: the SDK's retry (same key, same parameters) gets the stored result; one code, one email",
    async () => {
      const { scope, fake } = scoped("flthang");
      const e = providers(scope);
    const s = await winbackDue(fake, e);
      // SDK attempt 1 hangs past the SDK's 10 s timeout; Stripe still creates the code and stores the result.
      await fake.fail({ provider: "stripe", hangMs: 10_400, count: 1, path: "/v1/promotion_codes" });
      const msg = s.msg;
      const history = await deliverUntilSettled(msg, e);
      expect(history.at(-1)).toEqual({ action: "ack" });
      const promos = posts(await fake.requests("stripe"), "/v1/promotion_codes");
      expect(keysOf(promos)).toEqual([`${s.stepEventId}:offer_winback_discount:promotion_codes.create`]);
      expect(promos.at(-1)).toMatchObject({ status: 200, replayed: true });
      expect(carriedOut(promos)).toHaveLength(1);
      expect(carriedOut(posts(await fake.requests("resend"), "/resend/emails"))).toHaveLength(1);
      expect(await decisionsOf(s.stepEventId)).toMatchObject([{ tool: "offer_winback_discount", outcome: "executed" }]);
    },
    40_000,
  );
});

describe("Resend failures", () => {
  it("Resend 500 then 429: retried with growing delays, the same Idempotency-Key every time, one delivery", async () => {
    const { scope, fake } = scoped("fltrs");
    const ctx = softFailure();
    await fake.fail([
      { provider: "resend", status: 500, count: 1 },
      { provider: "resend", status: 429, count: 1 },
    ]);
    const msg = eventMessage(ctx, { id: `m-${ctx.eventId}` });
    const history = await deliverUntilSettled(msg, providers(scope, { STRIPE_SECRET_KEY: "" }));
    expect(history).toEqual([{ action: "retry", delaySeconds: 5 }, { action: "retry", delaySeconds: 10 }, { action: "ack" }]);
    const sends = posts(await fake.requests("resend"), "/resend/emails");
    expect(sends).toHaveLength(3);
    expect(keysOf(sends)).toEqual([`email:${ctx.eventId}:soft_payment_reminder`]);
    expect(carriedOut(sends)).toHaveLength(1);
    expect(sends.every((r) => JSON.stringify(r.body).includes(SANDBOX))).toBe(true);
    const ds = await decisionsOf(ctx.eventId);
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ tool: "send_email", template_id: "soft_payment_reminder", outcome: "executed" });
    expect(await effects(ctx.eventId)).toMatchObject([{ operation: "soft_payment_reminder", provider: "resend", status: "succeeded" }]);
    expect((await eventRow(ctx.eventId))?.status).toBe("decided");
  });

  it("a D1 error after Resend accepted the email: the retry does not produce a second delivery", async () => {
    const { scope, fake } = scoped("fltrsd1");
    const ctx = { ...softFailure(), failureReason: "card_expired" as const, declineCode: "expired_card" };
    // Resend accepts the email, then the batch recording its success (written behind, with the event's next reads) fails.
    const d1 = failingD1(env.LEDGER, firstN(1, /^UPDATE side_effects SET status/));
    const msg = eventMessage(ctx, { id: `m-${ctx.eventId}` });
    const first = await runRecorded([msg], providers(scope, { STRIPE_SECRET_KEY: "", LEDGER: d1.db }));
    expect(first.get(msg.id)).toEqual({ action: "retry", delaySeconds: 5 });
    expect(d1.failures).toHaveLength(1);
    expect((await effects(ctx.eventId))[0]?.status).toBe("pending");
    const second = await runRecorded([{ ...msg, attempts: 2 }], providers(scope, { STRIPE_SECRET_KEY: "" }));
    expect(second.get(msg.id)).toEqual({ action: "ack" });
    const sends = posts(await fake.requests("resend"), "/resend/emails");
    expect(sends).toHaveLength(2);
    expect(keysOf(sends)).toEqual([`email:${ctx.eventId}:card_update_request`]);
    expect(carriedOut(sends)).toHaveLength(1);
    // The retry re-rendered the same email (the link's lifetime comes from the case, not the clock, and the Message-ID
    // from the key), so Resend replays its stored answer for the reused key: one delivery, recorded as sent.
    expect(sends[1]?.status).toBe(200);
    expect(JSON.parse((await effects(ctx.eventId))[0]?.detail ?? "{}")).toMatchObject({ via: "resend" });
    expect(await decisionsOf(ctx.eventId)).toMatchObject([{ tool: "send_email", template_id: "card_update_request", outcome: "executed" }]);
    expect((await eventRow(ctx.eventId))?.status).toBe("decided");
  });
});

describe("Gemini failures on the empathy paragraph", () => {
  const paragraph = Array.from({ length: 50 }, (_, i) => (i === 0 ? "Modelwritten" : "word")).join(" ") + ".";

  for (const [name, setup] of [
    ["HTTP 500", async (fake: FakeClient) => fake.fail({ provider: "gemini", status: 500, count: 3, path: "/v1beta/models/gemini-3.5-flash-lite" })],
    ["a hang past the timeout", async (fake: FakeClient) => fake.scriptGemini({ hangMs: 1500, body: geminiText(paragraph) })],
  ] as const) {
    it(`${name} from the fast model: the fixed paragraph is used and the email is still sent once`, async () => {
      const { scope, fake } = scoped("fltemp");
      await fake.scriptGemini({ body: geminiFunctionCall("send_email", { template_id: "soft_payment_reminder", variables: { tone: "gentle" } }) });
      await setup(fake);
      const ctx = softFailure();
      const e = envWith({ DEFAULT_MODE: "live", GEMINI_API_KEY: `gk_${scope}`, GEMINI_BASE_URL: fakeUrl, GEMINI_TIMEOUT_MS: "400" });
      const r = await runBatch([eventMessage(ctx)], e);
      expect(r.explicitAcks).toHaveLength(1);
      expect(await decisionsOf(ctx.eventId)).toMatchObject([{ decided_by: "model", tool: "send_email", outcome: "executed" }]);
      const emails = await outboxFor(ctx.customerId, "email");
      expect(emails).toHaveLength(1);
      const text = String(emails[0]?.text).replace(/\s+/g, " ");
      expect(text).toContain(fallbackEmpathyParagraph("insufficient_funds", "new"));
      expect(text).not.toContain("Modelwritten");
      const fx = await effects(ctx.eventId);
      expect(JSON.parse(fx[0]?.detail ?? "{}")).toMatchObject({ empathy: "fallback" });
      // The fast model was asked (and failed or timed out); the decision model was asked once.
      const paths = (await fake.requests("gemini")).map((r) => r.path);
      expect(paths[0]).toBe("/v1beta/models/gemini-3.8-flash:generateContent");
      expect(paths.slice(1).length).toBeGreaterThanOrEqual(1);
      expect(paths.slice(1).every((p) => p === "/v1beta/models/gemini-3.5-flash-lite:generateContent")).toBe(true);
    });
  }
});

describe("D1 errors in the consumer", () => {
  it("a D1 error while recording the decision: retried with a delay, then decided once", async () => {
    const ctx = softFailure();
    const d1 = failingD1(env.LEDGER, firstN(1, /^INSERT INTO decisions/));
    const msg = eventMessage(ctx, { id: `m-${ctx.eventId}` });
    const first = await runRecorded([msg], envWith({ DEFAULT_MODE: "live", RETRY_BASE_DELAY_SECONDS: "5", LEDGER: d1.db }));
    expect(first.get(msg.id)).toEqual({ action: "retry", delaySeconds: 5 });
    expect(await eventRow(ctx.eventId)).toMatchObject({ status: "claimed", last_error: expect.stringContaining(INJECTED) });
    expect(await decisionsOf(ctx.eventId)).toHaveLength(0);
    expect(await outboxFor(ctx.customerId)).toHaveLength(0);
    const second = await runRecorded([{ ...msg, attempts: 2 }], envWith({ DEFAULT_MODE: "live", RETRY_BASE_DELAY_SECONDS: "5", LEDGER: d1.db }));
    expect(second.get(msg.id)).toEqual({ action: "ack" });
    expect(await decisionsOf(ctx.eventId)).toMatchObject([{ tool: "send_email", outcome: "executed" }]);
    expect(await outboxFor(ctx.customerId, "email")).toHaveLength(1);
  });

  it("a D1 error after the effect (recording the outcome): the retry resumes the pending decision without a second email", async () => {
    const ctx = softFailure();
    const d1 = failingD1(env.LEDGER, firstN(1, /^UPDATE decisions SET outcome/));
    const msg = eventMessage(ctx, { id: `m-${ctx.eventId}` });
    const e = envWith({ DEFAULT_MODE: "live", RETRY_BASE_DELAY_SECONDS: "5", LEDGER: d1.db });
    expect((await runRecorded([msg], e)).get(msg.id)).toEqual({ action: "retry", delaySeconds: 5 });
    expect(await decisionsOf(ctx.eventId)).toMatchObject([{ outcome: "pending" }]);
    expect(await outboxFor(ctx.customerId, "email")).toHaveLength(1);
    expect((await runRecorded([{ ...msg, attempts: 2 }], e)).get(msg.id)).toEqual({ action: "ack" });
    expect(await decisionsOf(ctx.eventId)).toMatchObject([{ outcome: "executed" }]);
    expect(await outboxFor(ctx.customerId, "email")).toHaveLength(1);
  });

  it("a D1 error on every attempt: growing delays, then the DLQ consumer records it dead-lettered with the error", async () => {
    const ctx = softFailure();
    const d1 = failingD1(env.LEDGER, (sql) => /^INSERT INTO decisions/.test(sql));
    const msg = eventMessage(ctx, { id: `m-${ctx.eventId}` });
    const history = await deliverUntilSettled(msg, envWith({ DEFAULT_MODE: "live", RETRY_BASE_DELAY_SECONDS: "5", RETRY_MAX_DELAY_SECONDS: "60", LEDGER: d1.db }));
    expect(history).toEqual([5, 10, 20, 40, 60, 60].map((delaySeconds) => ({ action: "retry", delaySeconds })));
    expect(await outboxFor(ctx.customerId)).toHaveLength(0);
    const dlq = await runBatch([{ ...msg, attempts: MAX_DELIVERIES }], env, "dunning-dlq");
    expect(dlq.explicitAcks).toHaveLength(1);
    const row = await eventRow(ctx.eventId);
    expect(row).toMatchObject({ status: "dead_lettered" });
    expect(row?.status_reason).toContain(INJECTED);
  });

  it("D1 down for every statement (nothing reaches the ledger): retried; the DLQ waits for D1, then records it", async () => {
    const ctx = softFailure();
    const down = failingD1(env.LEDGER, () => true);
    const msg = eventMessage(ctx, { id: `m-${ctx.eventId}` });
    const first = await runRecorded([msg], envWith({ DEFAULT_MODE: "live", RETRY_BASE_DELAY_SECONDS: "5", LEDGER: down.db }));
    expect(first.get(msg.id)).toEqual({ action: "retry", delaySeconds: 5 });
    expect(await eventRow(ctx.eventId)).toBeNull();
    // The DLQ consumer cannot record it while D1 is down: it keeps the message (retry), never drops it.
    const stillDown = await runRecorded([{ ...msg, attempts: MAX_DELIVERIES }], envWith({ LEDGER: down.db }), "dunning-dlq");
    expect(stillDown.get(msg.id)?.action).toBe("retry");
    expect(await eventRow(ctx.eventId)).toBeNull();
    const dlq = await runRecorded([{ ...msg, attempts: MAX_DELIVERIES }], env, "dunning-dlq");
    expect(dlq.get(msg.id)).toEqual({ action: "ack" });
    expect(await eventRow(ctx.eventId)).toMatchObject({ status: "dead_lettered", status_reason: "retries exhausted" });
  });
});

describe("KV errors", () => {
  function failedEvent() {
    const id = uid();
    // No Stripe retry scheduled: day 0 sends the soft reminder (an email the ledger must send once).
    return invoiceEvent({ eventId: `evt_${id}`, customerId: `cus_${id}`, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}`, amount: 4900, currency: "usd", nextPaymentAttempt: null });
  }

  it("ingress: a KV read error answers 500 (Stripe redelivers) without enqueueing or writing; the redelivery is accepted once", async () => {
    const ev = failedEvent();
    const q = recordingQueue();
    const kv = flakyKv(env.BILLING_KV, { failGet: true });
    const res = await app.fetch(await signedRequest(ev), envWith({ DUNNING_QUEUE: q.queue, BILLING_KV: kv.kv }));
    expect(res.status).toBe(500);
    expect(await res.text()).not.toMatch(/KV|injected|whsec/);
    expect(q.sent).toHaveLength(0);
    expect(kv.puts).toHaveLength(0);
    expect(await env.BILLING_KV.get(`evt:${ev.id as string}`)).toBeNull();

    const redelivery = await app.fetch(await signedRequest(ev), envWith({ DUNNING_QUEUE: q.queue }));
    expect(redelivery.status).toBe(200);
    expect(await redelivery.json()).toEqual({ received: true });
    expect(q.sent).toHaveLength(1);
    const r = await runBatch([{ ...eventMessage((q.sent[0] as Extract<DunningJob, { kind: "event" }>).context) }], envWith({ DEFAULT_MODE: "live" }));
    expect(r.explicitAcks).toHaveLength(1);
    expect(await decisionsOf(ev.id as string)).toHaveLength(1);
  });

  it("ingress: a KV write error after the enqueue still answers 200; a redelivery is enqueued again and the ledger acts once", async () => {
    const ev = failedEvent();
    const q = recordingQueue();
    const kv = flakyKv(env.BILLING_KV, { failPut: true });
    const e = envWith({ DUNNING_QUEUE: q.queue, BILLING_KV: kv.kv });
    const first = await app.fetch(await signedRequest(ev), e);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: true });
    const again = await app.fetch(await signedRequest(ev), e);
    expect(again.status).toBe(200);
    expect(q.sent).toHaveLength(2);
    const contexts = (q.sent as Array<Extract<DunningJob, { kind: "event" }>>).map((j) => j.context);
    const live = envWith({ DEFAULT_MODE: "live" });
    await Promise.all(contexts.map((c) => runBatch([eventMessage(c)], live)));
    expect(await decisionsOf(ev.id as string)).toHaveLength(1);
    expect(await outboxFor(contexts[0]?.customerId ?? "")).toHaveLength(1);
    expect((await eventRow(ev.id as string))?.status).toBe("decided");
  });

  it("consumer: KV unavailable (mode read and throttle mirror) does not block the decision; the D1 throttle still holds", async () => {
    const customerId = `cus_${uid()}`;
    const mk = () => {
      const id = uid();
      const c = contextOf(invoiceEvent({ eventId: `evt_${id}`, customerId, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}`, nextPaymentAttempt: null }));
      return { ...c, failureReason: "insufficient_funds" as const, declineCode: "insufficient_funds" };
    };
    const kv = flakyKv(env.BILLING_KV, { failGet: true, failPut: true });
    const e = envWith({ DEFAULT_MODE: "live", BILLING_KV: kv.kv });
    const [a, b] = [mk(), mk()];
    const r = await runBatch([eventMessage(a), eventMessage(b)], e);
    expect(r.explicitAcks).toHaveLength(2);
    expect(await outboxFor(customerId, "email")).toHaveLength(1);
    const outcomes = [...(await decisionsOf(a.eventId)), ...(await decisionsOf(b.eventId))].map((d) => d.outcome).sort();
    expect(outcomes).toEqual(["executed", "throttled"]);
  });
});

describe("nothing accepted is lost", () => {
  it("after a mix of injected failures and redeliveries, every event ends decided or dead_lettered with a reason", async () => {
    const { scope, fake } = scoped("fltmix");
    // The loyal customer's failure was decided on day 0 (silently); its final-warning step (the winback) is in the mix.
    const loyal = await winbackDue(fake, providers(scope));
    const soft = softFailure();
    const expired = { ...softFailure(), failureReason: "card_expired" as const, declineCode: "expired_card" };
    const poison = { ...softFailure(), invoiceId: null, paymentIntentId: null, invoicePaymentIntentIds: [] };
    const d1Victim = softFailure();
    const queueVictim = invoiceEvent({ eventId: `evt_q_${uid()}`, customerId: `cus_q_${uid()}`, invoiceId: `in_q_${uid()}`, paymentIntentId: `pi_q_${uid()}` });

    // Ingress: the first delivery of one event meets a queue failure (500, nothing recorded); Stripe redelivers.
    const failing = recordingQueue({ fail: true });
    const refused = await app.fetch(await signedRequest(queueVictim), envWith({ DUNNING_QUEUE: failing.queue }));
    expect(refused.status).toBe(500);
    expect(await env.BILLING_KV.get(`evt:${queueVictim.id as string}`)).toBeNull();
    const q = recordingQueue();
    expect((await app.fetch(await signedRequest(queueVictim), envWith({ DUNNING_QUEUE: q.queue }))).status).toBe(200);
    const redelivered = (q.sent[0] as Extract<DunningJob, { kind: "event" }>).context;

    await fake.fail([
      { provider: "stripe", status: 500, count: 3, path: "/v1/coupons" },
      { provider: "resend", status: 503, count: 2 },
    ]);
    // D1 refuses every decision of one event; another event fails the first claim only.
    let d1VictimActive = false;
    const claimFlake = firstN(1, /^\s*INSERT INTO events/);
    const d1 = failingD1(env.LEDGER, (sql) => (/^INSERT INTO decisions/.test(sql) && d1VictimActive) || claimFlake(sql));
    const e = providers(scope, { LEDGER: d1.db });

    const all: DunningContext[] = [loyal.ctx, soft, expired, poison, d1Victim, redelivered];
    let pending: Msg[] = [...all.filter((c) => c !== loyal.ctx).map((c) => eventMessage(c, { id: `m-${c.eventId}` })), loyal.msg];
    for (let attempts = 1; attempts <= MAX_DELIVERIES && pending.length > 0; attempts++) {
      const batch = pending.map((m) => ({ ...m, attempts }));
      // The D1 victim's decisions fail while it is processed (as its own batch so the rule hits only it).
      const victim = batch.filter((m) => m.body.kind === "event" && m.body.context.eventId === d1Victim.eventId);
      const rest = batch.filter((m) => !victim.includes(m));
      const calls = await runRecorded(rest, e);
      d1VictimActive = true;
      for (const [k, v] of await runRecorded(victim, e)) calls.set(k, v);
      d1VictimActive = false;
      for (const m of batch) expect(calls.get(m.id), m.id).toBeDefined();
      pending = batch.filter((m) => calls.get(m.id)?.action === "retry");
    }
    // Whatever is still retrying after the last delivery goes to the dead-letter queue.
    expect(pending.map((m) => (m.body.kind === "event" ? m.body.context.eventId : "")).sort()).toEqual([d1Victim.eventId, poison.eventId].sort());
    const dlq = await runBatch(pending, env, "dunning-dlq");
    expect(dlq.explicitAcks).toHaveLength(pending.length);

    for (const c of all) {
      const row = await eventRow(c.eventId);
      expect(row, c.eventId).not.toBeNull();
      expect(["decided", "dead_lettered"], c.eventId).toContain(row?.status);
      expect(row?.status_reason, c.eventId).toBeTruthy();
      if (row?.status === "decided") {
        const ds = await decisionsOf(c.eventId);
        expect(ds.length, c.eventId).toBeGreaterThanOrEqual(1);
        expect(ds.filter((d) => d.outcome === "pending"), c.eventId).toHaveLength(0);
      }
    }
    expect((await eventRow(poison.eventId))?.status_reason).toMatch(/neither invoice nor PaymentIntent/);
    expect((await eventRow(d1Victim.eventId))?.status_reason).toContain(INJECTED);
    // Still exactly one delivery per emailed event and one coupon.
    const resend = await fake.requests("resend");
    for (const id of [loyal.stepEventId, soft.eventId, expired.eventId]) {
      expect(carriedOut(resend.filter((r) => String(r.headers["idempotency-key"]).startsWith(`email:${id}:`))), id).toHaveLength(1);
    }
    expect(await decisionsOf(loyal.stepEventId)).toMatchObject([{ tool: "offer_winback_discount", outcome: "executed" }]);
    expect(await env.LEDGER.prepare("SELECT status FROM scheduled_jobs WHERE id = ?1").bind(loyal.jobId).first()).toMatchObject({ status: "done" });
    expect(carriedOut(posts(await fake.requests("stripe"), "/v1/coupons"))).toHaveLength(1);
    expect(await decisionsOf(redelivered.eventId)).toHaveLength(1);
  });
});

describe("Stripe replays a stored failure for the same Idempotency-Key (a request that began executing)", () => {
  it("a 500 stored after the coupon was created: looked up by our metadata, not created again; one coupon, one code, one email", async () => {
    const { scope, fake } = scoped("fltafter");
    const e = providers(scope);
    const s = await winbackDue(fake, e);
    await fake.fail({ provider: "stripe", status: 500, count: 1, path: "/v1/coupons", method: "POST", when: "after" });
    const history = await deliverUntilSettled(s.msg, e);
    expect(history.at(-1)).toEqual({ action: "ack" });
    const stripe = await fake.requests("stripe");
    const coupons = posts(stripe, "/v1/coupons");
    // The first request executed and got a 500; the SDK's retries got that 500 replayed: one key, one coupon.
    expect(keysOf(coupons)).toHaveLength(1);
    expect(coupons.filter((r) => r.replayed === true).length).toBeGreaterThan(0);
    const listed = stripe.filter((r) => r.method === "GET" && r.path === "/v1/coupons");
    expect(listed.length).toBeGreaterThan(0);
    expect(carriedOut(posts(stripe, "/v1/promotion_codes"))).toHaveLength(1);
    expect(carriedOut(posts(await fake.requests("resend"), "/resend/emails"))).toHaveLength(1);
    expect(await decisionsOf(s.stepEventId)).toMatchObject([{ tool: "offer_winback_discount", outcome: "executed" }]);
    const [coupon] = (await effects(s.stepEventId)).filter((f) => f.operation === "coupons.create");
    expect(JSON.parse(coupon?.detail ?? "{}")).toMatchObject({ reconciled: true });
  });

  it("a 500 stored before anything happened (the lookup finds nothing): sent again under a key derived from the first; one code", async () => {
    const { scope, fake } = scoped("fltnew");
    const e = providers(scope);
    const s = await winbackDue(fake, e);
    await fake.fail({ provider: "stripe", status: 500, count: 1, path: "/v1/promotion_codes", method: "POST", when: "stored" });
    const history = await deliverUntilSettled(s.msg, e);
    expect(history.at(-1)).toEqual({ action: "ack" });
    const stripe = await fake.requests("stripe");
    const promos = posts(stripe, "/v1/promotion_codes");
    const keys = keysOf(promos);
    const base = `${s.stepEventId}:offer_winback_discount:promotion_codes.create`;
    // The stored 500 is replayed for the first key; the lookup by code finds nothing; the derived key creates it once.
    expect(keys).toEqual([base, `${base}:a1`]);
    expect(stripe.some((r) => r.method === "GET" && r.path === "/v1/promotion_codes")).toBe(true);
    expect(carriedOut(promos)).toHaveLength(1);
    expect(carriedOut(posts(stripe, "/v1/coupons"))).toHaveLength(1);
    expect(carriedOut(posts(await fake.requests("resend"), "/resend/emails"))).toHaveLength(1);
  });

  it("a concurrent request with the same key gets 409 idempotency_key_in_use and is retried, never acted on twice", async () => {
    const { scope, fake } = scoped("flt409");
    const e = providers(scope);
    const s = await winbackDue(fake, e);
    // The coupon request hangs (still executing) while a second delivery of the same message sends the same key.
    await fake.fail({ provider: "stripe", hangMs: 1500, count: 1, path: "/v1/coupons", method: "POST" });
    const msg = s.msg;
    await Promise.all([runRecorded([msg], e), new Promise((r) => setTimeout(r, 300)).then(() => runRecorded([{ ...msg, attempts: 2 }], e))]);
    await deliverUntilSettled({ ...msg, attempts: 3 }, e);
    const coupons = posts(await fake.requests("stripe"), "/v1/coupons");
    expect(keysOf(coupons)).toHaveLength(1);
    expect(carriedOut(coupons)).toHaveLength(1);
    expect(carriedOut(posts(await fake.requests("resend"), "/resend/emails"))).toHaveLength(1);
  });
});
