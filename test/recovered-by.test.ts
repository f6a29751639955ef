/**
 * What recovered it (issue 18): signed Stripe events through the webhook and the real queue consumer, the fake
 * Stripe behind the real SDK, link presses and replies inserted as their handlers write them. Each recovered case
 * records the first cause that applies, with the amount and currency and the time to recovery; it is shown on the
 * customer and on the payment event; a late event never changes it; a payment before any failure is no recovery.
 * Then GET /admin/metrics, checked against totals computed by hand from the sequences above.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { attributeRecovery, type RecoveryFacts } from "../src/dunning/recovered-by.ts";
import { createApp } from "../src/http/app.ts";
import { slackSignature } from "../src/ingest/slack-verify.ts";
import { SLACK_ACTION_WINBACK } from "../src/constants.ts";
import { caseRow, decisionsOf, outboxFor } from "./helpers/consumer.ts";
import { deliver, runDueJobs } from "./helpers/deliver.ts";
import { env, envWith, migrate, uid, type TestEnv } from "./helpers/env.ts";
import { fakeClient, type FakeClient } from "./fakes/client.ts";
import { fixture, invoiceEvent, paymentIntentEvent } from "./helpers/stripe-events.ts";
import { sweepDueJobs } from "../src/scheduled.ts";

const fakeUrl = inject("fakeUrl");
const app = createApp();
const SLACK_SECRET = "slack-signing-secret-test";
beforeAll(migrate);

const HOUR = 3600_000;
const now = () => Math.floor(Date.now() / 1000);

interface World {
  run: string;
  customerId: string;
  invoiceId: string;
  subscriptionId: string;
  fake: FakeClient;
  env: TestEnv;
  amount: number;
  currency: string;
}

/** A customer with an open failed invoice on the fake Stripe, live by default. */
async function world(amount: number, currency: string, over: Record<string, unknown> = {}): Promise<World> {
  const scope = uid("rb");
  const run = uid("r");
  const customerId = `cus_${run}`;
  const invoiceId = `in_${run}`;
  const subscriptionId = `sub_${run}`;
  const fake = fakeClient(fakeUrl, scope);
  await fake.putStripe("customers", customerId, { id: customerId, object: "customer", email: `sam.${run}@example.com`, name: "Sam", preferred_locales: ["en"], metadata: {}, invoice_settings: { default_payment_method: null } });
  await fake.putStripe("invoices", invoiceId, { id: invoiceId, object: "invoice", customer: customerId, status: "open", amount_due: amount, amount_paid: 0, attempt_count: 1, currency, metadata: {} });
  await fake.putStripe("subscriptions", subscriptionId, {
    id: subscriptionId,
    object: "subscription",
    customer: customerId,
    status: "past_due",
    trial_end: null,
    metadata: {},
    items: { object: "list", data: [{ id: `si_${run}`, object: "subscription_item", price: { id: `price_${run}`, lookup_key: "pro_monthly", product: `prod_${run}`, recurring: { interval: "month" } } }] },
  });
  // Stripe links the invoice to its PaymentIntent, which carries the decline code (the webhook payloads do not).
  await fake.putStripe("invoice_payments", invoiceId, [{ id: `inpay_${run}`, object: "invoice_payment", invoice: invoiceId, payment: { type: "payment_intent", payment_intent: `pi_${run}` }, status: "open" }]);
  await fake.putStripe("payment_intents", `pi_${run}`, { id: `pi_${run}`, object: "payment_intent", customer: customerId, amount, currency, status: "requires_payment_method", last_payment_error: { type: "card_error", code: "card_declined", decline_code: "insufficient_funds" } });
  return {
    run,
    customerId,
    invoiceId,
    subscriptionId,
    fake,
    amount,
    currency,
    env: envWith({ DEFAULT_MODE: "live", STRIPE_SECRET_KEY: `sk_test_${scope}`, STRIPE_API_BASE: fakeUrl, SLACK_SIGNING_SECRET: SLACK_SECRET, ...over }),
  };
}

