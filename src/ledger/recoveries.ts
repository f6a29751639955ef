/**
 * @module ledger/recoveries
 * What recovered a case, around the pure rule in `dunning/recovered-by.ts`: the facts read from the ledger in one
 * round trip, the recovery written by the same UPDATE that closes the case (a late event never changes it), the
 * view shown on the case, and the metrics (recovered cases and revenue by cause over 30 and 90 days).
 *
 * A payment that lands before any failure creates its case already closed (`failures = 0`): it is not a failure and
 * not a recovery, so it has no cause and is counted in none of the recovery metrics; `paidBeforeAnyFailure` counts
 * those cases on their own.
 */
import { attributeRecovery, RECOVERY_CAUSES, type Attribution, type RecoveryCause, type RecoveryFacts } from "../dunning/recovered-by.ts";
import type { DunningContext } from "../ingest/context.ts";
import { formatMoney } from "../ingest/money.ts";
import { closeCase, getCase, type CaseRow } from "./cases.ts";
import type { RatioStat } from "./metrics.ts";

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
const ratio = (numerator: number, denominator: number): RatioStat => ({ numerator, denominator, value: denominator === 0 ? null : numerator / denominator });

/** The payment as the closing code knows it. */
export interface PaymentFacts {
  /** When Stripe says it was paid, epoch ms (Stripe's clock). */
  occurredAt: number;
  /** When we learned of it, on our clock; default: when the payment event (`eventId`) arrived. */
  seenAt?: number;
  amount: number | null;
  currency: string | null;
  /** The paying invoice's `attempt_count`, when the payment tells it (an invoice object does; a PaymentIntent does not). */
  attemptCount: number | null;
  /** The agent's own pay-now paid it (never a Stripe retry). */
  byAgent?: boolean;
}

/** A payment event's facts (`invoice.paid`, `invoice.payment_succeeded`, `payment_intent.succeeded`). */
export function paymentOf(ctx: DunningContext): PaymentFacts {
  return { occurredAt: ctx.occurredAt, amount: ctx.amountDue, currency: ctx.currency, attemptCount: ctx.eventType === "payment_intent.succeeded" ? null : ctx.attemptCount };
}

interface DecisionFact {
  decided_by: string;
  tool: string | null;
  schedule: string | null;
  outcome: string;
  detail: string | null;
  created_at: number;
}

/** Reads everything the rule needs about one open case, in one batch (each lookup on a customer or case index). */
export async function loadRecoveryFacts(db: D1Database, row: CaseRow, payment: PaymentFacts, eventId: string, now: number): Promise<RecoveryFacts> {
  const [decisions, replies, clicks, cards, emails, last, seen] = await db.batch([
    db
      .prepare(
        `SELECT decided_by, tool, json_extract(args, '$.schedule') AS schedule, outcome, detail, created_at FROM decisions
         WHERE customer_id = ?1 AND case_id = ?2 AND outcome IN ('executed', 'pending')`,
      )
      .bind(row.customer_id, row.id),
    db.prepare(`SELECT received_at AS at FROM case_replies WHERE case_id = ?1 AND class = 'human'`).bind(row.id),
    db.prepare(`SELECT clicked_at AS at FROM link_clicks WHERE case_id = ?1 AND kind = 'update'`).bind(row.id),
    db
      .prepare(
        `SELECT received_at AS at FROM events WHERE customer_id = ?1
           AND type IN ('payment_method.attached', 'customer.updated') AND json_extract(context, '$.newPaymentMethodId') IS NOT NULL`,
      )
      .bind(row.customer_id),
    db.prepare(`SELECT created_at AS at FROM side_effects WHERE customer_id = ?1 AND case_id = ?2 AND kind = 'email' AND status = 'succeeded'`).bind(row.customer_id, row.id),
    db.prepare(`SELECT received_at AS at, json_extract(context, '$.nextPaymentAttempt') AS next FROM events WHERE id = ?1`).bind(row.last_event_id ?? ""),
    db.prepare(`SELECT received_at AS at FROM events WHERE id = ?1`).bind(eventId),
  ]);
  const times = (r: D1Result | undefined) => ((r?.results ?? []) as Array<{ at: number }>).map((x) => x.at);
  const ds = (decisions?.results ?? []) as DecisionFact[];
  const at = (keep: (d: DecisionFact) => boolean) => ds.filter(keep).map((d) => d.created_at);
  const lastFailure = ((last?.results ?? [])[0] ?? null) as { at: number; next: number | null } | null;
  return {
    kind: row.kind,
    paidAt: payment.seenAt ?? times(seen)[0] ?? now,
    paidAtStripe: payment.occurredAt,
    openedAt: row.opened_at,
    // Stripe's count when the failures told it, else how many failures we saw.
    failedAttempts: row.attempt_count ?? row.failures,
    paidAttempt: payment.attemptCount,
    paidByAgent: payment.byAgent === true,
    nextRetryAt: lastFailure?.next ?? null,
    lastFailureAt: lastFailure?.at ?? null,
    humanActionsAt: at((d) => d.decided_by === "human" && d.outcome === "executed"),
    // The pay-now is recorded `executed` with "invoice paid", or still `pending` when its own answer closed the case.
    payNowsAt: at((d) => d.tool === "request_stripe_smart_retry" && d.schedule === "retry_now" && (d.outcome === "pending" || d.detail === "invoice paid")),
    agentRetriesAt: at((d) => d.tool === "retry_payment_intent" && d.outcome === "executed"),
    humanRepliesAt: times(replies),
    updateClicksAt: times(clicks),
    newCardsAt: times(cards),
    emailsAt: times(emails),
  };
}

