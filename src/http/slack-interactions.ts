/**
 * @module slack-interactions
 * POST /slack/interactions: the escalation message's buttons. Raw body (size-limited) -> Slack signature
 * (constant time, 5-minute window) -> `payload=` JSON -> one claim per click in D1 (`slack_actions`, so a Slack
 * retry acts once) -> answer 200 at once and do the work in `waitUntil` (Slack gives up after 3 s).
 * The work runs the human's choice through the same guards and dispatcher as the agent's, records a decision
 * (`decided_by = human`) and ends by replacing the original message through `response_url`.
 */
import type { Context } from "hono";
import { z } from "zod";
import { MAX_SLACK_BODY_BYTES, type Mode } from "../constants.ts";
import { depsOf, type Deps } from "../deps.ts";
import type { Env } from "../env.ts";
import type { DunningContext } from "../ingest/context.ts";
import { verifySlackRequest } from "../ingest/slack-verify.ts";
import { log } from "../log.ts";
import { getCase, type CaseRow } from "../ledger/cases.ts";
import type { DecisionOutcome } from "../ledger/decisions.ts";
import { getEvent } from "../ledger/events.ts";
import { readMode } from "../mode.ts";
import { SLACK_ACTION_MARK_LOST, SLACK_ACTION_STOP_RETRIES, SLACK_ACTION_WINBACK } from "../constants.ts";
import { contextFromCase } from "../dunning/case-context.ts";
import { completeContext } from "../dunning/complete.ts";
import { decideCase } from "../dunning/decide-case.ts";
import { readBodyLimited } from "./body.ts";

/** A person's winback from Slack: the agent's default offer, clamped to the configured cap. */
const HUMAN_WINBACK_PERCENT = 20;
const HUMAN_WINBACK_VALID_DAYS = 14;

const KNOWN_ACTIONS = new Set<string>([SLACK_ACTION_WINBACK, SLACK_ACTION_MARK_LOST, SLACK_ACTION_STOP_RETRIES]);
type KnownAction = typeof SLACK_ACTION_WINBACK | typeof SLACK_ACTION_MARK_LOST | typeof SLACK_ACTION_STOP_RETRIES;

/** The parts of a `block_actions` payload we use; everything else is dropped. */
const InteractionSchema = z.object({
  type: z.string(),
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }).optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional(), action_ts: z.string().optional() })).optional(),
  container: z.object({ message_ts: z.string().optional() }).optional(),
  message: z.object({ ts: z.string().optional(), text: z.string().optional(), blocks: z.array(z.unknown()).optional() }).optional(),
  response_url: z.url().optional(),
  trigger_id: z.string().optional(),
});
type Interaction = z.infer<typeof InteractionSchema>;

function parseInteraction(rawBody: string): Interaction | null {
  const raw = new URLSearchParams(rawBody).get("payload");
  if (raw === null) return null;
  try {
    const parsed = InteractionSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** One button click, as the work needs it. */
export interface SlackActionInput {
  /** Dedup id of the click (`message_ts:action_ts:action_id`). */
  actionId: string;
  action: KnownAction;
  caseId: string;
  userName: string;
  responseUrl: string | null;
  originalText: string | null;
  originalBlocks: unknown[] | null;
}

/** Which buttons stay on the message after the work. */
type KeepButtons = "all" | "mark_lost_only" | "none";

export interface SlackActionResult {
  outcome: DecisionOutcome | "unknown_case" | "failed";
  /** The context line added to the message. */
  line: string;
  keep: KeepButtons;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Claims one click: true the first time, false for a Slack retry (or a double delivery). */
async function claimSlackAction(db: D1Database, a: { id: string; caseId: string | null; action: string; userName: string }, now: number): Promise<boolean> {
  const r = await db
    .prepare(`INSERT INTO slack_actions (id, case_id, action, user_name, created_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING RETURNING id`)
    .bind(a.id, a.caseId, a.action, a.userName, now)
    .first<{ id: string }>();
  return r !== null;
}

async function recordSlackResult(db: D1Database, id: string, result: string): Promise<void> {
  await db.prepare(`UPDATE slack_actions SET result = ?2 WHERE id = ?1`).bind(id, result.slice(0, 500)).run();
}

/** The original message minus (some of) its buttons, plus one context line saying what happened. */
export function updatedMessage(input: Pick<SlackActionInput, "originalText" | "originalBlocks">, line: string, keep: KeepButtons): { replace_original: true; text: string; blocks: unknown[] } {
  const blocks: unknown[] = [];
  for (const b of input.originalBlocks ?? []) {
    const block = b as { type?: unknown; elements?: unknown };
    if (block.type !== "actions") {
      blocks.push(b);
      continue;
    }
    if (keep === "all") blocks.push(b);
    if (keep === "mark_lost_only" && Array.isArray(block.elements)) {
      const elements = block.elements.filter((e) => (e as { action_id?: unknown }).action_id === SLACK_ACTION_MARK_LOST);
      if (elements.length > 0) blocks.push({ ...block, elements });
    }
  }
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: esc(line) }] });
  return { replace_original: true, text: input.originalText ? `${input.originalText}\n${line}` : line, blocks };
}

