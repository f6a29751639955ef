import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { KV_MODE, KV_MODE_BEFORE_KILL } from "../src/constants.ts";
import { depsOf } from "../src/deps.ts";
import { createApp } from "../src/http/app.ts";
import type { DunningJob, EventJob } from "../src/queue/messages.ts";
import { computeMetrics } from "../src/ledger/metrics.ts";
import { checkUnknownShare } from "../src/ops/unknown-alert.ts";
import { env, envWith, migrate, recordingQueue, uid } from "./helpers/env.ts";
import { contextOf, eventMessage, eventRow, runBatch } from "./helpers/consumer.ts";
import { invoiceEvent } from "./helpers/stripe-events.ts";

const TOKEN = env.ADMIN_TOKEN ?? "";
const app = createApp();
const H = 3600 * 1000;
const D = 24 * H;

function req(path: string, init: RequestInit & { token?: string | null } = {}): Request {
  const { token = TOKEN, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  return new Request(`http://recovery.test${path}`, { ...rest, headers });
}

async function call(path: string, init: RequestInit & { token?: string | null } = {}, e = env): Promise<Response> {
  return app.fetch(req(path, init), e);
}

/** A far-future "now" per use, so windowed metrics see only the rows seeded for that test. */
function futureNow(minYear: number): number {
  return Date.UTC(minYear + Math.floor(Math.random() * 400), 4, 15, 12, 0, 0);
}

interface SeedCase {
  id?: string;
  customer?: string;
  reason: string | null;
  status?: "open" | "recovered" | "lost";
  openedAt: number;
  closedAt?: number | null;
  failures?: number;
  escalatedAt?: number | null;
  resolvedAt?: number | null;
  amount?: number;
  currency?: string;
  nextStep?: string | null;
}

async function seedCase(c: SeedCase): Promise<string> {
  const id = c.id ?? `in_${uid()}`;
  await env.LEDGER.prepare(
    `INSERT INTO cases (id, customer_id, kind, invoice_id, status, reason, amount, currency, attempt_count, failures, opened_at, closed_at, next_step, escalated_at, escalation_resolved_at, updated_at)
     VALUES (?1, ?2, 'invoice', ?1, ?3, ?4, ?5, ?6, 1, ?7, ?8, ?9, ?10, ?11, ?12, ?8)`,
  )
    .bind(id, c.customer ?? `cus_${uid()}`, c.status ?? "open", c.reason, c.amount ?? 4900, c.currency ?? "usd", c.failures ?? 1, c.openedAt, c.closedAt ?? null, c.nextStep ?? null, c.escalatedAt ?? null, c.resolvedAt ?? null)
    .run();
  return id;
}

async function seedEffect(kind: string, operation: string, status: string, at: number): Promise<void> {
  const id = uid();
  await env.LEDGER.prepare(
    `INSERT INTO side_effects (event_id, customer_id, kind, provider, operation, idempotency_key, status, created_at, updated_at)
     VALUES (?1, ?2, ?3, 'test', ?4, ?5, ?6, ?7, ?7)`,
  )
    .bind(`evt_${id}`, `cus_${id}`, kind, operation, `key:${id}`, status, at)
    .run();
}

async function seedDecision(decidedBy: string, outcome: string, shadowAgree: number | null, at: number): Promise<void> {
  const id = uid();
  await env.LEDGER.prepare(
    `INSERT INTO decisions (event_id, customer_id, decided_by, validation, mode, outcome, shadow_agree, created_at) VALUES (?1, ?2, ?3, 'ok', 'live', ?4, ?5, ?6)`,
  )
    .bind(`evt_${id}`, `cus_${id}`, decidedBy, outcome, shadowAgree, at)
    .run();
}

/** A failed invoice with no Stripe retry scheduled: its day-0 step acts (a soft decline with one is silent: no side effect). */
function failure() {
  const id = uid();
  return contextOf(invoiceEvent({ eventId: `evt_${id}`, customerId: `cus_${id}`, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}`, amount: 4900, currency: "usd", nextPaymentAttempt: null }));
}

beforeAll(migrate);
afterEach(async () => {
  // Tests in this file share KV: leave the mode as we found it (unset).
  await env.BILLING_KV.delete(KV_MODE);
  await env.BILLING_KV.delete(KV_MODE_BEFORE_KILL);
});

describe("admin auth", () => {
  const routes: Array<[string, string]> = [
    ["GET", "/admin"],
    ["GET", "/admin/metrics"],
    ["GET", "/admin/events/evt_x"],
    ["GET", "/admin/customers/cus_x"],
    ["GET", "/admin/outbox"],
    ["GET", "/admin/outbox/1"],
    ["GET", "/admin/mode"],
    ["PUT", "/admin/mode"],
    ["POST", "/admin/resume"],
    ["GET", `/admin/login?token=${TOKEN}`],
    ["GET", "/admin/anything-else"],
  ];

  it("answers 404 admin_disabled on every admin route when no ADMIN_TOKEN is configured (disabled, not open)", async () => {
    const noToken = envWith({ ADMIN_TOKEN: undefined });
    for (const [method, path] of routes) {
      const res = await call(path, { method, body: method === "PUT" ? JSON.stringify({ mode: "live" }) : undefined }, noToken);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await res.json()).toEqual({ error: "admin_disabled" });
    }
    expect(await env.BILLING_KV.get(KV_MODE)).toBeNull();
  });

  it("answers 401 with WWW-Authenticate: Bearer without a token, with a wrong one, one of another length, or another scheme", async () => {
    const wrongSameLength = TOKEN.slice(0, -1) + (TOKEN.endsWith("x") ? "y" : "x");
    const cases: Array<[string, Record<string, string>]> = [
      ["missing", {}],
      ["wrong, same length", { authorization: `Bearer ${wrongSameLength}` }],
      ["shorter", { authorization: `Bearer ${TOKEN.slice(0, 5)}` }],
      ["longer", { authorization: `Bearer ${TOKEN}${TOKEN}` }],
      ["basic scheme", { authorization: `Basic ${btoa(`admin:${TOKEN}`)}` }],
      ["empty bearer", { authorization: "Bearer " }],
      ["bad cookie", { cookie: "admin_session=v1.99999999999.0000000000000000000000000000000000000000000000000000000000000000" }],
      ["token as cookie", { cookie: `admin_session=${TOKEN}` }],
    ];
    for (const [name, headers] of cases) {
      for (const [method, path] of routes.filter(([, p]) => !p.startsWith("/admin/login"))) {
        const res = await call(path, { method, headers, token: null });
        expect(res.status, `${name}: ${method} ${path}`).toBe(401);
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
        expect((await res.json()) as object).toMatchObject({ error: "unauthorized" });
      }
    }
  });

  it("lets a good bearer token in, and admin answers are not cached", async () => {
    const res = await call("/admin/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const dash = await call("/admin");
    expect(dash.status).toBe(200);
    expect(dash.headers.get("content-type")).toMatch(/text\/html/);
    expect(dash.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    const page = await dash.text();
    for (const id of ["recovery-rate", "median-hours", "unknown-share", "escalations", "escalations-resolved-24h", "emails-sent", "coupons", "shadow-agreement", "mode"]) {
      expect(page).toContain(`data-testid="${id}"`);
    }
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect((await call("/admin/nope")).status).toBe(404);
  });

  it("login with a good token sets an HttpOnly SameSite=Strict session cookie (not the token) and redirects; the cookie works", async () => {
    const bad = await call(`/admin/login?token=${encodeURIComponent(TOKEN + "x")}`, { token: null });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("set-cookie")).toBeNull();
    expect((await call("/admin/login", { token: null })).status).toBe(401);

    const res = await call(`/admin/login?token=${encodeURIComponent(TOKEN)}`, { token: null, redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin");
    const setCookie = res.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^admin_session=v1\.\d+\.[0-9a-f]{64};/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\/admin/);
    expect(setCookie).toMatch(/Max-Age=43200/);
    expect(setCookie).not.toMatch(/Secure/); // plain http here
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie.split(";")[0] ?? "";

    const dash = await call("/admin", { token: null, headers: { cookie } });
    expect(dash.status).toBe(200);
    expect(await dash.text()).toContain('data-testid="recovery-rate"');
    expect((await call("/admin/metrics", { token: null, headers: { cookie } })).status).toBe(200);

    // The cookie is bound to the token: after a rotation it no longer works.
    const rotated = envWith({ ADMIN_TOKEN: "another-token-entirely-0000-0000-0000" });
    expect((await call("/admin/metrics", { token: null, headers: { cookie } }, rotated)).status).toBe(401);
    // A tampered expiry breaks the signature.
    const tampered = cookie.replace(/v1\.(\d+)\./, (_m, exp: string) => `v1.${Number(exp) + 1000}.`);
    expect((await call("/admin/metrics", { token: null, headers: { cookie: tampered } })).status).toBe(401);

    const https = await app.fetch(new Request(`https://recovery.test/admin/login?token=${encodeURIComponent(TOKEN)}`, { redirect: "manual" }), env);
    expect(https.headers.get("set-cookie")).toMatch(/Secure/);
  });
});

