import { beforeAll, describe, expect, inject, it } from "vitest";
import type { DunningContext } from "../src/ingest/context.ts";
import { routeEmail } from "../src/actions/email-routing.ts";
import { env, envWith, migrate, uid } from "./helpers/env.ts";
import { contextOf, decisionsOf, eventMessage, outboxFor, runBatch, runRecorded } from "./helpers/consumer.ts";
import { fakeClient, geminiFunctionCall, type FakeClient, type RecordedRequest } from "./fakes/client.ts";
import { invoiceEvent } from "./helpers/stripe-events.ts";

const fakeUrl = inject("fakeUrl");
beforeAll(migrate);

interface Setup {
  scope: string;
  fake: FakeClient;
  run: string;
  customerId: string;
  env: ReturnType<typeof envWith>;
}

/** Every provider configured and pointed at the fake, with one scope for this test. */
async function setup(over: Record<string, unknown> = {}, options: { loyal?: boolean } = {}): Promise<Setup> {
  const scope = uid("act");
  const fake = fakeClient(fakeUrl, scope);
  const run = uid("r");
  const customerId = `cus_${run}`;
  await fake.putStripe("customers", customerId, { id: customerId, object: "customer", email: `jane.doe.${run}@example.com`, name: "Jane Doe", preferred_locales: ["en-US"] });
  await fake.putStripe("subscriptions", `sub_${run}`, {
    id: `sub_${run}`,
    object: "subscription",
    customer: customerId,
    status: "past_due",
    items: { object: "list", data: [{ id: `si_${run}`, object: "subscription_item", quantity: 1, price: { id: "price_pro", object: "price", lookup_key: "pro_monthly", product: "prod_pro", currency: "usd", unit_amount: 4900, recurring: { interval: "month" } } }] },
  });
  if (options.loyal) {
    await fake.putStripe(
      "paid_invoices",
      customerId,
      Array.from({ length: 12 }, (_, i) => ({ id: `in_hist_${run}_${i}`, object: "invoice", amount_paid: 9900, currency: "usd", status: "paid", created: 1760000000 + i * 2600000, status_transitions: { paid_at: 1760000000 + i * 2600000 } })),
    );
  }
  const e = envWith({
    DEFAULT_MODE: "live",
    STRIPE_SECRET_KEY: `sk_test_${scope}`,
    STRIPE_API_BASE: fakeUrl,
    GEMINI_API_KEY: `gk_${scope}`,
    GEMINI_BASE_URL: fakeUrl,
    GEMINI_TIMEOUT_MS: "2000",
    RESEND_API_KEY: `re_${scope}`,
    RESEND_BASE_URL: `${fakeUrl}/resend`,
    SANDBOX_EMAIL: "sandbox@team.example",
    SLACK_BOT_TOKEN: `xoxb-${scope}`,
    SLACK_CHANNEL: "#billing",
    SLACK_API_BASE: `${fakeUrl}/slack/api`,
    BRAND_NAME: "Acme Analytics",
    ...over,
  });
  return { scope, fake, run, customerId, env: e };
}

function failure(s: Setup, over: Partial<DunningContext> = {}, attempt = 2): DunningContext {
  const ctx = contextOf(invoiceEvent({ eventId: `evt_${s.run}`, customerId: s.customerId, invoiceId: `in_${s.run}`, paymentIntentId: `pi_${s.run}`, attempt, amount: 4900, currency: "usd" }));
  return { ...ctx, subscriptionId: `sub_${s.run}`, failureReason: "insufficient_funds", declineCode: "insufficient_funds", ...over };
}

/** The provider requests with run-specific values replaced, so the snapshot pins the exact shape. */
function normalize(requests: RecordedRequest[], s: Setup): unknown {
  const text = JSON.stringify(
    requests
      .filter((r) => r.provider !== "gemini" && r.method !== "GET")
      .map((r) => ({ provider: r.provider, method: r.method, path: r.path, idempotencyKey: r.headers["idempotency-key"] ?? null, body: r.body })),
  );
  return JSON.parse(
    text
      .replaceAll(s.run, "<run>")
      .replaceAll(s.scope, "<scope>")
      .replace(/"(html)":"(?:[^"\\]|\\.)*"/g, '"$1":"<html>"')
      .replace(/"expires_at":"\d+"/g, '"expires_at":"<ts>"')
      .replace(/"Message-ID":"<[a-z2-7]+@/g, '"Message-ID":"<id>@')
      .replace(/co_[A-Za-z0-9]+/g, "co_<id>")
      .replace(/COMEBACK(\d+)-[A-Z0-9]{6}/g, "COMEBACK$1-<code>")
      .replace(/(r|u)\/update\/[A-Za-z0-9_.-]+/g, "$1/update/<token>")
      .replace(/\b(January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4}\b/g, "<date>"),
  );
}