async function postResponse(responseUrl: string | null, body: unknown, caseId: string | null): Promise<void> {
  if (responseUrl === null) return;
  try {
    const res = await fetch(responseUrl, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) log("warn", "slack.response_url_failed", { caseId, status: res.status });
  } catch (err) {
    log("warn", "slack.response_url_failed", { caseId, error: errorText(err) });
  }
}

/** The context the agent decided on (the case's last event), completed again and with the case's reason. */
async function contextFor(deps: Deps, row: CaseRow, eventId: string): Promise<DunningContext> {
  const ev = row.last_event_id === null ? null : await getEvent(deps.db, row.last_event_id);
  if (ev === null) return contextFromCase(row, eventId, deps.clock());
  const stored = JSON.parse(ev.context) as DunningContext;
  const ctx: DunningContext = {
    ...stored,
    eventId,
    failureReason: stored.failureReason ?? (row.reason as DunningContext["failureReason"]),
    declineCode: stored.declineCode ?? row.decline_code,
  };
  try {
    return await completeContext(deps, ctx);
  } catch (err) {
    // A transient Stripe error: the stored context still has what the gate needs (the email address).
    log("warn", "slack.complete_failed", { caseId: row.id, error: errorText(err) });
    return ctx;
  }
}

/** The event id of a person's action on a case: stable per case and button, so two clicks act once. */
const clickEventId = (row: CaseRow, action: string) => `${row.last_event_id ?? `case:${row.id}`}~slack:${action}`;

async function markAsLost(deps: Deps, input: SlackActionInput, row: CaseRow): Promise<SlackActionResult> {
  // A person's call on a case is recorded in every mode: it closes our own ledger, it contacts no one.
  const mode = await readMode(deps.kv, deps.config.defaultMode);
  const ctx = contextFromCase(row, clickEventId(row, "lost"), deps.clock());
  const note = `marked as lost in Slack by ${input.userName}`;
  const r = await decideCase(deps, {
    ctx,
    caseId: row.id,
    attempt: row.attempt_count ?? row.failures,
    mode,
    proposed: { call: { name: "mark_case_lost", args: { note } }, why: `Slack: @${input.userName} clicked "Mark as lost"`, decidedBy: "human", actorName: input.userName },
  });
  if (r.outcome === "executed") return { outcome: "executed", line: `Marked as lost by @${input.userName}`, keep: "none" };
  if (r.outcome === "superseded") return { outcome: "superseded", line: `Case ${row.id}: ${r.detail}; nothing done (clicked by @${input.userName}).`, keep: "none" };
  return { outcome: r.outcome, line: `⛔ Not marked as lost: ${r.detail} (clicked by @${input.userName})`, keep: "all" };
}

function winbackLine(r: { outcome: DecisionOutcome; detail: string }, percent: number, user: string, mode: Mode): { line: string; keep: KeepButtons } {
  switch (r.outcome) {
    case "executed":
      return { line: `✅ Winback ${percent}% sent by @${user}`, keep: "mark_lost_only" };
    case "dry_run":
      return { line: `🧪 Dry run: a ${percent}% winback would be sent (clicked by @${user}; mode ${mode})`, keep: "all" };
    case "observed":
      return { line: `👀 Observe mode: nothing sent (clicked by @${user})`, keep: "all" };
    case "parked":
      return { line: `⏸ Kill switch is on: nothing sent (clicked by @${user})`, keep: "all" };
    case "throttled":
      return { line: `⛔ Winback not sent: ${r.detail} (clicked by @${user})`, keep: "all" };
    case "superseded":
      return { line: `Nothing sent: ${r.detail} (clicked by @${user})`, keep: "none" };
    default:
      return { line: `⛔ Winback not sent: ${r.detail} (clicked by @${user})`, keep: r.outcome === "rejected" || r.outcome === "skipped" ? "mark_lost_only" : "all" };
  }
}

