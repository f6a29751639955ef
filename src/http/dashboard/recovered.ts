/**
 * @module dashboard/recovered
 * The dashboard's "What recovered it" section: recovered revenue per currency, split by cause, over 30 and 90 days,
 * and the share recovered with no contact. Same numbers as GET /admin/metrics (`recoveredBy`, `recoveredRevenue`,
 * `recoveredWithoutContactShare`): each cell's `data-value` is the raw value (revenue as JSON minor units).
 */
import { RECOVERY_CAUSES, type RecoveryCause } from "../../dunning/recovered-by.ts";
import { formatMoney } from "../../ingest/money.ts";
import type { Metrics } from "../../ledger/metrics.ts";
import type { CauseTotals, RecoveredWindow } from "../../ledger/recoveries.ts";
import { formatPercent, NO_VALUE } from "./format.ts";
import { html, type SafeHtml } from "./html.ts";

export const CAUSE_LABELS: Record<RecoveryCause, string> = {
  human: "A person (Slack)",
  customer_reply: "Customer reply",
  card_update_link: "Card-update link",
  pay_now_after_card_update: "Pay-now after a new card",
  stripe_retry_after_email: "Stripe retry after an email",
  stripe_retry_silent: "Stripe retry, no contact",
  other: "Other",
};

const WINDOWS: RecoveredWindow[] = ["30d", "90d"];

/** `{"usd": 27100, "gbp": 3900}` -> "$271.00 · £39.00" (currencies in code order); none -> "—". */
export function formatRevenue(revenue: Record<string, number>): string {
  const parts = Object.keys(revenue)
    .sort()
    .map((currency) => formatMoney({ amount: revenue[currency] ?? 0, currency }));
  return parts.length === 0 ? NO_VALUE : parts.join(" · ");
}

/** The same object with its keys in code order, so `data-value` is stable. */
const sortedJson = (revenue: Record<string, number>) => JSON.stringify(Object.fromEntries(Object.keys(revenue).sort().map((k) => [k, revenue[k]])));

function cells(t: CauseTotals, w: RecoveredWindow): SafeHtml {
  return html`<td class="num" data-window="${w}" data-kind="cases" data-value="${String(t.cases)}">${t.cases}</td><td class="num" data-window="${w}" data-kind="revenue" data-value="${sortedJson(t.revenue)}">${formatRevenue(t.revenue)}</td>`;
}

/** The section body (heading, the two headline figures, the table by cause). */
export function recoveredSection(m: Metrics): SafeHtml {
  const share = m.recoveredWithoutContactShare;
  const s30 = share["30d"];
  const s90 = share["90d"];
  return html`<h2>What recovered it (recovered in the last 30 and 90 days)</h2>
<p>Recovered revenue (30 d): <strong data-testid="recovered-revenue-30d" data-value="${sortedJson(m.recoveredRevenue["30d"].revenue)}">${formatRevenue(m.recoveredRevenue["30d"].revenue)}</strong>
 · recovered with no contact (30 d): <strong data-testid="recovered-without-contact" data-value="${s30.value === null ? "" : String(s30.value)}">${formatPercent(s30.value)}</strong>
 <span class="muted">(${s30.numerator} of ${s30.denominator}; 90 d: <span data-testid="recovered-without-contact-90d" data-value="${s90.value === null ? "" : String(s90.value)}">${formatPercent(s90.value)}</span>)</span></p>
<table data-testid="recovered-by"><thead><tr><th>Cause</th><th class="num">Cases (30 d)</th><th class="num">Revenue (30 d)</th><th class="num">Cases (90 d)</th><th class="num">Revenue (90 d)</th></tr></thead>
<tbody>${RECOVERY_CAUSES.map(
    (cause) => html`<tr data-testid="recovered-by-row" data-cause="${cause}"><td>${CAUSE_LABELS[cause]} <code>${cause}</code></td>${WINDOWS.map((w) => cells(m.recoveredBy[w][cause], w))}</tr>`,
  )}
<tr data-testid="recovered-by-row" data-cause="total"><td><strong>All recovered</strong></td>${WINDOWS.map((w) => cells(m.recoveredRevenue[w], w))}</tr></tbody></table>
${m.paidBeforeAnyFailure["90d"] > 0 ? html`<p class="muted">Not counted: ${m.paidBeforeAnyFailure["90d"]} payment(s) in 90 days landed before any failure (not recoveries).</p>` : ""}`;
}
