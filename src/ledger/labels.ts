/**
 * @module ledger/labels
 * Team labels: restrictions on what anyone may do for a customer, set by people (the admin route, the Stripe
 * customer's `recovery_agent_label` metadata), by the customer (the unsubscribe link) or by bounces; never by
 * the agent. One entry per source, so clearing the admin entry never lifts the Stripe one. Also the customer's
 * fraud history, which is as sticky as a label.
 */

/** The ledger reads behind an executor's refusal, made for one act after its decision was taken (dunning/act-facts.ts). */
export interface RefusalReads {
  labels: LabelEntry[];
  fraud: boolean;
}

/** Most restrictive first. */
export const TEAM_LABELS = ["paused", "do_not_contact", "email_undeliverable", "no_offers"] as const;
export type TeamLabel = (typeof TEAM_LABELS)[number];
export const LABEL_SOURCES = ["admin", "stripe_metadata", "unsubscribe", "bounce"] as const;
export type LabelSource = (typeof LABEL_SOURCES)[number];

/** What each label forbids. */
export const LABEL_MEANING: Record<TeamLabel, string> = {
  paused: "no customer contact and no retries until a person clears it; Slack notes still flow",
  do_not_contact: "no email and no offer; Stripe's own retries continue",
  email_undeliverable: "no email (the address bounced or complained); reach the customer another way",
  no_offers: "no discount offers; recovery emails still go out",
};

/** The kinds of side effect a label can forbid, and which labels forbid each (most restrictive first). */
export type LabelledEffect = "email" | "offer" | "retry";
const FORBIDDEN_BY: Record<LabelledEffect, readonly TeamLabel[]> = {
  email: ["paused", "do_not_contact", "email_undeliverable"],
  offer: ["paused", "do_not_contact", "email_undeliverable", "no_offers"],
  retry: ["paused"],
};

/** The first label (most restrictive first) that forbids this kind of effect, or null. Used by the gate and the executors. */
export function labelForbidding(effect: LabelledEffect, labels: readonly TeamLabel[]): TeamLabel | null {
  return FORBIDDEN_BY[effect].find((l) => labels.includes(l)) ?? null;
}

/** Labels the team may set through the admin route or Stripe metadata. */
export const TEAM_SETTABLE_LABELS = ["do_not_contact", "paused", "no_offers"] as const satisfies readonly TeamLabel[];

export interface LabelEntry {
  label: TeamLabel;
  setBy: LabelSource;
  note: string | null;
  at: number;
}

interface LabelRow {
  label: TeamLabel;
  set_by: LabelSource;
  note: string | null;
  at: number;
}

export const isTeamLabel = (v: unknown): v is TeamLabel => typeof v === "string" && (TEAM_LABELS as readonly string[]).includes(v);

/** The customer's labels, most restrictive first. */
export async function labelsOf(db: D1Database, customerId: string): Promise<LabelEntry[]> {
  const r = await db.prepare(`SELECT label, set_by, note, at FROM customer_labels WHERE customer_id = ?1`).bind(customerId).all<LabelRow>();
  return r.results
    .map((row) => ({ label: row.label, setBy: row.set_by, note: row.note, at: row.at }))
    .sort((a, b) => TEAM_LABELS.indexOf(a.label) - TEAM_LABELS.indexOf(b.label) || a.at - b.at);
}

/** The most restrictive label, or null. */
export function mostRestrictive(labels: readonly { label: TeamLabel }[]): TeamLabel | null {
  let best: TeamLabel | null = null;
  for (const l of labels) if (best === null || TEAM_LABELS.indexOf(l.label) < TEAM_LABELS.indexOf(best)) best = l.label;
  return best;
}

/** Sets (or replaces) one source's label for a customer. */
export async function putLabel(db: D1Database, customerId: string, entry: { label: TeamLabel; setBy: LabelSource; note: string | null }, now: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO customer_labels (customer_id, set_by, label, note, at) VALUES (?1, ?2, ?3, ?4, ?5)
       ON CONFLICT (customer_id, set_by) DO UPDATE SET label = excluded.label, note = excluded.note, at = excluded.at`,
    )
    .bind(customerId, entry.setBy, entry.label, entry.note, now)
    .run();
}

/** Removes one source's label; true when there was one. */
export async function removeLabel(db: D1Database, customerId: string, setBy: LabelSource): Promise<boolean> {
  const r = await db.prepare(`DELETE FROM customer_labels WHERE customer_id = ?1 AND set_by = ?2 RETURNING label`).bind(customerId, setBy).first();
  return r !== null;
}

/**
 * Mirrors the Stripe customer's `recovery_agent_label` metadata: a known label becomes the `stripe_metadata`
 * entry, an absent (or emptied) key removes it. An unknown value is not a label: the entry is removed and the
 * caller logs the value. Writes only when something changes.
 */
export async function syncStripeLabel(db: D1Database, customerId: string, value: string | null, now: number): Promise<"set" | "removed" | "unchanged" | "invalid"> {
  const current = await db
    .prepare(`SELECT label FROM customer_labels WHERE customer_id = ?1 AND set_by = 'stripe_metadata'`)
    .bind(customerId)
    .first<{ label: string }>();
  const wanted = value !== null && (TEAM_SETTABLE_LABELS as readonly string[]).includes(value) ? (value as TeamLabel) : null;
  if (wanted === null) {
    if (current !== null) await removeLabel(db, customerId, "stripe_metadata");
    if (value !== null && value.trim() !== "") return "invalid";
    return current !== null ? "removed" : "unchanged";
  }
  if (current?.label === wanted) return "unchanged";
  await putLabel(db, customerId, { label: wanted, setBy: "stripe_metadata", note: "Stripe customer metadata recovery_agent_label" }, now);
  return "set";
}

/** Fraud is sticky: a suspected-fraud case that is open, or closed within this window, blocks offers and card requests. */
export const FRAUD_MEMORY_MS = 180 * 86400_000;

export async function hasFraudHistory(db: D1Database, customerId: string, now: number): Promise<boolean> {
  const r = await db
    .prepare(`SELECT 1 AS x FROM cases WHERE customer_id = ?1 AND reason = 'fraud_suspected' AND (status = 'open' OR closed_at >= ?2) LIMIT 1`)
    .bind(customerId, now - FRAUD_MEMORY_MS)
    .first();
  return r !== null;
}