/** A fresh session cookie (`admin_session=...`) from GET /admin/login. */
async function sessionCookie(): Promise<string> {
  const res = await call(`/admin/login?token=${encodeURIComponent(TOKEN)}`, { token: null, redirect: "manual" });
  expect(res.status).toBe(303);
  return (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
}

describe("admin hardening", () => {
  it("an ADMIN_TOKEN shorter than 32 characters disables admin (404 admin_disabled saying why, logged); 32 characters work", async () => {
    expect(TOKEN.length).toBeGreaterThanOrEqual(32);
    const short = "s".repeat(31);
    const shortEnv = envWith({ ADMIN_TOKEN: short });
    const error = vi.spyOn(console, "error");
    try {
      for (const [method, path] of [["GET", "/admin/metrics"], ["GET", "/admin"], ["PUT", "/admin/mode"], ["POST", "/admin/resume"], ["POST", "/admin/logout"], ["GET", `/admin/login?token=${short}`]] as const) {
        const res = await call(path, { method, token: short, body: method === "PUT" ? JSON.stringify({ mode: "live" }) : undefined }, shortEnv);
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.headers.get("set-cookie")).toBeNull();
        expect(await res.json()).toEqual({ error: "admin_disabled", message: "ADMIN_TOKEN must be at least 32 characters" });
      }
      const logged = error.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>);
      expect(logged).toContainEqual({ level: "error", msg: "admin.disabled", reason: "ADMIN_TOKEN must be at least 32 characters" });
    } finally {
      error.mockRestore();
    }
    expect(await env.BILLING_KV.get(KV_MODE)).toBeNull();
    const exact = "e".repeat(32);
    expect((await call("/admin/metrics", { token: exact }, envWith({ ADMIN_TOKEN: exact }))).status).toBe(200);
  });

  it("a state change on the session cookie needs Origin = APP_URL's origin (or Sec-Fetch-Site: same-origin), else 403; a bearer token needs no Origin", async () => {
    const cookie = await sessionCookie();
    const putLive = (headers: Record<string, string>, token: string | null = null) =>
      call("/admin/mode", { method: "PUT", token, headers: { cookie, "content-type": "application/json", ...headers }, body: JSON.stringify({ mode: "live" }) });
    const refused: Array<[string, Record<string, string>]> = [
      ["no Origin", {}],
      ["another site", { origin: "https://evil.example" }],
      ["APP_URL's host on another scheme", { origin: "https://recovery.test" }],
      ["APP_URL's host on another port", { origin: "http://recovery.test:8080" }],
      ["opaque origin", { origin: "null" }],
      ["cross-site fetch metadata", { "sec-fetch-site": "cross-site" }],
      ["same-site (a sibling subdomain) fetch metadata", { "sec-fetch-site": "same-site" }],
    ];
    for (const [name, headers] of refused) {
      const res = await putLive(headers);
      expect(res.status, name).toBe(403);
      expect((await res.json()) as object).toMatchObject({ error: "forbidden" });
    }
    expect(await env.BILLING_KV.get(KV_MODE)).toBeNull();
    const resume = await call("/admin/resume", { method: "POST", token: null, headers: { cookie, origin: "https://evil.example" } });
    expect(resume.status).toBe(403);
    expect((await call("/admin/anything", { method: "DELETE", token: null, headers: { cookie } })).status).toBe(403);
    // Reads on the cookie need no Origin (a top-level navigation sends none).
    expect((await call("/admin/metrics", { token: null, headers: { cookie } })).status).toBe(200);

    expect((await putLive({ origin: "http://recovery.test" })).status).toBe(200);
    expect(await env.BILLING_KV.get(KV_MODE)).toBe("live");
    await env.BILLING_KV.delete(KV_MODE);
    expect((await putLive({ "sec-fetch-site": "same-origin" })).status).toBe(200);
    expect(await env.BILLING_KV.get(KV_MODE)).toBe("live");
    await env.BILLING_KV.delete(KV_MODE);
    // A bearer token (a script, curl) needs no Origin.
    const bearer = await call("/admin/mode", { method: "PUT", body: JSON.stringify({ mode: "live" }) });
    expect(bearer.status).toBe(200);
    expect(await env.BILLING_KV.get(KV_MODE)).toBe("live");
  });

  it("POST /admin/logout clears the session cookie (Max-Age=0) with 204, and is refused cross-origin", async () => {
    const cookie = await sessionCookie();
    const crossSite = await call("/admin/logout", { method: "POST", token: null, headers: { cookie, origin: "https://evil.example" } });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get("set-cookie")).toBeNull();
    expect((await call("/admin/logout", { method: "POST", token: null, headers: { cookie } })).status).toBe(403);

    const res = await call("/admin/logout", { method: "POST", token: null, headers: { cookie, origin: "http://recovery.test" } });
    expect(res.status).toBe(204);
    const cleared = res.headers.get("set-cookie") ?? "";
    expect(cleared).toMatch(/^admin_session=;/);
    expect(cleared).toMatch(/Max-Age=0/);
    expect(cleared).toMatch(/Path=\/admin/);
    expect(cleared).toMatch(/HttpOnly/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    // A stale cookie can still be cleared; a bearer client needs no Origin.
    const stale = await call("/admin/logout", { method: "POST", token: null, headers: { cookie: "admin_session=v1.1.00", "sec-fetch-site": "same-origin" } });
    expect(stale.status).toBe(204);
    expect((await call("/admin/logout", { method: "POST" })).status).toBe(204);
  });
});

