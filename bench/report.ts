/**
 * @module bench/report
 * The machine description and the leftover-process check that go with every result.
 */
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { execFileSync } from "node:child_process";

/** The machine the figures were measured on. */
export function machine() {
  const cpuModel = (() => {
    try {
      return /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim() ?? cpus()[0]?.model ?? "unknown";
    } catch {
      return cpus()[0]?.model ?? "unknown";
    }
  })();
  let miniflareVersion = "?";
  let wranglerVersion = "?";
  try {
    miniflareVersion = (JSON.parse(readFileSync("node_modules/miniflare/package.json", "utf8")) as { version: string }).version;
    wranglerVersion = (JSON.parse(readFileSync("node_modules/wrangler/package.json", "utf8")) as { version: string }).version;
  } catch {
    /* not installed where expected */
  }
  return { cpu: cpuModel, cores: cpus().length, node: process.version, platform: `${process.platform} ${process.arch}`, miniflare: miniflareVersion, wrangler: wranglerVersion };
}

/** Child processes still running (none expected after cleanup). */
export function childPids(): string[] {
  try {
    return execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" })
      .split("\n")
      .map((l) => l.trim())
      // tsx's own esbuild transform service is a child of this process and ends with it.
      .filter((l) => l !== "" && !/\b(ps|esbuild)$/.test(l));
  } catch {
    return [];
  }
}
