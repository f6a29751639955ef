/**
 * @module bench/context
 * What every benchmark shares: the section names, the run sizes, the progress log (`say`), small statistics
 * helpers, and the rows and results the runner prints and writes to bench/results.json.
 */

/** JSON-shaped values read from fixtures and results. */
export type Obj = Record<string, unknown>;

export const SECTIONS = ["ingress-cpu", "ingress-rps", "consumer", "latency", "bundle", "cost", "storage-rtt", "campaign"] as const;
export type Section = (typeof SECTIONS)[number];

/** What a run measures: `--only` sections, `--quick` sizes, the JSON output path, the consumer's concurrency. */
export interface BenchOptions {
  only: Set<Section>;
  quick: boolean;
  out: string;
  concurrency: number;
  /** The simulated D1/KV round trip of the storage-rtt section (ms). */
  rttMs: number;
}

/** Run sizes for the given options. */
export function sizesFor(args: Pick<BenchOptions, "quick" | "concurrency">) {
  return {
    cpuEvents: args.quick ? 500 : 2000,
    cpuWarmup: args.quick ? 300 : 1000,
    cpuRounds: 7,
    rpsRequests: args.quick ? 300 : 1000,
    rpsWarmup: 200,
    rpsRounds: 3,
    rpsConcurrency: 16,
    consumerEvents: 100,
    modelDelayMs: 500,
    consumerConcurrency: Number.isInteger(args.concurrency) && args.concurrency > 0 ? args.concurrency : 16,
    latencyEvents: args.quick ? 10 : 30,
    latencyIntervalMs: 500,
    latencyIsolated: args.quick ? 2 : 5,
  };
}

/** Sizes of the current run (set by `configure`; the sections read them). */
export const N = sizesFor({ quick: false, concurrency: 16 });

/** Sets the sizes of this run. */
export function configure(args: Pick<BenchOptions, "quick" | "concurrency">): void {
  Object.assign(N, sizesFor(args));
}

export const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
export const say = (s: string) => console.log(`[${elapsed()}] ${s}`);
export const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};
export const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1)); // nearest rank
  return s[idx] ?? NaN;
};
export const errMsg = (err: unknown) => (err instanceof Error ? err.message : String(err));

export interface Row {
  metric: string;
  value: string;
  floor: string;
  ratio: string;
  target: string;
  pass: boolean | null;
}
export const rows: Row[] = [];
export const results: Record<string, unknown> = {};