export interface RecoveredClose {
  /** True when this call closed the case. */
  closed: boolean;
  /** The cause recorded, when this call recovered an open failure case. */
  attribution: Attribution | null;
}

/**
 * Closes a case as recovered, with what recovered it. A case that is not open is left as it is (its cause was set
 * when it closed); a payment for an unknown case creates it closed, with no cause (paid before any failure).
 */
export async function closeRecovered(
  db: D1Database,
  input: { caseId: string; customerId: string; kind: "invoice" | "payment_intent"; reason: string; eventId: string; existing?: CaseRow | null },
  payment: PaymentFacts,
  now: number,
): Promise<RecoveredClose> {
  const row = input.existing !== undefined ? input.existing : await getCase(db, input.caseId);
  const attribution = row !== null && row.status === "open" && row.failures > 0 ? attributeRecovery(await loadRecoveryFacts(db, row, payment, input.eventId, now)) : null;
  const currency = payment.currency ?? row?.currency ?? null;
  const closed = await closeCase(
    db,
    {
      caseId: input.caseId,
      customerId: input.customerId,
      kind: input.kind,
      status: "recovered",
      reason: input.reason,
      eventId: input.eventId,
      ...(attribution === null ? {} : { recovery: { by: attribution.cause, amount: payment.amount ?? row?.amount ?? null, currency: currency?.toLowerCase() ?? null, contacted: attribution.contacted, note: attribution.why } }),
    },
    now,
  );
  return { closed, attribution: closed ? attribution : null };
}

/** How a case's recovery is shown (customer JSON, event JSON). */
export interface RecoveryView {
  recoveredBy: string;
  amount: number | null;
  currency: string | null;
  /** The amount with the currency's real exponent, or null. */
  amountFormatted: string | null;
  /** From the case's opening to its recovery. */
  msToRecovery: number | null;
  hoursToRecovery: number | null;
  /** False: recovered before we were in touch (no email, no person, no reply). */
  contacted: boolean | null;
  /** The event that recovered it (or the agent's own action that did). */
  eventId: string | null;
  why: string | null;
}

/** The case's recovery, or null when it has none (open, lost, or paid before any failure). */
export function recoveryView(row: CaseRow): RecoveryView | null {
  if (row.status !== "recovered" || row.recovered_by === null || row.recovered_by === undefined) return null;
  const amount = row.recovered_amount ?? null;
  const currency = row.recovered_currency ?? null;
  const ms = row.closed_at === null ? null : row.closed_at - row.opened_at;
  return {
    recoveredBy: row.recovered_by,
    amount,
    currency,
    amountFormatted: amount !== null && currency !== null ? formatMoney({ amount, currency }) : null,
    msToRecovery: ms,
    hoursToRecovery: ms === null ? null : Math.round((ms / HOUR_MS) * 100) / 100,
    contacted: row.recovered_contacted === null || row.recovered_contacted === undefined ? null : row.recovered_contacted === 1,
    eventId: row.recovered_event_id ?? null,
    why: row.recovered_note ?? null,
  };
}

/** A case row as the admin JSON shows it: the row, plus `recoveredBy` and `recovery` (null when not recovered). */
export function caseWithRecovery(row: CaseRow) {
  const recovery = recoveryView(row);
  return { ...row, recoveredBy: recovery?.recoveredBy ?? null, recovery, paidBeforeAnyFailure: row.status === "recovered" && row.failures === 0 };
}

/** Recovered cases and revenue (minor units per currency). */
export interface CauseTotals {
  cases: number;
  revenue: Record<string, number>;
}

/** Windows of the recovery metrics, in days, and their keys in the JSON. */
export const RECOVERED_WINDOWS = { "30d": 30, "90d": 90 } as const;
export type RecoveredWindow = keyof typeof RECOVERED_WINDOWS;

