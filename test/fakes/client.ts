/**
 * @module test/fakes/client
 * Typed helper for the local provider fake (`test/fakes/server.ts`). Uses only `fetch`, so it runs
 * inside workerd tests as well as from Node scripts. Also holds the wire types the server shares.
 *
 * Scoping: every provider request is scoped by its API key (Stripe bearer token, `x-goog-api-key`,
 * Resend bearer key, Slack bot token; for Slack `response_url`/webhook paths the `:id` segment up to
 * the first "."). One well-known key prefix is stripped first (`sk_test_`, `sk_live_`, `rk_test_`,
 * `rk_live_`, `re_`, `xoxb-`, `xoxp-`, `gk_`), so `sk_test_foo`, `re_foo`, `xoxb-foo`, `gk_foo`, `foo`
 * and `/slack/response/foo.1` all land in scope `foo`. The control API normalises `?scope=` the same way.
 */

export type FakeProvider = "stripe" | "gemini" | "resend" | "slack" | "hooks";

export type StripeCollection =
  | "customers"
  | "subscriptions"
  | "payment_intents"
  | "charges"
  | "invoices"
  | "invoice_payments"
  | "paid_invoices"
  | "coupons"
  | "promotion_codes"
  | "discounts"
  | "billing_portal_sessions"
  | "payment_methods"
  | "prices"
  | "products"
  | "webhook_endpoints"
  | "billing_portal_configurations"
  | "checkout_sessions"
  | "setup_intents";

/** Seed data for the fake Stripe. `invoice_payments` is keyed by invoice id, `paid_invoices` by customer id (both arrays). */
export type StripeObjectStore = { [C in StripeCollection]?: Record<string, unknown> };

export interface RecordedRequest {
  /** Global arrival order. */
  seq: number;
  provider: FakeProvider;
  scope: string;
  method: string;
  path: string;
  /** Query string, decoded with Stripe's bracket rules (`a[b]=c` -> `{a:{b:"c"}}`). */
  query: Record<string, unknown>;
  /** Lowercased request headers; `authorization` -> "Bearer ***", `x-goog-api-key` -> "***". */
  headers: Record<string, string>;
  /** Parsed body: form -> nested object, JSON -> value, otherwise the raw text (null when empty). */
  body: unknown;
  /** The body exactly as received (hooks only: a signature is checked over these bytes). */
  raw?: string;
  /** ISO timestamp of arrival. */
  at: string;
  /** Response status, set once answered (undefined while in flight). */
  status?: number;
  /** True when the response was an idempotent replay (Stripe / Resend `Idempotency-Key`). */
  replayed?: boolean;
  /** True when the response came from an injected `/__fake/fail` rule. */
  injected?: boolean;
}

/** One scripted `generateContent` answer. `hangMs`: wait, then answer `body` (default text "ok") with 200 (or `status`). */
export interface GeminiScriptEntry {
  status?: number;
  body?: unknown;
  hangMs?: number;
  delayMs?: number;
}

/**
 * The next `count` (default 1) requests of `provider` (optionally only `method`, only paths starting with `path`)
 * fail with `status` (500/429/...; 429 adds `Retry-After: 0`), or with `hangMs` wait that long and then answer normally.
 */
export interface FailSpec {
  provider: FakeProvider;
  status?: number;
  hangMs?: number;
  count?: number;
  path?: string;
  method?: string;
  /**
   * Stripe only: "before" (default) fails before the request executes (nothing stored, the key stays free);
   * "after" executes the request (its effect happens) and then answers the 5xx, which is stored under the
   * Idempotency-Key and replayed for every later request with that key, as Stripe does. "stored": the request
   * began executing and failed inside Stripe before it changed anything; the 5xx is stored and replayed all the same.
   */
  when?: "before" | "after" | "stored";
}

export interface FakeStats {
  geminiInFlight: number;
  geminiPeakInFlight: number;
  counts: Record<FakeProvider, number>;
}

