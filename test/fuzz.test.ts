/**
 * Fuzzing the HTTP edges with fast-check: the Stripe webhook, the Slack interactions endpoint and the admin
 * routes. Whatever arrives, no 5xx, and nothing is enqueued, written or executed without a valid signature or
 * token. Also: no log line carries a secret, a signature or a full email address.
 */
import fc from "fast-check";
import type Stripe from "stripe";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { sessionValue } from "../src/http/admin-auth.ts";
import { createApp } from "../src/http/app.ts";
import { normalizeEvent } from "../src/ingest/normalize.ts";
import { slackSignature } from "../src/ingest/slack-verify.ts";
import { getCase, recordFailure } from "../src/ledger/cases.ts";
import { claimEvent, finishEvent } from "../src/ledger/events.ts";
import { fakeClient } from "./fakes/client.ts";
import { contextOf, eventMessage, runBatch, runRecorded } from "./helpers/consumer.ts";
import { env, envWith, migrate, recordingQueue, uid } from "./helpers/env.ts";
import { FIXTURES, PRIMARY_SECRET, ROTATED_SECRET, invoiceEvent, signatureHeader, signedRequest } from "./helpers/stripe-events.ts";

const fakeUrl = inject("fakeUrl");
const app = createApp();
const ADMIN_TOKEN = env.ADMIN_TOKEN ?? "";
const SLACK_SECRET = "slack-signing-secret-fuzz-0123";
const WEBHOOK_SECRETS = (env.STRIPE_WEBHOOK_SECRET ?? "").split(",").map((s) => s.trim()).filter(Boolean);
const MAX_WEBHOOK = 512 * 1024;
const MAX_SLACK = 64 * 1024;

beforeAll(migrate);

// ---------------------------------------------------------------------------------------------
// helpers

/** A KV binding that records every write (and, with `swallow`, does not perform it). */
function recordingKv(options: { swallow?: boolean } = {}) {
  const real = env.BILLING_KV;
  const puts: string[] = [];
  const kv = {
    get: (key: string, type?: unknown) => (real.get as (k: string, t?: unknown) => Promise<unknown>)(key, type),
    getWithMetadata: (key: string, type?: unknown) => (real.getWithMetadata as (k: string, t?: unknown) => Promise<unknown>)(key, type),
    put: async (key: string, value: string, opts?: KVNamespacePutOptions) => {
      puts.push(key);
      if (!options.swallow) await real.put(key, value, opts);
    },
    delete: async (key: string) => {
      puts.push(`delete:${key}`);
      if (!options.swallow) await real.delete(key);
    },
    list: (opts?: KVNamespaceListOptions) => real.list(opts),
  };
  return { kv: kv as unknown as KVNamespace, puts };
}

const printable = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
const headerText = (maxLength: number) => fc.string({ unit: printable, maxLength });
const hex = (length: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length });
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function count(sql: string, ...binds: unknown[]): Promise<number> {
  return (await env.LEDGER.prepare(sql).bind(...binds).first<{ n: number }>())?.n ?? 0;
}

/** Every key path of a JSON object, up to `maxDepth` levels. */
function paths(value: unknown, prefix: string[] = [], maxDepth = 6): string[][] {
  if (prefix.length >= maxDepth || typeof value !== "object" || value === null) return [];
  const out: string[][] = [];
  for (const [k, v] of Object.entries(value)) {
    const p = [...prefix, k];
    out.push(p, ...paths(v, p, maxDepth));
  }
  return out;
}

/** Sets (or deletes, for `undefined`) the value at `path`; does nothing when a parent is no longer an object. */
function mutate(root: Record<string, unknown>, path: string[], value: unknown): void {
  let cur: unknown = root;
  for (const k of path.slice(0, -1)) {
    if (typeof cur !== "object" || cur === null) return;
    cur = (cur as Record<string, unknown>)[k];
  }
  if (typeof cur !== "object" || cur === null) return;
  const last = path.at(-1) ?? "";
  if (value === undefined) delete (cur as Record<string, unknown>)[last];
  else (cur as Record<string, unknown>)[last] = value;
}

