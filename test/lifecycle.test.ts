import { beforeAll, describe, expect, inject, it } from "vitest";
import { createApp } from "../src/http/app.ts";
import { sha256Hex } from "../src/ledger/api-keys.ts";
import { sweepDueJobs } from "../src/scheduled.ts";
import { env, envWith, migrate, uid, type TestEnv } from "./helpers/env.ts";
import { caseRow, decisionsOf, outboxFor } from "./helpers/consumer.ts";
import { deliver, runDueJobs } from "./helpers/deliver.ts";
import { ageCampaign, runStep } from "./helpers/campaign-steps.ts";
import { fakeClient, type FakeClient } from "./fakes/client.ts";
import { fixture, invoiceEvent, paymentIntentEvent } from "./helpers/stripe-events.ts";

const fakeUrl = inject("fakeUrl");
beforeAll(migrate);

interface World {
  scope: string;
  fake: FakeClient;
  run: string;
  customerId: string;
  env: TestEnv;
}

async function world(over: Record<string, unknown> = {}): Promise<World> {
  const scope = uid("life");
  const run = uid("l");
  const customerId = `cus_${run}`;
  const fake = fakeClient(fakeUrl, scope);
  await fake.putStripe("customers", customerId, { id: customerId, object: "customer", email: `sam.${run}@example.com`, name: "Sam", preferred_locales: [], invoice_settings: { default_payment_method: null } });
  return {
    scope,
    fake,
    run,
    customerId,
    env: envWith({ DEFAULT_MODE: "live", STRIPE_SECRET_KEY: `sk_test_${scope}`, STRIPE_API_BASE: fakeUrl, PI_RETRY_DELAYS: "1s,1s", ...over }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => Math.floor(Date.now() / 1000);

describe("one-off PaymentIntents: the agent owns the retries", () => {
  it("1st failure -> reminder + retry; 2nd -> card update (throttled, reconsidered later); 3rd -> a person; retries survive a restart", async () => {
    const w = await world();
    const pi = `pi_${w.run}`;
    await w.fake.putStripe("payment_intents", pi, {
      id: pi,
      object: "payment_intent",
      customer: w.customerId,
      amount: 25000,
      currency: "usd",
      status: "requires_payment_method",
      payment_method: `pm_${w.run}`,
      next_confirm_outcome: "fail:insufficient_funds",
    });
    const failed = (n: number) => paymentIntentEvent({ eventId: `evt_${w.run}_${n}`, customerId: w.customerId, paymentIntentId: pi, declineCode: "insufficient_funds", amount: 25000, created: now() - 100 + n });

    await deliver(failed(1), w.env);
    expect((await decisionsOf(`evt_${w.run}_1`)).at(-1)).toMatchObject({ decided_by: "lifecycle", tool: "send_email", template_id: "soft_payment_reminder", outcome: "executed" });
    expect(await outboxFor(w.customerId, "email")).toHaveLength(1);
    const job = await env.LEDGER.prepare("SELECT * FROM scheduled_jobs WHERE id = ?1").bind(`pi_retry:${pi}:1`).first<{ status: string; due_at: number }>();
    expect(job?.status).toBe("pending");

    // "Restart": a fresh env (new config, clients, caches); the job lives in D1.
    await sleep(1100);
    const ran = await runDueJobs(envWith({ ...w.env }), sweepDueJobs);
    expect(ran).toContainEqual({ kind: "scheduled", jobId: `pi_retry:${pi}:1` });
    const confirms = (await w.fake.requests("stripe")).filter((r) => r.path === `/v1/payment_intents/${pi}/confirm`);
    expect(confirms).toHaveLength(1);
    expect(confirms[0]?.headers["idempotency-key"]).toBe(`pi-retry:${pi}:1`);
    expect((confirms[0]?.body as { payment_method: string }).payment_method).toBe(`pm_${w.run}`);
    // The sweep again: the job is done, nothing repeats.
    await runDueJobs(w.env, sweepDueJobs);
    expect((await w.fake.requests("stripe")).filter((r) => r.path.endsWith("/confirm"))).toHaveLength(1);

    // Stripe reports the retry's failure as a second failure event.
    await deliver(failed(2), w.env);
    const second = await decisionsOf(`evt_${w.run}_2`);
    expect(second.at(-1)).toMatchObject({ tool: "send_email", template_id: "card_update_request", outcome: "throttled" });
    expect(await env.LEDGER.prepare("SELECT status FROM scheduled_jobs WHERE id = ?1").bind(`reconsider:evt_${w.run}_2`).first()).toMatchObject({ status: "pending" });

    await deliver(failed(3), w.env);
    expect((await decisionsOf(`evt_${w.run}_3`)).at(-1)).toMatchObject({ tool: "escalate_to_human", outcome: "executed" });
    expect(await caseRow(pi)).toMatchObject({ kind: "payment_intent", failures: 3, status: "open" });
    expect(await outboxFor(w.customerId, "email")).toHaveLength(1);
  });

  it("a hard decline is never retried", async () => {
    const w = await world();
    const pi = `pi_${w.run}`;
    await deliver(paymentIntentEvent({ eventId: `evt_${w.run}`, customerId: w.customerId, paymentIntentId: pi, declineCode: "stolen_card" }), w.env);
    expect((await decisionsOf(`evt_${w.run}`)).at(-1)).toMatchObject({ template_id: "card_update_request", outcome: "executed" });
    expect(await env.LEDGER.prepare("SELECT COUNT(*) AS n FROM scheduled_jobs WHERE case_id = ?1 AND kind = 'pi_retry'").bind(pi).first()).toMatchObject({ n: 0 });
  });

  it("an invoice's PaymentIntent is never retried by the agent (Smart Retries own it)", async () => {
    const w = await world();
    // Stripe links the invoice and its PaymentIntent (GET /v1/invoice_payments); the webhook payloads do not.
    await w.fake.putStripe("invoice_payments", `in_${w.run}`, [{ id: `inpay_${w.run}`, object: "invoice_payment", invoice: `in_${w.run}`, payment: { type: "payment_intent", payment_intent: `pi_${w.run}` }, status: "open" }]);
    await deliver(invoiceEvent({ eventId: `evt_inv_${w.run}`, customerId: w.customerId, invoiceId: `in_${w.run}`, paymentIntentId: `pi_${w.run}` }), envWith({ ...w.env, DEFAULT_MODE: "observe" }));
    await deliver(paymentIntentEvent({ eventId: `evt_pi_${w.run}`, customerId: w.customerId, paymentIntentId: `pi_${w.run}` }), w.env);
    // The invoice's own campaign steps are scheduled; nothing else (no retry of the PaymentIntent).
    expect(await env.LEDGER.prepare("SELECT COUNT(*) AS n FROM scheduled_jobs WHERE customer_id = ?1 AND kind != 'campaign_step'").bind(w.customerId).first()).toMatchObject({ n: 0 });
    expect(await env.LEDGER.prepare("SELECT COUNT(*) AS n FROM scheduled_jobs WHERE customer_id = ?1 AND case_id = ?2").bind(w.customerId, `in_${w.run}`).first()).toMatchObject({ n: 3 });
    expect(await caseRow(`pi_${w.run}`)).toBeNull();
  });

  it("a payment before the retry cancels it", async () => {
    const w = await world({ PI_RETRY_DELAYS: "1s" });
    const pi = `pi_${w.run}`;
    await deliver(paymentIntentEvent({ eventId: `evt_f_${w.run}`, customerId: w.customerId, paymentIntentId: pi, created: now() - 10 }), w.env);
    await deliver(paymentIntentEvent({ eventId: `evt_s_${w.run}`, customerId: w.customerId, paymentIntentId: pi, type: "payment_intent.succeeded" }), w.env);
    expect(await caseRow(pi)).toMatchObject({ status: "recovered" });
    expect(await env.LEDGER.prepare("SELECT status FROM scheduled_jobs WHERE id = ?1").bind(`pi_retry:${pi}:1`).first()).toMatchObject({ status: "canceled" });
  });
});

describe("retry right after a card update", () => {
  it("Stripe paid the invoice but stored a 500 for the pay request: the invoice is looked up (paid), never paid twice", async () => {
    const w = await world();
    const invoiceId = `in_${w.run}`;
    await w.fake.putStripe("invoices", invoiceId, { id: invoiceId, object: "invoice", customer: w.customerId, status: "open", amount_due: 4900, amount_paid: 0, currency: "usd", metadata: {} });
    await deliver(invoiceEvent({ eventId: `evt_f_${w.run}`, customerId: w.customerId, invoiceId, paymentIntentId: `pi_${w.run}`, created: now() - 50 }), envWith({ ...w.env, DEFAULT_MODE: "observe" }));
    await w.fake.fail({ provider: "stripe", status: 500, count: 1, path: `/v1/invoices/${invoiceId}/pay`, when: "after" });
    const pm = `pm_new_${w.run}`;
    const attached = fixture("05-olivia-payment-method-attached-new-card");
    Object.assign(attached, { id: `evt_pm_${w.run}`, created: now() - 5 });
    Object.assign((attached.data as { object: Record<string, unknown> }).object, { id: pm, customer: w.customerId });
    await deliver(attached, w.env);
    const pays = (await w.fake.requests("stripe")).filter((r) => r.path === `/v1/invoices/${invoiceId}/pay`);
    expect(new Set(pays.map((r) => r.headers["idempotency-key"])).size).toBe(1);
    expect(pays.filter((r) => r.replayed === true).length).toBeGreaterThan(0);
    expect((await w.fake.getStripe<{ status: string }>("invoices", invoiceId))?.status).toBe("paid");
    expect(await caseRow(invoiceId)).toMatchObject({ status: "recovered" });
  });

  it("pays the open failed invoice once with the new card, even when two update events announce it", async () => {
    const w = await world();
    const invoiceId = `in_${w.run}`;
    await w.fake.putStripe("invoices", invoiceId, { id: invoiceId, object: "invoice", customer: w.customerId, status: "open", amount_due: 4900, amount_paid: 0, currency: "usd", metadata: {} });
    await deliver(invoiceEvent({ eventId: `evt_f_${w.run}`, customerId: w.customerId, invoiceId, paymentIntentId: `pi_${w.run}`, created: now() - 50 }), envWith({ ...w.env, DEFAULT_MODE: "observe" }));
    const pm = `pm_new_${w.run}`;
    const attached = fixture("05-olivia-payment-method-attached-new-card");
    Object.assign(attached, { id: `evt_pm_${w.run}`, created: now() - 5 });
    Object.assign((attached.data as { object: Record<string, unknown> }).object, { id: pm, customer: w.customerId });
    const updated = fixture("06-olivia-customer-updated-default-payment-method");
    Object.assign(updated, { id: `evt_cu_${w.run}`, created: now() - 4 });
    Object.assign((updated.data as { object: Record<string, unknown> }).object, { id: w.customerId, email: `sam.${w.run}@example.com`, invoice_settings: { default_payment_method: pm, custom_fields: null, footer: null, rendering_options: null } });
    await Promise.all([deliver(attached, w.env), deliver(updated, w.env)]);
    const pays = (await w.fake.requests("stripe")).filter((r) => r.path === `/v1/invoices/${invoiceId}/pay`);
    expect(pays).toHaveLength(1);
    expect((pays[0]?.body as { payment_method: string }).payment_method).toBe(pm);
    expect(pays[0]?.headers["idempotency-key"]).toBe(`card-update:${invoiceId}:${pm}:invoices.pay`);
    expect(await caseRow(invoiceId)).toMatchObject({ status: "recovered" });
  });

  it("respects the mode: in dry_run nothing is paid", async () => {
    const w = await world({ DEFAULT_MODE: "dry_run" });
    const invoiceId = `in_${w.run}`;
    await deliver(invoiceEvent({ eventId: `evt_f_${w.run}`, customerId: w.customerId, invoiceId, paymentIntentId: `pi_${w.run}`, created: now() - 50 }), w.env);
    const attached = fixture("05-olivia-payment-method-attached-new-card");
    Object.assign(attached, { id: `evt_pm_${w.run}`, created: now() - 5 });
    Object.assign((attached.data as { object: Record<string, unknown> }).object, { id: `pm_${w.run}`, customer: w.customerId });
    await deliver(attached, w.env);
    expect((await w.fake.requests("stripe")).filter((r) => r.path.endsWith("/pay"))).toHaveLength(0);
    expect((await decisionsOf(`evt_pm_${w.run}`)).at(-1)).toMatchObject({ tool: "request_stripe_smart_retry", outcome: "dry_run" });
  });
});

describe("trial and cancellation lifecycle", () => {
  function trialEvent(w: World, trialEndDays: number) {
    const ev = fixture("18-priya-subscription-trial-will-end");
    Object.assign(ev, { id: `evt_t_${w.run}`, created: now() });
    Object.assign((ev.data as { object: Record<string, unknown> }).object, { id: `sub_${w.run}`, customer: w.customerId, trial_end: now() + trialEndDays * 86400 });
    return ev;
  }

  it("a lapsed trial (no payment method) is invited to add one; no pressure copy", async () => {
    const w = await world();
    await deliver(trialEvent(w, 3), w.env);
    const [email] = await outboxFor(w.customerId, "email");
    expect(email).toMatchObject({ template_id: "trial_ending" });
    expect(String(email?.text)).toContain("Add a payment method");
    expect(String(email?.text)).not.toMatch(/final|suspend|interrupt/i);
  });

  it("an engaged trial (payment method on file) hears what continues", async () => {
    const w = await world();
    await w.fake.patchStripe("customers", w.customerId, { invoice_settings: { default_payment_method: `pm_${w.run}` } });
    await deliver(trialEvent(w, 3), w.env);
    const [email] = await outboxFor(w.customerId, "email");
    expect(String(email?.subject)).toMatch(/trial becomes your plan/);
  });

  it("cancellation closes the case as lost and schedules one gated winback for the next day", async () => {
    const w = await world();
    await w.fake.putStripe("paid_invoices", w.customerId, Array.from({ length: 10 }, (_, i) => ({ id: `in_h_${w.run}_${i}`, object: "invoice", amount_paid: 9900, currency: "usd", status: "paid", created: 1760000000 + i * 2600000, status_transitions: { paid_at: 1760000000 + i * 2600000 } })));
    const invoiceId = `in_${w.run}`;
    await deliver(invoiceEvent({ eventId: `evt_f_${w.run}`, customerId: w.customerId, invoiceId, paymentIntentId: `pi_${w.run}`, created: now() - 60, extra: { parent: { type: "subscription_details", subscription_details: { subscription: `sub_${w.run}`, metadata: {} }, quote_details: null } } }), envWith({ ...w.env, DEFAULT_MODE: "observe" }));
    const deleted = fixture("31-jordan-subscription-deleted");
    Object.assign(deleted, { id: `evt_d_${w.run}`, created: now() });
    Object.assign((deleted.data as { object: Record<string, unknown> }).object, { id: `sub_${w.run}`, customer: w.customerId });
    await deliver(deleted, w.env);
    expect(await caseRow(invoiceId)).toMatchObject({ status: "lost" });
    const job = await env.LEDGER.prepare("SELECT * FROM scheduled_jobs WHERE id = ?1").bind(`winback_after_loss:sub_${w.run}`).first<{ due_at: number; status: string }>();
    expect(job?.status).toBe("pending");
    expect(job?.due_at).toBeGreaterThan(Date.now() + 23 * 3600_000);
    // Next day: make it due and run it.
    await env.LEDGER.prepare("UPDATE scheduled_jobs SET due_at = 0 WHERE id = ?1").bind(`winback_after_loss:sub_${w.run}`).run();
    await runDueJobs(w.env, sweepDueJobs);
    const promo = (await w.fake.requests("stripe")).filter((r) => r.path === "/v1/promotion_codes");
    expect(promo).toHaveLength(1);
    expect((await w.fake.requests("stripe")).filter((r) => r.path.startsWith("/v1/subscriptions/") && r.method === "POST")).toHaveLength(0); // canceled: code + resubscribe link
    const [email] = await outboxFor(w.customerId, "email");
    expect(email).toMatchObject({ template_id: "winback_offer" });
    expect(String(email?.text)).toContain("/resubscribe");
  });
});

describe("the next-day winback passes the one gate", () => {
  it("a subscription lost to suspected fraud gets no winback the next day (the reason comes from the closed case, not the deletion event)", async () => {
    const w = await world();
    await w.fake.putStripe("paid_invoices", w.customerId, Array.from({ length: 10 }, (_, i) => ({ id: `in_h_${w.run}_${i}`, object: "invoice", amount_paid: 9900, currency: "usd", status: "paid", created: 1760000000 + i * 2600000, status_transitions: { paid_at: 1760000000 + i * 2600000 } })));
    const invoiceId = `in_${w.run}`;
    await deliver(invoiceEvent({ eventId: `evt_f_${w.run}`, customerId: w.customerId, invoiceId, paymentIntentId: `pi_${w.run}`, created: now() - 60, extra: { parent: { type: "subscription_details", subscription_details: { subscription: `sub_${w.run}`, metadata: {} }, quote_details: null } } }), envWith({ ...w.env, DEFAULT_MODE: "observe" }));
    await env.LEDGER.prepare("UPDATE cases SET reason = 'fraud_suspected', decline_code = 'fraudulent' WHERE id = ?1").bind(invoiceId).run();
    const deleted = fixture("31-jordan-subscription-deleted");
    Object.assign(deleted, { id: `evt_d_${w.run}`, created: now() });
    Object.assign((deleted.data as { object: Record<string, unknown> }).object, { id: `sub_${w.run}`, customer: w.customerId });
    await deliver(deleted, w.env);
    await env.LEDGER.prepare("UPDATE scheduled_jobs SET due_at = 0 WHERE id = ?1").bind(`winback_after_loss:sub_${w.run}`).run();
    await runDueJobs(w.env, sweepDueJobs);
    expect((await w.fake.requests("stripe")).filter((r) => r.path === "/v1/coupons" || r.path === "/v1/promotion_codes")).toHaveLength(0);
    expect(await outboxFor(w.customerId, "email")).toHaveLength(0);
    const [d] = await decisionsOf(`evt_d_${w.run}~winback`);
    expect(d).toMatchObject({ decided_by: "lifecycle", tool: "offer_winback_discount", outcome: "rejected" });
    expect(String(d?.validation)).toMatch(/suspected fraud/);
  });
});

describe("access state for the product", () => {
  async function apiKey(): Promise<string> {
    const key = `ra_${uid().replace(/[^a-z0-9]/g, "").slice(0, 12).padEnd(6, "0")}_${"A".repeat(10)}${uid().replace(/[^A-Za-z0-9]/g, "").padEnd(12, "B")}`;
    await env.LEDGER.prepare("INSERT INTO api_keys (id, key_hash, label, created_at) VALUES (?1, ?2, 'test', ?3)").bind(uid(), await sha256Hex(key), Date.now()).run();
    return key;
  }
  const app = createApp();
  const access = async (customerId: string, key: string | null) => app.fetch(new Request(`http://x/v1/access/${customerId}`, key ? { headers: { authorization: `Bearer ${key}` } } : {}), env);

  it("needs a valid API key", async () => {
    expect((await access("cus_x", null)).status).toBe(401);
    expect((await access("cus_x", "ra_abcdef_nottherightkeyatall0000")).status).toBe(401);
  });

  it("follows a whole failed -> grace -> recovered sequence, and records every change", async () => {
    const w = await world({ STRIPE_SECRET_KEY: "" });
    const key = await apiKey();
    expect(await (await access(w.customerId, key)).json()).toMatchObject({ state: "active" });
    const invoiceId = `in_${w.run}`;
    await deliver(invoiceEvent({ eventId: `evt_f_${w.run}`, customerId: w.customerId, invoiceId, paymentIntentId: `pi_${w.run}`, created: now() - 30 }), w.env);
    const grace = (await (await access(w.customerId, key)).json()) as { state: string; graceUntil: string; caseIds: string[] };
    expect(grace.state).toBe("grace");
    expect(grace.caseIds).toEqual([invoiceId]);
    const days = (Date.parse(grace.graceUntil) - Date.now()) / 86400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    await deliver(invoiceEvent({ eventId: `evt_p_${w.run}`, customerId: w.customerId, invoiceId, type: "invoice.paid" }), w.env);
    expect(await (await access(w.customerId, key)).json()).toMatchObject({ state: "active" });
    const history = (await env.LEDGER.prepare("SELECT state, event_id FROM access_changes WHERE customer_id = ?1 ORDER BY id").bind(w.customerId).all()).results;
    expect(history).toEqual([
      { state: "grace", event_id: `evt_f_${w.run}` },
      { state: "active", event_id: `evt_p_${w.run}` },
    ]);
  });

  it("annual subscribers get a longer grace; past the grace, access is restricted; a canceled subscription is restricted", async () => {
    const w = await world({ STRIPE_SECRET_KEY: "" });
    const key = await apiKey();
    await deliver(invoiceEvent({ eventId: `evt_f_${w.run}`, customerId: w.customerId, invoiceId: `in_${w.run}`, paymentIntentId: `pi_${w.run}`, lookupKey: "team_annual" }), w.env);
    const body = (await (await access(w.customerId, key)).json()) as { state: string; graceUntil: string };
    expect(body.state).toBe("grace");
    expect((Date.parse(body.graceUntil) - Date.now()) / 86400_000).toBeGreaterThan(20.9);
    // Past the grace: the campaign restricts access, once its dated warning (48 h before the grace end) is 48 h old.
    await ageCampaign(`in_${w.run}`, 19 * 86400_000);
    expect(await runStep(w.env, `in_${w.run}`, "final_warning")).toEqual({ action: "ack" });
    expect((await outboxFor(w.customerId, "email")).map((m) => m.template_id)).toEqual(["final_warning"]);
    await ageCampaign(`in_${w.run}`, 2 * 86400_000 + 3600_000);
    expect(await (await access(w.customerId, key)).json()).toMatchObject({ state: "grace" });
    expect(await runStep(w.env, `in_${w.run}`, "restrict")).toEqual({ action: "ack" });
    expect(await (await access(w.customerId, key)).json()).toMatchObject({ state: "restricted" });
    const deleted = fixture("31-jordan-subscription-deleted");
    Object.assign(deleted, { id: `evt_d_${w.run}` });
    Object.assign((deleted.data as { object: Record<string, unknown> }).object, { id: `sub_${w.run}`, customer: w.customerId });
    await deliver(deleted, w.env);
    expect(await (await access(w.customerId, key)).json()).toMatchObject({ state: "restricted", reason: "subscription canceled" });
  });

  it("a state label from update_customer_state is shown but never changes the access state", async () => {
    const w = await world({ STRIPE_SECRET_KEY: "" });
    const key = await apiKey();
    await env.LEDGER.prepare("INSERT INTO customers (id, first_seen_at, state_label, state_note, updated_at) VALUES (?1, 0, 'lost', 'said goodbye', 0)").bind(w.customerId).run();
    expect(await (await access(w.customerId, key)).json()).toMatchObject({ state: "active", label: "lost", note: "said goodbye" });
  });
});
