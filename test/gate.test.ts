/**
 * The one gate: every proposer (model, rules, a guard's replacement, a lifecycle job, a person) passes the same
 * guards, re-applied to every replacement; team labels and fraud hold on every path; a refused proposal never
 * leaves a case with nothing done. Pure properties over the gate, then end to end through the real consumer,
 * the Gemini SDK against the fake, the admin routes and Stripe's customer events.
 */
import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { RECOVERY_TEMPLATE_IDS } from "../emails/index.ts";
import { sendTemplateEmail } from "../src/actions/email.ts";
import { createWinbackCodes, requestInvoiceRetry, retryPaymentIntent } from "../src/actions/stripe.ts";
import { loadConfig } from "../src/config.ts";
import { depsOf } from "../src/deps.ts";
import { gate } from "../src/dunning/gate.ts";
import { checkCall, type Actor, type GuardFacts } from "../src/dunning/guards.ts";
import { caseToolset } from "../src/dunning/toolset.ts";
import { AGENT_STATES, validateToolCall, type ToolCall } from "../src/dunning/tools.ts";
import type { DunningContext } from "../src/ingest/context.ts";
import { FAILURE_REASONS } from "../src/ingest/decline-codes.ts";
import { labelsOf, putLabel, TEAM_LABELS, type TeamLabel } from "../src/ledger/labels.ts";
import { fakeClient, geminiFunctionCall, geminiFunctionCalls, geminiText, type GeminiScriptEntry } from "./fakes/client.ts";
import { contextOf, decisionsOf, eventMessage, outboxFor, runBatch } from "./helpers/consumer.ts";
import { env, envWith, migrate, uid } from "./helpers/env.ts";
import { invoiceEvent, paymentIntentEvent } from "./helpers/stripe-events.ts";
import { ageCampaign, runStep, stepDecisions } from "./helpers/campaign-steps.ts";

const fakeUrl = inject("fakeUrl");
beforeAll(migrate);

const config = loadConfig({ STRIPE_WEBHOOK_SECRET: "whsec_x", COMPANY_ADDRESS: "Acme Inc., 1 Main St", LINK_SIGNING_SECRET: "s" });
const NOW = Date.UTC(2026, 11, 1);
const base = contextOf(invoiceEvent({ eventId: "evt_gate", customerId: "cus_gate", invoiceId: "in_gate", paymentIntentId: "pi_gate" }));

// ---------- generators ----------
const arbContext: fc.Arbitrary<DunningContext> = fc.record({
  failureReason: fc.constantFrom(...FAILURE_REASONS),
  customerSegment: fc.constantFrom("trial", "new", "loyal", "winback", null),
  hasEmail: fc.boolean(),
  oneOff: fc.boolean(),
  nextRetry: fc.boolean(),
  attempt: fc.integer({ min: 1, max: 5 }),
  ltv: fc.constantFrom(0, 120_000),
}).map((r) => ({
  ...base,
  failureReason: r.failureReason,
  customerSegment: r.customerSegment,
  customerEmail: r.hasEmail ? "jane@example.com" : null,
  invoiceId: r.oneOff ? null : "in_gate",
  nextPaymentAttempt: r.nextRetry ? NOW + 86400_000 : null,
  attemptCount: r.attempt,
  lifetimeValue: { amount: r.ltv, currency: "usd" },
}));

/** Every tool, with valid and out-of-range arguments (validated like any proposer's call). */
const arbRawCall: fc.Arbitrary<{ name: string; args: unknown }> = fc.oneof(
  fc.record({ name: fc.constant("send_email"), args: fc.record({ template_id: fc.constantFrom(...RECOVERY_TEMPLATE_IDS), variables: fc.record({ tone: fc.constantFrom("gentle", "standard", "firm") }, { requiredKeys: [] }) }) }),
  fc.record({ name: fc.constant("offer_winback_discount"), args: fc.record({ percent_off: fc.integer({ min: 1, max: 100 }), valid_days: fc.integer({ min: 1, max: 30 }) }) }),
  fc.record({ name: fc.constant("request_stripe_smart_retry"), args: fc.record({ schedule: fc.constantFrom("continue", "retry_now") }) }),
  fc.record({ name: fc.constant("update_customer_state"), args: fc.record({ state: fc.constantFrom(...AGENT_STATES, ...TEAM_LABELS), note: fc.constant("n") }) }),
  fc.record({ name: fc.constant("post_slack"), args: fc.record({ text: fc.constant("note") }) }),
  fc.record({ name: fc.constant("escalate_to_human"), args: fc.record({ reason: fc.constant("why") }) }),
  fc.record({ name: fc.constant("send_trial_email"), args: fc.record({ engaged: fc.boolean() }) }),
  fc.record({ name: fc.constant("retry_payment_intent"), args: fc.record({ payment_intent_id: fc.constant("pi_gate"), failures: fc.integer({ min: 1, max: 3 }) }) }),
  fc.record({ name: fc.constant("mark_case_lost"), args: fc.record({ note: fc.constant("lost") }) }),
);

