/**
 * Events that end or pause a case: a voided or uncollectible invoice, a canceled one-off PaymentIntent, the card
 * updater replacing a card, a dispute. Through the webhook and the real consumer.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { fakeClient } from "./fakes/client.ts";
import { caseRow, decisionsOf, eventRow, outboxFor } from "./helpers/consumer.ts";
import { deliver } from "./helpers/deliver.ts";
import { env, envWith, migrate, uid } from "./helpers/env.ts";
import { invoiceEvent, paymentIntentEvent } from "./helpers/stripe-events.ts";

const fakeUrl = inject("fakeUrl");
beforeAll(migrate);

const live = (over: Record<string, unknown> = {}) => envWith({ DEFAULT_MODE: "live", ...over });
const now = () => Math.floor(Date.now() / 1000);

function story() {
  const run = uid("end");
  return { run, customerId: `cus_${run}`, invoiceId: `in_${run}`, pi: `pi_${run}` };
}

const envelope = (type: string, object: Record<string, unknown>, id = `evt_${uid()}`) => ({
  id,
  object: "event",
  api_version: "2026-10-28.endive",
  created: now(),
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  type,
  data: { object },
});

describe("events that end a case", () => {
  for (const [type, status] of [
    ["invoice.voided", "voided"],
    ["invoice.marked_uncollectible", "uncollectible"],
  ] as const) {
    it(`${type}: the case is closed as ${status}, its remaining steps canceled, and a late failure sends nothing`, async () => {
      const s = story();
      await deliver(invoiceEvent({ eventId: `evt_f_${s.run}`, customerId: s.customerId, invoiceId: s.invoiceId, created: now() - 60 }), live({ DEFAULT_MODE: "observe" }));
      await env.LEDGER.prepare("INSERT INTO scheduled_jobs (id, kind, case_id, customer_id, due_at, payload, status, created_at, updated_at) VALUES (?1, 'reconsider', ?2, ?3, ?4, '{}', 'pending', ?4, ?4)")
        .bind(`reconsider:x_${s.run}`, s.invoiceId, s.customerId, Date.now() + 86400_000)
        .run()
        .catch(() => undefined);
      const ended = invoiceEvent({ eventId: `evt_e_${s.run}`, customerId: s.customerId, invoiceId: s.invoiceId, type: "invoice.paid" });
      Object.assign(ended, { type });
      Object.assign((ended.data as { object: Record<string, unknown> }).object, { status: status === "voided" ? "void" : "uncollectible", amount_paid: 0 });
      await deliver(ended, live());
      expect(await caseRow(s.invoiceId)).toMatchObject({ status, close_reason: type });
      expect(String((await eventRow(`evt_e_${s.run}`))?.status_reason)).toMatch(new RegExp(`case ${status}`));
      await deliver(invoiceEvent({ eventId: `evt_l_${s.run}`, customerId: s.customerId, invoiceId: s.invoiceId, attempt: 2 }), live());
      expect(await outboxFor(s.customerId, "email")).toHaveLength(0);
      expect(await decisionsOf(`evt_l_${s.run}`)).toMatchObject([{ outcome: "superseded" }]);
    });
  }

  it("payment_intent.canceled closes a one-off case as canceled (and leaves an invoice's PaymentIntent to its invoice)", async () => {
    const s = story();
    await deliver(paymentIntentEvent({ eventId: `evt_f_${s.run}`, customerId: s.customerId, paymentIntentId: s.pi, amount: 25000 }), live({ DEFAULT_MODE: "observe" }));
    expect(await caseRow(s.pi)).toMatchObject({ kind: "payment_intent", status: "open" });
    const canceled = paymentIntentEvent({ eventId: `evt_c_${s.run}`, customerId: s.customerId, paymentIntentId: s.pi, amount: 25000, type: "payment_intent.succeeded" });
    Object.assign(canceled, { type: "payment_intent.canceled" });
    Object.assign((canceled.data as { object: Record<string, unknown> }).object, { status: "canceled", cancellation_reason: "abandoned" });
    await deliver(canceled, live());
    expect(await caseRow(s.pi)).toMatchObject({ status: "canceled" });
    const jobs = await env.LEDGER.prepare("SELECT COUNT(*) AS n FROM scheduled_jobs WHERE case_id = ?1 AND status = 'pending'").bind(s.pi).first<{ n: number }>();
    expect(jobs?.n).toBe(0);
  });
});

describe("the card updater", () => {
  it("payment_method.automatically_updated pays the open invoice once with the new card", async () => {
    const scope = uid("upd");
    const s = story();
    const fake = fakeClient(fakeUrl, scope);
    await fake.putStripe("customers", s.customerId, { id: s.customerId, object: "customer", email: `${s.run}@example.com`, name: "U", preferred_locales: [], metadata: {}, invoice_settings: { default_payment_method: null } });
    await fake.putStripe("invoices", s.invoiceId, { id: s.invoiceId, object: "invoice", customer: s.customerId, status: "open", amount_due: 4900, amount_remaining: 4900, currency: "usd", attempt_count: 1, metadata: {} });
    const e = live({ STRIPE_SECRET_KEY: `sk_test_${scope}`, STRIPE_API_BASE: fakeUrl });
    await deliver(invoiceEvent({ eventId: `evt_f_${s.run}`, customerId: s.customerId, invoiceId: s.invoiceId, created: now() - 60 }), envWith({ ...e, DEFAULT_MODE: "observe" }));
    const pm = `pm_upd_${s.run}`;
    await deliver(envelope("payment_method.automatically_updated", { id: pm, object: "payment_method", type: "card", customer: s.customerId, card: { brand: "visa", last4: "4242", exp_month: 12, exp_year: 2030 } }, `evt_u_${s.run}`), e);
    const pays = (await fake.requests("stripe")).filter((r) => r.path === `/v1/invoices/${s.invoiceId}/pay`);
    expect(pays).toHaveLength(1);
    expect((pays[0]?.body as { payment_method?: string }).payment_method).toBe(pm);
  });
});

describe("a dispute", () => {
  it("pauses the customer's open case and tells a person; the next failure sends nothing to the customer", async () => {
    const s = story();
    await deliver(paymentIntentEvent({ eventId: `evt_f_${s.run}`, customerId: s.customerId, paymentIntentId: s.pi, amount: 25000 }), live({ DEFAULT_MODE: "observe" }));
    await deliver(envelope("charge.dispute.created", { id: `dp_${s.run}`, object: "dispute", amount: 25000, currency: "usd", charge: `ch_${s.run}`, payment_intent: s.pi, reason: "fraudulent", status: "warning_needs_response" }, `evt_d_${s.run}`), live());
    const row = await caseRow(s.pi);
    expect(row?.paused_at).not.toBeNull();
    expect(String((await eventRow(`evt_d_${s.run}`))?.status_reason)).toMatch(/paused/);
    const slack = await outboxFor(s.customerId, "slack");
    expect(slack).toHaveLength(1);
    expect(String(slack[0]?.text)).toMatch(/dispute/);
    // A later failure of the same payment: skipped, as under a pause label.
    await deliver(paymentIntentEvent({ eventId: `evt_g_${s.run}`, customerId: s.customerId, paymentIntentId: s.pi, amount: 25000 }), live());
    expect(await outboxFor(s.customerId, "email")).toHaveLength(0);
    expect((await decisionsOf(`evt_g_${s.run}`)).at(0)).toMatchObject({ outcome: "skipped" });
  });

  it("a dispute on a payment the agent never saw is recorded and changes nothing", async () => {
    const run = uid("dsp");
    await deliver(envelope("charge.dispute.created", { id: `dp_${run}`, object: "dispute", amount: 100, currency: "usd", charge: `ch_${run}`, payment_intent: `pi_${run}`, reason: "general", status: "needs_response" }, `evt_d_${run}`), live());
    expect(await eventRow(`evt_d_${run}`)).toMatchObject({ status: "decided" });
    expect(String((await eventRow(`evt_d_${run}`))?.status_reason)).toMatch(/no recovery case/);
  });
});

describe("a card attached before the failure arrives late (Stripe does not deliver in order)", () => {
  it("is not a new card: nothing is paid with the card that just declined", async () => {
    const scope = uid("late");
    const s = story();
    const fake = fakeClient(fakeUrl, scope);
    await fake.putStripe("customers", s.customerId, { id: s.customerId, object: "customer", email: `${s.run}@example.com`, name: "L", preferred_locales: [], metadata: {}, invoice_settings: { default_payment_method: null } });
    await fake.putStripe("invoices", s.invoiceId, { id: s.invoiceId, object: "invoice", customer: s.customerId, status: "open", amount_due: 4900, amount_remaining: 4900, currency: "usd", attempt_count: 1, metadata: {} });
    const e = live({ STRIPE_SECRET_KEY: `sk_test_${scope}`, STRIPE_API_BASE: fakeUrl });
    await deliver(invoiceEvent({ eventId: `evt_f_${s.run}`, customerId: s.customerId, invoiceId: s.invoiceId, created: now() - 30 }), envWith({ ...e, DEFAULT_MODE: "observe" }));
    const attached = envelope("payment_method.attached", { id: `pm_declining_${s.run}`, object: "payment_method", type: "card", customer: s.customerId }, `evt_a_${s.run}`);
    attached.created = now() - 40; // attached before the invoice was paid (and declined)
    await deliver(attached, e);
    expect((await fake.requests("stripe")).filter((r) => r.path.endsWith("/pay"))).toHaveLength(0);
    expect(String((await eventRow(`evt_a_${s.run}`))?.status_reason)).toMatch(/attached before the last failure/);
  });
});
