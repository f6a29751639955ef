/**
 * @module landing-page
 * The small branded page behind a card-update link. Pure: takes what to say, returns HTML. The only action is a
 * form that POSTs back to the same URL (a person's press; link scanners only GET), or, for an expired link on a
 * still-open payment, a plain link to Stripe's hosted invoice page. No script, no external asset.
 */

export interface LandingView {
  /** 200, 410 (expired and nothing to do), 429 (too many sessions), 400/413 (not a link we sent). */
  status: 200 | 400 | 410 | 413 | 429;
  title: string;
  /** The amount, formatted, when the link is about a payment. */
  amount: string | null;
  paragraphs: string[];
  /** The label of the POST button, or null for no button. */
  button: string | null;
  /** A plain link (the hosted invoice page) and its label, or null. */
  link: { href: string; label: string } | null;
  /** The page's language (`lang`) and the note under the button, in it. */
  lang: string;
  secureNote: string;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** The page's CSP: its own inline styles, nothing else (the form posts to this origin, which redirects to Stripe). */
export const LANDING_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'";

const STYLE = `body{font:16px/1.5 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;background:#f3f4f6;color:#1f2933;margin:0}
main{max-width:30rem;margin:3rem auto;background:#fff;border-radius:10px;padding:1.75rem 2rem;box-shadow:0 1px 3px rgba(0,0,0,.1)}
.brand{color:#6b7280;font-size:.85rem;text-transform:uppercase;letter-spacing:.06em;margin:0 0 .75rem}
h1{font-size:1.35rem;margin:0 0 .75rem}.amount{font-size:1.6rem;font-weight:600;margin:.25rem 0 1rem}
button,.button{display:inline-block;background:#1d4ed8;color:#fff;border:0;border-radius:6px;padding:.7rem 1.2rem;font:inherit;font-weight:600;cursor:pointer;text-decoration:none}
form{margin:1.25rem 0 0}.fine{color:#6b7280;font-size:.85rem;margin-top:1.25rem}`;

/** Renders the page; `action` is the URL the button posts to (this link). */
export function renderLanding(view: LandingView, brand: string, action: string): string {
  const paragraphs = view.paragraphs.map((p) => `<p>${esc(p)}</p>`).join("");
  const amount = view.amount === null ? "" : `<p class="amount" data-testid="amount">${esc(view.amount)}</p>`;
  const button = view.button === null ? "" : `<form method="post" action="${esc(action)}"><button type="submit" data-testid="continue">${esc(view.button)}</button></form>`;
  const link = view.link === null ? "" : `<p><a class="button" data-testid="hosted-invoice" href="${esc(view.link.href)}" rel="noreferrer">${esc(view.link.label)}</a></p>`;
  const fine = view.button !== null ? `<p class="fine">${esc(view.secureNote)}</p>` : "";
  return `<!doctype html><html lang="${esc(view.lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${esc(view.title)} · ${esc(brand)}</title><style>${STYLE}</style></head>
<body><main><p class="brand">${esc(brand)}</p><h1>${esc(view.title)}</h1>${amount}${paragraphs}${button}${link}${fine}</main></body></html>`;
}
