/**
 * Proves the local provider fake (test/fakes/server.ts) against the REAL SDKs, running inside workerd.
 */
import { GoogleGenAI } from "@google/genai";
import { Resend } from "resend";
import Stripe from "stripe";
import { beforeEach, describe, expect, it, inject } from "vitest";
import { fakeClient, geminiFunctionCall, geminiFunctionCalls, geminiText } from "./fakes/client.ts";

const fakeUrl = inject("fakeUrl" as never) as string;

const OLIVIA = "cus_RiltVRG3sMWO7G";

function stripeFor(key: string): Stripe {
  const u = new URL(fakeUrl);
  return new Stripe(key, {
    host: u.hostname,
    port: Number(u.port),
    protocol: "http",
    apiVersion: "2026-10-28.endive",
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 2,
  });
}

function geminiFor(key: string): GoogleGenAI {
  return new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: fakeUrl, apiVersion: "v1beta" } });
}

function resendFor(key: string): Resend {
  return new Resend(key, { baseUrl: `${fakeUrl}/resend` });
}

describe("fake Stripe", () => {
  const key = "sk_test_fakes_stripe";
  const fake = fakeClient(fakeUrl, key);
  const stripe = stripeFor(key);
  beforeEach(() => fake.reset());

  it("retrieves fixture and put objects; unknown ids are resource_missing", async () => {
    await fake.putStripe("customers", "cus_put1", { object: "customer", email: "put@example.com", metadata: {} });
    const put = await stripe.customers.retrieve("cus_put1");
    expect(put).toMatchObject({ id: "cus_put1", email: "put@example.com" });

    const olivia = await stripe.customers.retrieve(OLIVIA);
    expect(olivia.id).toBe(OLIVIA);
    expect(olivia.lastResponse.requestId).toMatch(/^req_/);

    await expect(stripe.customers.retrieve("cus_missing")).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      code: "resource_missing",
      statusCode: 404,
    });
    const recs = await fake.requests("stripe");
    expect(recs.map((r) => r.path)).toEqual(["/v1/customers/cus_put1", `/v1/customers/${OLIVIA}`, "/v1/customers/cus_missing"]);
    expect(recs[0]!.headers.authorization).toBe("Bearer ***");
    expect(recs[0]!.scope).toBe("fakes_stripe");
  });

  it("replays a POST with the same Idempotency-Key: one coupon, same id", async () => {
    const params = { percent_off: 20, duration: "once" as const, max_redemptions: 1, metadata: { case_id: "c1" } };
    const a = await stripe.coupons.create(params, { idempotencyKey: "coupon-c1" });
    const b = await stripe.coupons.create(params, { idempotencyKey: "coupon-c1" });
    expect(a.id).toMatch(/^co_/);
    expect(b.id).toBe(a.id);
    expect(a).toMatchObject({ percent_off: 20, duration: "once", max_redemptions: 1, metadata: { case_id: "c1" } });

    const recs = await fake.requests("stripe");
    expect(recs).toHaveLength(2);
    expect(recs[0]!.body).toEqual({ percent_off: "20", duration: "once", max_redemptions: "1", metadata: { case_id: "c1" } });
    expect(recs[0]!.headers["idempotency-key"]).toBe("coupon-c1");
    expect(recs[0]!.replayed).toBeUndefined();
    expect(recs[1]!.replayed).toBe(true);

    // Same key, different params -> idempotency_error.
    await expect(stripe.coupons.create({ ...params, percent_off: 30 }, { idempotencyKey: "coupon-c1" })).rejects.toMatchObject({
      type: "StripeIdempotencyError",
    });
  });

  it("creates a promotion code for a coupon (current API: promotion.coupon) and applies it to a subscription", async () => {
    const coupon = await stripe.coupons.create({ percent_off: 25, duration: "repeating", duration_in_months: 3 });
    const expiresAt = Math.floor(Date.now() / 1000) + 7 * 86400;
    const promo = await stripe.promotionCodes.create({
      promotion: { type: "coupon", coupon: coupon.id },
      code: "STAY-25",
      customer: OLIVIA,
      expires_at: expiresAt,
      max_redemptions: 1,
    });
    expect(promo.id).toMatch(/^promo_/);
    expect(promo).toMatchObject({ code: "STAY-25", customer: OLIVIA, expires_at: expiresAt, promotion: { type: "coupon", coupon: coupon.id } });
    const [rec] = (await fake.requests("stripe")).filter((r) => r.path === "/v1/promotion_codes");
    expect(rec!.body).toMatchObject({ promotion: { type: "coupon", coupon: coupon.id }, code: "STAY-25" });

    const sub = await stripe.subscriptions.update(
      "sub_1CGg1cQ9RKHgCVdKUDaDFQ92",
      { discounts: [{ promotion_code: promo.id }], metadata: { offer: "stay25" } },
      { idempotencyKey: "sub-discount-1" },
    );
    expect(sub.metadata).toMatchObject({ offer: "stay25" });
    expect(sub.discounts).toHaveLength(1);
    const expanded = await stripe.subscriptions.retrieve(sub.id, { expand: ["discounts"] });
    expect(expanded.discounts[0]).toMatchObject({ object: "discount", promotion_code: promo.id, source: { coupon: coupon.id } });

    // A second redemption exceeds max_redemptions.
    await expect(stripe.subscriptions.update(sub.id, { discounts: [{ promotion_code: promo.id }] })).rejects.toMatchObject({ statusCode: 400 });
  });

  it("pays an invoice, and a scripted decline fails with a card_error", async () => {
    const inv = { object: "invoice", customer: OLIVIA, status: "open", amount_due: 4900, amount_paid: 0, amount_remaining: 4900, attempt_count: 1, metadata: {} };
    await fake.putStripe("invoices", "in_ok", inv);
    await fake.putStripe("invoices", "in_fail", { ...inv, next_pay_outcome: "fail", next_pay_decline_code: "insufficient_funds" });

    const paid = await stripe.invoices.pay("in_ok");
    expect(paid).toMatchObject({ id: "in_ok", status: "paid", amount_paid: 4900, amount_remaining: 0 });

    await expect(stripe.invoices.pay("in_fail")).rejects.toMatchObject({
      type: "StripeCardError",
      statusCode: 402,
      decline_code: "insufficient_funds",
    });
    expect(await fake.getStripe("invoices", "in_fail")).toMatchObject({ status: "open", attempt_count: 2 });

    const upd = await stripe.invoices.update("in_fail", { metadata: { recovery_case: "rc_1" } });
    expect(upd.metadata).toEqual({ recovery_case: "rc_1" });

    const list = await stripe.invoices.list({ customer: OLIVIA, status: "paid", limit: 3 });
    expect(list.data[0]!.id).toBe("in_ok"); // newest first: the one just paid
    expect(list.data).toHaveLength(3);
    expect(list.has_more).toBe(true);
  });

  it("confirms payment intents (scripted fail, then success)", async () => {
    await fake.putStripe("payment_intents", "pi_t1", {
      object: "payment_intent",
      amount: 1900,
      currency: "usd",
      customer: OLIVIA,
      status: "requires_payment_method",
      next_confirm_outcome: "fail",
      next_confirm_decline_code: "card_velocity_exceeded",
    });
    await expect(stripe.paymentIntents.confirm("pi_t1", { payment_method: "pm_card_visa", off_session: true })).rejects.toMatchObject({
      type: "StripeCardError",
      decline_code: "card_velocity_exceeded",
    });
    const ok = await stripe.paymentIntents.confirm("pi_t1", { payment_method: "pm_card_visa" });
    expect(ok.status).toBe("succeeded");
    const charge = await stripe.charges.retrieve(ok.latest_charge as string);
    expect(charge).toMatchObject({ status: "succeeded", payment_intent: "pi_t1" });
  });

  it("lists invoice payments by invoice and by payment intent", async () => {
    const byPi = await stripe.invoicePayments.list({ payment: { type: "payment_intent", payment_intent: "pi_3xauYkQ9RKHgCVdKy5p87Txi" } });
    expect(byPi.data.map((p) => p.invoice)).toEqual(["in_1Q3TpTQ9RKHgCVdKBBbWnl3O"]);
    const byInvoice = await stripe.invoicePayments.list({ invoice: "in_1Q3TpTQ9RKHgCVdKBBbWnl3O" });
    expect(byInvoice.data).toHaveLength(1);
  });

  it("creates a billing portal session whose url serves a page", async () => {
    const session = await stripe.billingPortal.sessions.create({
      customer: OLIVIA,
      return_url: "https://example.com/account",
      flow_data: { type: "payment_method_update" },
    });
    expect(session.id).toMatch(/^bps_/);
    expect(session.url).toBe(`${fakeUrl}/portal/${session.id}`);
    expect(session.flow).toMatchObject({ type: "payment_method_update" });
    const page = await fetch(session.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(session.id);
    const [rec] = await fake.requests("stripe");
    expect(rec!.body).toMatchObject({ customer: OLIVIA, flow_data: { type: "payment_method_update" } });
  });

  it("injected 500 is retried by the SDK with the same Idempotency-Key; 429 surfaces as a rate limit", async () => {
    await fake.fail({ provider: "stripe", status: 500, count: 1, path: "/v1/coupons" });
    const c = await stripe.coupons.create({ percent_off: 10, duration: "once" });
    const recs = await fake.requests("stripe");
    expect(recs.map((r) => r.status)).toEqual([500, 200]);
    expect(recs[0]!.injected).toBe(true);
    expect(recs[1]!.headers["idempotency-key"]).toBe(recs[0]!.headers["idempotency-key"]);
    expect(c.id).toMatch(/^co_/);

    await fake.fail({ provider: "stripe", status: 429, count: 1 });
    await expect(stripe.customers.retrieve(OLIVIA, {}, { maxNetworkRetries: 0 })).rejects.toMatchObject({ type: "StripeRateLimitError" });
  });

  it("unknown paths are 404 resource_missing", async () => {
    const res = await fetch(`${fakeUrl}/v1/nope`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("resource_missing");
  });
});

