/**
 * @module dashboard/charts
 * Inline SVG charts rendered on the server (no script, no external asset): stacked bars of failures per
 * day by reason, and bars of the recovery rate by reason. Every label goes through `html` (escaped).
 */
import type { FailureDay, RatioStat } from "../../ledger/metrics.ts";
import { formatPercent } from "./format.ts";
import { html, type SafeHtml } from "./html.ts";

const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#ea580c", "#4f46e5", "#0d9488", "#b45309"];
const UNKNOWN_COLOR = "#9ca3af";

/** A stable color per reason (its position in the sorted reason list; `unknown` is always grey). */
export function reasonColors(reasons: readonly string[]): Map<string, string> {
  const colors = new Map<string, string>();
  let i = 0;
  for (const r of reasons) {
    if (r === "unknown") colors.set(r, UNKNOWN_COLOR);
    else colors.set(r, PALETTE[i++ % PALETTE.length] ?? UNKNOWN_COLOR);
  }
  return colors;
}

function legend(reasons: readonly string[], colors: Map<string, string>): SafeHtml {
  return html`<ul class="legend">${reasons.map(
    (r) => html`<li><span class="swatch" style="background:${colors.get(r) ?? UNKNOWN_COLOR}"></span>${r}</li>`,
  )}</ul>`;
}

/** Stacked bars: one bar per UTC day, one segment per reason. */
export function failuresChart(days: readonly FailureDay[], reasons: readonly string[]): SafeHtml {
  const total = days.reduce((a, d) => a + d.total, 0);
  if (total === 0) return html`<p class="empty" data-testid="failures-chart-empty">No failures in the last ${days.length} days.</p>`;
  const colors = reasonColors(reasons);
  const width = 720;
  const height = 220;
  const left = 32;
  const bottom = 24;
  const top = 8;
  const plotH = height - bottom - top;
  const slot = (width - left) / Math.max(days.length, 1);
  const barW = Math.max(2, slot * 0.7);
  const max = Math.max(1, ...days.map((d) => d.total));
  const bars = days.map((d, i) => {
    let y = top + plotH;
    const x = left + i * slot + (slot - barW) / 2;
    const segments = reasons
      .filter((r) => (d.byReason[r] ?? 0) > 0)
      .map((r) => {
        const n = d.byReason[r] ?? 0;
        const h = (n / max) * plotH;
        y -= h;
        return html`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${colors.get(r) ?? UNKNOWN_COLOR}"><title>${d.day} ${r}: ${n}</title></rect>`;
      });
    const label = i % 5 === 0 || i === days.length - 1 ? html`<text x="${(x + barW / 2).toFixed(1)}" y="${height - 8}" text-anchor="middle" class="axis">${d.day.slice(5)}</text>` : "";
    return html`<g data-day="${d.day}" data-total="${d.total}">${segments}${label}</g>`;
  });
  return html`<figure class="chart">
<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="Failures per day by reason" data-testid="failures-chart" xmlns="http://www.w3.org/2000/svg">
<line x1="${left}" y1="${top + plotH}" x2="${width}" y2="${top + plotH}" class="gridline"/>
<line x1="${left}" y1="${top}" x2="${width}" y2="${top}" class="gridline"/>
<text x="${left - 6}" y="${top + 4}" text-anchor="end" class="axis">${max}</text>
<text x="${left - 6}" y="${top + plotH}" text-anchor="end" class="axis">0</text>
${bars}
</svg>
${legend(reasons, colors)}
</figure>`;
}

/** Horizontal bars: recovery rate per reason, with the counts behind it. */
export function recoveryChart(rows: ReadonlyArray<{ reason: string } & RatioStat>, allReasons: readonly string[]): SafeHtml {
  if (rows.length === 0) return html`<p class="empty" data-testid="recovery-chart-empty">No cases with a verdict yet (opened 14+ days ago or closed).</p>`;
  const colors = reasonColors([...new Set([...allReasons, ...rows.map((r) => r.reason)])].sort());
  const rowH = 26;
  const labelW = 190;
  const barMax = 400;
  const width = labelW + barMax + 130;
  const height = rows.length * rowH + 8;
  const bars = rows.map((r, i) => {
    const y = 4 + i * rowH;
    const w = (r.value ?? 0) * barMax;
    return html`<g data-reason="${r.reason}">
<text x="${labelW - 8}" y="${y + 16}" text-anchor="end" class="label">${r.reason}</text>
<rect x="${labelW}" y="${y + 3}" width="${barMax}" height="${rowH - 8}" class="track"/>
<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${colors.get(r.reason) ?? UNKNOWN_COLOR}"><title>${r.reason}: ${r.numerator} of ${r.denominator}</title></rect>
<text x="${labelW + barMax + 8}" y="${y + 16}" class="label">${formatPercent(r.value)} (${r.numerator}/${r.denominator})</text>
</g>`;
  });
  return html`<figure class="chart"><svg viewBox="0 0 ${width} ${height}" role="img" aria-label="Recovery rate by reason" data-testid="recovery-chart" xmlns="http://www.w3.org/2000/svg">${bars}</svg></figure>`;
}

/** Horizontal bars: email click-through per template (emailed cases whose card-update button was pressed). */
export function clickThroughChart(byTemplate: Readonly<Record<string, { rate: number | null; clicked: number; emailed: number }>>): SafeHtml {
  const rows = Object.entries(byTemplate).sort(([a], [b]) => a.localeCompare(b));
  if (rows.length === 0) return html`<p class="empty" data-testid="click-through-chart-empty">No recovery emails in the last 30 days.</p>`;
  const rowH = 26;
  const labelW = 190;
  const barMax = 400;
  const width = labelW + barMax + 130;
  const height = rows.length * rowH + 8;
  const bars = rows.map(([template, r], i) => {
    const y = 4 + i * rowH;
    const w = (r.rate ?? 0) * barMax;
    return html`<g data-template="${template}" data-rate="${r.rate === null ? "" : String(r.rate)}">
<text x="${labelW - 8}" y="${y + 16}" text-anchor="end" class="label">${template}</text>
<rect x="${labelW}" y="${y + 3}" width="${barMax}" height="${rowH - 8}" class="track"/>
<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="#2563eb"><title>${template}: ${r.clicked} of ${r.emailed} emailed cases clicked</title></rect>
<text x="${labelW + barMax + 8}" y="${y + 16}" class="label">${formatPercent(r.rate)} (${r.clicked}/${r.emailed})</text>
</g>`;
  });
  return html`<figure class="chart"><svg viewBox="0 0 ${width} ${height}" role="img" aria-label="Email click-through by template" data-testid="click-through-chart" xmlns="http://www.w3.org/2000/svg">${bars}</svg></figure>`;
}