describe("PUT/GET /admin/mode", () => {
  it("round-trips the mode through KV and remembers what the kill switch replaced", async () => {
    const initial = (await (await call("/admin/mode")).json()) as Record<string, unknown>;
    expect(initial).toMatchObject({ mode: "dry_run", isDefault: true, defaultMode: "dry_run", beforeKill: null });

    const put = await call("/admin/mode", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ mode: "live" }) });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ mode: "live", previous: "dry_run" });
    expect(await env.BILLING_KV.get(KV_MODE)).toBe("live");
    expect(await (await call("/admin/mode")).json()).toMatchObject({ mode: "live", isDefault: false });

    const off = await call("/admin/mode", { method: "PUT", body: JSON.stringify({ mode: "off" }) });
    expect(await off.json()).toMatchObject({ mode: "off", previous: "live", beforeKill: "live" });
    expect(await env.BILLING_KV.get(KV_MODE)).toBe("off");
    expect(await env.BILLING_KV.get(KV_MODE_BEFORE_KILL)).toBe("live");
    // Turning it off twice keeps the mode it replaced the first time.
    await call("/admin/mode", { method: "PUT", body: JSON.stringify({ mode: "off" }) });
    expect(await env.BILLING_KV.get(KV_MODE_BEFORE_KILL)).toBe("live");
    expect(await (await call("/admin/mode")).json()).toMatchObject({ mode: "off", beforeKill: "live" });

    await call("/admin/mode", { method: "PUT", body: JSON.stringify({ mode: "observe" }) });
    expect(await env.BILLING_KV.get(KV_MODE)).toBe("observe");
  });

  it("rejects bad bodies with 400 and a clear message, and large bodies with 413, changing nothing", async () => {
    await env.BILLING_KV.put(KV_MODE, "dry_run");
    const bodies = ["not json", "", "[]", "null", "{}", JSON.stringify({ mode: "fast" }), JSON.stringify({ mode: "LIVE" }), JSON.stringify({ mode: 1 }), JSON.stringify({ Mode: "live" })];
    for (const body of bodies) {
      const res = await call("/admin/mode", { method: "PUT", body });
      expect(res.status, body).toBe(400);
      const json = (await res.json()) as { error: string; message: string };
      expect(json.error).toBe("bad_request");
      expect(json.message).toMatch(/mode|JSON/);
    }
    const modeMessage = (await (await call("/admin/mode", { method: "PUT", body: JSON.stringify({ mode: "fast" }) })).json()) as { message: string };
    expect(modeMessage.message).toContain("off, observe, dry_run, live");
    const big = await call("/admin/mode", { method: "PUT", body: JSON.stringify({ mode: "live", pad: "x".repeat(20_000) }) });
    expect(big.status).toBe(413);
    expect(await env.BILLING_KV.get(KV_MODE)).toBe("dry_run");
  });
});

