/**
 * Bookkeeping writes ride on an event's next round trip (src/ledger/write-behind.ts), on the real D1: the event reads
 * its own writes, a write is never lost while its event goes on (a failed carrier leaves it deferred), and the claim's
 * batch writes a duplicate delivery's subscription facts never.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { eventLedger, writeOrDefer } from "../src/ledger/write-behind.ts";
import { claimEvent, finishEvent } from "../src/ledger/events.ts";
import { recordSubscriptionStatement } from "../src/ledger/access.ts";
import { contextOf } from "./helpers/consumer.ts";
import { invoiceEvent } from "./helpers/stripe-events.ts";
import { env, migrate, uid } from "./helpers/env.ts";

beforeAll(migrate);

/** The real D1, counting round trips (a call or a batch) and letting a chosen batch fail once. */
function countingD1(real: D1Database): { db: D1Database; trips: () => number; failNextBatch: () => void } {
  let trips = 0;
  let failNext = false;
  const db = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === "batch") {
        return async (stmts: D1PreparedStatement[]) => {
          trips += 1;
          if (failNext) {
            failNext = false;
            throw new Error("D1_ERROR: injected failure (test)");
          }
          return target.batch(stmts);
        };
      }
      if (prop === "prepare") {
        return (sql: string) => {
          const wrap = (s: D1PreparedStatement): D1PreparedStatement =>
            new Proxy(s, {
              get(t, p, r) {
                if (p === "bind") return (...v: unknown[]) => wrap(t.bind(...v));
                if (p === "first" || p === "all" || p === "run") {
                  const fn = Reflect.get(t, p, r) as (...a: unknown[]) => Promise<unknown>;
                  return (...a: unknown[]) => {
                    trips += 1;
                    return fn.apply(t, a);
                  };
                }
                return Reflect.get(t, p, r);
              },
            });
          return wrap(target.prepare(sql));
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return { db, trips: () => trips, failNextBatch: () => (failNext = true) };
}

const note = (db: D1Database, id: string, text: string) =>
  db.prepare(`INSERT INTO customers (id, first_seen_at, state_note, updated_at) VALUES (?1, 0, ?2, 0) ON CONFLICT (id) DO UPDATE SET state_note = excluded.state_note`).bind(id, text);
const noteOf = async (id: string) => (await env.LEDGER.prepare(`SELECT state_note FROM customers WHERE id = ?1`).bind(id).first<{ state_note: string }>())?.state_note ?? null;

describe("write-behind", () => {
  it("deferred writes ride on the next call, in one round trip, and the event reads its own writes", async () => {
    const id = `cus_wb_${uid()}`;
    const counted = countingD1(env.LEDGER);
    const ledger = eventLedger(counted.db);
    await writeOrDefer(ledger.db, note(ledger.db, id, "first"));
    await writeOrDefer(ledger.db, note(ledger.db, id, "second"));
    expect(counted.trips()).toBe(0);
    expect(await noteOf(id)).toBeNull(); // other readers see it a round trip later
    const seen = await ledger.db.prepare(`SELECT state_note FROM customers WHERE id = ?1`).bind(id).first<{ state_note: string }>();
    expect(seen?.state_note).toBe("second"); // in order, before the read
    expect(counted.trips()).toBe(1);
    await ledger.flush();
    expect(counted.trips()).toBe(1); // nothing left to send
  });

  it("a plain D1 writes at once", async () => {
    const id = `cus_wb_${uid()}`;
    await writeOrDefer(env.LEDGER, note(env.LEDGER, id, "now"));
    expect(await noteOf(id)).toBe("now");
  });

  it("a failed carrier leaves the writes deferred: the next call or the flush writes them", async () => {
    const id = `cus_wb_${uid()}`;
    const counted = countingD1(env.LEDGER);
    const ledger = eventLedger(counted.db);
    await writeOrDefer(ledger.db, note(ledger.db, id, "kept"));
    counted.failNextBatch();
    await expect(ledger.db.prepare(`SELECT 1 AS x`).first()).rejects.toThrow(/injected/);
    expect(await noteOf(id)).toBeNull();
    await ledger.flush();
    expect(await noteOf(id)).toBe("kept");
  });

  it("first(column), all() and run() keep their shapes when they carry deferred writes", async () => {
    const id = `cus_wb_${uid()}`;
    const ledger = eventLedger(env.LEDGER);
    await writeOrDefer(ledger.db, note(ledger.db, id, "shape"));
    expect(await ledger.db.prepare(`SELECT state_note FROM customers WHERE id = ?1`).bind(id).first("state_note")).toBe("shape");
    await writeOrDefer(ledger.db, note(ledger.db, id, "all"));
    const all = await ledger.db.prepare(`SELECT state_note FROM customers WHERE id = ?1`).bind(id).all<{ state_note: string }>();
    expect(all.results).toEqual([{ state_note: "all" }]);
    await writeOrDefer(ledger.db, note(ledger.db, id, "run"));
    const run = await ledger.db.prepare(`UPDATE customers SET updated_at = 1 WHERE id = ?1`).bind(id).run();
    expect(run.meta.changes).toBe(1);
    expect(await noteOf(id)).toBe("run");
    const [r] = await (async () => {
      await writeOrDefer(ledger.db, note(ledger.db, id, "batch"));
      return ledger.db.batch([ledger.db.prepare(`SELECT state_note FROM customers WHERE id = ?1`).bind(id)]);
    })();
    expect(r?.results).toEqual([{ state_note: "batch" }]); // the caller sees only its own statements' results
  });
});

describe("the claim's batch", () => {
  it("records the subscription facts only while the message holds the claim: a duplicate delivery writes nothing", async () => {
    const id = uid();
    const ctx = contextOf(invoiceEvent({ eventId: `evt_${id}`, customerId: `cus_${id}`, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}`, email: `jane.${id}@example.com`, amount: 4900, currency: "usd", nextPaymentAttempt: null }));
    const now = Date.now();
    const facts = (status: string) => recordSubscriptionStatement(env.LEDGER, ctx.customerId, { subscriptionId: "sub_x", status, isAnnual: false }, now, { eventId: ctx.eventId, token: "m-1" });
    const first = await claimEvent(env.LEDGER, ctx, now, "m-1", now, false, [facts("past_due")]);
    expect(first.kind).toBe("claimed");
    const status = async () => (await env.LEDGER.prepare(`SELECT subscription_status FROM customers WHERE id = ?1`).bind(ctx.customerId).first<{ subscription_status: string }>())?.subscription_status;
    expect(await status()).toBe("past_due");
    await finishEvent(env.LEDGER, ctx.eventId, "decided", "test", null, now);
    // A later event moved the subscription on; the old event delivered again must not move it back.
    await env.LEDGER.prepare(`UPDATE customers SET subscription_status = 'active' WHERE id = ?1`).bind(ctx.customerId).run();
    const again = await claimEvent(env.LEDGER, ctx, now, "m-2", now, false, [recordSubscriptionStatement(env.LEDGER, ctx.customerId, { subscriptionId: "sub_x", status: "past_due", isAnnual: false }, now, { eventId: ctx.eventId, token: "m-2" })]);
    expect(again).toMatchObject({ kind: "finished", status: "decided" });
    expect(await status()).toBe("active");
  });
});
