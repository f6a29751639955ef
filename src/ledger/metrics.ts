/**
 * @module ledger/metrics
 * The numbers behind GET /admin/metrics and the dashboard: read-only D1 queries, `now` passed in.
 *
 * Definitions (also returned in the JSON under `definitions`):
 * - A *failure* is a case (one per failed invoice or one-off PaymentIntent) with at least one recorded
 *   failure (`failures > 0`): a payment that arrived before any failure creates a closed case with
 *   `failures = 0`, which is not a failure. Each case counts once, on the UTC day it was opened, under its
 *   current reason (missing reason = `unknown`).
 * - *Recovery rate* (window: cases opened in the last RECOVERY_WINDOW_DAYS days): among failure cases that
 *   have a verdict — opened at least 14 days before `now`, or already closed (recovered or lost) — the share
 *   recovered within 14 days of opening (`status = 'recovered' AND closed_at - opened_at <= 14 d`).
 *   Cases open for less than 14 days have no verdict yet and are left out of both sides.
 * - *Median time to recovery*: median of `closed_at - opened_at` in hours over recovered failure cases
 *   opened in the same window (the mean of the two middle values for an even count).
 * - *Unknown share*: failure cases with reason `unknown` (or none) / all failure cases, opened in the last
 *   7 and 30 days.
 * - *Escalations*: cases escalated (`escalated_at`) in the last 30 days; *resolved within 24 h*: those with
 *   `escalation_resolved_at - escalated_at <= 24 h`.
 * - *Emails sent* / *coupons created*: succeeded side effects (kind `email`; operation `coupons.create`)
 *   created in the last 30 days.
 * - *Decisions* by `decided_by` and `outcome`, and *shadow agreement* (decisions with `shadow_agree` set:
 *   agreeing / all), over the last 30 days.
 * - *Open cases* and *event status counts*: the current state, no window.
 * Every window is `(now - N days, now]` (the chart: whole UTC days, today included), so rows dated after
 * `now` are never counted.
 */
import type { Config } from "../config.ts";
import { nextStepOf, type NextStep } from "../campaign/next-step.ts";
import type { CaseRow } from "./cases.ts";
import type { JobRow } from "./jobs.ts";
import { formatMoney } from "../ingest/money.ts";
import { RECOVERED_DEFINITIONS, recoveredMetrics, type RecoveredMetrics } from "./recoveries.ts";
import { emailClickThrough, updatesAfterClick, type EmailClickThrough, type UpdatesAfterClick } from "./click-metrics.ts";

export const DAY_MS = 24 * 3600 * 1000;
export const HOUR_MS = 3600 * 1000;
/** A case is judged recovered or not 14 days after it opened. */
export const RECOVERY_HORIZON_DAYS = 14;
/** Cases opened this many days back feed the recovery rate and median. */
export const RECOVERY_WINDOW_DAYS = 90;
/** Window of the failures-per-day chart and the 30-day counters. */
export const METRICS_WINDOW_DAYS = 30;
export const UNKNOWN_REASON = "unknown";
const OPEN_CASES_LIMIT = 200;

/** Failure cases: at least one failure recorded (a payment seen first creates a closed case with none). */
const IS_FAILURE = "failures > 0";
const REASON = `COALESCE(NULLIF(reason, ''), '${UNKNOWN_REASON}')`;

export interface RatioStat {
  numerator: number;
  denominator: number;
  /** numerator / denominator, or null when the denominator is 0. */
  value: number | null;
}

export interface FailureDay {
  /** UTC date, YYYY-MM-DD. */
  day: string;
  total: number;
  byReason: Record<string, number>;
}

export interface OpenCase {
  id: string;
  customerId: string;
  /** The customer's name as the last event of the case gave it, or null. */
  customerName: string | null;
  kind: string;
  reason: string;
  declineCode: string | null;
  amount: number | null;
  currency: string | null;
  /** Human-readable amount with the currency's real exponent, or null when unknown. */
  amountFormatted: string | null;
  attempts: number;
  nextStep: string | null;
  /** The campaign's next step (what, when in UTC ms, and on whose clock), or null when nothing is planned. */
  plan: NextStep | null;
  openedAt: number;
  escalatedAt: number | null;
  lastEventId: string | null;
  /** The customer's team labels (any source), e.g. "do_not_contact". */
  labels: string[];
}

export interface RecentEvent {
  id: string;
  type: string;
  customerId: string;
  caseId: string | null;
  status: string;
  statusReason: string | null;
  receivedAt: number;
}

