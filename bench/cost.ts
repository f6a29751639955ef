/**
 * @module bench/cost
 * Figure 6, cost in workerd with the demo setup, every fixture replayed: KV/queue/D1 operations (counted by a
 * bench-only wrapper around the bundle's bindings) and provider calls (counted by the local fake), priced in US
 * dollars per failed payment at the list prices of bench/prices.ts, model tokens included (cost-usd.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { sleep } from "../scripts/lib/proc.ts";
import { defaultFixtureFiles, freshSuffix, loadFixtures, replayFixtures, restamp, type Fixture } from "../scripts/replay.ts";
import { say, round, rows, results, type Obj } from "./context.ts";
import { moduleDefs, startWorker, consumersFromToml, applyMigrations, d1All, type Build } from "./workers.ts";
import { randomHex, demoBindings } from "./events.ts";
import { ensureFake, fakeJson } from "./fake.ts";
import { FETCH_COUNTER, COUNTING_ENTRY, type PhaseCounts, type Counts } from "./cost-counters.ts";
import { costPerFailedPayment, measurePrompts, usd } from "./cost-usd.ts";
import { MODEL_ASSUMPTIONS, priceLines } from "./prices.ts";

/** Target: everything one failed payment costs at list prices, Cloudflare and the model together. */
const TARGET_USD_PER_FAILED_PAYMENT = 0.01;

/** Failed payments in the fixtures: invoice.payment_failed events + PaymentIntent failures that belong to no invoice. */
function failedPaymentsIn(fixtures: Fixture[]): { invoiceFailures: number; oneOffPiFailures: number; total: number; oneOffIds: string[] } {
  const store = JSON.parse(readFileSync("fixtures/stripe-objects.json", "utf8")) as { invoice_payments?: Record<string, Array<{ payment?: { payment_intent?: unknown } }>> };
  const piOfInvoices = new Set<string>();
  for (const list of Object.values(store.invoice_payments ?? {})) for (const p of list) if (typeof p.payment?.payment_intent === "string") piOfInvoices.add(p.payment.payment_intent);
  for (const f of fixtures) {
    const obj = (f.event.data as { object: Obj }).object;
    if (f.event.type === "invoice.payment_failed" || String(f.event.type).startsWith("invoice.")) {
      if (typeof obj.payment_intent === "string") piOfInvoices.add(obj.payment_intent);
      for (const p of ((obj.payments as { data?: Array<{ payment?: { payment_intent?: unknown } }> } | undefined)?.data ?? [])) {
        const pi = p.payment?.payment_intent;
        if (typeof pi === "string") piOfInvoices.add(pi);
        else if (pi && typeof pi === "object" && typeof (pi as Obj).id === "string") piOfInvoices.add((pi as Obj).id as string);
      }
    }
  }
  const invoiceFailures = fixtures.filter((f) => f.event.type === "invoice.payment_failed").length;
  const oneOff = fixtures.filter((f) => {
    if (f.event.type !== "payment_intent.payment_failed") return false;
    const pi = (f.event.data as { object: Obj }).object;
    return !pi.invoice && !piOfInvoices.has(String(pi.id));
  });
  return { invoiceFailures, oneOffPiFailures: oneOff.length, total: invoiceFailures + oneOff.length, oneOffIds: oneOff.map((f) => String(f.event.id)) };
}

