/**
 * @module ledger/write-behind
 * Bookkeeping writes that nothing waits for (a side effect's outcome, a case's next step, a decision's outcome)
 * ride on the event's next round trip instead of costing one each. Within one event, `eventLedger(db)` gives a D1
 * whose every call first carries the writes deferred so far, in one `batch` with it (a batch is one transaction), so
 * the event always reads its own writes; `flush()` sends what is left. Outside it (`writeOrDefer` on a plain D1)
 * the write simply runs.
 *
 * What this changes for other readers: a deferred write becomes visible a round trip later (at most until the
 * event's next storage call). What it never changes: a write is never lost silently: if the batch carrying it
 * fails, the call it rode on fails and the write stays deferred (the next call or the final flush carries it); an
 * event whose last flush fails is retried like any storage failure.
 */

const DEFERRING = Symbol("write-behind");
const INNER = Symbol("write-behind-inner");

interface Deferring {
  pending: D1PreparedStatement[];
  /** The batch in flight that carries deferred writes: later calls wait for it (read your writes). */
  inFlight: Promise<unknown> | null;
}

export interface EventLedger {
  db: D1Database;
  /** Sends the writes still deferred (one round trip; none when nothing is deferred). */
  flush(): Promise<void>;
}

const innerOf = (s: D1PreparedStatement): D1PreparedStatement => (s as unknown as { [INNER]?: D1PreparedStatement })[INNER] ?? s;

type Shape = "first" | "all" | "run";

function fromBatch(shape: Shape, r: D1Result, column?: string): unknown {
  if (shape === "first") {
    const row = (r.results?.[0] ?? null) as Record<string, unknown> | null;
    return column === undefined ? row : row === null ? null : (row[column] ?? null);
  }
  return r;
}

/** A D1 for one event's processing: deferred writes ride on its next call. */
export function eventLedger(inner: D1Database): EventLedger {
  const state: Deferring = { pending: [], inFlight: null };

  /**
   * Sends the deferred writes (which it takes) in one batch before `stmts`, and returns the results of `stmts`. A
   * failed batch wrote nothing: the writes go back, for the next call or the final flush.
   */
  async function carrying(stmts: D1PreparedStatement[]): Promise<D1Result[]> {
    const taken = state.pending.splice(0);
    const p = inner.batch([...taken, ...stmts.map(innerOf)]);
    state.inFlight = p;
    try {
      return (await p).slice(taken.length);
    } catch (err) {
      state.pending.unshift(...taken);
      throw err;
    } finally {
      state.inFlight = null;
    }
  }

  /** Runs `one` alone, or in a batch after the deferred writes. */
  async function carry<T>(one: D1PreparedStatement, shape: Shape, run: () => Promise<T>, column?: string): Promise<T> {
    // A batch carrying deferred writes is in flight: wait for it (read your writes). No await once it is over, so
    // the check and the take below happen together.
    while (state.inFlight !== null) await state.inFlight.catch(() => undefined);
    if (state.pending.length === 0) return run();
    const [result] = await carrying([one]);
    return fromBatch(shape, result as D1Result, column) as T;
  }

  function statement(s: D1PreparedStatement): D1PreparedStatement {
    return new Proxy(s, {
      get(target, prop, receiver) {
        if (prop === INNER) return target;
        if (prop === "bind") return (...values: unknown[]) => statement(target.bind(...values));
        if (prop === "first") return (column?: string) => carry(target, "first", () => (column === undefined ? target.first() : target.first(column)), column);
        if (prop === "all") return () => carry(target, "all", () => target.all());
        if (prop === "run") return () => carry(target, "run", () => target.run());
        if (prop === "raw") {
          return async (options?: { columnNames?: boolean }) => {
            await flush();
            return options?.columnNames === true ? target.raw({ columnNames: true }) : target.raw();
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
  }

  async function flush(): Promise<void> {
    while (state.inFlight !== null) await state.inFlight.catch(() => undefined);
    if (state.pending.length > 0) await carrying([]);
  }

  const db = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === DEFERRING) return state;
      if (prop === "prepare") return (sql: string) => statement(target.prepare(sql));
      if (prop === "batch") {
        return async (stmts: D1PreparedStatement[]) => {
          while (state.inFlight !== null) await state.inFlight.catch(() => undefined);
          return state.pending.length === 0 ? target.batch(stmts.map(innerOf)) : carrying(stmts);
        };
      }
      if (prop === "exec") {
        const fn = Reflect.get(target, prop, receiver) as (...a: unknown[]) => unknown;
        return async (...a: unknown[]) => {
          await flush();
          return fn.apply(target, a);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return { db, flush };
}

/**
 * A write nothing in this event waits for: deferred onto the event's next round trip when `db` is an event ledger,
 * else run now.
 */
export async function writeOrDefer(db: D1Database, stmt: D1PreparedStatement): Promise<void> {
  const state = (db as unknown as { [DEFERRING]?: Deferring })[DEFERRING];
  if (state === undefined) {
    await stmt.run();
    return;
  }
  state.pending.push(innerOf(stmt));
}
