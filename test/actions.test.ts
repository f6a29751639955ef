import { beforeAll, describe, expect, inject, it } from "vitest";
import type { DunningContext } from "../src/ingest/context.ts";
import { routeEmail } from "../src/actions/email-routing.ts";
import { env, envWith, migrate, uid } from "./helpers/env.ts";
import { contextOf, decisionsOf, eventMessage, outboxFor, runBatch, runRecorded } from "./helpers/consumer.ts";
import { fakeClient, geminiFunctionCall, geminiText, type FakeClient, type RecordedRequest } from "./fakes/client.ts";
import { invoiceEvent, paymentIntentEvent } from "./helpers/stripe-events.ts";
import { ageCampaign, runStep, stepDecisions, stepMessage } from "./helpers/campaign-steps.ts";
import { depsOf } from "../src/deps.ts";
import { accessOf } from "../src/ledger/access.ts";

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
    SUPPORT_EMAIL: "help@acme.example",
    ...over,
  });
  return { scope, fake, run, customerId, env: e };
}

/**
 * A soft decline (insufficient funds). By default Stripe has no retry scheduled, so the campaign's day-0 step asks
 * the model (soft reminder or card update); `retryScheduled` makes day 0 silent (the later steps then decide).
 */
function failure(s: Setup, over: Partial<DunningContext> = {}, attempt = 2, options: { retryScheduled?: boolean } = {}): DunningContext {
  const ctx = contextOf(
    invoiceEvent({ eventId: `evt_${s.run}`, customerId: s.customerId, invoiceId: `in_${s.run}`, paymentIntentId: `pi_${s.run}`, attempt, amount: 4900, currency: "usd", ...(options.retryScheduled ? {} : { nextPaymentAttempt: null }) }),
  );
  return { ...ctx, subscriptionId: `sub_${s.run}`, failureReason: "insufficient_funds", declineCode: "insufficient_funds", ...over };
}

/**
 * The case's final-warning step with the model's call: day 0 is silent (a Stripe retry is scheduled), the case is
 * made 5 days older (the warning is due 48 h before the grace end), and the step runs through the consumer.
 */