/** A failed invoice; `noRetry`: Stripe has no retry scheduled, so the campaign's day 0 sends the soft reminder. */
const failed = (w: World, n = 1, noRetry = false) =>
  invoiceEvent({ eventId: `evt_f${n}_${w.run}`, customerId: w.customerId, invoiceId: w.invoiceId, paymentIntentId: `pi_${w.run}`, amount: w.amount, currency: w.currency, attempt: n, created: now() - 100 + n, ...(noRetry ? { nextPaymentAttempt: null } : {}), extra: { parent: { type: "subscription_details", subscription_details: { subscription: w.subscriptionId, metadata: {} }, quote_details: null } } });

const paid = (w: World, attempt: number, id = `evt_paid_${w.run}`) =>
  invoiceEvent({ eventId: id, type: "invoice.paid", customerId: w.customerId, invoiceId: w.invoiceId, paymentIntentId: `pi_${w.run}`, amount: w.amount, currency: w.currency, attempt, nextPaymentAttempt: null });

function newCard(w: World, id = `evt_pm_${w.run}`) {
  const ev = fixture("05-olivia-payment-method-attached-new-card");
  Object.assign(ev, { id, created: now() });
  Object.assign((ev.data as { object: Record<string, unknown> }).object, { id: `pm_new_${w.run}`, customer: w.customerId });
  return ev;
}

/** A press of the card-update button of our link (as the landing page records it). */
async function press(w: World, at = Date.now()) {
  await env.LEDGER.prepare(`INSERT INTO link_clicks (case_id, customer_id, template, kind, clicked_at) VALUES (?1, ?2, 'card_update_request', 'update', ?3)`).bind(w.invoiceId, w.customerId, at).run();
}

async function reply(w: World, cls: "human" | "auto", at = Date.now()) {
  await env.LEDGER.prepare(`INSERT INTO case_replies (case_id, customer_id, message_id, received_at, class, summary, action) VALUES (?1, ?2, ?3, ?4, ?5, 'will pay Friday', 'ignored')`)
    .bind(w.invoiceId, w.customerId, `<${uid()}@mail.example>`, at, cls)
    .run();
}

const adminGet = async (path: string, e: TestEnv = env) => {
  const res = await app.fetch(new Request(`http://recovery.test${path}`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } }), e);
  expect(res.status, path).toBe(200);
  return (await res.json()) as Record<string, unknown>;
};

interface CaseJson {
  id: string;
  recoveredBy: string | null;
  recovery: { recoveredBy: string; amount: number; currency: string; amountFormatted: string; msToRecovery: number; hoursToRecovery: number; contacted: boolean; eventId: string; why: string } | null;
  paidBeforeAnyFailure: boolean;
}

async function caseJson(w: World): Promise<CaseJson> {
  const body = (await adminGet(`/admin/customers/${w.customerId}`)) as { cases: CaseJson[] };
  const c = body.cases.find((x) => x.id === w.invoiceId);
  if (!c) throw new Error(`no case ${w.invoiceId} on the customer`);
  return c;
}


/** A person presses "Send winback offer" on the case's escalation in Slack (signed as Slack signs it). */
async function slackWinback(w: World) {
  const payload = {
    type: "block_actions",
    user: { id: "U0TEST", username: "jane.doe", name: "jane.doe" },
    container: { type: "message", message_ts: `1700000000.${w.run.length}00100` },
    trigger_id: `trigger-${w.run}`,
    actions: [{ action_id: SLACK_ACTION_WINBACK, value: w.invoiceId, type: "button", action_ts: `1700000100.${Date.now() % 1_000_000}` }],
  };
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const ts = String(now());
  const res = await app.fetch(
    new Request("http://recovery.test/slack/interactions", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": ts, "x-slack-signature": await slackSignature(SLACK_SECRET, ts, body) },
      body,
    }),
    w.env,
  );
  expect(res.status).toBe(200);
}

const observe = (w: World) => envWith({ ...w.env, DEFAULT_MODE: "observe" });
const emailsTo = async (w: World) => (await outboxFor(w.customerId, "email")).map((e) => e.template_id);

/** The worlds of the sequences below, by cause, for the metrics at the end (hand-computed from these). */
const seen: Record<string, World> = {};

