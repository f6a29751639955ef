/** @module admin-body — the admin routes' small JSON bodies (size-limited) and their 400 answer. */
import type { Context } from "hono";
import { MAX_ADMIN_BODY_BYTES } from "../constants.ts";
import type { Env } from "../env.ts";
import { readBodyLimited } from "./body.ts";

type AdminContext = Context<{ Bindings: Env }>;

export function badRequest(c: AdminContext, message: string): Response {
  return c.json({ error: "bad_request", message }, 400);
}

/** Reads a small JSON body (MAX_ADMIN_BODY_BYTES); a Response on failure (413, or 400 with `invalidJson`). */
export async function readJsonBody(c: AdminContext, invalidJson: string): Promise<{ ok: true; value: unknown } | { ok: false; response: Response }> {
  const body = await readBodyLimited(c.req.raw, MAX_ADMIN_BODY_BYTES);
  if (!body.ok) return { ok: false, response: c.json({ error: "payload_too_large", message: `Body larger than ${MAX_ADMIN_BODY_BYTES} bytes` }, 413) };
  try {
    return { ok: true, value: JSON.parse(body.text) as unknown };
  } catch {
    return { ok: false, response: badRequest(c, invalidJson) };
  }
}
