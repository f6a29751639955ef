/**
 * @module log
 * One JSON line per step. Values are scrubbed on the way out: emails are masked, and keys that
 * look like secrets, signatures or card data are dropped, so a careless caller cannot leak them.
 */

const SECRET_KEY = /secret|signature|token|password|authorization|api_?key|card_?number|cvc|^pan$/i;
const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;

/** "jane.doe@example.com" -> "j***@example.com". */
export function maskEmail(value: string): string {
  return value.replace(EMAIL, (_m, first: string, domain: string) => `${first}***@${domain}`);
}

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return maskEmail(value);
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_KEY.test(k)) continue;
    out[k] = scrub(v, depth + 1);
  }
  return out;
}

export type LogLevel = "info" | "warn" | "error";

/** Writes one structured log line: `{"level":"info","msg":"ingress.accept","eventId":...}`. */
export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, msg, ...(scrub(fields) as Record<string, unknown>) });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
