/**
 * @module bench/ingress-cpu
 * Figure 1, ingress CPU in Node: the real Hono app (`createApp().fetch`) over N distinct signed events vs the
 * floor "WebCrypto HMAC-SHA256 verify + JSON.parse" of the same payloads (process.cpuUsage).
 */
import Stripe from "stripe";
import { performance } from "node:perf_hooks";
import { N, say, round, median, errMsg, rows, results } from "./context.ts";
import { failedEvent, sign, randomHex, type Signed } from "./events.ts";

class MemoryKV {
  readonly store = new Map<string, { value: string; expiresAt: number | null }>();
  async get(key: string): Promise<string | null> {
    const e = this.store.get(key);
    if (!e) return null;
    if (e.expiresAt !== null && e.expiresAt <= Date.now()) {
      this.store.delete(key);
      return null;
    }
    return e.value;
  }
  async put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void> {
    this.store.set(key, { value, expiresAt: options?.expirationTtl ? Date.now() + options.expirationTtl * 1000 : null });
  }
}
class MemoryQueue {
  readonly sent: unknown[] = [];
  async send(body: unknown): Promise<void> {
    this.sent.push(body);
  }
  async sendBatch(messages: Iterable<{ body: unknown }>): Promise<void> {
    for (const m of messages) this.sent.push(m.body);
  }
}

function silenceConsole() {
  const saved = { log: console.log, warn: console.warn, error: console.error, info: console.info };
  let lines = 0;
  const sink = () => {
    lines++;
  };
  console.log = sink;
  console.warn = sink;
  console.error = sink;
  console.info = sink;
  return {
    restore() {
      Object.assign(console, saved);
      return lines;
    },
  };
}

async function cpuOf(fn: () => Promise<void>): Promise<{ cpuUs: number; wallMs: number }> {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { cpuUs: c.user + c.system, wallMs: performance.now() - w0 };
}

const hexBytes = (hex: string) => {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
};

const CPU_CHUNK = 50;

