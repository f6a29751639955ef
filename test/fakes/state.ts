/**
 * @module test/fakes/state
 * The fake's memory: one `ScopeState` per API-key scope (recorded requests, scripted Gemini replies, injected
 * failures, the Stripe overlay and idempotency caches), the recorder every provider handler calls first, and
 * the failure-injection queue (`takeFail`). Scopes keep parallel test files apart on one server.
 */
import type { IncomingMessage } from "node:http";
import type { FailSpec, FakeProvider, GeminiScriptEntry, RecordedRequest, StripeCollection, StripeObjectStore } from "./client.ts";
import { decodeStripeForm, redactHeaders, type Obj, type Reply } from "./http.ts";
import { createStripeStore, type StripeStore } from "./stripe-store.ts";

/** Everything the fake remembers for one scope. */
export interface ScopeState {
  records: RecordedRequest[];
  geminiScript: GeminiScriptEntry[];
  fails: Array<FailSpec & { remaining: number }>;
  overlay: Map<StripeCollection, Map<string, unknown>>;
  stripeIdem: Map<string, { fingerprint: string; reply: Reply }>;
  /** Idempotency keys of Stripe requests executing right now (a concurrent one with the same key gets 409). */
  stripeInFlight: Set<string>;
  resendIdem: Map<string, { fingerprint: string; response: string }>;
  resendEmails: Map<string, Obj>;
  geminiInFlight: number;
  geminiPeakInFlight: number;
  counts: Record<FakeProvider, number>;
}

/** The state of one running fake server, handed to every provider handler. */
export interface FakeState {
  /** Base URL of the server (set once it listens). */
  url: string;
  readonly scopes: Map<string, ScopeState>;
  readonly store: StripeStore;
  /** The scope's state, created on first use. */
  state(scope: string): ScopeState;
  /** Records an incoming request in its scope; handlers set `status` on the returned record when they answer. */
  record(provider: FakeProvider, scope: string, req: IncomingMessage, u: URL, body: unknown): RecordedRequest;
  /** The next injected failure matching this request, if any (consumes one of its `count`). */
  takeFail(scope: string, provider: FakeProvider, method: string, path: string): FailSpec | null;
}

/** Creates the state of a fake server: Stripe fixtures (file + `stripeObjects`) as the read-only base. */
export function createFakeState(stripeObjects?: StripeObjectStore): FakeState {
  const scopes = new Map<string, ScopeState>();
  let seq = 0;

  function state(scope: string): ScopeState {
    let s = scopes.get(scope);
    if (!s) {
      s = {
        records: [],
        geminiScript: [],
        fails: [],
        overlay: new Map(),
        stripeIdem: new Map(),
        stripeInFlight: new Set(),
        resendIdem: new Map(),
        resendEmails: new Map(),
        geminiInFlight: 0,
        geminiPeakInFlight: 0,
        counts: { stripe: 0, gemini: 0, resend: 0, slack: 0, hooks: 0 },
      };
      scopes.set(scope, s);
    }
    return s;
  }

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
    const f = s.fails[i];
    if (f === undefined) return null;
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

  const fake: FakeState = { url: "", scopes, store: createStripeStore(state, stripeObjects), state, record, takeFail };
  return fake;
}