export interface Metrics extends RecoveredMetrics {
  now: number;
  generatedAt: string;
  failuresPerDay: { windowDays: number; reasons: string[]; days: FailureDay[]; total: number };
  recovery: {
    windowDays: number;
    horizonDays: number;
    overall: RatioStat;
    byReason: Array<{ reason: string } & RatioStat>;
  };
  medianHoursToRecovery: { value: number | null; count: number; windowDays: number };
  unknownShare: { days7: RatioStat; days30: RatioStat };
  escalations: { windowDays: number; total: number; resolvedWithin24h: number; open: number };
  emailsSent: { windowDays: number; count: number };
  couponsCreated: { windowDays: number; count: number };
  decisions: {
    windowDays: number;
    total: number;
    byDecidedBy: Record<string, number>;
    byOutcome: Record<string, number>;
    byDecidedByAndOutcome: Array<{ decidedBy: string; outcome: string; count: number }>;
  };
  shadowAgreement: { windowDays: number } & RatioStat;
  openCases: { count: number; shown: number; rows: OpenCase[] };
  eventStatus: { claimed: number; decided: number; parked: number; dead_lettered: number };
  emailClickThrough: EmailClickThrough;
  updatesAfterClick: UpdatesAfterClick;
  definitions: Record<string, string>;
}

export const METRIC_DEFINITIONS: Record<string, string> = {
  failure: "a case (one per failed invoice or one-off PaymentIntent) with at least one recorded failure, counted once on the UTC day it opened under its current reason (none = unknown)",
  recoveryRate: `cases recovered within ${RECOVERY_HORIZON_DAYS} days of opening / failure cases opened at least ${RECOVERY_HORIZON_DAYS} days ago or already closed; cases opened in the last ${RECOVERY_WINDOW_DAYS} days`,
  medianHoursToRecovery: `median hours from opening to recovery over recovered failure cases opened in the last ${RECOVERY_WINDOW_DAYS} days`,
  unknownShare: "failure cases with reason unknown / all failure cases opened in the window (7 and 30 days)",
  escalations: `cases escalated in the last ${METRICS_WINDOW_DAYS} days; resolved within 24 h = escalation_resolved_at - escalated_at <= 24 h`,
  emailsSent: `succeeded side effects of kind email in the last ${METRICS_WINDOW_DAYS} days`,
  couponsCreated: `succeeded side effects with operation coupons.create in the last ${METRICS_WINDOW_DAYS} days`,
  decisions: `decisions recorded in the last ${METRICS_WINDOW_DAYS} days, by decided_by and outcome`,
  shadowAgreement: `decisions with a shadow decision in the last ${METRICS_WINDOW_DAYS} days: agreeing / all`,
  openCases: "cases with status open now, oldest first",
  eventStatus: "events in the ledger by status now",
  ...RECOVERED_DEFINITIONS,
  emailClickThrough: `cases (or, outside a case, customers) emailed in the last ${METRICS_WINDOW_DAYS} days (winback offers excepted) whose card-update button was pressed in that window / those emailed; per template, pressed on that template's link. rate is null with nothing emailed`,
  updatesAfterClick: `clicked cases (last ${METRICS_WINDOW_DAYS} days) whose customer's card was updated within 48 h after a press (new default payment method, card updater, or the link's Checkout setup)`,
};

export function ratio(numerator: number, denominator: number): RatioStat {
  return { numerator, denominator, value: denominator === 0 ? null : numerator / denominator };
}

/** UTC date `YYYY-MM-DD` of an epoch-ms instant. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Failures per UTC day and reason over the last `days` days (oldest first; every day present, zero or not). */
export async function failuresPerDay(db: D1Database, now: number, days = METRICS_WINDOW_DAYS): Promise<Metrics["failuresPerDay"]> {
  const todayStart = Math.floor(now / DAY_MS) * DAY_MS;
  const start = todayStart - (days - 1) * DAY_MS;
  const r = await db
    .prepare(
      `SELECT (opened_at / ${DAY_MS}) AS d, ${REASON} AS reason, COUNT(*) AS n FROM cases
       WHERE ${IS_FAILURE} AND opened_at >= ?1 AND opened_at <= ?2 GROUP BY d, reason`,
    )
    .bind(start, now)
    .all<{ d: number; reason: string; n: number }>();
  const byDay = new Map<number, Record<string, number>>();
  const reasons = new Set<string>();
  for (const row of r.results) {
    const rec = byDay.get(row.d) ?? {};
    rec[row.reason] = row.n;
    byDay.set(row.d, rec);
    reasons.add(row.reason);
  }
  const out: FailureDay[] = [];
  let total = 0;
  for (let i = 0; i < days; i++) {
    const dayStart = start + i * DAY_MS;
    const byReason = byDay.get(dayStart / DAY_MS) ?? {};
    const dayTotal = Object.values(byReason).reduce((a, b) => a + b, 0);
    total += dayTotal;
    out.push({ day: utcDay(dayStart), total: dayTotal, byReason });
  }
  return { windowDays: days, reasons: [...reasons].sort(), days: out, total };
}