async function sendWinback(deps: Deps, input: SlackActionInput, row: CaseRow): Promise<SlackActionResult> {
  const mode = await readMode(deps.kv, deps.config.defaultMode);
  const user = input.userName;
  const ctx = await contextFor(deps, row, clickEventId(row, "winback"));
  const { winbackMinPercent, winbackMaxPercent } = deps.config;
  const percent = Math.min(Math.max(HUMAN_WINBACK_PERCENT, winbackMinPercent), winbackMaxPercent);
  // A person's winback passes the same gate as the agent's (labels, fraud history, the caps) and the same
  // dispatcher (the 24 h throttle: answered now, never deferred, since a person is waiting for the answer).
  const r = await decideCase(deps, {
    ctx,
    caseId: row.id,
    attempt: row.attempt_count ?? row.failures,
    mode,
    keyBase: `slack:${row.id}:winback`,
    proposed: { call: { name: "offer_winback_discount", args: { percent_off: percent, valid_days: HUMAN_WINBACK_VALID_DAYS } }, why: `Slack: @${user} clicked "Send winback offer"`, decidedBy: "human", actorName: user },
  });
  if (r.outcome === "rejected" || r.outcome === "skipped") log("info", "slack.winback_refused", { caseId: row.id, customerId: ctx.customerId, reason: r.detail });
  return { outcome: r.outcome, ...winbackLine(r, percent, user, mode) };
}

/** "Stop Stripe's retries" (offered when a customer wrote they want to cancel): gated like every action. */
async function stopRetries(deps: Deps, input: SlackActionInput, row: CaseRow): Promise<SlackActionResult> {
  const mode = await readMode(deps.kv, deps.config.defaultMode);
  const user = input.userName;
  const ctx = await contextFor(deps, row, clickEventId(row, "stop-retries"));
  const r = await decideCase(deps, {
    ctx,
    caseId: row.id,
    attempt: row.attempt_count ?? row.failures,
    mode,
    keyBase: `slack:${row.id}:stop-retries`,
    proposed: { call: { name: "stop_stripe_retries", args: { note: `stopped in Slack by ${user}` } }, why: `Slack: @${user} clicked "Stop Stripe's retries"`, decidedBy: "human", actorName: user },
  });
  if (r.outcome === "executed") return { outcome: r.outcome, line: `🛑 Stripe's retries stopped by @${user}`, keep: "mark_lost_only" };
  if (r.outcome === "dry_run") return { outcome: r.outcome, line: `🧪 Dry run: Stripe's retries would be stopped (clicked by @${user}; mode ${mode})`, keep: "all" };
  return { outcome: r.outcome, line: `⛔ Stripe's retries not stopped: ${r.detail} (clicked by @${user})`, keep: "all" };
}

/**
 * Does the work of one claimed click and replaces the original message through `response_url`.
 * Never throws: a failure is logged and reported in the message.
 */
export async function runSlackAction(deps: Deps, input: SlackActionInput): Promise<SlackActionResult> {
  let result: SlackActionResult;
  try {
    const row = await getCase(deps.db, input.caseId);
    if (row === null) result = { outcome: "unknown_case", line: `Case ${input.caseId} is unknown; nothing done (clicked by @${input.userName}).`, keep: "none" };
    else if (row.status !== "open") result = { outcome: "superseded", line: `Case ${row.id} is already ${row.status}; nothing done (clicked by @${input.userName}).`, keep: "none" };
    else if (input.action === SLACK_ACTION_MARK_LOST) result = await markAsLost(deps, input, row);
    else if (input.action === SLACK_ACTION_STOP_RETRIES) result = await stopRetries(deps, input, row);
    else result = await sendWinback(deps, input, row);
  } catch (err) {
    log("error", "slack.action_failed", { caseId: input.caseId, action: input.action, error: errorText(err) });
    result = { outcome: "failed", line: `⚠️ Could not complete "${input.action}" for @${input.userName}; the error is in the logs. Nothing more was done.`, keep: "all" };
  }
  log("info", "slack.action", { caseId: input.caseId, action: input.action, user: input.userName, outcome: result.outcome });
  await recordSlackResult(deps.db, input.actionId, `${result.outcome}: ${result.line}`).catch((err: unknown) => log("warn", "slack.result_not_recorded", { error: errorText(err) }));
  await postResponse(input.responseUrl, updatedMessage(input, result.line, result.keep), input.caseId);
  return result;
}

