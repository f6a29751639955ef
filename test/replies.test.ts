/**
 * Customer replies to recovery emails, through the Worker's real `email` handler (postal-mime, the ledger), the real
 * queue consumer, the one gate and the dispatcher; the model is the real SDK against the scripted fake Gemini.
 * Fixtures: fixtures/replies/*.eml, in the six catalog locales.
 */
import { campaignJobId } from "../src/campaign/run.ts";
import { runStep } from "./helpers/campaign-steps.ts";
import { createExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, inject, it } from "vitest";
import worker from "../src/index.ts";
import { createApp } from "../src/http/app.ts";
import type { DunningJob } from "../src/queue/messages.ts";
import { decodeCaseRef, encodeCaseRef, readReplyTag, replyTag, replyToFor } from "../src/replies/address.ts";
import { REMINDERS_STOPPED_UNTIL } from "../src/ledger/campaign-pause.ts";
import { slackSignature } from "../src/ingest/slack-verify.ts";
import { loadConfig } from "../src/config.ts";
import { checkCall, type GuardFacts } from "../src/dunning/guards.ts";
import type { ToolCall } from "../src/dunning/tools.ts";
import { fakeClient, geminiFunctionCall, type GeminiScriptEntry } from "./fakes/client.ts";
import { recordOpenInvoiceCase } from "./helpers/cases.ts";
import { caseRow, contextOf, decisionsOf, eventMessage, outboxFor, runBatch, runRecorded } from "./helpers/consumer.ts";
import { emailMessage, replyFixture } from "./helpers/email.ts";
import { env, envWith, migrate, recordingQueue, uid, type TestEnv } from "./helpers/env.ts";
import { invoiceEvent } from "./helpers/stripe-events.ts";

const fakeUrl = inject("fakeUrl" as never) as string;
/** The LINK_SIGNING_SECRET binding of vitest.config.ts: it signs the reply tags. */
const LINK_SECRET = "test-link-secret";
const SUPPORT = "support@example.com";
const app = createApp();

beforeAll(migrate);

interface World {
  id: string;
  caseId: string;
  customerId: string;
  to: string;
  env: TestEnv;
  fake: ReturnType<typeof fakeClient>;
}

async function world(options: { model?: GeminiScriptEntry[]; stripe?: boolean; graceUntil?: number } = {}): Promise<World> {
  const id = uid();
  const { ctx, row } = await recordOpenInvoiceCase(id, "card_update_request sent (test)");
  if (options.graceUntil !== undefined) await env.LEDGER.prepare("UPDATE cases SET grace_until = ?2 WHERE id = ?1").bind(row.id, options.graceUntil).run();
  const scope = uid("reply");
  const fake = fakeClient(fakeUrl, scope);
  if (options.model) await fake.scriptGemini(options.model);
  const e = envWith({
    DEFAULT_MODE: "live",
    REPLY_ADDRESS: "billing@example.com",
    SUPPORT_EMAIL: SUPPORT,
    ...(options.model ? { GEMINI_API_KEY: `gk_${scope}`, GEMINI_BASE_URL: fakeUrl, GEMINI_TIMEOUT_MS: "5000" } : {}),
    ...(options.stripe ? { STRIPE_SECRET_KEY: `sk_test_${scope}`, STRIPE_API_BASE: fakeUrl } : {}),
  });
  return { id, caseId: row.id, customerId: ctx.customerId, to: `billing+${await replyTag(LINK_SECRET, row.id)}@example.com`, env: e, fake };
}

let seq = 0;
/** Hands one message to the Worker's `email` export, then what it enqueued to the real consumer. */
async function receive(w: World, fixture: string, options: { to?: string; raw?: string | Uint8Array; inReplyTo?: string; run?: string } = {}) {
  const to = options.to ?? w.to;
  const raw = options.raw ?? replyFixture(fixture, { to, run: options.run ?? w.id, ...(options.inReplyTo ? { inReplyTo: options.inReplyTo } : {}) });
  const q = recordingQueue();
  const mail = emailMessage(raw, { from: "someone@example.net", to });
  await worker.email(mail.message, envWith({ ...w.env, DUNNING_QUEUE: q.queue }), createExecutionContext());
  const jobs = q.sent as DunningJob[];
  if (jobs.length > 0) await runRecorded(jobs.map((body) => ({ id: `reply-msg-${++seq}`, timestamp: new Date(), attempts: 1, body })) as never, w.env);
  return { ...mail, jobs };
}