describe("what recovered it: one sequence per cause, through the webhook and the queue consumer", () => {
  it("stripe_retry_silent: no email was sent (observe mode), then Stripe's retry (attempt 2) paid", async () => {
    const w = await world(4900, "usd");
    await deliver(failed(w), observe(w));
    expect(await emailsTo(w)).toEqual([]);
    await deliver(paid(w, 2), w.env);
    const c = await caseJson(w);
    const row = await caseRow(w.invoiceId);
    expect(c.recoveredBy).toBe("stripe_retry_silent");
    expect(c.recovery).toMatchObject({ amount: 4900, currency: "usd", amountFormatted: "$49.00", contacted: false, eventId: `evt_paid_${w.run}` });
    expect(c.recovery?.msToRecovery).toBe(Number(row?.closed_at) - Number(row?.opened_at));
    // The payment's own event JSON says what recovered its case.
    const ev = (await adminGet(`/admin/events/evt_paid_${w.run}`)) as { recovery: CaseJson["recovery"]; case: CaseJson };
    expect(ev.recovery).toMatchObject({ recoveredBy: "stripe_retry_silent", amount: 4900, currency: "usd" });
    expect(ev.case.recoveredBy).toBe("stripe_retry_silent");
    seen.silent = w;
  });

  it("stripe_retry_after_email: a reminder was emailed, then Stripe's retry paid (EUR)", async () => {
    const w = await world(4500, "eur");
    await deliver(failed(w, 1, true), w.env);
    expect(await emailsTo(w)).toEqual(["soft_payment_reminder"]);
    await deliver(paid(w, 2), w.env);
    expect((await caseJson(w)).recovery).toMatchObject({ recoveredBy: "stripe_retry_after_email", amount: 4500, currency: "eur", amountFormatted: "€45.00", contacted: true });
    seen.afterEmail = w;
  });

  it("other: emailed, then paid without a retry (attempt count unchanged: the customer paid the invoice page)", async () => {
    const w = await world(2900, "usd");
    await deliver(failed(w, 1, true), w.env);
    expect(await emailsTo(w)).toEqual(["soft_payment_reminder"]);
    await deliver(paid(w, 1), w.env);
    expect((await caseJson(w)).recovery).toMatchObject({ recoveredBy: "other", amount: 2900, currency: "usd", contacted: true });
    seen.other = w;
  });

  it("pay_now_after_card_update: a new card, the agent's pay-now paid it; the late invoice.paid changes nothing", async () => {
    const w = await world(9900, "usd");
    await deliver(failed(w), observe(w));
    await deliver(newCard(w), w.env);
    expect((await decisionsOf(`evt_pm_${w.run}`)).at(-1)).toMatchObject({ tool: "request_stripe_smart_retry", outcome: "executed", detail: "invoice paid" });
    const c = await caseJson(w);
    expect(c.recovery).toMatchObject({ recoveredBy: "pay_now_after_card_update", amount: 9900, currency: "usd", contacted: false, eventId: `evt_pm_${w.run}` });
    // Stripe's own invoice.paid arrives afterwards, looking like a retry, with a reply and a press landing late too.
    await reply(w, "human");
    await press(w);
    await deliver(paid(w, 2), w.env);
    const after = await caseJson(w);
    expect(after.recovery).toEqual(c.recovery);
    const ev = (await adminGet(`/admin/events/evt_paid_${w.run}`)) as { event: { status_reason: string }; recovery: CaseJson["recovery"] };
    expect(ev.event.status_reason).toBe("case already recovered");
    expect(ev.recovery).toMatchObject({ recoveredBy: "pay_now_after_card_update", eventId: `evt_pm_${w.run}` });
    seen.payNow = w;
  });

  it("card_update_link, press then card: the button was pressed, then a new card, and the pay-now paid (GBP)", async () => {
    const w = await world(3900, "gbp");
    await deliver(failed(w, 1, true), w.env);
    expect(await emailsTo(w)).toEqual(["soft_payment_reminder"]);
    await press(w);
    await deliver(newCard(w), w.env);
    expect((await caseJson(w)).recovery).toMatchObject({ recoveredBy: "card_update_link", amount: 3900, currency: "gbp", amountFormatted: "£39.00", contacted: true });
    seen.linkPressFirst = w;
  });

  it("card_update_link, card then press: a new card first (no pay-now: observe), the press after, then the payment (JPY)", async () => {
    const w = await world(4980, "jpy");
    await deliver(failed(w, 1, true), w.env);
    await deliver(newCard(w), observe(w));
    expect((await decisionsOf(`evt_pm_${w.run}`)).at(-1)).toMatchObject({ tool: "request_stripe_smart_retry", outcome: "observed" });
    await press(w);
    await deliver(paid(w, 1), w.env);
    expect((await caseJson(w)).recovery).toMatchObject({ recoveredBy: "card_update_link", amount: 4980, currency: "jpy", amountFormatted: "¥4,980", contacted: true });
    seen.linkCardFirst = w;
  });

  it("customer_reply: a person replied (an auto-reply alone would not count), then Stripe's retry paid", async () => {
    const w = await world(1500, "usd");
    await deliver(failed(w), w.env);
    await reply(w, "auto");
    await reply(w, "human");
    await deliver(paid(w, 2), w.env);
    expect((await caseJson(w)).recovery).toMatchObject({ recoveredBy: "customer_reply", amount: 1500, currency: "usd", contacted: true });
    seen.reply = w;
  });

  it("human: a person sent a winback from Slack, then the customer paid", async () => {
    const w = await world(7900, "usd");
    await deliver(failed(w), observe(w));
    await slackWinback(w);
    const byHuman = (await env.LEDGER.prepare(`SELECT tool, outcome FROM decisions WHERE case_id = ?1 AND decided_by = 'human'`).bind(w.invoiceId).all()).results;
    expect(byHuman).toEqual([{ tool: "offer_winback_discount", outcome: "executed" }]);
    await deliver(paid(w, 2), w.env);
    expect((await caseJson(w)).recovery).toMatchObject({ recoveredBy: "human", amount: 7900, currency: "usd", contacted: true });
    seen.human = w;
  });

  it("stripe_retry_after_email for a one-off PaymentIntent: a reminder, then the agent's own scheduled retry paid it", async () => {
    const w = await world(2500, "usd", { PI_RETRY_DELAYS: "1s" });
    const pi = `pi_one_${w.run}`;
    await w.fake.putStripe("payment_intents", pi, { id: pi, object: "payment_intent", customer: w.customerId, amount: 2500, currency: "usd", status: "requires_payment_method", payment_method: `pm_${w.run}`, description: "Lifetime licence" });
    await deliver(paymentIntentEvent({ eventId: `evt_pif_${w.run}`, customerId: w.customerId, paymentIntentId: pi, declineCode: "insufficient_funds", amount: 2500, currency: "usd", created: now() - 10 }), w.env);
    expect(await emailsTo(w)).toEqual(["soft_payment_reminder"]);
    await new Promise((r) => setTimeout(r, 1100)); // the retry is due after 1 s
    await runDueJobs(w.env, sweepDueJobs);
    expect((await w.fake.requests("stripe")).filter((r) => r.path === `/v1/payment_intents/${pi}/confirm`)).toHaveLength(1);
    await deliver(paymentIntentEvent({ eventId: `evt_pis_${w.run}`, type: "payment_intent.succeeded", customerId: w.customerId, paymentIntentId: pi, amount: 2500, currency: "usd" }), w.env);
    const body = (await adminGet(`/admin/customers/${w.customerId}`)) as { cases: CaseJson[] };
    expect(body.cases.find((c) => c.id === pi)?.recovery).toMatchObject({ recoveredBy: "stripe_retry_after_email", amount: 2500, currency: "usd", contacted: true, eventId: `evt_pis_${w.run}` });
    seen.oneOff = w;
  });

  it("a payment before any failure is no recovery: the case is created closed with no cause, and the late failure acts on nothing", async () => {
    const w = await world(1000, "usd");
    await deliver(paid(w, 1), w.env);
    await deliver(failed(w), w.env);
    expect(await emailsTo(w)).toEqual([]);
    expect(await caseRow(w.invoiceId)).toMatchObject({ status: "recovered", failures: 0, recovered_by: null, recovered_amount: null });
    const c = await caseJson(w);
    expect(c).toMatchObject({ recoveredBy: null, recovery: null, paidBeforeAnyFailure: true });
    expect(((await adminGet(`/admin/events/evt_paid_${w.run}`)) as { recovery: unknown }).recovery).toBeNull();
    seen.paidFirst = w;
  });
});