describe("POST /admin/resume", () => {
  it("refuses with 409 while the mode is off, then re-enqueues each parked event once; the consumer decides them", async () => {
    // Park two events: the consumer parks everything while the mode is off.
    const a = failure();
    const b = failure();
    const offEnv = envWith({ DEFAULT_MODE: "off" });
    const parkedRun = await runBatch([eventMessage(a), eventMessage(b)], offEnv);
    expect(parkedRun.explicitAcks).toHaveLength(2);
    expect((await eventRow(a.eventId))?.status).toBe("parked");
    expect((await eventRow(b.eventId))?.status).toBe("parked");

    const q = recordingQueue();
    const stillOff = await call("/admin/resume", { method: "POST" }, envWith({ DEFAULT_MODE: "off", DUNNING_QUEUE: q.queue }));
    expect(stillOff.status).toBe(409);
    expect(await stillOff.json()).toMatchObject({ error: "mode_off" });
    await env.BILLING_KV.put(KV_MODE, "off");
    expect((await call("/admin/resume", { method: "POST" }, envWith({ DUNNING_QUEUE: q.queue }))).status).toBe(409);
    expect(q.sent).toHaveLength(0);

    await env.BILLING_KV.put(KV_MODE, "live");
    const qEnv = envWith({ DUNNING_QUEUE: q.queue });
    const first = await call("/admin/resume", { method: "POST" }, qEnv);
    expect(first.status).toBe(200);
    const firstJson = (await first.json()) as { resumed: number };
    const sent = q.sent as DunningJob[];
    expect(firstJson.resumed).toBe(sent.length);
    const mine = sent.filter((j): j is EventJob => j.kind === "event" && [a.eventId, b.eventId].includes(j.context.eventId));
    expect(mine.map((j) => j.context.eventId).sort()).toEqual([a.eventId, b.eventId].sort());
    for (const j of mine) expect(j).toMatchObject({ kind: "event", resume: true, context: { eventId: j.context.eventId } });
    expect((await eventRow(a.eventId))?.status_reason).toBe("resume requested");

    // A second call does not send them again.
    const second = await call("/admin/resume", { method: "POST" }, qEnv);
    expect(await second.json()).toMatchObject({ resumed: 0 });
    expect(q.sent).toHaveLength(sent.length);

    // The re-enqueued messages take the events parked -> claimed -> decided.
    const result = await runBatch(
      mine.map((j) => eventMessage(j.context, { resume: true, receivedAt: j.receivedAt })),
      envWith({ DEFAULT_MODE: "live" }),
    );
    expect(result.explicitAcks).toHaveLength(2);
    expect((await eventRow(a.eventId))?.status).toBe("decided");
    expect((await eventRow(b.eventId))?.status).toBe("decided");
  });
});

