/**
 * @module ledger/campaign
 * The campaign facts on a case: when it started (its first failure), the grace end (only ever moves later; frozen
 * once the dated warning went out), when that warning went out, the customer's zone, and the restriction.
 */

/**
 * Starts the campaign once, with its step jobs, in one round trip: the row's start, grace end and zone are set only
 * when unset, and the jobs are inserted once per id (a later call changes nothing).
 */
export async function startCampaignWithJobs(
  db: D1Database,
  caseId: string,
  f: { startedAt: number; graceUntil: number; zone: string },
  jobs: Array<{ id: string; kind: string; customerId: string; dueAt: number; payload: unknown }>,
  now: number,
): Promise<void> {
  await db.batch([
    db.prepare(`UPDATE cases SET campaign_started_at = ?2, grace_until = ?3, customer_zone = ?4, updated_at = ?5 WHERE id = ?1 AND campaign_started_at IS NULL`).bind(caseId, f.startedAt, f.graceUntil, f.zone, now),
    ...jobs.map((j) =>
      db
        .prepare(
          `INSERT INTO scheduled_jobs (id, kind, case_id, customer_id, due_at, payload, status, created_at, updated_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?7) ON CONFLICT (id) DO NOTHING`,
        )
        .bind(j.id, j.kind, caseId, j.customerId, j.dueAt, JSON.stringify(j.payload), now),
    ),
  ]);
}

/**
 * The dated warning went out: the grace ends no earlier than 48 h after it, and is frozen from now on (the email
 * and the access endpoint name the same instant). Returns the grace end.
 */
export async function markWarned(db: D1Database, caseId: string, at: number, minNoticeMs: number): Promise<number | null> {
  const r = await db
    .prepare(
      `UPDATE cases SET warned_at = ?2, grace_until = MAX(COALESCE(grace_until, 0), ?3), updated_at = ?2
       WHERE id = ?1 AND warned_at IS NULL RETURNING grace_until`,
    )
    .bind(caseId, at, at + minNoticeMs)
    .first<{ grace_until: number }>();
  if (r !== null) return r.grace_until;
  const row = await db.prepare(`SELECT grace_until FROM cases WHERE id = ?1`).bind(caseId).first<{ grace_until: number | null }>();
  return row?.grace_until ?? null;
}

/** Moves the grace end later (never earlier), unless the warning already froze it. */
export async function extendGrace(db: D1Database, caseId: string, until: number, now: number): Promise<void> {
  await db.prepare(`UPDATE cases SET grace_until = MAX(COALESCE(grace_until, 0), ?2), updated_at = ?3 WHERE id = ?1 AND warned_at IS NULL`).bind(caseId, until, now).run();
}

/** The restriction step restricted the case's access (once). */
export async function markRestricted(db: D1Database, caseId: string, at: number): Promise<boolean> {
  const r = await db.prepare(`UPDATE cases SET restricted_at = ?2, updated_at = ?2 WHERE id = ?1 AND status = 'open' AND restricted_at IS NULL RETURNING id`).bind(caseId, at).first<{ id: string }>();
  return r !== null;
}