const arbFacts: fc.Arbitrary<GuardFacts> = fc.record({
  ctx: arbContext,
  actor: fc.constantFrom<Actor>("agent", "human", "system"),
  newPaymentMethodSinceFailure: fc.boolean(),
  lastWinbackAt: fc.constantFrom(null, NOW - 10 * 86400_000, NOW - 200 * 86400_000),
  now: fc.constant(NOW),
  labels: fc.subarray([...TEAM_LABELS]),
  fraudHistory: fc.boolean(),
});

// ---------- invariants ----------
const CONTACT = new Set(["send_email", "offer_winback_discount", "send_trial_email"]);
const RETRIES = new Set(["request_stripe_smart_retry", "retry_payment_intent"]);

/** What must never pass, whoever proposed it. Returns the broken rule, or null. */
function broken(call: ToolCall, f: GuardFacts): string | null {
  const has = (l: TeamLabel) => f.labels.includes(l);
  if (CONTACT.has(call.name) && (has("paused") || has("do_not_contact") || has("email_undeliverable"))) return `${call.name} reached a customer labelled ${f.labels.join(",")}`;
  if (call.name === "offer_winback_discount" && has("no_offers")) return "offer despite no_offers";
  if (RETRIES.has(call.name) && has("paused")) return "retry while paused";
  const fraud = f.fraudHistory || f.ctx.failureReason === "fraud_suspected";
  if (fraud && (call.name === "offer_winback_discount" || call.name === "send_trial_email")) return `${call.name} for a fraud customer`;
  if (fraud && call.name === "send_email" && ["card_update_request", "final_warning", "winback_offer"].includes(call.args.template_id)) return `${call.args.template_id} for a fraud customer`;
  if (call.name === "send_email" && f.ctx.customerEmail === null) return "email without an address";
  return null;
}

/** A gate that checks the proposal but executes the guard's replacement unchecked (the bug this issue closed). */
function singleStepGate(proposal: ToolCall, f: GuardFacts): ToolCall | null {
  const v = checkCall(proposal, f, config);
  return v.ok ? proposal : v.replacement;
}

describe("the one gate (pure properties)", () => {
  it("nothing that passes ever breaks a label, fraud or address rule, for any proposer, tool and label set", () => {
    fc.assert(
      fc.property(arbRawCall, arbFacts, (raw, f) => {
        const valid = validateToolCall(raw.name, raw.args);
        if (!valid.ok) return true; // an invalid call never reaches the gate
        const result = gate(valid.call, f, config);
        if (!result.ok) return true;
        const why = broken(result.call, f);
        if (why !== null) throw new Error(why);
        return true;
      }),
      { numRuns: 3000 },
    );
  });

  it("the property fails when replacements are not re-gated (it can find the do_not_contact 3-D Secure email)", () => {
    const out = fc.check(
      fc.property(arbRawCall, arbFacts, (raw, f) => {
        const valid = validateToolCall(raw.name, raw.args);
        if (!valid.ok) return true;
        const executed = singleStepGate(valid.call, f);
        return executed === null || broken(executed, f) === null;
      }),
      { numRuns: 3000 },
    );
    expect(out.failed).toBe(true);
    // The concrete case from the review: a 3-D Secure retry replaced by an email to a do_not_contact customer.
    const f: GuardFacts = { ctx: { ...base, failureReason: "authentication_required", customerEmail: "j@example.com" }, actor: "agent", newPaymentMethodSinceFailure: false, lastWinbackAt: null, now: NOW, labels: ["do_not_contact"], fraudHistory: false };
    const retry: ToolCall = { name: "request_stripe_smart_retry", args: { schedule: "continue" } };
    expect(singleStepGate(retry, f)).toMatchObject({ name: "send_email" });
    expect(gate(retry, f, config)).toMatchObject({ ok: false, label: "do_not_contact" });
  });

  it("the agent can never write a team label: update_customer_state takes only the agent's own states", () => {
    for (const label of TEAM_LABELS) expect(validateToolCall("update_customer_state", { state: label, note: "n" })).toMatchObject({ ok: false });
  });

  it("the model is offered only what may pass: every call the per-case toolset allows passes the gate", () => {
    fc.assert(
      fc.property(arbFacts, (f0) => {
        const f = { ...f0, actor: "agent" as const };
        const set = caseToolset(f, config);
        for (const t of set.templates) expect(checkCall({ name: "send_email", args: { template_id: t, variables: {} } }, f, config).ok).toBe(true);
        for (const s of set.schedules) expect(checkCall({ name: "request_stripe_smart_retry", args: { schedule: s } }, f, config).ok).toBe(true);
        if (set.winbackPercent !== null) expect(checkCall({ name: "offer_winback_discount", args: { percent_off: set.winbackPercent.max, valid_days: 30 } }, f, config).ok).toBe(true);
        if (f.labels.includes("do_not_contact") || f.ctx.customerEmail === null) expect(set.names).not.toContain("send_email");
        return true;
      }),
      { numRuns: 500 },
    );
  });
});

