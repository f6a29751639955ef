/**
 * @module bench/campaign
 * Figure 8, the campaign over a simulated month: three of the fixtures' failed invoices (each copied across reasons and
 * outcomes) run through the real consumer code (`processEvent`, `processScheduledJob` via the cron's own
 * `claimDueJobs`) on Miniflare's D1 and KV, with the clock injected and moved hour by hour, under Stripe's default
 * retry schedule (a retry 3, 5 and 7 days after the previous attempt). Reports emails per recovered and per lost
 * case against the per-retry baseline (one email per Stripe retry event, as before the campaign).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Miniflare, NoOpLog, convertV4MiniflareOptions } from "miniflare";
import type Stripe from "stripe";
import { depsOf, type Deps } from "../src/deps.ts";
import type { Env } from "../src/env.ts";
import type { DunningContext } from "../src/ingest/context.ts";
import type { FailureReason } from "../src/ingest/decline-codes.ts";
import { normalizeEvent } from "../src/ingest/normalize.ts";
import { processEvent } from "../src/dunning/process.ts";
import { processScheduledJob } from "../src/dunning/scheduled-jobs.ts";
import { claimDueJobs } from "../src/ledger/jobs.ts";
import { results, round, rows, say, type Obj } from "./context.ts";
import { costPerFailedPayment, usd } from "./cost-usd.ts";

/** What the campaign asks of D1 and KV, counted as the cost figure counts it (rows from each statement's meta). */
interface Units {
  d1RowsRead: number;
  d1RowsWritten: number;
  kvReads: number;
  kvWrites: number;
}

type Stmt = { bind: (...a: unknown[]) => Stmt; run: () => Promise<unknown>; all: () => Promise<unknown>; first: (col?: string) => Promise<unknown>; raw: (o?: unknown) => Promise<unknown>; __inner: unknown };

function countingD1(db: D1Database, u: Units): D1Database {
  const note = (meta: { rows_read?: number; rows_written?: number } | undefined) => {
    u.d1RowsRead += meta?.rows_read ?? 0;
    u.d1RowsWritten += meta?.rows_written ?? 0;
  };
  const stmt = (inner: D1PreparedStatement): Stmt => ({
    __inner: inner,
    bind: (...a: unknown[]) => stmt(inner.bind(...a)),
    run: async () => {
      const r = await inner.run();
      note(r.meta);
      return r;
    },
    all: async () => {
      const r = await inner.all();
      note(r.meta);
      return r;
    },
    // first() carries no meta: all() and the first row (same result).
    first: async (col?: string) => {
      const r = await inner.all<Record<string, unknown>>();
      note(r.meta);
      const row = r.results[0];
      if (row === undefined) return null;
      return col === undefined ? row : row[col];
    },
    raw: (o?: unknown) => inner.raw(o as never),
  });
  return {
    prepare: (sql: string) => stmt(db.prepare(sql)),
    batch: async (list: Array<{ __inner?: D1PreparedStatement }>) => {
      const r = await db.batch(list.map((x) => (x.__inner ?? x) as D1PreparedStatement));
      for (const x of r) note(x.meta);
      return r;
    },
    exec: (sql: string) => db.exec(sql),
  } as unknown as D1Database;
}

function countingKV(kv: KVNamespace, u: Units): KVNamespace {
  return new Proxy(kv, {
    get(t, prop) {
      const v = Reflect.get(t, prop) as unknown;
      if (typeof v !== "function") return v;
      return (...a: unknown[]) => {
        if (prop === "get" || prop === "getWithMetadata" || prop === "list") u.kvReads += 1;
        if (prop === "put" || prop === "delete") u.kvWrites += 1;
        return (v as (...x: unknown[]) => unknown).apply(t, a);
      };
    },
  });
}

