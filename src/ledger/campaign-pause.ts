/**
 * @module ledger/campaign-pause
 * A customer's promise to pay pauses the campaign of their case: its customer steps wait until `paused_until`
 * (the campaign skips customer contact while `paused_until > now` and runs again at `paused_until`), and the access
 * grace moves later by the pause that was added, so the customer is not restricted during the days they asked for.
 */

export interface CampaignPause {
  pausedUntil: number;
  graceUntil: number | null;
}

/**
 * Sets `paused_until = max(existing, untilMs)` and moves `grace_until` later by the pause added (from the later of
 * now and the existing pause to the new end). `grace_until` only moves later, and stays null when it is null.
 * One statement, so two replies at once cannot add the same days twice. Returns the case's new values, or null
 * when there is no such case.
 */
export async function pauseCampaign(db: D1Database, caseId: string, untilMs: number, now: number): Promise<CampaignPause | null> {
  const row = await db
    .prepare(
      `UPDATE cases SET
         grace_until = CASE WHEN grace_until IS NULL THEN NULL
                            ELSE grace_until + MAX(0, ?2 - MAX(?3, COALESCE(paused_until, 0))) END,
         paused_until = MAX(COALESCE(paused_until, 0), ?2),
         updated_at = ?3
       WHERE id = ?1
       RETURNING paused_until, grace_until`,
    )
    .bind(caseId, untilMs, now)
    .first<{ paused_until: number; grace_until: number | null }>();
  return row === null ? null : { pausedUntil: row.paused_until, graceUntil: row.grace_until };
}

/** Far enough that the campaign never reaches it: reminders stop until a person decides. */
export const REMINDERS_STOPPED_UNTIL = Date.UTC(9999, 0, 1);

/**
 * The customer wants to cancel: no more reminders (paused with no end), the grace unchanged, and the wish recorded
 * (`cancel_intent_at`, first time only).
 */
export async function stopReminders(db: D1Database, caseId: string, now: number): Promise<boolean> {
  const r = await db
    .prepare(`UPDATE cases SET paused_until = ?2, cancel_intent_at = COALESCE(cancel_intent_at, ?3), updated_at = ?3 WHERE id = ?1 RETURNING id`)
    .bind(caseId, REMINDERS_STOPPED_UNTIL, now)
    .first<{ id: string }>();
  return r !== null;
}