// ---------- end to end ----------
const admin = (path: string, init: RequestInit = {}) =>
  (exports as unknown as { default: Fetcher }).default.fetch(`http://recovery.test${path}`, { ...init, headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, "content-type": "application/json", ...(init.headers ?? {}) } });

/** A failed invoice; by default Stripe has no retry scheduled, so a soft decline's day-0 step decides (and emails). */
function failure(customerId: string, over: Partial<DunningContext> = {}, options: { retryScheduled?: boolean } = {}): DunningContext {
  const id = uid();
  const ev = invoiceEvent({ eventId: `evt_${id}`, customerId, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}`, email: `x.${id}@example.com`, ...(options.retryScheduled ? {} : { nextPaymentAttempt: null }) });
  return { ...contextOf(ev), failureReason: "insufficient_funds", declineCode: "insufficient_funds", ...over };
}

const live = (over: Record<string, unknown> = {}) => envWith({ DEFAULT_MODE: "live", ...over });
const withModel = (scope: string) => live({ GEMINI_API_KEY: `gk_${scope}`, GEMINI_BASE_URL: fakeUrl, GEMINI_TIMEOUT_MS: "400" });

describe("team labels (admin route, Stripe metadata)", () => {
  it("PUT sets the admin label (also for a customer never seen), the customer JSON shows it, and a failure is skipped (label) without paging anyone", async () => {
    const customer = `cus_${uid()}`;
    const put = await admin(`/admin/customers/${customer}/label`, { method: "PUT", body: JSON.stringify({ label: "do_not_contact", note: "asked us by phone" }) });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ label: "do_not_contact", labels: [{ label: "do_not_contact", setBy: "admin", note: "asked us by phone" }] });
    const ctx = failure(customer);
    await runBatch([eventMessage(ctx)], live());
    expect(await outboxFor(customer)).toHaveLength(0);
    expect(await decisionsOf(ctx.eventId)).toMatchObject([{ tool: "send_email", outcome: "skipped", validation: "skipped (label do_not_contact)" }]);
    const json = (await (await admin(`/admin/customers/${customer}`)).json()) as { label: string; labels: unknown[] };
    expect(json.label).toBe("do_not_contact");
    // The dashboard's open-cases table shows the label next to the customer.
    const page = await (await admin("/admin")).text();
    const row = page.split('data-testid="open-case-row"').find((r) => r.includes(customer)) ?? "";
    expect(row).toContain("[do_not_contact]");
  });

  it("bad input gets a clear error: unknown label, a label only others may set, bad JSON, no admin token", async () => {
    const customer = `cus_${uid()}`;
    for (const body of [JSON.stringify({ label: "vip" }), JSON.stringify({ label: "email_undeliverable" }), "{nope", JSON.stringify({ label: "paused", note: "x".repeat(501) })]) {
      const r = await admin(`/admin/customers/${customer}/label`, { method: "PUT", body });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { message: string }).message.length).toBeGreaterThan(10);
    }
    const anon = await (exports as unknown as { default: Fetcher }).default.fetch(`http://recovery.test/admin/customers/${customer}/label`, { method: "PUT", body: JSON.stringify({ label: "paused" }) });
    expect(anon.status).toBe(401);
    expect(await labelsOf(env.LEDGER, customer)).toEqual([]);
  });

  it("DELETE removes only the admin entry; the Stripe metadata entry stays until Stripe says otherwise", async () => {
    const customer = `cus_${uid()}`;
    await putLabel(env.LEDGER, customer, { label: "paused", setBy: "stripe_metadata", note: null }, Date.now());
    await admin(`/admin/customers/${customer}/label`, { method: "PUT", body: JSON.stringify({ label: "do_not_contact" }) });
    const del = await admin(`/admin/customers/${customer}/label`, { method: "DELETE" });
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ removed: true, label: "paused", labels: [{ label: "paused", setBy: "stripe_metadata" }] });
    expect((await admin(`/admin/customers/${customer}/label?source=stripe_metadata`, { method: "DELETE" })).status).toBe(409);
  });

  it("the Stripe customer's recovery_agent_label metadata is mirrored on customer.updated, and removing it removes the label", async () => {
    const customer = `cus_${uid()}`;
    const updated = (metadata: Record<string, string>) =>
      ({ ...contextOf({ id: `evt_${uid()}`, object: "event", type: "customer.updated", created: Math.floor(Date.now() / 1000), livemode: false, api_version: "2026-10-28.endive", data: { object: { id: customer, object: "customer", email: null, metadata } } }) }) as DunningContext;
    await runBatch([eventMessage(updated({ recovery_agent_label: "paused" }))], live());
    expect(await labelsOf(env.LEDGER, customer)).toMatchObject([{ label: "paused", setBy: "stripe_metadata" }]);
    // paused: no customer contact at all.
    const ctx = failure(customer);
    await runBatch([eventMessage(ctx)], live());
    expect(await outboxFor(customer, "email")).toHaveLength(0);
    await runBatch([eventMessage(updated({}))], live());
    expect(await labelsOf(env.LEDGER, customer)).toEqual([]);
    // An unknown value is not a label.
    await runBatch([eventMessage(updated({ recovery_agent_label: "vip" }))], live());
    expect(await labelsOf(env.LEDGER, customer)).toEqual([]);
  });

  it("the model cannot clear a team label: update_customer_state(recovering) runs, the label stays, the next failure still sends nothing", async () => {
    const scope = uid("lbl");
    const fake = fakeClient(fakeUrl, scope);
    const customer = `cus_${uid()}`;
    await putLabel(env.LEDGER, customer, { label: "do_not_contact", setBy: "admin", note: null }, Date.now());
    await fake.scriptGemini([{ body: geminiFunctionCall("update_customer_state", { state: "recovering", note: "looks fine" }) }, { body: geminiFunctionCall("update_customer_state", { state: "do_not_contact", note: "clear it" }) }]);
    const first = failure(customer);
    await runBatch([eventMessage(first)], withModel(scope));
    expect(await decisionsOf(first.eventId)).toMatchObject([{ tool: "update_customer_state", outcome: "executed" }]);
    const second = failure(customer);
    await runBatch([eventMessage(second)], withModel(scope));
    expect(await labelsOf(env.LEDGER, customer)).toMatchObject([{ label: "do_not_contact", setBy: "admin" }]);
    expect(await outboxFor(customer, "email")).toHaveLength(0);
    // The model saw the label in its facts.
    const asked = (await fake.requests("gemini"))[0]?.body;
    expect(JSON.stringify(asked)).toContain('\\"team_labels\\": [\\n    \\"do_not_contact\\"\\n  ]');
  });
});

