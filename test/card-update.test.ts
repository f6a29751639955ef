/**
 * /r/update/:token: every link we sign lands on a page (never a 404, never a redirect on GET); the GET opens
 * nothing (link scanners), the button's POST is counted and opens the Stripe page (billing portal, or a Checkout
 * setup session for a one-off PaymentIntent, whose completion pays the PaymentIntent once); settled cases say
 * "nothing to do"; expired links show the hosted invoice on an open case and a 410 otherwise; at most 5 Stripe
 * sessions per token per hour. A token we cannot trust gets a 400 page.
 */
import type Stripe from "stripe";
import { beforeAll, describe, expect, it, inject } from "vitest";
import { depsOf } from "../src/deps.ts";
import { sha256Hex } from "../src/ledger/api-keys.ts";
import { createApp } from "../src/http/app.ts";
import { normalizeEvent } from "../src/ingest/normalize.ts";
import { closeCase, recordFailure, type CaseRow, type ClosedStatus } from "../src/ledger/cases.ts";
import { linkPayload, updateLinkUrl } from "../src/links/update-link.ts";
import { signUpdateToken, type UpdateTokenPayload } from "../src/links/update-token.ts";
import { fakeClient } from "./fakes/client.ts";
import { recordOpenInvoiceCase } from "./helpers/cases.ts";
import { contextOf, decisionsOf, eventMessage, outboxFor, runBatch } from "./helpers/consumer.ts";
import { deliver } from "./helpers/deliver.ts";
import { env, envWith, migrate, uid, type TestEnv } from "./helpers/env.ts";
import { invoiceEvent, paymentIntentEvent } from "./helpers/stripe-events.ts";

const fakeUrl = inject("fakeUrl" as never) as string;
const app = createApp();
/** The LINK_SIGNING_SECRET binding of vitest.config.ts. */
const LINK_SECRET = "test-link-secret";
const DAY = 86400_000;

beforeAll(migrate);

interface Setup {
  id: string;
  scope: string;
  row: CaseRow;
  customerId: string;
  hostedUrl: string | null;
  env: TestEnv;
}

async function stripeEnv(scope: string, customerId: string, over: Record<string, unknown> = {}): Promise<TestEnv> {
  await fakeClient(fakeUrl, scope).putStripe("customers", customerId, { id: customerId, object: "customer", email: `${customerId}@example.com`, name: "Grace", metadata: {}, invoice_settings: { default_payment_method: null } });
  return envWith({ STRIPE_SECRET_KEY: `sk_test_${scope}`, STRIPE_API_BASE: fakeUrl, ...over });
}

async function invoiceCase(): Promise<Setup> {
  const id = uid();
  const scope = `cardupd_${id}`;
  const { ctx, row, hostedUrl } = await recordOpenInvoiceCase(id, "card_update_request sent (test)");
  return { id, scope, row, customerId: ctx.customerId, hostedUrl, env: await stripeEnv(scope, ctx.customerId) };
}

/** A one-off PaymentIntent case ($250, no subscription, no hosted invoice page). */
async function oneOffCase(): Promise<Setup> {
  const id = uid();
  const scope = `cardupd_${id}`;
  const customerId = `cus_${id}`;
  const n = normalizeEvent(paymentIntentEvent({ eventId: `evt_${id}`, customerId, paymentIntentId: `pi_${id}`, amount: 25000, currency: "usd", declineCode: "expired_card" }) as unknown as Stripe.Event);
  if (!n.ok) throw new Error(n.reason);
  const row = await recordFailure(env.LEDGER, n.context, Date.now());
  return { id, scope, row, customerId, hostedUrl: null, env: await stripeEnv(scope, customerId) };
}

const tokenFor = (s: Setup, over: Partial<UpdateTokenPayload> = {}, secret = LINK_SECRET) =>
  signUpdateToken(secret, { c: s.customerId, k: s.row.id, e: Date.now() + 3600_000, f: "case", m: "card_update_request", ...over });