const DAY = 86400_000;
const HOUR = 3600_000;
/** Stripe's default schedule for subscriptions: the first attempt, then retries 3, 5 and 7 days apart. */
const STRIPE_ATTEMPT_DAYS = [0, 3, 8, 15];
const REASONS: Array<[FailureReason, string]> = [
  ["insufficient_funds", "insufficient_funds"],
  ["insufficient_funds", "insufficient_funds"],
  ["do_not_honor", "do_not_honor"],
  ["card_expired", "expired_card"],
  ["card_unusable", "pickup_card"],
  ["authentication_required", "authentication_required"],
  ["processing_error", "processing_error"],
  ["fraud_suspected", "stolen_card"],
];

interface SimCase {
  ctx: DunningContext;
  /** The Stripe attempt (1-based) that pays, or null: every attempt fails and the subscription is canceled. */
  paidAt: number | null;
}

function migrations(): string[][] {
  return readdirSync("migrations")
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((f) =>
      readFileSync(join("migrations", f), "utf8")
        .split("\n")
        .filter((l) => !l.trim().startsWith("--"))
        .join("\n")
        .split(/;\s*\n/)
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    );
}

function baseContexts(): DunningContext[] {
  const out: DunningContext[] = [];
  for (const f of readdirSync("fixtures/events").filter((n) => /^\d\d-.*invoice-payment-failed/.test(n))) {
    const event = JSON.parse(readFileSync(join("fixtures/events", f), "utf8")) as Obj;
    const r = normalizeEvent(event as unknown as Stripe.Event);
    if (r.ok && r.context.invoiceId !== null && r.context.customerEmail !== null) out.push(r.context);
  }
  return out;
}

/** Every base invoice × every reason × four outcomes (paid on retry 1, 2 or 3, or lost). */
function cases(start: number): SimCase[] {
  const out: SimCase[] = [];
  let n = 0;
  for (const base of baseContexts().slice(0, 3)) {
    for (const [reason, code] of REASONS) {
      for (const paidAt of [2, 3, 4, null]) {
        n += 1;
        const id = `${n.toString(36)}b`;
        out.push({
          paidAt,
          ctx: {
            ...base,
            eventId: `evt_bench_${id}_1`,
            customerId: `cus_bench_${id}`,
            invoiceId: `in_bench_${id}`,
            subscriptionId: `sub_bench_${id}`,
            paymentIntentId: `pi_bench_${id}`,
            invoicePaymentIntentIds: [`pi_bench_${id}`],
            failureReason: reason,
            declineCode: code,
            attemptCount: 1,
            occurredAt: start,
            customerSegment: null,
            // Customers spread over the world's clocks.
            customerTimezone: ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "America/Los_Angeles"][n % 4] ?? null,
          },
        });
      }
    }
  }
  return out;
}

