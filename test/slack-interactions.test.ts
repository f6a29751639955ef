/**
 * POST /slack/interactions: signature checks (nothing executed on any failure), the two escalation buttons run
 * through the guards and the dispatcher, Slack retries act once, and the original message is replaced through
 * `response_url` on the local fake.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it, inject } from "vitest";
import { escalationBlocks } from "../src/actions/slack-blocks.ts";
import { createApp } from "../src/http/app.ts";
import { slackSignature } from "../src/ingest/slack-verify.ts";
import { closeCase, getCase, type CaseRow } from "../src/ledger/cases.ts";
import type { DecisionRow } from "../src/ledger/decisions.ts";
import { fakeClient, type RecordedRequest } from "./fakes/client.ts";
import { recordOpenInvoiceCase } from "./helpers/cases.ts";
import { env, envWith, migrate, uid, type TestEnv } from "./helpers/env.ts";

const fakeUrl = inject("fakeUrl" as never) as string;
const app = createApp();
const SIGNING_SECRET = "slack-signing-secret-test";
const USER = "jane.doe";

beforeAll(migrate);

interface OpenCase {
  id: string;
  scope: string;
  row: CaseRow;
  customerId: string;
  subscriptionId: string;
}

async function openCase(): Promise<OpenCase> {
  const id = uid();
  const { ctx, row, subscriptionId } = await recordOpenInvoiceCase(id, "escalate_to_human: executed (test)");
  return { id, scope: `slackint_${id}`, row, customerId: ctx.customerId, subscriptionId };
}

let clicks = 0;
/** A `block_actions` payload as Slack sends it for a click on the escalation message. */
function click(c: OpenCase, actionId: string, options: { actionTs?: string; value?: string } = {}) {
  clicks += 1;
  const { text, blocks } = escalationBlocks({
    caseId: c.row.id,
    customerId: c.customerId,
    customerName: "Olivia Bennett",
    livemode: false,
    planTier: "pro",
    isAnnual: false,
    amount: 4900,
    currency: "usd",
    reason: "insufficient_funds",
    declineCode: "insufficient_funds",
    attempt: 1,
    lifetimeValue: null,
    why: "test escalation",
    alreadyDone: [],
  });
  return {
    type: "block_actions",
    user: { id: "U0TEST", username: USER, name: USER, team_id: "T0TEST" },
    api_app_id: "A0TEST",
    token: "legacy-verification-token",
    container: { type: "message", message_ts: "1700000000.000100", channel_id: "C0RECOVERY", is_ephemeral: false },
    trigger_id: `trigger-${clicks}`,
    team: { id: "T0TEST", domain: "acme" },
    channel: { id: "C0RECOVERY", name: "billing" },
    message: { type: "message", ts: "1700000000.000100", text, blocks },
    response_url: `${fakeUrl}/slack/response/${c.scope}.1`,
    actions: [{ action_id: actionId, block_id: `case:${c.row.id}`, value: options.value ?? c.row.id, type: "button", action_ts: options.actionTs ?? `1700000100.${String(clicks).padStart(6, "0")}` }],
  };
}

async function slackRequest(payload: unknown, options: { secret?: string; timestamp?: number; headers?: Record<string, string>; omit?: Array<"timestamp" | "signature"> } = {}): Promise<Request> {
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const ts = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", ...(options.headers ?? {}) };
  if (!options.omit?.includes("timestamp")) headers["x-slack-request-timestamp"] = ts;
  if (!options.omit?.includes("signature")) headers["x-slack-signature"] = await slackSignature(options.secret ?? SIGNING_SECRET, ts, body);
  return new Request("http://recovery.test/slack/interactions", { method: "POST", headers, body });
}

const slackEnv = (overrides: Record<string, unknown> = {}): TestEnv => envWith({ SLACK_SIGNING_SECRET: SIGNING_SECRET, ...overrides });

async function decisionsForCase(caseId: string): Promise<DecisionRow[]> {
  return (await env.LEDGER.prepare(`SELECT * FROM decisions WHERE case_id = ?1 ORDER BY id`).bind(caseId).all<DecisionRow>()).results;
}

async function slackActionsForCase(caseId: string): Promise<Array<{ id: string; result: string | null }>> {
  return (await env.LEDGER.prepare(`SELECT id, result FROM slack_actions WHERE case_id = ?1`).bind(caseId).all<{ id: string; result: string | null }>()).results;
}

