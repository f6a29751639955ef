/**
 * The operator controls against a real Worker: `npm run mode` and `npm run kill-switch` (run as the CLIs they
 * are, through tsx) change a running Worker's mode through PUT /admin/mode and say which state they changed; the
 * demo's record in .demo/demo.json is found only while its process lives and its Worker answers; `--stop`
 * stops the recorded process. The Worker runs under wrangler's local test harness (Miniflare, local KV/D1).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestHarness, type TestHarness } from "wrangler";
import { findRunningDemo, readDemoState, stopDemo, writeDemoState, isAlive } from "../../scripts/lib/demo-state.ts";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const ADMIN_TOKEN = "demo-controls-admin-token-7a2e-0123456789";
const TSX = join(ROOT, "node_modules/.bin/tsx");

/** Runs one of the operator CLIs as `npm run <name>` would (same loader), against `url`. */
function cli(script: string, args: string[], url: string): { code: number | null; out: string } {
  const r = spawnSync(TSX, ["--import", "./scripts/lib/register-text.mjs", script, ...args, "--url", url, "--token", ADMIN_TOKEN], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("demo controls", () => {
  let server: TestHarness;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), "demo-controls-"));
  const stateFile = join(dir, "demo.json");

  const modeOf = async () => {
    const res = await fetch(`${url}/admin/mode`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    return ((await res.json()) as { mode: string; beforeKill: string | null }).mode;
  };

  beforeAll(async () => {
    server = createTestHarness({
      root: ROOT,
      workers: [
        {
          configPath: "./wrangler.toml",
          vars: { DEFAULT_MODE: "dry_run", APP_URL: "http://localhost" },
          secrets: { ADMIN_TOKEN, STRIPE_WEBHOOK_SECRET: "whsec_demo_controls", STRIPE_SECRET_KEY: "", GEMINI_API_KEY: "", RESEND_API_KEY: "", SLACK_BOT_TOKEN: "" },
        },
      ],
    });
    url = (await server.listen()).url.origin;
  }, 90_000);

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("npm run mode changes the running Worker through PUT /admin/mode and names it", async () => {
    expect(await modeOf()).toBe("dry_run");
    const r = cli("scripts/mode.ts", ["live"], url);
    expect(r.out).toContain(`mode: dry_run -> live in the Worker at ${url}, via PUT /admin/mode`);
    expect(r.code).toBe(0);
    expect(await modeOf()).toBe("live");

    const bad = cli("scripts/mode.ts", ["fast"], url);
    expect(bad.code).toBe(2);
    expect(await modeOf()).toBe("live");
  }, 60_000);

  it("npm run kill-switch: on remembers the mode, status reports it, off restores it", async () => {
    const on = cli("scripts/kill-switch.ts", ["on"], url);
    expect(on.out).toContain(`kill switch ON: mode live -> off in the Worker at ${url}, via PUT /admin/mode`);
    expect(await modeOf()).toBe("off");

    const status = cli("scripts/kill-switch.ts", ["status"], url);
    expect(status.out).toContain("kill switch: ON");
    expect(status.out).toContain("will restore: live");

    const off = cli("scripts/kill-switch.ts", ["off"], url);
    expect(off.out).toContain(`kill switch OFF: mode off -> live (from dunning:mode:before-kill) in the Worker at ${url}`);
    expect(await modeOf()).toBe("live");
  }, 60_000);

  it("a demo record is found only while its process lives and its Worker answers", async () => {
    writeDemoState({ pid: process.pid, port: Number(new URL(url).port), url, startedAt: new Date().toISOString() }, stateFile);
    expect(await findRunningDemo(stateFile)).toMatchObject({ pid: process.pid, url });

    writeDemoState({ pid: process.pid, port: 9, url: "http://127.0.0.1:9", startedAt: new Date().toISOString() }, stateFile);
    expect(await findRunningDemo(stateFile)).toBeNull(); // nothing answers there

    const gone = spawnSync(process.execPath, ["-e", "0"]).pid;
    writeDemoState({ pid: gone, port: Number(new URL(url).port), url, startedAt: new Date().toISOString() }, stateFile);
    expect(await findRunningDemo(stateFile)).toBeNull(); // its process is gone
    expect(await stopDemo(stateFile)).toMatchObject({ kind: "not_running" });
    expect(readDemoState(stateFile)).toBeNull(); // the stale record is removed
  });

  it("--stop sends SIGTERM to the recorded process and waits until it is gone", async () => {
    // A stand-in for the demo's Node process: it records itself and exits on SIGTERM, as scripts/demo.ts does.
    const child = spawn(process.execPath, ["-e", "process.on('SIGTERM', () => setTimeout(() => process.exit(143), 200)); setInterval(() => {}, 1000);"], { stdio: "ignore" });
    const pid = child.pid;
    if (pid === undefined) throw new Error("could not start the stand-in process");
    writeDemoState({ pid, port: 1, url: "http://127.0.0.1:1", startedAt: new Date().toISOString() }, stateFile);
    const r = await stopDemo(stateFile, 10_000);
    expect(r.kind).toBe("stopped");
    expect(isAlive(pid)).toBe(false);
    expect(readDemoState(stateFile)).toBeNull();
  });
});