describe("fake Gemini", () => {
  const key = "gk_fakes_gemini";
  const fake = fakeClient(fakeUrl, key);
  const ai = geminiFor(key);
  beforeEach(() => fake.reset());

  it("returns scripted function calls, then the default text", async () => {
    await fake.scriptGemini([
      { status: 200, body: geminiFunctionCall("send_email", { template: "soft_decline", delay_hours: 24 }) },
      { status: 200, body: geminiFunctionCalls([{ name: "a", args: {} }, { name: "b", args: { x: 1 } }]) },
    ]);
    const r1 = await ai.models.generateContent({ model: "gemini-3.8-flash", contents: "decide" });
    expect(r1.functionCalls).toEqual([{ name: "send_email", args: { template: "soft_decline", delay_hours: 24 } }]);
    const r2 = await ai.models.generateContent({ model: "gemini-3.8-flash", contents: "decide" });
    expect(r2.functionCalls?.map((c) => c.name)).toEqual(["a", "b"]);
    const r3 = await ai.models.generateContent({ model: "gemini-3.8-flash", contents: "hello" });
    expect(r3.text).toBe("ok");
    expect(r3.functionCalls).toBeUndefined();

    const recs = await fake.requests("gemini");
    expect(recs).toHaveLength(3);
    expect(recs[0]!.path).toBe("/v1beta/models/gemini-3.8-flash:generateContent");
    expect(recs[0]!.headers["x-goog-api-key"]).toBe("***");
    expect(recs[0]!.body).toMatchObject({ contents: [{ role: "user", parts: [{ text: "decide" }] }] });
  });

  it("a scripted 500 throws; an injected 429 throws", async () => {
    await fake.scriptGemini({ status: 500, body: { error: { code: 500, message: "boom", status: "INTERNAL" } } });
    await expect(ai.models.generateContent({ model: "m", contents: "x" })).rejects.toThrow(/boom|500/);
    await fake.fail({ provider: "gemini", status: 429, count: 1 });
    await expect(ai.models.generateContent({ model: "m", contents: "x" })).rejects.toThrow(/429|exhausted/i);
    expect((await fake.stats()).counts.gemini).toBe(2);
  });

  it("tracks calls in flight and the peak", async () => {
    await fake.scriptGemini([{ hangMs: 300 }, { hangMs: 300 }, { delayMs: 300, status: 200, body: geminiText("late") }]);
    const results = await Promise.all([1, 2, 3].map(() => ai.models.generateContent({ model: "m", contents: "x" })));
    expect(results.map((r) => r.text).sort()).toEqual(["late", "ok", "ok"]);
    const stats = await fake.stats();
    expect(stats.geminiPeakInFlight).toBe(3);
    expect(stats.geminiInFlight).toBe(0);
  });

  it("a hang longer than the SDK timeout aborts the call", async () => {
    const slow = new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: fakeUrl, apiVersion: "v1beta", timeout: 200 } });
    await fake.scriptGemini({ hangMs: 1500 });
    await expect(slow.models.generateContent({ model: "m", contents: "x" })).rejects.toThrow();
  });
});

