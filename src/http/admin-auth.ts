/**
 * @module admin-auth
 * Guards `/admin/*`. Two ways in:
 * - `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time (both sides hashed with SHA-256 first,
 *   so neither the content nor the length of the token leaks through timing);
 * - the `admin_session` cookie set by `GET /admin/login?token=...` for browsers. Its value is
 *   `v1.<expiry>.<HMAC-SHA256(token, "admin-session:v1:<expiry>")>`: the token itself is never stored,
 *   the server enforces the 12 h expiry (not only the browser), and rotating ADMIN_TOKEN logs everyone out.
 * With no ADMIN_TOKEN configured every admin route answers 404 `admin_disabled`: disabled, never open.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { configOf } from "../config-cache.ts";
import type { Env } from "../env.ts";
import { log } from "../log.ts";

type AdminContext = Context<{ Bindings: Env }>;

export const ADMIN_SESSION_COOKIE = "admin_session";
/** How long a browser session lasts (cookie Max-Age and the expiry signed into the value). */
export const ADMIN_SESSION_SECONDS = 12 * 3600;
const SESSION_VERSION = "v1";

const encoder = new TextEncoder();

async function sha256(value: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(value)));
}

/**
 * Constant-time string comparison: both sides are hashed to 32 bytes, then every byte is compared
 * (no early exit), so neither a differing prefix nor a differing length changes the time taken.
 */
export async function timingSafeEqualStrings(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([sha256(a), sha256(b)]);
  let diff = 0;
  for (let i = 0; i < da.length; i++) diff |= (da[i] ?? 0) ^ (db[i] ?? 0);
  return diff === 0;
}

async function hmacHex(key: string, message: string): Promise<string> {
  const k = await crypto.subtle.importKey("raw", encoder.encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", k, encoder.encode(message)));
  return [...sig].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The cookie value for a session that ends at `expiresAtSeconds` (epoch seconds). */
export async function sessionValue(token: string, expiresAtSeconds: number): Promise<string> {
  return `${SESSION_VERSION}.${expiresAtSeconds}.${await hmacHex(token, `admin-session:${SESSION_VERSION}:${expiresAtSeconds}`)}`;
}

/** True when the cookie was minted with this token and has not expired. */
export async function verifySessionValue(token: string, value: string, nowMs: number): Promise<boolean> {
  const m = /^v1\.(\d{1,12})\.([0-9a-f]{64})$/.exec(value);
  if (!m || m[1] === undefined) return false;
  const expires = Number(m[1]);
  const expected = await sessionValue(token, expires);
  const same = await timingSafeEqualStrings(expected, value);
  return same && expires * 1000 > nowMs;
}

function bearerOf(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return m?.[1]?.trim() ?? null;
}

function disabled(c: AdminContext): Response {
  return c.json({ error: "admin_disabled" }, 404);
}

function unauthorized(c: AdminContext): Response {
  return c.json({ error: "unauthorized", message: "Send Authorization: Bearer <ADMIN_TOKEN>, or open /admin/login?token=... in a browser" }, 401, {
    "WWW-Authenticate": 'Bearer realm="admin"',
  });
}

/** The admin token, or null when admin routes are disabled. A config error is rethrown (the app answers 500). */
function adminTokenOf(c: AdminContext): string | null {
  return configOf(c.env).adminToken;
}

/** True when the request carries a valid bearer token or session cookie. */
async function isAuthorized(c: AdminContext, token: string): Promise<boolean> {
  const bearer = bearerOf(c.req.header("authorization"));
  if (bearer !== null) return timingSafeEqualStrings(bearer, token);
  const cookie = getCookie(c, ADMIN_SESSION_COOKIE);
  if (cookie !== undefined && cookie !== "") return verifySessionValue(token, cookie, Date.now());
  return false;
}

/**
 * The admin guard: 404 when admin is disabled, 401 (with `WWW-Authenticate: Bearer`) without valid
 * credentials. Responses from admin routes are never cached.
 */
export function adminAuth(): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const token = adminTokenOf(c);
    if (token === null) return disabled(c);
    if (!(await isAuthorized(c, token))) {
      log("warn", "admin.unauthorized", { path: new URL(c.req.url).pathname, method: c.req.method });
      return unauthorized(c);
    }
    await next();
    c.header("Cache-Control", "no-store");
  };
}

/**
 * GET /admin/login?token=...: on a good token sets the session cookie and redirects (303) to /admin.
 * The redirect drops the token from the address bar; `no-referrer` keeps it out of Referer headers.
 */
export async function handleAdminLogin(c: AdminContext): Promise<Response> {
  const token = adminTokenOf(c);
  if (token === null) return disabled(c);
  const given = c.req.query("token") ?? "";
  if (given === "" || !(await timingSafeEqualStrings(given, token))) {
    log("warn", "admin.login_failed", {});
    return unauthorized(c);
  }
  const expires = Math.floor(Date.now() / 1000) + ADMIN_SESSION_SECONDS;
  setCookie(c, ADMIN_SESSION_COOKIE, await sessionValue(token, expires), {
    httpOnly: true,
    sameSite: "Strict",
    secure: new URL(c.req.url).protocol === "https:",
    path: "/admin",
    maxAge: ADMIN_SESSION_SECONDS,
  });
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "no-referrer");
  log("info", "admin.login", {});
  return c.redirect("/admin", 303);
}
