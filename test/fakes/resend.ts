/**
 * @module test/fakes/resend
 * The Resend fake (Resend SDK with `baseUrl` = the fake's URL + "/resend"): `POST /emails`, `POST /emails/batch`,
 * `GET /emails/:id`, with Resend's validation errors, rate-limit reply and idempotency-key semantics
 * (same key + same body replays, same key + different body is a 409).
 */
import type { IncomingMessage } from "node:http";
import { randomUUID } from "node:crypto";
import { bearer, isObj, json, normalizeScope, parseBody, sleep, type Obj, type Reply } from "./http.ts";
import type { FakeState } from "./state.ts";

function resendError(status: number, name: string, message: string, headers?: Record<string, string>): Reply {
  return json(status, { statusCode: status, name, message }, headers);
}

export async function handleResend(fake: FakeState, req: IncomingMessage, u: URL, raw: string): Promise<Reply> {
  const method = req.method ?? "GET";
  const key = bearer(req) ?? "";
  const scope = normalizeScope(key);
  const body = parseBody(raw, req.headers["content-type"]);
  const rec = fake.record("resend", scope, req, u, body);
  const finish = (reply: Reply): Reply => {
    rec.status = reply.status;
    return reply;
  };
  if (!key) return finish(resendError(401, "missing_api_key", "Missing API key in the authorization header."));
  const fail = fake.takeFail(scope, "resend", method, u.pathname);
  if (fail?.hangMs !== undefined) await sleep(fail.hangMs);
  else if (fail) {
    rec.injected = true;
    const status = fail.status ?? 500;
    if (status === 429) {
      return finish(
        resendError(429, "rate_limit_exceeded", "Too many requests. You can only make 2 requests per second. See rate limit response headers for more information. Or contact support to increase rate limit.", { "retry-after": "0" }),
      );
    }
    return finish(resendError(status, "application_error", "Internal server error. We are unable to process your request right now, please try again later."));
  }
  const s = fake.state(scope);
  const path = u.pathname.replace(/^\/resend/, "");
  const getMatch = /^\/emails\/([^/]+)$/.exec(path);
  if (method === "GET" && getMatch) {
    const e = s.resendEmails.get(decodeURIComponent(getMatch[1] ?? ""));
    return finish(e ? json(200, e) : resendError(404, "not_found", "Email not found"));
  }
  if (method !== "POST" || (path !== "/emails" && path !== "/emails/batch")) {
    return finish(resendError(404, "not_found", "The requested endpoint does not exist."));
  }
  const batch = path === "/emails/batch";
  const emails: unknown[] = batch ? (Array.isArray(body) ? body : []) : [body];
  for (const e of emails) {
    if (!isObj(e)) return finish(resendError(422, "validation_error", "Invalid JSON body."));
    for (const field of ["from", "to", "subject"]) {
      if (e[field] === undefined || e[field] === null || e[field] === "") {
        return finish(resendError(422, "missing_required_field", `Missing \`${field}\` field.`));
      }
    }
  }
  const idemKey = req.headers["idempotency-key"];
  const fingerprint = `${path} ${raw}`;
  if (typeof idemKey === "string" && idemKey !== "") {
    const prev = s.resendIdem.get(idemKey);
    if (prev) {
      if (prev.fingerprint !== fingerprint) {
        return finish(resendError(409, "invalid_idempotent_request", "Same idempotency key used with a different request payload."));
      }
      rec.replayed = true;
      return finish(json(200, JSON.parse(prev.response) as unknown));
    }
  }
  const ids = emails.map((e) => {
    const id = randomUUID();
    const email = e as Obj;
    s.resendEmails.set(id, {
      object: "email",
      id,
      to: Array.isArray(email.to) ? email.to : [email.to],
      from: email.from,
      subject: email.subject,
      html: email.html ?? null,
      text: email.text ?? null,
      bcc: email.bcc ?? null,
      cc: email.cc ?? null,
      reply_to: email.reply_to ?? null,
      tags: email.tags ?? null,
      headers: email.headers ?? null,
      created_at: new Date().toISOString(),
      last_event: "delivered",
    });
    return id;
  });
  const out = batch ? { data: ids.map((id) => ({ id })) } : { id: ids[0] };
  if (typeof idemKey === "string" && idemKey !== "") s.resendIdem.set(idemKey, { fingerprint, response: JSON.stringify(out) });
  return finish(json(200, out));
}