describe("fake Resend", () => {
  const key = "re_fakes_resend";
  const fake = fakeClient(fakeUrl, key);
  const resend = resendFor(key);
  beforeEach(() => fake.reset());

  const email = { from: "Billing <billing@example.com>", to: "olivia.bennett@example.com", subject: "Your payment failed", html: "<p>hi</p>" };

  it("same Idempotency-Key -> same id (two recorded requests, one delivery)", async () => {
    const a = await resend.emails.send(email, { idempotencyKey: "email-case-1" });
    const b = await resend.emails.send(email, { idempotencyKey: "email-case-1" });
    expect(a.error).toBeNull();
    expect(a.data?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.data?.id).toBe(a.data?.id);
    const recs = await fake.requests("resend");
    expect(recs).toHaveLength(2);
    expect(recs[0]!.path).toBe("/resend/emails");
    expect(recs[0]!.body).toMatchObject({ from: email.from, to: email.to, subject: email.subject, html: "<p>hi</p>" });
    expect(recs[0]!.headers["idempotency-key"]).toBe("email-case-1");
    expect(recs.filter((r) => !r.replayed)).toHaveLength(1);

    const c = await resend.emails.send(email, { idempotencyKey: "email-case-2" });
    expect(c.data?.id).not.toBe(a.data?.id);
  });

  it("injected failures come back as Resend errors", async () => {
    await fake.fail([
      { provider: "resend", status: 429, count: 1 },
      { provider: "resend", status: 500, count: 1 },
    ]);
    const r1 = await resend.emails.send(email);
    expect(r1.error).toMatchObject({ statusCode: 429, name: "rate_limit_exceeded" });
    expect(r1.headers?.["retry-after"]).toBe("0");
    const r2 = await resend.emails.send(email);
    expect(r2.error).toMatchObject({ statusCode: 500, name: "application_error" });
    const r3 = await resend.emails.send({ ...email, subject: "" });
    expect(r3.error).toMatchObject({ statusCode: 422 });
    const r4 = await resend.emails.send(email);
    expect(r4.error).toBeNull();
  });
});