const FIXTURE_EVENTS = Object.values(FIXTURES);

/** A fixture event with a fresh id and a few random changes: values replaced by random JSON, keys deleted. */
const nearValidEvent = fc
  .record({
    base: fc.nat({ max: FIXTURE_EVENTS.length - 1 }),
    changes: fc.array(fc.record({ pick: fc.nat(), value: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }) }), { maxLength: 6 }),
  })
  .map(({ base, changes }) => {
    const ev = structuredClone(FIXTURE_EVENTS[base] ?? {}) as Record<string, unknown>;
    ev.id = `evt_fz_${uid()}`;
    ev.created = nowSeconds() - 30;
    const ps = paths(ev);
    for (const c of changes) {
      const p = ps[c.pick % ps.length];
      if (p) mutate(ev, p, c.value);
    }
    return ev;
  });

// ---------------------------------------------------------------------------------------------
// POST /webhooks/stripe

type SigSpec =
  | { kind: "none" }
  | { kind: "garbage"; value: string }
  | { kind: "parts"; t: number; v1: string[]; extra: string }
  | { kind: "huge"; size: number }
  | { kind: "stale"; offset: number; secret: "primary" | "rotated" }
  | { kind: "wrong_secret"; secret: string }
  | { kind: "other_body"; suffix: string };

const sigSpec: fc.Arbitrary<SigSpec> = fc.oneof(
  fc.constant<SigSpec>({ kind: "none" }),
  headerText(200).map((value): SigSpec => ({ kind: "garbage", value })),
  fc
    .record({
      t: fc.oneof(fc.integer({ min: -1e12, max: 1e13 }), fc.constant(nowSeconds())),
      v1: fc.array(hex(64), { minLength: 0, maxLength: 4 }),
      extra: fc.constantFrom("", ",v0=abc", ",v1=", ",t=1", ",,,", ", v1 = 00"),
    })
    .map((r): SigSpec => ({ kind: "parts", ...r })),
  fc.integer({ min: 4_000, max: 24_000 }).map((size): SigSpec => ({ kind: "huge", size })),
  fc
    // Older than Stripe's 300 s tolerance. (A future timestamp with a correct HMAC is accepted, as by Stripe's SDK:
    // only the secret's holder can make one, and a captured request carries the time Stripe sent it.)
    .record({ offset: fc.integer({ min: -1e9, max: -301 }), secret: fc.constantFrom<"primary" | "rotated">("primary", "rotated") })
    .map((r): SigSpec => ({ kind: "stale", ...r })),
  headerText(40).map((secret): SigSpec => ({ kind: "wrong_secret", secret: `whsec_${secret}` })),
  fc.string({ minLength: 1, maxLength: 3 }).map((suffix): SigSpec => ({ kind: "other_body", suffix })),
);

async function signatureFor(spec: SigSpec, body: string): Promise<string | null> {
  switch (spec.kind) {
    case "none":
      return null;
    case "garbage":
      return spec.value;
    case "parts":
      return `t=${spec.t}${spec.v1.map((v) => `,v1=${v}`).join("")}${spec.extra}`;
    case "huge":
      return `t=${nowSeconds()},` + Array.from({ length: Math.ceil(spec.size / 68) }, (_, i) => `v1=${i.toString(16).padStart(64, "0")}`).join(",");
    case "stale":
      return signatureHeader(body, spec.secret === "primary" ? PRIMARY_SECRET : ROTATED_SECRET, nowSeconds() + spec.offset);
    case "wrong_secret":
      return WEBHOOK_SECRETS.includes(spec.secret) ? null : signatureHeader(body, spec.secret);
    case "other_body":
      return signatureHeader(body + spec.suffix, PRIMARY_SECRET);
  }
}

const webhookBody = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 400 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
  { weight: 3, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 4, arbitrary: nearValidEvent.map((e) => JSON.stringify(e)) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_WEBHOOK - 64, max: MAX_WEBHOOK + 8 * 1024 }).map((n) => "x".repeat(n)) },
);

