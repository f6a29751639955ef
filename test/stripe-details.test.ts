/**
 * Stripe details as the real API behaves: a winback keeps the subscription's existing discounts (`discounts`
 * replaces them), the paid history is read past Stripe's 100-item pages, and setup problems reach the dashboard.
 */
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { fakeClient, geminiFunctionCall } from "./fakes/client.ts";
import { contextOf, decisionsOf, eventMessage, outboxFor, runBatch } from "./helpers/consumer.ts";
import { env, envWith, migrate, uid } from "./helpers/env.ts";
import { invoiceEvent } from "./helpers/stripe-events.ts";
import { depsOf } from "../src/deps.ts";
import { processScheduledJob } from "../src/dunning/scheduled-jobs.ts";

const fakeUrl = inject("fakeUrl");
beforeAll(migrate);

async function world(paidInvoices: number) {
  const scope = uid("det");
  const run = uid("d");
  const customerId = `cus_${run}`;
  const fake = fakeClient(fakeUrl, scope);
  await fake.putStripe("customers", customerId, { id: customerId, object: "customer", email: `d.${run}@example.com`, name: "Dana", preferred_locales: [], metadata: {} });
  await fake.putStripe("coupons", `co_standing_${run}`, { id: `co_standing_${run}`, object: "coupon", percent_off: 10, duration: "forever", valid: true });
  await fake.putStripe("discounts", `di_standing_${run}`, { id: `di_standing_${run}`, object: "discount", customer: customerId, subscription: `sub_${run}`, source: { type: "coupon", coupon: `co_standing_${run}` } });
  await fake.putStripe("subscriptions", `sub_${run}`, {
    id: `sub_${run}`,
    object: "subscription",
    customer: customerId,
    status: "past_due",
    discounts: [`di_standing_${run}`],
    items: { object: "list", data: [{ id: `si_${run}`, object: "subscription_item", quantity: 1, price: { id: "price_pro", object: "price", lookup_key: "pro_monthly", product: "prod_pro", currency: "usd", unit_amount: 4900, recurring: { interval: "month" } } }] },
  });
  await fake.putStripe(
    "paid_invoices",
    customerId,
    Array.from({ length: paidInvoices }, (_, i) => ({ id: `in_h_${run}_${i}`, object: "invoice", amount_paid: 4900, currency: "usd", status: "paid", created: 1700000000 + i * 86400, status_transitions: { paid_at: 1700000000 + i * 86400 } })),
  );
  const e = envWith({ DEFAULT_MODE: "live", STRIPE_SECRET_KEY: `sk_test_${scope}`, STRIPE_API_BASE: fakeUrl, GEMINI_API_KEY: `gk_${scope}`, GEMINI_BASE_URL: fakeUrl, GEMINI_TIMEOUT_MS: "2000" });
  const ctx = { ...contextOf(invoiceEvent({ eventId: `evt_${run}`, customerId, invoiceId: `in_${run}`, paymentIntentId: `pi_${run}`, attempt: 2, amount: 4900, currency: "usd" })), subscriptionId: `sub_${run}`, failureReason: "insufficient_funds" as const, declineCode: "insufficient_funds" };
  return { scope, run, customerId, fake, e, ctx };
}

