/** @module ledger/access — the facts behind a customer's access state, and the record of every change. */
import { computeAccess, type Access } from "../access/state.ts";
import type { Config } from "../config.ts";

interface CustomerSubscriptionRow {
  subscription_status: string | null;
  is_annual: number | null;
  state_label: string | null;
  state_note: string | null;
}

export async function recordSubscription(db: D1Database, customerId: string, s: { subscriptionId: string | null; status: string | null; isAnnual: boolean | null }, now: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO customers (id, first_seen_at, subscription_id, subscription_status, is_annual, updated_at) VALUES (?1, ?5, ?2, ?3, ?4, ?5)
       ON CONFLICT (id) DO UPDATE SET subscription_id = COALESCE(excluded.subscription_id, customers.subscription_id),
         subscription_status = COALESCE(excluded.subscription_status, customers.subscription_status),
         is_annual = COALESCE(excluded.is_annual, customers.is_annual), updated_at = excluded.updated_at
       WHERE customers.subscription_id IS NOT COALESCE(excluded.subscription_id, customers.subscription_id)
          OR customers.subscription_status IS NOT COALESCE(excluded.subscription_status, customers.subscription_status)
          OR customers.is_annual IS NOT COALESCE(excluded.is_annual, customers.is_annual)`,
    )
    .bind(customerId, s.subscriptionId, s.status, s.isAnnual === null ? null : s.isAnnual ? 1 : 0, now)
    .run();
}

export interface AccessView extends Access {
  customerId: string;
  label: string | null;
  note: string | null;
}

export async function accessOf(db: D1Database, customerId: string, config: Pick<Config, "graceDaysMonthly" | "graceDaysAnnual">, now: number): Promise<AccessView | null> {
  const [c, openRows] = await Promise.all([
    db.prepare(`SELECT subscription_status, is_annual, state_label, state_note FROM customers WHERE id = ?1`).bind(customerId).first<CustomerSubscriptionRow>(),
    // One-off payments never restrict a subscription's access: invoice cases only.
    db
      .prepare(`SELECT id, opened_at, is_annual, grace_until, restricted_at FROM cases WHERE customer_id = ?1 AND status = 'open' AND kind = 'invoice' ORDER BY opened_at`)
      .bind(customerId)
      .all<{ id: string; opened_at: number; is_annual: number | null; grace_until: number | null; restricted_at: number | null }>(),
  ]);
  const open = openRows.results;
  if (c === null && open.length === 0) return null;
  const isAnnual = c?.is_annual ?? open.find((o) => o.is_annual !== null)?.is_annual ?? null;
  const access = computeAccess(
    { subscriptionStatus: c?.subscription_status ?? null, isAnnual: isAnnual === null ? null : isAnnual === 1, openCases: open.map((o) => ({ id: o.id, openedAt: o.opened_at, graceUntil: o.grace_until, restrictedAt: o.restricted_at })) },
    config,
    now,
  );
  return { customerId, ...access, label: c?.state_label ?? null, note: c?.state_note ?? null };
}

/** A recorded change of access state: the view, and the id of its `access_changes` row. */
export interface AccessChange extends AccessView {
  changeId: number;
}

/** Records the access state when it changed since the last record. Returns the new state when it changed. */
export async function refreshAccess(db: D1Database, customerId: string, config: Pick<Config, "graceDaysMonthly" | "graceDaysAnnual">, eventId: string | null, now: number): Promise<AccessChange | null> {
  // The last recorded state is read alongside the current one (one round trip instead of two).
  const [view, last] = await Promise.all([
    accessOf(db, customerId, config, now),
    db.prepare(`SELECT state, grace_until FROM access_changes WHERE customer_id = ?1 ORDER BY id DESC LIMIT 1`).bind(customerId).first<{ state: string; grace_until: number | null }>(),
  ]);
  if (view === null) return null;
  if (last !== null && last.state === view.state && last.grace_until === view.graceUntil) return null;
  if (last === null && view.state === "active") return null;
  const row = await db
    .prepare(`INSERT INTO access_changes (customer_id, state, grace_until, reason, event_id, changed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id`)
    .bind(customerId, view.state, view.graceUntil, view.reason, eventId, now)
    .first<{ id: number }>();
  if (row === null) throw new Error("access_changes insert returned no row");
  return { ...view, changeId: row.id };
}
