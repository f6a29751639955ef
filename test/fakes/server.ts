/**
 * @module test/fakes/server
 * A local fake of Stripe, Gemini, Resend and Slack: one Node `http` server on 127.0.0.1 that speaks each
 * provider's wire format, records what it received, and can be scripted through a control API under
 * `/__fake/*`. Started by `test/global-setup.ts` (port 0) and by `scripts/demo.ts` (fixed port).
 *
 * Routes (base = the returned `url`):
 *   Stripe  `/v1/...`                                   (Stripe SDK: host 127.0.0.1, port, protocol "http")
 *   Gemini  `/v1beta/models/{model}:generateContent`   (genai: httpOptions.baseUrl = url)
 *           `/v1beta/models/{model}:streamGenerateContent?alt=sse`
 *   Resend  `/resend/emails`, `/resend/emails/batch`, `GET /resend/emails/:id` (Resend: baseUrl = url + "/resend")
 *   Slack   `/slack/api/{method}` (api base = url + "/slack/api"), `/slack/response/:id`, `/slack/webhook/:id`
 *   Portal  `GET /portal/:id` (billing portal page)
 *   Control `/__fake/...` (see `test/fakes/client.ts`)
 *
 * Scope: see `normalizeScope` — the API key with one well-known prefix stripped.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import type {
  FailSpec,
  FakeProvider,
  FakeStats,
  GeminiScriptEntry,
  RecordedRequest,
  StripeCollection,
  StripeObjectStore,
} from "./client.ts";

export type { StripeObjectStore } from "./client.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON-shaped fake data
type Obj = Record<string, any>;

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** When set, `body` is written as-is (string) with this content type. */
  contentType?: string;
}

interface ScopeState {
  records: RecordedRequest[];
  geminiScript: GeminiScriptEntry[];
  fails: Array<FailSpec & { remaining: number }>;
  overlay: Map<StripeCollection, Map<string, unknown>>;
  stripeIdem: Map<string, { fingerprint: string; reply: Reply }>;
  resendIdem: Map<string, { fingerprint: string; response: string }>;
  resendEmails: Map<string, Obj>;
  geminiInFlight: number;
  geminiPeakInFlight: number;
  counts: Record<FakeProvider, number>;
}

const COLLECTIONS: readonly StripeCollection[] = [
  "customers",
  "subscriptions",
  "payment_intents",
  "charges",
  "invoices",
  "invoice_payments",
  "paid_invoices",
  "coupons",
  "promotion_codes",
  "discounts",
  "billing_portal_sessions",
  "payment_methods",
  "prices",
  "products",
];

const ID_PREFIX_COLLECTION: ReadonlyArray<[string, StripeCollection]> = [
  ["cus_", "customers"],
  ["sub_", "subscriptions"],
  ["pi_", "payment_intents"],
  ["ch_", "charges"],
  ["py_", "charges"],
  ["in_", "invoices"],
  ["co_", "coupons"],
  ["promo_", "promotion_codes"],
  ["di_", "discounts"],
  ["bps_", "billing_portal_sessions"],
  ["pm_", "payment_methods"],
  ["price_", "prices"],
  ["prod_", "products"],
];

const SINGULAR: Record<string, string> = {
  customers: "customer",
  subscriptions: "subscription",
  payment_intents: "payment_intent",
  charges: "charge",
  invoices: "invoice",
  coupons: "coupon",
  promotion_codes: "promotion_code",
  discounts: "discount",
  payment_methods: "payment_method",
  prices: "price",
  products: "product",
};

const KEY_PREFIXES = ["sk_test_", "sk_live_", "rk_test_", "rk_live_", "re_", "xoxb-", "xoxp-", "gk_"];

/** The scope of an API key (or of a `?scope=` value): one well-known key prefix stripped. */
export function normalizeScope(key: string): string {
  for (const p of KEY_PREFIXES) if (key.startsWith(p) && key.length > p.length) return key.slice(p.length);
  return key;
}

// ---------------------------------------------------------------------------------------------
// Stripe form encoding

/** Decodes Stripe's bracket form encoding (`a[b][0][c]=1&expand[]=x`) into nested objects/arrays. */
export function decodeStripeForm(input: string): Obj {
  const root: Obj = {};
  for (const [rawKey, value] of new URLSearchParams(input)) {
    const m = /^([^[\]]+)((?:\[[^\]]*\])*)$/.exec(rawKey);
    const segs: string[] = m ? [m[1]!, ...[...m[2]!.matchAll(/\[([^\]]*)\]/g)].map((x) => x[1]!)] : [rawKey];
    let cur: Obj = root;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      const isLast = i === segs.length - 1;
      const key: string | number = seg === "" && Array.isArray(cur) ? cur.length : seg;
      if (isLast) {
        cur[key] = value;
      } else {
        const next = segs[i + 1]!;
        if (cur[key] === undefined || cur[key] === null || typeof cur[key] !== "object") {
          cur[key] = next === "" || /^\d+$/.test(next) ? [] : {};
        }
        cur = cur[key] as Obj;
      }
    }
  }
  return root;
}

// ---------------------------------------------------------------------------------------------
// helpers

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function randomId(prefix: string, len = 14): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = randomBytes(len);
  let s = "";
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return prefix + s;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => {
    const t = setTimeout(r, ms);
    t.unref?.();
  });
}

function clone<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Form values are strings; coerce "true"/"false"/integers for non-metadata fields. */
function coerce(v: unknown): unknown {
  if (typeof v === "string") {
    if (v === "true") return true;
    if (v === "false") return false;
    if (/^-?\d+$/.test(v) && v.length < 16) return Number(v);
    return v;
  }
  if (Array.isArray(v)) return v.map(coerce);
  if (isObj(v)) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) out[k] = k === "metadata" ? x : coerce(x);
    return out;
  }
  return v;
}

/** Stripe lists are newest first; stable sort by `created` desc (entries without `created` keep their place). */
function newestFirst(data: unknown[]): unknown[] {
  return data
    .map((x, i) => ({ x, i }))
    .sort((a, b) => {
      const ca = isObj(a.x) && typeof a.x.created === "number" ? a.x.created : null;
      const cb = isObj(b.x) && typeof b.x.created === "number" ? b.x.created : null;
      return ca !== null && cb !== null && ca !== cb ? cb - ca : a.i - b.i;
    })
    .map((e) => e.x);
}

