/**
 * @module bench/lifecycle
 * Everything a bench run starts is stopped at the end, on Ctrl-C and on error: workerd instances, the provider
 * fake, the temp build dir.
 */
import { rmSync } from "node:fs";
import type { Miniflare } from "miniflare";
import type { FakeServer } from "../test/fakes/server.ts";
import { stopRunningCommands } from "../scripts/lib/proc.ts";

const running = new Set<Miniflare>();
let fake: FakeServer | null = null;
let buildDir: string | null = null;
let cleaning: Promise<void> | null = null;

/** Stops every workerd instance and the provider fake, and removes the build dir (once). */
export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    stopRunningCommands(); // the wrangler build, if it is still running
    for (const mf of [...running]) {
      running.delete(mf);
      await mf.dispose().catch(() => undefined);
    }
    if (fake) await fake.close().catch(() => undefined);
    fake = null;
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
    buildDir = null;
  })();
  return cleaning;
}

/** Registers a Miniflare instance so `cleanup` disposes it. */
export function track(mf: Miniflare): void {
  running.add(mf);
}

/** Forgets an instance its owner disposed. */
export function untrack(mf: Miniflare): void {
  running.delete(mf);
}

/** The temp dir of the build, removed by `cleanup`. */
export function setBuildDir(dir: string): void {
  buildDir = dir;
}

/** The provider fake shared by the sections, if started. */
export function getFake(): FakeServer | null {
  return fake;
}

/** Records the started provider fake, closed by `cleanup`. */
export function setFake(f: FakeServer): void {
  fake = f;
}

/** On Ctrl-C (and SIGTERM/SIGHUP): stop everything, exit 130. */
export function stopOnSignals(): void {
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      if (cleaning !== null) return;
      console.log(`\n${sig}: stopping workerd instances and the provider fake…`);
      void cleanup().finally(() => process.exit(130));
    });
  }

}