describe("fake Slack", () => {
  const token = "xoxb-fakes_slack";
  const fake = fakeClient(fakeUrl, token);
  beforeEach(() => fake.reset());

  it("chat.postMessage, response_url and webhook are recorded", async () => {
    const res = await fetch(`${fakeUrl}/slack/api/chat.postMessage`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ channel: "C0RECOVERY", text: "Approval needed", blocks: [{ type: "section" }] }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, channel: "C0RECOVERY", ts: "1700000000.000100", message: { text: "Approval needed" } });

    const r2 = await fetch(`${fakeUrl}/slack/response/fakes_slack.123`, { method: "POST", body: JSON.stringify({ text: "done" }) });
    expect(await r2.text()).toBe("ok");
    const r3 = await fetch(`${fakeUrl}/slack/webhook/fakes_slack.hook`, { method: "POST", body: JSON.stringify({ text: "alert" }) });
    expect(await r3.text()).toBe("ok");

    const recs = await fake.requests("slack");
    expect(recs.map((r) => r.path)).toEqual(["/slack/api/chat.postMessage", "/slack/response/fakes_slack.123", "/slack/webhook/fakes_slack.hook"]);
    expect(recs[0]!.body).toMatchObject({ channel: "C0RECOVERY", text: "Approval needed" });
    expect(recs[0]!.headers.authorization).toBe("Bearer ***");
    expect((await fake.stats()).counts.slack).toBe(3);
  });

  it("injected 429 carries Retry-After", async () => {
    await fake.fail({ provider: "slack", status: 429, count: 1, path: "/slack/api/chat.postMessage" });
    const res = await fetch(`${fakeUrl}/slack/api/chat.postMessage`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ channel: "C1", text: "x" }),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("0");
    expect(await res.json()).toEqual({ ok: false, error: "ratelimited" });
  });
});

describe("scopes", () => {
  it("keep records and overlay objects apart", async () => {
    const a = fakeClient(fakeUrl, "sk_test_fakes_scope_a");
    const b = fakeClient(fakeUrl, "fakes_scope_b");
    await Promise.all([a.reset(), b.reset()]);
    await a.putStripe("customers", "cus_scoped", { object: "customer", email: "a@example.com" });
    await expect(stripeFor("sk_test_fakes_scope_b").customers.retrieve("cus_scoped")).rejects.toMatchObject({ statusCode: 404 });
    const got = await stripeFor("sk_test_fakes_scope_a").customers.retrieve("cus_scoped");
    expect(got).toMatchObject({ email: "a@example.com" });
    expect(await a.requests()).toHaveLength(1);
    expect(await b.requests()).toHaveLength(1);
    await a.reset();
    expect(await a.requests()).toHaveLength(0);
    expect(await a.getStripe("customers", "cus_scoped")).toBeNull();
  });
});