describe("Stripe details", () => {
  it("completion reads the failed payment's card (brand and last 4 only) and the plan's product name for the email", async () => {
    const w = await world(2);
    await w.fake.putStripe("payment_intents", `pi_${w.run}`, {
      id: `pi_${w.run}`,
      object: "payment_intent",
      customer: w.customerId,
      amount: 4900,
      currency: "usd",
      status: "requires_payment_method",
      last_payment_error: { type: "card_error", code: "card_declined", decline_code: "expired_card", payment_method: { id: `pm_${w.run}`, object: "payment_method", card: { brand: "amex", last4: "0005", exp_month: 1, exp_year: 2031, fingerprint: "fp_do_not_keep" } } },
    });
    // The webhook's invoice names no PaymentIntent: Stripe links them (GET /v1/invoice_payments).
    await w.fake.putStripe("invoice_payments", `in_${w.run}`, [{ id: `inpay_${w.run}`, object: "invoice_payment", invoice: `in_${w.run}`, payment: { type: "payment_intent", payment_intent: `pi_${w.run}` }, status: "open" }]);
    await w.fake.putStripe("products", "prod_pro", { id: "prod_pro", object: "product", name: "Analytics Pro" });
    await w.fake.scriptGemini([{ body: geminiFunctionCall("send_email", { template_id: "card_update_request" }) }]);
    const ctx = { ...w.ctx, failureReason: null, declineCode: null, productId: "prod_pro", productName: null, cardBrand: null, cardLast4: null };
    await runBatch([eventMessage(ctx)], w.e);
    const [email] = await outboxFor(w.customerId, "email");
    const text = String(email?.text);
    expect(text).toContain("American Express ending in 0005");
    expect(text).toContain("Analytics Pro");
    expect(text).not.toMatch(/fp_do_not_keep|2031/);
  });

  it("the paid history is counted past 100 invoices (every page), so lifetime value is right", async () => {
    const w = await world(150);
    await runBatch([eventMessage(w.ctx)], envWith({ ...w.e, GEMINI_API_KEY: "" }));
    const row = await env.LEDGER.prepare("SELECT paid_invoices, lifetime_value FROM customers WHERE id = ?1").bind(w.customerId).first<{ paid_invoices: number; lifetime_value: number }>();
    expect(row).toMatchObject({ paid_invoices: 150, lifetime_value: 150 * 4900 });
    const pages = (await w.fake.requests("stripe")).filter((r) => r.path === "/v1/invoices" && r.method === "GET");
    expect(pages.length).toBeGreaterThanOrEqual(2);
  });

  it("a winback applied to the subscription keeps the customer's standing discount", async () => {
    const w = await world(20);
    await w.fake.scriptGemini([{ body: geminiFunctionCall("offer_winback_discount", { percent_off: 20, valid_days: 14 }) }]);
    // Day 0 (a soft decline, Stripe's retry scheduled): nothing is sent and the model is not asked.
    await runBatch([eventMessage(w.ctx)], w.e);
    expect((await decisionsOf(w.ctx.eventId)).at(-1)).toMatchObject({ tool: null, outcome: "recorded" });
    // Offers come at the final-warning step: run that step when it is due; the model offers the winback there.
    const job = await env.LEDGER.prepare("SELECT id, due_at FROM scheduled_jobs WHERE id = ?1").bind(`campaign:in_${w.run}:final_warning`).first<{ id: string; due_at: number }>();
    expect(job).not.toBeNull();
    const at = Math.max(job?.due_at ?? 0, Date.now()) + 1000;
    await env.LEDGER.prepare("UPDATE scheduled_jobs SET status = 'enqueued' WHERE id = ?1").bind(job?.id).run();
    await processScheduledJob({ ...depsOf(w.e), clock: () => at }, String(job?.id), "live");
    const atStep = (await env.LEDGER.prepare("SELECT * FROM decisions WHERE case_id = ?1 ORDER BY id").bind(`in_${w.run}`).all<Record<string, unknown>>()).results;
    expect(atStep.at(-1)).toMatchObject({ decided_by: "model", tool: "offer_winback_discount", outcome: "executed" });
    const update = (await w.fake.requests("stripe")).find((r) => r.path === `/v1/subscriptions/sub_${w.run}` && r.method === "POST");
    const discounts = (update?.body as { discounts: Array<Record<string, string>> }).discounts;
    expect(discounts[0]).toEqual({ discount: `di_standing_${w.run}` });
    expect(discounts[1]).toHaveProperty("coupon");
    expect(discounts).toHaveLength(2);
  });

  it("with no Stripe key the dashboard and the metrics say once that Stripe actions are unavailable", async () => {
    const res = await (exports as unknown as { default: Fetcher }).default.fetch("http://recovery.test/admin/metrics", { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } });
    const json = (await res.json()) as { setupWarnings: Array<{ kind: string }> };
    expect(json.setupWarnings.filter((w) => w.kind === "stripe_key_missing")).toHaveLength(1);
    const page = await (await (exports as unknown as { default: Fetcher }).default.fetch("http://recovery.test/admin", { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } })).text();
    expect(page.match(/data-kind="stripe_key_missing"/g)).toHaveLength(1);
  });
});
