/**
 * `npm run bench` — performance and cost figures, each measured in one run as a ratio to a floor.
 *
 *   1. ingress-cpu   Node: the real Hono app (`createApp().fetch`) over N distinct signed events vs the floor
 *                    "WebCrypto HMAC-SHA256 verify + JSON.parse" of the same payloads (process.cpuUsage).
 *   2. ingress-rps   workerd (Miniflare, the built bundle): POST /webhooks/stripe with distinct signed events vs
 *                    an empty bench-only Worker (bench/empty-worker.js), same load generator (Node, 16 in flight);
 *                    and vs the storage floor (bench/storage-floor-worker.js: KV get + queue send + KV put only),
 *                    which the target is judged against (≥ 0.85 of it).
 *   3. consumer      workerd: 100 events for 100 customers through the real queue handler, model answering in
 *                    500 ms (local fake), vs 100 × 500 ms serial: as Queues delivers them (batches of max_batch_size
 *                    to concurrent invocations, default DECISION_CONCURRENCY), and as one batch of 100 in one
 *                    invocation (--concurrency N, default 16).
 *   4. latency       workerd, demo setup: webhook POST → side effect row `succeeded` in D1, p50/p95.
 *   5. bundle        `wrangler deploy --dry-run --outdir <tmp>`: raw and gzip -9 size of the uploaded modules.
 *   6. cost          workerd, demo setup, every fixture replayed: KV/queue/D1 operations (counted by a bench-only
 *                    wrapper around the bundle's bindings) and provider calls (counted by the local fake), in US
 *                    dollars per failed payment at list prices (bench/prices.ts, printed with the figure), model
 *                    tokens included; target ≤ $0.01 all-in.
 *
 * Options: --only a,b (section names above), --quick (smaller N), --out FILE (default bench/results.json),
 * --concurrency N (DECISION_CONCURRENCY of the consumer section, default 16), --rtt-ms N (storage-rtt: the
 * simulated D1/KV round trip, default 10).
 *   7. storage-rtt   workerd, every D1/KV call delayed by --rtt-ms and traced per event: D1 round trips on an
 *                    invoice failure's critical path, statements, KV calls, processing p50/p95 (bench/storage-rtt.ts).
 * Prints a table and writes everything to bench/results.json. Each figure is one module in bench/ (ingress-cpu.ts,
 * ingress-rps.ts, consumer.ts, latency.ts, bundle.ts, cost.ts), run by bench/run.ts; this file is the command line.
 * Every Miniflare/workerd instance, the provider
 * fake and the temp dir are stopped/removed at the end, on Ctrl-C and on error.
 */
import { SECTIONS, type BenchOptions, type Section } from "../bench/context.ts";
import { cleanup, stopOnSignals } from "../bench/lifecycle.ts";
import { runBench } from "../bench/run.ts";

function parseArgs(argv: string[]): BenchOptions {
  const out: BenchOptions = { only: new Set<Section>(SECTIONS), quick: false, out: "bench/results.json", concurrency: 16, rttMs: 10 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") out.quick = true;
    else if (a === "--out") out.out = argv[++i] ?? out.out;
    else if (a === "--concurrency") out.concurrency = Number(argv[++i]);
    else if (a === "--rtt-ms") out.rttMs = Number(argv[++i]);
    else if (a === "--only") {
      const names = (argv[++i] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
      for (const n of names) if (!(SECTIONS as readonly string[]).includes(n)) throw new Error(`unknown section ${n}; one of ${SECTIONS.join(", ")}`);
      out.only = new Set(names as Section[]);
    } else if (a === "-h" || a === "--help") {
      console.log(`usage: npm run bench -- [--only ${SECTIONS.join(",")}] [--quick] [--out FILE] [--concurrency N (consumer section, default 16)] [--rtt-ms N (storage-rtt section, default 10)]`);
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return out;
}

stopOnSignals();
runBench(parseArgs(process.argv.slice(2))).then(
  (code) => process.exit(code),
  async (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await cleanup();
    process.exit(1);
  },
);
