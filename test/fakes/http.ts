/**
 * @module test/fakes/http
 * Wire helpers shared by every provider fake: replies, body parsing (Stripe's bracket form encoding and JSON),
 * credentials and scopes, and the small value helpers the fakes use on JSON-shaped data.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON-shaped fake data
export type Obj = Record<string, any>;

/** What a provider handler answers; `send` writes it. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** When set, `body` is written as-is (string) with this content type. */
  contentType?: string;
}

const KEY_PREFIXES = ["sk_test_", "sk_live_", "rk_test_", "rk_live_", "re_", "xoxb-", "xoxp-", "gk_"];

/** The scope of an API key (or of a `?scope=` value): one well-known key prefix stripped. */
export function normalizeScope(key: string): string {
  for (const p of KEY_PREFIXES) if (key.startsWith(p) && key.length > p.length) return key.slice(p.length);
  return key;
}

/** Decodes Stripe's bracket form encoding (`a[b][0][c]=1&expand[]=x`) into nested objects/arrays. */
export function decodeStripeForm(input: string): Obj {
  const root: Obj = {};
  for (const [rawKey, value] of new URLSearchParams(input)) {
    const m = /^([^[\]]+)((?:\[[^\]]*\])*)$/.exec(rawKey);
    const segs: string[] = m ? [m[1] ?? "", ...[...(m[2] ?? "").matchAll(/\[([^\]]*)\]/g)].map((x) => x[1] ?? "")] : [rawKey];
    let cur: Obj = root;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i] ?? "";
      const isLast = i === segs.length - 1;
      const key: string | number = seg === "" && Array.isArray(cur) ? cur.length : seg;
      if (isLast) {
        cur[key] = value;
      } else {
        const next = segs[i + 1] ?? "";
        if (cur[key] === undefined || cur[key] === null || typeof cur[key] !== "object") {
          cur[key] = next === "" || /^\d+$/.test(next) ? [] : {};
        }
        cur = cur[key] as Obj;
      }
    }
  }
  return root;
}

export function now(): number {
  return Math.floor(Date.now() / 1000);
}

export function randomId(prefix: string, len = 14): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = randomBytes(len);
  let s = "";
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return prefix + s;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => {
    const t = setTimeout(r, ms);
    t.unref?.();
  });
}

export function clone<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Form values are strings; coerce "true"/"false"/integers for non-metadata fields. */
export function coerce(v: unknown): unknown {
  if (typeof v === "string") {
    if (v === "true") return true;
    if (v === "false") return false;
    if (/^-?\d+$/.test(v) && v.length < 16) return Number(v);
    return v;
  }
  if (Array.isArray(v)) return v.map(coerce);
  if (isObj(v)) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) out[k] = k === "metadata" ? x : coerce(x);
    return out;
  }
  return v;
}

export function num(v: unknown): number | null {
  if (v === undefined || v === null || v === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(.+)$/i.exec(h);
  if (m) return (m[1] ?? "").trim();
  const b = /^Basic\s+(.+)$/i.exec(h);
  if (b) return Buffer.from(b[1] ?? "", "base64").toString("utf8").split(":")[0] ?? null;
  return null;
}

export function redactHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    const val = Array.isArray(v) ? v.join(", ") : v;
    if (k === "authorization") out[k] = /^basic/i.test(val) ? "Basic ***" : "Bearer ***";
    else if (k === "x-goog-api-key") out[k] = "***";
    else out[k] = val;
  }
  return out;
}

export function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === "") return null;
  const ct = (contentType ?? "").toLowerCase();
  if (ct.includes("application/x-www-form-urlencoded")) return decodeStripeForm(raw);
  if (ct.includes("json") || /^\s*[[{]/.test(raw)) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

export function readRaw(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return { status, body, ...(headers ? { headers } : {}) };
}

export function text(status: number, body: string, contentType = "text/plain; charset=utf-8"): Reply {
  return { status, body, contentType };
}

export function send(res: ServerResponse, reply: Reply): void {
  if (res.writableEnded || res.destroyed) return;
  const payload = reply.contentType !== undefined ? String(reply.body) : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    "content-type": reply.contentType ?? "application/json",
    "content-length": Buffer.byteLength(payload),
    ...reply.headers,
  });
  res.end(payload);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
