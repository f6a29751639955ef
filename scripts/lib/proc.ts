/**
 * @module scripts/lib/proc
 * Process helpers for the local scripts: run a command to completion, start a long-running one in its own
 * process group (so it and every child it spawns — wrangler → workerd — can be stopped together), find a
 * free port, and poll until something is true.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, type WriteStream } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";

/** A binary from node_modules/.bin when present (no npx round trip), else the bare name from PATH. */
export function localBin(name: string): string {
  const p = resolve("node_modules/.bin", name);
  return existsSync(p) ? p : name;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Commands `run` has started that have not finished yet (each leads its own process group). */
const running = new Set<ChildProcess>();

/**
 * Stops every command `run` started that is still going, with everything it spawned (wrangler → workerd):
 * the signal goes to each one's process group. For cleanup on exit, SIGTERM or Ctrl-C.
 */
export function stopRunningCommands(signal: NodeJS.Signals = "SIGTERM"): void {
  for (const child of running) {
    if (child.pid === undefined) continue;
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** Runs a command to completion and captures its output. Never throws for a non-zero exit; check `code`. */
export function run(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    // Its own process group, so stopRunningCommands reaches the children it spawns too.
    const child = spawn(cmd, args, { env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    running.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer =
      options.timeoutMs === undefined
        ? null
        : setTimeout(() => {
            if (child.pid !== undefined) {
              try {
                process.kill(-child.pid, "SIGKILL");
              } catch {
                /* already gone */
              }
            }
            stderr += `\n[timed out after ${options.timeoutMs} ms]`;
          }, options.timeoutMs);
    child.on("error", (err) => {
      running.delete(child);
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      running.delete(child);
      if (timer) clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Runs a command and throws with its output when it exits non-zero. */
export async function runOrThrow(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  const r = await run(cmd, args, options);
  if (r.code !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split("\n").slice(-25).join("\n");
    throw new Error(`\`${[cmd, ...args].join(" ")}\` exited with ${r.code}:\n${tail}`);
  }
  return r;
}

export interface Background {
  child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr interleaved). */
  output(): string;
  /** Calls `fn` with every complete output line from now on. */
  onLine(fn: (line: string) => void): void;
  exited(): boolean;
  /** Stops the whole process group: SIGTERM, then SIGKILL after `graceMs`. Resolves when the leader is gone. */
  stop(graceMs?: number): Promise<void>;
  /** Synchronous last resort (process `exit` handler): SIGKILL to the group. */
  killNow(): void;
}

/**
 * Starts a long-running command in a new process group (detached), teeing its output into `logFile`.
 * The group id is the child's pid, so `process.kill(-pid)` reaches every descendant that did not detach.
 */
export function startBackground(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; logFile?: string } = {}): Background {
  const child = spawn(cmd, args, { env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const log: WriteStream | null = options.logFile ? createWriteStream(options.logFile) : null;
  let all = "";
  let partial = "";
  const listeners: Array<(line: string) => void> = [];
  const onData = (d: Buffer) => {
    const s = d.toString();
    all += s;
    log?.write(s);
    partial += s;
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) for (const fn of listeners) fn(line);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  let gone = false;
  const exitedPromise = new Promise<void>((r) =>
    child.once("exit", () => {
      gone = true;
      r();
    }),
  );
  child.once("error", () => {
    gone = true;
  });
  const signalGroup = (sig: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      /* group already gone */
    }
  };
  const groupAlive = () => {
    if (child.pid === undefined) return false;
    try {
      process.kill(-child.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  return {
    child,
    output: () => all,
    onLine: (fn) => void listeners.push(fn),
    exited: () => gone,
    async stop(graceMs = 5_000) {
      signalGroup("SIGTERM");
      await Promise.race([exitedPromise, sleep(graceMs)]);
      // The leader may be gone while a grandchild (workerd) lingers in the group: always sweep with SIGKILL.
      signalGroup("SIGKILL");
      await Promise.race([exitedPromise, sleep(1_000)]);
      // Wait (briefly) until the group is empty, so no process is left when the caller exits.
      for (let i = 0; i < 30 && groupAlive(); i++) await sleep(100);
      log?.end();
    },
    killNow: () => signalGroup("SIGKILL"),
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A TCP port free on 127.0.0.1 right now (`preferred` if it is free). */
export async function freePort(preferred?: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | null>((resolvePromise) => {
      const srv = createServer();
      srv.once("error", () => resolvePromise(null));
      srv.listen(port, "127.0.0.1", () => {
        const addr = srv.address();
        const got = typeof addr === "object" && addr ? addr.port : null;
        srv.close(() => resolvePromise(got));
      });
    });
  if (preferred !== undefined) {
    const p = await tryListen(preferred);
    if (p !== null) return p;
  }
  const p = await tryListen(0);
  if (p === null) throw new Error("no free TCP port");
  return p;
}

/**
 * Polls `check` every `intervalMs` until it returns a non-undefined value, or throws `onTimeout()`'s
 * message after `timeoutMs`. `check` may throw; the last error is kept for the timeout message.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; onTimeout?: (lastError: unknown) => string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(options.onTimeout ? options.onTimeout(lastError) : `timed out after ${options.timeoutMs} ms${lastError ? `: ${String(lastError)}` : ""}`);
    }
    await sleep(options.intervalMs ?? 500);
  }
}
