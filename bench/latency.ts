/**
 * @module bench/latency
 * Figure 4, latency in workerd with the demo setup: webhook POST → side effect row `succeeded` in D1, p50/p95.
 */
import { performance } from "node:perf_hooks";
import { sleep } from "../scripts/lib/proc.ts";
import { N, say, round, percentile, rows, results } from "./context.ts";
import { dunningConsumer, moduleDefs, startWorker, consumersFromToml, applyMigrations, d1All, type Build } from "./workers.ts";
import { LATENCY_TEMPLATES, failedEvent, sign, randomHex, sendSigned, demoBindings } from "./events.ts";
import { ensureFake } from "./fake.ts";

/** Figure 4: webhook POST to side effect, p50/p95. */
export async function benchLatency(b: Build): Promise<void> {
  const timeoutS = dunningConsumer.max_batch_timeout ?? 0;
  const batchSize = dunningConsumer.max_batch_size ?? 10;
  say(`4. webhook → side effect (demo setup, queue max_batch_size ${batchSize}, max_batch_timeout ${timeoutS} s): ${N.latencyEvents} events at one per ${N.latencyIntervalMs} ms, then ${N.latencyIsolated} isolated`);
  const f = await ensureFake();
  const secret = `whsec_bench_${randomHex(16)}`;
  const w = await startWorker({ modules: moduleDefs(b), modulesRoot: b.dir, bindings: {
      ...demoBindings(secret, "sk_test_benchlat", f.url),
      // The figure is the pipeline's own latency: the customer's send window (a deliberate wait until their morning)
      // and the mass-failure brake (30 failures within a minute look like an outage) would hold the emails.
      SEND_WINDOWS: "off",
      BRAKE_FAILURES_PER_HOUR: "100000",
    },
    consumers: consumersFromToml() });
  try {
    await applyMigrations(w.mf);
    await (await fetch(new URL("/healthz", w.url))).text();
    const url = new URL("/webhooks/stripe", w.url);
    const prefix = `evt_benchlat_${randomHex(4)}_`;
    const sentAt = new Map<string, number>();
    const seenAt = new Map<string, number>();
    const statuses: Record<number, number> = {};

    // One background poller records when each event's first succeeded side effect is visible in D1.
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const got = await d1All<{ event_id: string }>(w.mf, "SELECT DISTINCT event_id FROM side_effects WHERE status = 'succeeded' AND event_id LIKE ?1", `${prefix}%`);
        const now = performance.now();
        for (const r of got) if (sentAt.has(r.event_id) && !seenAt.has(r.event_id)) seenAt.set(r.event_id, now);
        await sleep(20);
      }
    })();
    const waitSeen = async (ids: string[], timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && ids.some((id) => !seenAt.has(id))) await sleep(20);
    };
    const send = async (i: number) => {
      const s = sign(failedEvent(`${prefix}${String(i).padStart(3, "0")}`, `cus_benchlat${String(i).padStart(3, "0")}`, LATENCY_TEMPLATES[i % LATENCY_TEMPLATES.length]), secret);
      sentAt.set(s.id, performance.now());
      const st = await sendSigned(url, s);
      statuses[st] = (statuses[st] ?? 0) + 1;
      return s.id;
    };

    // (a) a steady stream: one failure every latencyIntervalMs
    const streamIds: string[] = [];
    const start = performance.now();
    for (let i = 0; i < N.latencyEvents; i++) {
      const wait = start + i * N.latencyIntervalMs - performance.now();
      if (wait > 0) await sleep(wait);
      streamIds.push(await send(i));
    }
    await waitSeen(streamIds, 60_000);

    // (b) isolated failures: one event, wait for its side effect, then the next
    const isolatedIds: string[] = [];
    for (let j = 0; j < N.latencyIsolated; j++) {
      await sleep(200);
      const id = await send(N.latencyEvents + j);
      isolatedIds.push(id);
      await waitSeen([id], 20_000);
    }
    polling = false;
    await poller;

    const lat = (ids: string[]) => ids.filter((id) => seenAt.has(id)).map((id) => seenAt.get(id)! - sentAt.get(id)!);
    const streamLat = lat(streamIds);
    const isoLat = lat(isolatedIds);
    // Where the time goes, from the Worker's own timestamps (ms): ingress -> claimed by the consumer -> side effect done.
    const parts = await d1All<{ id: string; received_at: number; claimed_at: number | null; done_at: number | null; kind: string | null; provider: string | null }>(
      w.mf,
      `SELECT e.id, e.received_at, e.claimed_at, MIN(s.updated_at) AS done_at, MIN(s.kind) AS kind, MIN(s.provider) AS provider
         FROM events e LEFT JOIN side_effects s ON s.event_id = e.id AND s.status = 'succeeded'
        WHERE e.id LIKE ?1 GROUP BY e.id`,
      `${prefix}%`,
    );
    const streamSet = new Set(streamIds);
    const queueWait = parts.filter((p) => streamSet.has(p.id) && p.claimed_at !== null).map((p) => p.claimed_at! - p.received_at);
    const processing = parts.filter((p) => streamSet.has(p.id) && p.claimed_at !== null && p.done_at !== null).map((p) => p.done_at! - p.claimed_at!);
    const kindOf = new Map(parts.map((p) => [p.id, p.kind ? `${p.kind} via ${p.provider}` : "none"]));
    const byKind: Record<string, { n: number; p50Ms: number; p95Ms: number }> = {};
    for (const k of new Set(streamIds.map((id) => kindOf.get(id) ?? "none"))) {
      const xs = streamIds.filter((id) => kindOf.get(id) === k && seenAt.has(id)).map((id) => seenAt.get(id)! - sentAt.get(id)!);
      byKind[k] = { n: xs.length, p50Ms: round(percentile(xs, 50), 0), p95Ms: round(percentile(xs, 95), 0) };
    }
    const decisionsSummary = await d1All(
      w.mf,
      "SELECT decided_by, tool, template_id, outcome, COUNT(*) AS n FROM decisions WHERE event_id LIKE ?1 GROUP BY 1, 2, 3, 4 ORDER BY n DESC",
      `${prefix}%`,
    );
    const effects = parts.reduce<Record<string, number>>((m, p) => {
      const k = p.kind ? `${p.kind} via ${p.provider}` : "none";
      m[k] = (m[k] ?? 0) + 1;
      return m;
    }, {});
    const p50 = percentile(streamLat, 50);
    const p95 = percentile(streamLat, 95);
    results.latency = {
      method:
        "Miniflare (workerd) running the built bundle in the demo setup (Stripe fake serving fixtures/stripe-objects.json via STRIPE_API_BASE, DEFAULT_MODE live, PI_ATTRIBUTION_HOLD_SECONDS 2, RETRY_BASE_DELAY_SECONDS 1, rules policy, outbox) with the queue consumer settings of wrangler.toml. invoice.payment_failed events, alternately fixture 01 (rules: escalate → Slack outbox) and fixture 13 (rules: soft reminder → email outbox, React Email render), for distinct customers (copies of the fixture customers and their paid invoices in the fake) are POSTed signed; latency = from just before the POST until a side_effects row with status succeeded exists for the event (D1 polled every ~20 ms). (a) a stream of one event every " +
        N.latencyIntervalMs +
        " ms; (b) isolated events (each sent after the previous one's side effect). Miniflare's local queue delivers one batch at a time.",
      queue: { maxBatchSize: batchSize, maxBatchTimeoutSeconds: timeoutS },
      stream: { events: N.latencyEvents, intervalMs: N.latencyIntervalMs, measured: streamLat.length, p50Ms: round(p50, 0), p95Ms: round(p95, 0), maxMs: round(Math.max(...streamLat), 0) },
      isolated: { events: N.latencyIsolated, measured: isoLat.length, p50Ms: round(percentile(isoLat, 50), 0), maxMs: round(Math.max(...isoLat), 0) },
      breakdownStreamMs: {
        queueWaitP50: round(percentile(queueWait, 50), 0),
        queueWaitP95: round(percentile(queueWait, 95), 0),
        processingP50: round(percentile(processing, 50), 0),
        processingP95: round(percentile(processing, 95), 0),
      },
      streamByKind: byKind,
      sideEffects: effects,
      decisions: decisionsSummary,
      httpStatuses: statuses,
      workerErrors: w.errors.slice(0, 10),
    };
    const allSeen = streamLat.length === N.latencyEvents;
    rows.push({
      metric: `Webhook → side effect p50 (${N.latencyEvents} events)`,
      value: `${round(p50, 0)} ms`,
      floor: `batch timeout ${timeoutS * 1000} ms`,
      ratio: `${round(p50 / (timeoutS * 1000 || 1), 2)}`,
      target: "report",
      pass: allSeen ? null : false,
    });
    rows.push({
      metric: "Webhook → side effect p95",
      value: `${round(p95, 0)} ms`,
      floor: `batch timeout ${timeoutS * 1000} ms`,
      ratio: `${round(p95 / (timeoutS * 1000 || 1), 2)}`,
      target: "report",
      pass: allSeen ? null : false,
    });
    say(
      `   stream: p50 ${round(p50, 0)} ms, p95 ${round(p95, 0)} ms (${streamLat.length}/${N.latencyEvents}); queue wait p50 ${round(percentile(queueWait, 50), 0)} ms, processing p50 ${round(percentile(processing, 50), 0)} ms; isolated p50 ${round(percentile(isoLat, 50), 0)} ms; by side effect ${JSON.stringify(byKind)}`,
    );
  } finally {
    await w.stop();
  }
}
