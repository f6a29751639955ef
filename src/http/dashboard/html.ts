/**
 * @module dashboard/html
 * A tiny escaping template for server-rendered admin pages: every interpolated value is HTML-escaped
 * unless it is already `SafeHtml` (the output of `html` itself), so no ledger string can inject markup.
 */

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML content and (double- or single-quoted) attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

function render(value: unknown): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

/** Tagged template: `html\`<td>${name}</td>\`` escapes `name`; nested `html` and arrays of it pass through. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? "");
  return new SafeHtml(out);
}

/** Marks trusted markup (generated here, never from data) as safe. */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** A path under /admin with each segment URL-encoded (the result is still escaped when interpolated). */
export function adminHref(...segments: string[]): string {
  return `/admin/${segments.map((s) => encodeURIComponent(s)).join("/")}`;
}

/** The CSP of admin HTML pages: no scripts, no external anything; inline styles and data: images only. */
export const ADMIN_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
