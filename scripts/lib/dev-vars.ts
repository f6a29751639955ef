/** @module scripts/lib/dev-vars — reads `.dev.vars` (dotenv syntax: KEY=VALUE, # comments, optional quotes). */
import { existsSync, readFileSync } from "node:fs";

export function readDevVars(path = ".dev.vars"): Record<string, string> {
  if (!existsSync(path)) return {};
  const out: Record<string, string> = {};
  for (const raw of readFileSync(path, "utf8").split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2] ?? "";
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) value = value.slice(1, -1);
    out[m[1]!] = value;
  }
  return out;
}

/** The first of the comma-separated STRIPE_WEBHOOK_SECRET values, or null. */
export function firstWebhookSecret(vars: Record<string, string>): string | null {
  const first = (vars.STRIPE_WEBHOOK_SECRET ?? "")
    .split(",")
    .map((s) => s.trim())
    .find((s) => s.length > 0);
  return first ?? null;
}
