/**
 * @module ledger/simulated-latency
 * For `npm run bench` only (`SIMULATED_STORAGE_RTT_MS` > 0; never set in production): every D1 and KV call waits
 * one round trip first, as from a Worker to D1 and KV on Cloudflare, and is counted for the event being processed
 * (a `batch` is one round trip). The counts say how many round trips are on an event's critical path: calls whose
 * round trips overlap (independent reads in parallel) count once.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface StorageTrace {
  /** [start, end] of each D1 round trip (ms). */
  d1: Array<[number, number]>;
  /** The first words of each round trip's SQL, in order (to see what is on the critical path). */
  sql: string[];
  statements: number;
  kv: number;
}

const current = new AsyncLocalStorage<StorageTrace>();

/** Runs `fn` with a fresh trace for its storage calls. */
export function traceStorage<T>(fn: () => Promise<T>): { trace: StorageTrace; result: Promise<T> } {
  const trace: StorageTrace = { d1: [], sql: [], statements: 0, kv: 0 };
  return { trace, result: current.run(trace, fn) };
}

/** Round trips on the critical path: the most round trips that ran one after another (greedy by end time). */
export function criticalPath(spans: ReadonlyArray<[number, number]>): number {
  let count = 0;
  let lastEnd = -Infinity;
  for (const [start, end] of [...spans].sort((a, b) => a[1] - b[1])) {
    if (start >= lastEnd) {
      count += 1;
      lastEnd = end;
    }
  }
  return count;
}

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function d1Trip<T>(rttMs: number, statements: number, sql: string, call: () => Promise<T>): Promise<T> {
  const start = performance.now();
  await wait(rttMs);
  try {
    return await call();
  } finally {
    const t = current.getStore();
    if (t) {
      t.d1.push([start, performance.now()]);
      t.sql.push(sql.replace(/\s+/g, " ").trim().slice(0, 60));
      t.statements += statements;
    }
  }
}

function statement(rttMs: number, s: D1PreparedStatement, sql: string): D1PreparedStatement {
  return new Proxy(s, {
    get(target, prop, receiver) {
      if (prop === "bind") return (...values: unknown[]) => statement(rttMs, target.bind(...values), sql);
      if (prop === "first" || prop === "all" || prop === "run" || prop === "raw") {
        const fn = Reflect.get(target, prop, receiver) as (...a: unknown[]) => Promise<unknown>;
        return (...a: unknown[]) => d1Trip(rttMs, 1, sql, () => fn.apply(target, a));
      }
      if (prop === "__inner") return target;
      return Reflect.get(target, prop, receiver);
    },
  });
}

/** D1 with one simulated round trip per call. */
export function slowD1(db: D1Database, rttMs: number): D1Database {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === "prepare") return (sql: string) => statement(rttMs, target.prepare(sql), sql);
      if (prop === "batch") {
        return (stmts: D1PreparedStatement[]) =>
          d1Trip(rttMs, stmts.length, `batch of ${stmts.length}`, () => target.batch(stmts.map((s) => ((s as unknown as { __inner?: D1PreparedStatement }).__inner ?? s))));
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

/** KV with one simulated round trip per call. */
export function slowKv(kv: KVNamespace, rttMs: number): KVNamespace {
  return new Proxy(kv, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function" || !["get", "put", "delete", "list", "getWithMetadata"].includes(String(prop))) return value;
      return async (...a: unknown[]) => {
        await wait(rttMs);
        const t = current.getStore();
        if (t) t.kv += 1;
        return (value as (...x: unknown[]) => Promise<unknown>).apply(target, a);
      };
    },
  });
}