async function responses(scope: string): Promise<RecordedRequest[]> {
  return (await fakeClient(fakeUrl, scope).requests("slack")).filter((r) => r.path.startsWith("/slack/response/"));
}

type ResponseBody = { replace_original?: boolean; text?: string; blocks?: Array<{ type: string; elements?: Array<{ text?: string; action_id?: string }> }> };
const lastLine = (body: ResponseBody) => body.blocks?.at(-1)?.elements?.[0]?.text ?? "";

describe("POST /slack/interactions: verification", () => {
  const rejections: Array<[string, (c: OpenCase) => Promise<Request>, Record<string, unknown>]> = [
    ["a bad signature", async (c) => slackRequest(click(c, "mark_as_lost"), { secret: "someone-else" }), {}],
    ["a stale timestamp (6 minutes old)", async (c) => slackRequest(click(c, "mark_as_lost"), { timestamp: Math.floor(Date.now() / 1000) - 360 }), {}],
    ["a timestamp 6 minutes in the future", async (c) => slackRequest(click(c, "mark_as_lost"), { timestamp: Math.floor(Date.now() / 1000) + 360 }), {}],
    ["missing signature header", async (c) => slackRequest(click(c, "mark_as_lost"), { omit: ["signature"] }), {}],
    ["missing timestamp header", async (c) => slackRequest(click(c, "mark_as_lost"), { omit: ["timestamp"] }), {}],
    ["no signing secret configured", async (c) => slackRequest(click(c, "mark_as_lost")), { SLACK_SIGNING_SECRET: "" }],
    [
      "a tampered body",
      async (c) => {
        // Signed for one click, delivered with another.
        const signed = await slackRequest(click(c, "mark_as_lost"));
        const body = `payload=${encodeURIComponent(JSON.stringify(click(c, "send_winback_offer")))}`;
        return new Request(signed.url, { method: "POST", headers: signed.headers, body });
      },
      {},
    ],
  ];

  for (const [name, build, overrides] of rejections) {
    it(`rejects ${name} with 401 and executes nothing`, async () => {
      const c = await openCase();
      const res = await app.fetch(await build(c), slackEnv(overrides));
      expect(res.status).toBe(401);
      expect(await res.text()).toBe("Unauthorized");
      expect((await getCase(env.LEDGER, c.row.id))?.status).toBe("open");
      expect(await decisionsForCase(c.row.id)).toHaveLength(0);
      expect(await slackActionsForCase(c.row.id)).toHaveLength(0);
      expect(await responses(c.scope)).toHaveLength(0);
    });
  }

  it("rejects an oversize body with 413 before verifying it", async () => {
    const req = new Request("http://recovery.test/slack/interactions", { method: "POST", headers: { "content-length": String(200 * 1024) }, body: "payload=x" });
    const res = await app.fetch(req, slackEnv());
    expect(res.status).toBe(413);
  });

  it("answers an unknown action with 200 and an ephemeral explanation, doing nothing", async () => {
    const c = await openCase();
    const res = await app.fetch(await slackRequest(click(c, "reticulate_splines")), slackEnv());
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ response_type: "ephemeral", replace_original: false, text: expect.stringContaining('does not know the action "reticulate_splines"') });
    expect(await decisionsForCase(c.row.id)).toHaveLength(0);
    expect((await getCase(env.LEDGER, c.row.id))?.status).toBe("open");
  });
});

