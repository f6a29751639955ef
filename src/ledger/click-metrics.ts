/**
 * @module ledger/click-metrics
 * Email click-through for GET /admin/metrics and the dashboard: read-only D1 queries, `now` passed in.
 * - A *unit* is a case, or the customer for an email outside any case (the trial-ending email).
 * - *Emailed*: units with a succeeded email side effect in the last 30 days (the winback offer excepted: it
 *   carries a discount code, not the card-update link), per template its `operation`.
 * - *Clicked*: emailed units whose card-update button was pressed (`link_clicks`, kind `update`) in the same
 *   window; per template, pressed on a link that came in that template's email. A GET never counts.
 * - *Updates after click*: clicked units whose customer's card was updated (a new default payment method, the
 *   card updater, or the card-update link's Checkout setup) within 48 h after a press.
 */
import { DAY_MS, HOUR_MS, METRICS_WINDOW_DAYS } from "./metrics.ts";

export const UPDATE_AFTER_CLICK_HOURS = 48;

export interface ClickThrough {
  rate: number | null;
  clicked: number;
  emailed: number;
}

export interface EmailClickThrough extends ClickThrough {
  windowDays: number;
  byTemplate: Record<string, ClickThrough>;
}

export interface UpdatesAfterClick {
  windowDays: number;
  windowHours: number;
  /** Clicked units whose card was updated within `windowHours` after a press. */
  count: number;
  clicked: number;
  rate: number | null;
}

const UNIT = (table: string) => `COALESCE(${table}.case_id, 'customer:' || ${table}.customer_id)`;
const EMAILED = `SELECT DISTINCT ${UNIT("s")} AS unit, s.operation AS template FROM side_effects s
  WHERE s.kind = 'email' AND s.status = 'succeeded' AND s.operation != 'winback_offer' AND s.created_at > ?1 AND s.created_at <= ?2`;
const CLICKED = `SELECT DISTINCT ${UNIT("l")} AS unit, l.template AS template FROM link_clicks l
  WHERE l.kind = 'update' AND l.clicked_at > ?1 AND l.clicked_at <= ?2`;
const CARD_UPDATED = `ev.type = 'checkout.session.completed'
  OR (ev.type IN ('payment_method.attached', 'customer.updated', 'payment_method.automatically_updated') AND json_extract(ev.context, '$.newPaymentMethodId') IS NOT NULL)`;

const rate = (clicked: number, emailed: number): ClickThrough => ({ rate: emailed === 0 ? null : clicked / emailed, clicked, emailed });

export async function emailClickThrough(db: D1Database, now: number): Promise<EmailClickThrough> {
  const since = now - METRICS_WINDOW_DAYS * DAY_MS;
  const [overall, perTemplate] = await db.batch([
    db
      .prepare(
        `WITH e AS (${EMAILED}), c AS (${CLICKED})
         SELECT COUNT(DISTINCT e.unit) AS emailed,
           COUNT(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM c WHERE c.unit = e.unit) THEN e.unit END) AS clicked
         FROM e`,
      )
      .bind(since, now),
    db
      .prepare(
        `WITH e AS (${EMAILED}), c AS (${CLICKED})
         SELECT e.template AS template, COUNT(*) AS emailed,
           SUM(CASE WHEN EXISTS (SELECT 1 FROM c WHERE c.unit = e.unit AND c.template = e.template) THEN 1 ELSE 0 END) AS clicked
         FROM e GROUP BY e.template ORDER BY e.template`,
      )
      .bind(since, now),
  ]);
  const o = ((overall?.results ?? [])[0] ?? { emailed: 0, clicked: 0 }) as { emailed: number; clicked: number | null };
  const byTemplate: Record<string, ClickThrough> = {};
  for (const r of (perTemplate?.results ?? []) as Array<{ template: string; emailed: number; clicked: number | null }>) byTemplate[r.template] = rate(r.clicked ?? 0, r.emailed);
  return { windowDays: METRICS_WINDOW_DAYS, ...rate(o.clicked ?? 0, o.emailed), byTemplate };
}

export async function updatesAfterClick(db: D1Database, now: number): Promise<UpdatesAfterClick> {
  const r = await db
    .prepare(
      `SELECT COUNT(DISTINCT ${UNIT("l")}) AS clicked,
         COUNT(DISTINCT CASE WHEN EXISTS (
           SELECT 1 FROM events ev WHERE ev.customer_id = l.customer_id AND ev.occurred_at >= l.clicked_at - 1000 AND ev.occurred_at <= l.clicked_at + ?3
             AND (${CARD_UPDATED})) THEN ${UNIT("l")} END) AS updated
       FROM link_clicks l WHERE l.kind = 'update' AND l.clicked_at > ?1 AND l.clicked_at <= ?2`,
    )
    .bind(now - METRICS_WINDOW_DAYS * DAY_MS, now, UPDATE_AFTER_CLICK_HOURS * HOUR_MS)
    .first<{ clicked: number; updated: number | null }>();
  const clicked = r?.clicked ?? 0;
  const count = r?.updated ?? 0;
  return { windowDays: METRICS_WINDOW_DAYS, windowHours: UPDATE_AFTER_CLICK_HOURS, count, clicked, rate: clicked === 0 ? null : count / clicked };
}
