/**
 * @module bench/cost-counters
 * Bench-only Worker entry modules for the cost figure (written next to the bundle in the temp dir, never shipped):
 * one counts outbound fetch(), one wraps the Worker's KV, D1 and Queue bindings in counters.
 */


/** Bench-only entry module: imports the built Worker and counts what it asks of its bindings. Written next to the bundle in the temp dir. */
export const FETCH_COUNTER = `// bench-only: counts outbound fetch() of the Worker (evaluated before the bundle).
export const OUT = {};
export const real = globalThis.fetch;
globalThis.fetch = function (input, init) {
  try {
    const u = new URL(typeof input === "string" || input instanceof URL ? String(input) : input.url);
    const method = (init && init.method) || (typeof input === "object" && "method" in input ? input.method : "GET");
    const path = u.pathname.split("/").slice(0, 3).join("/");
    const k = method + " " + u.host + path;
    OUT[k] = (OUT[k] || 0) + 1;
  } catch {}
  return real.apply(this, arguments);
};
`;
export const COUNTING_ENTRY = `// bench-only: wraps the Worker's KV, D1 and Queue bindings in counters (bench/cost.ts).
import { OUT } from "./bench-fetch-counter.mjs";
import worker from "./index.js";
export const C = { phases: {}, queueDeliveries: { batches: 0, messages: 0, byQueue: {} }, requests: {}, outbound: OUT };
export const inc = (o, k, n = 1) => { o[k] = (o[k] || 0) + n; };
export const phase = (name) => (C.phases[name] ??= { kv: {}, kvByKey: {}, queueSends: 0, queueSendsByKind: {}, d1: { statements: 0, batches: 0, rowsRead: 0, rowsWritten: 0, noMeta: 0, bySql: {} } });
export const keyClass = (k) => k.split(":").map((s, i) => (i > 0 && /[0-9_]/.test(s) ? "*" : s)).join(":");
export const sqlClass = (s) => s.replace(/\\s+/g, " ").trim().slice(0, 110);
export function wrapKV(kv, p) {
  return new Proxy(kv, { get(t, prop) {
    const v = Reflect.get(t, prop);
    if (typeof v !== "function") return v;
    return (...a) => { inc(p.kv, String(prop)); if (typeof a[0] === "string") inc(p.kvByKey, String(prop) + " " + keyClass(a[0])); return v.apply(t, a); };
  } });
}
export function wrapD1(db, p) {
  const note = (sql, meta) => {
    const w = (meta && meta.rows_written) || 0, r = (meta && meta.rows_read) || 0;
    p.d1.statements++; p.d1.rowsWritten += w; p.d1.rowsRead += r; if (!meta) p.d1.noMeta++;
    const s = (p.d1.bySql[sqlClass(sql)] ??= { n: 0, rowsWritten: 0, rowsRead: 0 }); s.n++; s.rowsWritten += w; s.rowsRead += r;
  };
  const stmt = (inner, sql) => ({
    __inner: inner, __sql: sql,
    bind: (...a) => stmt(inner.bind(...a), sql),
    run: async () => { const r = await inner.run(); note(sql, r.meta); return r; },
    all: async () => { const r = await inner.all(); note(sql, r.meta); return r; },
    // first() has no meta: run all() and take the first row (same result).
    first: async (col) => { const r = await inner.all(); note(sql, r.meta); const row = r.results[0]; if (row === undefined) return null; if (col === undefined) return row; if (!(col in row)) throw new Error("D1_COLUMN_NOTFOUND: " + col); return row[col]; },
    raw: async (o) => { const r = await inner.raw(o); note(sql, null); return r; },
  });
  return {
    prepare: (sql) => stmt(db.prepare(sql), sql),
    batch: async (list) => { const r = await db.batch(list.map((s) => s.__inner ?? s)); p.d1.batches++; r.forEach((x, i) => note(list[i].__sql ?? "?", x.meta)); return r; },
    exec: async (sql) => { const r = await db.exec(sql); note(sql, null); return r; },
    dump: (...a) => db.dump(...a),
    withSession: (...a) => db.withSession(...a),
  };
}
export function wrapQueue(q, p) {
  return {
    send: async (body, o) => { p.queueSends++; inc(p.queueSendsByKind, (body && body.kind) || "?"); return q.send(body, o); },
    sendBatch: async (msgs, o) => { const arr = [...msgs]; p.queueSends += arr.length; for (const m of arr) inc(p.queueSendsByKind, (m.body && m.body.kind) || "?"); return q.sendBatch(arr, o); },
  };
}
export const cache = new Map();
export function wrapEnv(env, name) {
  let m = cache.get(name); if (!m) cache.set(name, (m = new WeakMap()));
  let w = m.get(env);
  if (!w) { const p = phase(name); w = { ...env, BILLING_KV: wrapKV(env.BILLING_KV, p), LEDGER: wrapD1(env.LEDGER, p), DUNNING_QUEUE: wrapQueue(env.DUNNING_QUEUE, p) }; m.set(env, w); }
  return w;
}
export default {
  async fetch(req, env, ctx) {
    const u = new URL(req.url);
    if (u.pathname === "/__bench/counts") return Response.json(C);
    inc(C.requests, req.method + " " + (u.pathname.startsWith("/admin") ? "/admin/*" : u.pathname));
    return worker.fetch(req, wrapEnv(env, "ingress"), ctx);
  },
  async queue(batch, env, ctx) {
    C.queueDeliveries.batches++; C.queueDeliveries.messages += batch.messages.length; inc(C.queueDeliveries.byQueue, batch.queue, batch.messages.length);
    return worker.queue(batch, wrapEnv(env, "consumer"), ctx);
  },
  async scheduled(c, env, ctx) { return worker.scheduled(c, wrapEnv(env, "scheduled"), ctx); },
};
`;

export interface PhaseCounts {
  kv: Record<string, number>;
  kvByKey: Record<string, number>;
  queueSends: number;
  queueSendsByKind: Record<string, number>;
  d1: { statements: number; batches: number; rowsRead: number; rowsWritten: number; noMeta: number; bySql: Record<string, { n: number; rowsWritten: number; rowsRead: number }> };
}
export interface Counts {
  phases: Record<string, PhaseCounts>;
  queueDeliveries: { batches: number; messages: number; byQueue: Record<string, number> };
  requests: Record<string, number>;
  outbound: Record<string, number>;
}
