/**
 * The Stripe CLI path: what `stripe listen --forward-to .../webhooks/stripe` delivers after `stripe trigger ...`
 * (fixtures/events/cli-*.json, API 2026-10-28.endive), through the real signed webhook route and the real consumer.
 * Each run gives the fixture ids a unique suffix, so the same file can be delivered in several tests.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { createApp } from "../src/http/app.ts";
import { env, envWith, migrate, uid, type TestEnv } from "./helpers/env.ts";
import { caseRow, decisionsOf, eventRow, outboxFor, runRecorded } from "./helpers/consumer.ts";
import { deliver } from "./helpers/deliver.ts";
import { fixture } from "./helpers/stripe-events.ts";
import { fakeClient, type FakeClient } from "./fakes/client.ts";

const fakeUrl = inject("fakeUrl");
const app = createApp();
beforeAll(migrate);

type Obj = Record<string, unknown>;

/** Stripe ids in the fixtures (never a key such as `price_details`: an id has a capital or a digit). */
const STRIPE_ID = /\b(?:evt|cus|in|ii|il|pi|ch|pm|price|prod|req)_(?=[A-Za-z0-9]*[A-Z0-9])[A-Za-z0-9]{10,}/g;

/** A CLI fixture with this run's ids (the same suffix in every fixture of the run) and `created` just now. */
function cli(name: string, run: string, secondsAgo = 5): Obj {
  const ev = JSON.parse(JSON.stringify(fixture(name)).replace(STRIPE_ID, (id) => `${id}${run}`)) as Obj;
  ev.created = Math.floor(Date.now() / 1000) - secondsAgo;
  return ev;
}

const objectOf = (ev: Obj): Obj => (ev.data as { object: Obj }).object;
const idOf = (ev: Obj): string => String(ev.id);

/** Default test env (no Stripe key), acting for real (`live`: only the local outbox, no provider keys). */
const noKey = (over: Record<string, unknown> = {}): TestEnv => envWith({ DEFAULT_MODE: "live", ...over });

interface KeyWorld {
  fake: FakeClient;
  env: TestEnv;
}

/** A Stripe key pointed at the local fake (its own scope), as test/lifecycle.test.ts does. */
function withKey(over: Record<string, unknown> = {}): KeyWorld {
  const scope = uid("cli");
  return { fake: fakeClient(fakeUrl, scope), env: envWith({ DEFAULT_MODE: "live", STRIPE_SECRET_KEY: `sk_test_${scope}`, STRIPE_API_BASE: fakeUrl, ...over }) };
}

/** The Stripe customer `stripe trigger` creates: no email, no name, described "(created by Stripe CLI)". */
function cliCustomer(id: string, email: string | null = null): Obj {
  return { id, object: "customer", email, name: null, description: "(created by Stripe CLI)", preferred_locales: [], metadata: {}, invoice_settings: { default_payment_method: null } };
}

async function emailsTo(customerId: string) {
  return outboxFor(customerId, "email");
}

