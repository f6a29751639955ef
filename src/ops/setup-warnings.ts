/**
 * @module ops/setup-warnings
 * Problems with the operator's setup that the agent meets at run time (the Stripe customer portal was never saved
 * in this mode) or can tell from its config (no Stripe key). Each is kept once, with when it was last seen, and
 * shown on the dashboard and in `GET /admin/metrics` until it has not recurred for a week.
 */
import type { Config } from "../config.ts";

export type SetupWarningKind = "portal_not_configured";

export interface SetupWarning {
  kind: SetupWarningKind | "stripe_key_missing";
  message: string;
  lastSeenAt: number | null;
}

const MESSAGES: Record<SetupWarning["kind"], string> = {
  portal_not_configured:
    "Customer portal not configured: Stripe refused to open a billing-portal session. Save the customer portal settings in the Stripe Dashboard (Settings → Billing → Customer portal) in this mode, with payment-method updates allowed. Until then card-update links open the hosted invoice page.",
  stripe_key_missing: "No STRIPE_SECRET_KEY: coupons, retries and billing-portal links are unavailable (recorded as such); emails and Slack still work.",
};

const PERIOD = "setup";
const SHOWN_FOR_MS = 7 * 86400_000;

/** Records that a setup problem was seen now (one row per kind; the time is refreshed). */
export async function recordSetupWarning(db: D1Database, kind: SetupWarningKind, now: number): Promise<void> {
  await db
    .prepare(`INSERT INTO alerts (kind, period, sent_at) VALUES (?1, ?2, ?3) ON CONFLICT (kind, period) DO UPDATE SET sent_at = excluded.sent_at`)
    .bind(kind, PERIOD, now)
    .run();
}

/** The warnings to show now: recorded ones seen within a week, plus what the config itself tells. */
export async function setupWarnings(db: D1Database, config: Config, now: number): Promise<SetupWarning[]> {
  const rows = await db.prepare(`SELECT kind, sent_at FROM alerts WHERE period = ?1 AND sent_at >= ?2`).bind(PERIOD, now - SHOWN_FOR_MS).all<{ kind: SetupWarningKind; sent_at: number }>();
  const out: SetupWarning[] = rows.results.filter((r) => r.kind in MESSAGES).map((r) => ({ kind: r.kind, message: MESSAGES[r.kind], lastSeenAt: r.sent_at }));
  if (config.stripeSecretKey === null) out.push({ kind: "stripe_key_missing", message: MESSAGES.stripe_key_missing, lastSeenAt: null });
  return out;
}
