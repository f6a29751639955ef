/**
 * @module test/fakes/gemini
 * The Gemini fake: `/v1beta/models/{model}:generateContent` and `:streamGenerateContent?alt=sse`
 * (genai with `httpOptions.baseUrl` = the fake's URL). Replies come from the scope's script
 * (`/__fake/gemini/script`), else a plain "ok"; it counts requests in flight so tests can assert concurrency.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { json, normalizeScope, parseBody, randomId, sleep, text, type Obj, type Reply } from "./http.ts";
import type { FakeState } from "./state.ts";

function geminiError(status: number, message?: string): Obj {
  const st: Record<number, string> = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
  };
  return {
    error: {
      code: status,
      message: message ?? (status === 429 ? "Resource has been exhausted (e.g. check quota)." : "An internal error has occurred. (fake)"),
      status: st[status] ?? "UNKNOWN",
    },
  };
}

function geminiDefault(model: string): Obj {
  return {
    candidates: [{ content: { role: "model", parts: [{ text: "ok" }] }, finishReason: "STOP", index: 0 }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 1, totalTokenCount: 11 },
    modelVersion: model,
    responseId: randomId("resp_", 16),
  };
}

export async function handleGemini(fake: FakeState, req: IncomingMessage, res: ServerResponse, u: URL, raw: string): Promise<Reply | null> {
  const m = /^\/(v1beta|v1|v1alpha)\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(u.pathname);
  const keyHeader = req.headers["x-goog-api-key"];
  const key = (typeof keyHeader === "string" ? keyHeader : null) ?? u.searchParams.get("key") ?? "";
  const scope = normalizeScope(key);
  const rec = fake.record("gemini", scope, req, u, parseBody(raw, req.headers["content-type"]));
  const finish = (reply: Reply): Reply => {
    rec.status = reply.status;
    return reply;
  };
  if (!m || req.method !== "POST") return finish(json(404, geminiError(404, `Method not found: ${req.method} ${u.pathname}`)));
  if (!key) return finish(json(403, geminiError(403, "Method doesn't allow unregistered callers. Please use API Key or other form of API consumer identity to call this API.")));
  const model = decodeURIComponent(m[2] ?? "");
  const stream = m[3] === "streamGenerateContent";
  const s = fake.state(scope);
  s.geminiInFlight += 1;
  s.geminiPeakInFlight = Math.max(s.geminiPeakInFlight, s.geminiInFlight);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    s.geminiInFlight -= 1;
  };
  res.once("close", release);
  try {
    let reply: Reply;
    const fail = fake.takeFail(scope, "gemini", "POST", u.pathname);
    if (fail && fail.hangMs === undefined) {
      rec.injected = true;
      const status = fail.status ?? 500;
      reply = json(status, geminiError(status), status === 429 ? { "retry-after": "0" } : undefined);
    } else {
      if (fail?.hangMs !== undefined) await sleep(fail.hangMs);
      const entry = s.geminiScript.shift();
      const wait = (entry?.hangMs ?? 0) + (entry?.delayMs ?? 0);
      if (wait > 0) await sleep(wait);
      const status = entry?.status ?? 200;
      const body = entry?.body ?? (status >= 200 && status < 300 ? geminiDefault(model) : geminiError(status));
      reply = json(status, body);
      if (stream && status === 200) {
        reply = text(200, `data: ${JSON.stringify(body)}\r\n\r\n`, "text/event-stream");
      }
    }
    return finish(reply);
  } finally {
    release();
  }
}