describe("stripe trigger invoice.payment_failed (customer without email, invoice without subscription, declining card)", () => {
  it("no Stripe key, the invoice event alone: a case opens although the invoice has no subscription; the reason is unknown and no retry is scheduled, so the soft reminder is due, but with no address a person is asked; no email", async () => {
    const run = uid("R");
    const ev = cli("cli-invoice-payment-failed", run);
    const inv = objectOf(ev);
    const customerId = String(inv.customer);
    const r = await deliver(ev, noKey());
    expect(r.response).toEqual({ received: true });
    expect([...r.calls.values()]).toEqual([{ action: "ack" }]);

    expect(await eventRow(idOf(ev))).toMatchObject({ status: "decided", status_reason: "day_0: escalate_to_human: executed", case_id: String(inv.id) });
    expect(await caseRow(String(inv.id))).toMatchObject({ kind: "invoice", status: "open", subscription_id: null, amount: 2000, currency: "usd", attempt_count: 1, reason: "unknown" });
    // Unknown reason with no Stripe retry scheduled (the CLI invoice has none): day 0 is the soft reminder, which
    // the gate refuses (the CLI customer has no address); a person is asked instead.
    const decided = await decisionsOf(idOf(ev));
    expect(decided.map((d) => [d.tool, d.outcome])).toEqual([
      ["send_email", "rejected"],
      ["escalate_to_human", "executed"],
    ]);
    expect(decided[1]?.reason).toContain("no customer email address");
    expect(await emailsTo(customerId)).toHaveLength(0);
    expect(await outboxFor(customerId, "slack")).toHaveLength(1);
  });

  it("no Stripe key, as the CLI delivers it (its PaymentIntent event first): the decline code waits for the invoice's case; email impossible, so a person is asked, once", async () => {
    const run = uid("R");
    const piEvent = cli("cli-invoice-payment-failed-payment-intent", run, 6);
    const invEvent = cli("cli-invoice-payment-failed", run, 5);
    const inv = objectOf(invEvent);
    const customerId = String(inv.customer);
    // The production hold (PI_ATTRIBUTION_HOLD_SECONDS, default 120): the PaymentIntent names no invoice in this API version.
    const e = noKey({ PI_ATTRIBUTION_HOLD_SECONDS: "120" });

    const first = await deliver(piEvent, e);
    expect(first.response).toEqual({ received: true });
    expect([...first.calls.values()]).toEqual([{ action: "retry", delaySeconds: 120 }]);

    const second = await deliver(invEvent, e);
    expect([...second.calls.values()]).toEqual([{ action: "ack" }]);
    expect(await caseRow(String(inv.id))).toMatchObject({ kind: "invoice", status: "open", subscription_id: null, reason: "do_not_honor", decline_code: "generic_decline" });
    const decided = await decisionsOf(idOf(invEvent));
    // The rules want a reminder email (soft decline); the gate refuses it (no address) and a person is asked instead.
    expect(decided.map((d) => [d.tool, d.outcome])).toEqual([
      ["send_email", "rejected"],
      ["escalate_to_human", "executed"],
    ]);
    expect(decided[1]?.reason).toContain("no customer email address");
    expect(await eventRow(idOf(invEvent))).toMatchObject({ status: "decided", status_reason: "day_0: escalate_to_human: executed" });

    // The held PaymentIntent message comes back (queue retry, attempt 2): it finds the case and decides nothing new.
    const retried = first.messages.map((m) => ({ ...m, attempts: 2 }));
    expect([...(await runRecorded(retried, e)).values()]).toEqual([{ action: "ack" }]);
    const piRow = await eventRow(idOf(piEvent));
    expect(piRow?.status).toBe("decided");
    expect(piRow?.status_reason).toBe(`attributed to invoice ${String(inv.id)}: do_not_honor (generic_decline); decided on the invoice's own event`);
    expect(await decisionsOf(idOf(piEvent))).toHaveLength(0);
    expect(await caseRow(String(objectOf(piEvent).id))).toBeNull(); // never a one-off case of its own

    expect(await emailsTo(customerId)).toHaveLength(0);
    expect(await outboxFor(customerId, "slack")).toHaveLength(1);
  });

  it("with a Stripe key (fake): the decline code and the missing address come from Stripe; a person is asked, no email, and Stripe is only read", async () => {
    const run = uid("R");
    const w = withKey();
    const invEvent = cli("cli-invoice-payment-failed", run);
    const piEvent = cli("cli-invoice-payment-failed-payment-intent", run);
    const inv = objectOf(invEvent);
    const pi = objectOf(piEvent);
    const customerId = String(inv.customer);
    await w.fake.putStripe("customers", customerId, cliCustomer(customerId));
    await w.fake.putStripe("payment_intents", String(pi.id), pi);
    await w.fake.putStripe("invoice_payments", String(inv.id), [
      { id: `inpay_${run}`, object: "invoice_payment", invoice: String(inv.id), is_default: true, payment: { type: "payment_intent", payment_intent: String(pi.id) }, status: "open", amount_requested: 2000, currency: "usd" },
    ]);

    await deliver(invEvent, w.env);
    expect(await caseRow(String(inv.id))).toMatchObject({ status: "open", subscription_id: null, reason: "do_not_honor", decline_code: "generic_decline" });
    expect((await decisionsOf(idOf(invEvent))).map((d) => [d.tool, d.outcome])).toEqual([
      ["send_email", "rejected"],
      ["escalate_to_human", "executed"],
    ]);

    await deliver(piEvent, w.env);
    expect((await eventRow(idOf(piEvent)))?.status_reason).toBe(`attributed to invoice ${String(inv.id)}: do_not_honor (generic_decline); decided on the invoice's own event`);

    const stripeCalls = await w.fake.requests("stripe");
    expect(stripeCalls.some((c) => c.path === `/v1/customers/${customerId}`)).toBe(true);
    expect(stripeCalls.filter((c) => c.method !== "GET")).toEqual([]);
    expect(await emailsTo(customerId)).toHaveLength(0);
    expect(await outboxFor(customerId, "slack")).toHaveLength(1);
  });
});