/** Runs `work` after the response when the runtime allows it (Workers), else before answering (tests, Node). */
async function inBackground(c: Context<{ Bindings: Env }>, work: Promise<unknown>): Promise<void> {
  let ctx: { waitUntil(promise: Promise<unknown>): void } | null = null;
  try {
    ctx = c.executionCtx;
  } catch {
    ctx = null; // Hono throws when the app is called without an execution context.
  }
  if (ctx !== null) ctx.waitUntil(work);
  else await work;
}

export async function handleSlackInteractions(c: Context<{ Bindings: Env }>): Promise<Response> {
  const body = await readBodyLimited(c.req.raw, MAX_SLACK_BODY_BYTES);
  if (!body.ok) {
    log("warn", "slack.reject", { reason: "body_too_large", limitBytes: MAX_SLACK_BODY_BYTES });
    return c.text("Body too large", 413);
  }
  const deps = depsOf(c.env);
  const verified = await verifySlackRequest({
    rawBody: body.text,
    timestamp: c.req.header("x-slack-request-timestamp"),
    signature: c.req.header("x-slack-signature"),
    secret: deps.config.slackSigningSecret,
    nowSeconds: Math.floor(deps.clock() / 1000),
  });
  if (!verified.ok) {
    log(verified.reason === "no_secret" ? "error" : "warn", "slack.reject", { reason: verified.reason });
    return c.text("Unauthorized", 401);
  }
  const payload = parseInteraction(body.text);
  if (payload === null) {
    log("warn", "slack.bad_payload", {});
    return c.text("Bad payload", 400);
  }
  const action = payload.actions?.[0];
  if (payload.type !== "block_actions" || action === undefined) {
    log("info", "slack.ignored", { type: payload.type });
    return c.body(null, 200);
  }
  const userName = payload.user?.username ?? payload.user?.name ?? payload.user?.id ?? "someone";
  const responseUrl = payload.response_url ?? null;
  if (!KNOWN_ACTIONS.has(action.action_id) || !action.value) {
    log("info", "slack.unknown_action", { actionId: action.action_id.slice(0, 64) });
    const reply = {
      response_type: "ephemeral",
      replace_original: false,
      text: `Recovery Agent does not know the action "${action.action_id}"${action.value ? "" : " (or it names no case)"}; nothing was done. Known buttons: "Send winback offer", "Mark as lost".`,
    };
    await inBackground(c, postResponse(responseUrl, reply, null));
    return c.json(reply, 200);
  }
  const actionId = `${payload.container?.message_ts ?? payload.message?.ts ?? ""}:${action.action_ts ?? payload.trigger_id ?? ""}:${action.action_id}`;
  const claimed = await claimSlackAction(deps.db, { id: actionId, caseId: action.value, action: action.action_id, userName }, deps.clock());
  const allowed = deps.config.slackAllowedUsers;
  if (claimed && allowed !== null && !allowed.has(payload.user?.id ?? "")) {
    // Refused and shown as refused: the message keeps its buttons for someone who may act.
    const line = `⛔ @${userName} may not act on recovery cases (not in SLACK_ALLOWED_USERS); nothing was done.`;
    log("warn", "slack.user_refused", { caseId: action.value, action: action.action_id, userId: payload.user?.id ?? null });
    await recordSlackResult(deps.db, actionId, `refused: ${line}`);
    await inBackground(c, postResponse(responseUrl, updatedMessage({ originalText: payload.message?.text ?? null, originalBlocks: payload.message?.blocks ?? null }, line, "all"), action.value));
    return c.body(null, 200);
  }
  if (!claimed) {
    log("info", "slack.duplicate", { caseId: action.value, action: action.action_id, retryNum: c.req.header("x-slack-retry-num") ?? null, retryReason: c.req.header("x-slack-retry-reason") ?? null });
    return c.body(null, 200);
  }
  const input: SlackActionInput = {
    actionId,
    action: action.action_id as KnownAction,
    caseId: action.value,
    userName,
    responseUrl,
    originalText: payload.message?.text ?? null,
    originalBlocks: payload.message?.blocks ?? null,
  };
  await inBackground(c, runSlackAction(deps, input));
  return c.body(null, 200);
}