describe("GET /admin/events/:id, /admin/customers/:id, /admin/outbox", () => {
  it("shows an event with its parsed context, decisions, side effects and case; the customer; and the outbox", async () => {
    const ctx = failure();
    await runBatch([eventMessage(ctx)], envWith({ DEFAULT_MODE: "live" }));
    const res = await call(`/admin/events/${ctx.eventId}`);
    expect(res.status).toBe(200);
    const ev = (await res.json()) as {
      event: { id: string; status: string; context: { eventId: string; customerId: string } };
      decisions: Array<{ decided_by: string; tool: string | null; args: unknown; shadow: unknown }>;
      sideEffects: Array<{ kind: string; status: string; detail: unknown }>;
      case: { id: string; status: string } | null;
    };
    expect(ev.event).toMatchObject({ id: ctx.eventId, status: "decided", context: { eventId: ctx.eventId, customerId: ctx.customerId } });
    expect(ev.decisions.length).toBeGreaterThanOrEqual(1);
    expect(typeof ev.decisions[0]?.args === "string").toBe(false);
    expect(ev.case).toMatchObject({ id: ctx.invoiceId, status: "open" });
    expect(ev.sideEffects.length).toBeGreaterThanOrEqual(1);
    expect(typeof ev.sideEffects[0]?.detail === "object").toBe(true);
    expect((await call("/admin/events/evt_does_not_exist")).status).toBe(404);

    const cus = await call(`/admin/customers/${ctx.customerId}`);
    expect(cus.status).toBe(200);
    const cj = (await cus.json()) as Record<string, unknown>;
    expect(Object.keys(cj).sort()).toEqual(["cases", "customer", "decisions", "events", "label", "labelMeaning", "labels", "sideEffects", "state", "throttle", "winbacks"]);
    expect((cj.cases as unknown[]).length).toBe(1);
    expect((await call("/admin/customers/cus_nobody_here")).status).toBe(404);

    const list = (await (await call("/admin/outbox")).json()) as { items: Array<{ id: number; kind: string; customerId: string | null; href: string }> };
    const item = list.items.find((i) => i.customerId === ctx.customerId);
    expect(item).toBeDefined();
    const one = await call(item?.href ?? "/admin/outbox/0");
    expect(one.status).toBe(200);
    expect(one.headers.get("content-security-policy")).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src https: data:");
    if (item?.kind === "slack") expect(JSON.parse(await one.text())).toMatchObject({ kind: "slack", customerId: ctx.customerId });
    const htmlList = await call("/admin/outbox?format=html");
    expect(htmlList.headers.get("content-type")).toMatch(/text\/html/);
    expect(await htmlList.text()).toContain(`href="/admin/outbox/${item?.id}"`);
    expect((await call("/admin/outbox/abc")).status).toBe(404);
    expect((await call("/admin/outbox?kind=fax")).status).toBe(400);
  });

  it("serves an outbox email as its own HTML under a strict CSP, and escapes ledger strings in the HTML list", async () => {
    const key = `test:${uid()}`;
    const r = await env.LEDGER.prepare(
      `INSERT INTO outbox (kind, recipient, subject, html, text, idempotency_key, customer_id, created_at) VALUES ('email', 'a@example.com', ?1, '<html><body><p>Hi</p></body></html>', 'Hi', ?2, ?3, ?4) RETURNING id`,
    )
      .bind("<script>alert(1)</script>", key, "cus_<b>x</b>", Date.now())
      .first<{ id: number }>();
    const res = await call(`/admin/outbox/${r?.id}`);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src https: data:");
    expect(await res.text()).toBe("<html><body><p>Hi</p></body></html>");
    const page = await (await call("/admin/outbox?format=html")).text();
    expect(page).not.toContain("<script>alert(1)</script>");
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).toContain("cus_&lt;b&gt;x&lt;/b&gt;");
  });
});