describe("stripe trigger invoice.payment_failed: the card attached before the invoice (payment_method.attached)", () => {
  it("with a Stripe key (fake), in the order Stripe created them: the attach finds no open invoice and does nothing; the invoice then opens its case; nothing written to Stripe", async () => {
    const run = uid("R");
    const w = withKey();
    const attached = cli("cli-invoice-payment-failed-payment-method-attached", run, 8);
    const invEvent = cli("cli-invoice-payment-failed", run, 5);
    const inv = objectOf(invEvent);
    const customerId = String(inv.customer);
    expect(objectOf(attached)).toMatchObject({ customer: customerId, card: { last4: "0341" } });
    await w.fake.putStripe("customers", customerId, cliCustomer(customerId));
    await w.fake.putStripe("invoices", String(inv.id), { id: String(inv.id), object: "invoice", customer: customerId, status: "open", amount_due: 2000, amount_paid: 0, currency: "usd", metadata: {} });

    await deliver(attached, w.env);
    expect(await eventRow(idOf(attached))).toMatchObject({ status: "decided", status_reason: "new payment method; no open failed invoice", case_id: null });
    await deliver(invEvent, w.env);
    expect(await caseRow(String(inv.id))).toMatchObject({ status: "open", subscription_id: null });
    expect((await w.fake.requests("stripe")).filter((c) => c.method !== "GET")).toEqual([]);
  });

  it("delivered in the other order (the attach after the invoice's case opened): the card attached before the failure is not a new card, nothing is paid", async () => {
    const run = uid("R");
    const w = withKey();
    const attached = cli("cli-invoice-payment-failed-payment-method-attached", run, 8);
    const invEvent = cli("cli-invoice-payment-failed", run, 5);
    const inv = objectOf(invEvent);
    const customerId = String(inv.customer);
    await w.fake.putStripe("customers", customerId, cliCustomer(customerId));
    await w.fake.putStripe("invoices", String(inv.id), { id: String(inv.id), object: "invoice", customer: customerId, status: "open", amount_due: 2000, amount_paid: 0, currency: "usd", metadata: {} });
    await deliver(invEvent, w.env);
    await deliver(attached, w.env);
    expect(String((await eventRow(idOf(attached)))?.status_reason)).toMatch(/attached before the last failure/);
    expect((await w.fake.requests("stripe")).filter((c) => c.path.endsWith("/pay"))).toEqual([]);
  });
});

