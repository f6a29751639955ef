/**
 * @module admin
 * The on-call surface under /admin (all behind `adminAuth`): metrics JSON and the dashboard, the audit trail
 * of one event or customer, the local outbox, the rollout mode (kill switch) and resuming parked events.
 * Routes read the ledger through `src/ledger/*`; they decide nothing.
 */
import { badRequest, readJsonBody } from "./admin-body.ts";
import { releaseBrake } from "../ops/brake.ts";
import { setupWarnings } from "../ops/setup-warnings.ts";
import { deleteCustomerLabel, labelsView, putCustomerLabel } from "./admin-labels.ts";
import { labelsOf } from "../ledger/labels.ts";
import type { Context, Hono } from "hono";
import { KV_MODE, KV_MODE_BEFORE_KILL, MAIL_THROTTLE_SECONDS, MODES, kvCustomerKey, kvMailThrottleKey, type Mode } from "../constants.ts";
import { depsOf } from "../deps.ts";
import type { Env } from "../env.ts";
import type { DunningContext } from "../ingest/context.ts";
import { log } from "../log.ts";
import { getCase, type CaseRow } from "../ledger/cases.ts";
import type { JobRow } from "../ledger/jobs.ts";
import { nextStepOf } from "../campaign/next-step.ts";
import { getCustomer } from "../ledger/customers.ts";
import { decisionsForCustomer, decisionsForEvent, type DecisionRow } from "../ledger/decisions.ts";
import { getEvent, listParked, type EventRow } from "../ledger/events.ts";
import { computeMetrics, recentEvents } from "../ledger/metrics.ts";
import { caseWithRecovery, recoveryView } from "../ledger/recoveries.ts";
import { getOutboxItem, listOutbox, type OutboxRow } from "../ledger/outbox.ts";
import { repliesForCustomer, type ReplyRow } from "../ledger/replies.ts";
import { effectsForCustomer, effectsForEvent, type EffectRow } from "../ledger/side-effects.ts";
import { lastEmailAt } from "../ledger/throttle.ts";
import { isMode, readMode } from "../mode.ts";
import type { EventJob } from "../queue/messages.ts";
import { adminAuth, handleAdminLogin, handleAdminLogout } from "./admin-auth.ts";
import { ADMIN_PAGE_CSP } from "./dashboard/html.ts";
import { renderDashboard } from "./dashboard/page.ts";
import { renderOutboxPage } from "./dashboard/outbox-page.ts";

type AdminEnv = { Bindings: Env };
type AdminContext = Context<AdminEnv>;

/** The CSP an outbox email is served with: its own inline styles and https/data images, nothing else. */
export const OUTBOX_EMAIL_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:";
/** Marks a parked event as re-enqueued, so a second POST /admin/resume does not send it again. */
export const RESUME_MARK = "resume requested";
/** A resume request whose message never arrived may be re-sent after this long (the claim dedups anyway). */
export const RESUME_STALE_MS = 60 * 60 * 1000;
const RESUME_SCAN_LIMIT = 1000;
const QUEUE_BATCH_MAX = 100;

