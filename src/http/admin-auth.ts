/**
 * @module admin-auth
 * Guards `/admin/*`. Two ways in:
 * - `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time (both sides hashed with SHA-256 first,
 *   so neither the content nor the length of the token leaks through timing);
 * - the `admin_session` cookie set by `GET /admin/login?token=...` for browsers. Its value is
 *   `v1.<expiry>.<HMAC-SHA256(token, "admin-session:v1:<expiry>")>`: the token itself is never stored,
 *   the server enforces the 12 h expiry (not only the browser), and rotating ADMIN_TOKEN logs everyone out.
 * With no ADMIN_TOKEN configured, or one shorter than 32 characters, every admin route answers 404
 * `admin_disabled`: disabled, never open (a short token says why, in the body and the log).
 * A state-changing request (anything but GET/HEAD/OPTIONS) that rides on the cookie must also come from the
 * app's own pages: `Origin` equal to APP_URL's origin, or `Sec-Fetch-Site: same-origin`; else 403 (CSRF).
 * A bearer token is never sent by a browser on its own, so it needs no Origin.
 * `POST /admin/logout` clears the cookie (204).
 */
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { configOf } from "../config-cache.ts";
import type { Env } from "../env.ts";
import { log } from "../log.ts";
import { hmacSha256, toHex } from "../signing.ts";

type AdminContext = Context<{ Bindings: Env }>;

export const ADMIN_SESSION_COOKIE = "admin_session";
/** How long a browser session lasts (cookie Max-Age and the expiry signed into the value). */
export const ADMIN_SESSION_SECONDS = 12 * 3600;
const SESSION_VERSION = "v1";
/** The shortest ADMIN_TOKEN accepted; a shorter one disables admin routes. */
export const ADMIN_TOKEN_MIN_LENGTH = 32;
export const ADMIN_TOKEN_TOO_SHORT = `ADMIN_TOKEN must be at least ${ADMIN_TOKEN_MIN_LENGTH} characters`;
const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

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

const hmacHex = async (key: string, message: string): Promise<string> => toHex(await hmacSha256(key, message));

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

/** Env objects whose short token was already logged (once per isolate and config, not per request). */
const loggedShortToken = new WeakSet<object>();

function disabled(c: AdminContext, reason: string | null): Response {
  if (reason === null) return c.json({ error: "admin_disabled" }, 404);
  if (!loggedShortToken.has(c.env)) {
    loggedShortToken.add(c.env);
    log("error", "admin.disabled", { reason });
  }
  return c.json({ error: "admin_disabled", message: reason }, 404);
}

function forbidden(c: AdminContext): Response {
  log("warn", "admin.cross_origin_rejected", { path: new URL(c.req.url).pathname, method: c.req.method, origin: c.req.header("origin") ?? null, secFetchSite: c.req.header("sec-fetch-site") ?? null });
  return c.json({ error: "forbidden", message: "Cross-origin request refused: a cookie session may only change things from the admin pages (send Origin, or use Authorization: Bearer)" }, 403);
}

/** True when a browser says the request comes from the app itself: Origin is APP_URL's origin, or Sec-Fetch-Site is same-origin. */
function isSameOrigin(c: AdminContext): boolean {
  if (c.req.header("sec-fetch-site") === "same-origin") return true;
  const origin = c.req.header("origin");
  if (origin === undefined) return false;
  return origin === new URL(configOf(c.env).appUrl).origin;
}

function unauthorized(c: AdminContext): Response {
  return c.json({ error: "unauthorized", message: "Send Authorization: Bearer <ADMIN_TOKEN>, or open /admin/login?token=... in a browser" }, 401, {
    "WWW-Authenticate": 'Bearer realm="admin"',
  });
}

/**
 * The admin token, or why admin routes are disabled (`reason` null: no token configured).
 * A config error is rethrown (the app answers 500).
 */
function adminTokenOf(c: AdminContext): { ok: true; token: string } | { ok: false; reason: string | null } {
  const token = configOf(c.env).adminToken;
  if (token === null) return { ok: false, reason: null };
  if (token.length < ADMIN_TOKEN_MIN_LENGTH) return { ok: false, reason: ADMIN_TOKEN_TOO_SHORT };
  return { ok: true, token };
}

/** How the request authenticated: a valid bearer token, a valid session cookie, or not at all. */
async function authOf(c: AdminContext, token: string): Promise<"bearer" | "cookie" | null> {
  const bearer = bearerOf(c.req.header("authorization"));
  if (bearer !== null) return (await timingSafeEqualStrings(bearer, token)) ? "bearer" : null;
  const cookie = getCookie(c, ADMIN_SESSION_COOKIE);
  if (cookie !== undefined && cookie !== "") return (await verifySessionValue(token, cookie, Date.now())) ? "cookie" : null;
  return null;
}

/**
 * The admin guard: 404 when admin is disabled, 401 (with `WWW-Authenticate: Bearer`) without valid
 * credentials, 403 for a cross-origin state change on the cookie. Responses from admin routes are never cached.
 */
export function adminAuth(): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const admin = adminTokenOf(c);
    if (!admin.ok) return disabled(c, admin.reason);
    const auth = await authOf(c, admin.token);
    if (auth === null) {
      log("warn", "admin.unauthorized", { path: new URL(c.req.url).pathname, method: c.req.method });
      return unauthorized(c);
    }
    if (auth === "cookie" && !SAFE_METHODS.has(c.req.method) && !isSameOrigin(c)) return forbidden(c);
    await next();
    c.header("Cache-Control", "no-store");
  };
}

/**
 * GET /admin/login?token=...: on a good token sets the session cookie and redirects (303) to /admin.
 * The redirect drops the token from the address bar; `no-referrer` keeps it out of Referer headers.
 */
export async function handleAdminLogin(c: AdminContext): Promise<Response> {
  const admin = adminTokenOf(c);
  if (!admin.ok) return disabled(c, admin.reason);
  const token = admin.token;
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

/**
 * POST /admin/logout: clears the session cookie (`Max-Age=0`) and answers 204. Needs no valid session (a stale
 * cookie can always be cleared), but any request without a bearer token must pass the same Origin rule as other changes.
 */
export async function handleAdminLogout(c: AdminContext): Promise<Response> {
  const admin = adminTokenOf(c);
  if (!admin.ok) return disabled(c, admin.reason);
  if (bearerOf(c.req.header("authorization")) === null && !isSameOrigin(c)) return forbidden(c);
  deleteCookie(c, ADMIN_SESSION_COOKIE, { httpOnly: true, sameSite: "Strict", secure: new URL(c.req.url).protocol === "https:", path: "/admin" });
  c.header("Cache-Control", "no-store");
  log("info", "admin.logout", {});
  return c.body(null, 204);
}