describe("stripe trigger invoice.payment_action_required (3-D Secure card 4000 0000 0000 3220)", () => {
  it("as triggered (the CLI's customer has no email): the authentication email cannot be sent, so a person is asked", async () => {
    const run = uid("R");
    const ev = cli("cli-invoice-payment-action-required", run);
    const inv = objectOf(ev);
    const customerId = String(inv.customer);
    await deliver(ev, noKey());
    expect(await caseRow(String(inv.id))).toMatchObject({ kind: "invoice", status: "open", reason: "authentication_required", subscription_id: null });
    const decided = await decisionsOf(idOf(ev));
    expect(decided.map((d) => [d.tool, d.template_id, d.outcome])).toEqual([
      ["send_email", "authentication_required", "rejected"],
      ["escalate_to_human", null, "executed"],
    ]);
    expect(decided[1]?.reason).toContain("no customer email address");
    expect(await eventRow(idOf(ev))).toMatchObject({ status: "decided", status_reason: "day_0: escalate_to_human: executed" });
    expect(await emailsTo(customerId)).toHaveLength(0);
  });

  it("with an address (`--add customer:email=...`): the 3-D Secure email goes out once, with the invoice's link; no retry, no card-update email", async () => {
    const run = uid("R");
    const ev = cli("cli-invoice-payment-action-required-with-email", run);
    const inv = objectOf(ev);
    const customerId = String(inv.customer);
    const r = await deliver(ev, noKey());
    expect([...r.calls.values()]).toEqual([{ action: "ack" }]);
    expect((await decisionsOf(idOf(ev))).map((d) => [d.tool, d.template_id, d.outcome])).toEqual([["send_email", "authentication_required", "executed"]]);
    expect(await eventRow(idOf(ev))).toMatchObject({ status: "decided", status_reason: "day_0: send_email: executed", case_id: String(inv.id) });
    const emails = await emailsTo(customerId);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ recipient: "billing-test@example.com", template_id: "authentication_required" });
    expect(String(emails[0]?.subject)).toContain("$20.00");
    expect(String(emails[0]?.html)).toContain(String(inv.hosted_invoice_url).replace(/&/g, "&amp;").split("?")[0]);
    expect(await outboxFor(customerId, "slack")).toHaveLength(0);

    // Stripe redelivers the same event (at-least-once): nothing new.
    const again = await deliver(ev, noKey());
    expect(again.response).toEqual({ received: true, duplicate: true });
    expect(await emailsTo(customerId)).toHaveLength(1);
  });

  it("with a Stripe key (fake), the address only on the Stripe customer: the same single email, nothing written to Stripe", async () => {
    const run = uid("R");
    const w = withKey();
    const ev = cli("cli-invoice-payment-action-required", run);
    const inv = objectOf(ev);
    const customerId = String(inv.customer);
    await w.fake.putStripe("customers", customerId, cliCustomer(customerId, `sam.${run}@example.com`));
    await deliver(ev, w.env);
    expect((await decisionsOf(idOf(ev))).map((d) => [d.tool, d.template_id, d.outcome])).toEqual([["send_email", "authentication_required", "executed"]]);
    const emails = await emailsTo(customerId);
    expect(emails).toHaveLength(1);
    expect(emails[0]?.recipient).toBe(`sam.${run}@example.com`);
    expect((await w.fake.requests("stripe")).filter((c) => c.method !== "GET")).toEqual([]);
  });
});

