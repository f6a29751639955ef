/**
 * @module test/fakes/slack
 * The Slack fake: Web API methods under `/slack/api/{method}` (chat.postMessage, chat.update,
 * chat.postEphemeral, auth.test; others answer `{ok: true}`), and the `response_url` / incoming-webhook
 * endpoints `/slack/response/:id`, `/slack/webhook/:id`, which answer in plain text like Slack's.
 */
import type { IncomingMessage } from "node:http";
import { bearer, isObj, json, normalizeScope, parseBody, sleep, text, type Obj, type Reply } from "./http.ts";
import type { FakeState } from "./state.ts";

export async function handleSlack(fake: FakeState, req: IncomingMessage, u: URL, raw: string): Promise<Reply> {
  const method = req.method ?? "GET";
  const body = parseBody(raw, req.headers["content-type"]);
  const hook = /^\/slack\/(response|webhook)\/([^/]+)$/.exec(u.pathname);
  let scope: string;
  if (hook) scope = normalizeScope(decodeURIComponent(hook[2] ?? "").split(".")[0] ?? "");
  else scope = normalizeScope(bearer(req) ?? (isObj(body) && typeof body.token === "string" ? body.token : ""));
  const rec = fake.record("slack", scope, req, u, body);
  const finish = (reply: Reply): Reply => {
    rec.status = reply.status;
    return reply;
  };
  const fail = fake.takeFail(scope, "slack", method, u.pathname);
  if (fail?.hangMs !== undefined) await sleep(fail.hangMs);
  else if (fail) {
    rec.injected = true;
    const status = fail.status ?? 500;
    const headers = status === 429 ? { "retry-after": "0" } : undefined;
    if (hook) return finish({ ...text(status, status === 429 ? "rate_limited" : "internal_error"), ...(headers ? { headers } : {}) });
    return finish(json(status, { ok: false, error: status === 429 ? "ratelimited" : "internal_error" }, headers));
  }
  if (hook) {
    if (method !== "POST") return finish(text(405, "invalid_method"));
    if (!isObj(body)) return finish(text(400, "invalid_payload"));
    return finish(text(200, "ok"));
  }
  const api = /^\/slack\/api\/([A-Za-z.]+)$/.exec(u.pathname);
  if (!api) return finish(json(404, { ok: false, error: "unknown_method" }));
  if (!scope) return finish(json(200, { ok: false, error: "not_authed" }));
  const apiMethod = api[1] ?? "";
  const p: Obj = isObj(body) ? body : {};
  if (apiMethod === "chat.postMessage" || apiMethod === "chat.update" || apiMethod === "chat.postEphemeral") {
    if (typeof p.channel !== "string" || p.channel === "") return finish(json(200, { ok: false, error: "channel_not_found" }));
    if (!p.text && !p.blocks && !p.attachments) return finish(json(200, { ok: false, error: "no_text" }));
    const ts = apiMethod === "chat.update" && typeof p.ts === "string" ? p.ts : "1700000000.000100";
    const message: Obj = {
      type: "message",
      user: "U0FAKEBOT",
      bot_id: "B0FAKEBOT",
      app_id: "A0FAKEAPP",
      text: typeof p.text === "string" ? p.text : "",
      ts,
      ...(p.blocks !== undefined ? { blocks: typeof p.blocks === "string" ? (parseBody(p.blocks, "json") as unknown) : p.blocks } : {}),
      ...(p.thread_ts !== undefined ? { thread_ts: p.thread_ts } : {}),
    };
    if (apiMethod === "chat.postEphemeral") return finish(json(200, { ok: true, message_ts: ts }));
    return finish(json(200, { ok: true, channel: p.channel, ts, ...(apiMethod === "chat.update" ? { text: message.text } : {}), message }));
  }
  if (apiMethod === "auth.test") {
    return finish(json(200, { ok: true, url: "https://fake.slack.com/", team: "Fake", user: "recovery-bot", team_id: "T0FAKE", user_id: "U0FAKEBOT", bot_id: "B0FAKEBOT" }));
  }
  return finish(json(200, { ok: true }));
}