describe("fraud is sticky", () => {
  it("a customer with a suspected-fraud case closed last month gets no card-update email on a new failure: a person is asked instead", async () => {
    const customer = `cus_${uid()}`;
    const fraudCase = failure(customer, { failureReason: "fraud_suspected", declineCode: "fraudulent" });
    await runBatch([eventMessage(fraudCase)], live());
    await env.LEDGER.prepare(`UPDATE cases SET status = 'lost', closed_at = ?2 WHERE id = ?1`).bind(fraudCase.invoiceId, Date.now() - 30 * 86400_000).run();
    const expired = failure(customer, { failureReason: "card_expired", declineCode: "expired_card" });
    await runBatch([eventMessage(expired)], live());
    expect(await outboxFor(customer, "email")).toHaveLength(0);
    expect(await decisionsOf(expired.eventId)).toMatchObject([
      { tool: "send_email", template_id: "card_update_request", outcome: "rejected" },
      { decided_by: "guard", tool: "escalate_to_human", outcome: "executed" },
    ]);
  });
});

describe("no dead ends, one escalation per event", () => {
  it("a refused retry_now (no new card) falls back to the rules' email; the case is never left with nothing", async () => {
    const scope = uid("dead");
    const fake = fakeClient(fakeUrl, scope);
    const customer = `cus_${uid()}`;
    // The model insists on a retry (schedule narrowed to "continue" for this case, so retry_now is invalid).
    await fake.scriptGemini([{ body: geminiFunctionCall("request_stripe_smart_retry", { schedule: "retry_now" }) }]);
    const ctx = failure(customer);
    await runBatch([eventMessage(ctx)], withModel(scope));
    const ds = await decisionsOf(ctx.eventId);
    expect(ds[0]).toMatchObject({ decided_by: "model", outcome: "rejected" });
    expect(ds.at(-1)).toMatchObject({ decided_by: "fallback", tool: "send_email", outcome: "executed" });
    expect(await outboxFor(customer, "email")).toHaveLength(1);
  });

  it("without a Stripe key no coupon or retry is ever proposed (they would be dead ends): a loyal high-value customer gets the reminder", async () => {
    const scope = uid("nokey");
    const fake = fakeClient(fakeUrl, scope);
    const customer = `cus_${uid()}`;
    await env.LEDGER.prepare("INSERT INTO customers (id, first_seen_at, paid_invoices, lifetime_value, ltv_currency, updated_at) VALUES (?1, 0, 12, 240000, 'usd', 0)").bind(customer).run();
    // At the final-warning step, where the campaign allows an offer (and "continue" while Stripe retries): the model
    // insists on a winback; with a key the rules would have offered one too (loyal, high value). Day 0 is silent.
    const ctx = failure(customer, {}, { retryScheduled: true });
    await runBatch([eventMessage(ctx)], withModel(scope));
    await ageCampaign(ctx.invoiceId ?? "", 5 * 86400_000);
    await fake.scriptGemini([{ body: geminiFunctionCall("offer_winback_discount", { percent_off: 20, valid_days: 14 }) }]);
    expect(await runStep(withModel(scope), ctx.invoiceId ?? "", "final_warning")).toEqual({ action: "ack" });
    const asked = (await fake.requests("gemini"))[0]?.body as { toolConfig: { functionCallingConfig: { allowedFunctionNames: string[] } } };
    expect(asked.toolConfig.functionCallingConfig.allowedFunctionNames).not.toContain("offer_winback_discount");
    expect(asked.toolConfig.functionCallingConfig.allowedFunctionNames).not.toContain("request_stripe_smart_retry");
    const ds = await stepDecisions(ctx.invoiceId ?? "", "final_warning");
    expect(ds.at(-1)).toMatchObject({ decided_by: "fallback", tool: "send_email", template_id: "final_warning", outcome: "executed" });
    expect(ds.some((d) => String(d.detail ?? "").includes("no Stripe key"))).toBe(false);
  });

  it("a redelivered event posts no second escalation, and a later escalation of the same case goes into the first one's thread", async () => {
    const customer = `cus_${uid()}`;
    const slackScope = uid("thr");
    const e = live({ SLACK_BOT_TOKEN: `xoxb-${slackScope}`, SLACK_CHANNEL: "C0BILLING", SLACK_API_BASE: `${fakeUrl}/slack/api` });
    // A decline code never seen: escalated on day 0.
    const id = uid();
    const first = { ...contextOf(invoiceEvent({ eventId: `evt_${id}`, customerId: customer, invoiceId: `in_${id}`, amount: 4900, currency: "usd" })), failureReason: "unknown" as const, declineCode: "brand_new_issuer_code" };
    await runBatch([eventMessage(first)], e);
    await runBatch([eventMessage(first, { resume: true })], e);
    // Stripe's later attempts of the case no longer decide anything; a later escalation of the case: its
    // PaymentIntent's event says suspected fraud, and the day-0 step is taken again on the real reason.
    const pi = contextOf(paymentIntentEvent({ eventId: `evt_pi_${id}`, customerId: customer, paymentIntentId: `pi_${id}`, declineCode: "fraudulent", amount: 4900, currency: "usd" }));
    expect(pi.failureReason).toBe("fraud_suspected");
    await runBatch([eventMessage(pi)], e);
    expect(await decisionsOf(pi.eventId)).toMatchObject([{ case_id: `in_${id}`, tool: "escalate_to_human", outcome: "executed" }]);
    const posts = (await fakeClient(fakeUrl, slackScope).requests("slack")).filter((r) => r.path.endsWith("chat.postMessage"));
    expect(posts).toHaveLength(2);
    const [a, b] = posts.map((p) => p.body as { thread_ts?: string; blocks?: unknown[] });
    expect(a?.thread_ts).toBeUndefined();
    expect(typeof b?.thread_ts).toBe("string");
    // Fraud: no winback button on the fraud escalation.
    expect(JSON.stringify(b?.blocks)).not.toContain("send_winback_offer");
  });
});

