/**
 * The whole agent, locally, with no keys: `npm run demo` (keeps serving until Ctrl-C) or
 * `npm run demo -- --exit` (prints the table and stops everything).
 *
 *  1. reads STRIPE_WEBHOOK_SECRET and ADMIN_TOKEN from .dev.vars (the npm script creates it when missing)
 *  2. applies the D1 migrations to a clean, demo-only state dir (.demo/state; .wrangler/state is untouched)
 *  3. starts the local Stripe fake (test/fakes/server.ts) in this process, seeded with fixtures/stripe-objects.json
 *  4. starts `wrangler dev` on a free port against .demo/state, Stripe pointed at the fake, mode live,
 *     short PaymentIntent hold and retry backoff
 *  5. sets mode `live` (PUT /admin/mode, else KV `dunning:mode` through wrangler)
 *  6. replays every fixture with fresh ids and timestamps (scripts/replay.ts)
 *  7. waits until every accepted event is decided, parked or dead-lettered in the ledger
 *  8. prints what happened to each event: reason → tool/template → outcome → side effect → where it went
 *  9. three customers reply to their recovery email (a promise to pay, a cancel request, an out-of-office), sent to
 *     the Worker's email handler; prints what the agent did with each (scripts/lib/demo-replies.ts)
 * 10. prints the dashboard and outbox links, then serves until Ctrl-C (or stops, with --exit)
 *
 * Options: --exit, --timeout SECONDS (queue drain, default 90), --port N (Worker port, default a free one),
 * --wide (every column of the result table; by default it fits 120 columns).
 * `npm run demo -- --stop` stops a demo running in the background (found through .demo/demo.json, where the demo
 * records its PID and URL while it serves; `npm run mode` and `npm run kill-switch` use it too). SIGTERM or
 * SIGINT to the npm process stops it as well: the npm script `exec`s tsx, which passes the signal on.
 * wrangler's output goes to .demo/wrangler.log; Worker error lines are repeated at the end.
 */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { basename } from "node:path";
import { startFakeServer, type FakeServer, type StripeObjectStore } from "../test/fakes/server.ts";
import { fakeClient, type StripeCollection } from "../test/fakes/client.ts";
import { statesBeforeEach } from "./lib/stripe-timeline.ts";
import { DEMO_DIR, removeDemoState, stopDemo, writeDemoState } from "./lib/demo-state.ts";
import { readDevVars, firstWebhookSecret } from "./lib/dev-vars.ts";
import { freePort, sleep, startBackground, stopRunningCommands, waitFor, type Background } from "./lib/proc.ts";
import { printTable } from "./lib/table.ts";
import { formatLocalTime } from "../src/campaign/send-window.ts";
import { runDemoReplies } from "./lib/demo-replies.ts";
import { applyLocalMigrations, d1Query, kvPutLocal, sqlString, WRANGLER_ENV, wranglerBin } from "./lib/wrangler.ts";
import { defaultFixtureFiles, formatResult, freshSuffix, loadFixtures, replayFixtures, restamp, webhookUrl, type ReplayResult } from "./replay.ts";

const PERSIST = `${DEMO_DIR}/state`;
const WRANGLER_LOG = `${DEMO_DIR}/wrangler.log`;
const D1 = "LEDGER";
const FINAL = new Set(["decided", "parked", "dead_lettered"]);
const STRIPE_KEY = "sk_test_demo";

interface DemoArgs {
  exit: boolean;
  stop: boolean;
  wide: boolean;
  timeoutSeconds: number;
  port: number | null;
}

const USAGE = "usage: npm run demo -- [--exit] [--wide] [--timeout SECONDS] [--port N] | --stop";

