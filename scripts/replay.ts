/**
 * Replays Stripe fixture events against a running Worker, signed like Stripe signs them.
 *
 *   npm run replay -- [--url URL] [--secret S] [--fresh] [files...]
 *   npm run replay -- --reply fixtures/replies/<file>.eml --case <caseId> [--url URL] [--from ADDRESS]
 *
 * --url     webhook URL, or a base URL (the path /webhooks/stripe is appended). Default http://localhost:8787/webhooks/stripe
 * --secret  signing secret. Default: the first of the comma-separated STRIPE_WEBHOOK_SECRET in .dev.vars
 * --fresh   give every event id a new unique suffix, so the Worker treats them as new (default: ids as in the
 *           files, so a second replay answers `duplicate`)
 * files     fixture files; default every fixtures/events/*.json in name order
 * --reply   send one customer reply (.eml) to the Worker's email handler instead, addressed to the case's signed
 *           reply address (REPLY_ADDRESS and LINK_SIGNING_SECRET from .dev.vars); needs --case
 *
 * Every event is re-stamped before sending: `created` moves to just before now, keeping the files' order
 * (events that shared a second still share one), and the Stripe-Signature header is made for the exact body
 * sent with the current time, so Stripe's 300 s tolerance holds like on a live delivery.
 *
 * Exits non-zero when a request failed at the network level or got a 5xx. The functions are exported for
 * scripts/demo.ts; the CLI runs only when this file is the entry point.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import Stripe from "stripe";
import { firstWebhookSecret, readDevVars } from "./lib/dev-vars.ts";
import { sendReplyEmail } from "./lib/reply-email.ts";

export const DEFAULT_WEBHOOK_URL = "http://localhost:8787/webhooks/stripe";
export const WEBHOOK_PATH = "/webhooks/stripe";
export const FIXTURE_DIR = "fixtures/events";

type Obj = Record<string, unknown>;

export interface Fixture {
  /** Path as given (or fixtures/events/<name>). */
  file: string;
  event: Obj;
}

export interface ReplayResult {
  file: string;
  eventId: string;
  eventType: string;
  /** HTTP status, or null when the request failed at the network level. */
  status: number | null;
  /** Response body (compacted when JSON), or the network error. */
  body: string;
  /** 2xx and neither duplicate nor ignored: the Worker queued it. */
  accepted: boolean;
  duplicate: boolean;
  ignored: boolean;
  networkError: boolean;
}

/** A request could not reach the server at all (connection refused, DNS, ...). */
export class ServerUnreachableError extends Error {
  override name = "ServerUnreachableError";
  constructor(readonly url: string, readonly causeMessage: string) {
    super(`cannot reach ${url} (${causeMessage}) — is \`npm run dev\` running?`);
  }
}

/** Accepts a full webhook URL or a base URL ("http://localhost:8787", with or without a trailing slash). */
export function webhookUrl(input: string): string {
  const u = new URL(input);
  if (u.pathname === "" || u.pathname === "/") u.pathname = WEBHOOK_PATH;
  return u.toString();
}

/** Every fixtures/events/*.json, in name order. */
export function defaultFixtureFiles(dir = FIXTURE_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => join(dir, f));
}

