/**
 * @module bench/consumer
 * Figure 3, consumer concurrency in workerd: 100 events for 100 customers through the real queue handler, model
 * answering in 500 ms (local fake), vs 100 × 500 ms serial: as Queues delivers them (batches of max_batch_size to
 * concurrent invocations, default DECISION_CONCURRENCY), and as one batch of 100 in one invocation.
 */
import { performance } from "node:perf_hooks";
import type { FakeServer } from "../test/fakes/server.ts";
import { sleep } from "../scripts/lib/proc.ts";
import { N, say, round, rows, results } from "./context.ts";
import { toml, dunningConsumer, moduleDefs, startWorker, consumersFromToml, applyMigrations, d1All, type Build } from "./workers.ts";
import { randomHex } from "./events.ts";
import { ensureFake, fakeJson, scriptModel, failedEventJobs } from "./fake.ts";

/** Figure 3: decisions per second with a slow model, as Queues delivers and as one batch. */
export async function benchConsumer(b: Build): Promise<void> {
  const n = N.consumerEvents;
  say(`3. consumer: ${n} events for ${n} customers, model answering in ${N.modelDelayMs} ms, DECISION_CONCURRENCY ${N.consumerConcurrency}, max_batch_size ${n}`);
  const f = await ensureFake();
  const scope = "benchconsumer";
  await fakeJson(`/__fake/reset?scope=${scope}`, { method: "POST" });
  await scriptModel(scope, n, N.modelDelayMs);
  const w = await startWorker({
    modules: moduleDefs(b),
    modulesRoot: b.dir,
    bindings: {
      ...toml.vars,
      STRIPE_WEBHOOK_SECRET: `whsec_bench_${randomHex(8)}`,
      DEFAULT_MODE: "live",
      DECISION_CONCURRENCY: String(N.consumerConcurrency),
      GEMINI_API_KEY: `gk_${scope}`,
      GEMINI_BASE_URL: f.url,
      // This section measures decision concurrency. With no Stripe key, an invoice event without a decline
      // code would first wait up to this long for its PaymentIntent event; no such event comes here.
      PI_ATTRIBUTION_HOLD_SECONDS: "0",
    },
    consumers: consumersFromToml({ maxBatchSize: n, maxBatchTimeout: 5 }),
  });
  try {
    await applyMigrations(w.mf);
    await (await fetch(new URL("/healthz", w.url))).text(); // isolate up
    const prefix = `evt_benchcons_${randomHex(4)}_`;
    const messages = (await failedEventJobs(prefix, "cus_benchcons", n)).map((body) => ({ body }));
    const queue = await w.mf.getQueueProducer<unknown>("DUNNING_QUEUE");
    const a = performance.now();
    await queue.sendBatch(messages);
    let done = 0;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const r = await d1All<{ n: number }>(w.mf, "SELECT COUNT(*) AS n FROM events WHERE id LIKE ?1 AND status IN ('decided','parked','dead_lettered')", `${prefix}%`);
      done = r[0]?.n ?? 0;
      if (done >= n) break;
      await sleep(25);
    }
    const wallS = (performance.now() - a) / 1000;
    const stats = await fakeJson<{ geminiPeakInFlight: number; counts: Record<string, number> }>(`/__fake/stats?scope=${scope}`);
    // The same batch once more (new customers) with a model answering at once: the consumer's own time.
    await scriptModel(scope, n, 0);
    const prefix0 = `evt_benchcons0_${randomHex(4)}_`;
    const messages0 = (await failedEventJobs(prefix0, "cus_benchcons0", n)).map((body) => ({ body }));
    const a0 = performance.now();
    await queue.sendBatch(messages0);
    for (const deadline0 = Date.now() + 60_000; Date.now() < deadline0; ) {
      const r = await d1All<{ n: number }>(w.mf, "SELECT COUNT(*) AS n FROM events WHERE id LIKE ?1 AND status IN ('decided','parked','dead_lettered')", `${prefix0}%`);
      if ((r[0]?.n ?? 0) >= n) break;
      await sleep(25);
    }
    const instantS = (performance.now() - a0) / 1000;
    const q = await consumerAsDelivered(b, f, n);
    const qSpeedup = (n * N.modelDelayMs) / 1000 / q.wallS;
    const decisions = await d1All(w.mf, "SELECT decided_by, tool, outcome, COUNT(*) AS n FROM decisions WHERE event_id LIKE ?1 GROUP BY 1, 2, 3", `${prefix}%`);
    const serialS = (n * N.modelDelayMs) / 1000;
    const speedup = serialS / wallS;
    const idealS = (Math.ceil(n / N.consumerConcurrency) * N.modelDelayMs) / 1000;
    results.consumer = {
      method:
        "Miniflare (workerd) running the built bundle; the real queue handler (handleDunningBatch) gets one batch of 100 messages (queue consumer max_batch_size 100) sent with getQueueProducer().sendBatch. GEMINI_API_KEY=gk_" +
        scope +
        ", GEMINI_BASE_URL = in-process provider fake scripted with 100 answers {delayMs: 500, escalate_to_human}. Wall time from send until the ledger shows all 100 events finished (polled every 25 ms).",
      events: n,
      customers: n,
      modelDelayMs: N.modelDelayMs,
      decisionConcurrency: N.consumerConcurrency,
      wallSeconds: round(wallS, 2),
      serialFloorSeconds: serialS,
      idealSecondsAtConcurrency: idealS,
      speedup: round(speedup, 1),
      sameBatchWithInstantModelSeconds: round(instantS, 2),
      nonModelMsPerEventPerSlot: round(((wallS - idealS) * 1000 * N.consumerConcurrency) / n, 0),
      finished: done,
      geminiCalls: stats.counts.gemini,
      geminiPeakInFlight: stats.geminiPeakInFlight,
      decisions,
      workerErrors: w.errors.slice(0, 10),
      asDelivered: {
        method:
          "The same 100 events (new customers) delivered as Queues delivers them: batches of max_batch_size from wrangler.toml, one consumer invocation per batch, all invocations at once (the Worker's queue handler called once per batch through Miniflare's getWorker().queue(), since Miniflare's own broker delivers one batch at a time while Queues runs consumer invocations concurrently as the backlog grows). DECISION_CONCURRENCY at its default. Wall time until every invocation returned.",
        batches: q.batches,
        batchSize: q.batchSize,
        decisionConcurrency: q.decisionConcurrency,
        wallSeconds: round(q.wallS, 2),
        speedup: round(qSpeedup, 1),
        finished: q.finished,
        acked: q.acked,
        geminiCalls: q.calls,
        geminiPeakInFlight: q.peak,
        workerErrors: q.errors,
      },
    };
    rows.push({
      metric: `Consumer, ${n} events, 500 ms model, as delivered (${q.batches} batches of ${q.batchSize}, concurrent invocations)`,
      value: `${round(q.wallS, 2)} s (peak ${q.peak} in flight)`,
      floor: `${serialS} s serial`,
      ratio: `${round(qSpeedup, 1)}× faster`,
      target: "≥ 10×",
      pass: qSpeedup >= 10 && q.finished === n && q.acked === n,
    });
    rows.push({
      metric: `  same, one batch of ${n} in one invocation, DECISION_CONCURRENCY ${N.consumerConcurrency}`,
      value: `${round(wallS, 2)} s (peak ${stats.geminiPeakInFlight} in flight)`,
      floor: `${serialS} s serial`,
      ratio: `${round(speedup, 1)}× faster`,
      target: "report",
      pass: null,
    });
    say(`   ${done}/${n} finished in ${round(wallS, 2)} s (serial ${serialS} s, ideal at ${N.consumerConcurrency} in flight ${idealS} s): ${round(speedup, 1)}×, model peak in flight ${stats.geminiPeakInFlight}, model calls ${stats.counts.gemini}; same batch with an instant model: ${round(instantS, 2)} s`);
    say(`   as delivered: ${q.batches} batches of ${q.batchSize} to concurrent invocations, DECISION_CONCURRENCY ${q.decisionConcurrency}: ${q.finished}/${n} decided, ${q.acked} acked in ${round(q.wallS, 2)} s = ${round(qSpeedup, 1)}×, model peak in flight ${q.peak}`);
  } finally {
    await w.stop();
  }
}

