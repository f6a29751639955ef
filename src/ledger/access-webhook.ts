/**
 * @module ledger/access-webhook
 * The delivery state of each access change to ACCESS_WEBHOOK_URL, kept on its `access_changes` row
 * (migration 0013): pending -> queued -> delivered | failed; held while the kill switch is on.
 */

export type WebhookState = "pending" | "queued" | "delivered" | "failed" | "held";

export interface AccessChangeRow {
  id: number;
  customer_id: string;
  state: string;
  grace_until: number | null;
  reason: string | null;
  event_id: string | null;
  changed_at: number;
  webhook_state: WebhookState | null;
  webhook_attempts: number;
  webhook_error: string | null;
  webhook_delivered_at: number | null;
}

export async function getAccessChange(db: D1Database, id: number): Promise<AccessChangeRow | null> {
  return db.prepare(`SELECT * FROM access_changes WHERE id = ?1`).bind(id).first<AccessChangeRow>();
}

export async function setWebhookState(db: D1Database, id: number, state: WebhookState): Promise<void> {
  await db.prepare(`UPDATE access_changes SET webhook_state = ?2 WHERE id = ?1`).bind(id, state).run();
}

/** One delivery attempt's outcome: delivered, or the error that will be retried. */
export async function recordWebhookAttempt(db: D1Database, id: number, outcome: { delivered: true; at: number } | { delivered: false; error: string }): Promise<void> {
  if (outcome.delivered) {
    await db
      .prepare(`UPDATE access_changes SET webhook_state = 'delivered', webhook_attempts = webhook_attempts + 1, webhook_error = NULL, webhook_delivered_at = ?2 WHERE id = ?1`)
      .bind(id, outcome.at)
      .run();
  } else {
    await db.prepare(`UPDATE access_changes SET webhook_attempts = webhook_attempts + 1, webhook_error = ?2 WHERE id = ?1`).bind(id, outcome.error.slice(0, 500)).run();
  }
}

/** Retries exhausted (the dead-letter consumer): the last error stays beside the state. */
export async function markWebhookFailed(db: D1Database, id: number): Promise<void> {
  await db.prepare(`UPDATE access_changes SET webhook_state = 'failed', webhook_error = COALESCE(webhook_error, 'retries exhausted') WHERE id = ?1 AND webhook_state IS NOT 'delivered'`).bind(id).run();
}

/**
 * Notices to (re-)enqueue: pending ones whose enqueue failed (older than `settledBefore`, so a change being
 * enqueued right now is not taken twice) and held ones, changed since `since`. Oldest first.
 */
export async function undeliveredChanges(db: D1Database, settledBefore: number, since: number, limit: number): Promise<Array<{ id: number; customer_id: string }>> {
  const rows = await db
    .prepare(
      `SELECT id, customer_id FROM access_changes
       WHERE webhook_state IN ('pending', 'held') AND changed_at >= ?2 AND (webhook_state = 'held' OR changed_at < ?1)
       ORDER BY id LIMIT ?3`,
    )
    .bind(settledBefore, since, limit)
    .all<{ id: number; customer_id: string }>();
  return rows.results;
}