export function loadFixtures(files: string[]): Fixture[] {
  return files.map((file) => {
    let event: unknown;
    try {
      event = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (typeof event !== "object" || event === null || typeof (event as Obj).id !== "string" || typeof (event as Obj).type !== "string") {
      throw new Error(`${file}: not a Stripe event (needs id and type)`);
    }
    return { file, event: event as Obj };
  });
}

/** A suffix unique to one replay run: `_r<time><random>`. */
export function freshSuffix(): string {
  return `_r${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

/** Keys that hold a moment in time (epoch seconds) on Stripe objects: shifted with `created` when re-stamping. */
const TIME_KEY = /^(created|due_date|next_payment_attempt|trial_end|trial_start|period_start|period_end|current_period_start|current_period_end|billing_cycle_anchor|start_date|canceled_at|cancel_at|ended_at|effective_at|finalized_at|paid_at|voided_at|marked_uncollectible_at|expires_at|webhooks_delivered_at|automatically_finalizes_at|available_on|[a-z_]+_at)$/;

/** Shifts every epoch-seconds time in `value` by `delta` seconds (in place). */
function shiftTimes(value: unknown, delta: number, depth = 0): void {
  if (depth > 12 || value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    for (const v of value) shiftTimes(v, delta, depth + 1);
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === "number" && TIME_KEY.test(k) && v > 1_000_000_000 && v < 4_000_000_000) obj[k] = v + delta;
    else shiftTimes(v, delta, depth + 1);
  }
}

/**
 * Re-stamps events as if Stripe sent them just now: `created` becomes `now - k` seconds, ranking the distinct
 * original `created` values so the order (and same-second ties) is kept and the last one is `now`. Every other
 * time in the event's object (trial end, next retry, due date, periods) moves by the same amount, so nothing
 * reads as past that was future when Stripe sent it. With `suffix`, every event id gets it appended.
 * Returns copies; the inputs are untouched.
 */
export function restamp(fixtures: Fixture[], options: { now?: number; suffix?: string | null } = {}): Fixture[] {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const originals = [...new Set(fixtures.map((f) => (typeof f.event.created === "number" ? f.event.created : 0)))].sort((a, b) => a - b);
  const rank = new Map(originals.map((c, i) => [c, i]));
  return fixtures.map((f) => {
    const event = structuredClone(f.event);
    const original = typeof f.event.created === "number" ? f.event.created : 0;
    const created = now - (originals.length - 1 - (rank.get(original) ?? 0));
    event.created = created;
    if (original > 0) shiftTimes(event.data, created - original);
    if (options.suffix) event.id = `${String(event.id)}${options.suffix}`;
    return { file: f.file, event };
  });
}

/** Signs `payload` exactly as sent, with the current time (Stripe's own test helper). */
export function signatureHeader(payload: string, secret: string, timestamp?: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp !== undefined ? { timestamp } : {}) });
}

function compact(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text.replace(/\s+/g, " ").trim();
  }
}

function networkCause(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | null)?.cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/** POSTs one signed event. Network failures come back as `status: null` (never thrown). */
export async function sendEvent(url: string, secret: string, fixture: Fixture, timeoutMs = 30_000): Promise<ReplayResult> {
  const payload = JSON.stringify(fixture.event);
  const base = { file: basename(fixture.file), eventId: String(fixture.event.id), eventType: String(fixture.event.type) };
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)", "stripe-signature": signatureHeader(payload, secret) },
      body: payload,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { ...base, status: null, body: networkCause(err), accepted: false, duplicate: false, ignored: false, networkError: true };
  }
  const text = await res.text();
  let json: Obj | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    json = typeof parsed === "object" && parsed !== null ? (parsed as Obj) : null;
  } catch {
    /* plain text */
  }
  const duplicate = json?.duplicate === true;
  const ignored = json?.ignored === true;
  return { ...base, status: res.status, body: compact(text), accepted: res.ok && !duplicate && !ignored, duplicate, ignored, networkError: false };
}

export function formatResult(r: ReplayResult): string {
  return `${r.file}  ${r.eventType}  ${r.status ?? "ERR"}  ${r.body}`;
}

/**
 * Sends the fixtures one after another, in order. Throws ServerUnreachableError when the very first request
 * cannot connect (nothing listening); later network failures are reported per event.
 */
export async function replayFixtures(
  fixtures: Fixture[],
  options: { url: string; secret: string; onResult?: (r: ReplayResult) => void; beforeEach?: (f: Fixture, index: number) => Promise<void> },
): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  for (const [i, f] of fixtures.entries()) {
    await options.beforeEach?.(f, i);
    const r = await sendEvent(options.url, options.secret, f);
    if (r.networkError && results.length === 0 && /ECONNREFUSED|ENOTFOUND|EADDRNOTAVAIL|ECONNRESET/.test(r.body)) {
      throw new ServerUnreachableError(options.url, r.body);
    }
    results.push(r);
    options.onResult?.(r);
  }
  return results;
}

/** True when any request failed at the network level or got a 5xx. */
export function anyFailed(results: ReplayResult[]): boolean {
  return results.some((r) => r.networkError || (r.status !== null && r.status >= 500));
}

export interface ReplayArgs {
  url: string;
  secret: string | null;
  fresh: boolean;
  files: string[];
  help: boolean;
  /** A customer reply (.eml) to send to the email handler, for the case `caseId`. */
  reply?: string;
  caseId?: string;
  from?: string;
}

export function parseReplayArgs(argv: string[]): ReplayArgs {
  const out: ReplayArgs = { url: DEFAULT_WEBHOOK_URL, secret: null, fresh: false, files: [], help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (name: string): string => {
      const eq = a.indexOf("=");
      if (eq !== -1) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    if (a === "--url" || a.startsWith("--url=")) out.url = value("--url");
    else if (a === "--secret" || a.startsWith("--secret=")) out.secret = value("--secret");
    else if (a === "--fresh") out.fresh = true;
    else if (a === "--reply" || a.startsWith("--reply=")) out.reply = value("--reply");
    else if (a === "--case" || a.startsWith("--case=")) out.caseId = value("--case");
    else if (a === "--from" || a.startsWith("--from=")) out.from = value("--from");
    else if (a === "-h" || a === "--help") out.help = true;
    else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
    else out.files.push(a);
  }
  return out;
}

const USAGE = `usage: npm run replay -- [--url URL] [--secret S] [--fresh] [files...]
       npm run replay -- --reply fixtures/replies/<file>.eml --case <caseId> [--url URL] [--from ADDRESS]
  --url     webhook URL or base URL (default ${DEFAULT_WEBHOOK_URL})
  --secret  signing secret (default: first STRIPE_WEBHOOK_SECRET in .dev.vars)
  --fresh   new unique event ids (default: ids as in the files; a second replay shows duplicate)
  files     default: every ${FIXTURE_DIR}/*.json in name order`;

/** `--reply FILE --case ID`: one customer reply to the Worker's email handler. */
async function replayReply(args: ReplayArgs): Promise<number> {
  if (args.reply === undefined || args.caseId === undefined) {
    console.error(`--reply and --case go together\n${USAGE}`);
    return 2;
  }
  const vars = readDevVars();
  const signingSecret = vars.LINK_SIGNING_SECRET ?? "";
  if (signingSecret === "") {
    console.error("no LINK_SIGNING_SECRET in .dev.vars: the reply tag cannot be signed");
    return 2;
  }
  const base = new URL(args.url);
  try {
    const r = await sendReplyEmail({ baseUrl: base.origin, file: resolve(args.reply), caseId: args.caseId, signingSecret, replyAddress: vars.REPLY_ADDRESS ?? "billing@example.com", from: args.from ?? "customer@example.net" });
    console.log(`reply ${basename(args.reply)} -> ${r.to}: HTTP ${r.status}${r.body ? ` ${r.body}` : ""}`);
    return r.status >= 200 && r.status < 300 ? 0 : 1;
  } catch (err) {
    console.error(`could not send the reply to ${base.origin} (${err instanceof Error ? err.message : String(err)}) — is \`npm run dev\` running?`);
    return 1;
  }
}

async function main(): Promise<number> {
  let args: ReplayArgs;
  try {
    args = parseReplayArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.reply !== undefined || args.caseId !== undefined) return replayReply(args);
  const secret = args.secret ?? firstWebhookSecret(readDevVars());
  if (secret === null) {
    console.error("no signing secret: pass --secret or set STRIPE_WEBHOOK_SECRET in .dev.vars (npm run replay creates it when missing)");
    return 2;
  }
  let url: string;
  try {
    url = webhookUrl(args.url);
  } catch {
    console.error(`--url: not a URL: ${args.url}`);
    return 2;
  }
  const files = args.files.length > 0 ? args.files.map((f) => resolve(f)) : defaultFixtureFiles();
  const fixtures = restamp(loadFixtures(files), { suffix: args.fresh ? freshSuffix() : null });
  console.log(`replaying ${fixtures.length} event(s) to ${url}${args.fresh ? " (fresh ids)" : ""}`);
  let results: ReplayResult[];
  try {
    results = await replayFixtures(fixtures, { url, secret, onResult: (r) => console.log(formatResult(r)) });
  } catch (err) {
    if (err instanceof ServerUnreachableError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  const accepted = results.filter((r) => r.accepted).length;
  const dup = results.filter((r) => r.duplicate).length;
  const ignored = results.filter((r) => r.ignored).length;
  const failed = results.filter((r) => r.networkError || (r.status !== null && r.status >= 400)).length;
  console.log(`${results.length} sent: ${accepted} accepted, ${dup} duplicate, ${ignored} ignored, ${failed} failed`);
  return anyFailed(results) ? 1 : 0;
}

const isEntryPoint = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isEntryPoint) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
