/**
 * @module dashboard/page
 * GET /admin: one server-rendered page, no script and no external asset (it must work offline and under a
 * `default-src 'none'` CSP). Every headline number sits in an element with a stable `data-testid` whose text
 * is the formatted value and whose `data-value` is the raw number from GET /admin/metrics.
 */
import type { SetupWarning } from "../../ops/setup-warnings.ts";
import type { Mode } from "../../constants.ts";
import type { Metrics, RecentEvent } from "../../ledger/metrics.ts";
import { clickThroughChart, recoveryChart, failuresChart } from "./charts.ts";
import { formatAge, formatCount, formatHours, formatPercent, formatTime, NO_VALUE, plural } from "./format.ts";
import { adminHref, html, trusted, type SafeHtml } from "./html.ts";
import { recoveredSection } from "./recovered.ts";
import { formatLocalTime } from "../../campaign/send-window.ts";

export interface DashboardInput {
  metrics: Metrics;
  mode: Mode;
  modeIsDefault: boolean;
  defaultMode: Mode;
  recentEvents: RecentEvent[];
  /** Setup problems to fix (customer portal not configured, no Stripe key). */
  setupWarnings?: SetupWarning[];
}

const MODE_TEXT: Record<Mode, string> = {
  live: "Live: decisions are executed (emails, Slack, Stripe).",
  dry_run: "Dry run: decisions are recorded and posted as “would do X”; nothing reaches customers.",
  observe: "Observe: decisions are recorded only.",
  off: "Off (kill switch): events are parked, nothing is decided. Resume with POST /admin/resume after switching back.",
};

const STYLE = `
*{box-sizing:border-box}
body{font:14px/1.45 "Helvetica Neue",Arial,"Liberation Sans","DejaVu Sans",-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#111827;background:#f3f4f6}
header{padding:16px 24px;background:#111827;color:#f9fafb;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header h1{font-size:18px;margin:0;font-weight:600}
header nav a{color:#93c5fd;margin-right:14px}
main{padding:16px 24px;max-width:1200px}
.mode{border-radius:8px;padding:14px 18px;margin:0 0 16px;font-size:16px;border:2px solid}
.mode strong{font-size:22px;letter-spacing:.02em;text-transform:uppercase}
.mode-live{background:#dcfce7;border-color:#16a34a}
.mode-dry_run{background:#fef3c7;border-color:#d97706}
.mode-observe{background:#dbeafe;border-color:#2563eb}
.banner.warn{background:#fff7ed;border:1px solid #ea580c;border-radius:8px;padding:10px 14px;margin:0 0 12px;font-size:14px}
.mode-off{background:#fee2e2;border-color:#dc2626}
.mode small{display:block;color:#374151;font-size:13px;margin-top:4px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px;margin-bottom:16px}
.tile{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.tile .label{color:#6b7280;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.tile .value{font-size:26px;font-weight:600;margin:2px 0}
.tile .sub{color:#6b7280;font-size:12px}
section{background:#fff;border-radius:8px;padding:14px 18px;margin-bottom:16px;box-shadow:0 1px 2px rgba(0,0,0,.08);overflow-x:auto}
section h2{font-size:15px;margin:0 0 10px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top}
th{font-size:12px;color:#6b7280;text-transform:uppercase;letter-spacing:.03em}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f3f4f6;padding:1px 4px;border-radius:3px}
a{color:#1d4ed8}
.chart{margin:0}
.chart svg{width:100%;height:auto;max-height:260px}
.axis{font-size:10px;fill:#6b7280}
.label{font-size:12px;fill:#111827}
.gridline{stroke:#e5e7eb}
.track{fill:#f3f4f6}
.legend{list-style:none;padding:0;margin:8px 0 0;display:flex;flex-wrap:wrap;gap:12px;font-size:12px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:middle}
.empty{color:#6b7280}
td.small{font-size:12px}
table.fit{table-layout:fixed}
table.fit td{overflow-wrap:anywhere}
.name{font-weight:500}
td.nowrap{white-space:nowrap}
.muted{color:#6b7280}
`;

function tile(testId: string, label: string, display: string, raw: number | null, sub: SafeHtml | string | null = null): SafeHtml {
  return html`<div class="tile"><div class="label">${label}</div><div class="value" data-testid="${testId}" data-value="${raw === null ? "" : String(raw)}">${display}</div>${
    sub === null ? "" : html`<div class="sub">${sub}</div>`
  }</div>`;
}