/** Figure 6: what one failed payment costs. */
export async function benchCost(b: Build): Promise<void> {
  say("6. cost: every fixture replayed (demo setup), bindings counted by a bench-only wrapper, provider calls by the fake");
  const f = await ensureFake();
  const scope = "benchcost";
  await fakeJson(`/__fake/reset?scope=${scope}`, { method: "POST" });
  writeFileSync(join(b.dir, "bench-fetch-counter.mjs"), FETCH_COUNTER);
  writeFileSync(join(b.dir, "bench-counting-entry.mjs"), COUNTING_ENTRY);
  const secret = `whsec_bench_${randomHex(16)}`;
  const w = await startWorker({
    modules: moduleDefs(b, [
      { type: "ESModule", path: join(b.dir, "bench-counting-entry.mjs") },
      { type: "ESModule", path: join(b.dir, "bench-fetch-counter.mjs") },
    ]),
    modulesRoot: b.dir,
    bindings: demoBindings(secret, `sk_test_${scope}`, f.url),
    consumers: consumersFromToml(),
  });
  try {
    await applyMigrations(w.mf);
    const fixtures = loadFixtures(defaultFixtureFiles());
    const failed = failedPaymentsIn(fixtures);
    const replayed = restamp(fixtures, { suffix: freshSuffix() });
    const a = performance.now();
    const res = await replayFixtures(replayed, { url: new URL("/webhooks/stripe", w.url).toString(), secret });
    const accepted = res.filter((r) => r.accepted).map((r) => r.eventId);
    const deadline = Date.now() + 90_000;
    let rowsFinal: Array<{ id: string; status: string }> = [];
    while (Date.now() < deadline) {
      rowsFinal = await d1All<{ id: string; status: string }>(w.mf, `SELECT id, status FROM events WHERE id IN (${accepted.map(() => "?").join(",")})`, ...accepted);
      if (rowsFinal.length === accepted.length && rowsFinal.every((r) => ["decided", "parked", "dead_lettered"].includes(r.status))) break;
      await sleep(200);
    }
    const drainS = (performance.now() - a) / 1000;
    await sleep(1_000); // let the last batch's acks and any follow-up messages settle
    const counts = (await (await fetch(new URL("/__bench/counts", w.url))).json()) as Counts;
    const stats = await fakeJson<{ counts: Record<string, number> }>(`/__fake/stats?scope=${scope}`);
    const reqs = await fakeJson<Array<{ provider: string; method: string; path: string }>>(`/__fake/requests?scope=${scope}`);
    const cases = await d1All<{ kind: string; n: number }>(w.mf, "SELECT kind, COUNT(*) AS n FROM cases GROUP BY kind");
    const decisions = await d1All<{ decided_by: string; n: number }>(w.mf, "SELECT decided_by, COUNT(*) AS n FROM decisions GROUP BY decided_by");
    const emails = await d1All<{ n: number }>(w.mf, "SELECT COUNT(*) AS n FROM side_effects WHERE kind = 'email'");
    const finals = rowsFinal.reduce<Record<string, number>>((m, r) => ((m[r.status] = (m[r.status] ?? 0) + 1), m), {});

    const ph = Object.values(counts.phases);
    const sum = (fn: (p: PhaseCounts) => number) => ph.reduce((x, p) => x + fn(p), 0);
    const kvReads = sum((p) => (p.kv.get ?? 0) + (p.kv.getWithMetadata ?? 0) + (p.kv.list ?? 0));
    const kvWrites = sum((p) => (p.kv.put ?? 0) + (p.kv.delete ?? 0));
    const queueSends = sum((p) => p.queueSends);
    const rowsWritten = sum((p) => p.d1.rowsWritten);
    const rowsRead = sum((p) => p.d1.rowsRead);
    const statements = sum((p) => p.d1.statements);
    const storageOps = kvReads + kvWrites + queueSends + rowsWritten;
    const providerCalls = Object.values(stats.counts).reduce((x, y) => x + y, 0);
    const outboundTotal = Object.values(counts.outbound).reduce((x, y) => x + y, 0);
    const decideRuns = decisions.filter((d) => ["rules", "model", "fallback"].includes(d.decided_by)).reduce((x, d) => x + d.n, 0);
    const modelCallsIfConfigured = decideRuns + (emails[0]?.n ?? 0);
    const per = (x: number) => round(x / failed.total, 1);
    // The storage floor of this replay: every accepted event costs the ingress's KV get + queue send +
    // KV put (the ingress shape: KV dedup -> Queue) and at least one D1 row recording how it ended.
    const designFloorOps = accepted.length * 4;

    // What dominates: D1 statements by rows written, KV by method+key class, per phase.
    const sqlTop = Object.entries(counts.phases)
      .flatMap(([phase, p]) => Object.entries(p.d1.bySql).map(([sql, s]) => ({ phase, sql, ...s })))
      .sort((x, y) => y.rowsWritten - x.rowsWritten)
      .slice(0, 12);
    const kvTop = Object.entries(counts.phases).flatMap(([name, p]) => Object.entries(p.kvByKey).map(([k, n]) => ({ phase: name, op: k, n }))).sort((x, y) => y.n - x.n);
    const byPath = reqs.reduce<Record<string, number>>((m, r) => {
      const k = `${r.provider} ${r.method} ${r.path.replace(/\/(cus|in|pi|sub|ch|pm|price|prod)_[A-Za-z0-9]+/g, "/$1_…")}`;
      m[k] = (m[k] ?? 0) + 1;
      return m;
    }, {});

    results.cost = {
      method:
        "Miniflare (workerd) running the built bundle behind a bench-only entry module (written to the temp build dir, not shipped) that passes the Worker wrapped bindings: every KV call, Queue send and D1 statement is counted; D1 rows read/written come from each statement's result meta (D1 bills rows_written incl. index rows; first() is run as all() to see its meta). Outbound subrequests are counted by a fetch() wrapper in the same isolate and, per provider, by the local fake (Stripe scope sk_test_" +
        scope +
        "). Demo setup (as npm run demo): Stripe fake serving fixtures/stripe-objects.json, DEFAULT_MODE live, rules policy (no GEMINI_API_KEY), no Resend/Slack keys (local outbox), PI hold 2 s. Every fixtures/events/*.json replayed once in name order with fresh ids, then waited until all accepted events finished. The bench's own ledger polling goes around the wrapper and is not counted.",
      fixtures: fixtures.length,
      accepted: accepted.length,
      eventStatuses: finals,
      drainSeconds: round(drainS, 1),
      failedPayments: failed,
      casesByKind: cases,
      totals: {
        kvReads,
        kvWrites,
        queueSends,
        queueDeliveries: counts.queueDeliveries,
        d1Statements: statements,
        d1RowsWritten: rowsWritten,
        d1RowsRead: rowsRead,
        storageQueueOps: storageOps,
        providerCalls: stats.counts,
        outboundSubrequests: counts.outbound,
        outboundTotal,
        modelCalls: stats.counts.gemini ?? 0,
        modelCallsIfGeminiConfigured: modelCallsIfConfigured,
      },
      designFloor: {
        note: "the least any implementation of this design (KV dedup -> Queue -> D1 ledger) can spend on this replay: per accepted event KV get + queue send + KV put at the ingress (KV dedup -> Queue) + 1 D1 row recording the event's outcome (every accepted event ends recorded), with no decision, case, side-effect or throttle record at all",
        opsTotal: designFloorOps,
        perFailedPayment: per(designFloorOps),
        oursOverFloor: round(storageOps / designFloorOps, 2),
      },
      perFailedPayment: {
        kvReads: per(kvReads),
        kvWrites: per(kvWrites),
        queueSends: per(queueSends),
        d1RowsWritten: per(rowsWritten),
        storageQueueOps: per(storageOps),
        d1RowsRead: per(rowsRead),
        d1Statements: per(statements),
        providerCalls: per(providerCalls),
        outboundSubrequests: per(outboundTotal),
        modelCalls: per(stats.counts.gemini ?? 0),
        modelCallsIfGeminiConfigured: per(modelCallsIfConfigured),
      },
      byPhase: Object.fromEntries(
        Object.entries(counts.phases).map(([k, p]) => [k, { kv: p.kv, queueSends: p.queueSends, queueSendsByKind: p.queueSendsByKind, d1: { statements: p.d1.statements, batches: p.d1.batches, rowsWritten: p.d1.rowsWritten, rowsRead: p.d1.rowsRead, statementsWithoutMeta: p.d1.noMeta } }]),
      ),
      dominating: { d1ByRowsWritten: sqlTop, kv: kvTop, providerRequests: byPath },
      requests: counts.requests,
      workerErrors: w.errors.slice(0, 10),
    };
    // Dollars: the counted operations at list prices, plus the model as it would run with GEMINI_API_KEY set
    // (decisions by GEMINI_MODEL, one empathy paragraph per email by GEMINI_FAST_MODEL), prompt sizes measured.
    const prompts = await measurePrompts(b, f);
    const workerRequests = Object.values(counts.requests).reduce((x, y) => x + y, 0) + counts.queueDeliveries.batches;
    const cost = costPerFailedPayment(
      {
        workersRequests: workerRequests / failed.total,
        kvReads: kvReads / failed.total,
        kvWrites: kvWrites / failed.total,
        queueOperations: (2 * queueSends + counts.queueDeliveries.messages) / failed.total,
        d1RowsRead: rowsRead / failed.total,
        d1RowsWritten: rowsWritten / failed.total,
        decisions: decideRuns / failed.total,
        emails: (emails[0]?.n ?? 0) / failed.total,
      },
      prompts,
    );
    results.cost = {
      ...(results.cost as Obj),
      usdPerFailedPayment: {
        method:
          "Counted operations of the replay above per failed payment, times the list prices in bench/prices.ts (beyond the included monthly allowances; the Workers Paid base fee is not spread). Workers requests = webhook requests + queue consumer invocations; queue operations = a write and a delete per message sent + a read per delivery. Model: decisions and emails of the rules run as model calls, input tokens = characters of the requests the Worker sent to the fake model in a second replay with GEMINI_API_KEY set / " +
          String(MODEL_ASSUMPTIONS.charsPerToken) +
          "; output and thinking tokens assumed (bench/prices.ts MODEL_ASSUMPTIONS).",
        target: TARGET_USD_PER_FAILED_PAYMENT,
        totalUsd: cost.totalUsd,
        cloudflareUsd: cost.cloudflareUsd,
        modelUsd: cost.modelUsd,
        lines: cost.lines,
        prompts,
        prices: priceLines(),
      },
    };
    rows.push({
      metric: `Cost / failed payment, all-in (${failed.total} failed payments)`,
      value: usd(cost.totalUsd),
      floor: `Cloudflare ${usd(cost.cloudflareUsd)}, model ${usd(cost.modelUsd)} (list prices, bench/prices.ts)`,
      ratio: `${round(cost.totalUsd / TARGET_USD_PER_FAILED_PAYMENT, 2)}`,
      target: `≤ $${TARGET_USD_PER_FAILED_PAYMENT}`,
      pass: cost.totalUsd <= TARGET_USD_PER_FAILED_PAYMENT,
    });
    for (const l of cost.lines) {
      const share = (100 * l.usd) / cost.totalUsd;
      rows.push({ metric: `· ${l.component}`, value: usd(l.usd), floor: `${l.units} ${l.unit} (${l.basis})`, ratio: `${share >= 1 ? round(share, 1) : share.toPrecision(2)}% of total`, target: "report", pass: null });
    }
    rows.push({
      metric: "Storage+queue ops / failed payment",
      value: `${per(storageOps)}`,
      floor: `KV r ${per(kvReads)} w ${per(kvWrites)}, queue ${per(queueSends)}, D1 rows_written ${per(rowsWritten)}`,
      ratio: "—",
      target: "report",
      pass: null,
    });
    rows.push({
      metric: "  design floor of the same replay",
      value: `${per(designFloorOps)}`,
      floor: `${accepted.length} events × (KV get + put + queue send + 1 D1 row)`,
      ratio: `ours ${round(storageOps / designFloorOps, 2)}×`,
      target: "report",
      pass: null,
    });
    rows.push({
      metric: "Provider calls / failed payment",
      value: `${per(providerCalls)}`,
      floor: Object.entries(stats.counts).map(([k, v]) => `${k} ${v}`).join(", "),
      ratio: "—",
      target: "report",
      pass: null,
    });
    rows.push({
      metric: "Model calls / failed payment",
      value: `${per(stats.counts.gemini ?? 0)} (rules)`,
      floor: `${per(modelCallsIfConfigured)} with GEMINI_API_KEY`,
      ratio: "—",
      target: "report",
      pass: null,
    });
    say(
      `   ${accepted.length}/${fixtures.length} accepted, finished ${JSON.stringify(finals)} in ${round(drainS, 1)} s; failed payments ${failed.total} (${failed.invoiceFailures} invoice + ${failed.oneOffPiFailures} one-off PI)`,
    );
    say(
      `   totals: KV reads ${kvReads}, KV writes ${kvWrites}, queue sends ${queueSends} (deliveries ${counts.queueDeliveries.messages}), D1 rows written ${rowsWritten} (read ${rowsRead}, ${statements} statements); providers ${JSON.stringify(stats.counts)}; outbound ${outboundTotal}`,
    );
    say(`   per failed payment: storage/queue ops ${per(storageOps)} (D1 rows written ${per(rowsWritten)}), provider calls ${per(providerCalls)}`);
    say(`   design floor (${accepted.length} accepted events × KV get + queue send + KV put + 1 D1 row): ${per(designFloorOps)} per failed payment; ours ${round(storageOps / designFloorOps, 2)}× that`);
    say(`   USD per failed payment at list prices: ${usd(cost.totalUsd)} (Cloudflare ${usd(cost.cloudflareUsd)}, model ${usd(cost.modelUsd)}); ${cost.lines.map((l) => `${l.component} ${usd(l.usd)}`).join(", ")}`);
    say(`   model prompts (second replay with GEMINI_API_KEY, ${prompts.replayedEvents} events): decisions ${prompts.decision ? `${prompts.decision.calls} calls, ${prompts.decision.avgChars} chars each` : "none"}; empathy ${prompts.empathy ? `${prompts.empathy.calls} calls, ${prompts.empathy.avgChars} chars each` : "none"}`);
    say("   prices:");
    for (const l of priceLines()) say(`     ${l}`);
    say("   D1 statements writing the most rows:");
    for (const s of sqlTop.slice(0, 8)) say(`     ${String(s.rowsWritten).padStart(4)} rows written  ${String(s.n).padStart(3)}×  [${s.phase}] ${s.sql}`);
    say(`   KV: ${kvTop.map((k) => `${k.op} ×${k.n} [${k.phase}]`).join(", ")}`);
    say(`   provider requests: ${Object.entries(byPath).map(([k, v]) => `${k} ×${v}`).join(", ")}`);
  } finally {
    await w.stop();
  }
}
