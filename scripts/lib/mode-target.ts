/**
 * @module scripts/lib/mode-target
 * Where `npm run mode` and `npm run kill-switch` act. In order:
 *
 *   --url URL        that Worker, through PUT /admin/mode (token: --token, else ADMIN_TOKEN from the
 *                    environment, else from .dev.vars)
 *   --remote         the deployed KV namespace, through `wrangler kv key … --remote`
 *   --local          wrangler's local KV (.wrangler/state, what `npm run dev` uses), through wrangler
 *   (nothing)        a running `npm run demo` (found through .demo/demo.json), else a Worker answering on
 *                    http://127.0.0.1:8787 (`npm run dev`), through PUT /admin/mode; only when nothing runs,
 *                    wrangler's local KV
 *
 * A running Worker is changed through its admin API because it may keep its state elsewhere (the demo uses
 * .demo/state) and reads the mode from its own KV; writing .wrangler/state behind its back would change nothing.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { KV_MODE, KV_MODE_BEFORE_KILL, MODES, type Mode } from "../../src/constants.ts";
import { getMode, putMode, type AdminApiOptions } from "./admin-api.ts";
import { answers, findRunningDemo } from "./demo-state.ts";
import { readDevVars } from "./dev-vars.ts";
import { WRANGLER_ENV } from "./wrangler.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const WRANGLER_CONFIG = join(ROOT, "wrangler.toml");
/** Where `npm run dev` listens by default. */
export const DEV_URL = "http://127.0.0.1:8787";

export class UsageError extends Error {
  override name = "UsageError";
}

export const isMode = (v: unknown): v is Mode => typeof v === "string" && (MODES as readonly string[]).includes(v);

export interface TargetOptions {
  remote: boolean;
  local: boolean;
  url: string | null;
  token: string | null;
}

/** Splits argv into positionals and the target flags; unknown flags are a usage error. */
export function parseArgs(argv: readonly string[]): { positionals: string[]; target: TargetOptions; help: boolean } {
  const positionals: string[] = [];
  const target: TargetOptions = { remote: false, local: false, url: null, token: null };
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === undefined) continue;
    if (a === "--remote") target.remote = true;
    else if (a === "--local") target.local = true;
    else if (a === "--help" || a === "-h") help = true;
    else if (a === "--url" || a === "--token") {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value`);
      if (a === "--url") target.url = v;
      else target.token = v;
    } else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
    else positionals.push(a);
  }
  if ([target.remote, target.local, target.url !== null].filter(Boolean).length > 1) throw new UsageError("pass one of --url, --remote or --local");
  if (target.url !== null) {
    try {
      new URL(target.url);
    } catch {
      throw new UsageError(`--url needs a URL like http://127.0.0.1:8787; got "${target.url}"`);
    }
  }
  return { positionals, target, help };
}

/** The mode as the target sees it. */
export interface ModeView {
  mode: Mode;
  /** True when no mode is stored and DEFAULT_MODE applies. */
  isDefault: boolean;
  defaultMode: Mode;
  beforeKill: Mode | null;
  /** What is stored under dunning:mode when it is not a valid mode (KV targets only). */
  invalidRaw: string | null;
}

/** One place the mode lives, and how to read and change it. */
export interface ModeTarget {
  /** Names the state that is read and changed, e.g. "the running demo (http://127.0.0.1:8787, PID 4242)". */
  label: string;
  /** How it is changed, e.g. "PUT /admin/mode" or "wrangler kv key put --local". */
  via: string;
  /** Printed after a change (KV propagation, parked events). */
  caveat: string;
  read(): Promise<ModeView>;
  /** Sets the mode; switching to `off` remembers the mode it replaced (in dunning:mode:before-kill). */
  set(mode: Mode): Promise<{ previous: Mode }>;
}

// ------------------------------------------------------------------------------------------------
// wrangler KV

