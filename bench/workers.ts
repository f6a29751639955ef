/**
 * @module bench/workers
 * The Worker under test: the few wrangler.toml values the bench needs, the deploy build
 * (`wrangler deploy --dry-run --outdir <tmp>`), Miniflare (workerd) instances of it with local KV/D1/Queues,
 * and the D1 migrations and queries the sections use.
 */
import { mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Miniflare, NoOpLog, convertV4MiniflareOptions } from "miniflare";
import { localBin, runOrThrow } from "../scripts/lib/proc.ts";
import { WRANGLER_ENV } from "../scripts/lib/wrangler.ts";
import type { Obj } from "./context.ts";
import { track, untrack, setBuildDir } from "./lifecycle.ts";

export interface QueueConsumerToml {
  queue: string;
  max_batch_size?: number;
  max_batch_timeout?: number;
  max_retries?: number;
  dead_letter_queue?: string;
}
function readWranglerToml(path = "wrangler.toml") {
  const text = readFileSync(path, "utf8");
  const top: Obj = {};
  const consumers: QueueConsumerToml[] = [];
  const vars: Record<string, string> = {};
  let section = "";
  let current: Obj = top;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const header = /^\[\[?([^\]]+)\]\]?$/.exec(line);
    if (header) {
      section = (header[1] ?? "").trim();
      if (section === "queues.consumers") consumers.push((current = {} as Obj) as unknown as QueueConsumerToml);
      else current = section === "vars" ? (vars as Obj) : {};
      continue;
    }
    const kv = /^([A-Za-z0-9_]+)\s*=\s*(.+?)\s*(#[^"]*)?$/.exec(line);
    if (!kv) continue;
    const rawValue = kv[2] ?? "";
    let value: unknown = rawValue;
    try {
      value = JSON.parse(rawValue);
    } catch {
      /* keep raw */
    }
    current[kv[1] ?? ""] = value;
  }
  return {
    compatibilityDate: String(top.compatibility_date ?? "2026-11-01"),
    compatibilityFlags: (Array.isArray(top.compatibility_flags) ? top.compatibility_flags : []) as string[],
    consumers,
    vars,
  };
}
export const toml = readWranglerToml();
export const dunningConsumer = toml.consumers.find((c) => c.queue === "dunning") ?? { queue: "dunning" };
export const dlqConsumer = toml.consumers.find((c) => c.queue === dunningConsumer.dead_letter_queue);


// build (also the bundle figure)

export interface Build {
  dir: string;
  files: Array<{ name: string; bytes: number; gzipBytes: number }>;
  wranglerSays: string | null;
}

export async function build(): Promise<Build> {
  const dir = mkdtempSync(join(tmpdir(), "recovery-bench-"));
  setBuildDir(dir);
  const r = await runOrThrow(localBin("wrangler"), ["deploy", "--dry-run", "--outdir", dir], { env: WRANGLER_ENV, timeoutMs: 120_000 });
  const says = /Total Upload:\s*([^\n]+)/.exec(r.stdout + r.stderr)?.[1]?.trim() ?? null;
  const files = readdirSync(dir)
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((name) => {
      const buf = readFileSync(join(dir, name));
      return { name, bytes: buf.length, gzipBytes: gzipSync(buf, { level: 9 }).length };
    });
  return { dir, files, wranglerSays: says };
}

/** Files wrangler uploads: the modules (not the source map, not the README wrangler writes next to them). */
export const isUploaded = (name: string) => !name.endsWith(".map") && name !== "README.md";

export function moduleDefs(b: Build, extraFirst: Array<{ type: "ESModule"; path: string }> = []) {
  const defs = b.files
    .filter((f) => isUploaded(f.name))
    .sort((a, c) => (a.name === "index.js" ? -1 : c.name === "index.js" ? 1 : a.name.localeCompare(c.name)))
    .map((f) => ({
      type: (/\.m?js$/.test(f.name) ? "ESModule" : /\.wasm$/.test(f.name) ? "CompiledWasm" : /\.(md|txt|html)$/.test(f.name) ? "Text" : "Data") as
        | "ESModule"
        | "CompiledWasm"
        | "Text"
        | "Data",
      path: join(b.dir, f.name),
    }));
  return [...extraFirst, ...defs];
}


