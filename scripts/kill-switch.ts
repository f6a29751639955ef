/**
 * The kill switch: stop (or restart) every decision and side effect without a deploy.
 *
 *   npm run kill-switch -- on      remember the current mode in dunning:mode:before-kill, set off
 *   npm run kill-switch -- off     restore the remembered mode (else DEFAULT_MODE)
 *   npm run kill-switch -- status  print the mode and where it comes from
 *   (each takes --url URL [--token T] | --remote | --local)
 *
 * Without a flag it acts on the running `npm run demo` (or a Worker on http://127.0.0.1:8787) through
 * `PUT /admin/mode`, and only when nothing is running, on wrangler's local KV; it prints which state it changed.
 * While off, the consumer parks events (nothing is lost); after switching back, POST /admin/resume re-enqueues
 * them. With `--remote`, other locations may serve the old value for up to about a minute. Bad arguments exit
 * with code 2.
 */
import { KV_MODE, KV_MODE_BEFORE_KILL } from "../src/constants.ts";
import { UsageError, parseArgs, resolveTarget, type ModeTarget } from "./lib/mode-target.ts";
import { runIfMain } from "./mode.ts";

const COMMANDS = ["on", "off", "status"] as const;
type Command = (typeof COMMANDS)[number];
const isCommand = (v: string): v is Command => (COMMANDS as readonly string[]).includes(v);
const USAGE = "usage: npm run kill-switch -- <on|off|status> [--url URL [--token T] | --remote | --local]";

async function status(target: ModeTarget): Promise<void> {
  const v = await target.read();
  const source = !v.isDefault ? `${KV_MODE} is set` : v.invalidRaw !== null ? `default; ${KV_MODE} holds an invalid value "${v.invalidRaw}"` : `DEFAULT_MODE; ${KV_MODE} is unset`;
  console.log(`mode: ${v.mode} (${source}) in ${target.label}`);
  console.log(`kill switch: ${v.mode === "off" ? "ON — events are parked" : "off"}`);
  if (v.mode === "off") console.log(`will restore: ${v.beforeKill !== null && v.beforeKill !== "off" ? `${v.beforeKill} (${KV_MODE_BEFORE_KILL})` : `${v.defaultMode} (DEFAULT_MODE)`}`);
}

async function on(target: ModeTarget): Promise<void> {
  const v = await target.read();
  if (v.mode === "off") {
    console.log(`kill switch already on (mode off) in ${target.label}; nothing changed.`);
    return;
  }
  const { previous } = await target.set("off");
  console.log(`kill switch ON: mode ${previous} -> off in ${target.label}, via ${target.via}; ${previous} remembered in ${KV_MODE_BEFORE_KILL}.`);
  console.log("New events are parked until you switch it off again.");
  if (target.caveat) console.log(`Note: ${target.caveat}`);
}

async function off(target: ModeTarget): Promise<void> {
  const v = await target.read();
  if (v.mode !== "off") {
    console.log(`kill switch already off (mode ${v.mode}) in ${target.label}; nothing changed.`);
    return;
  }
  const remembered = v.beforeKill !== null && v.beforeKill !== "off";
  const restore = remembered && v.beforeKill !== null ? v.beforeKill : v.defaultMode;
  await target.set(restore);
  console.log(`kill switch OFF: mode off -> ${restore} (${remembered ? `from ${KV_MODE_BEFORE_KILL}` : "DEFAULT_MODE"}) in ${target.label}, via ${target.via}.`);
  console.log("Parked events stay parked: POST /admin/resume re-enqueues them.");
  if (target.caveat) console.log(`Note: ${target.caveat}`);
}

async function main(argv: readonly string[]): Promise<number> {
  let command: Command;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
    if (parsed.help) {
      console.log(USAGE);
      return 0;
    }
    const [first, ...rest] = parsed.positionals;
    if (first === undefined) throw new UsageError("missing the command");
    if (!isCommand(first)) throw new UsageError(`unknown command "${first}"; expected on, off or status`);
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    command = first;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  const target = await resolveTarget(parsed.target);
  if (command === "on") await on(target);
  else if (command === "off") await off(target);
  else await status(target);
  return 0;
}

runIfMain(import.meta.url, main);