/** Figure 8: emails per recovered and per lost case over a simulated month. */
export async function benchCampaign(): Promise<void> {
  say("8. campaign: a simulated month of the fixtures' failed invoices under Stripe's default retries (real consumer code, Miniflare D1, clock injected)");
  const mf = new Miniflare(
    convertV4MiniflareOptions({ log: new NoOpLog(), name: "bench-campaign", modules: true, script: "export default { fetch() { return new Response('ok') } }", d1Databases: ["LEDGER"], kvNamespaces: ["BILLING_KV"], compatibilityDate: "2025-06-01" }),
  );
  try {
    const rawDb = (await mf.getD1Database("LEDGER")) as unknown as D1Database;
    for (const stmts of migrations()) await rawDb.batch(stmts.map((s) => rawDb.prepare(s)));
    const units: Units = { d1RowsRead: 0, d1RowsWritten: 0, kvReads: 0, kvWrites: 0 };
    const db = countingD1(rawDb, units);
    const kv = countingKV((await mf.getKVNamespace("BILLING_KV")) as unknown as KVNamespace, units);
    const sent: unknown[] = [];
    const queue = { send: async (b: unknown) => void sent.push(b), sendBatch: async (bs: Iterable<{ body: unknown }>) => void [...bs].forEach((b) => sent.push(b.body)) };
    const env = {
      LEDGER: db,
      BILLING_KV: kv,
      DUNNING_QUEUE: queue,
      DEFAULT_MODE: "live",
      STRIPE_WEBHOOK_SECRET: "whsec_bench",
      LINK_SIGNING_SECRET: "bench-link-secret",
      BRAKE_FAILURES_PER_HOUR: "1000000",
      PI_ATTRIBUTION_HOLD_SECONDS: "0",
    } as unknown as Env;
    const start = Date.UTC(2026, 2, 2, 6, 0, 0);
    let now = start;
    const deps: Deps = { ...depsOf(env), clock: () => now };
    const all = cases(start);
    const silence = { log: console.log, warn: console.warn };
    console.log = () => undefined;
    console.warn = () => undefined;
    const started = performance.now();
    let failureEvents = 0;
    let deliveries = 0;
    try {
      // Each case's Stripe events at their attempt times (at 02:00 UTC, as Smart Retries often run at night).
      const timeline: Array<{ at: number; ctx: DunningContext }> = [];
      for (const c of all) {
        const last = c.paidAt ?? STRIPE_ATTEMPT_DAYS.length + 1;
        for (const [i, day] of STRIPE_ATTEMPT_DAYS.entries()) {
          const attempt = i + 1;
          const at = start + day * DAY + (i === 0 ? 0 : 20 * HOUR);
          if (attempt >= last) break;
          const next = STRIPE_ATTEMPT_DAYS[i + 1];
          timeline.push({ at, ctx: { ...c.ctx, eventId: `${c.ctx.eventId.replace(/_1$/, "")}_${attempt}`, attemptCount: attempt, occurredAt: at, nextPaymentAttempt: next === undefined ? null : start + next * DAY + 20 * HOUR } });
          failureEvents += 1;
        }
        if (c.paidAt !== null) {
          const day = STRIPE_ATTEMPT_DAYS[c.paidAt - 1] ?? 0;
          const at = start + day * DAY + 20 * HOUR;
          timeline.push({ at, ctx: { ...c.ctx, eventId: `${c.ctx.eventId}_paid`, eventType: "invoice.paid", attemptCount: c.paidAt, failureReason: null, declineCode: null, nextPaymentAttempt: null, occurredAt: at } });
        } else {
          const at = start + (STRIPE_ATTEMPT_DAYS.at(-1) ?? 15) * DAY + 21 * HOUR;
          timeline.push({ at, ctx: { ...c.ctx, eventId: `${c.ctx.eventId}_canceled`, eventType: "customer.subscription.deleted", subscriptionStatus: "canceled", failureReason: null, declineCode: null, occurredAt: at } });
        }
      }
      timeline.sort((a, b) => a.at - b.at);
      let seq = 0;
      let jobsRun = 0;
      const end = start + 30 * DAY;
      while (now < end) {
        now += HOUR;
        for (const e of timeline.filter((t) => t.at <= now && t.at > now - HOUR)) {
          seq += 1;
          await processEvent(deps, { kind: "event", context: e.ctx, receivedAt: now }, "live", { messageId: `bench-${seq}`, attempts: 1 });
        }
        for (const job of await claimDueJobs(db, now, 1000)) {
          jobsRun += 1;
          await processScheduledJob(deps, job.id, "live");
        }
      }
      deliveries = seq + jobsRun;
    } finally {
      console.log = silence.log;
      console.warn = silence.warn;
    }
    const ms = performance.now() - started;
    const emailed = await db.prepare(`SELECT customer_id, COUNT(*) AS n FROM outbox WHERE kind = 'email' GROUP BY customer_id`).all<{ customer_id: string; n: number }>();
    const byCustomer = new Map(emailed.results.map((r) => [r.customer_id, r.n]));
    const recovered = all.filter((c) => c.paidAt !== null);
    const lost = all.filter((c) => c.paidAt === null);
    const emailsOf = (cs: SimCase[]) => cs.reduce((s, c) => s + (byCustomer.get(c.ctx.customerId) ?? 0), 0);
    const failuresOf = (cs: SimCase[]) => cs.reduce((s, c) => s + Math.min((c.paidAt ?? STRIPE_ATTEMPT_DAYS.length + 1) - 1, STRIPE_ATTEMPT_DAYS.length), 0);
    const perRecovered = emailsOf(recovered) / recovered.length;
    const perLost = emailsOf(lost) / lost.length;
    const baselineRecovered = failuresOf(recovered) / recovered.length;
    const baselineLost = failuresOf(lost) / lost.length;
    const outside = await db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE kind = 'email'`).first<{ n: number }>();
    say(`   ${all.length} cases (${recovered.length} recovered on a Stripe retry, ${lost.length} lost), ${failureEvents} failure events, ${outside?.n ?? 0} emails, simulated in ${round(ms / 1000, 1)} s`);
    say(`   emails per recovered case ${round(perRecovered, 2)} (one per Stripe retry: ${round(baselineRecovered, 2)}); per lost case ${round(perLost, 2)} (one per retry: ${round(baselineLost, 2)})`);
    rows.push({ metric: "campaign emails per recovered case", value: `${round(perRecovered, 2)}`, floor: `${round(baselineRecovered, 2)} (one per retry)`, ratio: `${round(perRecovered / baselineRecovered, 2)}x`, target: "< 1x", pass: perRecovered < baselineRecovered });
    rows.push({ metric: "campaign emails per lost case", value: `${round(perLost, 2)}`, floor: `${round(baselineLost, 2)} (one per retry)`, ratio: `${round(perLost / baselineLost, 2)}x`, target: "< 1x", pass: perLost < baselineLost });
    // Dollars per failed payment over its whole campaign: every event and step, priced like the cost figure (each
    // delivery = one Worker request and three queue operations; keyless, so no model tokens). The cron's own
    // invocations (every 5 minutes, whatever the volume) are a fixed cost, not per payment.
    const perPayment = (n: number) => n / all.length;
    const priced = costPerFailedPayment(
      {
        workersRequests: perPayment(deliveries),
        kvReads: perPayment(units.kvReads),
        kvWrites: perPayment(units.kvWrites),
        queueOperations: perPayment(deliveries * 3),
        d1RowsRead: perPayment(units.d1RowsRead),
        d1RowsWritten: perPayment(units.d1RowsWritten),
        decisions: 0,
        emails: perPayment(outside?.n ?? 0),
      },
      { decision: null, empathy: null, replayedEvents: 0, drainSeconds: 0 },
    );
    say(`   cost per failed payment over its whole campaign: ${usd(priced.totalUsd)} (Cloudflare ${usd(priced.cloudflareUsd)}, the rest the empathy paragraph per email; rules decide; ${round(perPayment(deliveries), 1)} deliveries, ${round(perPayment(units.d1RowsRead), 0)} D1 rows read, ${round(perPayment(units.d1RowsWritten), 0)} written)`);
    rows.push({ metric: "campaign cost per failed payment (whole campaign, keyless)", value: usd(priced.totalUsd), floor: "—", ratio: "—", target: "≤ $0.01", pass: priced.totalUsd <= 0.01 });
    results.campaign = {
      costPerFailedPaymentUsd: priced.totalUsd,
      costLines: priced.lines, cases: all.length, recovered: recovered.length, lost: lost.length, failureEvents, emails: outside?.n ?? 0, emailsPerRecoveredCase: round(perRecovered, 3), emailsPerLostCase: round(perLost, 3), baselinePerRecoveredCase: round(baselineRecovered, 3), baselinePerLostCase: round(baselineLost, 3), stripeAttemptDays: STRIPE_ATTEMPT_DAYS, simulatedSeconds: round(ms / 1000, 1) };
  } finally {
    await mf.dispose();
  }
}
