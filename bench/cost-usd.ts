/**
 * @module bench/cost-usd
 * Turns the counted operations of the cost figure into US dollars per failed payment at list prices
 * (bench/prices.ts), one line per component, and measures the model's prompt sizes: a second replay of every
 * fixture with GEMINI_API_KEY set, the model being the local fake, whose recorded requests give the characters
 * the Worker sends per call (decisions and empathy paragraphs separately).
 */
import { performance } from "node:perf_hooks";
import { sleep } from "../scripts/lib/proc.ts";
import { defaultFixtureFiles, freshSuffix, loadFixtures, replayFixtures, restamp } from "../scripts/replay.ts";
import { round } from "./context.ts";
import { demoBindings, randomHex } from "./events.ts";
import { fakeJson } from "./fake.ts";
import { MODEL_ASSUMPTIONS, PRICES, usdFor, type PricedItem } from "./prices.ts";
import { applyMigrations, consumersFromToml, d1All, moduleDefs, startWorker, toml, type Build } from "./workers.ts";
import type { FakeServer } from "../test/fakes/server.ts";

/** Average request size per model, from the fake's record of what the Worker sent. */
export interface PromptSizes {
  decision: { model: string; calls: number; avgChars: number } | null;
  empathy: { model: string; calls: number; avgChars: number } | null;
  replayedEvents: number;
  drainSeconds: number;
}

/** Replays every fixture against a Worker whose model is the fake, and measures the prompts it sends. */
export async function measurePrompts(b: Build, f: FakeServer): Promise<PromptSizes> {
  const scope = "benchmodel";
  await fakeJson(`/__fake/reset?scope=${scope}`, { method: "POST" });
  const secret = `whsec_bench_${randomHex(16)}`;
  const w = await startWorker({
    modules: moduleDefs(b),
    modulesRoot: b.dir,
    bindings: { ...demoBindings(secret, `sk_test_${scope}`, f.url), GEMINI_API_KEY: `gk_${scope}`, GEMINI_BASE_URL: f.url },
    consumers: consumersFromToml(),
  });
  try {
    await applyMigrations(w.mf);
    const replayed = restamp(loadFixtures(defaultFixtureFiles()), { suffix: freshSuffix() });
    const a = performance.now();
    const res = await replayFixtures(replayed, { url: new URL("/webhooks/stripe", w.url).toString(), secret });
    const accepted = res.filter((r) => r.accepted).map((r) => r.eventId);
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const done = await d1All<{ n: number }>(w.mf, `SELECT COUNT(*) AS n FROM events WHERE status IN ('decided', 'parked', 'dead_lettered') AND id IN (${accepted.map(() => "?").join(",")})`, ...accepted);
      if ((done[0]?.n ?? 0) === accepted.length) break;
      await sleep(200);
    }
    const drainSeconds = round((performance.now() - a) / 1000, 1);
    const recs = await fakeJson<Array<{ path: string; body: unknown }>>(`/__fake/requests?scope=${scope}&provider=gemini`);
    const byModel = new Map<string, { calls: number; chars: number }>();
    for (const r of recs) {
      const model = /\/models\/([^/:]+):/.exec(r.path)?.[1];
      if (model === undefined) continue;
      const m = byModel.get(model) ?? { calls: 0, chars: 0 };
      m.calls += 1;
      m.chars += JSON.stringify(r.body ?? "").length;
      byModel.set(model, m);
    }
    const sizeOf = (model: string) => {
      const m = byModel.get(model);
      return m === undefined ? null : { model, calls: m.calls, avgChars: Math.round(m.chars / m.calls) };
    };
    return {
      decision: sizeOf(toml.vars.GEMINI_MODEL ?? "gemini-3.8-flash"),
      empathy: sizeOf(toml.vars.GEMINI_FAST_MODEL ?? "gemini-3.5-flash-lite"),
      replayedEvents: accepted.length,
      drainSeconds,
    };
  } finally {
    await w.stop();
  }
}

/** What one failed payment asks of each billed item, on average over the replay. */
export interface UnitsPerFailedPayment {
  workersRequests: number;
  kvReads: number;
  kvWrites: number;
  queueOperations: number;
  d1RowsRead: number;
  d1RowsWritten: number;
  decisions: number;
  emails: number;
}

/** One priced component of the cost of a failed payment. */
export interface CostLine {
  component: string;
  units: number;
  unit: string;
  usd: number;
  basis: string;
}

/** Dollars per failed payment, per component: Cloudflare's from counted operations, the model's from tokens. */
export function costPerFailedPayment(u: UnitsPerFailedPayment, prompts: PromptSizes): { lines: CostLine[]; cloudflareUsd: number; modelUsd: number; totalUsd: number } {
  const line = (component: string, item: PricedItem, units: number, basis: string): CostLine => ({ component, units: round(units, 1), unit: PRICES[item].unit, usd: usdFor(item, units), basis });
  const tokens = (chars: number) => chars / MODEL_ASSUMPTIONS.charsPerToken;
  const decisionIn = prompts.decision === null ? 0 : tokens(prompts.decision.avgChars);
  const empathyIn = prompts.empathy === null ? 0 : tokens(prompts.empathy.avgChars);
  const cloudflare = [
    line("Workers requests", "workersRequests", u.workersRequests, "webhook POSTs + queue consumer invocations"),
    line("KV reads", "kvReads", u.kvReads, "counted"),
    line("KV writes", "kvWrites", u.kvWrites, "counted"),
    line("Queue operations", "queueOperations", u.queueOperations, "write + read per delivery + delete"),
    line("D1 rows read", "d1RowsRead", u.d1RowsRead, "from each statement's meta"),
    line("D1 rows written", "d1RowsWritten", u.d1RowsWritten, "from each statement's meta"),
  ];
  const model = [
    line("Model input (decisions)", "decisionModelInput", u.decisions * decisionIn, `${round(u.decisions, 2)} decisions × ${Math.round(decisionIn)} tokens, measured`),
    line("Model output (decisions)", "decisionModelOutput", u.decisions * MODEL_ASSUMPTIONS.outputTokensPerDecision, `${MODEL_ASSUMPTIONS.outputTokensPerDecision} tokens per call, assumed`),
    line("Model thinking (decisions)", "decisionModelOutput", u.decisions * MODEL_ASSUMPTIONS.thinkingTokensPerDecision, `${MODEL_ASSUMPTIONS.thinkingTokensPerDecision} tokens per call, assumed`),
    line("Fast model input (empathy)", "fastModelInput", u.emails * empathyIn, `${round(u.emails, 2)} emails × ${Math.round(empathyIn)} tokens, measured`),
    line("Fast model output (empathy)", "fastModelOutput", u.emails * MODEL_ASSUMPTIONS.outputTokensPerEmpathy, `${MODEL_ASSUMPTIONS.outputTokensPerEmpathy} tokens per email, the cap`),
  ];
  const sum = (xs: CostLine[]) => xs.reduce((x, l) => x + l.usd, 0);
  const cloudflareUsd = sum(cloudflare);
  const modelUsd = sum(model);
  return { lines: [...cloudflare, ...model], cloudflareUsd, modelUsd, totalUsd: cloudflareUsd + modelUsd };
}

/** "$0.00123" with enough digits for sub-cent amounts. */
export function usd(x: number): string {
  if (x === 0) return "$0";
  return x >= 0.01 ? `$${x.toFixed(4)}` : `$${x.toPrecision(3)}`;
}