describe("stripe trigger payment_intent.payment_failed (a PaymentIntent without a customer)", () => {
  async function adminEvent(id: string) {
    const res = await app.fetch(new Request(`http://recovery.test/admin/events/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } }), env);
    return { status: res.status, body: (await res.json()) as { event: Obj; decisions: unknown[] } };
  }

  for (const keyed of [false, true]) {
    it(`${keyed ? "with a Stripe key (fake)" : "no Stripe key"}: acknowledged with 200, recorded as decided with a reason a person can read, never queued, acts on nothing`, async () => {
      const run = uid("R");
      const w = keyed ? withKey() : null;
      const e = w?.env ?? noKey();
      const ev = cli("cli-payment-intent-payment-failed", run);
      const pi = objectOf(ev);
      expect(pi.customer).toBeNull();
      const r = await deliver(ev, e);
      expect(r.response).toEqual({ received: true, ignored: true, reason: "no_customer", recorded: true });
      expect(r.messages).toHaveLength(0);

      const row = await eventRow(idOf(ev));
      expect(row).toMatchObject({ status: "decided", case_id: null, last_error: null });
      expect(row?.status_reason).toBe(
        `no customer on this payment_intent.payment_failed (payment_intent ${String(pi.id)}, $20.00, generic_decline, "(created by Stripe CLI)"): nobody to contact and no case to open; recorded, nothing done`,
      );
      const admin = await adminEvent(idOf(ev));
      expect(admin.status).toBe(200);
      expect(admin.body.event).toMatchObject({ id: idOf(ev), type: "payment_intent.payment_failed", customer_id: "", status: "decided" });
      expect(admin.body.event.context).toMatchObject({ customerId: null, objectId: String(pi.id), amount: 2000, currency: "usd", code: "generic_decline" });
      expect(admin.body.decisions).toEqual([]);
      expect(await caseRow(String(pi.id))).toBeNull();
      expect((await env.LEDGER.prepare("SELECT COUNT(*) AS n FROM outbox WHERE event_id = ?1").bind(idOf(ev)).first<{ n: number }>())?.n).toBe(0);
      if (w) expect(await w.fake.requests("stripe")).toEqual([]);

      // A redelivery is acknowledged again and changes nothing.
      const again = await deliver(ev, e);
      expect(again.response).toEqual({ received: true, ignored: true, reason: "no_customer", recorded: true, duplicate: true });
      expect(await eventRow(idOf(ev))).toEqual(row);
    });
  }
});

describe("the charge.failed of the same trigger (a charge without a customer)", () => {
  it("is recorded the same way: 200, decided with its reason, never queued", async () => {
    const run = uid("R");
    const ev = cli("cli-payment-intent-payment-failed", run); // for its ids and time only
    const charge = fixture("03-olivia-charge-failed-insufficient-funds");
    Object.assign(charge, { id: `evt_ch_${run}`, created: ev.created });
    Object.assign(objectOf(charge), { id: `ch_${run}`, customer: null, payment_intent: String(objectOf(ev).id), amount: 2000, currency: "usd", description: "(created by Stripe CLI)" });
    const r = await deliver(charge, noKey());
    expect(r.response).toEqual({ received: true, ignored: true, reason: "no_customer", recorded: true });
    expect(r.messages).toHaveLength(0);
    const row = await eventRow(`evt_ch_${run}`);
    expect(row?.status).toBe("decided");
    expect(row?.status_reason).toMatch(new RegExp(`^no customer on this charge\\.failed \\(charge ch_${run}, \\$20\\.00, insufficient_funds, "\\(created by Stripe CLI\\)"\\): nobody to contact`));
  });
});

describe("stripe trigger customer.updated (metadata foo=bar on a CLI customer)", () => {
  for (const keyed of [false, true]) {
    it(`${keyed ? "with a Stripe key (fake)" : "no Stripe key"}: recorded as decided, nothing to do (no new payment method, no open case)`, async () => {
      const run = uid("R");
      const w = keyed ? withKey() : null;
      const ev = cli("cli-customer-updated", run);
      const customerId = String(objectOf(ev).id);
      if (w) await w.fake.putStripe("customers", customerId, cliCustomer(customerId));
      const r = await deliver(ev, w?.env ?? noKey());
      expect(r.response).toEqual({ received: true });
      expect([...r.calls.values()]).toEqual([{ action: "ack" }]);
      expect(await eventRow(idOf(ev))).toMatchObject({ status: "decided", status_reason: "no new default payment method", case_id: null });
      expect(await decisionsOf(idOf(ev))).toHaveLength(0);
      expect(await outboxFor(customerId)).toHaveLength(0);
      if (w) expect((await w.fake.requests("stripe")).filter((c) => c.method !== "GET")).toEqual([]);
    });
  }
});

describe("every CLI fixture", () => {
  it("is a whole current-API event envelope: no `payments` on invoices, no `invoice` on PaymentIntents", () => {
    for (const name of ["cli-invoice-payment-failed", "cli-invoice-payment-failed-payment-intent", "cli-invoice-payment-failed-payment-method-attached", "cli-invoice-payment-action-required", "cli-invoice-payment-action-required-with-email", "cli-payment-intent-payment-failed", "cli-customer-updated"]) {
      const ev = fixture(name);
      expect(Object.keys(ev).sort(), name).toEqual(["api_version", "created", "data", "id", "livemode", "object", "pending_webhooks", "request", "type"]);
      expect(ev, name).toMatchObject({ object: "event", api_version: "2026-10-28.endive", livemode: false });
      const obj = objectOf(ev);
      expect("payments" in obj || "invoice" in obj || "subscription" in obj, name).toBe(false);
    }
  });
});