describe("metrics", () => {
  it("computes the definitions on a small seeded ledger (hand-computed)", async () => {
    const now = futureNow(2500);
    const cus = `cus_${uid()}`;
    // Recovered after 10 h: eligible, recovered within 14 d.
    await seedCase({ reason: "insufficient_funds", status: "recovered", openedAt: now - 20 * D, closedAt: now - 20 * D + 10 * H });
    // Recovered only after 20 d: eligible, not within 14 d (duration 480 h).
    await seedCase({ reason: "insufficient_funds", status: "recovered", openedAt: now - 29 * D, closedAt: now - 9 * D });
    // Lost: eligible, not recovered. Escalated, resolved after 5 days.
    await seedCase({ reason: "expired_card", status: "lost", openedAt: now - 16 * D, closedAt: now - 10 * D, escalatedAt: now - 15 * D, resolvedAt: now - 10 * D });
    // Recovered after 30 h, 3 days ago: closed, so eligible although young. Escalated, resolved after 18 h.
    await seedCase({ reason: "expired_card", status: "recovered", openedAt: now - 3 * D, closedAt: now - 3 * D + 30 * H, escalatedAt: now - 3 * D + 2 * H, resolvedAt: now - 3 * D + 20 * H });
    // Open and young: no verdict yet. Reason missing = unknown.
    const young = await seedCase({ customer: cus, reason: null, openedAt: now - 2 * D, amount: 150000, currency: "jpy", nextStep: "wait for Stripe retry" });
    // Open for 20 days: eligible, not recovered.
    await seedCase({ customer: cus, reason: "unknown", openedAt: now - 20 * D });
    // Open, escalated and unresolved.
    await seedCase({ reason: "insufficient_funds", openedAt: now - 1 * D, escalatedAt: now - 1 * D + H, amount: 1999, currency: "eur" });
    // Paid before any failure (failures = 0): not a failure at all.
    await seedCase({ reason: null, status: "recovered", failures: 0, openedAt: now - 5 * D, closedAt: now - 5 * D });
    // Outside every window.
    await seedCase({ reason: "do_not_honor", status: "recovered", openedAt: now - 200 * D, closedAt: now - 199 * D });
    // After `now`: never counted.
    await seedCase({ reason: "unknown", openedAt: now + D });

    await seedEffect("email", "card_update_request", "succeeded", now - D);
    await seedEffect("email", "card_update_request", "succeeded", now - 40 * D);
    await seedEffect("email", "soft_payment_reminder", "failed", now - D);
    await seedEffect("stripe", "coupons.create", "succeeded", now - 2 * D);
    await seedEffect("stripe", "promotion_codes.create", "succeeded", now - 2 * D);
    await seedDecision("model", "executed", 1, now - D);
    await seedDecision("model", "executed", 1, now - 2 * D);
    await seedDecision("model", "dry_run", 0, now - 3 * D);
    await seedDecision("rules", "executed", null, now - 3 * D);

    const m = await computeMetrics(env.LEDGER, now);
    // Eligible: the two insufficient_funds, the two expired_card, the 20-day-old unknown = 5; recovered within 14 d: 2.
    expect(m.recovery.overall).toEqual({ numerator: 2, denominator: 5, value: 0.4 });
    expect(m.recovery.byReason).toEqual([
      { reason: "expired_card", numerator: 1, denominator: 2, value: 0.5 },
      { reason: "insufficient_funds", numerator: 1, denominator: 2, value: 0.5 },
      { reason: "unknown", numerator: 0, denominator: 1, value: 0 },
    ]);
    // Recovered failure cases: 10 h, 30 h, 480 h -> median 30 h.
    expect(m.medianHoursToRecovery).toMatchObject({ value: 30, count: 3 });
    // 7 days: expired_card (3 d), unknown (2 d), insufficient_funds (1 d) -> 1/3. 30 days: 7 failures, 2 unknown.
    expect(m.unknownShare.days7).toEqual({ numerator: 1, denominator: 3, value: 1 / 3 });
    expect(m.unknownShare.days30).toEqual({ numerator: 2, denominator: 7, value: 2 / 7 });
    expect(m.escalations).toMatchObject({ total: 3, resolvedWithin24h: 1, open: 1 });
    expect(m.emailsSent.count).toBe(1);
    expect(m.couponsCreated.count).toBe(1);
    expect(m.decisions).toMatchObject({ total: 4, byDecidedBy: { model: 3, rules: 1 }, byOutcome: { executed: 3, dry_run: 1 } });
    expect(m.shadowAgreement).toMatchObject({ numerator: 2, denominator: 3 });
    expect(m.failuresPerDay.total).toBe(7);
    expect(m.failuresPerDay.days).toHaveLength(30);
    expect(m.failuresPerDay.days.at(-1)?.day).toBe(new Date(now).toISOString().slice(0, 10));
    const day20 = m.failuresPerDay.days.find((d) => d.day === new Date(now - 20 * D).toISOString().slice(0, 10));
    expect(day20).toMatchObject({ total: 2, byReason: { insufficient_funds: 1, unknown: 1 } });
    expect(m.failuresPerDay.reasons).toEqual(["expired_card", "insufficient_funds", "unknown"]);
    const row = m.openCases.rows.find((r) => r.id === young);
    expect(row).toMatchObject({ customerId: cus, reason: "unknown", amountFormatted: "¥150,000", nextStep: "wait for Stripe retry", attempts: 1 });
    expect(m.definitions.recoveryRate).toMatch(/14 days/);
  });

  it("GET /admin/metrics returns the same numbers as JSON with the mode, and the dashboard shows them", async () => {
    const json = (await (await call("/admin/metrics")).json()) as Record<string, unknown>;
    for (const k of ["mode", "failuresPerDay", "recovery", "medianHoursToRecovery", "unknownShare", "escalations", "emailsSent", "couponsCreated", "decisions", "shadowAgreement", "openCases", "eventStatus", "definitions"]) {
      expect(json, k).toHaveProperty(k);
    }
    expect(json.mode).toMatchObject({ mode: "dry_run", isDefault: true });
    const page = await (await call("/admin")).text();
    const openCases = (json.openCases as { count: number }).count;
    expect(page).toContain(`data-testid="open-cases-count" data-value="${openCases}">${openCases}<`);
    expect(page.match(/data-testid="open-case-row"/g)?.length ?? 0).toBe(Math.min(openCases, 200));
  });
});

