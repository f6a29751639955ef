/**
 * @module ledger/link-clicks
 * A person pressed the button of a link we sent (`link_clicks`, migration 0011; GET alone never counts, since
 * link scanners only GET), and the Stripe sessions each link token opened (`link_sessions`, migration 0014)
 * for the "at most 5 sessions per token per hour" rule.
 */

export type ClickKind = "update" | "unsubscribe";

export interface ClickInput {
  caseId: string | null;
  customerId: string;
  /** The template of the email the link came from (null for links signed before templates were named). */
  template: string | null;
  kind: ClickKind;
}

export async function recordClick(db: D1Database, click: ClickInput, now: number): Promise<void> {
  await db
    .prepare(`INSERT INTO link_clicks (case_id, customer_id, template, kind, clicked_at) VALUES (?1, ?2, ?3, ?4, ?5)`)
    .bind(click.caseId, click.customerId, click.template, click.kind, now)
    .run();
}

/** Stripe sessions one token may open per window. */
export const MAX_SESSIONS_PER_TOKEN = 5;
export const SESSION_WINDOW_MS = 3600_000;

/**
 * Claims one Stripe session for a token: true when fewer than MAX_SESSIONS_PER_TOKEN were opened in the last
 * hour (a sliding window). One statement, so two presses at once cannot both take the fifth place.
 */
export async function claimLinkSession(db: D1Database, tokenKey: string, caseId: string | null, now: number): Promise<boolean> {
  // Rows older than the window are never read again: dropped as the token is used (the table stays small).
  const [, claimed] = await db.batch([
    db.prepare(`DELETE FROM link_sessions WHERE token_key = ?1 AND at <= ?2 - ?3`).bind(tokenKey, now, SESSION_WINDOW_MS),
    db
      .prepare(
        `INSERT INTO link_sessions (token_key, at, case_id)
         SELECT ?1, ?2, ?3 WHERE (SELECT COUNT(*) FROM link_sessions WHERE token_key = ?1 AND at > ?2 - ?4) < ?5
         RETURNING at`,
      )
      .bind(tokenKey, now, caseId, SESSION_WINDOW_MS, MAX_SESSIONS_PER_TOKEN),
  ]);
  return (claimed?.results.length ?? 0) > 0;
}