function parseArgs(argv: string[]): DemoArgs {
  const out: DemoArgs = { exit: false, stop: false, wide: false, timeoutSeconds: 90, port: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--exit") out.exit = true;
    else if (a === "--stop") out.stop = true;
    else if (a === "--wide") out.wide = true;
    else if (a === "--timeout") out.timeoutSeconds = Number(argv[++i]);
    else if (a === "--port") out.port = Number(argv[++i]);
    else if (a === "-h" || a === "--help") {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown option ${a} (${USAGE})`);
  }
  if (!Number.isFinite(out.timeoutSeconds) || out.timeoutSeconds <= 0) throw new Error("--timeout needs a positive number of seconds");
  if (out.port !== null && !Number.isInteger(out.port)) throw new Error("--port needs a port number");
  return out;
}

// ------------------------------------------------------------------------------------------------
// output

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const step = (n: number, text: string) => console.log(`\n[${elapsed()}] ${n}. ${text}`);
const info = (text: string) => console.log(`      ${text}`);
const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const showCommand = (args: string[]) => info(`$ ${["wrangler", ...args].map(shellQuote).join(" ")}`);

// ------------------------------------------------------------------------------------------------
// lifecycle: everything started here is stopped on exit, Ctrl-C and error

let worker: Background | null = null;
let fake: FakeServer | null = null;
let cleaning: Promise<void> | null = null;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    removeDemoState(process.pid);
    stopRunningCommands(); // a wrangler d1 query of the drain or the report, if one is under way
    if (worker && !worker.exited()) await worker.stop(5_000);
    else worker?.killNow(); // leader gone: sweep any child left in its group
    if (fake) await fake.close().catch(() => undefined);
  })();
  return cleaning;
}

process.on("exit", () => {
  worker?.killNow();
  stopRunningCommands("SIGKILL");
});
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    if (cleaning !== null) return; // a second signal (tsx relays the terminal's) while already stopping
    console.log(`\n${sig === "SIGINT" ? "Ctrl-C" : sig}: stopping wrangler dev and the Stripe fake…`);
    void cleanup().finally(() => process.exit(sig === "SIGINT" ? 130 : 143));
  });
}

// ------------------------------------------------------------------------------------------------
// worker errors seen in wrangler's output

const workerErrors: string[] = [];
const workerWarnings = new Map<string, number>();
// eslint-disable-next-line no-control-regex -- ANSI colour codes wrangler prints even with NO_COLOR
const ANSI = /\x1b\[[0-9;]*m/g;
function watchErrors(bg: Background): void {
  bg.onLine((line) => {
    const l = line.replace(ANSI, "").trim();
    if (l === "") return;
    if (/"level":"error"|✘|\[ERROR\]|Uncaught|Unhandled|exception/i.test(l)) workerErrors.push(l);
    const warn = /"level":"warn","msg":"([^"]+)"/.exec(l);
    if (warn) workerWarnings.set(warn[1]!, (workerWarnings.get(warn[1]!) ?? 0) + 1);
  });
}

// ------------------------------------------------------------------------------------------------
// steps

async function startWorker(port: number, inspectorPort: number, fakeUrl: string, replyAddress: string | null): Promise<Background> {
  const vars: Record<string, string> = {
    ...(replyAddress !== null ? { REPLY_ADDRESS: replyAddress } : {}),
    STRIPE_SECRET_KEY: STRIPE_KEY,
    STRIPE_API_BASE: fakeUrl,
    DEFAULT_MODE: "live",
    PI_ATTRIBUTION_HOLD_SECONDS: "2",
    RETRY_BASE_DELAY_SECONDS: "1",
    APP_URL: `http://localhost:${port}`,
    BRAND_NAME: "Acme Analytics",
    SUPPORT_EMAIL: "support@acme-analytics.example",
    // A winback (a commercial email) is only sent with the sender's postal address.
    COMPANY_ADDRESS: "Acme Analytics Inc., 500 Market St, San Francisco, CA 94105",
  };
  const args = [
    "dev",
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    PERSIST,
    "--show-interactive-dev-session=false",
    ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  ];
  showCommand(args);
  info(`(output → ${WRANGLER_LOG})`);
  const bg = startBackground(wranglerBin(), args, { env: WRANGLER_ENV, logFile: WRANGLER_LOG });
  watchErrors(bg);
  await waitFor(
    async () => {
      if (bg.exited()) throw new Error("exited");
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) });
      return res.ok ? true : undefined;
    },
    {
      timeoutMs: 60_000,
      intervalMs: 300,
      onTimeout: () => `wrangler dev did not answer /healthz within 60 s. Last output:\n${bg.output().split("\n").slice(-30).join("\n")}`,
    },
  ).catch((err: unknown) => {
    if (bg.exited()) throw new Error(`wrangler dev exited before it was ready. Output:\n${bg.output().split("\n").slice(-40).join("\n")}`);
    throw err;
  });
  return bg;
}