function tiles(m: Metrics): SafeHtml {
  const r = m.recovery.overall;
  const u7 = m.unknownShare.days7;
  const u30 = m.unknownShare.days30;
  return html`<div class="tiles">
${tile("recovery-rate", "Recovery rate", formatPercent(r.value), r.value, `${r.numerator} of ${plural(r.denominator, "case")} within ${m.recovery.horizonDays} d`)}
${tile("median-hours", "Median time to recovery", formatHours(m.medianHoursToRecovery.value), m.medianHoursToRecovery.value, plural(m.medianHoursToRecovery.count, "recovered case"))}
${tile("unknown-share", "Unknown reasons (7 d)", formatPercent(u7.value), u7.value, html`${u7.numerator} of ${u7.denominator}; 30 d: <span data-testid="unknown-share-30d" data-value="${u30.value === null ? "" : String(u30.value)}">${formatPercent(u30.value)}</span>`)}
${tile("failures-30d", "Failures (30 d)", formatCount(m.failuresPerDay.total), m.failuresPerDay.total, "failed invoices and one-off payments")}
${tile("escalations", "Escalations (30 d)", formatCount(m.escalations.total), m.escalations.total, `${m.escalations.open} still open`)}
${tile("escalations-resolved-24h", "Escalations resolved ≤ 24 h", formatCount(m.escalations.resolvedWithin24h), m.escalations.resolvedWithin24h, `of ${m.escalations.total}`)}
${tile("emails-sent", "Emails sent (30 d)", formatCount(m.emailsSent.count), m.emailsSent.count)}
${tile("coupons", "Coupons created (30 d)", formatCount(m.couponsCreated.count), m.couponsCreated.count)}
${tile("shadow-agreement", "Shadow agreement (30 d)", formatPercent(m.shadowAgreement.value), m.shadowAgreement.value, `${m.shadowAgreement.numerator} of ${plural(m.shadowAgreement.denominator, "decision")}`)}
${tile("click-through", "Email click-through (30 d)", formatPercent(m.emailClickThrough.rate), m.emailClickThrough.rate, `${m.emailClickThrough.clicked} of ${plural(m.emailClickThrough.emailed, "emailed case")} pressed the button`)}
${tile("updates-after-click", "Card updated ≤ 48 h after a click", formatCount(m.updatesAfterClick.count), m.updatesAfterClick.count, `of ${plural(m.updatesAfterClick.clicked, "clicked case")}`)}
${tile("open-cases-count", "Open cases", formatCount(m.openCases.count), m.openCases.count)}
${tile("events-parked", "Parked events", formatCount(m.eventStatus.parked), m.eventStatus.parked, "resume with POST /admin/resume")}
${tile("events-dead-lettered", "Dead-lettered events", formatCount(m.eventStatus.dead_lettered), m.eventStatus.dead_lettered, `claimed now: ${m.eventStatus.claimed}; decided: ${m.eventStatus.decided}`)}
</div>`;
}

function modeBanner(input: DashboardInput): SafeHtml {
  const note = input.modeIsDefault ? `(default from DEFAULT_MODE; KV dunning:mode is not set)` : `(KV dunning:mode; default is ${input.defaultMode})`;
  return html`<div class="mode mode-${input.mode}" data-testid="mode-banner">Mode: <strong data-testid="mode">${input.mode}</strong> <span class="muted">${note}</span>
<small>${MODE_TEXT[input.mode]} Change it with <code>PUT /admin/mode</code>, <code>npm run mode -- live --remote</code> or <code>npm run kill-switch -- on --remote</code> (takes up to a minute to reach every location).</small></div>`;
}

function openCasesTable(m: Metrics): SafeHtml {
  const now = m.now;
  if (m.openCases.rows.length === 0) return html`<p class="empty">No open cases.</p>`;
  return html`<table data-testid="open-cases">
<thead><tr><th>Case</th><th>Customer</th><th>Reason</th><th class="num">Amount</th><th class="num">Attempts</th><th>Next step</th><th>Opened</th></tr></thead>
<tbody>${m.openCases.rows.map(
    (c) => html`<tr data-testid="open-case-row" data-case-id="${c.id}">
<td>${c.lastEventId !== null ? html`<a href="${adminHref("events", c.lastEventId)}">${c.id}</a>` : c.id}${c.escalatedAt !== null ? html` <span title="escalated">⚑</span>` : ""}</td>
<td>${c.customerName !== null ? html`<span class="name" data-testid="customer-name">${c.customerName}</span> ` : ""}<a href="${adminHref("customers", c.customerId)}"${c.customerName !== null ? html` class="small"` : ""}>${c.customerId}</a>${c.labels.length > 0 ? html` <span class="muted" data-testid="customer-labels" title="team labels">[${c.labels.join(", ")}]</span>` : ""}</td>
<td>${c.reason}${c.declineCode !== null ? html` <span class="muted">(${c.declineCode})</span>` : ""}</td>
<td class="num">${c.amountFormatted ?? NO_VALUE}</td>
<td class="num">${c.attempts}</td>
<td data-testid="next-step">${c.plan !== null ? html`${c.plan.step.replaceAll("_", " ")}: ${c.plan.action} <span class="muted nowrap" title="${formatTime(c.plan.dueAt)}">${formatLocalTime(c.plan.dueAt, c.plan.zone)}</span>` : (c.nextStep ?? NO_VALUE)}</td>
<td class="nowrap" title="${formatTime(c.openedAt)}">${formatAge(now - c.openedAt)} ago</td>
</tr>`,
  )}</tbody></table>${m.openCases.count > m.openCases.shown ? html`<p class="muted">Showing ${m.openCases.shown} of ${m.openCases.count}.</p>` : ""}`;
}