/** Recovery rate overall and by reason (see the module comment for the exact definition). */
export async function recoveryRates(db: D1Database, now: number): Promise<Metrics["recovery"]> {
  const horizon = RECOVERY_HORIZON_DAYS * DAY_MS;
  const r = await db
    .prepare(
      `SELECT ${REASON} AS reason, COUNT(*) AS eligible,
         SUM(CASE WHEN status = 'recovered' AND closed_at - opened_at <= ?3 THEN 1 ELSE 0 END) AS recovered
       FROM cases
       WHERE ${IS_FAILURE} AND opened_at > ?1 AND opened_at <= ?2 AND (status != 'open' OR opened_at <= ?2 - ?3)
       GROUP BY reason ORDER BY reason`,
    )
    .bind(now - RECOVERY_WINDOW_DAYS * DAY_MS, now, horizon)
    .all<{ reason: string; eligible: number; recovered: number | null }>();
  let num = 0;
  let den = 0;
  const byReason = r.results.map((row) => {
    const recovered = row.recovered ?? 0;
    num += recovered;
    den += row.eligible;
    return { reason: row.reason, ...ratio(recovered, row.eligible) };
  });
  return { windowDays: RECOVERY_WINDOW_DAYS, horizonDays: RECOVERY_HORIZON_DAYS, overall: ratio(num, den), byReason };
}

/** Median hours from opening to recovery (two indexed lookups instead of loading every duration). */
export async function medianHoursToRecovery(db: D1Database, now: number): Promise<Metrics["medianHoursToRecovery"]> {
  const where = `${IS_FAILURE} AND status = 'recovered' AND closed_at IS NOT NULL AND opened_at > ?1 AND opened_at <= ?2`;
  const since = now - RECOVERY_WINDOW_DAYS * DAY_MS;
  const c = await db.prepare(`SELECT COUNT(*) AS n FROM cases WHERE ${where}`).bind(since, now).first<{ n: number }>();
  const n = c?.n ?? 0;
  if (n === 0) return { value: null, count: 0, windowDays: RECOVERY_WINDOW_DAYS };
  const lo = Math.floor((n - 1) / 2);
  const hi = Math.floor(n / 2);
  const r = await db
    .prepare(`SELECT closed_at - opened_at AS ms FROM cases WHERE ${where} ORDER BY ms LIMIT ?3 OFFSET ?4`)
    .bind(since, now, hi - lo + 1, lo)
    .all<{ ms: number }>();
  const values = r.results.map((x) => x.ms);
  const mid = values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
  return { value: mid / HOUR_MS, count: n, windowDays: RECOVERY_WINDOW_DAYS };
}

/** Unknown-reason failures / all failures opened in `(now - days, now]`. */
export async function unknownShare(db: D1Database, now: number, days: number): Promise<RatioStat> {
  const r = await db
    .prepare(
      `SELECT COUNT(*) AS total, SUM(CASE WHEN ${REASON} = '${UNKNOWN_REASON}' THEN 1 ELSE 0 END) AS unknown
       FROM cases WHERE ${IS_FAILURE} AND opened_at > ?1 AND opened_at <= ?2`,
    )
    .bind(now - days * DAY_MS, now)
    .first<{ total: number; unknown: number | null }>();
  return ratio(r?.unknown ?? 0, r?.total ?? 0);
}

/** The decline codes behind unknown reasons in the window, most frequent first (for the alert). */
export async function unknownDeclineCodes(db: D1Database, now: number, days: number, limit = 5): Promise<Array<{ code: string; count: number }>> {
  const r = await db
    .prepare(
      `SELECT COALESCE(decline_code, '(none)') AS code, COUNT(*) AS count FROM cases
       WHERE ${IS_FAILURE} AND ${REASON} = '${UNKNOWN_REASON}' AND opened_at > ?1 AND opened_at <= ?2
       GROUP BY code ORDER BY count DESC, code LIMIT ?3`,
    )
    .bind(now - days * DAY_MS, now, limit)
    .all<{ code: string; count: number }>();
  return r.results;
}

