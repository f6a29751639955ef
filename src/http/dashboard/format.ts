/**
 * @module dashboard/format
 * How the dashboard prints numbers. Pure and shared with the browser test, which checks that the tiles
 * show exactly what GET /admin/metrics returns.
 */

export const NO_VALUE = "—";

/** 0.6667 -> "66.7%"; null -> "—". */
export function formatPercent(value: number | null): string {
  return value === null ? NO_VALUE : `${(value * 100).toFixed(1)}%`;
}

/** 36.25 -> "36.3 h"; null -> "—". */
export function formatHours(value: number | null): string {
  return value === null ? NO_VALUE : `${value.toFixed(1)} h`;
}

export function formatCount(value: number): string {
  return String(value);
}

/** Epoch ms -> "2026-11-02 14:05 UTC". */
export function formatTime(ms: number | null): string {
  if (ms === null) return NO_VALUE;
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** A duration in ms -> "3 d 4 h" / "5 h" / "12 min". */
export function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** 1 -> "1 case", 3 -> "3 cases" (the plural is `${singular}s` unless given). */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}