async function repliesOf(w: World) {
  const res = await app.fetch(new Request(`http://recovery.test/admin/customers/${w.customerId}`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } }), w.env);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { cases: Array<{ id: string; replies: Array<{ at: number; class: string; summary: string | null; action: string | null }> }> };
  return body.cases.find((c) => c.id === w.caseId)?.replies ?? [];
}

const slackOf = (w: World) => outboxFor(w.customerId, "slack");
/** Nothing customer-facing: no email in the outbox and no Stripe coupon, code or payment. */
async function expectNothingCustomerFacing(w: World) {
  expect(await outboxFor(w.customerId, "email")).toHaveLength(0);
  const stripe = await w.fake.requests("stripe");
  expect(stripe.filter((r) => r.method === "POST" && /\/v1\/(coupons|promotion_codes)|\/pay$/.test(r.path))).toHaveLength(0);
}

describe("Reply-To: a signed plus-tag per case", () => {
  it("round-trips a real Stripe invoice id within the 64-character local part, case-insensitively; a changed tag is forged", async () => {
    const caseId = "in_1MtHbELkdIwHu7ixl4OzzPMv";
    expect(decodeCaseRef(encodeCaseRef(caseId))).toBe(caseId);
    expect(decodeCaseRef(encodeCaseRef("pi_0001abc"))).toBe("pi_0001abc");
    const config = { replyAddress: { local: "billing", domain: "example.com" }, supportEmail: SUPPORT, linkSigningSecret: LINK_SECRET };
    const address = await replyToFor(config, caseId);
    expect(address).toMatch(/^billing\+[a-z2-7]+@example\.com$/);
    expect((address ?? "").split("@")[0]?.length).toBeLessThanOrEqual(64);
    expect(await readReplyTag(LINK_SECRET, (address ?? "").toUpperCase(), config.replyAddress)).toEqual({ kind: "valid", caseId });
    const tampered = (address ?? "").replace(/\+(.)/, (_m, c: string) => `+${c === "i" ? "p" : "i"}`);
    expect((await readReplyTag(LINK_SECRET, tampered, config.replyAddress)).kind).toBe("forged");
    expect((await readReplyTag("another-secret", address ?? "", config.replyAddress)).kind).toBe("forged");
    // Without REPLY_ADDRESS the Reply-To stays SUPPORT_EMAIL.
    expect(await replyToFor({ ...config, replyAddress: null }, caseId)).toBe(SUPPORT);
  });

  it("REPLY_ADDRESS: a plain short address, and only with LINK_SIGNING_SECRET; a bad one is a clear configuration error", () => {
    expect(loadConfig({ REPLY_ADDRESS: "Billing@Example.com", LINK_SIGNING_SECRET: "s" }).replyAddress).toEqual({ local: "billing", domain: "example.com" });
    expect(() => loadConfig({ REPLY_ADDRESS: "billing+x@example.com", LINK_SIGNING_SECRET: "s" })).toThrow(/REPLY_ADDRESS must be a plain address/);
    expect(() => loadConfig({ REPLY_ADDRESS: "accounts-receivable-team@example.com", LINK_SIGNING_SECRET: "s" })).toThrow(/at most 16 characters/);
    expect(() => loadConfig({ REPLY_ADDRESS: "billing@example.com" })).toThrow(/needs LINK_SIGNING_SECRET/);
    expect(loadConfig({}).replyAddress).toBeNull();
  });

  it("a recovery email carries the case's Reply-To and our own Message-ID; the outbox shows replyTo", async () => {
    const id = uid();
    const e = envWith({ DEFAULT_MODE: "live", REPLY_ADDRESS: "billing@example.com", SUPPORT_EMAIL: SUPPORT });
    // No Stripe retry scheduled: the campaign's day 0 sends the reminder.
    const ctx = { ...contextOf(invoiceEvent({ eventId: `evt_${id}`, customerId: `cus_${id}`, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}`, nextPaymentAttempt: null })), failureReason: "insufficient_funds" as const };
    await runBatch([eventMessage(ctx)], e);
    const [email] = await outboxFor(ctx.customerId, "email");
    expect(email?.reply_to).toBe(`billing+${await replyTag(LINK_SECRET, `in_${id}`)}@example.com`);
    expect(String(email?.message_id)).toMatch(/^<[a-z2-7]+@example\.com>$/);
    const sent = await env.LEDGER.prepare("SELECT case_id FROM sent_messages WHERE message_id = ?1").bind(email?.message_id).first<{ case_id: string }>();
    expect(sent?.case_id).toBe(`in_${id}`);
    const res = await app.fetch(new Request("http://recovery.test/admin/outbox?kind=email&limit=1000", { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } }), e);
    const list = (await res.json()) as { items: Array<{ customerId: string; replyTo: string | null }> };
    expect(list.items.find((i) => i.customerId === ctx.customerId)?.replyTo).toBe(email?.reply_to);
  });
});

describe("the one gate and a reply", () => {
  const config = loadConfig({});
  const facts = (over: Partial<GuardFacts> = {}): GuardFacts => ({
    ctx: { ...contextOf(invoiceEvent({ eventId: "evt_gate", customerId: "cus_gate", invoiceId: "in_gate", paymentIntentId: "pi_gate" })), failureReason: "card_expired", customerSegment: "loyal" },
    actor: "agent",
    newPaymentMethodSinceFailure: false,
    lastWinbackAt: null,
    now: Date.now(),
    labels: [],
    fraudHistory: false,
    origin: "reply",
    ...over,
  });
  const refusedFor = (call: ToolCall, f: GuardFacts) => checkCall(call, f, config);
  it("a reply can lead to no offer, no email and no retry of the declined card; a new card may pay once", () => {
    for (const call of [
      { name: "offer_winback_discount", args: { percent_off: 10, valid_days: 14 } },
      { name: "send_email", args: { template_id: "card_update_request", variables: {} } },
      { name: "request_stripe_smart_retry", args: { schedule: "retry_now" } },
      { name: "request_stripe_smart_retry", args: { schedule: "continue" } },
      { name: "stop_stripe_retries", args: { note: "x" } },
    ] as ToolCall[]) {
      const v = refusedFor(call, facts());
      expect(v.ok, call.name).toBe(false);
    }
    expect(refusedFor({ name: "request_stripe_smart_retry", args: { schedule: "retry_now" } }, facts({ newPaymentMethodSinceFailure: true })).ok).toBe(true);
    for (const call of [
      { name: "pause_campaign", args: { days: 3, note: "x" } },
      { name: "escalate_to_human", args: { reason: "x" } },
      { name: "note_cancel_intent", args: { summary: "x" } },
      { name: "ignore_reply", args: { reason: "x" } },
    ] as ToolCall[]) expect(refusedFor(call, facts()).ok, call.name).toBe(true);
  });

  it("only a person stops Stripe's retries; while paused, no reminder or offer reaches the customer", () => {
    const stop: ToolCall = { name: "stop_stripe_retries", args: { note: "x" } };
    expect(refusedFor(stop, facts({ origin: undefined, actor: "agent" })).ok).toBe(false);
    expect(refusedFor(stop, facts({ origin: undefined, actor: "human" })).ok).toBe(true);
    const paused = facts({ origin: undefined, pausedUntil: Date.now() + 86400_000 });
    const email = refusedFor({ name: "send_email", args: { template_id: "card_update_request", variables: {} } }, paused);
    expect(email).toMatchObject({ ok: false, label: "paused" });
    expect(refusedFor({ name: "escalate_to_human", args: { reason: "x" } }, paused).ok).toBe(true);
  });
});

describe("automatic replies are recorded only, in the six catalog locales", () => {
  for (const fixture of ["ooo-en.eml", "ooo-de.eml", "ooo-fr.eml", "ooo-es.eml", "ooo-ja.eml", "ooo-pt-br.eml"]) {
    it(`${fixture}: class auto, not forwarded, not decided, nothing sent`, async () => {
      const w = await world();
      const r = await receive(w, fixture);
      expect(r.forwards).toHaveLength(0);
      expect(r.rejects).toHaveLength(0);
      expect(r.jobs).toHaveLength(0);
      const [reply] = await repliesOf(w);
      expect(reply).toMatchObject({ class: "auto", action: "ignored" });
      expect(await slackOf(w)).toHaveLength(0);
      await expectNothingCustomerFacing(w);
    });
  }
});

describe("human replies without a model: the rules escalate with the first lines", () => {
  it("pt-BR, quoted history and signature stripped: one escalation in the case's thread, forwarded once", async () => {
    const w = await world();
    const r = await receive(w, "question-pt-br.eml");
    expect(r.forwards).toEqual([{ to: SUPPORT, headers: { "x-recovery-agent-reply": `case ${w.caseId}` } }]);
    const slack = await slackOf(w);
    expect(slack).toHaveLength(1);
    const text = String(slack[0]?.text);
    expect(text).toContain("fui cobrado duas vezes");
    expect(text).not.toContain("Enviado do meu iPhone");
    expect(text).not.toContain("R$ 49,00 não foi concluído");
    const [reply] = await repliesOf(w);
    expect(reply).toMatchObject({ class: "human", action: "escalate_to_human" });
    expect(reply?.summary).toContain("fui cobrado duas vezes");
    await expectNothingCustomerFacing(w);
  });

  it("ja (a dated Gmail attribution) and fr: the customer's words only", async () => {
    const w = await world();
    await receive(w, "question-ja.eml");
    await receive(w, "thanks-fr.eml");
    const replies = await repliesOf(w);
    expect(replies.map((r) => r.class)).toEqual(["human", "human"]);
    const ja = replies.find((r) => (r.summary ?? "").includes("請求額"));
    expect(ja?.summary).not.toContain("お支払いが完了しませんでした");
    const fr = replies.find((r) => (r.summary ?? "").includes("Merci"));
    expect(fr?.summary).toBe("Merci, c'est noté.");
    // Each reply is its own triggering event: two escalations, both in the case's thread.
    expect(await slackOf(w)).toHaveLength(2);
    await expectNothingCustomerFacing(w);
  });

  it("a redelivered message is recorded once, forwarded once and decided once", async () => {
    const w = await world();
    const first = await receive(w, "question-pt-br.eml");
    const again = await receive(w, "question-pt-br.eml");
    expect(first.forwards).toHaveLength(1);
    expect(again.forwards).toHaveLength(0);
    expect(again.jobs).toHaveLength(0);
    expect(await repliesOf(w)).toHaveLength(1);
    expect(await slackOf(w)).toHaveLength(1);
  });

  it("an oversized message is not read: recorded, forwarded, and a person is asked to look in the support inbox", async () => {
    const w = await world();
    const base = replyFixture("promise-en.eml", { to: w.to, run: w.id });
    const padding = `\r\n${"A".repeat(76)}`.repeat(15_000); // ~1.2 MB
    const r = await receive(w, "promise-en.eml", { raw: base.replace("Thanks,", `Thanks,${padding}`) });
    expect(r.forwards).toHaveLength(1);
    const [reply] = await repliesOf(w);
    expect(reply).toMatchObject({ class: "human", action: "escalate_to_human" });
    expect(reply?.summary).toMatch(/too large to read/);
    expect(String((await slackOf(w))[0]?.text)).toMatch(/too large to read/);
    await expectNothingCustomerFacing(w);
  });

  it("a forged tag is recorded and ignored (forwarded to the team, never bounced, never decided)", async () => {
    const w = await world();
    const forgedTo = `billing+${encodeCaseRef(w.caseId)}aaaaaaaaaaaaaaaa@example.com`;
    const r = await receive(w, "forged-en.eml", { to: forgedTo });
    expect(r.rejects).toHaveLength(0);
    expect(r.jobs).toHaveLength(0);
    expect(r.forwards).toEqual([{ to: SUPPORT, headers: { "x-recovery-agent-reply": "unmatched (forged)" } }]);
    const row = await env.LEDGER.prepare("SELECT * FROM case_replies WHERE message_id = ?1").bind(`<forged-en.${w.id}@mail.example.net>`).first<{ class: string; action: string; case_id: string | null }>();
    expect(row).toMatchObject({ class: "forged", action: "ignored", case_id: null });
    expect(await repliesOf(w)).toHaveLength(0);
    expect(await slackOf(w)).toHaveLength(0);
  });

  it("a client that dropped the tag still reaches the case through In-Reply-To", async () => {
    const w = await world();
    const messageId = `<sent-${w.id}@example.com>`;
    await env.LEDGER.prepare("INSERT INTO sent_messages (message_id, case_id, customer_id, sent_at) VALUES (?1, ?2, ?3, ?4)").bind(messageId, w.caseId, w.customerId, Date.now()).run();
    const r = await receive(w, "promise-en.eml", { to: "billing@example.com", inReplyTo: messageId });
    expect(r.jobs).toHaveLength(1);
    expect((await repliesOf(w))[0]).toMatchObject({ class: "human", action: "escalate_to_human" });
  });
});

describe("human replies decided by the model, through the one gate", () => {
  it("a promise to pay (en) pauses the reminders and moves the access grace by the pause", async () => {
    const grace = Date.now() + 7 * 86400_000;
    const w = await world({ model: [{ body: geminiFunctionCall("pause_campaign", { days: 5, note: "Paid on Friday; will pay then." }) }], graceUntil: grace });
    const before = Date.now();
    const r = await receive(w, "promise-en.eml");
    expect(r.forwards).toHaveLength(1);
    const row = await caseRow(w.caseId);
    const pausedUntil = Number(row?.paused_until);
    expect(pausedUntil).toBeGreaterThanOrEqual(before + 5 * 86400_000);
    expect(pausedUntil).toBeLessThanOrEqual(Date.now() + 5 * 86400_000);
    expect(Number(row?.grace_until) - grace).toBe(5 * 86400_000);
    expect((await repliesOf(w))[0]).toMatchObject({ class: "human", action: "pause_campaign", summary: "Paid on Friday; will pay then." });
    // The model saw the customer's words as quoted data, without the quoted history or the signature.
    const [call] = await w.fake.requests("gemini");
    const prompt = JSON.stringify(call?.body);
    expect(prompt).toContain("untrusted data");
    expect(prompt).toContain("I get paid on Friday");
    expect(prompt).not.toContain("Doe Design");
    expect(prompt).not.toContain("update your card");
    // The team sees it in the case's thread; no one is paged, nothing reaches the customer.
    expect(String((await slackOf(w))[0]?.text)).toMatch(/Reminders paused until/);
    await expectNothingCustomerFacing(w);

    // While paused, the campaign's next step (day 3) sends no reminder and waits; once the pause is over, it does.
    await env.LEDGER.prepare(`INSERT INTO scheduled_jobs (id, kind, case_id, customer_id, due_at, payload, status, created_at, updated_at) VALUES (?1, 'campaign_step', ?2, ?3, ?4, '{"step":"day_3_notice"}', 'pending', ?4, ?4)`)
      .bind(campaignJobId(w.caseId, "day_3_notice"), w.caseId, w.customerId, Date.now())
      .run();
    const noGemini = envWith({ ...w.env, GEMINI_API_KEY: "" });
    expect(await runStep(noGemini, w.caseId, "day_3_notice")).toEqual({ action: "ack" });
    expect(await outboxFor(w.customerId, "email")).toHaveLength(0);
    const waiting = await env.LEDGER.prepare("SELECT status, due_at FROM scheduled_jobs WHERE id = ?1").bind(campaignJobId(w.caseId, "day_3_notice")).first<{ status: string; due_at: number }>();
    expect(waiting).toEqual({ status: "pending", due_at: pausedUntil });
    await env.LEDGER.prepare("UPDATE cases SET paused_until = ?2 WHERE id = ?1").bind(w.caseId, Date.now() - 1000).run();
    await env.LEDGER.prepare("UPDATE scheduled_jobs SET due_at = ?2 WHERE id = ?1").bind(campaignJobId(w.caseId, "day_3_notice"), Date.now() - 1000).run();
    expect(await runStep(noGemini, w.caseId, "day_3_notice")).toEqual({ action: "ack" });
    expect(await outboxFor(w.customerId, "email")).toHaveLength(1);
  });

  it("a second promise only extends the pause to the later date, and the grace by the days added", async () => {
    const grace = Date.now() + 7 * 86400_000;
    const w = await world({ model: [{ body: geminiFunctionCall("pause_campaign", { days: 3, note: "Next week." }) }, { body: geminiFunctionCall("pause_campaign", { days: 2, note: "In two days." }) }], graceUntil: grace });
    await receive(w, "promise-en.eml");
    const first = await caseRow(w.caseId);
    await receive(w, "promise-en.eml", { run: `${w.id}-2` });
    const second = await caseRow(w.caseId);
    expect(second?.paused_until).toBe(first?.paused_until);
    expect(second?.grace_until).toBe(first?.grace_until);
    expect(Number(first?.grace_until) - grace).toBe(3 * 86400_000);
  });

  it("a cancel request (de) stops the reminders and asks a person, flagged, without a winback button", async () => {
    const grace = Date.now() + 7 * 86400_000;
    const w = await world({ model: [{ body: geminiFunctionCall("note_cancel_intent", { summary: "Wants to cancel at the end of the month." }) }], graceUntil: grace });
    await receive(w, "cancel-de.eml");
    const row = await caseRow(w.caseId);
    expect(row?.paused_until).toBe(REMINDERS_STOPPED_UNTIL);
    expect(row?.grace_until).toBe(grace);
    expect(row?.cancel_intent_at).not.toBeNull();
    const [slack] = await slackOf(w);
    const blocks = JSON.stringify(slack?.blocks);
    expect(blocks).toContain("Customer wants to cancel");
    expect(blocks).not.toContain("send_winback_offer");
    expect((await repliesOf(w))[0]).toMatchObject({ class: "human", action: "note_cancel_intent" });
    await expectNothingCustomerFacing(w);
  });

  it("cancel: the team's gated \"Stop Stripe's retries\" button turns off the invoice's automatic collection; nothing before a person clicks", async () => {
    const w = await world({ model: [{ body: geminiFunctionCall("note_cancel_intent", { summary: "Wants to cancel." }) }], stripe: true });
    await w.fake.putStripe("invoices", w.caseId, { id: w.caseId, object: "invoice", customer: w.customerId, status: "open", amount_due: 4900, amount_remaining: 4900, currency: "usd", attempt_count: 1, auto_advance: true, metadata: {} });
    await receive(w, "cancel-de.eml");
    const [slack] = await slackOf(w);
    expect(JSON.stringify(slack?.blocks)).toContain("stop_stripe_retries");
    expect((await w.fake.requests("stripe")).filter((r) => r.method === "POST" && r.path === `/v1/invoices/${w.caseId}`)).toHaveLength(0);
    const secret = "slack-signing-secret-test";
    const payload = { type: "block_actions", user: { id: "U1", username: "sam" }, container: { message_ts: "1700000000.000200" }, message: { ts: "1700000000.000200", text: "x", blocks: [] }, actions: [{ action_id: "stop_stripe_retries", value: w.caseId, action_ts: "1700000100.000001" }] };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const ts = String(Math.floor(Date.now() / 1000));
    const res = await app.fetch(new Request("http://recovery.test/slack/interactions", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": ts, "x-slack-signature": await slackSignature(secret, ts, body) }, body }), envWith({ ...w.env, SLACK_SIGNING_SECRET: secret }));
    expect(res.status).toBe(200);
    const updates = (await w.fake.requests("stripe")).filter((r) => r.method === "POST" && r.path === `/v1/invoices/${w.caseId}`);
    expect(updates).toHaveLength(1);
    expect(updates[0]?.body).toMatchObject({ auto_advance: "false" });
  });

  it("'I updated my card' (es, HTML only): Stripe is read again and the invoice is paid once with the new card", async () => {
    const w = await world({ model: [{ body: geminiFunctionCall("check_payment_method", { note: "Updated the card yesterday." }) }], stripe: true });
    const pm = `pm_new_${w.id}`;
    await w.fake.putStripe("payment_methods", pm, { id: pm, object: "payment_method", type: "card", customer: w.customerId, created: Math.floor(Date.now() / 1000) + 5, card: { brand: "visa", last4: "4242", exp_month: 12, exp_year: 2030 } });
    await w.fake.putStripe("customers", w.customerId, { id: w.customerId, object: "customer", email: `${w.customerId}@example.com`, name: "L", preferred_locales: [], metadata: {}, invoice_settings: { default_payment_method: pm } });
    await w.fake.putStripe("invoices", w.caseId, { id: w.caseId, object: "invoice", customer: w.customerId, status: "open", amount_due: 4900, amount_remaining: 4900, currency: "usd", attempt_count: 1, metadata: {} });
    const r = await receive(w, "card-updated-es.eml");
    const prompt = JSON.stringify((await w.fake.requests("gemini"))[0]?.body);
    expect(prompt).toContain("ya actualicé mi tarjeta");
    expect(prompt).not.toContain("Tu pago de 49,00");
    const pays = (await w.fake.requests("stripe")).filter((q) => q.path === `/v1/invoices/${w.caseId}/pay`);
    expect(pays).toHaveLength(1);
    expect((pays[0]?.body as { payment_method?: string }).payment_method).toBe(pm);
    expect((await caseRow(w.caseId))?.status).toBe("recovered");
    expect((await repliesOf(w))[0]).toMatchObject({ action: "check_payment_method" });
    expect(r.forwards).toHaveLength(1);
    expect(await outboxFor(w.customerId, "email")).toHaveLength(0);
  });

  it("'I updated my card' with no new card in Stripe goes to a person, and nothing is charged", async () => {
    const w = await world({ model: [{ body: geminiFunctionCall("check_payment_method", { note: "Says the card is updated." }) }], stripe: true });
    await w.fake.putStripe("customers", w.customerId, { id: w.customerId, object: "customer", email: `${w.customerId}@example.com`, name: "L", preferred_locales: [], metadata: {}, invoice_settings: { default_payment_method: null } });
    await receive(w, "card-updated-es.eml");
    expect(String((await slackOf(w))[0]?.text)).toMatch(/no new payment method/);
    await expectNothingCustomerFacing(w);
  });

  it("a plain thank-you (fr) the model ignores is recorded as ignored; no one is paged", async () => {
    const w = await world({ model: [{ body: geminiFunctionCall("ignore", { reason: "A thank-you; nothing asked." }) }] });
    const r = await receive(w, "thanks-fr.eml");
    expect(r.forwards).toHaveLength(1);
    expect((await repliesOf(w))[0]).toMatchObject({ class: "human", action: "ignored", summary: "A thank-you; nothing asked." });
    expect(await slackOf(w)).toHaveLength(0);
    await expectNothingCustomerFacing(w);
  });

  it("a prompt injection: the scripted model obeys ('100% off'), the gate refuses, a person reads the reply", async () => {
    const w = await world({ model: [{ body: geminiFunctionCall("offer_winback_discount", { percent_off: 100, valid_days: 30 }) }], stripe: true });
    await receive(w, "injection-en.eml");
    const prompt = JSON.stringify((await w.fake.requests("gemini"))[0]?.body);
    // The text reached the model only as quoted data, under the untrusted heading.
    expect(prompt).toMatch(/untrusted data[^"]*\\n\{\\"subject\\"/);
    const decisions = (await env.LEDGER.prepare("SELECT * FROM decisions WHERE case_id = ?1 AND event_id LIKE 'reply:%' ORDER BY id").bind(w.caseId).all<Record<string, unknown>>()).results;
    expect(decisions[0]).toMatchObject({ decided_by: "model", tool: "offer_winback_discount", outcome: "rejected" });
    expect(String(decisions[0]?.validation)).toMatch(/a customer's reply can only/);
    expect(decisions.at(-1)).toMatchObject({ tool: "escalate_to_human", outcome: "executed" });
    expect((await repliesOf(w))[0]).toMatchObject({ class: "human", action: "escalate_to_human" });
    await expectNothingCustomerFacing(w);
  });
});