async function escalations(db: D1Database, now: number): Promise<Metrics["escalations"]> {
  const r = await db
    .prepare(
      `SELECT COUNT(*) AS total,
         SUM(CASE WHEN escalation_resolved_at IS NOT NULL AND escalation_resolved_at - escalated_at <= ?3 THEN 1 ELSE 0 END) AS fast,
         SUM(CASE WHEN escalation_resolved_at IS NULL THEN 1 ELSE 0 END) AS open
       FROM cases WHERE escalated_at IS NOT NULL AND escalated_at > ?1 AND escalated_at <= ?2`,
    )
    .bind(now - METRICS_WINDOW_DAYS * DAY_MS, now, 24 * HOUR_MS)
    .first<{ total: number; fast: number | null; open: number | null }>();
  return { windowDays: METRICS_WINDOW_DAYS, total: r?.total ?? 0, resolvedWithin24h: r?.fast ?? 0, open: r?.open ?? 0 };
}

async function effectCounts(db: D1Database, now: number): Promise<{ emails: number; coupons: number }> {
  const r = await db
    .prepare(
      `SELECT SUM(CASE WHEN kind = 'email' THEN 1 ELSE 0 END) AS emails,
         SUM(CASE WHEN operation = 'coupons.create' THEN 1 ELSE 0 END) AS coupons
       FROM side_effects WHERE status = 'succeeded' AND created_at > ?1 AND created_at <= ?2`,
    )
    .bind(now - METRICS_WINDOW_DAYS * DAY_MS, now)
    .first<{ emails: number | null; coupons: number | null }>();
  return { emails: r?.emails ?? 0, coupons: r?.coupons ?? 0 };
}

async function decisionCounts(db: D1Database, now: number): Promise<{ decisions: Metrics["decisions"]; shadow: Metrics["shadowAgreement"] }> {
  const since = now - METRICS_WINDOW_DAYS * DAY_MS;
  const [grouped, shadow] = await db.batch([
    db
      .prepare(`SELECT decided_by, outcome, COUNT(*) AS count FROM decisions WHERE created_at > ?1 AND created_at <= ?2 GROUP BY decided_by, outcome ORDER BY decided_by, outcome`)
      .bind(since, now),
    db
      .prepare(
        `SELECT COUNT(*) AS total, SUM(CASE WHEN shadow_agree = 1 THEN 1 ELSE 0 END) AS agree
         FROM decisions WHERE shadow_agree IS NOT NULL AND created_at > ?1 AND created_at <= ?2`,
      )
      .bind(since, now),
  ]);
  const rows = (grouped?.results ?? []) as Array<{ decided_by: string; outcome: string; count: number }>;
  const byDecidedBy: Record<string, number> = {};
  const byOutcome: Record<string, number> = {};
  let total = 0;
  for (const row of rows) {
    byDecidedBy[row.decided_by] = (byDecidedBy[row.decided_by] ?? 0) + row.count;
    byOutcome[row.outcome] = (byOutcome[row.outcome] ?? 0) + row.count;
    total += row.count;
  }
  const s = ((shadow?.results ?? [])[0] ?? { total: 0, agree: 0 }) as { total: number; agree: number | null };
  return {
    decisions: {
      windowDays: METRICS_WINDOW_DAYS,
      total,
      byDecidedBy,
      byOutcome,
      byDecidedByAndOutcome: rows.map((r) => ({ decidedBy: r.decided_by, outcome: r.outcome, count: r.count })),
    },
    shadow: { windowDays: METRICS_WINDOW_DAYS, ...ratio(s.agree ?? 0, s.total) },
  };
}

interface OpenCaseRow {
  id: string;
  customer_id: string;
  kind: string;
  reason: string;
  decline_code: string | null;
  amount: number | null;
  currency: string | null;
  attempts: number;
  next_step: string | null;
  opened_at: number;
  escalated_at: number | null;
  last_event_id: string | null;
  labels: string | null;
  customer_name: string | null;
  customer_zone: string | null;
}

