/**
 * @module access/webhook
 * Tells the product when a customer's access state changes: a signed POST to ACCESS_WEBHOOK_URL of
 * `{id, customerId, state, graceUntil, reason, changedAt}`. The change is recorded first (`access_changes`); the
 * notice travels on the queue, so a receiver that fails is retried with a growing delay and, after the queue's
 * retries, the dead-letter consumer marks it failed. `id` is the change's row id: a notice delivered twice (the
 * queue delivers at least once) carries the same id, and one already delivered is not sent again.
 */
import { VERSION, type Mode } from "../constants.ts";
import type { Deps } from "../deps.ts";
import { log } from "../log.ts";
import { refreshAccess, type AccessView } from "../ledger/access.ts";
import { getAccessChange, recordWebhookAttempt, setWebhookState, undeliveredChanges, type AccessChangeRow } from "../ledger/access-webhook.ts";
import type { AccessWebhookJob } from "../queue/messages.ts";
import { ACCESS_SIGNATURE_HEADER, signAccessNotice } from "./signature.ts";

/** How long one POST may take before it counts as failed. */
export const ACCESS_WEBHOOK_TIMEOUT_MS = 10_000;
/** A pending notice younger than this may be being enqueued right now: the cron leaves it alone. */
const SETTLE_MS = 60_000;
/** The cron re-enqueues held or unqueued notices of the last week, no older (the state has moved on since). */
const REQUEUE_WINDOW_MS = 7 * 86_400_000;

/** The JSON body a product receives. */
export interface AccessNotice {
  /** The change's id: the same on every delivery of this change; ids grow with time. */
  id: number;
  customerId: string;
  state: string;
  /** ISO 8601, or null when the state has no end (active, restricted after the subscription ended). */
  graceUntil: string | null;
  reason: string | null;
  changedAt: string;
}

export function noticeOf(row: AccessChangeRow): AccessNotice {
  return {
    id: row.id,
    customerId: row.customer_id,
    state: row.state,
    graceUntil: row.grace_until === null ? null : new Date(row.grace_until).toISOString(),
    reason: row.reason,
    changedAt: new Date(row.changed_at).toISOString(),
  };
}

/**
 * Delay before the next try of a notice (seconds): base·2, then ×5 per attempt, capped at the queue's 12 h. With
 * the default 30 s base and the queue's 5 retries: 1 min, 5 min, 25 min, ~2 h, ~10 h, about 13 hours in all,
 * so a receiver down for a deploy or an evening still gets every notice.
 */
export function accessWebhookDelaySeconds(attempt: number, baseSeconds: number): number {
  return Math.min(12 * 3600, Math.round(baseSeconds * 2 * 5 ** Math.max(0, attempt - 1)));
}

const hostOf = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return "invalid";
  }
};

async function enqueue(deps: Deps, changeId: number, customerId: string): Promise<void> {
  const job: AccessWebhookJob = { kind: "access_webhook", changeId, customerId };
  await deps.queue.send(job);
  await setWebhookState(deps.db, changeId, "queued");
}

/**
 * Enqueues the notice of a recorded change (nothing when no ACCESS_WEBHOOK_URL is configured). Never throws: the
 * change is recorded either way, and a notice whose enqueue failed stays `pending` for the cron to re-enqueue.
 */
export async function notifyAccessChange(deps: Deps, view: AccessView, changeId: number): Promise<void> {
  if (deps.config.accessWebhookUrl === null) return;
  try {
    await setWebhookState(deps.db, changeId, "pending");
    await enqueue(deps, changeId, view.customerId);
  } catch (err) {
    log("error", "access_webhook.enqueue_failed", { changeId, customerId: view.customerId, error: err instanceof Error ? err.message : String(err) });
  }
}

/**
 * After anything that can move a customer's access (an event, a campaign step, a held email): records the state when
 * it changed, logs it and announces it. The one place every path goes through.
 */
export async function refreshAndAnnounceAccess(deps: Deps, customerId: string, eventId: string | null, alongside: readonly D1PreparedStatement[] = []): Promise<void> {
  // `alongside` (an event's finish) is written with the change: never one without the other.
  const change = await refreshAccess(deps.db, customerId, deps.config, eventId, deps.clock(), alongside);
  if (change === null) return;
  log("info", "access.changed", { eventId, customerId, state: change.state, graceUntil: change.graceUntil });
  await notifyAccessChange(deps, change, change.changeId);
}

/** The cron: re-enqueues notices whose enqueue failed, and those held while the kill switch was on. */
export async function requeueAccessNotices(deps: Deps, mode: Mode, now: number): Promise<number> {
  if (deps.config.accessWebhookUrl === null || mode === "off") return 0;
  const rows = await undeliveredChanges(deps.db, now - SETTLE_MS, now - REQUEUE_WINDOW_MS, 100);
  for (const r of rows) await enqueue(deps, r.id, r.customer_id);
  if (rows.length > 0) log("info", "access_webhook.requeued", { count: rows.length });
  return rows.length;
}

/** Thrown when a delivery failed and must be retried (the consumer retries it with `accessWebhookDelaySeconds`). */
export class AccessWebhookError extends Error {
  override name = "AccessWebhookError";
}

/**
 * Delivers one notice (the consumer's handler for `access_webhook` messages). Resolves when it is delivered, or
 * when there is nothing to deliver (already delivered, change gone, URL removed, kill switch on: held for the
 * cron); throws AccessWebhookError to be retried.
 */
export async function deliverAccessNotice(deps: Deps, job: AccessWebhookJob, mode: Mode): Promise<void> {
  const row = await getAccessChange(deps.db, job.changeId);
  if (row === null || row.webhook_state === "delivered" || row.webhook_state === "failed") {
    log("info", "access_webhook.skip", { changeId: job.changeId, state: row?.webhook_state ?? "missing" });
    return;
  }
  const url = deps.config.accessWebhookUrl;
  const secret = deps.config.accessWebhookSecret;
  if (url === null || secret === null) {
    log("warn", "access_webhook.not_configured", { changeId: job.changeId });
    return;
  }
  if (mode === "off") {
    await setWebhookState(deps.db, job.changeId, "held");
    log("info", "access_webhook.held", { changeId: job.changeId, customerId: row.customer_id, mode });
    return;
  }
  const body = JSON.stringify(noticeOf(row));
  const signature = await signAccessNotice(secret, body, Math.floor(deps.clock() / 1000));
  let failure: string | null = null;
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": `RecoveryAgent/${VERSION}`, [ACCESS_SIGNATURE_HEADER]: signature },
      body,
      signal: AbortSignal.timeout(ACCESS_WEBHOOK_TIMEOUT_MS),
    });
    await res.body?.cancel();
    if (!res.ok) failure = `HTTP ${res.status}`;
  } catch (err) {
    failure = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
  if (failure !== null) {
    await recordWebhookAttempt(deps.db, job.changeId, { delivered: false, error: failure });
    throw new AccessWebhookError(`access notice ${job.changeId} to ${hostOf(url)}: ${failure}`);
  }
  await recordWebhookAttempt(deps.db, job.changeId, { delivered: true, at: deps.clock() });
  log("info", "access_webhook.delivered", { changeId: job.changeId, customerId: row.customer_id, state: row.state, host: hostOf(url) });
}
