/**
 * @module scripts/lib/demo-replies
 * The demo's last act: three customers answer their recovery email (a promise to pay, a cancel request, an
 * out-of-office), sent to the Worker's `email` handler the way `wrangler dev` accepts test emails, and what the
 * agent did with each, read from the ledger.
 */
import { sleep } from "./proc.ts";
import { sendReplyEmail } from "./reply-email.ts";
import { d1Query, sqlString } from "./wrangler.ts";

export const DEMO_REPLIES = ["fixtures/replies/promise-en.eml", "fixtures/replies/cancel-de.eml", "fixtures/replies/ooo-en.eml"] as const;

export interface DemoReplyRow {
  file: string;
  caseId: string;
  to: string;
  status: number;
  class: string | null;
  action: string | null;
  summary: string | null;
}

/** Sends one reply per open invoice case (up to three) and waits until each is decided or recorded. */
export async function runDemoReplies(o: { base: string; d1: string; persist: string; signingSecret: string; replyAddress: string; timeoutSeconds: number }): Promise<DemoReplyRow[]> {
  const cases = ((await d1Query<{ id: string }>(o.d1, o.persist, "SELECT id FROM cases WHERE status = 'open' AND kind = 'invoice' ORDER BY opened_at LIMIT 3"))[0] ?? []).map((r) => r.id);
  const rows: DemoReplyRow[] = [];
  for (const [i, caseId] of cases.entries()) {
    const file = DEMO_REPLIES[i] ?? DEMO_REPLIES[0];
    const r = await sendReplyEmail({ baseUrl: o.base, file, caseId, signingSecret: o.signingSecret, replyAddress: o.replyAddress, from: "customer@example.net" });
    rows.push({ file, caseId, to: r.to, status: r.status, class: null, action: null, summary: null });
  }
  if (rows.length === 0) return rows;
  const deadline = Date.now() + o.timeoutSeconds * 1000;
  for (;;) {
    const sql = `SELECT case_id, class, action, summary FROM case_replies WHERE case_id IN (${rows.map((r) => sqlString(r.caseId)).join(", ")}) ORDER BY id`;
    const found = ((await d1Query<{ case_id: string; class: string; action: string | null; summary: string | null }>(o.d1, o.persist, sql).catch(() => [[]]))[0] ?? []) as Array<{ case_id: string; class: string; action: string | null; summary: string | null }>;
    for (const row of rows) {
      const f = found.filter((x) => x.case_id === row.caseId).at(-1);
      if (f) Object.assign(row, { class: f.class, action: f.action, summary: f.summary });
    }
    if (rows.every((r) => r.action !== null && r.action !== "pending") || Date.now() >= deadline) return rows;
    await sleep(1_000);
  }
}
