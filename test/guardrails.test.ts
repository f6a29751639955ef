import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import fc from "fast-check";
import type { DunningContext } from "../src/ingest/context.ts";
import { env, envWith, migrate, uid } from "./helpers/env.ts";
import { caseRow, contextOf, decisionsOf, eventMessage, eventRow, outboxFor, runBatch, runRecorded } from "./helpers/consumer.ts";
import { fakeClient } from "./fakes/client.ts";
import { putLabel } from "../src/ledger/labels.ts";
import { invoiceEvent, paymentIntentEvent } from "./helpers/stripe-events.ts";

const fakeUrl = inject("fakeUrl");
beforeAll(migrate);

const live = (over: Record<string, unknown> = {}) => envWith({ DEFAULT_MODE: "live", ...over });

/** A soft decline with no Stripe retry scheduled: the campaign's day-0 step sends the soft reminder. */
function failureFor(customerId: string, over: Partial<DunningContext> = {}, eventOver: Partial<Parameters<typeof invoiceEvent>[0]> = {}): DunningContext {
  const id = uid();
  const ctx = contextOf(invoiceEvent({ eventId: `evt_${id}`, customerId, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}`, nextPaymentAttempt: null, ...eventOver }));
  return { ...ctx, failureReason: "insufficient_funds", declineCode: "insufficient_funds", ...over };
}

describe("24 h email throttle", () => {
  it("20 failures of one customer in one batch -> at most one email; the others are recorded as throttled", async () => {
    const customer = `cus_${uid()}`;
    const msgs = Array.from({ length: 20 }, () => eventMessage(failureFor(customer)));
    const r = await runBatch(msgs, live());
    expect(r.explicitAcks).toHaveLength(20);
    expect(await outboxFor(customer, "email")).toHaveLength(1);
    const outcomes = (await env.LEDGER.prepare("SELECT outcome FROM decisions WHERE customer_id = ?1").bind(customer).all<{ outcome: string }>()).results.map((d) => d.outcome);
    expect(outcomes.filter((o) => o === "executed")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "throttled")).toHaveLength(19);
    // Not lost: each throttled email is scheduled for reconsideration when the window ends.
    const jobs = await env.LEDGER.prepare("SELECT COUNT(*) AS n FROM scheduled_jobs WHERE customer_id = ?1 AND kind = 'reconsider' AND status = 'pending'").bind(customer).first<{ n: number }>();
    expect(jobs?.n).toBe(19);
    expect(await env.BILLING_KV.get(`mail-throttle:${customer}`)).not.toBeNull();
  });

  it("two concurrent batches for one customer cannot both email", async () => {
    const customer = `cus_${uid()}`;
    const e = live();
    await Promise.all([runBatch([eventMessage(failureFor(customer))], e), runBatch([eventMessage(failureFor(customer))], e), runBatch([eventMessage(failureFor(customer))], e)]);
    expect(await outboxFor(customer, "email")).toHaveLength(1);
  });
});

describe("labels the team set", () => {
  it("a customer labelled do_not_contact gets no email and no page: the step is recorded as skipped (label)", async () => {
    const customer = `cus_${uid()}`;
    await putLabel(env.LEDGER, customer, { label: "do_not_contact", setBy: "admin", note: "asked us not to email" }, Date.now());
    const ctx = failureFor(customer);
    await runBatch([eventMessage(ctx)], live());
    expect(await outboxFor(customer)).toHaveLength(0);
    expect(await decisionsOf(ctx.eventId)).toMatchObject([{ tool: "send_email", outcome: "skipped", validation: "skipped (label do_not_contact)" }]);
    expect(await eventRow(ctx.eventId)).toMatchObject({ status: "decided" });
  });
});

describe("out of order and stale state", () => {
  it("invoice.paid delivered before invoice.payment_failed for the same invoice -> no email, recorded as superseded", async () => {
    const id = uid();
    const opts = { customerId: `cus_${id}`, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}` };
    const paid = contextOf(invoiceEvent({ ...opts, eventId: `evt_paid_${id}`, type: "invoice.paid" }));
    const failed = { ...contextOf(invoiceEvent({ ...opts, eventId: `evt_fail_${id}`, created: Math.floor(Date.now() / 1000) - 60 })), failureReason: "insufficient_funds" as const };
    await runBatch([eventMessage(paid)], live());
    await runBatch([eventMessage(failed)], live());
    expect(await outboxFor(opts.customerId)).toHaveLength(0);
    expect(await decisionsOf(failed.eventId)).toMatchObject([{ outcome: "superseded" }]);
    expect(await caseRow(opts.invoiceId)).toMatchObject({ status: "recovered" });
    expect(await eventRow(failed.eventId)).toMatchObject({ status: "decided" });
  });

  it("the failure waits in the queue while the payment lands -> nothing is sent when it is processed", async () => {
    const id = uid();
    const opts = { customerId: `cus_${id}`, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}` };
    const failed = { ...contextOf(invoiceEvent({ ...opts, eventId: `evt_fail_${id}`, created: Math.floor(Date.now() / 1000) - 120 })), failureReason: "insufficient_funds" as const };
    const paid = contextOf(invoiceEvent({ ...opts, eventId: `evt_paid_${id}`, type: "invoice.payment_succeeded" }));
    // The payment's message is consumed first (another batch); the failure's message is delivered later.
    await runBatch([eventMessage(paid)], live());
    await runBatch([eventMessage(failed, { receivedAt: Date.now() - 120_000 })], live());
    expect(await outboxFor(opts.customerId)).toHaveLength(0);
  });

  it("with a Stripe key, an invoice Stripe already shows paid is not chased (re-checked right before the effect)", async () => {
    const scope = uid("stale");
    const fake = fakeClient(fakeUrl, scope);
    const id = uid();
    const invoiceId = `in_${id}`;
    await fake.putStripe("invoices", invoiceId, { id: invoiceId, object: "invoice", status: "paid", customer: `cus_${id}`, amount_due: 4900, amount_paid: 4900, currency: "usd" });
    const ctx = failureFor(`cus_${id}`, {}, { invoiceId });
    await runBatch([eventMessage({ ...ctx, invoiceId })], live({ STRIPE_SECRET_KEY: `sk_test_${scope}`, STRIPE_API_BASE: fakeUrl }));
    expect(await outboxFor(ctx.customerId)).toHaveLength(0);
    const ds = await decisionsOf(ctx.eventId);
    expect(ds.at(-1)).toMatchObject({ outcome: "superseded", detail: "invoice already paid" });
    expect(await caseRow(invoiceId)).toMatchObject({ status: "recovered" });
  });

  it("a PaymentIntent failure of an invoice enriches the invoice's case; the invoice decided on 'unknown' is reconsidered once, on the case, never as a case of its own", async () => {
    const id = uid();
    const customerId = `cus_${id}`;
    const invoice = { ...contextOf(invoiceEvent({ eventId: `evt_inv_${id}`, customerId, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}` })) };
    const pi = contextOf(paymentIntentEvent({ eventId: `evt_pi_${id}`, customerId, paymentIntentId: `pi_${id}`, declineCode: "expired_card", amount: 4900, currency: "usd" }));
    await runBatch([eventMessage(invoice)], envWith({ DEFAULT_MODE: "observe" }));
    await runBatch([eventMessage(pi)], live());
    expect(await caseRow(`in_${id}`)).toMatchObject({ reason: "card_expired", decline_code: "expired_card" });
    expect(await decisionsOf(pi.eventId)).toMatchObject([{ case_id: `in_${id}`, tool: "send_email", template_id: "card_update_request", outcome: "executed" }]);
    expect(await eventRow(pi.eventId)).toMatchObject({
      status: "decided",
      case_id: `in_${id}`,
      status_reason: `attributed to invoice in_${id}: card_expired (expired_card); the invoice was decided on an unknown reason, reconsidered: day_0: send_email: executed`,
    });
    expect(await outboxFor(customerId, "email")).toHaveLength(1);
    const cases = await env.LEDGER.prepare("SELECT COUNT(*) AS n FROM cases WHERE customer_id = ?1").bind(customerId).first<{ n: number }>();
    expect(cases?.n).toBe(1);
  });

  it("a PaymentIntent failure that arrives before its invoice holds its code for it; the invoice decides on the real reason", async () => {
    const id = uid();
    const customerId = `cus_${id}`;
    const pi = contextOf(paymentIntentEvent({ eventId: `evt_pi_${id}`, customerId, paymentIntentId: `pi_${id}`, declineCode: "do_not_honor", amount: 4900, currency: "usd" }));
    const e = live({ PI_ATTRIBUTION_HOLD_SECONDS: "20" });
    const held = await runRecorded([eventMessage(pi, { id: `m-${id}`, receivedAt: Date.now() })], e);
    expect(held.get(`m-${id}`)).toEqual({ action: "retry", delaySeconds: 20 });
    expect(await decisionsOf(pi.eventId)).toHaveLength(0);
    // No Stripe retry scheduled: the day-0 step of a soft decline sends the reminder (with one, day 0 is silent).
    const invoice = contextOf(invoiceEvent({ eventId: `evt_inv_${id}`, customerId, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}`, nextPaymentAttempt: null }));
    await runBatch([eventMessage(invoice)], e);
    await runBatch([eventMessage(pi, { id: `m-${id}`, attempts: 2, receivedAt: Date.now() - 21_000 })], e);
    // The invoice's case took the held code over when the invoice arrived: it decided on the real reason itself.
    expect(await decisionsOf(invoice.eventId)).toMatchObject([{ tool: "send_email", template_id: "soft_payment_reminder" }]);
    expect(await decisionsOf(pi.eventId)).toHaveLength(0);
    expect(await eventRow(pi.eventId)).toMatchObject({ status: "decided", case_id: `in_${id}` });
    expect((await eventRow(pi.eventId))?.status_reason).toMatch(/^attributed to invoice in_\S+: .*\(do_not_honor\)/);
    expect(await caseRow(`in_${id}`)).toMatchObject({ decline_code: "do_not_honor" });
  });
});

describe("invoice before its PaymentIntent event (no Stripe key)", () => {
  it("the invoice waits once for the PaymentIntent's decline code, then decides on it", async () => {
    const id = uid();
    const customerId = `cus_${id}`;
    const e = live({ PI_ATTRIBUTION_HOLD_SECONDS: "20" });
    // No Stripe retry scheduled: the day-0 step of a soft decline sends the reminder (with one, day 0 is silent).
    const invoice = contextOf(invoiceEvent({ eventId: `evt_inv_${id}`, customerId, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}`, nextPaymentAttempt: null }));
    expect(invoice.failureReason).toBeNull();
    const first = await runRecorded([eventMessage(invoice, { id: `m-inv-${id}`, receivedAt: Date.now() })], e);
    expect(first.get(`m-inv-${id}`)).toEqual({ action: "retry", delaySeconds: 20 });
    expect(await decisionsOf(invoice.eventId)).toHaveLength(0);
    const pi = contextOf(paymentIntentEvent({ eventId: `evt_pi_${id}`, customerId, paymentIntentId: `pi_${id}`, declineCode: "insufficient_funds", amount: 4900, currency: "usd" }));
    await runRecorded([eventMessage(pi, { receivedAt: Date.now() })], e);
    expect(await caseRow(`in_${id}`)).toMatchObject({ reason: "insufficient_funds" });
    await runRecorded([eventMessage(invoice, { id: `m-inv-${id}`, attempts: 2, receivedAt: Date.now() - 21_000 })], e);
    expect(await decisionsOf(invoice.eventId)).toMatchObject([{ tool: "send_email", template_id: "soft_payment_reminder", rule: "R2", outcome: "executed" }]);
    expect(await eventRow(invoice.eventId)).toMatchObject({ status: "decided" });
  });
});