/** Parses a JSON column; a value that is not JSON is returned as the string it is. */
function parseJson(value: string | null): unknown {
  if (value === null) return null;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function eventView(row: EventRow) {
  return { ...row, context: parseJson(row.context) };
}

function decisionView(d: DecisionRow) {
  const { shadow_tool, shadow_args, shadow_agree, args, model_output, ...rest } = d;
  return {
    ...rest,
    args: parseJson(args),
    model_output: parseJson(model_output),
    shadow: shadow_agree === null && shadow_tool === null ? null : { tool: shadow_tool, args: parseJson(shadow_args), agree: shadow_agree === null ? null : shadow_agree === 1 },
  };
}

function effectView(e: EffectRow) {
  return { ...e, detail: parseJson(e.detail) };
}

async function currentMode(c: AdminContext): Promise<{ mode: Mode; isDefault: boolean; defaultMode: Mode; beforeKill: Mode | null }> {
  const deps = depsOf(c.env);
  const [raw, before] = await Promise.all([c.env.BILLING_KV.get(KV_MODE), c.env.BILLING_KV.get(KV_MODE_BEFORE_KILL)]);
  const mode = await readMode(c.env.BILLING_KV, deps.config.defaultMode);
  const trimmedBefore = before?.trim() ?? null;
  return {
    mode,
    isDefault: raw === null || !isMode(raw.trim()),
    defaultMode: deps.config.defaultMode,
    beforeKill: isMode(trimmedBefore) ? trimmedBefore : null,
  };
}

async function putMode(c: AdminContext): Promise<Response> {
  const body = await readJsonBody(c, `Body must be JSON like {"mode": "dry_run"}`);
  if (!body.ok) return body.response;
  const v = body.value;
  const requested = v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>).mode : undefined;
  if (!isMode(requested)) {
    return badRequest(c, `"mode" must be one of ${MODES.join(", ")}; got ${requested === undefined ? "nothing" : JSON.stringify(requested)}`);
  }
  const before = await currentMode(c);
  // Remember what the kill switch replaced, so switching back restores it (not the default).
  if (requested === "off" && before.mode !== "off") await c.env.BILLING_KV.put(KV_MODE_BEFORE_KILL, before.mode);
  await c.env.BILLING_KV.put(KV_MODE, requested);
  log("warn", "admin.mode_changed", { from: before.mode, to: requested });
  return c.json({
    mode: requested,
    previous: before.mode,
    beforeKill: requested === "off" ? (before.mode !== "off" ? before.mode : before.beforeKill) : before.beforeKill,
    note: "Workers KV may serve the previous value for up to about a minute in other locations.",
  });
}

/**
 * Re-enqueues parked events once each. Each row is first marked (`status_reason = 'resume requested'`) by a
 * conditional UPDATE, so concurrent or repeated calls cannot send one twice; only marked rows are sent, and
 * a failed send clears the mark again. The consumer's `claimEvent(..., resumeParked = true)` takes it.
 */
async function resume(c: AdminContext): Promise<Response> {
  const deps = depsOf(c.env);
  const { mode } = await currentMode(c);
  if (mode === "off") {
    return c.json({ error: "mode_off", message: "Mode is off (kill switch): switch it back first (PUT /admin/mode or npm run kill-switch -- off), then resume." }, 409);
  }
  const now = deps.clock();
  const parked = await listParked(deps.db, RESUME_SCAN_LIMIT);
  const candidates = parked.filter((e) => e.status_reason !== RESUME_MARK || e.updated_at <= now - RESUME_STALE_MS);
  const marked: EventRow[] = [];
  if (candidates.length > 0) {
    const results = await deps.db.batch(
      candidates.map((e) =>
        deps.db
          .prepare(
            `UPDATE events SET status_reason = ?2, updated_at = ?3
             WHERE id = ?1 AND status = 'parked' AND (status_reason IS NOT ?2 OR updated_at <= ?4) RETURNING id`,
          )
          .bind(e.id, RESUME_MARK, now, now - RESUME_STALE_MS),
      ),
    );
    candidates.forEach((e, i) => {
      if ((results[i]?.results?.length ?? 0) > 0) marked.push(e);
    });
  }
  let sent = 0;
  try {
    for (let i = 0; i < marked.length; i += QUEUE_BATCH_MAX) {
      const chunk = marked.slice(i, i + QUEUE_BATCH_MAX);
      await deps.queue.sendBatch(
        chunk.map((e) => {
          const job: EventJob = { kind: "event", context: JSON.parse(e.context) as DunningContext, receivedAt: e.received_at, resume: true };
          return { body: job };
        }),
      );
      sent += chunk.length;
    }
  } catch (err) {
    const unsent = marked.slice(sent);
    await deps.db
      .batch(
        unsent.map((e) =>
          deps.db.prepare(`UPDATE events SET status_reason = 'kill switch: mode off (resume failed)', updated_at = ?2 WHERE id = ?1 AND status = 'parked' AND status_reason = ?3`).bind(e.id, deps.clock(), RESUME_MARK),
        ),
      )
      .catch(() => undefined);
    log("error", "admin.resume_failed", { sent, unsent: unsent.length, error: err instanceof Error ? err.message : String(err) });
    return c.json({ error: "enqueue_failed", message: "Could not enqueue every parked event; call again.", resumed: sent }, 503);
  }
  log("warn", "admin.resume", { resumed: sent, mode });
  return c.json({ resumed: sent, alreadyRequested: parked.length - candidates.length, more: parked.length === RESUME_SCAN_LIMIT, mode });
}