async function setModeLive(base: string, adminToken: string | null): Promise<string> {
  if (adminToken !== null) {
    try {
      const res = await fetch(`${base}/admin/mode`, {
        method: "PUT",
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ mode: "live" }),
        signal: AbortSignal.timeout(10_000),
      });
      if (res.ok) return `PUT /admin/mode → ${res.status}`;
      if (res.status !== 404 && res.status !== 405) info(`PUT /admin/mode answered ${res.status}: ${(await res.text()).slice(0, 200)}; using KV directly`);
    } catch (err) {
      info(`PUT /admin/mode failed (${err instanceof Error ? err.message : String(err)}); using KV directly`);
    }
  }
  const args = ["kv", "key", "put", "dunning:mode", "live", "--binding=BILLING_KV", "--local", "--persist-to", PERSIST];
  showCommand(args);
  await kvPutLocal("BILLING_KV", PERSIST, "dunning:mode", "live");
  return "KV dunning:mode = live (wrangler kv key put)";
}

interface EventRow {
  id: string;
  type: string;
  status: string;
  status_reason: string | null;
  case_id: string | null;
  context: string;
  attempts: number;
  last_error: string | null;
}
interface DecisionRow {
  id: number;
  event_id: string;
  decided_by: string;
  tool: string | null;
  template_id: string | null;
  outcome: string;
  detail: string | null;
  reason: string | null;
  mode: string;
}
interface EffectRow {
  id: number;
  decision_id: number | null;
  event_id: string;
  kind: string;
  provider: string;
  operation: string;
  status: string;
  detail: string | null;
  idempotency_key: string;
}
interface OutboxRow {
  id: number;
  kind: string;
  recipient: string;
  subject: string | null;
  template_id: string | null;
  event_id: string | null;
  idempotency_key: string | null;
}
interface CaseRow {
  id: string;
  status: string;
  reason: string | null;
  decline_code: string | null;
}

const inList = (ids: string[]) => `(${ids.map(sqlString).join(", ")})`;

async function waitForDrain(ids: string[], timeoutSeconds: number): Promise<{ drained: boolean; rows: EventRow[] }> {
  const sql = `SELECT id, type, status, status_reason, attempts, last_error FROM events WHERE id IN ${inList(ids)}`;
  showCommand(["d1", "execute", D1, "--local", "--persist-to", PERSIST, "--json", "--command", "SELECT id, status, … FROM events WHERE id IN (…)"]);
  const deadline = Date.now() + timeoutSeconds * 1000;
  let rows: EventRow[] = [];
  let lastLine = "";
  for (;;) {
    try {
      rows = ((await d1Query<EventRow>(D1, PERSIST, sql))[0] ?? []) as EventRow[];
    } catch (err) {
      info(`(ledger query failed, retrying: ${err instanceof Error ? err.message.split("\n")[0] : String(err)})`);
    }
    const done = rows.filter((r) => FINAL.has(r.status)).length;
    const line = `${done}/${ids.length} finished (${rows.length} claimed by the consumer so far)`;
    if (line !== lastLine) info(`[${elapsed()}] ${line}`);
    lastLine = line;
    if (done === ids.length) return { drained: true, rows };
    if (Date.now() >= deadline) return { drained: false, rows };
    await sleep(1_000);
  }
}

