/**
 * @module scripts/lib/table
 * Plain-text tables for terminal output: padded columns, optional per-column width caps (long cells are
 * cut with "…"), wide (CJK) characters counted as two columns.
 */

/** Display width: East Asian wide/fullwidth characters take two terminal columns. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    const wide =
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      (cp >= 0x1f300 && cp <= 0x1faff) ||
      (cp >= 0x20000 && cp <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

/** Cuts `s` to at most `max` display columns, ending with "…" when cut. */
export function truncate(s: string, max: number): string {
  if (displayWidth(s) <= max) return s;
  let out = "";
  let w = 0;
  for (const ch of s) {
    const cw = displayWidth(ch);
    if (w + cw > max - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

const pad = (s: string, width: number) => s + " ".repeat(Math.max(0, width - displayWidth(s)));

export interface TableOptions {
  /** Max display width per column (by index); cells beyond it are truncated. */
  maxWidths?: Array<number | undefined>;
  /** Column separator. */
  gap?: string;
}

/** Renders rows under a header with a rule line. Returns the text (no trailing newline). */
export function renderTable(header: string[], rows: string[][], options: TableOptions = {}): string {
  const gap = options.gap ?? "  ";
  const cells = [header, ...rows].map((r) =>
    header.map((_, i) => {
      const v = (r[i] ?? "").replace(/\s+/g, " ").trim();
      const max = options.maxWidths?.[i];
      return max === undefined ? v : truncate(v, max);
    }),
  );
  const widths = header.map((_, i) => Math.max(...cells.map((r) => displayWidth(r[i]!))));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i]!))).join(gap).trimEnd();
  const [head, ...body] = cells;
  return [line(head!), widths.map((w) => "─".repeat(w)).join(gap), ...body.map(line)].join("\n");
}

export function printTable(header: string[], rows: string[][], options: TableOptions = {}): void {
  console.log(renderTable(header, rows, options));
}