describe("model answers x labels, end to end (property)", () => {
  // Hundreds of decisions log thousands of JSON lines; kept out of the test runner's buffer (the pool's message
  // to the runner has a size limit). Assertions, not logs, are what this property checks.
  const quiet: Array<{ mockRestore(): void }> = [];
  beforeAll(() => {
    quiet.push(vi.spyOn(console, "log").mockImplementation(() => undefined), vi.spyOn(console, "warn").mockImplementation(() => undefined));
  });
  afterAll(() => {
    for (const q of quiet.splice(0)) q.mockRestore();
  });
  const answers: GeminiScriptEntry[] = [
    { body: geminiFunctionCall("send_email", { template_id: "soft_payment_reminder" }) },
    { body: geminiFunctionCall("send_email", { template_id: "card_update_request", variables: { tone: "firm" } }) },
    { body: geminiFunctionCall("offer_winback_discount", { percent_off: 30, valid_days: 14 }) },
    { body: geminiFunctionCall("request_stripe_smart_retry", { schedule: "retry_now" }) },
    { body: geminiFunctionCall("update_customer_state", { state: "recovering", note: "n" }) },
    { body: geminiFunctionCall("escalate_to_human", { reason: "unsure" }) },
    { body: geminiFunctionCalls([{ name: "send_email", args: { template_id: "soft_payment_reminder" } }, { name: "post_slack", args: { text: "x" } }]) },
    { body: geminiText("no call") },
    { status: 500 },
    { body: { candidates: [{ content: { role: "model", parts: [] }, finishReason: "MALFORMED_FUNCTION_CALL", index: 0 }], modelVersion: "m" } },
    { body: { candidates: [{ content: { role: "model", parts: [] }, finishReason: "MAX_TOKENS", index: 0 }], modelVersion: "m" } },
    { body: { candidates: [{ content: { role: "model", parts: [] }, finishReason: "SAFETY", index: 0 }], modelVersion: "m" } },
    { body: { promptFeedback: { blockReason: "PROHIBITED_CONTENT" }, modelVersion: "m" } },
    { body: { candidates: [], modelVersion: "m" } },
  ];
  it("whatever the model answers and whatever the labels, no email reaches a labelled customer, labels survive, and every decided failure ends acted on, skipped or escalated", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: answers.length - 1 }), fc.subarray(["paused", "do_not_contact", "no_offers"] as TeamLabel[], { maxLength: 1 }), fc.constantFrom(...FAILURE_REASONS), async (i, labels, reason) => {
        const scope = uid("prop");
        const fake = fakeClient(fakeUrl, scope);
        const customer = `cus_${uid()}`;
        for (const l of labels) await putLabel(env.LEDGER, customer, { label: l, setBy: "admin", note: null }, Date.now());
        const entry = answers[i] ?? { status: 500 };
        await fake.scriptGemini([entry, entry]);
        const ctx = failure(customer, { failureReason: reason, declineCode: null });
        await runBatch([eventMessage(ctx)], withModel(scope));
        const emails = await outboxFor(customer, "email");
        if (labels.includes("paused") || labels.includes("do_not_contact")) expect(emails).toHaveLength(0);
        expect((await labelsOf(env.LEDGER, customer)).map((l) => l.label)).toEqual(labels);
        const ds = await decisionsOf(ctx.eventId);
        const last = ds.at(-1);
        expect(last).toBeDefined();
        expect(["executed", "skipped", "throttled"]).toContain(last?.outcome);
        if (last?.outcome === "executed" && ds.some((d) => d.outcome === "rejected")) expect(["fallback", "guard", "model"]).toContain(last.decided_by);
      }),
      { numRuns: 30 },
    );
  });
});

