/**
 * @module dashboard/slack-preview
 * A Slack message from the outbox as a person would read it in Slack: Block Kit rendered as plain HTML (header,
 * sections and their fields, context, buttons as labels, dividers), with the JSON one click away. Pure; every
 * string is escaped (`html`), mrkdwn reduced to bold, code, links (their labels) and line breaks.
 */
import { html, type SafeHtml } from "./html.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const textOf = (v: unknown): string => (isObj(v) && typeof v.text === "string" ? v.text : typeof v === "string" ? v : "");

/** Slack escapes &, < and > in message text; undo it before our own escaping. */
const unslack = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** mrkdwn -> HTML: *bold*, `code`, <url|label> (shown as its label), line breaks. Everything else stays text. */
export function mrkdwn(text: string): SafeHtml {
  const parts = text.split(/(<[^<>\s][^<>]*>|\*[^*\n]+\*|`[^`\n]+`|\n)/);
  return html`${parts.map((p) => {
    if (p === "\n") return html`<br>`;
    if (/^<[^<>]+>$/.test(p)) {
      const [url, label] = p.slice(1, -1).split("|");
      return html`<span class="sk-link" title="${unslack(url ?? "")}">${unslack(label ?? url ?? "")}</span>`;
    }
    if (/^\*[^*\n]+\*$/.test(p)) return html`<strong>${unslack(p.slice(1, -1))}</strong>`;
    if (/^`[^`\n]+`$/.test(p)) return html`<code>${unslack(p.slice(1, -1))}</code>`;
    return unslack(p);
  })}`;
}

function block(b: unknown): SafeHtml {
  if (!isObj(b)) return html``;
  switch (b.type) {
    case "header":
      return html`<div class="sk-header" data-testid="slack-header">${textOf(b.text)}</div>`;
    case "section": {
      const fields = Array.isArray(b.fields) ? b.fields : [];
      return html`<div class="sk-section">${b.text !== undefined ? html`<div>${mrkdwn(textOf(b.text))}</div>` : ""}${
        fields.length > 0 ? html`<div class="sk-fields">${fields.map((f) => html`<div class="sk-field" data-testid="slack-field">${mrkdwn(textOf(f))}</div>`)}</div>` : ""
      }</div>`;
    }
    case "context": {
      const elements = Array.isArray(b.elements) ? b.elements : [];
      return html`<div class="sk-context">${elements.map((e) => html`<span>${mrkdwn(textOf(e))}</span> `)}</div>`;
    }
    case "actions": {
      const elements = Array.isArray(b.elements) ? b.elements : [];
      return html`<div class="sk-actions">${elements.map((e) => {
        const style = isObj(e) && (e.style === "primary" || e.style === "danger") ? e.style : "default";
        return html`<span class="sk-button sk-${style}" data-testid="slack-button">${isObj(e) ? textOf(e.text) : ""}</span> `;
      })}</div>`;
    }
    case "divider":
      return html`<hr class="sk-divider">`;
    default:
      return html`<div class="muted">[${String(b.type ?? "unknown")} block]</div>`;
  }
}

/** The message: its blocks when it has them, else its text; then the raw JSON behind a disclosure. */
export function slackPreview(item: { text: string | null; blocks: unknown; json: unknown; href: string }): SafeHtml {
  const blocks = Array.isArray(item.blocks) ? item.blocks : [];
  const body = blocks.length > 0 ? html`${blocks.map(block)}` : html`<div class="sk-section">${mrkdwn(item.text ?? "")}</div>`;
  return html`<div class="sk-message" data-testid="slack-preview">${body}<details><summary>JSON</summary><pre>${JSON.stringify(item.json, null, 2)}</pre><a href="${item.href}">raw</a></details></div>`;
}

export const SLACK_PREVIEW_STYLE = `.sk-message{border-left:4px solid #611f69;padding:6px 10px;background:#fafafa;max-width:640px}
.sk-header{font-weight:700;font-size:15px;margin:2px 0 6px}.sk-section{margin:4px 0}
.sk-fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 16px;margin-top:4px}.sk-context{color:#6b7280;font-size:12px;margin:4px 0}
.sk-button{display:inline-block;border:1px solid #d1d5db;border-radius:4px;padding:2px 10px;font-size:13px;font-weight:600;margin-right:6px}
.sk-primary{background:#007a5a;color:#fff;border-color:#007a5a}.sk-danger{color:#b91c1c;border-color:#b91c1c}
.sk-link{color:#1d4ed8;text-decoration:underline}.sk-divider{border:0;border-top:1px solid #e5e7eb}
details{margin-top:6px}pre{font:12px ui-monospace,Menlo,monospace;white-space:pre-wrap;background:#f3f4f6;padding:8px;border-radius:4px}`;
