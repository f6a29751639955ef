/**
 * The kill switch: stop (or restart) every decision and side effect without a deploy.
 *
 *   npm run kill-switch -- on [--remote]      remember the current mode in dunning:mode:before-kill, set off
 *   npm run kill-switch -- off [--remote]     restore the remembered mode (else DEFAULT_MODE from wrangler.toml)
 *   npm run kill-switch -- status [--remote]  print the mode
 *
 * While off, the consumer parks events (nothing is lost); after switching back, POST /admin/resume re-enqueues
 * them. Local by default; with `--remote`, other locations may serve the old value for up to about a minute.
 * Bad arguments exit with code 2.
 */
import { KV_MODE, KV_MODE_BEFORE_KILL } from "../src/constants.ts";
import { defaultModeFromWranglerToml, isMode, kvGet, kvPut, parseArgs, readModeFrom, remoteCaveat, runIfMain, setMode, UsageError, where, type Target } from "./mode.ts";

const COMMANDS = ["on", "off", "status"] as const;
type Command = (typeof COMMANDS)[number];
const USAGE = "usage: npm run kill-switch -- <on|off|status> [--remote]";

function status(target: Target): void {
  const { mode, fromKv, raw } = readModeFrom(target);
  const before = kvGet(KV_MODE_BEFORE_KILL, target);
  const source = fromKv ? `${where(target)} KV ${KV_MODE}` : raw === null ? `DEFAULT_MODE from wrangler.toml; ${where(target)} KV ${KV_MODE} is unset` : `default (${where(target)} KV ${KV_MODE} holds an invalid value "${raw}")`;
  console.log(`mode: ${mode} (${source})`);
  console.log(`kill switch: ${mode === "off" ? "ON — events are parked" : "off"}`);
  if (mode === "off") console.log(`will restore: ${isMode(before) ? `${before} (${KV_MODE_BEFORE_KILL})` : `${defaultModeFromWranglerToml()} (DEFAULT_MODE)`}`);
}

function on(target: Target): void {
  const current = readModeFrom(target);
  if (current.mode === "off") {
    console.log(`kill switch already on (mode off, ${where(target)}); nothing changed.`);
    return;
  }
  setMode("off", target);
  console.log(`kill switch ON: mode ${current.mode} -> off (${where(target)}); ${current.mode} remembered in ${KV_MODE_BEFORE_KILL}.${remoteCaveat(target)}`);
  console.log("New events are parked until you switch it off again.");
}

function off(target: Target): void {
  const current = readModeFrom(target);
  if (current.mode !== "off") {
    console.log(`kill switch already off (mode ${current.mode}, ${where(target)}); nothing changed.`);
    return;
  }
  const before = kvGet(KV_MODE_BEFORE_KILL, target);
  const restore = isMode(before) && before !== "off" ? before : defaultModeFromWranglerToml();
  kvPut(KV_MODE, restore, target);
  console.log(`kill switch OFF: mode off -> ${restore} (${where(target)}; ${isMode(before) && before !== "off" ? `from ${KV_MODE_BEFORE_KILL}` : "DEFAULT_MODE from wrangler.toml"}).${remoteCaveat(target)}`);
  console.log("Parked events stay parked: POST /admin/resume re-enqueues them.");
}

function main(argv: readonly string[]): number {
  let command: Command;
  let target: Target;
  try {
    const parsed = parseArgs(argv);
    if (parsed.help) {
      console.log(USAGE);
      return 0;
    }
    const [first, ...rest] = parsed.positionals;
    if (first === undefined) throw new UsageError("missing the command");
    if (!(COMMANDS as readonly string[]).includes(first)) throw new UsageError(`unknown command "${first}"; expected on, off or status`);
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    command = first as Command;
    target = parsed.target;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (command === "on") on(target);
  else if (command === "off") off(target);
  else status(target);
  return 0;
}

runIfMain(import.meta.url, main);