/**
 * The same 100 events delivered the way Queues delivers them in production: batches of the consumer's
 * max_batch_size from wrangler.toml, each to its own consumer invocation, the invocations running concurrently
 * (Queues scales consumer invocations with the backlog; Miniflare's broker delivers one batch at a time, so the
 * bench calls the Worker's queue handler directly, once per batch, all at once). DECISION_CONCURRENCY is left
 * at its default.
 */
async function consumerAsDelivered(b: Build, f: FakeServer, n: number): Promise<{ wallS: number; batches: number; batchSize: number; peak: number; calls: number; finished: number; decisionConcurrency: string; acked: number; errors: string[] }> {
  const scope = "benchconsumerq";
  await fakeJson(`/__fake/reset?scope=${scope}`, { method: "POST" });
  await scriptModel(scope, n, N.modelDelayMs);
  const w = await startWorker({
    modules: moduleDefs(b),
    modulesRoot: b.dir,
    bindings: { ...toml.vars, STRIPE_WEBHOOK_SECRET: `whsec_bench_${randomHex(8)}`, DEFAULT_MODE: "live", GEMINI_API_KEY: `gk_${scope}`, GEMINI_BASE_URL: f.url, PI_ATTRIBUTION_HOLD_SECONDS: "0" },
  });
  try {
    await applyMigrations(w.mf);
    await (await fetch(new URL("/healthz", w.url))).text();
    const { loadConfig } = await import("../src/config.ts");
    const prefix = `evt_benchconsq_${randomHex(4)}_`;
    const batchSize = dunningConsumer.max_batch_size ?? 10;
    const messages = (await failedEventJobs(prefix, "cus_benchconsq", n)).map((body, i) => ({ id: `msg-${prefix}${i}`, timestamp: new Date(), attempts: 1, body }));
    const batches = Array.from({ length: Math.ceil(n / batchSize) }, (_, i) => messages.slice(i * batchSize, (i + 1) * batchSize));
    const worker = await w.mf.getWorker();
    const a = performance.now();
    const outcomes = await Promise.all(batches.map((batch) => worker.queue("dunning", batch)));
    const wallS = (performance.now() - a) / 1000;
    const finished = (await d1All<{ n: number }>(w.mf, "SELECT COUNT(*) AS n FROM events WHERE id LIKE ?1 AND status = 'decided'", `${prefix}%`))[0]?.n ?? 0;
    const stats = await fakeJson<{ geminiPeakInFlight: number; counts: Record<string, number> }>(`/__fake/stats?scope=${scope}`);
    return {
      wallS,
      batches: batches.length,
      batchSize,
      peak: stats.geminiPeakInFlight,
      calls: stats.counts.gemini ?? 0,
      finished,
      decisionConcurrency: `${loadConfig(toml.vars).decisionConcurrency} (${toml.vars.DECISION_CONCURRENCY === undefined ? "default" : "wrangler.toml"})`,
      acked: outcomes.reduce((x, o) => x + o.explicitAcks.length, 0),
      errors: w.errors.slice(0, 10),
    };
  } finally {
    await w.stop();
  }
}
