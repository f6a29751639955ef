/**
 * @module test/fakes/hooks
 * A product's webhook receiver (ACCESS_WEBHOOK_URL): `POST /hooks/:scope/...` records the request with its raw
 * body (to check the signature over exactly what was sent) and answers 200 `{"received":true}`, or the status of an
 * injected failure (`fail({provider: "hooks", status: 500})`).
 */
import type { IncomingMessage } from "node:http";
import { json, normalizeScope, parseBody, sleep, type Reply } from "./http.ts";
import type { FakeState } from "./state.ts";

export async function handleHooks(fake: FakeState, req: IncomingMessage, u: URL, raw: string): Promise<Reply> {
  const method = req.method ?? "GET";
  const scope = normalizeScope(decodeURIComponent(/^\/hooks\/([^/]+)/.exec(u.pathname)?.[1] ?? ""));
  const rec = fake.record("hooks", scope, req, u, parseBody(raw, req.headers["content-type"]));
  rec.raw = raw;
  const finish = (reply: Reply): Reply => {
    rec.status = reply.status;
    return reply;
  };
  const fail = fake.takeFail(scope, "hooks", method, u.pathname);
  if (fail?.hangMs !== undefined) await sleep(fail.hangMs);
  else if (fail) {
    rec.injected = true;
    return finish(json(fail.status ?? 500, { error: "receiver failed (injected)" }));
  }
  if (method !== "POST") return finish(json(405, { error: "POST only" }));
  return finish(json(200, { received: true }));
}
