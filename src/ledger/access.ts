/** @module ledger/access — the facts behind a customer's access state, and the record of every change. */
import { computeAccess, type Access } from "../access/state.ts";
import type { Config } from "../config.ts";

interface CustomerSubscriptionRow {
  subscription_status: string | null;
  is_annual: number | null;
  state_label: string | null;
  state_note: string | null;
}

export async function recordSubscription(db: D1Database, customerId: string, s: SubscriptionFacts, now: number): Promise<void> {
  await recordSubscriptionStatement(db, customerId, s, now).run();
}

export interface SubscriptionFacts {
  subscriptionId: string | null;
  status: string | null;
  isAnnual: boolean | null;
}

/**
 * The subscription's facts on the customer row (only what changed). With `claim`, written only while that queue
 * message holds the event's claim, so it can travel in the claim's own batch: a duplicate delivery writes nothing.
 */
export function recordSubscriptionStatement(db: D1Database, customerId: string, s: SubscriptionFacts, now: number, claim?: { eventId: string; token: string }): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO customers (id, first_seen_at, subscription_id, subscription_status, is_annual, updated_at)
       SELECT ?1, ?5, ?2, ?3, ?4, ?5 WHERE ?6 IS NULL OR EXISTS (SELECT 1 FROM events WHERE id = ?6 AND claim_token = ?7 AND status = 'claimed')
       ON CONFLICT (id) DO UPDATE SET subscription_id = COALESCE(excluded.subscription_id, customers.subscription_id),
         subscription_status = COALESCE(excluded.subscription_status, customers.subscription_status),
         is_annual = COALESCE(excluded.is_annual, customers.is_annual), updated_at = excluded.updated_at
       WHERE customers.subscription_id IS NOT COALESCE(excluded.subscription_id, customers.subscription_id)
          OR customers.subscription_status IS NOT COALESCE(excluded.subscription_status, customers.subscription_status)
          OR customers.is_annual IS NOT COALESCE(excluded.is_annual, customers.is_annual)`,
    )
    .bind(customerId, s.subscriptionId, s.status, s.isAnnual === null ? null : s.isAnnual ? 1 : 0, now, claim?.eventId ?? null, claim?.token ?? null);
}

export interface AccessView extends Access {
  customerId: string;
  label: string | null;
  note: string | null;
}

type OpenCaseRow = { id: string; opened_at: number; is_annual: number | null; grace_until: number | null; restricted_at: number | null };

/** The reads behind a customer's access state: the customer row and their open invoice cases. */
function accessReads(db: D1Database, customerId: string): D1PreparedStatement[] {
  return [
    db.prepare(`SELECT subscription_status, is_annual, state_label, state_note FROM customers WHERE id = ?1`).bind(customerId),
    // One-off payments never restrict a subscription's access: invoice cases only.
    db.prepare(`SELECT id, opened_at, is_annual, grace_until, restricted_at FROM cases WHERE customer_id = ?1 AND status = 'open' AND kind = 'invoice' ORDER BY opened_at`).bind(customerId),
  ];
}

function accessFrom(customerId: string, customer: D1Result, cases: D1Result, config: Pick<Config, "graceDaysMonthly" | "graceDaysAnnual">, now: number): AccessView | null {
  const c = (customer.results?.[0] ?? null) as CustomerSubscriptionRow | null;
  const open = (cases.results ?? []) as OpenCaseRow[];
  if (c === null && open.length === 0) return null;
  const isAnnual = c?.is_annual ?? open.find((o) => o.is_annual !== null)?.is_annual ?? null;
  const access = computeAccess(
    { subscriptionStatus: c?.subscription_status ?? null, isAnnual: isAnnual === null ? null : isAnnual === 1, openCases: open.map((o) => ({ id: o.id, openedAt: o.opened_at, graceUntil: o.grace_until, restrictedAt: o.restricted_at })) },
    config,
    now,
  );
  return { customerId, ...access, label: c?.state_label ?? null, note: c?.state_note ?? null };
}

export async function accessOf(db: D1Database, customerId: string, config: Pick<Config, "graceDaysMonthly" | "graceDaysAnnual">, now: number): Promise<AccessView | null> {
  const [customer, cases] = await db.batch(accessReads(db, customerId));
  return accessFrom(customerId, customer as D1Result, cases as D1Result, config, now);
}

/** A recorded change of access state: the view, and the id of its `access_changes` row. */
export interface AccessChange extends AccessView {
  changeId: number;
}

/**
 * Records the access state when it changed since the last record. Returns the new state when it changed.
 * `alongside` (the event's finish) is written in the same batch as the change, or alone when nothing changed: an
 * event is never finished without its access change.
 */
export async function refreshAccess(
  db: D1Database,
  customerId: string,
  config: Pick<Config, "graceDaysMonthly" | "graceDaysAnnual">,
  eventId: string | null,
  now: number,
  alongside: readonly D1PreparedStatement[] = [],
): Promise<AccessChange | null> {
  // The current state and the last recorded one, in one round trip.
  const [customer, cases, lastRows] = await db.batch([
    ...accessReads(db, customerId),
    db.prepare(`SELECT state, grace_until FROM access_changes WHERE customer_id = ?1 ORDER BY id DESC LIMIT 1`).bind(customerId),
  ]);
  const view = accessFrom(customerId, customer as D1Result, cases as D1Result, config, now);
  const last = ((lastRows as D1Result).results?.[0] ?? null) as { state: string; grace_until: number | null } | null;
  const unchanged = view === null || (last !== null && last.state === view.state && last.grace_until === view.graceUntil) || (last === null && view.state === "active");
  if (unchanged) {
    if (alongside.length > 0) await db.batch([...alongside]);
    return null;
  }
  const [row] = await db.batch([
    db.prepare(`INSERT INTO access_changes (customer_id, state, grace_until, reason, event_id, changed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id`).bind(customerId, view.state, view.graceUntil, view.reason, eventId, now),
    ...alongside,
  ]);
  const id = ((row as D1Result).results?.[0] as { id: number } | undefined)?.id;
  if (id === undefined) throw new Error("access_changes insert returned no row");
  return { ...view, changeId: id };
}
