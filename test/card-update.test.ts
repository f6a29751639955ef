/**
 * GET /r/update/:token: a valid link opens a billing-portal "update payment method" session on the fake Stripe;
 * every other outcome with a trustworthy case falls back to the hosted invoice page; an untrustworthy token
 * gets a 400 page and goes nowhere.
 */
import { beforeAll, describe, expect, it, inject } from "vitest";
import { createApp } from "../src/http/app.ts";
import type { CaseRow } from "../src/ledger/cases.ts";
import { signUpdateToken } from "../src/links/update-token.ts";
import { fakeClient } from "./fakes/client.ts";
import { recordOpenInvoiceCase } from "./helpers/cases.ts";
import { env, envWith, migrate, uid, type TestEnv } from "./helpers/env.ts";

const fakeUrl = inject("fakeUrl" as never) as string;
const app = createApp();
/** The LINK_SIGNING_SECRET binding of vitest.config.ts. */
const LINK_SECRET = "test-link-secret";

beforeAll(migrate);

interface Setup {
  id: string;
  scope: string;
  row: CaseRow;
  customerId: string;
  hostedUrl: string;
  env: TestEnv;
}

async function setup(): Promise<Setup> {
  const id = uid();
  const scope = `cardupd_${id}`;
  const { ctx, row, hostedUrl } = await recordOpenInvoiceCase(id, "card_update_request sent (test)");
  await fakeClient(fakeUrl, scope).putStripe("customers", ctx.customerId, { id: ctx.customerId, object: "customer", email: `${ctx.customerId}@example.com`, metadata: {} });
  return { id, scope, row, customerId: ctx.customerId, hostedUrl, env: envWith({ STRIPE_SECRET_KEY: `sk_test_${scope}`, STRIPE_API_BASE: fakeUrl }) };
}

const tokenFor = (s: Setup, expiresAt = Date.now() + 3600_000, secret = LINK_SECRET) => signUpdateToken(secret, { c: s.customerId, k: s.row.id, e: expiresAt });

const get = (token: string, e: TestEnv) => app.fetch(new Request(`http://recovery.test/r/update/${token}`), e);

const portalRequests = async (scope: string) => (await fakeClient(fakeUrl, scope).requests("stripe")).filter((r) => r.path === "/v1/billing_portal/sessions");

describe("GET /r/update/:token", () => {
  it("a valid token redirects (303) to a billing-portal session on the payment-method-update flow", async () => {
    const s = await setup();
    const res = await get(await tokenFor(s), s.env);
    expect(res.status).toBe(303);
    const location = res.headers.get("location") ?? "";
    expect(location).toMatch(new RegExp(`^${fakeUrl.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/portal/bps_`));
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const recs = await portalRequests(s.scope);
    expect(recs).toHaveLength(1);
    expect(recs[0]?.body).toMatchObject({
      customer: s.customerId,
      return_url: "http://recovery.test/r/updated",
      flow_data: { type: "payment_method_update", after_completion: { type: "redirect", redirect: { return_url: "http://recovery.test/r/updated" } } },
    });
    // The portal page the customer lands on exists.
    expect((await fetch(location)).status).toBe(200);
  });

  it("an expired token redirects to the case's hosted invoice page without calling Stripe", async () => {
    const s = await setup();
    const res = await get(await tokenFor(s, Date.now() - 1000), s.env);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(s.hostedUrl);
    expect(await portalRequests(s.scope)).toHaveLength(0);
  });

  it("a tampered token answers 400 with a page and redirects nowhere", async () => {
    const s = await setup();
    const token = await tokenFor(s);
    const [body, sig] = token.split(".");
    const forgedBody = btoa(JSON.stringify({ c: s.customerId, k: s.row.id, e: Date.now() + 10 * 86400_000 })).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    for (const bad of [`${forgedBody}.${sig}`, `${body}.${(sig ?? "").slice(0, -2)}AA`, await tokenFor(s, undefined, "not-our-secret"), "garbage", `${body}.${sig}.extra`]) {
      const res = await get(bad, s.env);
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(await res.text()).toContain("This link is not valid");
    }
    expect(await portalRequests(s.scope)).toHaveLength(0);
  });

  it("without a Stripe key, redirects to the hosted invoice page", async () => {
    const s = await setup();
    const res = await get(await tokenFor(s), envWith({ STRIPE_SECRET_KEY: "" }));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(s.hostedUrl);
  });

  it("a case without a subscription redirects to the hosted invoice page", async () => {
    const s = await setup();
    await env.LEDGER.prepare(`UPDATE cases SET subscription_id = NULL WHERE id = ?1`).bind(s.row.id).run();
    const res = await get(await tokenFor(s), s.env);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(s.hostedUrl);
    expect(await portalRequests(s.scope)).toHaveLength(0);
  });

  it("a portal error (500 on every SDK retry) redirects to the hosted invoice page", async () => {
    const s = await setup();
    await fakeClient(fakeUrl, s.scope).fail({ provider: "stripe", status: 500, count: 3, path: "/v1/billing_portal/sessions" });
    const res = await get(await tokenFor(s), s.env);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(s.hostedUrl);
    const recs = await portalRequests(s.scope);
    expect(recs).toHaveLength(3);
    expect(recs.every((r) => r.injected === true && r.status === 500)).toBe(true);
  });
});

describe("customer portal not configured in this mode", () => {
  it("the customer lands on the hosted invoice page, and the dashboard warns 'customer portal not configured'", async () => {
    const s = await setup();
    await fakeClient(fakeUrl, s.scope).putStripe("billing_portal_configurations", "none", {});
    const res = await get(await tokenFor(s), s.env);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(s.hostedUrl);
    const page = await app.fetch(new Request("http://recovery.test/admin", { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } }), s.env);
    const html = await page.text();
    expect(html).toContain('data-kind="portal_not_configured"');
    expect(html).toContain("Customer portal not configured");
  });
});

describe("GET /r/updated", () => {
  it("answers a small thank-you page", async () => {
    const res = await app.fetch(new Request("http://recovery.test/r/updated"), env);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("Thanks, your card is updated");
  });
});