describe("unknown-reason alert", () => {
  it("posts one Slack message (outbox) per UTC day when unknown exceeds 10% of at least 5 failures, even when called twice", async () => {
    const now = futureNow(3000);
    for (let i = 0; i < 4; i++) await seedCase({ reason: "insufficient_funds", openedAt: now - (i + 1) * H });
    await seedCase({ reason: "unknown", openedAt: now - 2 * D });
    await seedCase({ reason: null, openedAt: now - 3 * D });
    const deps = depsOf(env);
    const first = await checkUnknownShare(deps, now);
    expect(first).toMatchObject({ status: "sent", unknown: 2, total: 6, via: "outbox" });
    const second = await checkUnknownShare(deps, now + H);
    expect(second).toMatchObject({ status: "already_sent" });
    const day = new Date(now).toISOString().slice(0, 10);
    const posts = await env.LEDGER.prepare(`SELECT * FROM outbox WHERE idempotency_key = ?1`).bind(`alert:unknown_reasons:${day}`).all<{ kind: string; text: string }>();
    expect(posts.results).toHaveLength(1);
    expect(posts.results[0]?.kind).toBe("slack");
    expect(posts.results[0]?.text).toMatch(/2 of 6 payment failures \(33\.3%\)/);
    // The next UTC day may alert again.
    expect(await checkUnknownShare(deps, now + D)).toMatchObject({ status: "sent" });
  });

  it("stays quiet at exactly 10%, and below 5 failures", async () => {
    const deps = depsOf(env);
    const now = futureNow(3500);
    for (let i = 0; i < 9; i++) await seedCase({ reason: "expired_card", openedAt: now - (i + 1) * H });
    await seedCase({ reason: "unknown", openedAt: now - D });
    expect(await checkUnknownShare(deps, now)).toEqual({ status: "below_threshold", unknown: 1, total: 10 });
    const later = futureNow(4000);
    for (let i = 0; i < 2; i++) await seedCase({ reason: "unknown", openedAt: later - (i + 1) * H });
    for (let i = 0; i < 2; i++) await seedCase({ reason: "expired_card", openedAt: later - (i + 1) * H });
    expect(await checkUnknownShare(deps, later)).toEqual({ status: "below_threshold", unknown: 2, total: 4 });
  });
});