function parseJson(s: string | null): Record<string, unknown> | null {
  if (s === null) return null;
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const shortFile = (file: string) => basename(file, ".json");

/** Columns of the result table that fit 120 terminal columns (with the 2-space gaps); `--wide` shows all of them, uncut. */
const NARROW_COLUMNS = [
  { column: "event file", max: 12 },
  { column: "event type", max: 29 },
  { column: "reason", max: 18 },
  { column: "tool / template", max: 30 },
  { column: "outcome", max: 21 },
] as const;

async function printReport(results: ReplayResult[], fakeUrl: string, wide: boolean): Promise<void> {
  const ids = results.filter((r) => r.accepted).map((r) => r.eventId);
  if (ids.length === 0) return;
  const [events = [], decisions = [], effects = [], outbox = [], cases = []] = (await d1Query(
    D1,
    PERSIST,
    [
      `SELECT id, type, status, status_reason, case_id, context, attempts, last_error FROM events WHERE id IN ${inList(ids)}`,
      `SELECT id, event_id, decided_by, tool, template_id, outcome, detail, reason, mode FROM decisions WHERE event_id IN ${inList(ids)} ORDER BY id`,
      `SELECT id, decision_id, event_id, kind, provider, operation, status, detail, idempotency_key FROM side_effects WHERE event_id IN ${inList(ids)} ORDER BY id`,
      `SELECT id, kind, recipient, subject, template_id, event_id, idempotency_key FROM outbox WHERE event_id IN ${inList(ids)} ORDER BY id`,
      `SELECT id, status, reason, decline_code FROM cases`,
    ].join(";\n"),
  )) as [EventRow[], DecisionRow[], EffectRow[], OutboxRow[], CaseRow[]];

  const byId = new Map(events.map((e) => [e.id, e]));
  const caseById = new Map(cases.map((c) => [c.id, c]));
  const group = <T extends { event_id: string | null }>(rows: T[]) => {
    const m = new Map<string, T[]>();
    for (const r of rows) if (r.event_id !== null) m.set(r.event_id, [...(m.get(r.event_id) ?? []), r]);
    return m;
  };
  const decisionsOf = group(decisions);
  const effectsOf = group(effects);
  const outboxOf = group(outbox);

  const where = (e: EffectRow, eventId: string): string => {
    if (e.provider === "outbox") {
      const o = (outboxOf.get(eventId) ?? []).find((x) => x.idempotency_key === e.idempotency_key) ?? (outboxOf.get(eventId) ?? []).find((x) => x.kind === e.kind);
      return o ? `outbox #${o.id} ${o.kind} → ${o.recipient}` : "outbox";
    }
    if (e.provider === "stripe") return `Stripe fake ${fakeUrl}`;
    if (e.provider === "resend") return "Resend";
    if (e.provider === "slack") return "Slack";
    return e.provider;
  };

  const rows: string[][] = [];
  for (const r of results) {
    if (!r.accepted) {
      rows.push([shortFile(r.file), r.eventType, "—", "—", r.duplicate ? "duplicate" : r.ignored ? "ignored at ingress" : `HTTP ${r.status ?? "ERR"}`, "—", "—"]);
      continue;
    }
    const ev = byId.get(r.eventId);
    if (!ev) {
      rows.push([shortFile(r.file), r.eventType, "?", "?", "not claimed yet", "—", "—"]);
      continue;
    }
    const ctx = parseJson(ev.context);
    const c = ev.case_id !== null ? caseById.get(ev.case_id) : undefined;
    const failureReason = (ctx?.failureReason as string | null | undefined) ?? c?.reason ?? null;
    const declineCode = (ctx?.declineCode as string | null | undefined) ?? c?.decline_code ?? null;
    const reason = failureReason === null ? "—" : declineCode !== null && declineCode !== failureReason ? `${failureReason} (${declineCode})` : failureReason;
    const ds = decisionsOf.get(ev.id) ?? [];
    const acting = ds.filter((d) => d.tool !== null);
    const shown = acting.length > 0 ? acting : ds;
    const tool = acting.length > 0 ? acting.map((d) => `${d.tool}${d.template_id ? ` / ${d.template_id}` : ""}`).join(", ") : "—";
    // A decision with a tool shows who decided (rules, model, guard, lifecycle); a ledger note shows why.
    const outcome =
      ev.status !== "decided"
        ? `${ev.status}: ${ev.status_reason ?? ev.last_error ?? ""}`
        : shown.length > 0
          ? shown.map((d) => (d.tool === null ? `${d.outcome}: ${ev.status_reason ?? d.reason ?? ""}` : `${d.outcome} (${d.decided_by})`)).join(", ")
          : (ev.status_reason ?? ev.status);
    const es = effectsOf.get(ev.id) ?? [];
    const effect = es.length > 0 ? es.map((e) => `${e.kind} ${e.operation}${e.status === "succeeded" ? " ✓" : ` (${e.status})`}`).join(", ") : "—";
    const dest = es.length > 0 ? [...new Set(es.map((e) => where(e, ev.id)))].join(", ") : "—";
    rows.push([shortFile(r.file), r.eventType, reason, tool, outcome, effect, dest]);
  }
  const header = ["event file", "event type", "reason", "tool / template", "outcome", "side effect", "where it went"];
  if (wide) printTable(header, rows);
  else {
    const picked = NARROW_COLUMNS.map((c) => header.indexOf(c.column));
    // "01-olivia-invoice-payment-failed-…" -> "01-olivia": number and customer name the fixture.
    const narrowCell = (r: string[], i: number) => (i === 0 ? (r[0] ?? "").split("-").slice(0, 2).join("-") : (r[i] ?? ""));
    printTable(
      NARROW_COLUMNS.map((c) => (c.column === "event file" ? "event" : c.column)),
      rows.map((r) => picked.map((i) => narrowCell(r, i))),
      { maxWidths: NARROW_COLUMNS.map((c) => c.max) },
    );
    info("(npm run demo -- --wide: every column uncut, with the side effects and where they went)");
  }

  await printScheduled(fakeUrl);

  const count = (xs: string[]) => [...xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>())].map(([k, n]) => `${k} ${n}`).join(", ");
  console.log("");
  info(`events: ${count(events.map((e) => e.status)) || "none"}`);
  info(`decisions: ${count(decisions.map((d) => d.outcome)) || "none"}`);
  info(`side effects: ${count(effects.map((e) => `${e.provider}/${e.status}`)) || "none"}`);
  info(`outbox: ${outbox.length} message(s) (${count(outbox.map((o) => o.kind)) || "none"})`);
  try {
    const recs = (await (await fetch(`${fakeUrl}/__fake/requests?scope=${STRIPE_KEY}&provider=stripe`)).json()) as Array<{ method: string; path: string; status?: number }>;
    const writes = recs.filter((x) => x.method !== "GET");
    info(`Stripe fake: ${recs.length} request(s) from the Worker: ${recs.length - writes.length} reads, ${writes.length} writes${writes.length > 0 ? ` (${count(writes.map((w) => `${w.method} ${w.path.replace(/\/(in|pi|cus|sub|ch|co|promo)_[A-Za-z0-9]+/g, "/$1_…")} → ${w.status ?? "?"}`))})` : ""}`);
  } catch {
    /* fake gone */
  }
}

