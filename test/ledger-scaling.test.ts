/**
 * The consumer's per-event ledger lookups read one customer's rows, not the whole ledger: with many other
 * customers' open cases, payments, decisions and side effects in D1, each lookup for one customer reads a
 * handful of rows (D1 bills rows read, and a walk over every open case would slow every event as the ledger grows).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { accessOf } from "../src/ledger/access.ts";
import { openCasesForCustomer, openCasesForSubscription } from "../src/ledger/cases.ts";
import { hadLostCase, recordBackfill } from "../src/ledger/customers.ts";
import { decisionsForEvent } from "../src/ledger/decisions.ts";
import { effectsForEvent } from "../src/ledger/side-effects.ts";
import { env, migrate, uid } from "./helpers/env.ts";

const OTHERS = 300;

/** D1 with every statement's rows_read added up (first() runs as all() so that its meta is seen). */
function countingDb(db: D1Database): { db: D1Database; rowsRead: () => number; reset: () => void } {
  let read = 0;
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement =>
    ({
      __real: stmt,
      bind: (...values: unknown[]) => wrap(stmt.bind(...values)),
      all: async () => {
        const r = await stmt.all();
        read += r.meta.rows_read;
        return r;
      },
      run: async () => {
        const r = await stmt.run();
        read += r.meta.rows_read;
        return r;
      },
      first: async (col?: string) => {
        const r = await stmt.all<Record<string, unknown>>();
        read += r.meta.rows_read;
        const row = r.results[0];
        return row === undefined ? null : col === undefined ? row : row[col];
      },
    }) as unknown as D1PreparedStatement;
  const counted = {
    prepare: (sql: string) => wrap(db.prepare(sql)),
    batch: async (list: D1PreparedStatement[]) => {
      const results = await db.batch(list.map((s) => (s as unknown as { __real: D1PreparedStatement }).__real));
      for (const r of results) read += r.meta.rows_read;
      return results;
    },
  } as unknown as D1Database;
  return { db: counted, rowsRead: () => read, reset: () => (read = 0) };
}

const run = uid();
const me = `cus_scale_${run}`;
const now = Date.now();

beforeAll(async () => {
  await migrate();
  const db = env.LEDGER;
  const stmts: D1PreparedStatement[] = [];
  for (let i = 0; i < OTHERS; i++) {
    const other = `cus_scale_other_${run}_${i}`;
    stmts.push(
      db
        .prepare(`INSERT INTO cases (id, customer_id, kind, invoice_id, subscription_id, status, opened_at, updated_at) VALUES (?1, ?2, 'invoice', ?1, ?3, 'open', ?4, ?4)`)
        .bind(`in_scale_${run}_${i}`, other, `sub_scale_other_${run}_${i}`, now - i),
      db.prepare(`INSERT INTO payments (id, customer_id, amount, currency, paid_at) VALUES (?1, ?2, 1000, 'usd', ?3)`).bind(`in_paid_${run}_${i}`, other, now - i),
      db
        .prepare(`INSERT INTO decisions (event_id, customer_id, decided_by, validation, mode, outcome, created_at) VALUES (?1, ?2, 'rules', 'ok', 'live', 'executed', ?3)`)
        .bind(`evt_scale_${run}_${i}`, other, now - i),
      db
        .prepare(`INSERT INTO side_effects (event_id, customer_id, kind, provider, operation, idempotency_key, status, created_at, updated_at) VALUES (?1, ?2, 'email', 'outbox', 'emails.send', ?3, 'succeeded', ?4, ?4)`)
        .bind(`evt_scale_${run}_${i}`, other, `key_scale_${run}_${i}`, now - i),
    );
  }
  stmts.push(
    db
      .prepare(`INSERT INTO cases (id, customer_id, kind, invoice_id, subscription_id, status, opened_at, updated_at) VALUES (?1, ?2, 'invoice', ?1, ?3, 'open', ?4, ?4)`)
      .bind(`in_scale_mine_${run}`, me, `sub_scale_mine_${run}`, now),
    db.prepare(`INSERT INTO customers (id, first_seen_at, subscription_status, updated_at) VALUES (?1, ?2, 'past_due', ?2)`).bind(me, now),
    db.prepare(`INSERT INTO payments (id, customer_id, amount, currency, paid_at) VALUES (?1, ?2, 1000, 'usd', ?3)`).bind(`in_paid_mine_${run}`, me, now - 1000),
    db
      .prepare(`INSERT INTO decisions (event_id, customer_id, decided_by, validation, mode, outcome, created_at) VALUES (?1, ?2, 'rules', 'ok', 'live', 'executed', ?3)`)
      .bind(`evt_scale_mine_${run}`, me, now),
    db
      .prepare(`INSERT INTO side_effects (event_id, customer_id, kind, provider, operation, idempotency_key, status, created_at, updated_at) VALUES (?1, ?2, 'email', 'outbox', 'emails.send', ?3, 'succeeded', ?4, ?4)`)
      .bind(`evt_scale_mine_${run}`, me, `key_scale_mine_${run}`, now),
  );
  await db.batch(stmts);
});

describe(`per-event ledger lookups with ${OTHERS} other customers in the ledger`, () => {
  const lookups: Array<[string, (db: D1Database) => Promise<unknown>, (result: unknown) => void]> = [
    ["open cases of the customer", (db) => openCasesForCustomer(db, me), (r) => expect((r as Array<{ id: string }>).map((c) => c.id)).toEqual([`in_scale_mine_${run}`])],
    ["open cases of the customer's subscription", (db) => openCasesForSubscription(db, me, `sub_scale_mine_${run}`), (r) => expect(r).toHaveLength(1)],
    ["access state (customer row + open cases)", (db) => accessOf(db, me, { graceDaysMonthly: 7, graceDaysAnnual: 14 }, now), (r) => expect(r).toMatchObject({ state: "grace", caseIds: [`in_scale_mine_${run}`] })],
    ["had a lost case", (db) => hadLostCase(db, me), (r) => expect(r).toBe(false)],
    ["decisions of an event", (db) => decisionsForEvent(db, me, `evt_scale_mine_${run}`), (r) => expect(r).toHaveLength(1)],
    ["side effects of an event", (db) => effectsForEvent(db, me, `evt_scale_mine_${run}`), (r) => expect(r).toHaveLength(1)],
    ["lifetime-value backfill (payments already recorded)", (db) => recordBackfill(db, me, [{ id: `in_paid_mine_${run}`, amount: 1000, currency: "usd", paidAt: now - 1000 }], now), () => undefined],
  ];

  for (const [name, lookup, check] of lookups) {
    it(`${name}: reads only this customer's rows`, async () => {
      const counted = countingDb(env.LEDGER);
      const result = await lookup(counted.db);
      check(result);
      expect(counted.rowsRead()).toBeLessThan(12);
    });
  }

  it("the counter sees a scan when there is one (a lookup by a column without an index)", async () => {
    const counted = countingDb(env.LEDGER);
    await counted.db.prepare(`SELECT COUNT(*) AS n FROM side_effects WHERE operation = ?1`).bind("emails.send").first();
    expect(counted.rowsRead()).toBeGreaterThanOrEqual(OTHERS);
  });
});
