/**
 * @module scripts/lib/demo-state
 * Where a running `npm run demo` can be found: the demo writes its PID, port and base URL to `.demo/demo.json`
 * once the Worker answers, and removes the file when it stops. `npm run mode`, `npm run kill-switch` and
 * `npm run demo -- --stop` read it. A file left behind by a demo that was killed hard is recognized as stale
 * (its PID is gone, or nothing answers at its URL) and ignored.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The demo's working directory (state, logs, this file), relative to the repository root. */
export const DEMO_DIR = ".demo";
export const DEMO_STATE_FILE = join(DEMO_DIR, "demo.json");

export interface DemoState {
  /** PID of the demo's Node process (the one that handles SIGTERM and stops wrangler and the fake). */
  pid: number;
  port: number;
  /** Base URL of the Worker, e.g. http://127.0.0.1:8787 */
  url: string;
  startedAt: string;
}

function isDemoState(v: unknown): v is DemoState {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return Number.isInteger(o.pid) && Number.isInteger(o.port) && typeof o.url === "string" && typeof o.startedAt === "string";
}

export function writeDemoState(state: DemoState, file = DEMO_STATE_FILE): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
}

/** The recorded demo, or null when there is no (readable) file. Does not check that it still runs. */
export function readDemoState(file = DEMO_STATE_FILE): DemoState | null {
  if (!existsSync(file)) return null;
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
    return isDemoState(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** Removes the file, but only if it still describes `pid` (a newer demo may have replaced it). */
export function removeDemoState(pid: number, file = DEMO_STATE_FILE): void {
  const current = readDemoState(file);
  if (current === null || current.pid === pid) rmSync(file, { force: true });
}

/** Whether a process with this PID exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether the Worker at `url` answers its health check. */
export async function answers(url: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const res = await fetch(new URL("/healthz", url), { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** The running demo: recorded, its process alive and its Worker answering; else null. */
export async function findRunningDemo(file = DEMO_STATE_FILE): Promise<DemoState | null> {
  const state = readDemoState(file);
  if (state === null || !isAlive(state.pid)) return null;
  return (await answers(state.url)) ? state : null;
}

export type StopResult =
  | { kind: "stopped"; demo: DemoState; ms: number }
  | { kind: "not_running"; stale: DemoState | null }
  | { kind: "still_running"; demo: DemoState };

/**
 * Stops the recorded demo: SIGTERM to its Node process, which stops wrangler dev (its whole process group) and
 * the provider fake before it exits; then waits up to `timeoutMs` for the PID to go. A stale file is removed.
 */
export async function stopDemo(file = DEMO_STATE_FILE, timeoutMs = 20_000): Promise<StopResult> {
  const demo = readDemoState(file);
  if (demo === null || !isAlive(demo.pid)) {
    if (demo !== null) removeDemoState(demo.pid, file);
    return { kind: "not_running", stale: demo };
  }
  const t0 = Date.now();
  try {
    process.kill(demo.pid, "SIGTERM");
  } catch {
    /* gone in between */
  }
  while (isAlive(demo.pid)) {
    if (Date.now() - t0 > timeoutMs) return { kind: "still_running", demo };
    await new Promise((r) => setTimeout(r, 100));
  }
  removeDemoState(demo.pid, file);
  return { kind: "stopped", demo, ms: Date.now() - t0 };
}
