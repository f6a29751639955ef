/**
 * @module log
 * One JSON line per step. Values are scrubbed on the way out, at every depth: email addresses are masked
 * (plain, plus-tagged, any case, URL-encoded, quoted display names), strings that look like secrets (Stripe,
 * webhook and Slack keys) are redacted even inside a longer string, and keys that look like secrets,
 * signatures or card data are dropped, so a careless caller cannot leak them.
 */

const SECRET_KEY = /secret|signature|token|password|authorization|api_?key|card_?number|cvc|^pan$|^sig$|[_-]sig$/i;
/** camelCase `...Sig` (e.g. `stripeSig`), matched case-sensitively so words like "design" stay. */
const SECRET_KEY_CAMEL_SIG = /[a-z0-9]Sig$/;
/** An address, `@` or URL-encoded `%40`; the first character of the local part is kept. */
const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@|%40)([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/gi;
/** The quoted display name in front of an address: `"Jane Doe" <jane@x.io>`. */
const DISPLAY_NAME = /"(?:[^"\\]|\\.)*"(\s*<[A-Za-z0-9._%+-]+(?:@|%40))/gi;
/** Stripe secret and restricted keys, webhook signing secrets, Slack tokens: anywhere in a string. */
const SECRET_VALUE = /(?<![A-Za-z0-9])(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9_]+|whsec_[A-Za-z0-9_]+|xox[abpr]-[A-Za-z0-9-]+)/g;
export const REDACTED = "[redacted]";
/** Deeper than this, a value is replaced (never written unscrubbed); far deeper than any real log field. */
const MAX_DEPTH = 256;

/** "jane.doe@example.com" -> "j***@example.com"; `"Jane" <jane@x.io>` -> `"***" <j***@x.io>`; "jane%40x.io" -> "j***%40x.io". */
export function maskEmail(value: string): string {
  return value
    .replace(DISPLAY_NAME, (_m, rest: string) => `"***"${rest}`)
    .replace(EMAIL, (_m, first: string, at: string, domain: string) => `${first}***${at}${domain}`);
}

/** Masks addresses and redacts secret-looking substrings. */
export function scrubString(value: string): string {
  return maskEmail(value.replace(SECRET_VALUE, REDACTED));
}

function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) || SECRET_KEY_CAMEL_SIG.test(key);
}

/**
 * Scrubs a value at every depth. `ancestors` holds the objects on the current path, so a cycle becomes
 * "[circular]" while an object shared by two fields is written twice, as JSON.stringify would.
 */
export function scrub(value: unknown, depth = 0, ancestors: Set<object> = new Set()): unknown {
  if (typeof value === "string") return scrubString(value);
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "[too deep]";
  if (ancestors.has(value)) return "[circular]";
  const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return scrub(toJSON.call(value) as unknown, depth + 1, ancestors);
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((v: unknown) => scrub(v, depth + 1, ancestors));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (isSecretKey(k)) continue;
      out[scrubString(k)] = scrub(v, depth + 1, ancestors);
    }
    return out;
  } finally {
    ancestors.delete(value);
  }
}

export type LogLevel = "info" | "warn" | "error";

/** Writes one structured log line: `{"level":"info","msg":"ingress.accept","eventId":...}`. */
export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, msg, ...(scrub(fields) as Record<string, unknown>) });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
