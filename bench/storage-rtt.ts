/**
 * @module bench/storage-rtt
 * Production-shaped latency: every D1 and KV call costs a round trip (default 10 ms, `--rtt-ms`), as from a
 * Worker to D1 and KV on Cloudflare (`SIMULATED_STORAGE_RTT_MS`, see src/ledger/simulated-latency.ts). Keyless
 * (no Stripe, no Resend: the outbox), once with the rules and once with an instant model. Per decided invoice
 * failure: D1 round trips on the critical path (overlapping round trips count once, a batch counts once), all
 * D1 round trips and statements, KV round trips, and processing p50/p95. Targets: ≤ 8 critical-path round trips,
 * p50 ≤ 300 ms at 10 ms.
 */
import type Stripe from "stripe";
import { sleep } from "../scripts/lib/proc.ts";
import { median, percentile, results, round, rows, say, type Obj } from "./context.ts";
import { failedEvent, randomHex } from "./events.ts";
import { ensureFake, fakeJson, scriptModel } from "./fake.ts";
import { applyMigrations, d1All, moduleDefs, startWorker, toml, type Build } from "./workers.ts";

interface StorageLine {
  msg: string;
  eventId: string;
  eventType: string;
  ms: number;
  d1RoundTrips: number;
  d1CriticalPath: number;
  d1Statements: number;
  kvRoundTrips: number;
  sql?: string[];
}

const EVENTS = 30;

async function run(b: Build, rttMs: number, model: boolean): Promise<StorageLine[]> {
  const f = await ensureFake();
  const scope = `benchrtt${model ? "m" : "r"}${randomHex(3)}`;
  if (model) {
    await fakeJson(`/__fake/reset?scope=${scope}`, { method: "POST" });
    await scriptModel(scope, EVENTS, 0);
  }
  const lines: StorageLine[] = [];
  const w = await startWorker({
    modules: moduleDefs(b),
    modulesRoot: b.dir,
    bindings: {
      ...toml.vars,
      STRIPE_WEBHOOK_SECRET: `whsec_bench_${randomHex(8)}`,
      DEFAULT_MODE: "live",
      PI_ATTRIBUTION_HOLD_SECONDS: "0",
      SIMULATED_STORAGE_RTT_MS: String(rttMs),
      // As deployed: emails carry the signed card-update link (its lifetime comes from the case's grace end).
      LINK_SIGNING_SECRET: `bench-link-secret-${randomHex(16)}`,
      // 30 failures within a minute would engage the mass-failure brake (emails held); this figure is the email path.
      BRAKE_FAILURES_PER_HOUR: "100000",
      ...(model ? { GEMINI_API_KEY: `gk_${scope}`, GEMINI_BASE_URL: f.url } : {}),
    },
    consumers: { dunning: { maxBatchSize: 1, maxBatchTimeout: 1 } },
    onLog: (m) => {
      if (!m.includes('"bench.storage"')) return;
      try {
        lines.push(JSON.parse(m.slice(m.indexOf("{"))) as StorageLine);
      } catch {
        // not ours
      }
    },
  });
  try {
    await applyMigrations(w.mf);
    await (await fetch(new URL("/healthz", w.url))).text();
    const { normalizeEvent } = await import("../src/ingest/normalize.ts");
    const queue = await w.mf.getQueueProducer<unknown>("DUNNING_QUEUE");
    const prefix = `evt_rtt_${randomHex(4)}_`;
    // One event at a time: the figure is one event's critical path, not contention between events.
    for (let i = 0; i < EVENTS; i++) {
      const id = `${prefix}${i}`;
      const ev = failedEvent(id, `cus_rtt_${randomHex(4)}_${i}`);
      (ev.data as { object: Obj }).object.id = `in_rtt_${randomHex(4)}_${i}`;
      const r = normalizeEvent(ev as unknown as Stripe.Event);
      if (!r.ok) throw new Error(`bench event did not normalize: ${r.reason}`);
      // An expired card: the common "needs the customer" path (gate, render, outbox).
      await queue.send({ kind: "event", context: { ...r.context, failureReason: "card_expired", declineCode: "expired_card" }, receivedAt: Date.now() });
      for (const deadline = Date.now() + 20_000; Date.now() < deadline && !lines.some((l) => l.eventId === id); ) await sleep(10);
    }
    const decided = await d1All<{ n: number }>(w.mf, "SELECT COUNT(*) AS n FROM events WHERE id LIKE ?1 AND status = 'decided'", `${prefix}%`);
    if ((decided[0]?.n ?? 0) < EVENTS) say(`   warning: only ${decided[0]?.n ?? 0}/${EVENTS} decided`);
    return lines.filter((l) => l.eventType === "invoice.payment_failed");
  } finally {
    await w.stop();
  }
}