function wrangler(args: string[], remote: boolean): string {
  // wrangler v4 defaults to local storage; say so explicitly either way.
  const full = ["--no-install", "wrangler", ...args, "--binding=BILLING_KV", remote ? "--remote" : "--local", `--config=${WRANGLER_CONFIG}`];
  const r = spawnSync("npx", full, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...WRANGLER_ENV }, timeout: 120_000 });
  if (r.error) throw new Error(`could not run wrangler: ${r.error.message}`);
  if (r.status !== 0) {
    const err = (r.stderr || r.stdout || "").split("\n").filter((l) => l.trim() !== "" && !l.startsWith("npm warn")).slice(-8).join("\n");
    throw new Error(`wrangler ${args.slice(0, 3).join(" ")} failed (exit ${r.status}):\n${err}`);
  }
  return r.stdout;
}

function kvGet(key: string, remote: boolean): string | null {
  const out = wrangler(["kv", "key", "get", key, "--text"], remote).trim();
  return out === "" || out === "Value not found" ? null : out;
}

function kvPut(key: string, value: string, remote: boolean): void {
  wrangler(["kv", "key", "put", key, value], remote);
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

/** The mode in a KV namespace through wrangler: `remote` = the deployed one, else .wrangler/state. */
export function kvTarget(remote: boolean, why: string): ModeTarget {
  const read = async (): Promise<ModeView> => {
    const raw = kvGet(KV_MODE, remote);
    const before = kvGet(KV_MODE_BEFORE_KILL, remote);
    const defaultMode = defaultModeFromWranglerToml();
    const stored = raw !== null && isMode(raw) ? raw : null;
    return { mode: stored ?? defaultMode, isDefault: stored === null, defaultMode, beforeKill: isMode(before) ? before : null, invalidRaw: raw !== null && stored === null ? raw : null };
  };
  return {
    label: remote ? `the deployed KV namespace (BILLING_KV, remote)${why}` : `wrangler's local KV (.wrangler/state, what \`npm run dev\` uses)${why}`,
    via: `wrangler kv key put ${remote ? "--remote" : "--local"}`,
    caveat: remote ? "Workers KV may serve the previous value for up to about a minute in other locations." : "",
    read,
    async set(mode) {
      const current = await read();
      if (mode === "off" && current.mode !== "off") kvPut(KV_MODE_BEFORE_KILL, current.mode, remote);
      kvPut(KV_MODE, mode, remote);
      return { previous: current.mode };
    },
  };
}

// ------------------------------------------------------------------------------------------------
// a running Worker, through its admin API

/** The mode of a running Worker through GET/PUT /admin/mode. */
export function apiTarget(o: AdminApiOptions, label: string): ModeTarget {
  return {
    label,
    via: "PUT /admin/mode",
    caveat: "",
    async read() {
      const r = await getMode(o);
      if (r.error !== null) throw new Error(r.error);
      return { ...r.data, invalidRaw: null };
    },
    async set(mode) {
      const r = await putMode(o, mode);
      if (r.error !== null) throw new Error(r.error);
      return { previous: r.data.previous };
    },
  };
}

function adminToken(explicit: string | null): string | null {
  if (explicit !== null) return explicit;
  const env = process.env.ADMIN_TOKEN?.trim();
  if (env) return env;
  const fromFile = readDevVars(join(ROOT, ".dev.vars")).ADMIN_TOKEN?.trim();
  return fromFile ? fromFile : null;
}

/** Picks the target (see the module comment). */
export async function resolveTarget(t: TargetOptions): Promise<ModeTarget> {
  if (t.remote) return kvTarget(true, "");
  if (t.local) return kvTarget(false, "");
  const token = adminToken(t.token);
  if (t.url !== null) {
    if (token === null) throw new UsageError("no admin token: pass --token, set ADMIN_TOKEN, or put it in .dev.vars");
    return apiTarget({ url: t.url, token }, `the Worker at ${t.url}`);
  }
  const demo = await findRunningDemo(join(ROOT, ".demo", "demo.json"));
  if (demo !== null) {
    if (token === null) throw new Error(`a demo is running at ${demo.url} but there is no ADMIN_TOKEN (in .dev.vars or the environment) to reach its admin API`);
    return apiTarget({ url: demo.url, token }, `the running demo (${demo.url}, PID ${demo.pid})`);
  }
  if (token !== null && (await answers(DEV_URL, 1_000))) return apiTarget({ url: DEV_URL, token }, `the Worker running at ${DEV_URL} (npm run dev)`);
  return kvTarget(false, "; no running demo or Worker found");
}
