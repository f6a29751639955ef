/**
 * Sets the rollout mode (`dunning:mode`): off | observe | dry_run | live.
 *
 *   npm run mode -- <mode> [--url URL [--token T] | --remote | --local]
 *
 * Without a flag it changes the running `npm run demo` (or a Worker answering on http://127.0.0.1:8787) through
 * `PUT /admin/mode` with the admin token from .dev.vars, and only when nothing is running, wrangler's local KV.
 * `--remote` writes the deployed namespace (other locations may serve the old value for up to about a minute).
 * It prints which state it changed. Switching to `off` remembers the replaced mode in
 * `dunning:mode:before-kill`, like `npm run kill-switch -- on`. Bad arguments exit with code 2.
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { KV_MODE_BEFORE_KILL, MODES, type Mode } from "../src/constants.ts";
import { UsageError, isMode, parseArgs, resolveTarget } from "./lib/mode-target.ts";

const USAGE = `usage: npm run mode -- <${MODES.join("|")}> [--url URL [--token T] | --remote | --local]`;

async function main(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  let mode: Mode;
  try {
    parsed = parseArgs(argv);
    if (parsed.help) {
      console.log(USAGE);
      return 0;
    }
    const [requested, ...rest] = parsed.positionals;
    if (requested === undefined) throw new UsageError("missing the mode");
    if (rest.length > 0) throw new UsageError("expected exactly one mode");
    if (!isMode(requested)) throw new UsageError(`unknown mode "${requested}"; expected one of ${MODES.join(", ")}`);
    mode = requested;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  const target = await resolveTarget(parsed.target);
  const { previous } = await target.set(mode);
  console.log(`mode: ${previous} -> ${mode} in ${target.label}, via ${target.via}`);
  if (mode === "off" && previous !== "off") console.log(`Remembered ${previous} in ${KV_MODE_BEFORE_KILL}; new events are parked.`);
  if (previous === "off" && mode !== "off") console.log("Parked events stay parked until you POST /admin/resume.");
  if (target.caveat) console.log(`Note: ${target.caveat}`);
  return 0;
}

/** Runs a CLI's `main` when its file is the script being executed (exit code: main's, or 1 on an error). */
export function runIfMain(moduleUrl: string, main: (argv: string[]) => Promise<number>): void {
  if (process.argv[1] === undefined || moduleUrl !== pathToFileURL(resolve(process.argv[1])).href) return;
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}

runIfMain(import.meta.url, main);