async function eventDetail(c: AdminContext): Promise<Response> {
  const db = c.env.LEDGER;
  const id = c.req.param("id") ?? "";
  const event = await getEvent(db, id);
  if (!event) return c.json({ error: "not_found", message: `no event ${id}` }, 404);
  const [decisions, effects, caseRow] = await Promise.all([decisionsForEvent(db, event.customer_id, id), effectsForEvent(db, event.customer_id, id), event.case_id !== null ? getCase(db, event.case_id) : Promise.resolve(null)]);
  // `recovery`: what recovered the event's case (its `eventId` says which event did; a late payment names the earlier one).
  const recovery = caseRow === null ? null : recoveryView(caseRow);
  return c.json({ event: eventView(event), decisions: decisions.map(decisionView), sideEffects: effects.map(effectView), case: caseRow === null ? null : caseWithRecovery(caseRow), recovery });
}

async function customerDetail(c: AdminContext): Promise<Response> {
  const db = c.env.LEDGER;
  const kv = c.env.BILLING_KV;
  const id = c.req.param("id") ?? "";
  const [customer, stateRaw, throttleKv, cases, decisions, effects, lastEmail, winbacks, events, labels, jobs, replies] = await Promise.all([
    getCustomer(db, id),
    kv.get(kvCustomerKey(id)),
    kv.get(kvMailThrottleKey(id)),
    db.prepare(`SELECT * FROM cases WHERE customer_id = ?1 ORDER BY opened_at DESC LIMIT 100`).bind(id).all<CaseRow>(),
    decisionsForCustomer(db, id, 50),
    effectsForCustomer(db, id, 50),
    lastEmailAt(db, id),
    db.prepare(`SELECT * FROM winbacks WHERE customer_id = ?1 ORDER BY offered_at DESC`).bind(id).all(),
    db.prepare(`SELECT id, type, status, status_reason, case_id, occurred_at, received_at FROM events WHERE customer_id = ?1 ORDER BY occurred_at DESC LIMIT 50`).bind(id).all(),
    labelsOf(db, id),
    db.prepare(`SELECT * FROM scheduled_jobs WHERE customer_id = ?1 AND status IN ('pending','enqueued') ORDER BY due_at LIMIT 200`).bind(id).all<JobRow>(),
    repliesForCustomer(db, id),
  ]);
  if (customer === null && stateRaw === null && cases.results.length === 0 && events.results.length === 0 && labels.length === 0) {
    return c.json({ error: "not_found", message: `no customer ${id}` }, 404);
  }
  const now = Date.now();
  const windowMs = MAIL_THROTTLE_SECONDS * 1000;
  return c.json({
    customer,
    // The agent's own recovery state; team labels are separate and the agent can never change them.
    state: parseJson(stateRaw),
    ...labelsView(labels),
    // Each case's visible plan (the next step, when in UTC ms, its send window on the customer's clock) the customer's
    // replies and, once recovered, what recovered it.
    cases: cases.results.map((row) => ({ ...caseWithRecovery(row), nextStep: nextStepOf(row, jobs.results, depsOf(c.env).config), replies: replies.filter((r) => r.case_id === row.id).map(replyView) })),
    events: events.results,
    decisions: decisions.map(decisionView),
    sideEffects: effects.map(effectView),
    throttle: {
      lastEmailAt: lastEmail,
      availableAt: lastEmail === null ? null : lastEmail + windowMs,
      throttledNow: lastEmail !== null && lastEmail + windowMs > now,
      kv: parseJson(throttleKv),
    },
    winbacks: winbacks.results,
  });
}

/** A customer's reply on a case, as the customer JSON shows it. */
function replyView(r: ReplyRow) {
  return { at: r.received_at, class: r.class, summary: r.summary, action: r.action };
}

function outboxSummary(o: OutboxRow) {
  return {
    id: o.id,
    kind: o.kind,
    recipient: o.recipient,
    subject: o.subject,
    preview: (o.text ?? "").slice(0, 160),
    templateId: o.template_id,
    eventId: o.event_id,
    caseId: o.case_id,
    customerId: o.customer_id,
    createdAt: o.created_at,
    replyTo: o.reply_to,
    href: `/admin/outbox/${o.id}`,
  };
}

