/** @module ledger/outbox — the local outbox: where emails and Slack messages go when no provider is configured. */

export interface OutboxItem {
  kind: "email" | "slack";
  recipient: string;
  subject: string | null;
  html: string | null;
  text: string | null;
  blocks: unknown;
  templateId: string | null;
  eventId: string | null;
  caseId: string | null;
  customerId: string | null;
  idempotencyKey: string;
  /** An email's Reply-To and our own Message-ID. */
  replyTo?: string | null;
  messageId?: string | null;
}

export interface OutboxRow {
  id: number;
  kind: "email" | "slack";
  recipient: string;
  subject: string | null;
  html: string | null;
  text: string | null;
  blocks: string | null;
  template_id: string | null;
  event_id: string | null;
  case_id: string | null;
  customer_id: string | null;
  idempotency_key: string | null;
  created_at: number;
  reply_to: string | null;
  message_id: string | null;
}

/** Writes to the outbox once per idempotency key; returns the row id (existing one on a repeat). */
export async function putOutbox(db: D1Database, item: OutboxItem, now: number): Promise<number> {
  const r = await db
    .prepare(
      `INSERT INTO outbox (kind, recipient, subject, html, text, blocks, template_id, event_id, case_id, customer_id, idempotency_key, created_at, reply_to, message_id)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
       ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = excluded.idempotency_key RETURNING id`,
    )
    .bind(
      item.kind,
      item.recipient,
      item.subject,
      item.html,
      item.text,
      item.blocks === null || item.blocks === undefined ? null : JSON.stringify(item.blocks),
      item.templateId,
      item.eventId,
      item.caseId,
      item.customerId,
      item.idempotencyKey,
      now,
      item.replyTo ?? null,
      item.messageId ?? null,
    )
    .first<{ id: number }>();
  if (!r) throw new Error("outbox write failed");
  return r.id;
}

export async function listOutbox(db: D1Database, limit = 200, kind?: "email" | "slack"): Promise<OutboxRow[]> {
  const q = kind
    ? db.prepare(`SELECT * FROM outbox WHERE kind = ?2 ORDER BY id DESC LIMIT ?1`).bind(limit, kind)
    : db.prepare(`SELECT * FROM outbox ORDER BY id DESC LIMIT ?1`).bind(limit);
  return (await q.all<OutboxRow>()).results;
}

export async function getOutboxItem(db: D1Database, id: number): Promise<OutboxRow | null> {
  return db.prepare(`SELECT * FROM outbox WHERE id = ?1`).bind(id).first<OutboxRow>();
}
