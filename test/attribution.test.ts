/**
 * Stripe as it really is: current webhook payloads carry no `payments` on the invoice and no `invoice` on the
 * PaymentIntent, and the PaymentIntent event usually arrives first. Whatever the order and shape, the decline
 * code ends on the case, a decision taken on "unknown" is taken again once it is known, and a subscription's
 * PaymentIntent never becomes a one-off (no email, no retry of our own). Without a Stripe key throughout.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { caseRow, decisionsOf, eventRow, outboxFor } from "./helpers/consumer.ts";
import { deliver } from "./helpers/deliver.ts";
import { env, envWith, migrate, uid } from "./helpers/env.ts";
import { invoiceEvent, paymentIntentEvent } from "./helpers/stripe-events.ts";

beforeAll(migrate);

type Obj = Record<string, unknown>;
const live = () => envWith({ DEFAULT_MODE: "live" });
const dataObject = (ev: Obj) => (ev.data as { object: Obj }).object;

interface Story {
  run: string;
  customerId: string;
  invoiceId: string;
  paymentIntentId: string;
  invoice: Obj;
  intent: Obj;
}

/** An invoice failure and its PaymentIntent failure (expired card), shaped as `shape` sends them. */
function story(shape: "current" | "old", declineCode = "expired_card", amount = 4900): Story {
  const run = uid("att");
  const customerId = `cus_${run}`;
  const invoiceId = `in_${run}`;
  const paymentIntentId = `pi_${run}`;
  const invoice = invoiceEvent({ eventId: `evt_inv_${run}`, customerId, invoiceId, paymentIntentId, amount, currency: "usd" });
  const intent = paymentIntentEvent({ eventId: `evt_pi_${run}`, customerId, paymentIntentId, declineCode, code: "card_declined", amount, currency: "usd" });
  const inv = dataObject(invoice);
  const pi = dataObject(intent);
  delete inv.payments; // an includable field: never in a webhook payload
  pi.description = "Subscription cycle";
  if (shape === "old") {
    inv.payment_intent = paymentIntentId;
    pi.invoice = invoiceId;
    invoice.api_version = "2024-06-20";
    intent.api_version = "2024-06-20";
  } else {
    delete pi.invoice;
  }
  return { run, customerId, invoiceId, paymentIntentId, invoice, intent };
}

for (const shape of ["current", "old"] as const) {
  describe(`arrival orders, ${shape} API shape, no Stripe key`, () => {
    it("PaymentIntent first (Stripe's usual order): the code is held for the invoice, whose case takes it: the card-update email, no 'unclear failure'", async () => {
      const s = story(shape);
      await deliver(s.intent, live());
      const held = await eventRow(`evt_pi_${s.run}`);
      expect(held?.status).toBe("decided");
      expect(String(held?.status_reason)).toMatch(/^held for|waiting|unattributed/);
      expect(String(held?.status_reason)).not.toMatch(/^attributed/);
      await deliver(s.invoice, live());
      expect(await caseRow(s.invoiceId)).toMatchObject({ reason: "card_expired", decline_code: "expired_card" });
      const ds = await decisionsOf(`evt_inv_${s.run}`);
      expect(ds.at(-1)).toMatchObject({ tool: "send_email", template_id: "card_update_request", outcome: "executed" });
      expect(await outboxFor(s.customerId, "slack")).toHaveLength(0);
      expect(await outboxFor(s.customerId, "email")).toHaveLength(1);
    });

    it("invoice first: decided on 'unknown' (Stripe retry scheduled: day 0 silent), then the PaymentIntent's code arrives and the case is reconsidered: the card-update email", async () => {
      const s = story(shape);
      await deliver(s.invoice, live());
      // An unknown reason with Stripe's retry scheduled is a soft decline on day 0: recorded, nothing sent, no one asked.
      expect((await decisionsOf(`evt_inv_${s.run}`)).at(-1)).toMatchObject({ tool: null, decided_by: "lifecycle", outcome: "recorded" });
      expect(await outboxFor(s.customerId)).toHaveLength(0);
      await deliver(s.intent, live());
      expect(await caseRow(s.invoiceId)).toMatchObject({ reason: "card_expired", decline_code: "expired_card" });
      expect(String((await eventRow(`evt_pi_${s.run}`))?.status_reason)).toMatch(/reconsidered: day_0: send_email: executed/);
      expect(await decisionsOf(`evt_pi_${s.run}`)).toMatchObject([{ tool: "send_email", template_id: "card_update_request", outcome: "executed" }]);
      expect(await outboxFor(s.customerId, "email")).toHaveLength(1);
    });

    it("a redelivered PaymentIntent event reconsiders nothing twice", async () => {
      const s = story(shape);
      await deliver(s.invoice, live());
      await deliver(s.intent, live());
      const again = await deliver(s.intent, live()); // Stripe retries a webhook: deduped at the edge
      expect(again.messages).toHaveLength(0);
      expect(await outboxFor(s.customerId, "email")).toHaveLength(1);
    });
  });
}

describe("attribution without a key", () => {
  it("a subscription's PaymentIntent with no invoice case is recorded as unattributed: no email, no retry, no one-off case", async () => {
    const s = story("current");
    await deliver(s.intent, live());
    const row = await eventRow(`evt_pi_${s.run}`);
    expect(row?.status).toBe("decided");
    expect(String(row?.status_reason)).toMatch(/^unattributed: "Subscription cycle"/);
    expect(await caseRow(s.paymentIntentId)).toBeNull();
    expect(await outboxFor(s.customerId)).toHaveLength(0);
    expect(await env.LEDGER.prepare("SELECT COUNT(*) AS n FROM scheduled_jobs WHERE customer_id = ?1").bind(s.customerId).first<{ n: number }>()).toMatchObject({ n: 0 });
  });

  it("a real one-off payment (its own description) still opens a one-off case and gets its email", async () => {
    const s = story("current", "insufficient_funds", 25_000);
    dataObject(s.intent).description = "Onboarding workshop";
    await deliver(s.intent, live());
    expect(await caseRow(s.paymentIntentId)).toMatchObject({ kind: "payment_intent", status: "open", reason: "insufficient_funds" });
    expect(await outboxFor(s.customerId, "email")).toHaveLength(1);
  });

  it("two open invoice cases with the same amount: the code goes to the older one", async () => {
    const older = story("current");
    const newer = { ...story("current"), customerId: older.customerId };
    const newerInvoice = invoiceEvent({ eventId: `evt_inv_${newer.run}`, customerId: older.customerId, invoiceId: newer.invoiceId, amount: 4900, currency: "usd", created: Math.floor(Date.now() / 1000) + 5 });
    delete dataObject(newerInvoice).payments;
    await deliver(older.invoice, live());
    await deliver(newerInvoice, live());
    await deliver(older.intent, live());
    expect(await caseRow(older.invoiceId)).toMatchObject({ reason: "card_expired" });
    expect((await caseRow(newer.invoiceId))?.reason ?? "unknown").toBe("unknown");
  });
});