/** Open cases with their next step, oldest first, and how many are open in all. */
export async function openCases(db: D1Database, limit = OPEN_CASES_LIMIT, config: Config | null = null): Promise<Metrics["openCases"]> {
  const [rows, count, jobs] = await db.batch([
    db
      .prepare(
        `SELECT id, customer_id, kind, ${REASON} AS reason, decline_code, amount, currency,
           MAX(COALESCE(attempt_count, 0), failures) AS attempts, next_step, opened_at, escalated_at, last_event_id, customer_zone,
           (SELECT group_concat(label, ',') FROM customer_labels l WHERE l.customer_id = cases.customer_id) AS labels,
           (SELECT json_extract(e.context, '$.customerName') FROM events e WHERE e.id = cases.last_event_id) AS customer_name
         FROM cases WHERE status = 'open' ORDER BY opened_at, id LIMIT ?1`,
      )
      .bind(limit),
    db.prepare(`SELECT COUNT(*) AS n FROM cases WHERE status = 'open'`),
    db
      .prepare(
        `SELECT * FROM scheduled_jobs WHERE status IN ('pending', 'enqueued')
           AND case_id IN (SELECT id FROM cases WHERE status = 'open' ORDER BY opened_at, id LIMIT ?1) ORDER BY due_at`,
      )
      .bind(limit),
  ]);
  const pending = (jobs?.results ?? []) as JobRow[];
  const list = ((rows?.results ?? []) as OpenCaseRow[]).map(
    (r): OpenCase => ({
      id: r.id,
      customerId: r.customer_id,
      customerName: typeof r.customer_name === "string" && r.customer_name.trim() !== "" ? r.customer_name : null,
      kind: r.kind,
      reason: r.reason,
      declineCode: r.decline_code,
      amount: r.amount,
      currency: r.currency,
      amountFormatted: r.amount !== null && r.currency !== null ? formatMoney({ amount: r.amount, currency: r.currency }) : null,
      attempts: r.attempts,
      nextStep: r.next_step,
      plan: config === null ? null : nextStepOf({ id: r.id, status: "open", reason: r.reason, decline_code: r.decline_code, customer_zone: r.customer_zone } as CaseRow, pending, config),
      openedAt: r.opened_at,
      escalatedAt: r.escalated_at,
      lastEventId: r.last_event_id,
      labels: r.labels === null ? [] : [...new Set(r.labels.split(","))],
    }),
  );
  const n = ((count?.results ?? [])[0] as { n: number } | undefined)?.n ?? list.length;
  return { count: n, shown: list.length, rows: list };
}

export async function eventStatusCounts(db: D1Database): Promise<Metrics["eventStatus"]> {
  const r = await db.prepare(`SELECT status, COUNT(*) AS n FROM events GROUP BY status`).all<{ status: string; n: number }>();
  const out = { claimed: 0, decided: 0, parked: 0, dead_lettered: 0 };
  for (const row of r.results) {
    if (row.status in out) out[row.status as keyof typeof out] = row.n;
  }
  return out;
}

/** The most recent events (for the dashboard's links). */
export async function recentEvents(db: D1Database, limit = 20): Promise<RecentEvent[]> {
  const r = await db
    .prepare(`SELECT id, type, customer_id, case_id, status, status_reason, received_at FROM events ORDER BY received_at DESC, id LIMIT ?1`)
    .bind(limit)
    .all<{ id: string; type: string; customer_id: string; case_id: string | null; status: string; status_reason: string | null; received_at: number }>();
  return r.results.map((e) => ({
    id: e.id,
    type: e.type,
    customerId: e.customer_id,
    caseId: e.case_id,
    status: e.status,
    statusReason: e.status_reason,
    receivedAt: e.received_at,
  }));
}

/** Every metric at `now`. */
export async function computeMetrics(db: D1Database, now: number, config: Config | null = null): Promise<Metrics> {
  const [perDay, recovery, median, unknown7, unknown30, esc, effects, dec, open, status, recovered, clickThrough, afterClick] = await Promise.all([
    failuresPerDay(db, now),
    recoveryRates(db, now),
    medianHoursToRecovery(db, now),
    unknownShare(db, now, 7),
    unknownShare(db, now, 30),
    escalations(db, now),
    effectCounts(db, now),
    decisionCounts(db, now),
    openCases(db, OPEN_CASES_LIMIT, config),
    eventStatusCounts(db),
    recoveredMetrics(db, now),
    emailClickThrough(db, now),
    updatesAfterClick(db, now),
  ]);
  return {
    now,
    generatedAt: new Date(now).toISOString(),
    failuresPerDay: perDay,
    recovery,
    medianHoursToRecovery: median,
    unknownShare: { days7: unknown7, days30: unknown30 },
    escalations: esc,
    emailsSent: { windowDays: METRICS_WINDOW_DAYS, count: effects.emails },
    couponsCreated: { windowDays: METRICS_WINDOW_DAYS, count: effects.coupons },
    decisions: dec.decisions,
    shadowAgreement: dec.shadow,
    openCases: open,
    eventStatus: status,
    ...recovered,
    emailClickThrough: clickThrough,
    updatesAfterClick: afterClick,
    definitions: METRIC_DEFINITIONS,
  };
}