function decisionsTable(m: Metrics): SafeHtml {
  const rows = m.decisions.byDecidedByAndOutcome;
  if (rows.length === 0) return html`<p class="empty">No decisions in the last ${m.decisions.windowDays} days.</p>`;
  return html`<table data-testid="decisions"><thead><tr><th>Decided by</th><th>Outcome</th><th class="num">Count</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><td>${r.decidedBy}</td><td>${r.outcome}</td><td class="num">${r.count}</td></tr>`)}</tbody></table>`;
}

function eventsTable(events: RecentEvent[], now: number): SafeHtml {
  if (events.length === 0) return html`<p class="empty">No events yet.</p>`;
  return html`<table data-testid="recent-events" class="fit"><colgroup><col style="width:22%"><col style="width:17%"><col style="width:17%"><col style="width:32%"><col style="width:12%"></colgroup><thead><tr><th>Event</th><th>Type</th><th>Customer</th><th>Status</th><th>Received</th></tr></thead>
<tbody>${events.map(
    (e) => html`<tr><td><a href="${adminHref("events", e.id)}">${e.id}</a></td><td>${e.type}</td><td><a href="${adminHref("customers", e.customerId)}">${e.customerId}</a></td>
<td class="small">${e.status}${e.statusReason !== null ? html` <span class="muted">— ${e.statusReason}</span>` : ""}</td><td class="nowrap small" title="${formatTime(e.receivedAt)}">${formatAge(now - e.receivedAt)} ago</td></tr>`,
  )}</tbody></table>`;
}

/** The whole dashboard page. */
export function renderDashboard(input: DashboardInput): string {
  const m = input.metrics;
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Recovery Agent — ${input.mode}</title><style>${trusted(STYLE)}</style></head>
<body>
<header><h1>Recovery Agent</h1><nav><a href="/admin/metrics">metrics JSON</a><a href="/admin/outbox?format=html">outbox</a><a href="/admin/mode">mode JSON</a></nav><span class="muted">as of ${formatTime(m.now)}</span></header>
<main>
${modeBanner(input)}
${(input.setupWarnings ?? []).map((w) => html`<div class="banner warn" data-testid="setup-warning" data-kind="${w.kind}"><strong>Setup:</strong> ${w.message}${w.lastSeenAt !== null ? html` <span class="muted">(last seen ${formatTime(w.lastSeenAt)})</span>` : ""}</div>`)}
${tiles(m)}
<section><h2>Failures per day by reason (last ${m.failuresPerDay.windowDays} days, UTC)</h2>${failuresChart(m.failuresPerDay.days, m.failuresPerDay.reasons)}</section>
<section><h2>Recovery rate by reason (cases opened in the last ${m.recovery.windowDays} days; recovered within ${m.recovery.horizonDays} days)</h2>${recoveryChart(m.recovery.byReason, m.failuresPerDay.reasons)}</section>
<section data-testid="recovered-section">${recoveredSection(m)}</section>
<section><h2>Email click-through by template (last ${m.emailClickThrough.windowDays} days: emailed cases whose card-update button was pressed)</h2>${clickThroughChart(m.emailClickThrough.byTemplate)}<p class="muted" data-testid="updates-after-click-note">${plural(m.updatesAfterClick.count, "case")} updated the card within ${m.updatesAfterClick.windowHours} h of a click.</p></section>
<section><h2>Open cases (${m.openCases.count})</h2>${openCasesTable(m)}</section>
<section><h2>Recent events</h2>${eventsTable(input.recentEvents, m.now)}</section>
<section><h2>Decisions (last ${m.decisions.windowDays} days)</h2>${decisionsTable(m)}</section>
<p class="muted">Definitions: ${Object.entries(m.definitions).map(([k, v]) => html`<br><code>${k}</code>: ${v}`)}</p>
</main></body></html>`;
  return page.value;
}
