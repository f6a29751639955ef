/**
 * Sets the rollout mode in KV `dunning:mode` (a bare string) through wrangler.
 *
 *   npm run mode -- live|dry_run|observe|off [--remote]
 *
 * Local by default (the state `wrangler dev` uses); `--remote` writes the deployed namespace, where other
 * locations may keep serving the old value for up to about a minute. Switching to `off` remembers the mode it
 * replaced in `dunning:mode:before-kill`, like `npm run kill-switch -- on`. Bad arguments exit with code 2.
 * Also exports the small KV helpers `kill-switch.ts` uses.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { KV_MODE, KV_MODE_BEFORE_KILL, MODES, type Mode } from "../src/constants.ts";
import { WRANGLER_ENV } from "./lib/wrangler.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER_CONFIG = join(ROOT, "wrangler.toml");

export class UsageError extends Error {
  override name = "UsageError";
}

export interface Target {
  remote: boolean;
}

export const isMode = (v: unknown): v is Mode => typeof v === "string" && (MODES as readonly string[]).includes(v);

/** Splits argv into positionals and the `--remote`/`--local` target; unknown flags are a usage error. */
export function parseArgs(argv: readonly string[]): { positionals: string[]; target: Target; help: boolean } {
  const positionals: string[] = [];
  let remote = false;
  let local = false;
  let help = false;
  for (const a of argv) {
    if (a === "--remote") remote = true;
    else if (a === "--local") local = true;
    else if (a === "--help" || a === "-h") help = true;
    else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
    else positionals.push(a);
  }
  if (remote && local) throw new UsageError("pass either --remote or --local, not both");
  return { positionals, target: { remote }, help };
}

function wrangler(args: string[], target: Target): string {
  // wrangler v4 defaults to local storage; say so explicitly either way.
  const full = ["--no-install", "wrangler", ...args, "--binding=BILLING_KV", target.remote ? "--remote" : "--local", `--config=${WRANGLER_CONFIG}`];
  const r = spawnSync("npx", full, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...WRANGLER_ENV }, timeout: 120_000 });
  if (r.error) throw new Error(`could not run wrangler: ${r.error.message}`);
  if (r.status !== 0) {
    const err = (r.stderr || r.stdout || "").split("\n").filter((l) => l.trim() !== "" && !l.startsWith("npm warn")).slice(-8).join("\n");
    throw new Error(`wrangler ${args.slice(0, 3).join(" ")} failed (exit ${r.status}):\n${err}`);
  }
  return r.stdout;
}

/** Reads a KV key as text; null when it is not set. */
export function kvGet(key: string, target: Target): string | null {
  const out = wrangler(["kv", "key", "get", key, "--text"], target).trim();
  return out === "" || out === "Value not found" ? null : out;
}

export function kvPut(key: string, value: string, target: Target): void {
  wrangler(["kv", "key", "put", key, value], target);
}

/** DEFAULT_MODE from wrangler.toml [vars] (what the Worker falls back to), else dry_run. */
export function defaultModeFromWranglerToml(): Mode {
  let text = "";
  try {
    text = readFileSync(WRANGLER_CONFIG, "utf8");
  } catch {
    return "dry_run";
  }
  const vars = /^\[vars\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(text)?.[1] ?? "";
  const value = /^\s*DEFAULT_MODE\s*=\s*["']([^"']*)["']/m.exec(vars)?.[1];
  return isMode(value) ? value : "dry_run";
}

export function where(target: Target): string {
  return target.remote ? "remote" : "local";
}

export function remoteCaveat(target: Target): string {
  return target.remote ? "\nNote: Workers KV may serve the previous value for up to about a minute in other locations." : "";
}

/** The mode in KV and whether it came from KV or the default. */
export function readModeFrom(target: Target): { mode: Mode; fromKv: boolean; raw: string | null } {
  const raw = kvGet(KV_MODE, target);
  if (raw !== null && isMode(raw)) return { mode: raw, fromKv: true, raw };
  return { mode: defaultModeFromWranglerToml(), fromKv: false, raw };
}

/** Writes the mode; switching to `off` first remembers the mode it replaces (unless it is already off). */
export function setMode(mode: Mode, target: Target): { previous: Mode } {
  const current = readModeFrom(target);
  if (mode === "off" && current.mode !== "off") kvPut(KV_MODE_BEFORE_KILL, current.mode, target);
  kvPut(KV_MODE, mode, target);
  return { previous: current.mode };
}

const USAGE = `usage: npm run mode -- <${MODES.join("|")}> [--remote]`;

function main(argv: readonly string[]): number {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
    if (parsed.help) {
      console.log(USAGE);
      return 0;
    }
    if (parsed.positionals.length !== 1) throw new UsageError(parsed.positionals.length === 0 ? "missing the mode" : "expected exactly one mode");
    if (!isMode(parsed.positionals[0])) throw new UsageError(`unknown mode "${parsed.positionals[0]}"; expected one of ${MODES.join(", ")}`);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  const mode = parsed.positionals[0] as Mode;
  const { previous } = setMode(mode, parsed.target);
  console.log(`mode: ${previous} -> ${mode} (${where(parsed.target)} KV ${KV_MODE})${mode === "off" && previous !== "off" ? `; remembered ${previous} in ${KV_MODE_BEFORE_KILL}` : ""}${remoteCaveat(parsed.target)}`);
  if (previous === "off" && mode !== "off") console.log("Parked events stay parked until you POST /admin/resume.");
  return 0;
}

/** Runs a CLI's `main` when its file is the script being executed (exit code: main's, or 1 on an error). */
export function runIfMain(moduleUrl: string, main: (argv: string[]) => number): void {
  if (process.argv[1] === undefined || moduleUrl !== pathToFileURL(resolve(process.argv[1])).href) return;
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}

runIfMain(import.meta.url, main);
