/**
 * @module ops/unknown-alert
 * Too many failures with reason `unknown` means the decline-code table (`src/ingest/decline-codes.ts`) misses
 * codes Stripe now sends, and those customers get the generic path. When unknown exceeds 10% of the failures
 * opened in the last 7 days (with at least 5 failures, so one odd case does not page anyone), post one Slack
 * message (the outbox when Slack is not configured) — at most once per UTC day, claimed in the `alerts` table.
 */
import type { Deps } from "../deps.ts";
import { log } from "../log.ts";
import { notifyTeam } from "../dunning/dispatch.ts";
import { unknownDeclineCodes, unknownShare, utcDay } from "../ledger/metrics.ts";

export const UNKNOWN_ALERT_KIND = "unknown_reasons";
/** Alert when the unknown share is strictly above this. */
export const UNKNOWN_ALERT_THRESHOLD = 0.1;
export const UNKNOWN_ALERT_MIN_FAILURES = 5;
export const UNKNOWN_ALERT_WINDOW_DAYS = 7;

export type UnknownAlertResult =
  | { status: "below_threshold"; unknown: number; total: number }
  | { status: "already_sent"; period: string }
  | { status: "sent"; period: string; unknown: number; total: number; via: "slack" | "outbox" };

async function alreadySent(db: D1Database, period: string): Promise<boolean> {
  const r = await db.prepare(`SELECT 1 AS x FROM alerts WHERE kind = ?1 AND period = ?2`).bind(UNKNOWN_ALERT_KIND, period).first();
  return r !== null;
}

/** Checks the 7-day unknown share and alerts once per UTC day when it is too high. */
export async function checkUnknownShare(deps: Deps, now: number): Promise<UnknownAlertResult> {
  const period = utcDay(now);
  // Cheap early exit for the cron that runs every few minutes.
  if (await alreadySent(deps.db, period)) return { status: "already_sent", period };
  const share = await unknownShare(deps.db, now, UNKNOWN_ALERT_WINDOW_DAYS);
  const { numerator: unknown, denominator: total } = share;
  if (total < UNKNOWN_ALERT_MIN_FAILURES || share.value === null || share.value <= UNKNOWN_ALERT_THRESHOLD) {
    return { status: "below_threshold", unknown, total };
  }
  const claimed = await deps.db
    .prepare(`INSERT INTO alerts (kind, period, sent_at) VALUES (?1, ?2, ?3) ON CONFLICT (kind, period) DO NOTHING RETURNING kind`)
    .bind(UNKNOWN_ALERT_KIND, period, now)
    .first<{ kind: string }>();
  if (claimed === null) return { status: "already_sent", period };
  const codes = await unknownDeclineCodes(deps.db, now, UNKNOWN_ALERT_WINDOW_DAYS);
  const percent = Math.round(share.value * 1000) / 10;
  const codeList = codes.map((c) => `\`${c.code}\` ×${c.count}`).join(", ");
  const text =
    `:warning: ${unknown} of ${total} payment failures (${percent}%) in the last ${UNKNOWN_ALERT_WINDOW_DAYS} days have reason *unknown* ` +
    `(threshold ${UNKNOWN_ALERT_THRESHOLD * 100}%).` +
    (codeList ? ` Decline codes: ${codeList}.` : "") +
    " Map them in src/ingest/decline-codes.ts (see `ingress.unmapped_decline_code` in the logs).";
  try {
    const r = await notifyTeam(deps, {
      text,
      ctx: { eventId: `alert:${UNKNOWN_ALERT_KIND}:${period}`, customerId: "ops" },
      caseId: null,
      decisionId: null,
      idempotencyKey: `alert:${UNKNOWN_ALERT_KIND}:${period}`,
    });
    log("warn", "alert.unknown_reasons", { period, unknown, total, percent, via: r.via });
    return { status: "sent", period, unknown, total, via: r.via };
  } catch (err) {
    // Give the day back so the next cron run tries again (the idempotency key still prevents a double post).
    await deps.db.prepare(`DELETE FROM alerts WHERE kind = ?1 AND period = ?2`).bind(UNKNOWN_ALERT_KIND, period).run().catch(() => undefined);
    throw err;
  }
}