async function outboxList(c: AdminContext): Promise<Response> {
  const kindQ = c.req.query("kind");
  if (kindQ !== undefined && kindQ !== "email" && kindQ !== "slack") return badRequest(c, `"kind" must be email or slack`);
  const limitQ = Number(c.req.query("limit") ?? "200");
  const limit = Number.isInteger(limitQ) && limitQ > 0 ? Math.min(limitQ, 1000) : 200;
  const items = await listOutbox(c.env.LEDGER, limit, kindQ);
  if (c.req.query("format") === "html") {
    return c.html(renderOutboxPage(items), 200, { "Content-Security-Policy": ADMIN_PAGE_CSP, "X-Content-Type-Options": "nosniff" });
  }
  return c.json({ count: items.length, items: items.map(outboxSummary) });
}

async function outboxItem(c: AdminContext): Promise<Response> {
  const raw = c.req.param("id") ?? "";
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id)) return c.json({ error: "not_found", message: `no outbox item ${raw}` }, 404);
  const item = await getOutboxItem(c.env.LEDGER, id);
  if (!item) return c.json({ error: "not_found", message: `no outbox item ${raw}` }, 404);
  const security = { "Content-Security-Policy": OUTBOX_EMAIL_CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer" };
  if (item.kind === "email") {
    if (item.html !== null) return c.body(item.html, 200, { ...security, "Content-Type": "text/html; charset=utf-8" });
    return c.body(item.text ?? "", 200, { ...security, "Content-Type": "text/plain; charset=utf-8" });
  }
  const payload = {
    id: item.id,
    kind: item.kind,
    channel: item.recipient,
    text: item.text,
    blocks: parseJson(item.blocks),
    eventId: item.event_id,
    caseId: item.case_id,
    customerId: item.customer_id,
    createdAt: item.created_at,
  };
  return c.body(JSON.stringify(payload, null, 2), 200, { ...security, "Content-Type": "application/json; charset=utf-8" });
}

async function metricsJson(c: AdminContext): Promise<Response> {
  const deps = depsOf(c.env);
  const [metrics, mode, warnings] = await Promise.all([computeMetrics(deps.db, deps.clock(), deps.config), currentMode(c), setupWarnings(deps.db, deps.config, deps.clock())]);
  return c.json({ mode, ...metrics, setupWarnings: warnings });
}

async function dashboard(c: AdminContext): Promise<Response> {
  const deps = depsOf(c.env);
  const [metrics, mode, events, warnings] = await Promise.all([computeMetrics(deps.db, deps.clock(), deps.config), currentMode(c), recentEvents(deps.db, 20), setupWarnings(deps.db, deps.config, deps.clock())]);
  const page = renderDashboard({ metrics, mode: mode.mode, modeIsDefault: mode.isDefault, defaultMode: mode.defaultMode, recentEvents: events, setupWarnings: warnings });
  return c.html(page, 200, { "Content-Security-Policy": ADMIN_PAGE_CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer" });
}

/** Mounts every /admin route on the app. */
export function registerAdminRoutes(app: Hono<AdminEnv>): void {
  // Login is the one admin route that takes the token in the query (for browsers); it sets the cookie.
  app.get("/admin/login", handleAdminLogin);
  // Logout clears the cookie even when the session is stale; it applies the Origin rule itself.
  app.post("/admin/logout", handleAdminLogout);
  app.use("/admin/*", adminAuth()); // also matches /admin itself
  app.get("/admin", dashboard);
  app.get("/admin/metrics", metricsJson);
  app.get("/admin/events/:id", eventDetail);
  app.get("/admin/customers/:id", customerDetail);
  app.get("/admin/outbox", outboxList);
  app.get("/admin/outbox/:id", outboxItem);
  app.get("/admin/mode", async (c) => c.json(await currentMode(c)));
  app.put("/admin/mode", putMode);
  app.post("/admin/resume", resume);
  app.post("/admin/resume-campaigns", async (c) => {
    const until = await releaseBrake(c.env.BILLING_KV, Date.now());
    log("warn", "admin.brake_released", { until });
    return c.json({ released: true, until, note: "Customer emails flow again; the mass-failure brake re-engages after 6 hours if failures are still above the threshold." });
  });
  app.put("/admin/customers/:id/label", putCustomerLabel);
  app.delete("/admin/customers/:id/label", deleteCustomerLabel);
}