function num(v: unknown): number | null {
  if (v === undefined || v === null || v === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function applyMetadata(target: Obj, md: unknown): void {
  if (md === undefined) return;
  if (md === "" || md === null) {
    target.metadata = {};
    return;
  }
  if (!isObj(md)) return;
  const cur: Obj = isObj(target.metadata) ? { ...target.metadata } : {};
  for (const [k, v] of Object.entries(md)) {
    if (v === "" || v === null) delete cur[k];
    else cur[k] = String(v);
  }
  target.metadata = cur;
}

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(.+)$/i.exec(h);
  if (m) return m[1]!.trim();
  const b = /^Basic\s+(.+)$/i.exec(h);
  if (b) return Buffer.from(b[1]!, "base64").toString("utf8").split(":")[0] ?? null;
  return null;
}

function redactHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    const val = Array.isArray(v) ? v.join(", ") : v;
    if (k === "authorization") out[k] = /^basic/i.test(val) ? "Basic ***" : "Bearer ***";
    else if (k === "x-goog-api-key") out[k] = "***";
    else out[k] = val;
  }
  return out;
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === "") return null;
  const ct = (contentType ?? "").toLowerCase();
  if (ct.includes("application/x-www-form-urlencoded")) return decodeStripeForm(raw);
  if (ct.includes("json") || /^\s*[[{]/.test(raw)) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

function readRaw(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return { status, body, ...(headers ? { headers } : {}) };
}

function text(status: number, body: string, contentType = "text/plain; charset=utf-8"): Reply {
  return { status, body, contentType };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.writableEnded || res.destroyed) return;
  const payload = reply.contentType !== undefined ? String(reply.body) : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    "content-type": reply.contentType ?? "application/json",
    "content-length": Buffer.byteLength(payload),
    ...reply.headers,
  });
  res.end(payload);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// ---------------------------------------------------------------------------------------------
// fixtures

function loadFixtureFile(): StripeObjectStore {
  const candidates: string[] = [];
  try {
    candidates.push(fileURLToPath(new URL("../../fixtures/stripe-objects.json", import.meta.url).href));
  } catch {
    /* import.meta.url not a file URL */
  }
  candidates.push(`${process.cwd()}/fixtures/stripe-objects.json`);
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
      return isObj(parsed) ? (parsed as StripeObjectStore) : {};
    } catch (err) {
      console.warn(`[fake] could not read ${file}: ${String(err)}`);
      return {};
    }
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// the server

export interface FakeServer {
  url: string;
  close(): Promise<void>;
}

