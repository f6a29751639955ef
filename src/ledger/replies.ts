/**
 * @module ledger/replies
 * Customer replies (`case_replies`, one row per received message, by its Message-ID) and the Message-IDs of the
 * emails we sent (`sent_messages`), which match a reply to its case when the client dropped the plus-tag.
 */

export type ReplyClass = "human" | "auto" | "forged";

export interface ReplyRow {
  id: number;
  case_id: string | null;
  customer_id: string | null;
  message_id: string;
  event_id: string;
  received_at: number;
  class: ReplyClass;
  summary: string | null;
  action: string | null;
  forwarded_at: number | null;
}

export interface NewReply {
  caseId: string | null;
  customerId: string | null;
  messageId: string;
  eventId: string;
  class: ReplyClass;
  summary: string | null;
  action: string | null;
}

/**
 * Records a received message once. Returns the row and whether this call created it (false: a redelivery of a
 * message already recorded, which must not be forwarded or decided again).
 */
export async function recordReply(db: D1Database, reply: NewReply, now: number): Promise<{ row: ReplyRow; created: boolean }> {
  const created = await db
    .prepare(
      `INSERT INTO case_replies (case_id, customer_id, message_id, event_id, received_at, class, summary, action)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
       ON CONFLICT (message_id) DO NOTHING RETURNING *`,
    )
    .bind(reply.caseId, reply.customerId, reply.messageId, reply.eventId, now, reply.class, reply.summary, reply.action)
    .first<ReplyRow>();
  if (created !== null) return { row: created, created: true };
  const existing = await db.prepare(`SELECT * FROM case_replies WHERE message_id = ?1`).bind(reply.messageId).first<ReplyRow>();
  if (existing === null) throw new Error("reply could not be recorded");
  return { row: existing, created: false };
}

/** Claims the forward of a reply (first caller wins): true when this caller should forward it. */
export async function claimForward(db: D1Database, replyId: number, now: number): Promise<boolean> {
  const r = await db.prepare(`UPDATE case_replies SET forwarded_at = ?2 WHERE id = ?1 AND forwarded_at IS NULL RETURNING id`).bind(replyId, now).first();
  return r !== null;
}

/** Gives a forward back when it failed, so a redelivery tries again. */
export async function releaseForward(db: D1Database, replyId: number): Promise<void> {
  await db.prepare(`UPDATE case_replies SET forwarded_at = NULL WHERE id = ?1`).bind(replyId).run();
}

export async function getReply(db: D1Database, replyId: number): Promise<ReplyRow | null> {
  return db.prepare(`SELECT * FROM case_replies WHERE id = ?1`).bind(replyId).first<ReplyRow>();
}

/** What was done about a reply (the reply tool, or ignored) and its summary for the team. */
export async function setReplyAction(db: D1Database, replyId: number, action: string, summary: string | null): Promise<void> {
  await db.prepare(`UPDATE case_replies SET action = ?2, summary = COALESCE(?3, summary) WHERE id = ?1`).bind(replyId, action, summary).run();
}

export async function repliesForCustomer(db: D1Database, customerId: string, limit = 200): Promise<ReplyRow[]> {
  const r = await db.prepare(`SELECT * FROM case_replies WHERE customer_id = ?1 ORDER BY received_at DESC, id DESC LIMIT ?2`).bind(customerId, limit).all<ReplyRow>();
  return r.results;
}

/** Remembers an email we sent by its Message-ID (idempotent). */
export async function recordSentMessage(db: D1Database, m: { messageId: string; caseId: string | null; customerId: string }, now: number): Promise<void> {
  await db.prepare(`INSERT INTO sent_messages (message_id, case_id, customer_id, sent_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (message_id) DO NOTHING`).bind(m.messageId, m.caseId, m.customerId, now).run();
}

/** The case of the first of these Message-IDs (In-Reply-To, then References newest first) that we sent. */
export async function caseOfSentMessages(db: D1Database, messageIds: readonly string[]): Promise<{ caseId: string; customerId: string } | null> {
  for (const id of messageIds.slice(0, 20)) {
    const r = await db.prepare(`SELECT case_id, customer_id FROM sent_messages WHERE message_id = ?1 AND case_id IS NOT NULL`).bind(id).first<{ case_id: string; customer_id: string }>();
    if (r !== null) return { caseId: r.case_id, customerId: r.customer_id };
  }
  return null;
}