async function decideAtFinalWarning(s: Setup, call: { name: string; args: Record<string, unknown> }, over: Partial<DunningContext> = {}) {
  const ctx = failure(s, over, 1, { retryScheduled: true });
  expect([...(await runRecorded([eventMessage(ctx)], s.env)).values()]).toEqual([{ action: "ack" }]);
  expect(await decisionsOf(ctx.eventId)).toMatchObject([{ tool: null, outcome: "recorded" }]);
  await ageCampaign(`in_${s.run}`, 5 * 86400_000);
  await s.fake.scriptGemini([{ body: geminiFunctionCall(call.name, call.args) }]);
  expect(await runStep(s.env, `in_${s.run}`, "final_warning")).toEqual({ action: "ack" });
  return stepDecisions(`in_${s.run}`, "final_warning");
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
      .replace(/@\d{10,}/g, "@<due>")
      .replace(/"(html)":"(?:[^"\\]|\\.)*"/g, '"$1":"<html>"')
      .replace(/"expires_at":"\d+"/g, '"expires_at":"<ts>"')
      .replace(/"Message-ID":"<[a-z2-7]+@/g, '"Message-ID":"<id>@')
      .replace(/co_[A-Za-z0-9]+/g, "co_<id>")
      .replace(/COMEBACK(\d+)-[A-Z0-9]{6}/g, "COMEBACK$1-<code>")
      .replace(/(r|u)\/update\/[A-Za-z0-9_.-]+/g, "$1/update/<token>")
      .replace(/r\/unsubscribe\/[A-Za-z0-9_.-]+/g, "r/unsubscribe/<token>")
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
    // The final warning is a campaign step of its own (48 h before the grace end), no longer a day-0 choice.
    const ds = await decideAtFinalWarning(s, { name: "send_email", args: { template_id: "final_warning" } });
    expect(ds.at(-1)).toMatchObject({ tool: "send_email", template_id: "final_warning", decided_by: "model", outcome: "executed" });
    const [send] = await s.fake.requests("resend");
    const body = send?.body as { subject: string };
    const row = await env.LEDGER.prepare("SELECT grace_until, warned_at FROM cases WHERE id = ?1").bind(`in_${s.run}`).first<{ grace_until: number; warned_at: number }>();
    const access = await accessOf(env.LEDGER, s.customerId, depsOf(s.env).config, Date.now());
    expect(access?.graceUntil).toBe(row?.grace_until);
    expect(row?.grace_until).toBeGreaterThanOrEqual((row?.warned_at ?? 0) + 48 * 3600_000);
    const graceEnd = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" }).format(row?.grace_until ?? 0);
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
    // "Let Stripe's schedule continue" needs a scheduled retry; with one, day 0 is silent and the day-3 step decides.
    const ctx = failure(s, {}, 1, { retryScheduled: true });
    expect([...(await runRecorded([eventMessage(ctx)], s.env)).values()]).toEqual([{ action: "ack" }]);
    await s.fake.scriptGemini([{ body: geminiFunctionCall("request_stripe_smart_retry", { schedule: "continue" }) }]);
    expect(await runStep(s.env, `in_${s.run}`, "day_3_notice")).toEqual({ action: "ack" });
    expect((await stepDecisions(`in_${s.run}`, "day_3_notice")).at(-1)).toMatchObject({ tool: "request_stripe_smart_retry", decided_by: "model", outcome: "executed" });
    expect(normalize(await s.fake.requests(), s)).toMatchSnapshot();
  });

  it("offer_winback_discount -> coupon, single-use promotion code for the customer, applied to the subscription, and the email with the code", async () => {
    const s = await setup({}, { loyal: true });
    // Offers come at the final-warning step (never at day 0 or on Stripe's later attempts).
    const ds = await decideAtFinalWarning(s, { name: "offer_winback_discount", args: { percent_off: 20, valid_days: 14 } });
    expect(ds.at(-1)).toMatchObject({ tool: "offer_winback_discount", decided_by: "model", outcome: "executed" });
    const requests = await s.fake.requests();
    const email = requests.find((r) => r.provider === "resend");
    expect(JSON.stringify(email?.body)).toMatch(/COMEBACK20-[A-Z0-9]{6}/);
    // A commercial email: RFC 8058 one-click unsubscribe headers pointing at our signed link, also in the footer.
    const body = email?.body as { headers?: Record<string, string>; html: string; text: string; reply_to?: string | string[] };
    const link = /^<(http:\/\/recovery\.test\/r\/unsubscribe\/[A-Za-z0-9_.-]+)>$/.exec(body.headers?.["List-Unsubscribe"] ?? "")?.[1];
    expect(link).toBeDefined();
    expect(body.headers?.["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(body.html).toContain(`href="${link}"`);
    expect(body.text).toContain("Acme Analytics Inc., 500 Market St, San Francisco, CA 94105");
    expect(normalize(requests, s)).toMatchSnapshot();
  });

  it("every email has the support address as Reply-To and in its footer; a recovery email has no unsubscribe header", async () => {
    const s = await setup();
    await decideWith(s, { name: "send_email", args: { template_id: "card_update_request" } }, failure(s, { failureReason: "card_expired", declineCode: "expired_card", cardBrand: "visa", cardLast4: "4242", productName: "Pro Monthly" }));
    const [send] = await s.fake.requests("resend");
    const body = send?.body as { reply_to?: string | string[]; headers?: Record<string, string>; text: string };
    expect([body.reply_to].flat()).toEqual(["help@acme.example"]);
    expect(body.headers?.["List-Unsubscribe"]).toBeUndefined();
    expect(body.text).toContain("Questions? Write to us at help@acme.example.");
    expect(body.text).toContain("Visa ending in 4242");
    expect(body.text).toContain("Pro Monthly");
    expect(body.text).not.toContain("/r/unsubscribe/");
  });

  it("a customer whose Stripe preferred locale is French gets the whole email in French", async () => {
    const s = await setup();
    // A soft decline with Stripe's retry scheduled: day 0 is silent, the reminder (with the retry date) comes on day 3.
    const ctx = failure(s, { preferredLocales: ["fr-FR"], nextPaymentAttempt: Date.now() + 3 * 86400_000 }, 1, { retryScheduled: true });
    await runRecorded([eventMessage(ctx)], s.env);
    await ageCampaign(`in_${s.run}`, 3 * 86400_000);
    await s.fake.scriptGemini([{ body: geminiFunctionCall("send_email", { template_id: "soft_payment_reminder" }) }]);
    expect(await runStep(s.env, `in_${s.run}`, "day_3_notice")).toEqual({ action: "ack" });
    const [send] = await s.fake.requests("resend");
    const body = send?.body as { subject: string; html: string; text: string };
    expect(body.subject).toMatch(/^\[TEST\] Votre paiement de 49,00\s\$US à Acme Analytics n’a pas abouti — nouvel essai le \d{1,2} \S+ \d{4}$/u);
    expect(body.html).toContain('lang="fr"');
    expect(body.text).toContain("Bonjour Olivia,");
    expect(body.text).toContain("L’équipe Acme Analytics");
  });

  it("the empathy paragraph is asked for in the customer's language, and used when it fits", async () => {
    const s = await setup();
    const german =
      "Wir wissen, wie ärgerlich so etwas sein kann, und möchten es Ihnen so leicht wie möglich machen. Oft liegt es nur an einem kurzen Engpass auf dem Konto oder an einem Limit, das bald wieder frei ist. Ein kurzer Blick auf Ihre Zahlungsdaten genügt meistens, und wir sind jederzeit für Sie da.";
    await s.fake.scriptGemini([{ body: geminiFunctionCall("send_email", { template_id: "soft_payment_reminder" }) }, { body: geminiText(german) }]);
    const ctx = failure(s, { preferredLocales: ["de"] });
    await runRecorded([eventMessage(ctx)], s.env);
    const asked = (await s.fake.requests("gemini")).find((r) => r.path.includes("flash-lite"));
    expect(JSON.stringify(asked?.body)).toContain("Write it in German");
    const [send] = await s.fake.requests("resend");
    const body = send?.body as { text: string; html: string };
    expect(body.html).toContain('lang="de"');
    expect(body.text).toContain(german);
    expect(body.text).toContain("Hallo Olivia,");
  });

  it("a one-off payment (Grace's workshop) the bank said not to retry: its description, a button, no retry promise, never 'subscription'", async () => {
    const s = await setup({ STRIPE_SECRET_KEY: "", GEMINI_API_KEY: "" });
    const ctx = { ...contextOf(paymentIntentEvent({ eventId: `evt_pi_${s.run}`, customerId: s.customerId, paymentIntentId: `pi_${s.run}`, declineCode: "do_not_honor", amount: 25000 })), productName: "Advanced Billing Workshop", adviceCode: "do_not_try_again" };
    await runBatch([eventMessage(ctx)], s.env);
    await runBatch([eventMessage(ctx, { attempts: 2 })], s.env);
    const [send] = await s.fake.requests("resend");
    const body = send?.body as { subject: string; html: string; text: string };
    expect(body.text).toContain("for “Advanced Billing Workshop”");
    expect(body.html).toMatch(/href="http:\/\/recovery\.test\/r\/update\/[^"]+"/);
    expect(body.text).toContain("Your bank asked us not to try this card again");
    expect(`${body.subject}\n${body.text}`).not.toMatch(/subscri|try again on|try the payment again/i);
  });

  it("no winback without COMPANY_ADDRESS: the gate refuses it with that reason, nothing is created at Stripe", async () => {
    const s = await setup({ COMPANY_ADDRESS: "" }, { loyal: true });
    // Offers come at the final-warning step: refused there only for the missing postal address.
    const ds = await decideAtFinalWarning(s, { name: "offer_winback_discount", args: { percent_off: 20, valid_days: 14 } });
    expect(JSON.stringify(ds)).toContain("COMPANY_ADDRESS");
    expect(ds.some((d) => d.tool === "offer_winback_discount" && d.outcome === "executed")).toBe(false);
    expect((await s.fake.requests("stripe")).filter((r) => r.method === "POST")).toHaveLength(0);
    expect(JSON.stringify((await s.fake.requests("resend")).map((r) => r.body))).not.toContain("COMEBACK");
  });

  it("a winback the gate refuses (new customer, model proposal) is not even offered, creates nothing at Stripe, and the rules act instead", async () => {
    const s = await setup();
    // At the final-warning step, where the campaign allows an offer: refused only because of who the customer is.
    const ds = await decideAtFinalWarning(s, { name: "offer_winback_discount", args: { percent_off: 20, valid_days: 14 } });
    expect(ds[0]).toMatchObject({ outcome: "rejected", decided_by: "model", validation: 'rejected: tool "offer_winback_discount" is not allowed for this case' });
    // The model was never offered the tool for this customer.
    const asked = (await s.fake.requests("gemini")).find((r) => r.path.includes("gemini-3.8-flash:"))?.body as { tools: Array<{ functionDeclarations: Array<{ name: string }> }>; toolConfig: { functionCallingConfig: { allowedFunctionNames: string[] } } };
    expect(asked.tools[0]?.functionDeclarations.map((d) => d.name)).not.toContain("offer_winback_discount");
    expect(asked.toolConfig.functionCallingConfig.allowedFunctionNames).not.toContain("offer_winback_discount");
    // No dead end: the rules' decision ran through the same gate.
    expect(ds[1]).toMatchObject({ decided_by: "fallback", tool: "send_email", template_id: "final_warning", outcome: "executed" });
    expect((await s.fake.requests("stripe")).filter((r) => r.method === "POST")).toHaveLength(0);
  });
});