describe("executors refuse on their own (defence in depth)", () => {
  it("sendTemplateEmail refuses a labelled customer and a card request after suspected fraud; nothing is sent or claimed", async () => {
    const deps = depsOf(live());
    const dnc = `cus_${uid()}`;
    await putLabel(env.LEDGER, dnc, { label: "do_not_contact", setBy: "admin", note: null }, Date.now());
    const ctx = failure(dnc);
    await expect(sendTemplateEmail(deps, { ctx, caseId: ctx.invoiceId, decisionId: null, templateId: "soft_payment_reminder" })).rejects.toMatchObject({ name: "ExecutorRefusal", label: "do_not_contact" });
    const fraud = failure(`cus_${uid()}`, { failureReason: "fraud_suspected" });
    await expect(sendTemplateEmail(deps, { ctx: fraud, caseId: fraud.invoiceId, decisionId: null, templateId: "card_update_request" })).rejects.toMatchObject({ name: "ExecutorRefusal", label: null });
    expect(await outboxFor(dnc)).toHaveLength(0);
    expect(await outboxFor(fraud.customerId)).toHaveLength(0);
    expect(await env.LEDGER.prepare("SELECT COUNT(*) AS n FROM email_throttle WHERE customer_id IN (?1, ?2)").bind(dnc, fraud.customerId).first<{ n: number }>()).toMatchObject({ n: 0 });
  });

  it("the Stripe executors refuse: no coupon for no_offers, no retry while paused", async () => {
    const scope = uid("exe");
    const deps = depsOf(live({ STRIPE_SECRET_KEY: `sk_test_${scope}`, STRIPE_API_BASE: fakeUrl }));
    const stripe = deps.stripe;
    if (stripe === null) throw new Error("stripe client expected");
    const customer = `cus_${uid()}`;
    await putLabel(env.LEDGER, customer, { label: "no_offers", setBy: "unsubscribe", note: null }, Date.now());
    const ctx = failure(customer);
    await expect(createWinbackCodes(deps, stripe, ctx, { caseId: null, decisionId: null, percentOff: 20, validDays: 14, keyBase: "k" })).rejects.toMatchObject({ name: "ExecutorRefusal", label: "no_offers" });
    await putLabel(env.LEDGER, customer, { label: "paused", setBy: "admin", note: null }, Date.now());
    await expect(retryPaymentIntent(deps, stripe, { paymentIntentId: "pi_x", customerId: customer, eventId: ctx.eventId, caseId: "pi_x", decisionId: null, idempotencyKey: "k2" })).rejects.toMatchObject({ label: "paused" });
    await expect(requestInvoiceRetry(deps, stripe, ctx, { invoiceId: ctx.invoiceId ?? "", caseId: null, decisionId: null, schedule: "retry_now", keyBase: "k3" })).rejects.toMatchObject({ label: "paused" });
    expect((await fakeClient(fakeUrl, scope).requests("stripe")).filter((r) => r.method === "POST")).toHaveLength(0);
  });
});

describe("a merchant-side failure (merchant_account_issue)", () => {
  it("is escalated to a person and never emails the customer, whoever proposes", async () => {
    const customer = `cus_${uid()}`;
    const ctx = failure(customer, { failureReason: "merchant_account_issue", declineCode: "invalid_business_account" });
    await runBatch([eventMessage(ctx)], live());
    expect(await outboxFor(customer, "email")).toHaveLength(0);
    expect((await decisionsOf(ctx.eventId)).at(-1)).toMatchObject({ tool: "escalate_to_human", outcome: "executed" });
    const f: GuardFacts = { ctx, actor: "human", newPaymentMethodSinceFailure: false, lastWinbackAt: null, now: NOW, labels: [], fraudHistory: false };
    for (const t of RECOVERY_TEMPLATE_IDS) {
      const r = gate({ name: "send_email", args: { template_id: t, variables: {} } }, { ...f, actor: "agent" }, config);
      expect(r.ok ? r.call.name : "refused").not.toBe("send_email");
    }
    expect(gate({ name: "offer_winback_discount", args: { percent_off: 20, valid_days: 14 } }, f, config).ok).toBe(false);
  });
});
