/** Test bindings: the real KV, Queue and D1 of the runtime, plus the test vars from vitest.config.ts. */
import { env as rawEnv } from "cloudflare:workers";
import { applyD1Migrations, type D1Migration } from "cloudflare:test";
import type { Env } from "../../src/env.ts";

export interface TestEnv extends Env {
  TEST_MIGRATIONS: D1Migration[];
  FAKE_URL: string;
}

export const env = rawEnv as unknown as TestEnv;

let migrated: Promise<void> | null = null;
/** Applies the D1 migrations once per isolate. */
export function migrate(): Promise<void> {
  migrated ??= applyD1Migrations(env.LEDGER, env.TEST_MIGRATIONS);
  return migrated;
}

/** A copy of the env with config overrides (a fresh object, so config and clients are rebuilt). */
export function envWith(overrides: Partial<Record<string, unknown>>): TestEnv {
  return { ...env, ...overrides } as TestEnv;
}

/** A queue binding that records what was sent (and can be told to fail), for ingress tests. */
export function recordingQueue(options: { fail?: boolean } = {}) {
  const sent: unknown[] = [];
  const queue = {
    async send(body: unknown) {
      if (options.fail) throw new Error("queue unavailable (test)");
      sent.push(body);
    },
    async sendBatch(messages: Iterable<{ body: unknown }>) {
      if (options.fail) throw new Error("queue unavailable (test)");
      for (const m of messages) sent.push(m.body);
    },
  };
  return { queue: queue as unknown as Queue, sent };
}

export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let counter = 0;
/** A unique suffix for ids within this test run. */
export function uid(prefix = ""): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}