describe("idempotency: the same message processed twice acts once", () => {
  it("a retry after a crash mid-winback replays the same keys: one coupon, one promotion code, one email", async () => {
    const s = await setup({}, { loyal: true });
    // The offer comes at the final-warning step: day 0 is silent (Stripe retries), the case is 5 days older.
    const ctx = failure(s, {}, 1, { retryScheduled: true });
    await runRecorded([eventMessage(ctx)], s.env);
    await ageCampaign(`in_${s.run}`, 5 * 86400_000);
    await s.fake.scriptGemini([{ body: geminiFunctionCall("offer_winback_discount", { percent_off: 20, valid_days: 14 }) }]);
    // The promotion-code call fails (all SDK retries too), after the coupon was created.
    await s.fake.fail({ provider: "stripe", status: 500, count: 3, path: "/v1/promotion_codes" });
    const msg = await stepMessage(`in_${s.run}`, "final_warning", { id: `m-${s.run}` });
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
    expect((await stepDecisions(`in_${s.run}`, "final_warning")).filter((d) => d.outcome === "executed")).toMatchObject([{ tool: "offer_winback_discount" }]);
  });

  it("a winback Stripe refuses for good is recorded as failed, a person is told, and it does not use up the 90-day cap", async () => {
    const s = await setup({}, { loyal: true });
    await s.fake.fail({ provider: "stripe", status: 400, count: 1, path: "/v1/coupons" });
    const ds = await decideAtFinalWarning(s, { name: "offer_winback_discount", args: { percent_off: 20, valid_days: 14 } });
    expect(ds.at(-1)).toMatchObject({ tool: "offer_winback_discount", outcome: "failed" });
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
