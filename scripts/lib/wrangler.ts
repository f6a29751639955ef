/**
 * @module scripts/lib/wrangler
 * Thin wrappers over the wrangler CLI for local state under a given persistence dir: D1 migrations,
 * D1 queries (JSON), KV writes. Always non-interactive (CI=1), offline and without telemetry.
 */
import { localBin, runOrThrow } from "./proc.ts";

/** Non-interactive, no telemetry, no colours, and no fetch of the `Request.cf` object (fully offline). */
export const WRANGLER_ENV: NodeJS.ProcessEnv = { CI: "1", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1", FORCE_COLOR: "0" };

export const wranglerBin = () => localBin("wrangler");

/** `wrangler d1 migrations apply <db> --local --persist-to <dir>`. */
export async function applyLocalMigrations(database: string, persistTo: string): Promise<string> {
  const r = await runOrThrow(wranglerBin(), ["d1", "migrations", "apply", database, "--local", "--persist-to", persistTo], { env: WRANGLER_ENV, timeoutMs: 60_000 });
  return r.stdout;
}

/**
 * Runs SQL (one or more `;`-separated statements) against the local D1 and returns one array of rows per
 * statement. `wrangler d1 execute --json` prints `[{results, success, meta}, ...]`.
 */
export async function d1Query<T = Record<string, unknown>>(database: string, persistTo: string, sql: string): Promise<T[][]> {
  const r = await runOrThrow(wranglerBin(), ["d1", "execute", database, "--local", "--persist-to", persistTo, "--json", "--command", sql], {
    env: WRANGLER_ENV,
    timeoutMs: 30_000,
  });
  const start = r.stdout.indexOf("[");
  if (start === -1) throw new Error(`d1 execute printed no JSON: ${r.stdout.slice(0, 300)}`);
  const parsed = JSON.parse(r.stdout.slice(start)) as Array<{ results?: T[]; success?: boolean; error?: string }>;
  return parsed.map((s) => {
    if (s.success === false) throw new Error(`d1 execute failed: ${s.error ?? "unknown error"}`);
    return s.results ?? [];
  });
}

/** `wrangler kv key put <key> <value> --binding <b> --local --persist-to <dir>`. */
export async function kvPutLocal(binding: string, persistTo: string, key: string, value: string): Promise<void> {
  await runOrThrow(wranglerBin(), ["kv", "key", "put", key, value, `--binding=${binding}`, "--local", "--persist-to", persistTo], { env: WRANGLER_ENV, timeoutMs: 30_000 });
}

/** SQL string literal ('it''s'). */
export const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