async function decideWith(s: Setup, call: { name: string; args: Record<string, unknown> }, ctx: DunningContext) {
  await s.fake.scriptGemini([{ body: geminiFunctionCall(call.name, call.args) }]);
  const calls = await runRecorded([eventMessage(ctx)], s.env);
  expect([...calls.values()]).toEqual([{ action: "ack" }]);
  return decisionsOf(ctx.eventId);
}

describe("side effects of every tool (the exact request each provider got)", () => {
  it("send_email -> one Resend POST /emails with an idempotency key from event + template, test mode to the sandbox", async () => {
    const s = await setup();
    const ctx = failure(s);
    const ds = await decideWith(s, { name: "send_email", args: { template_id: "soft_payment_reminder" } }, ctx);
    expect(ds.at(-1)).toMatchObject({ tool: "send_email", outcome: "executed" });
    const requests = await s.fake.requests();
    const email = requests.find((r) => r.provider === "resend");
    expect(email?.headers["idempotency-key"]).toBe(`email:evt_${s.run}:soft_payment_reminder`);
    expect(JSON.stringify(email?.body)).not.toContain(`jane.doe.${s.run}@example.com`);
    expect(normalize(requests, s)).toMatchSnapshot();
  });

  it("a final warning names the day the grace period (the access state) ends", async () => {
    const s = await setup();
    await decideWith(s, { name: "send_email", args: { template_id: "final_warning" } }, failure(s, { nextPaymentAttempt: null }, 4));
    const [send] = await s.fake.requests("resend");
    const body = send?.body as { subject: string };
    const graceEnd = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" }).format(Date.now() + 7 * 86400_000);
    expect(body.subject).toContain(graceEnd);
  });

  it("post_slack -> one chat.postMessage to the configured channel", async () => {
    const s = await setup();
    await decideWith(s, { name: "post_slack", args: { text: "FYI: payment failed, Stripe is retrying." } }, failure(s));
    expect(normalize(await s.fake.requests(), s)).toMatchSnapshot();
  });

  it("escalate_to_human -> a decision-ready Block Kit message with working buttons", async () => {
    const s = await setup();
    await decideWith(s, { name: "escalate_to_human", args: { reason: "Customer asked for a call." } }, failure(s));
    const requests = await s.fake.requests("slack");
    const body = requests[0]?.body as { blocks: Array<{ type: string; elements?: Array<{ action_id?: string; value?: string }> }> };
    const actions = body.blocks.find((b) => b.type === "actions");
    expect(actions?.elements?.map((e) => e.action_id)).toEqual(["send_winback_offer", "mark_as_lost"]);
    expect(actions?.elements?.[0]?.value).toBe(`in_${s.run}`);
    expect(JSON.stringify(body)).toContain(`https://dashboard.stripe.com/test/customers/${s.customerId}`);
    expect(JSON.stringify(body)).toContain("$49.00");
    expect(normalize(requests, s)).toMatchSnapshot();
  });

  it("escalate_to_human escapes &, < and > in the message's fallback text as in its blocks (no stray mention or link)", async () => {
    const s = await setup();
    const ctx = failure(s, { customerName: "Tom & Jerry <script>" });
    await decideWith(s, { name: "escalate_to_human", args: { reason: "Said <!channel> & <https://evil.example|click> > twice." } }, ctx);
    const [post] = await s.fake.requests("slack");
    const body = post?.body as { text: string; blocks: unknown[] };
    expect(body.text).toContain("Tom &amp; Jerry &lt;script&gt;");
    expect(body.text).toContain("Said &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt; &gt; twice.");
    expect(body.text).not.toMatch(/[<>]|&(?!amp;|lt;|gt;)/);
    expect(JSON.stringify(body.blocks)).toContain("Said &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt; &gt; twice.");
  });

  it("update_customer_state -> KV cust:{id} JSON and the ledger label, no provider call", async () => {
    const s = await setup();
    await decideWith(s, { name: "update_customer_state", args: { state: "at_risk", note: "Second soft decline." } }, failure(s));
    const kv = JSON.parse((await env.BILLING_KV.get(`cust:${s.customerId}`)) ?? "{}") as Record<string, unknown>;
    expect(kv).toMatchObject({ state: "at_risk", note: "Second soft decline.", caseId: `in_${s.run}` });
    expect(typeof kv.updatedAt).toBe("string");
    expect(normalize(await s.fake.requests(), s)).toEqual([]);
  });

  it("request_stripe_smart_retry(continue) -> records the schedule on the invoice (metadata), no payment attempt", async () => {
    const s = await setup();
    await s.fake.putStripe("invoices", `in_${s.run}`, { id: `in_${s.run}`, object: "invoice", status: "open", customer: s.customerId, amount_due: 4900, currency: "usd", metadata: {} });
    await decideWith(s, { name: "request_stripe_smart_retry", args: { schedule: "continue" } }, failure(s));
    expect(normalize(await s.fake.requests(), s)).toMatchSnapshot();
  });

  it("offer_winback_discount -> coupon, single-use promotion code for the customer, applied to the subscription, and the email with the code", async () => {
    const s = await setup({}, { loyal: true });
    const ds = await decideWith(s, { name: "offer_winback_discount", args: { percent_off: 20, valid_days: 14 } }, failure(s));
    expect(ds.at(-1)).toMatchObject({ tool: "offer_winback_discount", outcome: "executed" });
    const requests = await s.fake.requests();
    const email = requests.find((r) => r.provider === "resend");
    expect(JSON.stringify(email?.body)).toMatch(/COMEBACK20-[A-Z0-9]{6}/);
    expect(normalize(requests, s)).toMatchSnapshot();
  });

  it("a winback the gate refuses (new customer, model proposal) is not even offered, creates nothing at Stripe, and the rules act instead", async () => {
    const s = await setup();
    const ds = await decideWith(s, { name: "offer_winback_discount", args: { percent_off: 20, valid_days: 14 } }, failure(s));
    expect(ds[0]).toMatchObject({ outcome: "rejected", decided_by: "model", validation: 'rejected: tool "offer_winback_discount" is not allowed for this case' });
    // The model was never offered the tool for this customer.
    const asked = (await s.fake.requests("gemini")).find((r) => r.path.includes("gemini-3.8-flash:"))?.body as { tools: Array<{ functionDeclarations: Array<{ name: string }> }>; toolConfig: { functionCallingConfig: { allowedFunctionNames: string[] } } };
    expect(asked.tools[0]?.functionDeclarations.map((d) => d.name)).not.toContain("offer_winback_discount");
    expect(asked.toolConfig.functionCallingConfig.allowedFunctionNames).not.toContain("offer_winback_discount");
    // No dead end: the rules' decision ran through the same gate.
    expect(ds[1]).toMatchObject({ decided_by: "fallback", outcome: "executed" });
    expect((await s.fake.requests("stripe")).filter((r) => r.method === "POST")).toHaveLength(0);
  });
});