describe("fuzz: POST /webhooks/stripe", () => {
  it("without a valid signature: never 5xx, never an enqueue, never a KV write", async () => {
    await fc.assert(
      fc.asyncProperty(
        webhookBody,
        sigSpec,
        fc.option(headerText(60), { nil: undefined }),
        fc.option(fc.array(fc.tuple(fc.constantFrom("x-forwarded-for", "x-stripe-debug", "user-agent", "accept"), headerText(100)), { maxLength: 3 }), { nil: undefined }),
        async (body, spec, contentType, extraHeaders) => {
          const sig = await signatureFor(spec, body);
          const headers = new Headers(extraHeaders ?? []);
          if (contentType !== undefined) headers.set("content-type", contentType);
          if (sig !== null) headers.set("stripe-signature", sig);
          const q = recordingQueue();
          const kv = recordingKv();
          const res = await app.fetch(new Request("http://recovery.test/webhooks/stripe", { method: "POST", headers, body }), envWith({ DUNNING_QUEUE: q.queue, BILLING_KV: kv.kv }));
          const size = new TextEncoder().encode(body).byteLength;
          expect(res.status, `${spec.kind} ${size} bytes`).toBe(size > MAX_WEBHOOK ? 413 : 400);
          await res.arrayBuffer();
          expect(q.sent).toHaveLength(0);
          expect(kv.puts).toHaveLength(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("signed near-valid events (random fields replaced or removed): never 5xx; 200 or 400, and an accepted event is enqueued once", async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(nearValidEvent, fc.constantFrom(PRIMARY_SECRET, ROTATED_SECRET), async (ev, secret) => {
        const q = recordingQueue();
        const kv = recordingKv();
        const res = await app.fetch(await signedRequest(ev, { secret }), envWith({ DUNNING_QUEUE: q.queue, BILLING_KV: kv.kv }));
        const text = await res.text();
        expect([200, 400], `${res.status} ${text}`).toContain(res.status);
        seen.add(res.status);
        if (res.status === 200) {
          const body = JSON.parse(text) as { received: boolean; ignored?: boolean; duplicate?: boolean };
          expect(body.received).toBe(true);
          const accepted = body.ignored !== true && body.duplicate !== true;
          expect(q.sent).toHaveLength(accepted ? 1 : 0);
          expect(kv.puts).toHaveLength(accepted ? 1 : 0);
        } else {
          expect(q.sent).toHaveLength(0);
          expect(kv.puts).toHaveLength(0);
        }
      }),
      { numRuns: 150 },
    );
    expect([...seen].sort()).toEqual([200, 400]); // both accepted and refused shapes were exercised
  });
});

// ---------------------------------------------------------------------------------------------
// POST /slack/interactions

interface OpenCase {
  caseId: string;
  customerId: string;
  scope: string;
}

/** A failed invoice recorded the way the consumer records it: the event and an open case. */
async function openCase(): Promise<OpenCase> {
  const id = uid();
  const ev = invoiceEvent({ eventId: `evt_${id}`, customerId: `cus_${id}`, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}`, amount: 4900, currency: "usd" });
  const normalized = normalizeEvent(ev as unknown as Stripe.Event);
  if (!normalized.ok) throw new Error("fixture did not normalize");
  const now = Date.now();
  await claimEvent(env.LEDGER, normalized.context, now, `fuzz-${id}`, now);
  const row = await recordFailure(env.LEDGER, normalized.context, now);
  await finishEvent(env.LEDGER, normalized.context.eventId, "decided", "escalated (fuzz setup)", row.id, now);
  return { caseId: row.id, customerId: normalized.context.customerId, scope: `fzslack_${id}` };
}

function click(c: OpenCase, actionId: string, n: number, user: { username?: string } = {}) {
  return {
    type: "block_actions",
    user: { id: "U0FUZZ", username: user.username ?? "jane.doe", name: user.username ?? "jane.doe" },
    container: { type: "message", message_ts: "1700000000.000100", channel_id: "C0RECOVERY" },
    trigger_id: `trigger-fuzz-${n}`,
    message: { type: "message", ts: "1700000000.000100", text: "escalation", blocks: [] },
    response_url: `${fakeUrl}/slack/response/${c.scope}.1`,
    actions: [{ action_id: actionId, block_id: `case:${c.caseId}`, value: c.caseId, type: "button", action_ts: `1700000100.${String(n).padStart(6, "0")}` }],
  };
}

const formBody = (payload: unknown) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;

type SlackTs = { kind: "missing" } | { kind: "now" } | { kind: "offset"; seconds: number } | { kind: "garbage"; value: string };
type SlackSig =
  | { kind: "missing" }
  | { kind: "garbage"; value: string }
  | { kind: "random_v0"; hex: string }
  | { kind: "wrong_secret"; secret: string }
  | { kind: "other_ts"; delta: number }
  | { kind: "other_body"; suffix: string }
  | { kind: "truncated"; keep: number }
  | { kind: "uppercase" };

const slackTs: fc.Arbitrary<SlackTs> = fc.oneof(
  fc.constant<SlackTs>({ kind: "missing" }),
  fc.constant<SlackTs>({ kind: "now" }),
  fc.oneof(fc.integer({ min: -1e10, max: -301 }), fc.integer({ min: 301, max: 1e10 }), fc.integer({ min: -299, max: 299 })).map((seconds): SlackTs => ({ kind: "offset", seconds })),
  headerText(20).map((value): SlackTs => ({ kind: "garbage", value })),
);

const slackSig: fc.Arbitrary<SlackSig> = fc.oneof(
  fc.constant<SlackSig>({ kind: "missing" }),
  headerText(120).map((value): SlackSig => ({ kind: "garbage", value })),
  hex(64).map((h): SlackSig => ({ kind: "random_v0", hex: h })),
  headerText(30).filter((s) => s !== SLACK_SECRET).map((secret): SlackSig => ({ kind: "wrong_secret", secret: secret || "x" })),
  fc.integer({ min: 1, max: 1000 }).map((delta): SlackSig => ({ kind: "other_ts", delta })),
  fc.string({ minLength: 1, maxLength: 4 }).map((suffix): SlackSig => ({ kind: "other_body", suffix })),
  fc.integer({ min: 0, max: 66 }).map((keep): SlackSig => ({ kind: "truncated", keep })),
  fc.constant<SlackSig>({ kind: "uppercase" }),
);

async function slackHeaders(body: string, ts: SlackTs, sig: SlackSig): Promise<Headers> {
  const h = new Headers({ "content-type": "application/x-www-form-urlencoded" });
  const tsValue = ts.kind === "missing" ? String(nowSeconds()) : ts.kind === "now" ? String(nowSeconds()) : ts.kind === "offset" ? String(nowSeconds() + ts.seconds) : ts.value;
  if (ts.kind !== "missing") h.set("x-slack-request-timestamp", tsValue);
  const good = await slackSignature(SLACK_SECRET, tsValue, body);
  let value: string | null;
  switch (sig.kind) {
    case "missing":
      value = null;
      break;
    case "garbage":
      value = sig.value;
      break;
    case "random_v0":
      value = `v0=${sig.hex}`;
      break;
    case "wrong_secret":
      value = await slackSignature(sig.secret, tsValue, body);
      break;
    case "other_ts":
      value = await slackSignature(SLACK_SECRET, String(Number(tsValue) + sig.delta), body);
      break;
    case "other_body":
      value = await slackSignature(SLACK_SECRET, tsValue, body + sig.suffix);
      break;
    case "truncated":
      value = good.slice(0, sig.keep);
      break;
    case "uppercase":
      value = good.toUpperCase();
      break;
  }
  if (value !== null && value.trim() === good) value = null; // never a valid signature by accident
  if (value !== null) h.set("x-slack-signature", value);
  return h;
}

describe("fuzz: POST /slack/interactions", () => {
  let c: OpenCase;
  beforeAll(async () => {
    c = await openCase();
  });

  it("without a valid signature: never 5xx, always 401 (413 when too large), never executes anything", async () => {
    const actionsBefore = await count("SELECT COUNT(*) AS n FROM slack_actions");
    const decisionsBefore = await count("SELECT COUNT(*) AS n FROM decisions");
    const e = envWith({ SLACK_SIGNING_SECRET: SLACK_SECRET, DEFAULT_MODE: "live" });
    let n = 0;
    const body = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom("mark_as_lost", "send_winback_offer").map((a) => formBody(click(c, a, ++n))) },
      { weight: 2, arbitrary: fc.string({ maxLength: 300 }) },
      { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => formBody(v)) },
      { weight: 1, arbitrary: fc.integer({ min: MAX_SLACK - 16, max: MAX_SLACK + 1024 }).map((k) => `payload=${"x".repeat(k)}`) },
    );
    await fc.assert(
      fc.asyncProperty(body, slackTs, slackSig, async (b, ts, sig) => {
        const headers = await slackHeaders(b, ts, sig);
        const res = await app.fetch(new Request("http://recovery.test/slack/interactions", { method: "POST", headers, body: b }), e);
        const size = new TextEncoder().encode(b).byteLength;
        expect(res.status, `${ts.kind}/${sig.kind}`).toBe(size > MAX_SLACK ? 413 : 401);
        await res.arrayBuffer();
      }),
      { numRuns: 200 },
    );
    expect(await count("SELECT COUNT(*) AS n FROM slack_actions")).toBe(actionsBefore);
    expect(await count("SELECT COUNT(*) AS n FROM decisions")).toBe(decisionsBefore);
    expect((await getCase(env.LEDGER, c.caseId))?.status).toBe("open");
    expect(await fakeClient(fakeUrl, c.scope).requests("slack")).toHaveLength(0);
  });

  it("with no signing secret configured, even a request signed with the old secret is refused", async () => {
    const e = envWith({ SLACK_SIGNING_SECRET: "", DEFAULT_MODE: "live" });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("mark_as_lost", "send_winback_offer"), fc.nat(), async (action, k) => {
        const b = formBody(click(c, action, 100_000 + k));
        const ts = String(nowSeconds());
        const res = await app.fetch(
          new Request("http://recovery.test/slack/interactions", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": ts, "x-slack-signature": await slackSignature(SLACK_SECRET, ts, b) }, body: b }),
          e,
        );
        expect(res.status).toBe(401);
      }),
      { numRuns: 30 },
    );
    expect((await getCase(env.LEDGER, c.caseId))?.status).toBe("open");
  });

  it("signed but random payloads: never 5xx (200 or 400)", async () => {
    const e = envWith({ SLACK_SIGNING_SECRET: SLACK_SECRET, DEFAULT_MODE: "live" });
    const payload = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => formBody(v)),
      fc
        .record({
          type: fc.oneof(fc.constant("block_actions"), fc.string({ maxLength: 12 })),
          actions: fc.option(fc.array(fc.record({ action_id: fc.oneof(fc.constantFrom("mark_as_lost", "send_winback_offer"), fc.string({ maxLength: 20 })), value: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }) }), { maxLength: 2 }), { nil: undefined }),
          user: fc.option(fc.record({ id: fc.string({ maxLength: 10 }) }), { nil: undefined }),
        })
        .map((v) => formBody(v)),
    );
    await fc.assert(
      fc.asyncProperty(payload, async (b) => {
        const ts = String(nowSeconds());
        const res = await app.fetch(
          new Request("http://recovery.test/slack/interactions", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": ts, "x-slack-signature": await slackSignature(SLACK_SECRET, ts, b) }, body: b }),
          e,
        );
        expect([200, 400], await res.clone().text()).toContain(res.status);
        await res.arrayBuffer();
      }),
      { numRuns: 120 },
    );
    expect((await getCase(env.LEDGER, c.caseId))?.status).toBe("open");
  });
});

// ---------------------------------------------------------------------------------------------
// admin

type Cred =
  | { kind: "none" }
  | { kind: "bearer"; token: string }
  | { kind: "raw_authorization"; value: string }
  | { kind: "cookie"; value: string }
  | { kind: "session_other_token"; token: string }
  | { kind: "session_expired"; secondsAgo: number }
  | { kind: "session_forged"; hex: string };

const ADMIN_ROUTES: Array<{ method: string; path: string; body?: string }> = [
  { method: "GET", path: "/admin" },
  { method: "GET", path: "/admin/metrics" },
  { method: "GET", path: "/admin/events/x" },
  { method: "GET", path: "/admin/outbox" },
  { method: "GET", path: "/admin/mode" },
  { method: "PUT", path: "/admin/mode", body: JSON.stringify({ mode: "off" }) },
  { method: "POST", path: "/admin/resume", body: "{}" },
];

/** The right token with exactly one character changed. */
const oneCharOff = fc.record({ at: fc.nat({ max: Math.max(0, ADMIN_TOKEN.length - 1) }), ch: printable }).map(({ at, ch }) => {
  const replacement = ch === ADMIN_TOKEN[at] ? (ch === "a" ? "b" : "a") : ch === " " ? "_" : ch;
  return ADMIN_TOKEN.slice(0, at) + replacement + ADMIN_TOKEN.slice(at + 1);
});

const wrongToken = fc.oneof(
  headerText(80).filter((t) => t.trim() !== "" && t.trim() !== ADMIN_TOKEN),
  oneCharOff,
  fc.integer({ min: 1, max: ADMIN_TOKEN.length - 1 }).map((k) => ADMIN_TOKEN.slice(0, k)),
  fc.string({ unit: printable, minLength: 1, maxLength: 8 }).filter((s) => s.trim() !== "").map((s) => ADMIN_TOKEN + s.trim()),
  fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-"), minLength: ADMIN_TOKEN.length, maxLength: ADMIN_TOKEN.length }).filter((t) => t !== ADMIN_TOKEN),
);

const cred: fc.Arbitrary<Cred> = fc.oneof(
  fc.constant<Cred>({ kind: "none" }),
  wrongToken.map((token): Cred => ({ kind: "bearer", token })),
  fc
    .oneof(
      fc.constant(ADMIN_TOKEN), // the token without the Bearer scheme
      fc.constant(`Basic ${btoa(`admin:${ADMIN_TOKEN}`)}`),
      fc.constant("Bearer"),
      fc.constant("Bearer "),
      headerText(100),
    )
    .map((value): Cred => ({ kind: "raw_authorization", value })),
  fc.oneof(fc.constant(ADMIN_TOKEN), wrongToken, headerText(100), hex(64).map((h) => `v1.9999999999.${h}`)).map((value): Cred => ({ kind: "cookie", value })),
  wrongToken.map((token): Cred => ({ kind: "session_other_token", token })),
  fc.integer({ min: 1, max: 10_000_000 }).map((secondsAgo): Cred => ({ kind: "session_expired", secondsAgo })),
  hex(64).map((h): Cred => ({ kind: "session_forged", hex: h })),
);

async function adminRequest(route: { method: string; path: string; body?: string }, c: Cred): Promise<Request> {
  const headers = new Headers();
  if (route.body !== undefined) headers.set("content-type", "application/json");
  const future = nowSeconds() + 3600;
  switch (c.kind) {
    case "none":
      break;
    case "bearer":
      headers.set("authorization", `Bearer ${c.token}`);
      break;
    case "raw_authorization":
      headers.set("authorization", c.value);
      break;
    case "cookie":
      headers.set("cookie", `admin_session=${encodeURIComponent(c.value)}`);
      break;
    case "session_other_token":
      headers.set("cookie", `admin_session=${await sessionValue(c.token, future)}`);
      break;
    case "session_expired":
      headers.set("cookie", `admin_session=${await sessionValue(ADMIN_TOKEN, nowSeconds() - c.secondsAgo)}`);
      break;
    case "session_forged":
      headers.set("cookie", `admin_session=v1.${future}.${c.hex}`);
      break;
  }
  return new Request(`http://recovery.test${route.path}`, { method: route.method, headers, ...(route.body !== undefined ? { body: route.body } : {}) });
}

describe("fuzz: admin routes", () => {
  for (const [label, overrides, expected] of [
    ["with ADMIN_TOKEN set: always 401", {}, 401],
    ["with ADMIN_TOKEN unset: always 404 (disabled, never open)", { ADMIN_TOKEN: "" }, 404],
  ] as const) {
    it(`${label}; never 200, never 5xx, never a KV write or an enqueue`, async () => {
      expect(ADMIN_TOKEN.length).toBeGreaterThan(8);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...ADMIN_ROUTES), cred, async (route, c) => {
          const kv = recordingKv({ swallow: true });
          const q = recordingQueue();
          const res = await app.fetch(await adminRequest(route, c), envWith({ BILLING_KV: kv.kv, DUNNING_QUEUE: q.queue, ...overrides }));
          expect(res.status, `${route.method} ${route.path} ${c.kind}`).toBe(expected);
          await res.arrayBuffer();
          expect(kv.puts).toHaveLength(0);
          expect(q.sent).toHaveLength(0);
        }),
        { numRuns: 150 },
      );
    });
  }

  it("GET /admin/login with a wrong token: 401, and no session cookie", async () => {
    await fc.assert(
      fc.asyncProperty(wrongToken, async (token) => {
        const res = await app.fetch(new Request(`http://recovery.test/admin/login?token=${encodeURIComponent(token)}`), env);
        expect(res.status).toBe(401);
        expect(res.headers.get("set-cookie")).toBeNull();
        await res.arrayBuffer();
      }),
      { numRuns: 80 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// logs

const EMAIL = /[A-Za-z0-9._%+*-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const MASKED_LOCAL = /^[A-Za-z0-9._%+-]\*\*\*$/;

/** Replaces console.log/info/warn/error/debug while `fn` runs; returns every line written. */
async function captureConsole(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const methods = ["log", "info", "warn", "error", "debug"] as const;
  const saved = methods.map((m) => console[m]);
  const render = (a: unknown) => {
    if (typeof a === "string") return a;
    if (a instanceof Error) return `${a.name}: ${a.message}\n${a.stack ?? ""}`;
    try {
      return JSON.stringify(a);
    } catch {
      return String(a);
    }
  };
  for (const m of methods) console[m] = (...args: unknown[]) => void lines.push(args.map(render).join(" "));
  try {
    await fn();
  } finally {
    methods.forEach((m, i) => {
      console[m] = saved[i] as (typeof console)[typeof m];
    });
  }
  return lines;
}

describe("logs", () => {
  it("never contain a secret, a signature or a full email address (webhook, consumer, Slack, admin; valid and invalid)", async () => {
    const id = uid();
    const customerEmail = `jane.doe.${id}@example.com`;
    const slackUserEmail = `ops.lead.${id}@acme.example`;
    const sentSignatures: string[] = [];
    const scope = uid("fzlog");
    const fake = fakeClient(fakeUrl, scope);

    const lines = await captureConsole(async () => {
      // Webhook: valid, tampered, stale, wrong secret, unsigned, a signed event that cannot be understood.
      const q = recordingQueue();
      const e = envWith({ DUNNING_QUEUE: q.queue });
      const ev = invoiceEvent({ eventId: `evt_${id}`, customerId: `cus_${id}`, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}`, email: customerEmail });
      const deliveries: Request[] = [
        await signedRequest(ev),
        await signedRequest(ev, { secret: ROTATED_SECRET }),
        await signedRequest(ev, { timestamp: nowSeconds() - 3600 }),
        await signedRequest(ev, { secret: "whsec_attacker" }),
        await signedRequest({ ...ev, id: `evt_bad_${id}`, data: { object: { object: "invoice", customer: customerEmail, customer_email: 42 } } }),
      ];
      const tampered = await signedRequest(ev);
      deliveries.push(new Request(tampered.url, { method: "POST", headers: tampered.headers, body: JSON.stringify({ ...ev, livemode: true }) }));
      deliveries.push(new Request("http://recovery.test/webhooks/stripe", { method: "POST", body: JSON.stringify(ev) }));
      for (const r of deliveries) {
        const sig = r.headers.get("stripe-signature");
        if (sig) sentSignatures.push(...[...sig.matchAll(/v1=([0-9a-f]+)/g)].map((m) => m[1] ?? ""));
        await (await app.fetch(r, e)).arrayBuffer();
      }

      // Consumer: the customer's address is known; Resend fails once (retry logged), then succeeds; KV writes fail.
      await fake.fail({ provider: "resend", status: 500, count: 1 });
      const ctx = { ...contextOf(ev), failureReason: "insufficient_funds" as const, declineCode: "insufficient_funds" };
      const kvFailing = {
        get: (k: string) => env.BILLING_KV.get(k),
        put: () => Promise.reject(new Error(`KV put failed for ${customerEmail} (injected)`)),
      } as unknown as KVNamespace;
      const ce = envWith({ DEFAULT_MODE: "live", BILLING_KV: kvFailing, RESEND_API_KEY: `re_${scope}`, RESEND_BASE_URL: `${fakeUrl}/resend`, SANDBOX_EMAIL: `sandbox.${id}@example.test` });
      const msg = eventMessage(ctx, { id: `m-${id}` });
      await runRecorded([msg], ce);
      await runRecorded([{ ...msg, attempts: 2 }], ce);
      const poison = { ...ctx, eventId: `evt_poison_${id}`, invoiceId: null, paymentIntentId: null, invoicePaymentIntentIds: [] };
      await runBatch([eventMessage(poison)], envWith({ DEFAULT_MODE: "live" }));
      await runBatch([eventMessage(poison)], envWith({ DEFAULT_MODE: "live" }), "dunning-dlq");

      // Slack: a valid click by a user whose name is an email address, then forged ones.
      const c = await openCase();
      const se = envWith({ SLACK_SIGNING_SECRET: SLACK_SECRET, DEFAULT_MODE: "live" });
      const body = formBody(click(c, "mark_as_lost", 900_001, { username: slackUserEmail }));
      const ts = String(nowSeconds());
      const good = await slackSignature(SLACK_SECRET, ts, body);
      sentSignatures.push(good.slice(3));
      const forged = await slackSignature("not-the-secret", ts, body);
      sentSignatures.push(forged.slice(3));
      for (const sig of [good, forged, good.slice(0, 20)]) {
        await (
          await app.fetch(new Request("http://recovery.test/slack/interactions", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": ts, "x-slack-signature": sig }, body }), se)
        ).arrayBuffer();
      }
      expect((await getCase(env.LEDGER, c.caseId))?.status).toBe("lost");

      // Admin: wrong tokens (in a header, in the login query, in a path with an email), and the right one.
      for (const r of [
        new Request(`http://recovery.test/admin/customers/${encodeURIComponent(customerEmail)}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}x` } }),
        new Request(`http://recovery.test/admin/login?token=${encodeURIComponent(ADMIN_TOKEN.slice(1))}`),
        new Request(`http://recovery.test/admin/login?token=${encodeURIComponent(ADMIN_TOKEN)}`),
        new Request("http://recovery.test/admin/metrics", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
      ]) {
        await (await app.fetch(r, env)).arrayBuffer();
      }
    });

    expect(lines.length).toBeGreaterThan(10);
    const secrets = [...WEBHOOK_SECRETS, ADMIN_TOKEN, ADMIN_TOKEN.slice(1), SLACK_SECRET, env.LINK_SIGNING_SECRET ?? "", `re_${scope}`].filter((s) => s.length >= 8);
    for (const line of lines) {
      for (const s of secrets) expect(line.includes(s), `secret in log line: ${line.slice(0, 200)}`).toBe(false);
      for (const sig of sentSignatures) expect(sig.length > 16 && line.includes(sig), `signature in log line: ${line.slice(0, 200)}`).toBe(false);
      for (const m of line.matchAll(EMAIL)) {
        const local = m[0].split("@")[0] ?? "";
        expect(MASKED_LOCAL.test(local), `unmasked email "${m[0]}" in log line: ${line.slice(0, 200)}`).toBe(true);
      }
    }
    // The paths above did log about these addresses, masked.
    const all = lines.join("\n");
    expect(all).toContain("o***@acme.example");
    expect(all).not.toContain(customerEmail);
  });
});