const get = (token: string, e: TestEnv) => app.fetch(new Request(`http://recovery.test/r/update/${token}`), e);
const press = (token: string, e: TestEnv) => app.fetch(new Request(`http://recovery.test/r/update/${token}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "" }), e);

const stripeCalls = async (scope: string, path: string) => (await fakeClient(fakeUrl, scope).requests("stripe")).filter((r) => r.path === path);
const clicksOf = async (customerId: string) =>
  (await env.LEDGER.prepare(`SELECT case_id, customer_id, template, kind FROM link_clicks WHERE customer_id = ?1 ORDER BY id`).bind(customerId).all<Record<string, unknown>>()).results;

describe("GET /r/update/:token: a landing page that opens nothing", () => {
  it("an open invoice case: the amount, what to do and one button; no Stripe session, no click (a link scanner)", async () => {
    const s = await invoiceCase();
    const res = await get(await tokenFor(s), s.env);
    expect(res.status).toBe(200);
    expect(res.headers.get("location")).toBeNull();
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await res.text();
    expect(html).toContain("$49.00");
    expect(html).toContain("Update payment method");
    expect(html).toMatch(/<form method="post" action="\/r\/update\/[^"]+"><button/);
    expect(await stripeCalls(s.scope, "/v1/billing_portal/sessions")).toHaveLength(0);
    expect(await clicksOf(s.customerId)).toEqual([]);
  });

  it("answers 200 for every case state and link kind, with a button only while there is something to do", async () => {
    const states: Array<"open" | ClosedStatus> = ["open", "recovered", "lost", "voided", "uncollectible", "canceled"];
    for (const make of [invoiceCase, oneOffCase]) {
      for (const status of states) {
        const s = await make();
        if (status !== "open") await closeCase(env.LEDGER, { caseId: s.row.id, customerId: s.customerId, kind: s.row.kind, status, reason: "test", eventId: `evt_close_${s.id}` }, Date.now());
        const res = await get(await tokenFor(s), s.env);
        const html = await res.text();
        expect(res.status, `${s.row.kind} ${status}`).toBe(200);
        expect(html.includes("<button"), `${s.row.kind} ${status}`).toBe(status === "open");
        if (status !== "open") expect(html).toContain("Nothing to do, thank you");
      }
    }
    // A trial link (no case), the customer's card on file, and a case the ledger does not know.
    const s = await invoiceCase();
    for (const over of [{ f: "trial", k: `sub_${s.id}`, m: "trial_ending" }, { f: "customer", k: s.customerId }, { k: `in_unknown_${s.id}` }, { f: undefined, m: undefined }] as const) {
      const res = await get(await tokenFor(s, over), s.env);
      expect(res.status, JSON.stringify(over)).toBe(200);
      expect(await res.text()).toContain("<button");
    }
  });

  it("an expired link: the open case's page with the hosted invoice link (no button); a settled case or a trial answers 410; never a redirect", async () => {
    const s = await invoiceCase();
    const expired = { e: Date.now() - 1000 };
    const open = await get(await tokenFor(s, expired), s.env);
    expect(open.status).toBe(200);
    expect(open.headers.get("location")).toBeNull();
    const html = await open.text();
    expect(html).toContain(`href="${s.hostedUrl}"`);
    expect(html).not.toContain("<button");

    const oneOff = await oneOffCase();
    const noInvoicePage = await get(await tokenFor(oneOff, expired), oneOff.env);
    expect(noInvoicePage.status).toBe(200);
    expect(await noInvoicePage.text()).toContain("Reply to our most recent email");

    await closeCase(env.LEDGER, { caseId: s.row.id, customerId: s.customerId, kind: "invoice", status: "recovered", reason: "paid", eventId: `evt_paid_${s.id}` }, Date.now());
    for (const over of [expired, { ...expired, f: "trial", k: `sub_${s.id}` }] as const) {
      const gone = await get(await tokenFor(s, over), s.env);
      expect(gone.status).toBe(410);
      expect(gone.headers.get("location")).toBeNull();
      expect(await gone.text()).not.toContain("<button");
    }
    // Pressing a stale page's button on an expired link opens nothing either.
    expect((await press(await tokenFor(s, expired), s.env)).status).toBe(410);
    expect(await stripeCalls(s.scope, "/v1/billing_portal/sessions")).toHaveLength(0);
  });

  it("a tampered or foreign token answers 400 with a page and opens nothing", async () => {
    const s = await invoiceCase();
    const token = await tokenFor(s);
    const [body, sig] = token.split(".");
    const forgedBody = btoa(JSON.stringify({ c: s.customerId, k: s.row.id, e: Date.now() + 10 * DAY })).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const otherCustomer = await tokenFor(s, { c: "cus_someone_else" });
    for (const bad of [`${forgedBody}.${sig}`, `${body}.${(sig ?? "").slice(0, -2)}AA`, await tokenFor(s, {}, "not-our-secret"), "garbage", `${body}.${sig}.extra`, otherCustomer]) {
      for (const res of [await get(bad, s.env), await press(bad, s.env)]) {
        expect(res.status).toBe(400);
        expect(res.headers.get("location")).toBeNull();
        expect(await res.text()).toContain("This link is not valid");
      }
    }
    expect(await stripeCalls(s.scope, "/v1/billing_portal/sessions")).toHaveLength(0);
    expect(await clicksOf(s.customerId)).toEqual([]);
  });
});

describe("POST /r/update/:token: a person's press", () => {
  it("is recorded and opens a billing-portal session on the payment-method-update flow, with an idempotency key", async () => {
    const s = await invoiceCase();
    const res = await press(await tokenFor(s), s.env);
    expect(res.status).toBe(303);
    const location = res.headers.get("location") ?? "";
    expect(location.startsWith(`${fakeUrl}/portal/bps_`)).toBe(true);
    const recs = await stripeCalls(s.scope, "/v1/billing_portal/sessions");
    expect(recs).toHaveLength(1);
    expect(recs[0]?.headers["idempotency-key"]).toMatch(/^link:[0-9a-f]{32}:\d+$/);
    expect(recs[0]?.body).toMatchObject({
      customer: s.customerId,
      return_url: "http://recovery.test/r/updated?l=en",
      flow_data: { type: "payment_method_update", after_completion: { type: "redirect", redirect: { return_url: "http://recovery.test/r/updated?l=en" } } },
    });
    expect((await fetch(location)).status).toBe(200);
    expect(await clicksOf(s.customerId)).toEqual([{ case_id: s.row.id, customer_id: s.customerId, template: "card_update_request", kind: "update" }]);
  });

  it("opens at most 5 Stripe sessions per token per hour; then the page asks to try later", async () => {
    const s = await invoiceCase();
    const token = await tokenFor(s);
    for (let i = 0; i < 5; i++) expect((await press(token, s.env)).status).toBe(303);
    const sixth = await press(token, s.env);
    expect(sixth.status).toBe(429);
    expect(await sixth.text()).toContain("try again in an hour");
    expect(await stripeCalls(s.scope, "/v1/billing_portal/sessions")).toHaveLength(5);
    // An hour later (the sessions moved back in time) the same link opens Stripe again.
    await env.LEDGER.prepare(`UPDATE link_sessions SET at = at - 3600000 WHERE token_key = ?1`).bind(await sha256Hex(token)).run();
    expect((await press(token, s.env)).status).toBe(303);
    expect(await stripeCalls(s.scope, "/v1/billing_portal/sessions")).toHaveLength(6);
    // Another link (another email) of the same case has its own allowance; every press was counted.
    expect((await press(await tokenFor(s, { m: "final_warning" }), s.env)).status).toBe(303);
    expect(await clicksOf(s.customerId)).toHaveLength(8);
  });

  it("without a Stripe key: the hosted invoice page, or a page saying what to do", async () => {
    const s = await invoiceCase();
    const noKey = envWith({ STRIPE_SECRET_KEY: "" });
    const res = await press(await tokenFor(s), noKey);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(s.hostedUrl);
    const o = await oneOffCase();
    const page = await press(await tokenFor(o), noKey);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("reply to our most recent email");
  });

  it("a portal error (500 on every SDK retry) lands on the hosted invoice page", async () => {
    const s = await invoiceCase();
    await fakeClient(fakeUrl, s.scope).fail({ provider: "stripe", status: 500, count: 3, path: "/v1/billing_portal/sessions" });
    const res = await press(await tokenFor(s), s.env);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(s.hostedUrl);
  });

  it("portal not configured: the customer lands on the hosted invoice page, and the dashboard warns", async () => {
    const s = await invoiceCase();
    await fakeClient(fakeUrl, s.scope).putStripe("billing_portal_configurations", "none", {});
    const res = await press(await tokenFor(s), s.env);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(s.hostedUrl);
    const page = await app.fetch(new Request("http://recovery.test/admin", { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } }), s.env);
    const html = await page.text();
    expect(html).toContain('data-kind="portal_not_configured"');
  });

  it("rejects an oversized body (413) without counting a click", async () => {
    const s = await invoiceCase();
    const res = await app.fetch(new Request(`http://recovery.test/r/update/${await tokenFor(s)}`, { method: "POST", body: "x".repeat(10_000) }), s.env);
    expect(res.status).toBe(413);
    expect(await clicksOf(s.customerId)).toEqual([]);
  });
});