describe("idempotency: the same message processed twice acts once", () => {
  it("a retry after a crash mid-winback replays the same keys: one coupon, one promotion code, one email", async () => {
    const s = await setup({}, { loyal: true });
    const ctx = failure(s);
    await s.fake.scriptGemini([{ body: geminiFunctionCall("offer_winback_discount", { percent_off: 20, valid_days: 14 }) }]);
    // The promotion-code call fails (all SDK retries too), after the coupon was created.
    await s.fake.fail({ provider: "stripe", status: 500, count: 3, path: "/v1/promotion_codes" });
    const msg = eventMessage(ctx, { id: `m-${s.run}` });
    const first = await runRecorded([msg], s.env);
    expect(first.get(msg.id)?.action).toBe("retry");
    const second = await runRecorded([{ ...msg, attempts: 2 }], s.env);
    expect(second.get(msg.id)?.action).toBe("ack");
    const stripe = (await s.fake.requests("stripe")).filter((r) => r.method === "POST");
    const coupons = stripe.filter((r) => r.path === "/v1/coupons");
    expect(coupons.length).toBe(1); // the coupon's success was recorded: not called again
    const promos = stripe.filter((r) => r.path === "/v1/promotion_codes");
    expect(new Set(promos.map((r) => r.headers["idempotency-key"])).size).toBe(1);
    expect(promos.filter((r) => r.status === 200)).toHaveLength(1);
    const emails = await s.fake.requests("resend");
    expect(emails).toHaveLength(1);
    // The model was asked once: the retry resumed the recorded decision.
    expect(await s.fake.requests("gemini")).toHaveLength(2); // decision + empathy paragraph
    expect((await decisionsOf(ctx.eventId)).filter((d) => d.outcome === "executed")).toHaveLength(1);
  });

  it("a winback Stripe refuses for good is recorded as failed, a person is told, and it does not use up the 90-day cap", async () => {
    const s = await setup({}, { loyal: true });
    await s.fake.scriptGemini([{ body: geminiFunctionCall("offer_winback_discount", { percent_off: 20, valid_days: 14 }) }]);
    await s.fake.fail({ provider: "stripe", status: 400, count: 1, path: "/v1/coupons" });
    const ctx = failure(s);
    const calls = await runRecorded([eventMessage(ctx)], s.env);
    expect([...calls.values()]).toEqual([{ action: "ack" }]);
    expect((await decisionsOf(ctx.eventId)).at(-1)).toMatchObject({ tool: "offer_winback_discount", outcome: "failed" });
    const [note] = await s.fake.requests("slack");
    expect(JSON.stringify(note?.body)).toMatch(/could not winback/);
    expect(await env.LEDGER.prepare("SELECT COUNT(*) AS n FROM winbacks WHERE customer_id = ?1").bind(s.customerId).first()).toMatchObject({ n: 0 });
  });

  it("a Resend 5xx is retried with the same idempotency key; one delivery", async () => {
    const s = await setup();
    const ctx = failure(s);
    await s.fake.scriptGemini([{ body: geminiFunctionCall("send_email", { template_id: "soft_payment_reminder" }) }]);
    await s.fake.fail({ provider: "resend", status: 500, count: 1 });
    const msg = eventMessage(ctx, { id: `m-${s.run}` });
    expect((await runRecorded([msg], s.env)).get(msg.id)?.action).toBe("retry");
    expect((await runRecorded([{ ...msg, attempts: 2 }], s.env)).get(msg.id)?.action).toBe("ack");
    const sends = await s.fake.requests("resend");
    expect(sends).toHaveLength(2);
    expect(sends[0]?.headers["idempotency-key"]).toBe(sends[1]?.headers["idempotency-key"]);
    expect(sends.map((r) => r.status)).toEqual([500, 200]);
  });
});