export interface FakeClient {
  readonly scope: string;
  /** Clear this scope's records, scripts, failure rules, idempotency caches and Stripe overlay objects. */
  reset(): Promise<void>;
  requests(provider?: FakeProvider): Promise<RecordedRequest[]>;
  scriptGemini(entries: GeminiScriptEntry | GeminiScriptEntry[]): Promise<void>;
  fail(spec: FailSpec | FailSpec[]): Promise<void>;
  putStripe(collection: StripeCollection, id: string, obj: unknown): Promise<void>;
  /** Shallow-merge fields into the object this scope sees (e.g. `{next_confirm_outcome: "fail"}` on a fixture PI). */
  patchStripe(collection: StripeCollection, id: string, fields: Record<string, unknown>): Promise<void>;
  /** The object as this scope currently sees it (overlay, else fixture), or null. */
  getStripe<T = Record<string, unknown>>(collection: StripeCollection, id: string): Promise<T | null>;
  stats(): Promise<FakeStats>;
}

export function fakeClient(fakeUrl: string, scope: string): FakeClient {
  const base = fakeUrl.replace(/\/+$/, "");
  const q = `scope=${encodeURIComponent(scope)}`;
  async function call(method: string, path: string, body?: unknown): Promise<Response> {
    const res = await fetch(`${base}${path}${path.includes("?") ? "&" : "?"}${q}`, {
      method,
      ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    if (!res.ok && res.status !== 404) {
      throw new Error(`fake ${method} ${path} -> ${res.status}: ${await res.text()}`);
    }
    return res;
  }
  async function ok(method: string, path: string, body?: unknown): Promise<void> {
    const res = await call(method, path, body);
    if (!res.ok) throw new Error(`fake ${method} ${path} -> ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  }
  return {
    scope,
    reset: () => ok("POST", "/__fake/reset"),
    async requests(provider) {
      const res = await call("GET", `/__fake/requests${provider ? `?provider=${provider}` : ""}`);
      return (await res.json()) as RecordedRequest[];
    },
    scriptGemini: (entries) => ok("POST", "/__fake/gemini/script", Array.isArray(entries) ? entries : [entries]),
    fail: (spec) => ok("POST", "/__fake/fail", spec),
    putStripe: (collection, id, obj) =>
      ok("PUT", `/__fake/stripe/${encodeURIComponent(collection)}/${encodeURIComponent(id)}`, obj),
    patchStripe: (collection, id, fields) =>
      ok("PATCH", `/__fake/stripe/${encodeURIComponent(collection)}/${encodeURIComponent(id)}`, fields),
    async getStripe<T>(collection: StripeCollection, id: string): Promise<T | null> {
      const res = await call("GET", `/__fake/stripe/${encodeURIComponent(collection)}/${encodeURIComponent(id)}`);
      if (res.status === 404) {
        await res.arrayBuffer();
        return null;
      }
      return (await res.json()) as T;
    },
    async stats() {
      const res = await call("GET", "/__fake/stats");
      return (await res.json()) as FakeStats;
    },
  };
}

// ---- Gemini GenerateContentResponse builders ----

export interface GeminiFunctionCallSpec {
  name: string;
  args: Record<string, unknown>;
}

export interface GeminiResponseBody {
  candidates: Array<{
    content: { role: "model"; parts: Array<Record<string, unknown>> };
    finishReason: string;
    index: number;
  }>;
  usageMetadata: { promptTokenCount: number; candidatesTokenCount: number; totalTokenCount: number };
  modelVersion: string;
}

function geminiResponse(parts: Array<Record<string, unknown>>): GeminiResponseBody {
  return {
    candidates: [{ content: { role: "model", parts }, finishReason: "STOP", index: 0 }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
    modelVersion: "fake-gemini",
  };
}

export function geminiFunctionCalls(calls: GeminiFunctionCallSpec[]): GeminiResponseBody {
  return geminiResponse(calls.map((c) => ({ functionCall: { name: c.name, args: c.args } })));
}

export function geminiFunctionCall(name: string, args: Record<string, unknown> = {}): GeminiResponseBody {
  return geminiFunctionCalls([{ name, args }]);
}

export function geminiText(text: string): GeminiResponseBody {
  return geminiResponse([{ text }]);
}