describe("the landing page speaks the email's language", () => {
  it("a German email's link: German words, German amount format, lang=de, and Stripe sends the customer back to a German page", async () => {
    const s = await invoiceCase();
    const token = await tokenFor(s, { l: "de-DE" });
    const res = await get(token, s.env);
    const html = await res.text();
    expect(html).toContain('<html lang="de">');
    expect(html).toContain("Zahlungsmethode aktualisieren");
    expect(html).toContain("49,00\u00a0$");
    expect(html).toContain("Ihre Kartennummer sehen wir nie");
    expect(html).not.toContain("Update payment method");
    const pressed = await press(token, s.env);
    expect(pressed.status).toBe(303);
    const [session] = await stripeCalls(s.scope, "/v1/billing_portal/sessions");
    expect(session?.body).toMatchObject({ return_url: "http://recovery.test/r/updated?l=de" });
    const back = await app.fetch(new Request("http://recovery.test/r/updated?l=de"), s.env);
    expect(await back.text()).toContain("Danke, Ihre Karte ist aktualisiert");
  });

  it("every catalog: a settled case and an expired link in the customer's language (Japanese shown)", async () => {
    const s = await invoiceCase();
    await closeCase(env.LEDGER, { caseId: s.row.id, customerId: s.customerId, kind: s.row.kind, status: "recovered", reason: "test", eventId: `evt_close_${s.id}` }, Date.now());
    const settled = await (await get(await tokenFor(s, { l: "ja-JP" }), s.env)).text();
    expect(settled).toContain('<html lang="ja">');
    expect(settled).toContain("このお支払いは完了しています。");
    for (const [l, words] of [["fr-FR", "Ce paiement est réglé."], ["es-ES", "Este pago está liquidado."], ["pt-BR", "Este pagamento está quitado."], ["en-US", "This payment is settled."]] as const) {
      expect(await (await get(await tokenFor(s, { l }), s.env)).text(), l).toContain(words);
    }
  });

  it("a link we cannot trust answers in the browser's language; an unknown or absent locale is English", async () => {
    const s = await invoiceCase();
    const forged = await app.fetch(new Request("http://recovery.test/r/update/abc.def", { headers: { "accept-language": "fr-CH, fr;q=0.9, en;q=0.8" } }), s.env);
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain("Ce lien n’est pas valide");
    const unknown = await (await get(await tokenFor(s, { l: "xx-YY" }), s.env)).text();
    expect(unknown).toContain('<html lang="en">');
    expect(unknown).toContain("Update payment method");
  });

  it("the day-0 email's link carries the email's locale", async () => {
    const id = uid();
    const ctx = { ...contextOf(invoiceEvent({ eventId: `evt_${id}`, customerId: `cus_${id}`, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}`, email: `jo.${id}@example.com`, amount: 4900, currency: "eur", nextPaymentAttempt: null })), failureReason: "card_expired" as const, declineCode: "expired_card", preferredLocales: ["de-AT"] };
    await runBatch([eventMessage(ctx)], envWith({ DEFAULT_MODE: "live", LINK_SIGNING_SECRET: LINK_SECRET }));
    const [email] = await outboxFor(ctx.customerId, "email");
    expect(String(email?.html)).toContain('lang="de"');
    const token = /\/r\/update\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(String(email?.html))?.[1];
    const res = await app.fetch(new Request(`http://recovery.test/r/update/${token}`), envWith({ LINK_SIGNING_SECRET: LINK_SECRET }));
    const html = await res.text();
    expect(html).toContain('<html lang="de">');
    expect(html).toContain("€\u00a049,00"); // Austrian German puts the euro sign first
  });
});

describe("tokens name what they are for and live the case's grace + 7 days", () => {
  it("a case link expires 7 days after the grace (grace_until when the campaign set it, else first failure + grace days)", async () => {
    const s = await invoiceCase();
    const deps = depsOf(s.env);
    const p = await linkPayload(deps, { ...(await contextFor(s)) }, s.row.id, "final_warning");
    expect(p).toMatchObject({ f: "case", k: s.row.id, m: "final_warning", e: s.row.opened_at + deps.config.graceDaysMonthly * DAY + 7 * DAY });
    const graceUntil = Date.now() + 3 * DAY;
    await env.LEDGER.prepare(`UPDATE cases SET grace_until = ?2 WHERE id = ?1`).bind(s.row.id, graceUntil).run();
    expect((await linkPayload(deps, await contextFor(s), s.row.id, "final_warning")).e).toBe(graceUntil + 7 * DAY);
  });

  it("the day-0 email's link lives the grace the campaign set in the same event, + 7 days", async () => {
    const id = uid();
    const ctx = { ...contextOf(invoiceEvent({ eventId: `evt_${id}`, customerId: `cus_${id}`, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}`, email: `jo.${id}@example.com`, amount: 4900, currency: "usd", nextPaymentAttempt: null })), failureReason: "card_expired" as const, declineCode: "expired_card", attemptCount: 2, invoiceFinalizedAt: Date.now() - 2 * DAY };
    // First seen at its 2nd attempt: the campaign counts from the invoice's finalization, so its grace end differs
    // from "first seen + grace days", the link's fallback when it reads a case the campaign has not dated yet.
    await runBatch([eventMessage(ctx)], envWith({ DEFAULT_MODE: "live", LINK_SIGNING_SECRET: LINK_SECRET }));
    const [email] = await outboxFor(ctx.customerId, "email");
    const token = /\/r\/update\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(String(email?.html))?.[1];
    expect(token).toBeDefined();
    const payload = JSON.parse(atob(String(token).split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/"))) as UpdateTokenPayload;
    const row = await env.LEDGER.prepare(`SELECT grace_until FROM cases WHERE id = ?1`).bind(`in_${id}`).first<{ grace_until: number }>();
    expect(row?.grace_until).toBeGreaterThan(Date.now());
    expect(row?.grace_until).toBeLessThan(Date.now() + 6 * DAY);
    expect(payload).toMatchObject({ f: "case", k: `in_${id}`, m: "card_update_request", e: (row?.grace_until ?? 0) + 7 * DAY });
  });

  it("a trial email's link names the trial and lands on a page with a button (it was a 404 before)", async () => {
    const s = await invoiceCase();
    const trialEnd = Date.now() + 3 * DAY;
    const url = await updateLinkUrl(depsOf(s.env), { ...(await contextFor(s)), subscriptionId: `sub_${s.id}`, trialEnd }, null, "trial_ending");
    const res = await app.fetch(new Request(url), s.env);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Add a payment method");
    const pressed = await app.fetch(new Request(url, { method: "POST" }), s.env);
    expect(pressed.status).toBe(303);
    expect(await clicksOf(s.customerId)).toEqual([{ case_id: null, customer_id: s.customerId, template: "trial_ending", kind: "update" }]);
  });
});

async function contextFor(s: Setup) {
  const row = await env.LEDGER.prepare(`SELECT context FROM events WHERE id = ?1`).bind(`evt_${s.id}`).first<{ context: string }>();
  if (row === null) throw new Error("no event");
  return JSON.parse(row.context) as Parameters<typeof linkPayload>[1];
}

describe("a one-off payment: Checkout in setup mode, then the PaymentIntent paid once with the new card", () => {
  it("email link -> landing page -> setup session -> checkout.session.completed pays once; the replayed or repeated event pays nothing twice", async () => {
    const run = uid("oo");
    const scope = `cardupd_${run}`;
    const customerId = `cus_${run}`;
    const pi = `pi_${run}`;
    const fake = fakeClient(fakeUrl, scope);
    const e = await stripeEnv(scope, customerId, { DEFAULT_MODE: "live" });
    await fake.putStripe("payment_intents", pi, { id: pi, object: "payment_intent", customer: customerId, amount: 25000, currency: "usd", status: "requires_payment_method", payment_method: `pm_old_${run}`, description: "Workshop seat" });

    // The expired card: no retry of the agent's own, the customer is asked for another card (with the link).
    await deliver(paymentIntentEvent({ eventId: `evt_${run}_1`, customerId, paymentIntentId: pi, amount: 25000, currency: "usd", declineCode: "expired_card" }), e);
    const mail = (await outboxFor(customerId, "email"))[0] as { html: string } | undefined;
    const link = /href="(http:\/\/recovery\.test\/r\/update\/[^"]+)"/.exec(mail?.html ?? "")?.[1];
    expect(link).toBeDefined();
    const landing = await app.fetch(new Request(link ?? ""), e);
    expect(landing.status).toBe(200);
    const html = await landing.text();
    expect(html).toContain("$250.00");
    expect(html).toContain("Add a card");
    expect(await stripeCalls(scope, "/v1/checkout/sessions")).toHaveLength(0);

    const pressed = await app.fetch(new Request(link ?? "", { method: "POST" }), e);
    expect(pressed.status).toBe(303);
    const sessionId = /\/checkout\/(cs_[^/?]+)/.exec(pressed.headers.get("location") ?? "")?.[1] ?? "";
    const created = await stripeCalls(scope, "/v1/checkout/sessions");
    expect(created).toHaveLength(1);
    expect(created[0]?.body).toMatchObject({ mode: "setup", customer: customerId, currency: "usd", metadata: { recovery_agent_case: pi, recovery_agent_payment_intent: pi } });
    expect(created[0]?.headers["idempotency-key"]).toMatch(/^link:/);
    expect(await clicksOf(customerId)).toEqual([{ case_id: pi, customer_id: customerId, template: "card_update_request", kind: "update" }]);

    // The customer saves a card on Stripe's page.
    const session = await fake.getStripe<{ setup_intent: string }>("checkout_sessions", sessionId);
    await fake.patchStripe("setup_intents", session?.setup_intent ?? "", { status: "succeeded", payment_method: `pm_new_${run}` });
    const completed = (id: string) => ({ id, object: "event", type: "checkout.session.completed", created: Math.floor(Date.now() / 1000), livemode: false, api_version: "2026-10-28.endive", data: { object: { ...session, status: "complete" } } });
    await deliver(completed(`evt_${run}_cs`), e);
    const confirms = () => stripeCalls(scope, `/v1/payment_intents/${pi}/confirm`);
    expect(await confirms()).toHaveLength(1);
    const first = (await confirms())[0];
    expect(first?.body).toMatchObject({ payment_method: `pm_new_${run}` });
    expect(first?.headers["idempotency-key"]).toBe(`card-saved:${pi}:pm_new_${run}:payment_intents.confirm`);
    expect((await decisionsOf(`evt_${run}_cs`)).at(-1)).toMatchObject({ decided_by: "lifecycle", tool: "retry_payment_intent", outcome: "executed" });

    // Stripe delivers the same event again (deduplicated), or a second event announces the same card: no second charge.
    await deliver(completed(`evt_${run}_cs`), e);
    await deliver(completed(`evt_${run}_cs2`), e);
    expect(await confirms()).toHaveLength(1);
    expect((await fake.getStripe<{ status: string }>("payment_intents", pi))?.status).toBe("succeeded");
  });
});
