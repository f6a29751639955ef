/**
 * @module test/fakes/control
 * The control API under `/__fake/*` that tests and scripts use through `test/fakes/client.ts`: recorded
 * requests, reset, Gemini scripts, failure injection, Stripe object seeding/patching, and stats. `?scope=`
 * picks the scope (`*` = all scopes for reads and reset).
 */
import type { IncomingMessage } from "node:http";
import type { FailSpec, FakeStats, GeminiScriptEntry, StripeCollection } from "./client.ts";
import { isObj, json, normalizeScope, type Reply } from "./http.ts";
import type { FakeState, ScopeState } from "./state.ts";
import { COLLECTIONS } from "./stripe-store.ts";

export async function handleControl(fake: FakeState, req: IncomingMessage, u: URL, raw: string): Promise<Reply> {
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
  const targets = (): ScopeState[] => (all ? [...fake.scopes.values()] : [fake.state(scope)]);

  if (path === "/__fake/health") return json(200, { ok: true, url: fake.url });
  if (path === "/__fake/requests" && method === "GET") {
    const provider = u.searchParams.get("provider");
    const recs = targets()
      .flatMap((s) => s.records)
      .filter((r) => !provider || r.provider === provider)
      .sort((a, b) => a.seq - b.seq);
    return json(200, recs);
  }
  if (path === "/__fake/reset" && method === "POST") {
    if (all) fake.scopes.clear();
    else fake.scopes.delete(scope);
    return json(200, { ok: true });
  }
  if (path === "/__fake/gemini/script" && method === "POST") {
    const entries = Array.isArray(body) ? body : isObj(body) ? [body] : null;
    if (!entries) return json(400, { error: "body must be a JSON array of script entries" });
    fake.state(scope).geminiScript.push(...(entries as GeminiScriptEntry[]));
    return json(200, { ok: true, queued: fake.state(scope).geminiScript.length });
  }
  if (path === "/__fake/fail" && method === "POST") {
    const specs = Array.isArray(body) ? body : isObj(body) ? [body] : null;
    if (!specs) return json(400, { error: "body must be a fail spec or an array of them" });
    for (const spec of specs as FailSpec[]) {
      if (!isObj(spec) || !["stripe", "gemini", "resend", "slack", "hooks"].includes(spec.provider)) {
        return json(400, { error: "provider must be one of stripe, gemini, resend, slack, hooks" });
      }
      if (spec.status === undefined && spec.hangMs === undefined) return json(400, { error: "need status or hangMs" });
      fake.state(scope).fails.push({ ...spec, remaining: spec.count ?? 1 });
    }
    return json(200, { ok: true });
  }
  const sm = /^\/__fake\/stripe\/([^/]+)\/([^/]+)$/.exec(path);
  if (sm) {
    const coll = decodeURIComponent(sm[1] ?? "") as StripeCollection;
    const id = decodeURIComponent(sm[2] ?? "");
    if (!COLLECTIONS.includes(coll)) return json(400, { error: `unknown collection ${coll}; one of ${COLLECTIONS.join(", ")}` });
    if (method === "PUT") {
      if ((coll === "invoice_payments" || coll === "paid_invoices") && !Array.isArray(body)) {
        return json(400, { error: `${coll} body must be an array` });
      }
      if (coll !== "invoice_payments" && coll !== "paid_invoices" && !isObj(body)) return json(400, { error: "body must be an object" });
      const value = isObj(body) && body.id === undefined ? { id, ...body } : body;
      fake.store.putObj(scope, coll, id, value);
      return json(200, { ok: true });
    }
    if (method === "PATCH") {
      const cur = fake.store.getObj<unknown>(scope, coll, id);
      if (!isObj(cur) || !isObj(body)) return json(cur === undefined ? 404 : 400, { error: "PATCH needs an existing object and an object body" });
      fake.store.putObj(scope, coll, id, { ...cur, ...body });
      return json(200, { ok: true });
    }
    if (method === "GET") {
      const o = fake.store.getObj(scope, coll, id);
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
        hooks: ts.reduce((a, s) => a + s.counts.hooks, 0),
      },
    };
    return json(200, stats);
  }
  return json(404, { error: `unknown control route ${method} ${path}` });
}