export interface WorkerHandle {
  mf: Miniflare;
  url: URL;
  errors: string[];
  stop(): Promise<void>;
}

export interface QueueConsumerOpts {
  maxBatchSize?: number;
  maxBatchTimeout?: number;
  maxRetries?: number;
  deadLetterQueue?: string;
}

export async function startWorker(o: {
  name?: string;
  modules: Array<{ type: "ESModule" | "CompiledWasm" | "Text" | "Data"; path: string }>;
  modulesRoot: string;
  bindings?: Record<string, string>;
  consumers?: Record<string, QueueConsumerOpts>;
  resources?: boolean;
  /** Every structured log line of the Worker (the bench reads its own measurement lines from them). */
  onLog?: (message: string) => void;
}): Promise<WorkerHandle> {
  const errors: string[] = [];
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      log: new NoOpLog(),
      logRequests: false,
      host: "127.0.0.1",
      port: 0,
      // Worker console output: keep error lines (reported), drop the rest (one JSON line per step).
      handleStructuredLogs: (l: { level: string; message: string }) => {
        o.onLog?.(l.message);
        if (l.level === "error" || /"level":"error"/.test(l.message)) errors.push(l.message.slice(0, 500));
      },
      name: o.name ?? "recovery-agent",
      modules: o.modules,
      modulesRoot: o.modulesRoot,
      compatibilityDate: toml.compatibilityDate,
      compatibilityFlags: toml.compatibilityFlags,
      ...(o.resources === false
        ? {}
        : {
            kvNamespaces: ["BILLING_KV"],
            d1Databases: ["LEDGER"],
            queueProducers: { DUNNING_QUEUE: { queueName: "dunning" } },
            ...(o.consumers ? { queueConsumers: o.consumers } : {}),
          }),
      bindings: o.bindings ?? {},
    }),
  );
  track(mf);
  const url = await mf.ready;
  return {
    mf,
    url,
    errors,
    async stop() {
      untrack(mf);
      await mf.dispose();
    },
  };
}

/** Consumer options from wrangler.toml, optionally overridden. */
export function consumersFromToml(override: QueueConsumerOpts = {}): Record<string, QueueConsumerOpts> {
  const out: Record<string, QueueConsumerOpts> = {
    dunning: {
      maxBatchSize: dunningConsumer.max_batch_size,
      maxBatchTimeout: dunningConsumer.max_batch_timeout,
      maxRetries: dunningConsumer.max_retries,
      ...(dunningConsumer.dead_letter_queue ? { deadLetterQueue: dunningConsumer.dead_letter_queue } : {}),
      ...override,
    },
  };
  if (dlqConsumer) out[dlqConsumer.queue] = { maxBatchSize: dlqConsumer.max_batch_size, maxBatchTimeout: dlqConsumer.max_batch_timeout, maxRetries: dlqConsumer.max_retries };
  return out;
}

/** Splits a migration file into statements (respects quotes, drops `--` comments). */
function splitSql(sql: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql.charAt(i);
    if (quote) {
      cur += ch;
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      cur += ch;
    } else if (ch === "-" && sql[i + 1] === "-") {
      while (i < sql.length && sql[i] !== "\n") i++;
      cur += "\n";
    } else if (ch === ";") {
      if (cur.trim()) out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export async function applyMigrations(mf: Miniflare): Promise<void> {
  const db = await mf.getD1Database("LEDGER");
  for (const f of readdirSync("migrations").filter((x) => x.endsWith(".sql")).sort()) {
    const stmts = splitSql(readFileSync(join("migrations", f), "utf8"));
    await db.batch(stmts.map((s) => db.prepare(s)));
  }
}

export async function d1All<T = Obj>(mf: Miniflare, sql: string, ...binds: unknown[]): Promise<T[]> {
  const db = await mf.getD1Database("LEDGER");
  const r = await db.prepare(sql).bind(...binds).all<T>();
  return r.results as T[];
}