/** What the campaigns will do next: every pending step of the open cases, on each customer's clock. */
async function printScheduled(_fakeUrl: string): Promise<void> {
  const [jobs = []] = (await d1Query(
    D1,
    PERSIST,
    `SELECT j.kind, j.case_id, j.customer_id, j.due_at, j.payload, c.customer_zone FROM scheduled_jobs j LEFT JOIN cases c ON c.id = j.case_id
     WHERE j.status IN ('pending', 'enqueued') ORDER BY j.due_at LIMIT 40`,
  )) as [Array<{ kind: string; case_id: string | null; customer_id: string; due_at: number; payload: string; customer_zone: string | null }>];
  console.log("");
  if (jobs.length === 0) {
    info("scheduled: nothing (every case is closed or waiting on Stripe)");
    return;
  }
  info("scheduled next (the campaign's steps and held emails, due on each customer's clock):");
  const what = (j: (typeof jobs)[number]): string => {
    const p = parseJson(j.payload) as { step?: string; call?: { name?: string; args?: { template_id?: string } } } | null;
    if (j.kind === "campaign_step") return `campaign ${String(p?.step ?? "?").replaceAll("_", " ")}`;
    if (j.kind === "reconsider") return `held email: ${p?.call?.args?.template_id ?? p?.call?.name ?? "reconsider"}`;
    if (j.kind === "pi_retry") return "one-off payment retry";
    if (j.kind === "winback_after_loss") return "winback after the loss";
    return j.kind;
  };
  printTable(
    ["case", "customer", "next", "due"],
    jobs.map((j) => [j.case_id ?? "—", j.customer_id, what(j), formatLocalTime(j.due_at, j.customer_zone ?? "UTC")]),
    { maxWidths: [30, 22, 34, 34] },
  );
}

// ------------------------------------------------------------------------------------------------

