/**
 * @module dashboard/outbox-page
 * GET /admin/outbox?format=html: the local outbox as a page. Emails link to their rendered HTML; Slack messages
 * are shown as a readable Block Kit preview (`slack-preview.ts`) with their JSON one click away.
 */
import type { OutboxRow } from "../../ledger/outbox.ts";
import { formatTime } from "./format.ts";
import { adminHref, html, trusted } from "./html.ts";
import { SLACK_PREVIEW_STYLE, slackPreview } from "./slack-preview.ts";

function parse(value: string | null): unknown {
  if (value === null) return null;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

const STYLE = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:24px;color:#111827}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top}th{font-size:12px;color:#6b7280;text-transform:uppercase}a{color:#1d4ed8}.muted{color:#6b7280}
${SLACK_PREVIEW_STYLE}`;

function content(o: OutboxRow): unknown {
  if (o.kind === "email") return o.subject ?? (o.text ?? "").slice(0, 120);
  const blocks = parse(o.blocks);
  return slackPreview({ text: o.text, blocks, json: { text: o.text, blocks }, href: `/admin/outbox/${o.id}` });
}

export function renderOutboxPage(items: OutboxRow[]): string {
  const rows = items.map(
    (o) => html`<tr data-testid="outbox-row" data-kind="${o.kind}"><td><a href="${`/admin/outbox/${o.id}`}">#${o.id}</a></td><td>${o.kind}</td><td>${o.recipient}</td>
<td>${content(o)}</td><td>${o.template_id ?? ""}</td>
<td>${o.event_id !== null ? html`<a href="${adminHref("events", o.event_id)}">${o.event_id}</a>` : ""}</td>
<td>${o.customer_id !== null ? html`<a href="${adminHref("customers", o.customer_id)}">${o.customer_id}</a>` : ""}</td><td>${formatTime(o.created_at)}</td></tr>`,
  );
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Outbox</title><style>${trusted(STYLE)}</style></head>
<body><p><a href="/admin">← dashboard</a> · <a href="/admin/outbox">JSON</a></p><h1>Outbox (${items.length})</h1>
${items.length === 0 ? html`<p>Empty: nothing was sent to the local outbox.</p>` : html`<table><thead><tr><th>#</th><th>Kind</th><th>To</th><th>Subject / message</th><th>Template</th><th>Event</th><th>Customer</th><th>Created</th></tr></thead><tbody>${rows}</tbody></table>`}
</body></html>`.value;
}
