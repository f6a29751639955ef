/**
 * @module scripts/lib/admin-api
 * The two admin routes the operator scripts use, `GET /admin/mode` and `PUT /admin/mode`, called with the admin
 * token. Failures come back as values (`{data, error}`), so a caller can fall back or explain.
 */
import { MODES, type Mode } from "../../src/constants.ts";

export interface ModeState {
  mode: Mode;
  /** True when KV holds no mode and the Worker uses DEFAULT_MODE. */
  isDefault: boolean;
  defaultMode: Mode;
  /** The mode the kill switch replaced, if any. */
  beforeKill: Mode | null;
}

export interface ModeChange {
  mode: Mode;
  previous: Mode;
  beforeKill: Mode | null;
}

export type ApiResult<T> = { data: T; error: null } | { data: null; error: string };

export interface AdminApiOptions {
  /** Base URL of the Worker. */
  url: string;
  token: string;
  timeoutMs?: number;
}

const isMode = (v: unknown): v is Mode => typeof v === "string" && (MODES as readonly string[]).includes(v);

async function call(o: AdminApiOptions, init: RequestInit): Promise<ApiResult<Record<string, unknown>>> {
  let res: Response;
  try {
    res = await fetch(new URL("/admin/mode", o.url), {
      ...init,
      headers: { authorization: `Bearer ${o.token}`, "content-type": "application/json" },
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
    });
  } catch (err) {
    return { data: null, error: `${o.url} did not answer (${err instanceof Error ? err.message : String(err)})` };
  }
  const text = await res.text();
  if (!res.ok) return { data: null, error: `${init.method ?? "GET"} /admin/mode answered ${res.status}: ${text.slice(0, 200)}` };
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === "object" && body !== null && !Array.isArray(body)) return { data: body as Record<string, unknown>, error: null };
  } catch {
    /* fall through */
  }
  return { data: null, error: `GET /admin/mode answered something that is not a JSON object: ${text.slice(0, 200)}` };
}

/** The Worker's current mode. */
export async function getMode(o: AdminApiOptions): Promise<ApiResult<ModeState>> {
  const r = await call(o, { method: "GET" });
  if (r.error !== null) return r;
  const b = r.data;
  if (!isMode(b.mode) || !isMode(b.defaultMode)) return { data: null, error: `unexpected answer: ${JSON.stringify(b).slice(0, 200)}` };
  return { data: { mode: b.mode, isDefault: b.isDefault === true, defaultMode: b.defaultMode, beforeKill: isMode(b.beforeKill) ? b.beforeKill : null }, error: null };
}

/** Sets the mode; switching to `off` makes the Worker remember the mode it replaced. */
export async function putMode(o: AdminApiOptions, mode: Mode): Promise<ApiResult<ModeChange>> {
  const r = await call(o, { method: "PUT", body: JSON.stringify({ mode }) });
  if (r.error !== null) return r;
  const b = r.data;
  if (!isMode(b.mode) || !isMode(b.previous)) return { data: null, error: `unexpected answer: ${JSON.stringify(b).slice(0, 200)}` };
  return { data: { mode: b.mode, previous: b.previous, beforeKill: isMode(b.beforeKill) ? b.beforeKill : null }, error: null };
}