describe("test-mode safety: a customer's real address only for a live event with a live key", () => {
  it.each([
    [false, false, null, "outbox", "jane@customer.example", "[TEST] "],
    [false, false, "sandbox@team.example", "resend", "sandbox@team.example", "[TEST] "],
    [true, false, "sandbox@team.example", "resend", "sandbox@team.example", "[TEST] "],
    [false, true, "sandbox@team.example", "resend", "sandbox@team.example", "[TEST] "],
    [true, true, "sandbox@team.example", "resend", "jane@customer.example", ""],
  ] as const)("livemode=%s liveKey=%s sandbox=%s -> %s to %s", (livemode, liveKey, sandbox, via, to, prefix) => {
    const r = routeEmail("jane@customer.example", livemode, { resendConfigured: true, stripeLiveKey: liveKey, sandboxEmail: sandbox });
    expect(r).toMatchObject({ via, to, subjectPrefix: prefix });
  });

  it("with no Resend key everything goes to the local outbox", () => {
    expect(routeEmail("jane@customer.example", true, { resendConfigured: false, stripeLiveKey: true, sandboxEmail: null })).toMatchObject({ via: "outbox" });
  });

  it("end to end: a test-mode event with Resend configured and no SANDBOX_EMAIL never reaches Resend", async () => {
    const s = await setup({ SANDBOX_EMAIL: "" });
    const ctx = failure(s);
    await s.fake.scriptGemini([{ body: geminiFunctionCall("send_email", { template_id: "card_update_request" }) }]);
    await runBatch([eventMessage(ctx)], s.env);
    expect(await s.fake.requests("resend")).toHaveLength(0);
    const [email] = await outboxFor(s.customerId, "email");
    expect(String(email?.subject)).toMatch(/^\[TEST\] /);
  });

  it("end to end: a live event with a live key reaches the customer's address, without [TEST]", async () => {
    const s = await setup();
    const e = envWith({ ...s.env, STRIPE_SECRET_KEY: `sk_live_${s.scope}` });
    const ctx = { ...failure(s), livemode: true };
    await s.fake.scriptGemini([{ body: geminiFunctionCall("send_email", { template_id: "card_update_request" }) }]);
    await runBatch([eventMessage(ctx)], e);
    const [send] = await s.fake.requests("resend");
    const body = send?.body as { to: string[]; subject: string; text: string };
    expect(body.to).toEqual([ctx.customerEmail]);
    expect(body.subject).not.toMatch(/TEST/);
    expect(body.text).toContain("http://recovery.test/r/update/");
  });
});