async function stopBackgroundDemo(): Promise<number> {
  const r = await stopDemo();
  if (r.kind === "stopped") {
    console.log(`stopped the demo (PID ${r.demo.pid}, ${r.demo.url}) in ${(r.ms / 1000).toFixed(1)} s: wrangler dev, workerd and the Stripe fake are gone`);
    return 0;
  }
  if (r.kind === "still_running") {
    console.error(`the demo (PID ${r.demo.pid}) did not stop within 20 s; kill it with: kill -KILL ${r.demo.pid}`);
    return 1;
  }
  console.log(r.stale ? `no demo running (removed the stale record of PID ${r.stale.pid})` : "no demo running");
  return 0;
}

/** The event's data.object, when it is an object. */
function dataObjectOf(event: Record<string, unknown>): Record<string, unknown> | null {
  const data = event.data;
  const obj = data !== null && typeof data === "object" ? (data as { object?: unknown }).object : null;
  return obj !== null && typeof obj === "object" && !Array.isArray(obj) ? (obj as Record<string, unknown>) : null;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.stop) return stopBackgroundDemo();

  step(1, "secrets from .dev.vars");
  const vars = readDevVars();
  const secret = firstWebhookSecret(vars);
  const rawAdminToken = vars.ADMIN_TOKEN?.trim() ?? "";
  // The Worker disables admin routes for a token under 32 characters (ensure-dev-vars generates 48).
  const adminToken = rawAdminToken.length >= 32 ? rawAdminToken : null;
  if (secret === null) throw new Error(".dev.vars has no STRIPE_WEBHOOK_SECRET (delete .dev.vars and run `npm run demo` again to regenerate it)");
  const tokenNote = rawAdminToken === "" ? "missing (no dashboard link)" : "shorter than 32 characters: admin is disabled (delete .dev.vars to regenerate it)";
  info(`STRIPE_WEBHOOK_SECRET ${secret.slice(0, 12)}…, ADMIN_TOKEN ${adminToken ? "set" : tokenNote}`);

  step(2, `clean demo state in ${PERSIST} and apply the D1 migrations`);
  rmSync(PERSIST, { recursive: true, force: true });
  mkdirSync(DEMO_DIR, { recursive: true });
  showCommand(["d1", "migrations", "apply", D1, "--local", "--persist-to", PERSIST]);
  const migrated = await applyLocalMigrations(D1, PERSIST);
  info(migrated.match(/\d+ commands executed successfully/)?.[0] ?? "migrations applied");

  step(3, "local Stripe fake (test/fakes/server.ts), seeded with fixtures/stripe-objects.json");
  const stripeObjects = JSON.parse(readFileSync("fixtures/stripe-objects.json", "utf8")) as StripeObjectStore;
  fake = await startFakeServer(await freePort(12111), { stripeObjects });
  info(`listening on ${fake.url} (Stripe SDK key ${STRIPE_KEY} → scope "demo")`);

  step(4, "wrangler dev (local workerd: KV, Queues, D1)");
  const port = args.port ?? (await freePort(8787));
  const inspectorPort = await freePort(9230);
  // Replies need the link-signing secret (it signs each case's reply tag); an old .dev.vars may lack it.
  const replyAddress = vars.LINK_SIGNING_SECRET ? (vars.REPLY_ADDRESS ?? "billing@example.com") : null;
  worker = await startWorker(port, inspectorPort, fake.url, replyAddress);
  const base = `http://127.0.0.1:${port}`;
  const publicBase = `http://localhost:${port}`;
  info(`ready: ${publicBase}/healthz`);
  writeDemoState({ pid: process.pid, port, url: base, startedAt: new Date().toISOString() });
  info(`recorded in ${DEMO_DIR}/demo.json (npm run mode, npm run kill-switch and npm run demo -- --stop find it there)`);

  step(5, "mode live");
  info(await setModeLive(base, adminToken));

  step(6, "replay every fixture (fresh ids, re-stamped, signed)");
  const fixtures = restamp(loadFixtures(defaultFixtureFiles()), { suffix: freshSuffix() });
  // The fake answers as Stripe would at each event's moment: each object at the state of its latest event so far.
  const states = statesBeforeEach(fixtures.map((f) => ({ created: typeof f.event.created === "number" ? f.event.created : 0, object: dataObjectOf(f.event) })));
  const stripeFake = fakeClient(fake.url, "demo");
  const results = await replayFixtures(fixtures, {
    url: webhookUrl(base),
    secret,
    onResult: (r) => info(formatResult(r)),
    beforeEach: async (_f, i) => {
      for (const st of states[i] ?? []) await stripeFake.putStripe(st.collection as StripeCollection, st.id, st.object);
    },
  });
  const accepted = results.filter((r) => r.accepted);
  const bad = results.filter((r) => r.networkError || (r.status !== null && r.status >= 400));
  info(`${results.length} sent: ${accepted.length} accepted, ${results.filter((r) => r.ignored).length} ignored, ${bad.length} rejected/failed`);

  step(7, `wait for the queue to drain (every accepted event decided, parked or dead-lettered; timeout ${args.timeoutSeconds} s)`);
  const drain = await waitForDrain(
    accepted.map((r) => r.eventId),
    args.timeoutSeconds,
  );
  let ok = bad.length === 0;
  if (!drain.drained) {
    ok = false;
    const byId = new Map(drain.rows.map((r) => [r.id, r]));
    const stuck = accepted.filter((r) => !FINAL.has(byId.get(r.eventId)?.status ?? ""));
    console.log(`\n      TIMEOUT: ${stuck.length} event(s) not finished after ${args.timeoutSeconds} s:`);
    for (const r of stuck) {
      const row = byId.get(r.eventId);
      info(`  ${shortFile(r.file)} (${r.eventId}): ${row ? `${row.status}, attempts ${row.attempts}${row.last_error ? `, last error: ${row.last_error}` : ""}` : "never claimed by the consumer"}`);
    }
  }

  step(8, "what the agent did");
  await printReport(results, fake.url, args.wide);

  if (workerErrors.length > 0) {
    console.log(`\n      Worker error lines (${workerErrors.length}; full log in ${WRANGLER_LOG}):`);
    for (const l of [...new Set(workerErrors)].slice(0, 30)) info(`  ${l.length > 400 ? `${l.slice(0, 400)}…` : l}`);
  } else info("no Worker error lines in wrangler's output");
  if (workerWarnings.size > 0) info(`Worker warnings: ${[...workerWarnings].map(([m, n]) => `${m} ×${n}`).join(", ")}`);

  step(9, "customers reply (a promise to pay, a cancel request, an out-of-office) to the Worker's email handler");
  if (replyAddress !== null && vars.LINK_SIGNING_SECRET) {
    const replies = await runDemoReplies({ base, d1: D1, persist: PERSIST, signingSecret: vars.LINK_SIGNING_SECRET, replyAddress, timeoutSeconds: 30 });
    if (replies.length === 0) info("no open invoice case to reply to");
    else
      printTable(
        ["reply", "case", "class", "what the agent did", "summary"],
        replies.map((r) => [basename(r.file), r.caseId, r.class ?? `HTTP ${r.status}`, r.action ?? "(not recorded)", (r.summary ?? "").slice(0, 60)]),
      );
    info(`one more: npm run replay -- --url ${publicBase} --reply fixtures/replies/question-pt-br.eml --case <caseId>`);
  } else info("skipped: .dev.vars has no LINK_SIGNING_SECRET (delete .dev.vars to regenerate it)");

  step(10, "look around");
  if (adminToken) info(`dashboard: ${publicBase}/admin/login?token=${adminToken}`);
  info(`outbox:    ${publicBase}/admin/outbox?format=html`);
  info(`webhooks:  npm run replay -- --url ${publicBase} --fresh   (signs with your .dev.vars secret)`);
  info(`total ${elapsed()}`);

  if (args.exit) {
    await cleanup();
    return ok ? 0 : 1;
  }
  console.log(`\nServing on ${publicBase} — Ctrl-C (or npm run demo -- --stop) to stop.`);
  // Stay up until a signal (handled above) or until wrangler dies on its own.
  await new Promise<void>((resolve) => worker?.child.once("exit", () => resolve()));
  if (cleaning !== null) await new Promise<never>(() => undefined); // stopping on a signal; its handler exits
  console.log("wrangler dev exited on its own; stopping.");
  await cleanup();
  return 1;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
    await cleanup();
    process.exit(1);
  },
);