describe("GET /admin/metrics: recovered revenue by cause, hand-computed from the sequences above", () => {
  it("30 and 90 days, every cause, revenue per currency, the share recovered with no contact; payments before any failure apart", async () => {
    expect(Object.keys(seen).sort()).toEqual(["afterEmail", "human", "linkCardFirst", "linkPressFirst", "oneOff", "other", "paidFirst", "payNow", "reply", "silent"]);
    // The EUR recovery happened 40 days ago: in the 90-day window only.
    const afterEmail = seen.afterEmail as World;
    await env.LEDGER.prepare(`UPDATE cases SET opened_at = opened_at - 40 * 86400000, closed_at = closed_at - 40 * 86400000 WHERE id = ?1`).bind(afterEmail.invoiceId).run();

    const m = (await adminGet("/admin/metrics")) as {
      recoveredBy: Record<string, Record<string, { cases: number; revenue: Record<string, number> }>>;
      recoveredRevenue: Record<string, { cases: number; revenue: Record<string, number> }>;
      recoveredWithoutContactShare: Record<string, { numerator: number; denominator: number; value: number | null }>;
      paidBeforeAnyFailure: Record<string, number>;
      definitions: Record<string, string>;
    };
    // 30 days: silent $49.00, other $29.00, pay-now $99.00, reply $15.00, human $79.00, the one-off's retry $25.00;
    // two link recoveries (£39.00, ¥4,980).
    expect(m.recoveredBy["30d"]).toEqual({
      human: { cases: 1, revenue: { usd: 7900 } },
      customer_reply: { cases: 1, revenue: { usd: 1500 } },
      card_update_link: { cases: 2, revenue: { gbp: 3900, jpy: 4980 } },
      pay_now_after_card_update: { cases: 1, revenue: { usd: 9900 } },
      stripe_retry_after_email: { cases: 1, revenue: { usd: 2500 } },
      stripe_retry_silent: { cases: 1, revenue: { usd: 4900 } },
      other: { cases: 1, revenue: { usd: 2900 } },
    });
    expect(m.recoveredBy["90d"]).toEqual({ ...m.recoveredBy["30d"], stripe_retry_after_email: { cases: 2, revenue: { usd: 2500, eur: 4500 } } });
    // USD: 7900 + 1500 + 9900 + 2500 + 4900 + 2900 = 29600.
    expect(m.recoveredRevenue).toEqual({
      "30d": { cases: 8, revenue: { usd: 29600, gbp: 3900, jpy: 4980 } },
      "90d": { cases: 9, revenue: { usd: 29600, gbp: 3900, jpy: 4980, eur: 4500 } },
    });
    // No contact before the payment: the silent retry and the pay-now after a card added on the customer's own (2).
    expect(m.recoveredWithoutContactShare["30d"]).toEqual({ numerator: 2, denominator: 8, value: 2 / 8 });
    expect(m.recoveredWithoutContactShare["90d"]).toEqual({ numerator: 2, denominator: 9, value: 2 / 9 });
    // The invoice paid before its failure arrived: counted only here.
    expect(m.paidBeforeAnyFailure).toEqual({ "30d": 1, "90d": 1 });
    expect(m.definitions.recoveredBy).toContain("stripe_retry_silent");

    // The dashboard shows the same split (the browser test reads it in chromium too).
    const res = await app.fetch(new Request("http://recovery.test/admin", { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } }), env);
    const page = await res.text();
    const row = (cause: string) => page.match(new RegExp(`<tr data-testid="recovered-by-row" data-cause="${cause}">(.*?)</tr>`, "s"))?.[1] ?? "";
    expect(row("card_update_link")).toContain(">£39.00 · ¥4,980<");
    expect(row("stripe_retry_after_email")).toMatch(/data-window="30d" data-kind="cases" data-value="1">1<.*>€45.00 · \$25.00</s);
    expect(page).toMatch(/data-testid="recovered-without-contact" data-value="0.25">25\.0%</);
  });
});