describe("POST /slack/interactions: mark_as_lost", () => {
  it("closes the case as lost, records a human decision and the customer state, and updates the message", async () => {
    const c = await openCase();
    const res = await app.fetch(await slackRequest(click(c, "mark_as_lost")), slackEnv());
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");

    const row = await getCase(env.LEDGER, c.row.id);
    expect(row).toMatchObject({ status: "lost", close_reason: `marked as lost in Slack by ${USER}` });
    const decisions = await decisionsForCase(c.row.id);
    expect(decisions).toHaveLength(1);
    // A person's click is a proposal like any other: it passed the gate and the dispatcher as mark_case_lost.
    expect(decisions[0]).toMatchObject({ decided_by: "human", tool: "mark_case_lost", outcome: "executed", customer_id: c.customerId });
    expect(JSON.parse(decisions[0]?.args ?? "{}")).toMatchObject({ note: `marked as lost in Slack by ${USER}` });
    const customer = await env.LEDGER.prepare(`SELECT state_label FROM customers WHERE id = ?1`).bind(c.customerId).first<{ state_label: string }>();
    expect(customer?.state_label).toBe("lost");
    expect(JSON.parse((await env.BILLING_KV.get(`cust:${c.customerId}`)) ?? "{}")).toMatchObject({ state: "lost", caseId: c.row.id });

    const posted = await responses(c.scope);
    expect(posted).toHaveLength(1);
    expect(posted[0]?.path).toBe(`/slack/response/${c.scope}.1`);
    const body = posted[0]?.body as ResponseBody;
    expect(body.replace_original).toBe(true);
    expect(body.text).toContain(`Marked as lost by @${USER}`);
    expect(lastLine(body)).toBe(`Marked as lost by @${USER}`);
    expect(body.blocks?.some((b) => b.type === "actions")).toBe(false);
    expect(body.blocks?.[0]?.type).toBe("header");
    expect((await slackActionsForCase(c.row.id))[0]?.result).toMatch(/^executed/);
  });

  it("the same interaction delivered twice (a Slack retry) executes once", async () => {
    const c = await openCase();
    const payload = click(c, "mark_as_lost");
    const e = slackEnv();
    const first = await app.fetch(await slackRequest(payload), e);
    const retry = await app.fetch(await slackRequest(payload, { headers: { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" } }), e);
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(await decisionsForCase(c.row.id)).toHaveLength(1);
    expect(await slackActionsForCase(c.row.id)).toHaveLength(1);
    const posted = await responses(c.scope);
    expect(posted).toHaveLength(1);
    expect((posted[0]?.body as ResponseBody).text).toContain(`Marked as lost by @${USER}`);
  });

  it("a click on an already-closed case answers 200 and says so in the message, doing nothing", async () => {
    const c = await openCase();
    await closeCase(env.LEDGER, { caseId: c.row.id, customerId: c.customerId, kind: "invoice", status: "recovered", reason: "invoice paid (test)", eventId: `evt_paid_${c.id}` }, Date.now());
    const res = await app.fetch(await slackRequest(click(c, "mark_as_lost")), slackEnv());
    expect(res.status).toBe(200);
    expect((await getCase(env.LEDGER, c.row.id))?.status).toBe("recovered");
    expect(await decisionsForCase(c.row.id)).toHaveLength(0);
    const body = (await responses(c.scope))[0]?.body as ResponseBody;
    expect(lastLine(body)).toContain(`Case ${c.row.id} is already recovered; nothing done`);
    expect(body.blocks?.some((b) => b.type === "actions")).toBe(false);
  });

  it("a click on an unknown case answers 200 and says so", async () => {
    const c = await openCase();
    const res = await app.fetch(await slackRequest(click(c, "mark_as_lost", { value: `in_unknown_${c.id}` })), slackEnv());
    expect(res.status).toBe(200);
    const body = (await responses(c.scope))[0]?.body as ResponseBody;
    expect(lastLine(body)).toContain(`Case in_unknown_${c.id} is unknown; nothing done`);
  });

  it("with an execution context, answers at once and finishes the work in waitUntil", async () => {
    const c = await openCase();
    const ctx = createExecutionContext();
    const res = await app.fetch(await slackRequest(click(c, "mark_as_lost")), slackEnv(), ctx);
    expect(res.status).toBe(200);
    await waitOnExecutionContext(ctx);
    expect((await getCase(env.LEDGER, c.row.id))?.status).toBe("lost");
    expect((await responses(c.scope)).map((r) => (r.body as ResponseBody).text)).toEqual([expect.stringContaining(`Marked as lost by @${USER}`)]);
  });
});

describe("POST /slack/interactions: send_winback_offer", () => {
  /** Stripe on the fake under this case's scope, live through DEFAULT_MODE (the shared KV mode key is not touched). */
  async function liveStripe(c: OpenCase): Promise<TestEnv> {
    const fake = fakeClient(fakeUrl, c.scope);
    await fake.putStripe("customers", c.customerId, { id: c.customerId, object: "customer", email: `${c.customerId}@example.com`, name: "Olivia Bennett", preferred_locales: ["en"], metadata: {} });
    await fake.putStripe("invoices", c.row.id, { id: c.row.id, object: "invoice", customer: c.customerId, status: "open", amount_due: 4900, currency: "usd", metadata: {} });
    await fake.putStripe("subscriptions", c.subscriptionId, {
      id: c.subscriptionId,
      object: "subscription",
      customer: c.customerId,
      status: "past_due",
      trial_end: null,
      metadata: {},
      items: { object: "list", data: [{ id: `si_${c.id}`, object: "subscription_item", price: { id: `price_${c.id}`, lookup_key: "pro_monthly", product: `prod_${c.id}`, recurring: { interval: "month" } } }] },
    });
    return slackEnv({ STRIPE_SECRET_KEY: `sk_test_${c.scope}`, STRIPE_API_BASE: fakeUrl, DEFAULT_MODE: "live" });
  }

  const posts = (recs: RecordedRequest[], path: string) => recs.filter((r) => r.method === "POST" && r.path === path);

  it("creates one coupon and one promotion code with idempotency keys, emails the code, and refuses a second winback within 90 days", async () => {
    const c = await openCase();
    const e = await liveStripe(c);
    const fake = fakeClient(fakeUrl, c.scope);

    const res = await app.fetch(await slackRequest(click(c, "send_winback_offer")), e);
    expect(res.status).toBe(200);

    const stripe = await fake.requests("stripe");
    const coupons = posts(stripe, "/v1/coupons");
    const promos = posts(stripe, "/v1/promotion_codes");
    expect(coupons).toHaveLength(1);
    expect(promos).toHaveLength(1);
    expect(coupons[0]?.headers["idempotency-key"]).toBe(`slack:${c.row.id}:winback:coupons.create`);
    expect(promos[0]?.headers["idempotency-key"]).toBe(`slack:${c.row.id}:winback:promotion_codes.create`);
    expect(coupons[0]?.body).toMatchObject({ percent_off: "20", duration: "once", max_redemptions: "1" });
    expect(promos[0]?.body).toMatchObject({ customer: c.customerId, promotion: { type: "coupon" } });
    const code = (promos[0]?.body as { code: string }).code;
    expect(code).toMatch(/^COMEBACK20-/);

    const emails = (
      await env.LEDGER.prepare(`SELECT template_id, recipient, text FROM outbox WHERE customer_id = ?1 AND kind = 'email'`).bind(c.customerId).all<{ template_id: string; recipient: string; text: string }>()
    ).results;
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ template_id: "winback_offer", recipient: `${c.customerId}@example.com` });
    expect(emails[0]?.text).toContain(code);

    const decisions = await decisionsForCase(c.row.id);
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({ decided_by: "human", tool: "offer_winback_discount", template_id: "winback_offer", outcome: "executed", mode: "live" });
    expect(decisions[0]?.reason).toContain(`@${USER}`);

    const first = (await responses(c.scope))[0]?.body as ResponseBody;
    expect(lastLine(first)).toBe(`✅ Winback 20% sent by @${USER}`);
    // The winback button is gone; "Mark as lost" stays for later.
    const actions = first.blocks?.find((b) => b.type === "actions");
    expect(actions?.elements?.map((el) => el.action_id)).toEqual(["mark_as_lost"]);

    // A second click (a new interaction, not a retry) within 90 days is refused by the guard, with the reason.
    const again = await app.fetch(await slackRequest(click(c, "send_winback_offer")), e);
    expect(again.status).toBe(200);
    const second = (await responses(c.scope))[1]?.body as ResponseBody;
    expect(lastLine(second)).toContain("Winback not sent: a winback was already offered within 90 days");
    expect(posts(await fake.requests("stripe"), "/v1/coupons")).toHaveLength(1);
    const after = await decisionsForCase(c.row.id);
    expect(after).toHaveLength(2);
    expect(after[1]).toMatchObject({ decided_by: "human", outcome: "rejected", validation: "rejected: a winback was already offered within 90 days" });
    expect((await getCase(env.LEDGER, c.row.id))?.status).toBe("open");
  });

  it("a Slack retry of the winback click sends nothing twice", async () => {
    const c = await openCase();
    const e = await liveStripe(c);
    const payload = click(c, "send_winback_offer");
    await app.fetch(await slackRequest(payload), e);
    await app.fetch(await slackRequest(payload, { headers: { "x-slack-retry-num": "1" } }), e);
    const stripe = await fakeClient(fakeUrl, c.scope).requests("stripe");
    expect(posts(stripe, "/v1/coupons")).toHaveLength(1);
    expect(await decisionsForCase(c.row.id)).toHaveLength(1);
    expect(await responses(c.scope)).toHaveLength(1);
  });

  it("enforces the configured percent cap: a cap below 20% clamps the offer to the cap", async () => {
    const c = await openCase();
    const e = { ...(await liveStripe(c)), WINBACK_MAX_PERCENT: "15" };
    await app.fetch(await slackRequest(click(c, "send_winback_offer")), e);
    const coupons = posts(await fakeClient(fakeUrl, c.scope).requests("stripe"), "/v1/coupons");
    expect(coupons).toHaveLength(1);
    expect(coupons[0]?.body).toMatchObject({ percent_off: "15" });
    expect(lastLine((await responses(c.scope))[0]?.body as ResponseBody)).toBe(`✅ Winback 15% sent by @${USER}`);
  });

  it("in dry_run mode sends nothing to Stripe and says what would happen", async () => {
    const c = await openCase();
    const e = { ...(await liveStripe(c)), DEFAULT_MODE: "dry_run" };
    await app.fetch(await slackRequest(click(c, "send_winback_offer")), e);
    expect(posts(await fakeClient(fakeUrl, c.scope).requests("stripe"), "/v1/coupons")).toHaveLength(0);
    expect(lastLine((await responses(c.scope))[0]?.body as ResponseBody)).toContain("Dry run");
    expect((await decisionsForCase(c.row.id))[0]).toMatchObject({ decided_by: "human", outcome: "dry_run" });
  });
});

describe("POST /slack/interactions: the one gate for people", () => {
  it("a crafted winback click on a suspected-fraud case is refused, and the message says why", async () => {
    const c = await openCase();
    await env.LEDGER.prepare(`UPDATE cases SET reason = 'fraud_suspected', decline_code = 'fraudulent' WHERE id = ?1`).bind(c.row.id).run();
    const ctx = createExecutionContext();
    const res = await app.fetch(await slackRequest(click(c, "send_winback_offer")), slackEnv({ DEFAULT_MODE: "live" }), ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    const line = lastLine((await responses(c.scope))[0]?.body as ResponseBody);
    expect(line).toContain("Winback not sent");
    expect(line).toMatch(/suspected fraud/);
    const decisions = await decisionsForCase(c.row.id);
    expect(decisions).toMatchObject([{ decided_by: "human", tool: "offer_winback_discount", outcome: "rejected" }]);
    expect(await env.LEDGER.prepare(`SELECT COUNT(*) AS n FROM winbacks WHERE customer_id = ?1`).bind(c.customerId).first<{ n: number }>()).toMatchObject({ n: 0 });
  });

  it("a fraud escalation carries no winback button; another escalation does", () => {
    const base = { caseId: "in_1", customerId: "cus_1", customerName: null, livemode: false, planTier: null, isAnnual: null, amount: 100, currency: "usd", reason: "fraud_suspected", declineCode: "fraudulent", attempt: 1, lifetimeValue: null, why: "x", alreadyDone: [] };
    const ids = (blocks: unknown[]) => JSON.stringify(blocks).match(/"action_id":"[a-z_]+"/g) ?? [];
    expect(ids(escalationBlocks({ ...base, offerWinback: false }).blocks)).toEqual(['"action_id":"mark_as_lost"']);
    expect(ids(escalationBlocks({ ...base, reason: "insufficient_funds", offerWinback: true }).blocks)).toEqual(['"action_id":"send_winback_offer"', '"action_id":"mark_as_lost"']);
  });

  it("SLACK_ALLOWED_USERS: a click by anyone else is refused, shown as refused, and changes nothing", async () => {
    const c = await openCase();
    const ctx = createExecutionContext();
    const res = await app.fetch(await slackRequest(click(c, "mark_as_lost")), slackEnv({ SLACK_ALLOWED_USERS: "U0BILLING, U0FOUNDER" }), ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    expect((await getCase(env.LEDGER, c.row.id))?.status).toBe("open");
    expect(await decisionsForCase(c.row.id)).toHaveLength(0);
    const body = (await responses(c.scope))[0]?.body as ResponseBody;
    expect(lastLine(body)).toContain("may not act on recovery cases");
    // The buttons stay for someone who may act.
    expect(JSON.stringify(body.blocks)).toContain("mark_as_lost");
    // An allowed user's click acts.
    const ctx2 = createExecutionContext();
    await app.fetch(await slackRequest(click(c, "mark_as_lost")), slackEnv({ SLACK_ALLOWED_USERS: "U0TEST" }), ctx2);
    await waitOnExecutionContext(ctx2);
    expect((await getCase(env.LEDGER, c.row.id))?.status).toBe("lost");
  });
});