/** Figure 1: ingress CPU per event in Node vs WebCrypto verify + JSON.parse. */
export async function benchIngressCpu(): Promise<void> {
  say(`1. ingress CPU in Node: createApp().fetch over ${N.cpuEvents} distinct signed events × ${N.cpuRounds} rounds vs WebCrypto verify + JSON.parse`);
  const secret = `whsec_bench_${randomHex(16)}`;
  const quiet = silenceConsole();
  let importMs = 0;
  let createApp: (typeof import("../src/http/app.ts"))["createApp"];
  try {
    const i0 = performance.now();
    ({ createApp } = await import("../src/http/app.ts"));
    importMs = performance.now() - i0;
  } catch (err) {
    quiet.restore();
    results.ingressCpu = { error: `importing src/http/app.ts in Node failed: ${errMsg(err)}` };
    rows.push({ metric: "Ingress CPU (Node)", value: "import failed", floor: "—", ratio: "—", target: "≤ 3×", pass: false });
    say(`   importing src/http/app.ts in Node failed: ${errMsg(err)}`);
    return;
  }
  const app = createApp();
  const kv = new MemoryKV();
  const queue = new MemoryQueue();
  const env = { BILLING_KV: kv, DUNNING_QUEUE: queue, LEDGER: null, STRIPE_WEBHOOK_SECRET: secret } as unknown as Parameters<typeof app.fetch>[1];

  const set = (tag: string, n: number) => Array.from({ length: n }, (_, i) => sign(failedEvent(`evt_benchcpu_${tag}_${i}_${randomHex(4)}`), secret));
  const warm = set("warm", N.cpuWarmup);
  const roundsSets = Array.from({ length: N.cpuRounds }, (_, r) => set(`r${r}`, N.cpuEvents));
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);

  const floorOne = async (s: Signed) => {
    let t = "";
    let v1 = "";
    for (const part of s.header.split(",")) {
      const eq = part.indexOf("=");
      const k = part.slice(0, eq);
      if (k === "t") t = part.slice(eq + 1);
      else if (k === "v1" && v1 === "") v1 = part.slice(eq + 1);
    }
    const ok = await crypto.subtle.verify("HMAC", key, hexBytes(v1), enc.encode(`${t}.${s.payload}`));
    if (!ok) throw new Error("floor: signature did not verify");
    JSON.parse(s.payload);
  };
  const requests = (xs: Signed[]) =>
    xs.map(
      (s) =>
        new Request("http://bench.local/webhooks/stripe", {
          method: "POST",
          headers: { "content-type": "application/json", "stripe-signature": s.header },
          body: s.payload,
        }),
    );
  const statuses = new Map<number, number>();
  const appLoop = async (reqs: Request[]) => {
    for (const req of reqs) {
      const res = await app.fetch(req, env);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
  };
  const floorLoop = async (xs: Signed[]) => {
    for (const s of xs) await floorOne(s);
  };

  const floorRuns: Array<{ cpuUs: number; wallMs: number }> = [];
  const appRuns: Array<{ cpuUs: number; wallMs: number }> = [];
  try {
    await floorLoop(warm);
    await appLoop(requests(warm));
    for (const xs of roundsSets) {
      const reqs = requests(xs); // built before timing: the runtime hands the Worker a ready Request
      // Floor and app alternate in chunks, so load from other processes falls on both alike.
      const f = { cpuUs: 0, wallMs: 0 };
      const a = { cpuUs: 0, wallMs: 0 };
      for (let i = 0; i < xs.length; i += CPU_CHUNK) {
        const fr = await cpuOf(() => floorLoop(xs.slice(i, i + CPU_CHUNK)));
        const ar = await cpuOf(() => appLoop(reqs.slice(i, i + CPU_CHUNK)));
        f.cpuUs += fr.cpuUs;
        f.wallMs += fr.wallMs;
        a.cpuUs += ar.cpuUs;
        a.wallMs += ar.wallMs;
      }
      floorRuns.push(f);
      appRuns.push(a);
    }
  } finally {
    const lines = quiet.restore();
    results.ingressCpuConsoleLinesDiscarded = lines;
  }
  // Components of the app's work, same events, same way of measuring (outside the app, pure functions).
  const { verifyStripeEvent } = await import("../src/ingest/verify.ts");
  const { normalizeEvent } = await import("../src/ingest/normalize.ts");
  const parts = roundsSets[0];
  if (parts === undefined || parts[0] === undefined) throw new Error("no bench events were built");
  const parsed = parts.map((x) => JSON.parse(x.payload) as Stripe.Event);
  const q2 = silenceConsole();
  const verifyRun = await cpuOf(async () => {
    for (const x of parts) if (!(await verifyStripeEvent(x.payload, x.header, [secret])).ok) throw new Error("verifyStripeEvent rejected a bench event");
  });
  const normalizeRun = await cpuOf(async () => {
    for (const e of parsed) if (!normalizeEvent(e).ok) throw new Error("normalizeEvent rejected a bench event");
  });
  const floorAgain = await cpuOf(() => floorLoop(parts));
  q2.restore();
  const total = N.cpuWarmup + N.cpuRounds * N.cpuEvents;
  const ok200 = statuses.get(200) ?? 0;
  const perEvent = (r: { cpuUs: number }) => r.cpuUs / N.cpuEvents;
  const appUs = median(appRuns.map(perEvent));
  const floorUs = median(floorRuns.map(perEvent));
  const appWallUs = median(appRuns.map((r) => (r.wallMs * 1000) / N.cpuEvents));
  const floorWallUs = median(floorRuns.map((r) => (r.wallMs * 1000) / N.cpuEvents));
  // Ratio per round (app and floor measured back to back), median over rounds: robust to load from other processes.
  // Floor and app runs are pushed together, one pair per round.
  const floorCpu = (i: number) => floorRuns[i]?.cpuUs ?? NaN;
  const roundRatios = appRuns.map((r, i) => r.cpuUs / floorCpu(i));
  const ratio = median(roundRatios);
  results.ingressCpu = {
    method:
      "Node " +
      process.version +
      ": real Hono app from src/http/app.ts, app.fetch(request, env) with a Map-backed KV, an array-backed queue and STRIPE_WEBHOOK_SECRET. Distinct invoice.payment_failed events (fixture 01, unique ids), pre-signed with Stripe.webhooks.generateTestHeaderString and turned into Requests before timing. Floor: crypto.subtle.verify (HMAC-SHA256, key imported once) over `${t}.${payload}` + JSON.parse(payload). CPU = process.cpuUsage() user+system (includes libuv threadpool work of WebCrypto); events are processed one at a time; floor and app alternate in chunks of 50 events; ratio = median over rounds of (app CPU / floor CPU) of the round. Console output of the app is discarded during the run (the JSON building and scrubbing in log() still runs).",
    events: N.cpuEvents,
    rounds: N.cpuRounds,
    warmupEvents: N.cpuWarmup,
    importMs: round(importMs),
    appCpuUsPerEvent: round(appUs),
    appWallUsPerEvent: round(appWallUs),
    floorCpuUsPerEvent: round(floorUs),
    floorWallUsPerEvent: round(floorWallUs),
    ratio: round(ratio, 2),
    ratioMinOverMin: round(Math.min(...appRuns.map((r) => r.cpuUs)) / Math.min(...floorRuns.map((r) => r.cpuUs)), 2),
    ratioRange: [round(Math.min(...roundRatios), 2), round(Math.max(...roundRatios), 2)],
    components: {
      note: "CPU µs/event of parts of the ingress on the first round's events, measured right after the rounds: verifyStripeEvent (Stripe SDK constructEventAsync with the SubtleCrypto provider, incl. JSON.parse) and normalizeEvent (incl. zod validation of the context); the floor is measured again next to them.",
      verifyStripeEventUs: round(verifyRun.cpuUs / parts.length),
      normalizeEventUs: round(normalizeRun.cpuUs / parts.length),
      floorUs: round(floorAgain.cpuUs / parts.length),
    },
    perRound: appRuns.map((a, i) => ({ appCpuUs: round(perEvent(a)), floorCpuUs: round(floorCpu(i) / N.cpuEvents), ratio: round(roundRatios[i] ?? NaN, 2) })),
    responses: Object.fromEntries(statuses),
    queued: queue.sent.length,
    kvKeys: kv.store.size,
    payloadBytes: Buffer.byteLength(parts[0].payload),
    allAccepted: ok200 === total && queue.sent.length === total,
  };
  const lo = Math.min(...roundRatios);
  const hi = Math.max(...roundRatios);
  rows.push({
    metric: "Ingress CPU, Node (µs/event)",
    value: `${round(appUs)} µs`,
    floor: `${round(floorUs)} µs (HMAC verify + JSON.parse)`,
    ratio: `${round(ratio, 2)}× (${round(lo, 1)}–${round(hi, 1)})`,
    target: "≤ 3×",
    pass: ratio <= 3 && ok200 === total,
  });
  say(`   app ${round(appUs)} µs/event CPU (wall ${round(appWallUs)}), floor ${round(floorUs)} µs/event (wall ${round(floorWallUs)}), ratio ${round(ratio, 2)}× (median of per-round ratios); ${ok200}/${total} answered 200, ${queue.sent.length} queued`);
  say(`   parts: verifyStripeEvent ${round(verifyRun.cpuUs / parts.length)} µs, normalizeEvent ${round(normalizeRun.cpuUs / parts.length)} µs, floor again ${round(floorAgain.cpuUs / parts.length)} µs`);
}