function summary(lines: StorageLine[]) {
  const ms = lines.map((l) => l.ms);
  return {
    events: lines.length,
    processingMs: { p50: round(median(ms), 0), p95: round(percentile(ms, 95), 0) },
    d1CriticalPath: median(lines.map((l) => l.d1CriticalPath)),
    d1RoundTrips: median(lines.map((l) => l.d1RoundTrips)),
    d1Statements: median(lines.map((l) => l.d1Statements)),
    kvRoundTrips: median(lines.map((l) => l.kvRoundTrips)),
  };
}

export async function benchStorageRtt(b: Build, rttMs: number): Promise<void> {
  say(`7. production-shaped latency: every D1/KV call ${rttMs} ms, keyless, ${EVENTS} invoice failures one at a time (rules, then an instant model)`);
  const ruleLines = await run(b, rttMs, false);
  const rules = summary(ruleLines);
  const sample = ruleLines.at(-1)?.sql ?? [];
  const modelLines = await run(b, rttMs, true);
  const model = summary(modelLines);
  results.storageRtt = {
    method:
      "Miniflare (workerd) running the built bundle with SIMULATED_STORAGE_RTT_MS: each D1 call (first/all/run/raw, or one batch) and each KV call waits the RTT first and is traced per event (AsyncLocalStorage). Keyless (no Stripe, no Resend: outbox), DEFAULT_MODE live, expired-card invoice failures for distinct customers sent one at a time through the queue. Critical path = the most round trips that ran one after another (overlapping ones count once).",
    rttMs,
    rules,
    instantModel: model,
    roundTripsOfOneEvent: sample,
    roundTripsOfOneEventWithModel: modelLines.at(-1)?.sql ?? [],
  };
  for (const [name, s] of [["rules", rules], ["instant model", model]] as const) {
    rows.push({
      metric: `Decided invoice failure at ${rttMs} ms storage RTT (${name}): D1 round trips on the critical path`,
      value: `${s.d1CriticalPath} (${s.d1RoundTrips} in all, ${s.d1Statements} statements, ${s.kvRoundTrips} KV)`,
      floor: "—",
      ratio: "—",
      target: "≤ 8",
      pass: s.d1CriticalPath <= 8,
    });
    rows.push({
      metric: `  processing p50 / p95 (${name})`,
      value: `${s.processingMs.p50} / ${s.processingMs.p95} ms`,
      floor: "—",
      ratio: "—",
      target: "p50 ≤ 300 ms",
      pass: s.processingMs.p50 <= 300,
    });
  }
  say(`   rules: critical path ${rules.d1CriticalPath} D1 round trips (${rules.d1RoundTrips} in all, ${rules.d1Statements} statements), ${rules.kvRoundTrips} KV; p50 ${rules.processingMs.p50} ms, p95 ${rules.processingMs.p95} ms`);
  say(`   instant model: critical path ${model.d1CriticalPath}, p50 ${model.processingMs.p50} ms, p95 ${model.processingMs.p95} ms`);
}