describe("the rule itself (pure)", () => {
  const T = Date.UTC(2026, 10, 2, 12);
  const base: RecoveryFacts = {
    kind: "invoice",
    paidAt: T,
    paidAtStripe: T,
    openedAt: T - 72 * HOUR,
    failedAttempts: 1,
    paidAttempt: 1,
    paidByAgent: false,
    nextRetryAt: null,
    lastFailureAt: T - 72 * HOUR,
    humanActionsAt: [],
    humanRepliesAt: [],
    updateClicksAt: [],
    newCardsAt: [],
    payNowsAt: [],
    agentRetriesAt: [],
    emailsAt: [],
  };
  const cause = (over: Partial<RecoveryFacts>) => attributeRecovery({ ...base, ...over }).cause;

  it.each<[string, Partial<RecoveryFacts>, string]>([
    ["a person beats everything", { humanActionsAt: [T - HOUR], humanRepliesAt: [T - HOUR], updateClicksAt: [T - HOUR], newCardsAt: [T - HOUR], paidAttempt: 2 }, "human"],
    ["a reply beats the link and the retry", { humanRepliesAt: [T - HOUR], updateClicksAt: [T - HOUR], newCardsAt: [T - HOUR], paidAttempt: 2 }, "customer_reply"],
    ["press then card within 48 h", { updateClicksAt: [T - 47 * HOUR], newCardsAt: [T - 46 * HOUR], payNowsAt: [T] }, "card_update_link"],
    ["card then press within 48 h", { newCardsAt: [T - 2 * HOUR], updateClicksAt: [T - HOUR] }, "card_update_link"],
    ["a press more than 48 h before the payment does not count", { updateClicksAt: [T - 49 * HOUR], newCardsAt: [T - HOUR], payNowsAt: [T] }, "pay_now_after_card_update"],
    ["a card from before the case opened is not new", { updateClicksAt: [T - HOUR], newCardsAt: [T - 73 * HOUR], openedAt: T - 72 * HOUR }, "other"],
    ["a press without a new card is not enough", { updateClicksAt: [T - HOUR], paidAttempt: 2, emailsAt: [T - 2 * HOUR] }, "stripe_retry_after_email"],
    ["a reply after the payment does not count", { humanRepliesAt: [T + 2 * 60_000], paidAttempt: 2 }, "stripe_retry_silent"],
    ["an email after the payment does not count", { emailsAt: [T + 2 * 60_000], paidAttempt: 2 }, "stripe_retry_silent"],
    ["a payment event without an attempt count, at Stripe's scheduled retry", { paidAttempt: null, nextRetryAt: T - 1000 }, "stripe_retry_silent"],
    ["a payment event without an attempt count, before the scheduled retry", { paidAttempt: null, nextRetryAt: T + 3 * 24 * HOUR }, "other"],
    ["the agent's own pay-now is never a Stripe retry", { paidAttempt: null, paidByAgent: true, nextRetryAt: T - 1000 }, "other"],
    ["a one-off PaymentIntent paid on the agent's retry after an email", { kind: "payment_intent", agentRetriesAt: [T - 1000], emailsAt: [T - HOUR], lastFailureAt: T - 2 * HOUR, paidAttempt: null }, "stripe_retry_after_email"],
    ["a one-off PaymentIntent paid by the customer after a failed retry", { kind: "payment_intent", agentRetriesAt: [T - 3 * HOUR], lastFailureAt: T - 2 * HOUR, paidAttempt: null }, "other"],
  ])("%s", (_name, over, expected) => {
    expect(cause(over)).toBe(expected);
  });

  it("contact: an email, a person or a reply before the payment; none for a silent retry", () => {
    expect(attributeRecovery({ ...base, paidAttempt: 2 })).toMatchObject({ cause: "stripe_retry_silent", contacted: false });
    expect(attributeRecovery({ ...base, emailsAt: [T - HOUR] })).toMatchObject({ cause: "other", contacted: true });
    expect(attributeRecovery({ ...base, payNowsAt: [T] })).toMatchObject({ cause: "pay_now_after_card_update", contacted: false });
  });
});