export async function startFakeServer(port: number, options?: { stripeObjects?: StripeObjectStore }): Promise<FakeServer> {
  const base = new Map<StripeCollection, Map<string, unknown>>();
  for (const c of COLLECTIONS) base.set(c, new Map());
  for (const src of [loadFixtureFile(), options?.stripeObjects ?? {}]) {
    for (const [coll, objs] of Object.entries(src)) {
      if (!COLLECTIONS.includes(coll as StripeCollection) || !isObj(objs)) continue;
      for (const [id, v] of Object.entries(objs)) base.get(coll as StripeCollection)!.set(id, v);
    }
  }

  const scopes = new Map<string, ScopeState>();
  let seq = 0;
  let url = "";

  function state(scope: string): ScopeState {
    let s = scopes.get(scope);
    if (!s) {
      s = {
        records: [],
        geminiScript: [],
        fails: [],
        overlay: new Map(),
        stripeIdem: new Map(),
        resendIdem: new Map(),
        resendEmails: new Map(),
        geminiInFlight: 0,
        geminiPeakInFlight: 0,
        counts: { stripe: 0, gemini: 0, resend: 0, slack: 0 },
      };
      scopes.set(scope, s);
    }
    return s;
  }

  // ---- Stripe store: per-scope overlay consulted first, then fixtures (cloned on read) ----
  function getObj<T = Obj>(scope: string, coll: StripeCollection, id: string): T | undefined {
    const ov = state(scope).overlay.get(coll);
    if (ov?.has(id)) return clone(ov.get(id)) as T;
    const b = base.get(coll)?.get(id);
    return b === undefined ? undefined : (clone(b) as T);
  }
  function putObj(scope: string, coll: StripeCollection, id: string, value: unknown): void {
    const s = state(scope);
    let ov = s.overlay.get(coll);
    if (!ov) s.overlay.set(coll, (ov = new Map()));
    ov.set(id, clone(value));
  }
  function allIds(scope: string, coll: StripeCollection): string[] {
    const ids = new Set<string>(base.get(coll)?.keys() ?? []);
    for (const id of state(scope).overlay.get(coll)?.keys() ?? []) ids.add(id);
    return [...ids];
  }
  function resolveId(scope: string, id: string): unknown {
    for (const [prefix, coll] of ID_PREFIX_COLLECTION) {
      if (id.startsWith(prefix)) return getObj(scope, coll, id);
    }
    return getObj(scope, "coupons", id);
  }
  function expandPath(scope: string, value: unknown, segs: string[]): unknown {
    if (Array.isArray(value)) return value.map((v) => expandPath(scope, v, segs));
    let v = value;
    if (typeof v === "string") v = resolveId(scope, v) ?? v;
    if (segs.length === 0 || !isObj(v)) return v;
    const [head, ...rest] = segs as [string, ...string[]];
    if (!(head in v)) return v;
    return { ...v, [head]: expandPath(scope, v[head], rest) };
  }
  function expand(scope: string, obj: unknown, params: Obj): unknown {
    const ex: unknown = params.expand;
    const paths = Array.isArray(ex) ? ex.filter((x): x is string => typeof x === "string") : typeof ex === "string" ? [ex] : [];
    let out = obj;
    for (const p of paths) {
      if (!isObj(out)) break;
      const [head, ...rest] = p.split(".") as [string, ...string[]];
      if (head in out) out = { ...out, [head]: expandPath(scope, out[head], rest) };
    }
    return out;
  }

  // ---- Stripe replies ----
  function stripeErr(status: number, error: Obj): Reply {
    return json(status, { error: { ...error, request_log_url: `https://dashboard.stripe.com/test/logs/${randomId("req_")}` } });
  }
  function noSuch(kind: string, id: string, param = "id"): Reply {
    return stripeErr(404, {
      code: "resource_missing",
      doc_url: "https://stripe.com/docs/error-codes/resource-missing",
      message: `No such ${kind}: '${id}'`,
      param,
      type: "invalid_request_error",
    });
  }
  function badParam(message: string, param?: string, code?: string): Reply {
    return stripeErr(400, {
      message,
      type: "invalid_request_error",
      ...(param ? { param } : {}),
      ...(code ? { code } : {}),
    });
  }
  function stripeList(listUrl: string, data: unknown[], params: Obj): Obj {
    let items = data;
    const after = typeof params.starting_after === "string" ? params.starting_after : null;
    if (after) {
      const i = items.findIndex((x) => isObj(x) && x.id === after);
      items = i >= 0 ? items.slice(i + 1) : items;
    }
    const limit = Math.max(1, Math.min(100, num(params.limit) ?? 10));
    return { object: "list", data: items.slice(0, limit), has_more: items.length > limit, url: listUrl };
  }
  function declineMessage(code: string): string {
    switch (code) {
      case "insufficient_funds":
        return "Your card has insufficient funds.";
      case "expired_card":
        return "Your card has expired.";
      case "incorrect_cvc":
        return "Your card's security code is incorrect.";
      case "processing_error":
        return "An error occurred while processing your card. Try again in a little bit.";
      default:
        return "Your card was declined.";
    }
  }
  /** Reads a one-shot scripted outcome: "fail", "fail:<decline_code>", or {outcome|status:"fail", decline_code}. */
  function scriptedFailure(obj: Obj, field: string, codeField: string): string | null {
    const o: unknown = obj[field];
    if (o === undefined || o === null) return null;
    let outcome = "";
    let decline: unknown = obj[codeField];
    if (typeof o === "string") {
      const [head, code] = o.split(":");
      outcome = head ?? "";
      if (code) decline = code;
    } else if (isObj(o)) {
      outcome = String(o.outcome ?? o.status ?? "");
      decline = o.decline_code ?? decline;
    }
    delete obj[field];
    delete obj[codeField];
    if (outcome !== "fail") return null;
    return typeof decline === "string" && decline !== "" ? decline : "card_declined";
  }
  function cardError(declineCode: string, extra: Obj): Reply {
    return stripeErr(402, {
      code: declineCode === "expired_card" || declineCode === "incorrect_cvc" ? declineCode : "card_declined",
      decline_code: declineCode,
      doc_url: "https://stripe.com/docs/error-codes/card-declined",
      message: declineMessage(declineCode),
      type: "card_error",
      ...extra,
    });
  }

  /** Validates and redeems a discount entry; returns a Discount object or an error Reply. */
  function makeDiscount(scope: string, entry: Obj, sub: Obj): { discount: Obj } | Reply {
    if (typeof entry.discount === "string") {
      const d = getObj(scope, "discounts", entry.discount);
      return d ? { discount: d } : noSuch("discount", entry.discount, "discounts[0][discount]");
    }
    let couponId: string | null = typeof entry.coupon === "string" ? entry.coupon : null;
    let promoId: string | null = null;
    if (typeof entry.promotion_code === "string") {
      promoId = entry.promotion_code;
      const promo = getObj(scope, "promotion_codes", promoId);
      if (!promo) return noSuch("promotion code", promoId, "discounts[0][promotion_code]");
      if (promo.active === false) return badParam(`This promotion code is inactive: '${promoId}'`, "discounts");
      if (typeof promo.expires_at === "number" && promo.expires_at < now()) {
        return badParam(`This promotion code has expired: '${promoId}'`, "discounts", "coupon_expired");
      }
      const promoCustomer = isObj(promo.customer) ? promo.customer.id : promo.customer;
      const subCustomer = isObj(sub.customer) ? sub.customer.id : sub.customer;
      if (promoCustomer && promoCustomer !== subCustomer) {
        return badParam(`This promotion code cannot be redeemed by this customer: '${promoId}'`, "discounts");
      }
      if (typeof promo.max_redemptions === "number" && (promo.times_redeemed ?? 0) >= promo.max_redemptions) {
        return badParam(`This promotion code has reached its max redemptions: '${promoId}'`, "discounts");
      }
      promo.times_redeemed = (promo.times_redeemed ?? 0) + 1;
      putObj(scope, "promotion_codes", promoId, promo);
      const pc: unknown = promo.promotion?.coupon ?? promo.coupon;
      couponId = isObj(pc) ? String(pc.id) : typeof pc === "string" ? pc : null;
    }
    if (!couponId) return badParam("Each discount must specify a coupon, promotion_code or discount.", "discounts");
    const coupon = getObj(scope, "coupons", couponId);
    if (!coupon) return noSuch("coupon", couponId, "discounts[0][coupon]");
    if (coupon.valid === false || (typeof coupon.redeem_by === "number" && coupon.redeem_by < now())) {
      return badParam(`Coupon expired: ${couponId}`, "coupon", "coupon_expired");
    }
    if (typeof coupon.max_redemptions === "number" && (coupon.times_redeemed ?? 0) >= coupon.max_redemptions) {
      return badParam(`Coupon ${couponId} has reached its max redemptions.`, "coupon");
    }
    coupon.times_redeemed = (coupon.times_redeemed ?? 0) + 1;
    putObj(scope, "coupons", couponId, coupon);
    const d: Obj = {
      id: randomId("di_"),
      object: "discount",
      checkout_session: null,
      customer: isObj(sub.customer) ? sub.customer.id : (sub.customer ?? null),
      customer_account: null,
      end: null,
      invoice: null,
      invoice_item: null,
      promotion_code: promoId,
      source: { coupon: couponId, type: "coupon" },
      start: now(),
      subscription: sub.id ?? null,
      subscription_item: null,
    };
    putObj(scope, "discounts", d.id as string, d);
    return { discount: d };
  }

  function stripeRoute(scope: string, method: string, path: string, params: Obj): Reply {
    const seg = path.split("/").slice(1).map((s) => decodeURIComponent(s)); // ["v1", ...]
    const [v1, res, id, action] = seg as [string, string?, string?, string?];
    const n = seg.length;
    const unknown = (): Reply =>
      stripeErr(404, {
        code: "resource_missing",
        message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
        type: "invalid_request_error",
      });
    if (v1 !== "v1" || !res) return unknown();

    // simple retrievals
    const retrievable: Record<string, StripeCollection> = {
      customers: "customers",
      subscriptions: "subscriptions",
      payment_intents: "payment_intents",
      charges: "charges",
      invoices: "invoices",
      coupons: "coupons",
      promotion_codes: "promotion_codes",
      payment_methods: "payment_methods",
      prices: "prices",
      products: "products",
    };
    const coll = retrievable[res];
    if (method === "GET" && n === 3 && coll && id) {
      const o = getObj(scope, coll, id);
      if (!o) return noSuch(SINGULAR[coll]!, id);
      return json(200, expand(scope, o, params));
    }

    // updates that merge metadata (+ other simple fields)
    if (method === "POST" && n === 3 && id && (res === "customers" || res === "invoices" || res === "subscriptions")) {
      const c = res as StripeCollection;
      const o = getObj(scope, c, id);
      if (!o) return noSuch(SINGULAR[c]!, id);
      if (res === "subscriptions") {
        const entries: unknown[] | null =
          params.discounts === ""
            ? []
            : Array.isArray(params.discounts)
              ? (params.discounts as unknown[])
              : typeof params.coupon === "string" || typeof params.promotion_code === "string"
                ? [{ ...(params.coupon ? { coupon: params.coupon } : {}), ...(params.promotion_code ? { promotion_code: params.promotion_code } : {}) }]
                : null;
        if (entries) {
          if (o.status === "canceled" || o.status === "incomplete_expired") {
            return badParam(`A canceled subscription can only update its cancellation_details and metadata.`, "discounts");
          }
          const ds: Obj[] = [];
          for (const e of entries) {
            const d = makeDiscount(scope, isObj(e) ? e : {}, o);
            if (!("discount" in d)) return d;
            ds.push(d.discount);
          }
          o.discounts = ds.map((d) => d.id);
        }
      }
      applyMetadata(o, params.metadata);
      const skip = new Set(["metadata", "expand", "discounts", "coupon", "promotion_code", "proration_behavior", "items"]);
      for (const [k, v] of Object.entries(params)) if (!skip.has(k)) o[k] = v === "" ? null : coerce(v);
      putObj(scope, c, id, o);
      return json(200, expand(scope, o, params));
    }

    // PaymentIntent confirm
    if (res === "payment_intents" && id && action === "confirm" && method === "POST" && n === 4) {
      const pi = getObj(scope, "payment_intents", id);
      if (!pi) return noSuch("payment_intent", id, "intent");
      const confirmable = ["requires_payment_method", "requires_confirmation", "requires_action", undefined];
      if (!confirmable.includes(pi.status as string | undefined)) {
        return stripeErr(400, {
          code: "payment_intent_unexpected_state",
          doc_url: "https://stripe.com/docs/error-codes/payment-intent-unexpected-state",
          message: `You cannot confirm this PaymentIntent because it has a status of ${String(pi.status)}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_payment_method, requires_action.`,
          payment_intent: pi,
          type: "invalid_request_error",
        });
      }
      if (typeof params.payment_method === "string") pi.payment_method = params.payment_method;
      const decline = scriptedFailure(pi, "next_confirm_outcome", "next_confirm_decline_code");
      const chargeId = randomId("ch_");
      const charge: Obj = {
        id: chargeId,
        object: "charge",
        amount: pi.amount ?? 0,
        currency: pi.currency ?? "usd",
        customer: pi.customer ?? null,
        payment_intent: id,
        payment_method: pi.payment_method ?? null,
        created: now(),
        livemode: false,
        metadata: {},
        paid: decline === null,
        captured: decline === null,
        status: decline === null ? "succeeded" : "failed",
        failure_code: decline === null ? null : "card_declined",
        failure_message: decline === null ? null : declineMessage(decline),
        outcome:
          decline === null
            ? { network_status: "approved_by_network", reason: null, seller_message: "Payment complete.", type: "authorized" }
            : { network_status: "declined_by_network", reason: decline, seller_message: "The bank did not return any further details with this decline.", type: "issuer_declined" },
      };
      putObj(scope, "charges", chargeId, charge);
      pi.latest_charge = chargeId;
      if (decline !== null) {
        pi.status = "requires_payment_method";
        pi.last_payment_error = {
          charge: chargeId,
          code: "card_declined",
          decline_code: decline,
          message: declineMessage(decline),
          type: "card_error",
        };
        putObj(scope, "payment_intents", id, pi);
        return cardError(decline, { charge: chargeId, payment_intent: pi });
      }
      pi.status = "succeeded";
      pi.amount_received = pi.amount ?? 0;
      pi.last_payment_error = null;
      putObj(scope, "payment_intents", id, pi);
      return json(200, expand(scope, pi, params));
    }

    // Invoice pay
    if (res === "invoices" && id && action === "pay" && method === "POST" && n === 4) {
      const inv = getObj(scope, "invoices", id);
      if (!inv) return noSuch("invoice", id);
      if (inv.status === "paid") return badParam("Invoice is already paid", undefined, "invoice_not_open");
      if (inv.status === "void") return badParam("You cannot pay a void invoice.", undefined, "invoice_not_open");
      const decline = scriptedFailure(inv, "next_pay_outcome", "next_pay_decline_code");
      inv.attempted = true;
      inv.attempt_count = (typeof inv.attempt_count === "number" ? inv.attempt_count : 0) + 1;
      if (decline !== null) {
        putObj(scope, "invoices", id, inv);
        return cardError(decline, {});
      }
      inv.status = "paid";
      inv.amount_paid = inv.amount_due ?? inv.total ?? 0;
      inv.amount_remaining = 0;
      inv.status_transitions = { ...(isObj(inv.status_transitions) ? inv.status_transitions : {}), paid_at: now() };
      inv.next_payment_attempt = null;
      putObj(scope, "invoices", id, inv);
      const cust = isObj(inv.customer) ? inv.customer.id : inv.customer;
      if (typeof cust === "string") {
        const paid = getObj<unknown[]>(scope, "paid_invoices", cust) ?? [];
        putObj(scope, "paid_invoices", cust, [inv, ...(Array.isArray(paid) ? paid.filter((x) => !(isObj(x) && x.id === id)) : [])]);
      }
      return json(200, expand(scope, inv, params));
    }

    // Invoice list (paid invoices of a customer)
    if (res === "invoices" && method === "GET" && n === 2) {
      let data: unknown[] = [];
      const customer = typeof params.customer === "string" ? params.customer : null;
      const ids = customer ? [customer] : allIds(scope, "paid_invoices");
      for (const c of ids) {
        const list = getObj<unknown>(scope, "paid_invoices", c);
        if (Array.isArray(list)) data.push(...list);
      }
      if (typeof params.status === "string") {
        data = data.filter((x) => !isObj(x) || x.status === undefined || x.status === params.status);
      }
      if (typeof params.subscription === "string") {
        data = data.filter((x) => !isObj(x) || x.subscription === undefined || x.subscription === params.subscription);
      }
      data = newestFirst(data);
      return json(200, expand(scope, stripeList("/v1/invoices", data, params), params));
    }

    // Price list (lookup_keys[] / product / active filters)
    if (res === "prices" && method === "GET" && n === 2) {
      let data: unknown[] = allIds(scope, "prices").map((pid) => getObj(scope, "prices", pid));
      const lookupKeys: unknown = params.lookup_keys;
      if (Array.isArray(lookupKeys)) data = data.filter((x) => isObj(x) && lookupKeys.includes(x.lookup_key));
      if (typeof params.product === "string") data = data.filter((x) => isObj(x) && (isObj(x.product) ? x.product.id : x.product) === params.product);
      if (params.active !== undefined) data = data.filter((x) => isObj(x) && x.active === coerce(params.active));
      return json(200, expand(scope, stripeList("/v1/prices", newestFirst(data), params), params));
    }

    // Invoice payments list
    if (res === "invoice_payments" && method === "GET" && n === 2) {
      let data: unknown[] = [];
      if (typeof params.invoice === "string") {
        const list = getObj<unknown>(scope, "invoice_payments", params.invoice);
        if (Array.isArray(list)) data = list;
      } else {
        for (const inv of allIds(scope, "invoice_payments")) {
          const list = getObj<unknown>(scope, "invoice_payments", inv);
          if (Array.isArray(list)) data.push(...list);
        }
      }
      const payment = isObj(params.payment) ? params.payment : null;
      if (payment) {
        data = data.filter((x) => {
          if (!isObj(x)) return false;
          const p = isObj(x.payment) ? x.payment : {};
          if (typeof payment.type === "string" && p.type !== undefined && p.type !== payment.type) return false;
          if (typeof payment.payment_intent === "string") {
            const pi = isObj(p.payment_intent) ? p.payment_intent.id : p.payment_intent;
            if (pi !== payment.payment_intent) return false;
          }
          if (typeof payment.payment_record === "string") {
            const pr = isObj(p.payment_record) ? p.payment_record.id : p.payment_record;
            if (pr !== payment.payment_record) return false;
          }
          return true;
        });
      }
      if (typeof params.status === "string") data = data.filter((x) => !isObj(x) || x.status === undefined || x.status === params.status);
      return json(200, expand(scope, stripeList("/v1/invoice_payments", data, params), params));
    }

    // Coupons
    if (res === "coupons" && method === "POST" && n === 2) {
      const percentOff = num(params.percent_off);
      const amountOff = num(params.amount_off);
      if (percentOff === null && amountOff === null) return badParam("Must provide one of `percent_off` or `amount_off`.", "percent_off");
      if (percentOff !== null && (percentOff <= 0 || percentOff > 100)) return badParam("Invalid percent_off: must be greater than 0 and at most 100", "percent_off");
      if (amountOff !== null && typeof params.currency !== "string") return badParam("You must pass `currency` when passing `amount_off`.", "currency");
      const duration = typeof params.duration === "string" ? params.duration : "once";
      if (duration === "repeating" && num(params.duration_in_months) === null) {
        return badParam("You must pass `duration_in_months` when `duration` is `repeating`.", "duration_in_months");
      }
      const cid = typeof params.id === "string" && params.id !== "" ? params.id : randomId("co_", 8);
      if (getObj(scope, "coupons", cid)) return badParam("Coupon already exists.", "id", "resource_already_exists");
      const coupon: Obj = {
        id: cid,
        object: "coupon",
        amount_off: amountOff,
        created: now(),
        currency: typeof params.currency === "string" ? params.currency : null,
        duration,
        duration_in_months: num(params.duration_in_months),
        livemode: false,
        max_redemptions: num(params.max_redemptions),
        metadata: {},
        name: typeof params.name === "string" ? params.name : null,
        percent_off: percentOff,
        redeem_by: num(params.redeem_by),
        times_redeemed: 0,
        valid: true,
      };
      applyMetadata(coupon, params.metadata);
      putObj(scope, "coupons", cid, coupon);
      return json(200, coupon);
    }

    // Promotion codes
    if (res === "promotion_codes" && method === "POST" && n === 2) {
      const promotion = isObj(params.promotion) ? params.promotion : null;
      const couponId =
        promotion && typeof promotion.coupon === "string" ? promotion.coupon : typeof params.coupon === "string" ? params.coupon : null;
      if (!couponId) return badParam("Missing required param: promotion[coupon].", "promotion[coupon]", "parameter_missing");
      if (promotion && promotion.type !== undefined && promotion.type !== "coupon") {
        return badParam(`Invalid promotion[type]: must be one of coupon`, "promotion[type]");
      }
      const coupon = getObj(scope, "coupons", couponId);
      if (!coupon) return noSuch("coupon", couponId, "promotion[coupon]");
      const code = typeof params.code === "string" && params.code !== "" ? params.code : randomId("", 8).toUpperCase();
      if (!/^[a-zA-Z0-9-]+$/.test(code)) return badParam("Invalid code: only letters, digits and dashes are allowed.", "code");
      const customer = typeof params.customer === "string" ? params.customer : null;
      if (customer && !getObj(scope, "customers", customer)) return noSuch("customer", customer, "customer");
      for (const pid of allIds(scope, "promotion_codes")) {
        const p = getObj(scope, "promotion_codes", pid);
        if (p && p.active !== false && String(p.code).toLowerCase() === code.toLowerCase() && (p.customer ?? null) === customer) {
          return badParam(`An active promotion code with \`code: ${code}\` already exists.`, "code", "resource_already_exists");
        }
      }
      const expiresAt = num(params.expires_at);
      if (expiresAt !== null && typeof coupon.redeem_by === "number" && expiresAt > coupon.redeem_by) {
        return badParam("The promotion code's `expires_at` may not be after the coupon's `redeem_by`.", "expires_at");
      }
      const promo: Obj = {
        id: randomId("promo_", 24),
        object: "promotion_code",
        active: params.active === undefined ? true : coerce(params.active) !== false,
        code,
        created: now(),
        customer,
        customer_account: null,
        expires_at: expiresAt,
        livemode: false,
        max_redemptions: num(params.max_redemptions),
        metadata: {},
        promotion: { coupon: couponId, type: "coupon" },
        restrictions: {
          first_time_transaction: false,
          minimum_amount: null,
          minimum_amount_currency: null,
          ...(isObj(params.restrictions) ? (coerce(params.restrictions) as Obj) : {}),
        },
        times_redeemed: 0,
      };
      applyMetadata(promo, params.metadata);
      putObj(scope, "promotion_codes", promo.id as string, promo);
      return json(200, expand(scope, promo, params));
    }

    // Billing portal sessions
    if (res === "billing_portal" && id === "sessions" && method === "POST" && n === 3) {
      const customer = typeof params.customer === "string" ? params.customer : null;
      if (!customer) return badParam("Missing required param: customer.", "customer", "parameter_missing");
      if (!getObj(scope, "customers", customer)) return noSuch("customer", customer, "customer");
      const flow = isObj(params.flow_data) ? (coerce(params.flow_data) as Obj) : null;
      const sid = randomId("bps_", 24);
      const session: Obj = {
        id: sid,
        object: "billing_portal.session",
        configuration: typeof params.configuration === "string" ? params.configuration : "bpc_fake",
        created: now(),
        customer,
        customer_account: null,
        flow,
        livemode: false,
        locale: typeof params.locale === "string" ? params.locale : null,
        on_behalf_of: null,
        return_url: typeof params.return_url === "string" ? params.return_url : null,
        url: `${url}/portal/${sid}`,
      };
      putObj(scope, "billing_portal_sessions", sid, session);
      return json(200, session);
    }

    return unknown();
  }

  // ---- failure injection ----
  function takeFail(scope: string, provider: FakeProvider, method: string, path: string): FailSpec | null {
    const s = state(scope);
    const i = s.fails.findIndex(
      (f) =>
        f.provider === provider &&
        f.remaining > 0 &&
        (f.path === undefined || path.startsWith(f.path)) &&
        (f.method === undefined || f.method.toUpperCase() === method),
    );
    if (i < 0) return null;
    const f = s.fails[i]!;
    f.remaining -= 1;
    if (f.remaining <= 0) s.fails.splice(i, 1);
    return f;
  }

  function record(provider: FakeProvider, scope: string, req: IncomingMessage, u: URL, body: unknown): RecordedRequest {
    const r: RecordedRequest = {
      seq: ++seq,
      provider,
      scope,
      method: req.method ?? "GET",
      path: u.pathname,
      query: decodeStripeForm(u.search.slice(1)),
      headers: redactHeaders(req),
      body,
      at: new Date().toISOString(),
    };
    const s = state(scope);
    s.records.push(r);
    s.counts[provider] += 1;
    return r;
  }

  // ---- provider handlers ----
  async function handleStripe(req: IncomingMessage, u: URL, raw: string): Promise<Reply> {
    const method = req.method ?? "GET";
    const key = bearer(req) ?? "";
    const scope = normalizeScope(key);
    const body = parseBody(raw, req.headers["content-type"]);
    const rec = record("stripe", scope, req, u, body);
    const reqId = randomId("req_");
    const finish = (reply: Reply): Reply => {
      rec.status = reply.status;
      return {
        ...reply,
        headers: {
          ...reply.headers,
          "request-id": reqId,
          "stripe-version": String(req.headers["stripe-version"] ?? "2026-10-28.endive"),
        },
      };
    };
    if (!key) {
      return finish(
        stripeErr(401, {
          message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
          type: "invalid_request_error",
        }),
      );
    }
    const fail = takeFail(scope, "stripe", method, u.pathname);
    if (fail?.hangMs !== undefined) await sleep(fail.hangMs);
    else if (fail) {
      rec.injected = true;
      const status = fail.status ?? 500;
      if (status === 429) {
        return finish(
          json(
            429,
            {
              error: {
                code: "rate_limit",
                doc_url: "https://stripe.com/docs/error-codes/rate-limit",
                message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
                type: "invalid_request_error",
              },
            },
            { "retry-after": "0" },
          ),
        );
      }
      return finish(json(status, { error: { message: "An unknown error occurred (injected by the fake).", type: "api_error" } }));
    }
    const params: Obj = { ...decodeStripeForm(u.search.slice(1)), ...(isObj(body) ? body : {}) };
    const idemKey = method === "POST" ? req.headers["idempotency-key"] : undefined;
    const s = state(scope);
    if (typeof idemKey === "string" && idemKey !== "") {
      const fingerprint = `${method} ${u.pathname} ${raw}`;
      const prev = s.stripeIdem.get(idemKey);
      if (prev) {
        if (prev.fingerprint !== fingerprint) {
          return finish(
            stripeErr(400, {
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
              type: "idempotency_error",
            }),
          );
        }
        rec.replayed = true;
        return finish({ ...prev.reply, headers: { ...prev.reply.headers, "idempotent-replayed": "true", "original-request": reqId } });
      }
      const reply = stripeRoute(scope, method, u.pathname, params);
      if ((reply.status >= 200 && reply.status < 300) || reply.status === 402) s.stripeIdem.set(idemKey, { fingerprint, reply });
      return finish(reply);
    }
    return finish(stripeRoute(scope, method, u.pathname, params));
  }

  function geminiError(status: number, message?: string): Obj {
    const st: Record<number, string> = {
      400: "INVALID_ARGUMENT",
      403: "PERMISSION_DENIED",
      404: "NOT_FOUND",
      429: "RESOURCE_EXHAUSTED",
      500: "INTERNAL",
      503: "UNAVAILABLE",
      504: "DEADLINE_EXCEEDED",
    };
    return {
      error: {
        code: status,
        message: message ?? (status === 429 ? "Resource has been exhausted (e.g. check quota)." : "An internal error has occurred. (fake)"),
        status: st[status] ?? "UNKNOWN",
      },
    };
  }

  function geminiDefault(model: string): Obj {
    return {
      candidates: [{ content: { role: "model", parts: [{ text: "ok" }] }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 1, totalTokenCount: 11 },
      modelVersion: model,
      responseId: randomId("resp_", 16),
    };
  }

  async function handleGemini(req: IncomingMessage, res: ServerResponse, u: URL, raw: string): Promise<Reply | null> {
    const m = /^\/(v1beta|v1|v1alpha)\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(u.pathname);
    const keyHeader = req.headers["x-goog-api-key"];
    const key = (typeof keyHeader === "string" ? keyHeader : null) ?? u.searchParams.get("key") ?? "";
    const scope = normalizeScope(key);
    const rec = record("gemini", scope, req, u, parseBody(raw, req.headers["content-type"]));
    const finish = (reply: Reply): Reply => {
      rec.status = reply.status;
      return reply;
    };
    if (!m || req.method !== "POST") return finish(json(404, geminiError(404, `Method not found: ${req.method} ${u.pathname}`)));
    if (!key) return finish(json(403, geminiError(403, "Method doesn't allow unregistered callers. Please use API Key or other form of API consumer identity to call this API.")));
    const model = decodeURIComponent(m[2]!);
    const stream = m[3] === "streamGenerateContent";
    const s = state(scope);
    s.geminiInFlight += 1;
    s.geminiPeakInFlight = Math.max(s.geminiPeakInFlight, s.geminiInFlight);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      s.geminiInFlight -= 1;
    };
    res.once("close", release);
    try {
      let reply: Reply;
      const fail = takeFail(scope, "gemini", "POST", u.pathname);
      if (fail && fail.hangMs === undefined) {
        rec.injected = true;
        const status = fail.status ?? 500;
        reply = json(status, geminiError(status), status === 429 ? { "retry-after": "0" } : undefined);
      } else {
        if (fail?.hangMs !== undefined) await sleep(fail.hangMs);
        const entry = s.geminiScript.shift();
        const wait = (entry?.hangMs ?? 0) + (entry?.delayMs ?? 0);
        if (wait > 0) await sleep(wait);
        const status = entry?.status ?? 200;
        const body = entry?.body ?? (status >= 200 && status < 300 ? geminiDefault(model) : geminiError(status));
        reply = json(status, body);
        if (stream && status === 200) {
          reply = text(200, `data: ${JSON.stringify(body)}\r\n\r\n`, "text/event-stream");
        }
      }
      return finish(reply);
    } finally {
      release();
    }
  }

  function resendError(status: number, name: string, message: string, headers?: Record<string, string>): Reply {
    return json(status, { statusCode: status, name, message }, headers);
  }

  async function handleResend(req: IncomingMessage, u: URL, raw: string): Promise<Reply> {
    const method = req.method ?? "GET";
    const key = bearer(req) ?? "";
    const scope = normalizeScope(key);
    const body = parseBody(raw, req.headers["content-type"]);
    const rec = record("resend", scope, req, u, body);
    const finish = (reply: Reply): Reply => {
      rec.status = reply.status;
      return reply;
    };
    if (!key) return finish(resendError(401, "missing_api_key", "Missing API key in the authorization header."));
    const fail = takeFail(scope, "resend", method, u.pathname);
    if (fail?.hangMs !== undefined) await sleep(fail.hangMs);
    else if (fail) {
      rec.injected = true;
      const status = fail.status ?? 500;
      if (status === 429) {
        return finish(
          resendError(429, "rate_limit_exceeded", "Too many requests. You can only make 2 requests per second. See rate limit response headers for more information. Or contact support to increase rate limit.", { "retry-after": "0" }),
        );
      }
      return finish(resendError(status, "application_error", "Internal server error. We are unable to process your request right now, please try again later."));
    }
    const s = state(scope);
    const path = u.pathname.replace(/^\/resend/, "");
    const getMatch = /^\/emails\/([^/]+)$/.exec(path);
    if (method === "GET" && getMatch) {
      const e = s.resendEmails.get(decodeURIComponent(getMatch[1]!));
      return finish(e ? json(200, e) : resendError(404, "not_found", "Email not found"));
    }
    if (method !== "POST" || (path !== "/emails" && path !== "/emails/batch")) {
      return finish(resendError(404, "not_found", "The requested endpoint does not exist."));
    }
    const batch = path === "/emails/batch";
    const emails: unknown[] = batch ? (Array.isArray(body) ? body : []) : [body];
    for (const e of emails) {
      if (!isObj(e)) return finish(resendError(422, "validation_error", "Invalid JSON body."));
      for (const field of ["from", "to", "subject"]) {
        if (e[field] === undefined || e[field] === null || e[field] === "") {
          return finish(resendError(422, "missing_required_field", `Missing \`${field}\` field.`));
        }
      }
    }
    const idemKey = req.headers["idempotency-key"];
    const fingerprint = `${path} ${raw}`;
    if (typeof idemKey === "string" && idemKey !== "") {
      const prev = s.resendIdem.get(idemKey);
      if (prev) {
        if (prev.fingerprint !== fingerprint) {
          return finish(resendError(409, "invalid_idempotent_request", "Same idempotency key used with a different request payload."));
        }
        rec.replayed = true;
        return finish(json(200, JSON.parse(prev.response) as unknown));
      }
    }
    const ids = emails.map((e) => {
      const id = randomUUID();
      const email = e as Obj;
      s.resendEmails.set(id, {
        object: "email",
        id,
        to: Array.isArray(email.to) ? email.to : [email.to],
        from: email.from,
        subject: email.subject,
        html: email.html ?? null,
        text: email.text ?? null,
        bcc: email.bcc ?? null,
        cc: email.cc ?? null,
        reply_to: email.reply_to ?? null,
        tags: email.tags ?? null,
        headers: email.headers ?? null,
        created_at: new Date().toISOString(),
        last_event: "delivered",
      });
      return id;
    });
    const out = batch ? { data: ids.map((id) => ({ id })) } : { id: ids[0] };
    if (typeof idemKey === "string" && idemKey !== "") s.resendIdem.set(idemKey, { fingerprint, response: JSON.stringify(out) });
    return finish(json(200, out));
  }

  async function handleSlack(req: IncomingMessage, u: URL, raw: string): Promise<Reply> {
    const method = req.method ?? "GET";
    const body = parseBody(raw, req.headers["content-type"]);
    const hook = /^\/slack\/(response|webhook)\/([^/]+)$/.exec(u.pathname);
    let scope: string;
    if (hook) scope = normalizeScope(decodeURIComponent(hook[2]!).split(".")[0] ?? "");
    else scope = normalizeScope(bearer(req) ?? (isObj(body) && typeof body.token === "string" ? body.token : ""));
    const rec = record("slack", scope, req, u, body);
    const finish = (reply: Reply): Reply => {
      rec.status = reply.status;
      return reply;
    };
    const fail = takeFail(scope, "slack", method, u.pathname);
    if (fail?.hangMs !== undefined) await sleep(fail.hangMs);
    else if (fail) {
      rec.injected = true;
      const status = fail.status ?? 500;
      const headers = status === 429 ? { "retry-after": "0" } : undefined;
      if (hook) return finish({ ...text(status, status === 429 ? "rate_limited" : "internal_error"), ...(headers ? { headers } : {}) });
      return finish(json(status, { ok: false, error: status === 429 ? "ratelimited" : "internal_error" }, headers));
    }
    if (hook) {
      if (method !== "POST") return finish(text(405, "invalid_method"));
      if (!isObj(body)) return finish(text(400, "invalid_payload"));
      return finish(text(200, "ok"));
    }
    const api = /^\/slack\/api\/([A-Za-z.]+)$/.exec(u.pathname);
    if (!api) return finish(json(404, { ok: false, error: "unknown_method" }));
    if (!scope) return finish(json(200, { ok: false, error: "not_authed" }));
    const apiMethod = api[1]!;
    const p: Obj = isObj(body) ? body : {};
    if (apiMethod === "chat.postMessage" || apiMethod === "chat.update" || apiMethod === "chat.postEphemeral") {
      if (typeof p.channel !== "string" || p.channel === "") return finish(json(200, { ok: false, error: "channel_not_found" }));
      if (!p.text && !p.blocks && !p.attachments) return finish(json(200, { ok: false, error: "no_text" }));
      const ts = apiMethod === "chat.update" && typeof p.ts === "string" ? p.ts : "1700000000.000100";
      const message: Obj = {
        type: "message",
        user: "U0FAKEBOT",
        bot_id: "B0FAKEBOT",
        app_id: "A0FAKEAPP",
        text: typeof p.text === "string" ? p.text : "",
        ts,
        ...(p.blocks !== undefined ? { blocks: typeof p.blocks === "string" ? (parseBody(p.blocks, "json") as unknown) : p.blocks } : {}),
        ...(p.thread_ts !== undefined ? { thread_ts: p.thread_ts } : {}),
      };
      if (apiMethod === "chat.postEphemeral") return finish(json(200, { ok: true, message_ts: ts }));
      return finish(json(200, { ok: true, channel: p.channel, ts, ...(apiMethod === "chat.update" ? { text: message.text } : {}), message }));
    }
    if (apiMethod === "auth.test") {
      return finish(json(200, { ok: true, url: "https://fake.slack.com/", team: "Fake", user: "recovery-bot", team_id: "T0FAKE", user_id: "U0FAKEBOT", bot_id: "B0FAKEBOT" }));
    }
    return finish(json(200, { ok: true }));
  }

  // ---- control API ----
  async function handleControl(req: IncomingMessage, u: URL, raw: string): Promise<Reply> {
    const method = req.method ?? "GET";
    const scopeParam = u.searchParams.get("scope");
    const all = scopeParam === "*";
    const scope = normalizeScope(scopeParam ?? "");
    const path = u.pathname;
    let body: unknown = null;
    if (raw !== "") {
      try {
        body = JSON.parse(raw) as unknown;
      } catch {
        return json(400, { error: "control API bodies must be JSON" });
      }
    }
    const targets = (): ScopeState[] => (all ? [...scopes.values()] : [state(scope)]);

    if (path === "/__fake/health") return json(200, { ok: true, url });
    if (path === "/__fake/requests" && method === "GET") {
      const provider = u.searchParams.get("provider");
      const recs = targets()
        .flatMap((s) => s.records)
        .filter((r) => !provider || r.provider === provider)
        .sort((a, b) => a.seq - b.seq);
      return json(200, recs);
    }
    if (path === "/__fake/reset" && method === "POST") {
      if (all) scopes.clear();
      else scopes.delete(scope);
      return json(200, { ok: true });
    }
    if (path === "/__fake/gemini/script" && method === "POST") {
      const entries = Array.isArray(body) ? body : isObj(body) ? [body] : null;
      if (!entries) return json(400, { error: "body must be a JSON array of script entries" });
      state(scope).geminiScript.push(...(entries as GeminiScriptEntry[]));
      return json(200, { ok: true, queued: state(scope).geminiScript.length });
    }
    if (path === "/__fake/fail" && method === "POST") {
      const specs = Array.isArray(body) ? body : isObj(body) ? [body] : null;
      if (!specs) return json(400, { error: "body must be a fail spec or an array of them" });
      for (const spec of specs as FailSpec[]) {
        if (!isObj(spec) || !["stripe", "gemini", "resend", "slack"].includes(spec.provider)) {
          return json(400, { error: "provider must be one of stripe, gemini, resend, slack" });
        }
        if (spec.status === undefined && spec.hangMs === undefined) return json(400, { error: "need status or hangMs" });
        state(scope).fails.push({ ...spec, remaining: spec.count ?? 1 });
      }
      return json(200, { ok: true });
    }
    const sm = /^\/__fake\/stripe\/([^/]+)\/([^/]+)$/.exec(path);
    if (sm) {
      const coll = decodeURIComponent(sm[1]!) as StripeCollection;
      const id = decodeURIComponent(sm[2]!);
      if (!COLLECTIONS.includes(coll)) return json(400, { error: `unknown collection ${coll}; one of ${COLLECTIONS.join(", ")}` });
      if (method === "PUT") {
        if ((coll === "invoice_payments" || coll === "paid_invoices") && !Array.isArray(body)) {
          return json(400, { error: `${coll} body must be an array` });
        }
        if (coll !== "invoice_payments" && coll !== "paid_invoices" && !isObj(body)) return json(400, { error: "body must be an object" });
        const value = isObj(body) && body.id === undefined ? { id, ...body } : body;
        putObj(scope, coll, id, value);
        return json(200, { ok: true });
      }
      if (method === "PATCH") {
        const cur = getObj<unknown>(scope, coll, id);
        if (!isObj(cur) || !isObj(body)) return json(cur === undefined ? 404 : 400, { error: "PATCH needs an existing object and an object body" });
        putObj(scope, coll, id, { ...cur, ...body });
        return json(200, { ok: true });
      }
      if (method === "GET") {
        const o = getObj(scope, coll, id);
        return o === undefined ? json(404, { error: "not found" }) : json(200, o);
      }
    }
    if (path === "/__fake/stats" && method === "GET") {
      const ts = targets();
      const stats: FakeStats = {
        geminiInFlight: ts.reduce((a, s) => a + s.geminiInFlight, 0),
        geminiPeakInFlight: ts.reduce((a, s) => Math.max(a, s.geminiPeakInFlight), 0),
        counts: {
          stripe: ts.reduce((a, s) => a + s.counts.stripe, 0),
          gemini: ts.reduce((a, s) => a + s.counts.gemini, 0),
          resend: ts.reduce((a, s) => a + s.counts.resend, 0),
          slack: ts.reduce((a, s) => a + s.counts.slack, 0),
        },
      };
      return json(200, stats);
    }
    return json(404, { error: `unknown control route ${method} ${path}` });
  }

  function portalPage(id: string): Reply {
    const safe = escapeHtml(id);
    return text(
      200,
      `<!doctype html><html><head><meta charset="utf-8"><title>Billing portal (fake)</title></head>` +
        `<body><h1>Billing portal</h1><p>Session <code>${safe}</code></p><p>Update your payment method here (fake page).</p></body></html>`,
      "text/html; charset=utf-8",
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? "/", "http://127.0.0.1");
    const raw = await readRaw(req);
    const p = u.pathname;
    let reply: Reply | null;
    if (p.startsWith("/__fake/")) reply = await handleControl(req, u, raw);
    else if (/^\/(v1beta|v1alpha)\//.test(p) || /^\/v1\/models\//.test(p)) reply = await handleGemini(req, res, u, raw);
    else if (p.startsWith("/v1/")) reply = await handleStripe(req, u, raw);
    else if (p === "/resend" || p.startsWith("/resend/")) reply = await handleResend(req, u, raw);
    else if (p.startsWith("/slack/")) reply = await handleSlack(req, u, raw);
    else if (p.startsWith("/portal/") && req.method === "GET") reply = portalPage(decodeURIComponent(p.slice("/portal/".length)));
    else reply = json(404, { error: `fake server: no route for ${req.method} ${p}` });
    if (reply) send(res, reply);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error("[fake] handler error", err);
      send(res, json(500, { error: String(err) }));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
