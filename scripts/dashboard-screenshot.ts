/**
 * Screenshots the admin dashboard of a running Worker (it starts nothing itself).
 *
 *   npx tsx scripts/dashboard-screenshot.ts --url http://localhost:8787 --token "$ADMIN_TOKEN" [--out bench/screens/dashboard.png] [--height N]
 *
 * Logs in through /admin/login?token= (which sets the session cookie), then saves a full-page PNG, or with
 * `--height N` the top N pixels of a 1280-wide page (the picture in the README: docs/img/dashboard.png).
 * Uses Debian's chromium (`apt-get install chromium`) through playwright-core; CHROMIUM_PATH overrides the path.
 * Bad arguments exit with code 2.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const USAGE = "usage: npx tsx scripts/dashboard-screenshot.ts --url <worker url> --token <ADMIN_TOKEN> [--out <file.png>] [--height <pixels>]";
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

function parse(argv: readonly string[]): { url: string; token: string; out: string; height: number | null } | string {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    const m = /^--(url|token|out|height)(?:=(.*))?$/.exec(a);
    if (!m || m[1] === undefined) return `unknown argument ${a}`;
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === "") return `--${m[1]} needs a value`;
    values[m[1]] = value;
  }
  if (!values.url) return "missing --url";
  if (!values.token) return "missing --token (or set ADMIN_TOKEN)";
  try {
    new URL(values.url);
  } catch {
    return `--url is not a URL: ${values.url}`;
  }
  const height = values.height === undefined ? null : Number(values.height);
  if (height !== null && (!Number.isInteger(height) || height < 200)) return `--height needs a number of pixels (at least 200); got ${values.height}`;
  return { url: values.url.replace(/\/$/, ""), token: values.token, out: resolve(values.out ?? join(ROOT, "bench/screens/dashboard.png")), height };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  const withEnvToken = argv.some((a) => a.startsWith("--token")) || !process.env.ADMIN_TOKEN ? argv : [...argv, "--token", process.env.ADMIN_TOKEN];
  const args = parse(withEnvToken);
  if (typeof args === "string") {
    console.error(`error: ${args}\n${USAGE}`);
    return 2;
  }
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) {
    console.error(`error: no chromium at ${executablePath} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
    return 1;
  }
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: args.height ?? 900 } });
    const res = await page.goto(`${args.url}/admin/login?token=${encodeURIComponent(args.token)}`);
    if (!res || res.status() !== 200 || new URL(page.url()).pathname !== "/admin") {
      console.error(`error: login failed (HTTP ${res?.status() ?? "no response"} at ${page.url()}); check --url and --token`);
      return 1;
    }
    mkdirSync(dirname(args.out), { recursive: true });
    await page.screenshot({ path: args.out, fullPage: args.height === null });
    console.log(`saved ${args.out}`);
    return 0;
  } finally {
    await browser.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