describe("property: random event sequences for a few customers", () => {
  // Hundreds of decisions log thousands of JSON lines; kept out of the test runner's buffer (the pool's message
  // to the runner has a size limit). Assertions, not logs, are what this property checks.
  const quiet: Array<{ mockRestore(): void }> = [];
  beforeAll(() => {
    quiet.push(vi.spyOn(console, "log").mockImplementation(() => undefined), vi.spyOn(console, "warn").mockImplementation(() => undefined));
  });
  afterAll(() => {
    for (const q of quiet.splice(0)) q.mockRestore();
  });
  type Step = { customer: number; kind: "fail" | "paid" | "pi_fail"; invoice: number; reason: DunningContext["failureReason"]; attempt: number; noEmail: boolean };
  const reasons: Array<NonNullable<DunningContext["failureReason"]>> = ["card_expired", "insufficient_funds", "authentication_required", "do_not_honor", "invalid_card_details", "card_unusable", "fraud_suspected", "processing_error", "unknown"];
  const step: fc.Arbitrary<Step> = fc.record({
    customer: fc.integer({ min: 0, max: 2 }),
    kind: fc.constantFrom<Step["kind"]>("fail", "fail", "fail", "paid", "pi_fail"),
    invoice: fc.integer({ min: 0, max: 2 }),
    reason: fc.constantFrom(...reasons),
    attempt: fc.integer({ min: 1, max: 4 }),
    noEmail: fc.boolean(),
  });

  it("never >1 email per customer per 24 h, never two winbacks, never an email without address, never a retry of a hard decline, every event decided once", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 4 }), async (steps, batchSize) => {
        const run = uid("p");
        const scope = uid("prop");
        const fake = fakeClient(fakeUrl, scope);
        // Customer 0 is loyal and valuable (so winbacks are possible); the others are new.
        await fake.putStripe("paid_invoices", `cus_${run}_0`, Array.from({ length: 10 }, (_, i) => ({ id: `in_hist_${run}_${i}`, object: "invoice", amount_paid: 20000, currency: "usd", status: "paid", created: 1790000000 + i * 2600000, status_transitions: { paid_at: 1790000000 + i * 2600000 } })));
        for (let c = 0; c < 3; c++) await fake.putStripe("customers", `cus_${run}_${c}`, { id: `cus_${run}_${c}`, object: "customer", email: null, name: null, preferred_locales: [] });
        const e = live({ STRIPE_SECRET_KEY: `sk_test_${scope}`, STRIPE_API_BASE: fakeUrl });
        const contexts = steps.map((s, i) => {
          const customerId = `cus_${run}_${s.customer}`;
          const invoiceId = `in_${run}_${s.customer}_${s.invoice}`;
          const created = Math.floor(Date.now() / 1000) - 1000 + i;
          if (s.kind === "paid") return contextOf(invoiceEvent({ eventId: `evt_${run}_${i}`, customerId, invoiceId, type: "invoice.paid", created, lookupKey: "pro_monthly" }));
          if (s.kind === "pi_fail") return contextOf(paymentIntentEvent({ eventId: `evt_${run}_${i}`, customerId, paymentIntentId: `pi_${run}_${s.customer}_${s.invoice}`, created, email: s.noEmail ? null : undefined }));
          const ctx = contextOf(invoiceEvent({ eventId: `evt_${run}_${i}`, customerId, invoiceId, paymentIntentId: `pi_${run}_${s.customer}_${s.invoice}`, attempt: s.attempt, created, email: s.noEmail ? null : undefined, lookupKey: "pro_monthly" }));
          return { ...ctx, failureReason: s.reason, declineCode: null };
        });
        for (let i = 0; i < contexts.length; i += batchSize) {
          const batch = contexts.slice(i, i + batchSize).map((c) => eventMessage(c));
          const calls = await runRecorded(batch, e);
          // Redeliver retried messages (PaymentIntent attribution holds) as their second attempt, as the queue would.
          for (const original of batch) {
            if (calls.get(original.id)?.action === "retry") await runRecorded([{ ...original, attempts: 2 }], e);
          }
        }
        for (let c = 0; c < 3; c++) {
          const customerId = `cus_${run}_${c}`;
          const emails = await outboxFor(customerId, "email");
          expect(emails.length).toBeLessThanOrEqual(1);
          const winbacks = await env.LEDGER.prepare("SELECT COUNT(*) AS n FROM winbacks WHERE customer_id = ?1").bind(customerId).first<{ n: number }>();
          expect(winbacks?.n ?? 0).toBeLessThanOrEqual(1);
        }
        const emailed = (await env.LEDGER.prepare("SELECT e.context FROM outbox o JOIN events e ON e.id = o.event_id WHERE o.kind = 'email' AND o.customer_id LIKE ?1").bind(`cus_${run}_%`).all<{ context: string }>()).results;
        for (const row of emailed) {
          const ctx = JSON.parse(row.context) as DunningContext;
          const step = steps[Number(ctx.eventId.split("_").pop())];
          expect(step?.noEmail).toBe(false);
        }
        const pays = (await fake.requests("stripe")).filter((r) => r.method === "POST" && /\/pay$/.test(r.path));
        expect(pays).toHaveLength(0);
        // Events are processed in this order (one customer's events by time; batches one after the other).
        const failedBefore = new Set<string>();
        for (const ctx of contexts) {
          const row = await eventRow(ctx.eventId);
          expect(row?.status, ctx.eventId).toBe("decided");
          expect(row?.status_reason, ctx.eventId).toMatch(/\S/);
          const ds = await decisionsOf(ctx.eventId);
          expect(ds.filter((d) => d.outcome === "pending")).toHaveLength(0);
          if (ctx.eventType !== "invoice.payment_failed" || ctx.invoiceId === null) continue;
          // The first failure of an invoice decides its day-0 step; Stripe's later attempts of an open case only
          // update it (the campaign's own steps decide), recorded as such.
          const later = failedBefore.has(ctx.invoiceId);
          failedBefore.add(ctx.invoiceId);
          if (later && ds.length === 0) expect(row?.status_reason, ctx.eventId).toMatch(/^campaign: attempt \d+ recorded/);
          else expect(ds.length, ctx.eventId).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 12 },
    );
  });
});