export interface RecoveredMetrics {
  /** Per window: every cause (zeros included), cases and revenue recovered in the window. */
  recoveredBy: Record<RecoveredWindow, Record<RecoveryCause, CauseTotals>>;
  /** Per window: all attributed recoveries together. */
  recoveredRevenue: Record<RecoveredWindow, CauseTotals>;
  /** Per window: recovered cases with no contact before the payment / all attributed recovered cases. */
  recoveredWithoutContactShare: Record<RecoveredWindow, RatioStat>;
  /** Per window: payments that landed before any failure (cases created closed): no cause, in none of the above. */
  paidBeforeAnyFailure: Record<RecoveredWindow, number>;
}

const emptyCauses = (): Record<RecoveryCause, CauseTotals> => Object.fromEntries(RECOVERY_CAUSES.map((c) => [c, { cases: 0, revenue: {} }])) as Record<RecoveryCause, CauseTotals>;

/** Recoveries by cause over 30 and 90 days (by when the case was recovered: `closed_at` in `(now - N days, now]`). */
export async function recoveredMetrics(db: D1Database, now: number): Promise<RecoveredMetrics> {
  const since = now - RECOVERED_WINDOWS["90d"] * DAY_MS;
  const since30 = now - RECOVERED_WINDOWS["30d"] * DAY_MS;
  const [grouped, before] = await db.batch([
    db
      .prepare(
        `SELECT recovered_by AS cause, recovered_currency AS currency, closed_at > ?3 AS recent, recovered_contacted AS contacted,
           COUNT(*) AS n, SUM(COALESCE(recovered_amount, 0)) AS amount
         FROM cases WHERE status = 'recovered' AND closed_at > ?1 AND closed_at <= ?2 AND recovered_by IS NOT NULL
         GROUP BY cause, currency, recent, contacted`,
      )
      .bind(since, now, since30),
    db
      .prepare(`SELECT SUM(CASE WHEN closed_at > ?3 THEN 1 ELSE 0 END) AS recent, COUNT(*) AS n FROM cases WHERE status = 'recovered' AND closed_at > ?1 AND closed_at <= ?2 AND failures = 0`)
      .bind(since, now, since30),
  ]);
  const out: RecoveredMetrics = {
    recoveredBy: { "30d": emptyCauses(), "90d": emptyCauses() },
    recoveredRevenue: { "30d": { cases: 0, revenue: {} }, "90d": { cases: 0, revenue: {} } },
    recoveredWithoutContactShare: { "30d": ratio(0, 0), "90d": ratio(0, 0) },
    paidBeforeAnyFailure: { "30d": 0, "90d": 0 },
  };
  const silent: Record<RecoveredWindow, number> = { "30d": 0, "90d": 0 };
  const add = (t: CauseTotals, n: number, currency: string | null, amount: number) => {
    t.cases += n;
    if (currency !== null) t.revenue[currency] = (t.revenue[currency] ?? 0) + amount;
  };
  for (const r of (grouped?.results ?? []) as Array<{ cause: string; currency: string | null; recent: number; contacted: number | null; n: number; amount: number }>) {
    const cause = (RECOVERY_CAUSES as readonly string[]).includes(r.cause) ? (r.cause as RecoveryCause) : "other";
    const windows: RecoveredWindow[] = r.recent === 1 ? ["30d", "90d"] : ["90d"];
    for (const w of windows) {
      add(out.recoveredBy[w][cause], r.n, r.currency, r.amount);
      add(out.recoveredRevenue[w], r.n, r.currency, r.amount);
      if (r.contacted === 0) silent[w] += r.n;
    }
  }
  for (const w of Object.keys(RECOVERED_WINDOWS) as RecoveredWindow[]) out.recoveredWithoutContactShare[w] = ratio(silent[w], out.recoveredRevenue[w].cases);
  const b = ((before?.results ?? [])[0] ?? { recent: 0, n: 0 }) as { recent: number | null; n: number };
  out.paidBeforeAnyFailure = { "30d": b.recent ?? 0, "90d": b.n };
  return out;
}

export const RECOVERED_DEFINITIONS: Record<string, string> = {
  recoveredBy:
    "recovered failure cases by what recovered them (the first that applies: human, customer_reply, card_update_link, pay_now_after_card_update, stripe_retry_after_email, stripe_retry_silent, other), counted when recovered (closed_at) in the last 30 and 90 days; revenue = the amount recovered, in minor units per currency",
  recoveredRevenue: "all recovered failure cases of recoveredBy together, per window",
  recoveredWithoutContactShare: "recovered failure cases with no contact before the payment (no email sent on the case, no person's action, no reply) / all recovered failure cases, per window",
  paidBeforeAnyFailure: "payments that landed before any failure was seen (cases created closed): not failures, not recoveries; counted only here",
};
