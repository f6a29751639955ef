/**
 * @module http/access
 * GET /v1/access/:customerId — the customer's access state for the SaaS to gate features while recovery
 * runs: `active`, `grace` (until a date) or `restricted`. API key auth (Bearer), keys stored hashed.
 */
import type { Context } from "hono";
import { configOf } from "../config-cache.ts";
import type { Env } from "../env.ts";
import { log } from "../log.ts";
import { accessOf } from "../ledger/access.ts";
import { isValidApiKey } from "../ledger/api-keys.ts";

export async function handleAccess(c: Context<{ Bindings: Env }>): Promise<Response> {
  const header = c.req.header("authorization") ?? "";
  const key = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
  if (key === "" || !(await isValidApiKey(c.env.LEDGER, key))) {
    log("warn", "access.reject", { reason: key === "" ? "missing_api_key" : "bad_api_key" });
    return c.json({ error: "unauthorized" }, 401, { "WWW-Authenticate": "Bearer" });
  }
  const customerId = c.req.param("customerId") ?? "";
  if (!/^cus_[A-Za-z0-9]{1,64}$/.test(customerId)) return c.json({ error: "invalid customer id" }, 400);
  const config = configOf(c.env);
  const view = await accessOf(c.env.LEDGER, customerId, config, Date.now());
  // A customer we never saw a payment problem for has full access.
  const body = view ?? { customerId, state: "active", graceUntil: null, reason: "no payment problem on record", caseIds: [], label: null, note: null };
  return c.json({ ...body, graceUntil: body.graceUntil === null ? null : new Date(body.graceUntil).toISOString() }, 200, { "Cache-Control": "no-store" });
}
