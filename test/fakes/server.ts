/**
 * @module test/fakes/server
 * A local fake of Stripe, Gemini, Resend and Slack: one Node `http` server on 127.0.0.1 that speaks each
 * provider's wire format, records what it received, and can be scripted through a control API under
 * `/__fake/*`. Started by `test/global-setup.ts` (port 0) and by `scripts/demo.ts` (fixed port).
 *
 * Routes (base = the returned `url`):
 *   Stripe  `/v1/...`                                   (Stripe SDK: host 127.0.0.1, port, protocol "http")
 *   Gemini  `/v1beta/models/{model}:generateContent`   (genai: httpOptions.baseUrl = url)
 *           `/v1beta/models/{model}:streamGenerateContent?alt=sse`
 *   Resend  `/resend/emails`, `/resend/emails/batch`, `GET /resend/emails/:id` (Resend: baseUrl = url + "/resend")
 *   Slack   `/slack/api/{method}` (api base = url + "/slack/api"), `/slack/response/:id`, `/slack/webhook/:id`
 *   Portal  `GET /portal/:id` (billing portal page)
 *   Hooks   `POST /hooks/:scope/...` (a product's webhook receiver, e.g. ACCESS_WEBHOOK_URL)
 *   Control `/__fake/...` (see `test/fakes/client.ts`)
 *
 * Scope: see `normalizeScope` — the API key with one well-known prefix stripped.
 *
 * Layout: this file routes; `http.ts` holds the wire helpers, `state.ts` the per-scope memory and recorder,
 * one module per provider (`stripe*.ts`, `gemini.ts`, `resend.ts`, `slack.ts`) and `control.ts` the control API.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { StripeObjectStore } from "./client.ts";
import { json, readRaw, send, type Reply } from "./http.ts";
import { createFakeState } from "./state.ts";
import { handleStripe } from "./stripe.ts";
import { portalPage } from "./stripe-billing.ts";
import { handleGemini } from "./gemini.ts";
import { handleResend } from "./resend.ts";
import { handleSlack } from "./slack.ts";
import { handleControl } from "./control.ts";
import { handleHooks } from "./hooks.ts";

export type { StripeObjectStore } from "./client.ts";
export { decodeStripeForm, normalizeScope } from "./http.ts";

/** A running fake: its base URL and a way to stop it. */
export interface FakeServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the fake on 127.0.0.1:`port` (0 = any free port), seeded with the Stripe fixtures and `stripeObjects`. */
export async function startFakeServer(port: number, options?: { stripeObjects?: StripeObjectStore }): Promise<FakeServer> {
  const fake = createFakeState(options?.stripeObjects);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? "/", "http://127.0.0.1");
    const raw = await readRaw(req);
    const p = u.pathname;
    let reply: Reply | null;
    if (p.startsWith("/__fake/")) reply = await handleControl(fake, req, u, raw);
    else if (/^\/(v1beta|v1alpha)\//.test(p) || /^\/v1\/models\//.test(p)) reply = await handleGemini(fake, req, res, u, raw);
    else if (p.startsWith("/v1/")) reply = await handleStripe(fake, req, u, raw);
    else if (p === "/resend" || p.startsWith("/resend/")) reply = await handleResend(fake, req, u, raw);
    else if (p.startsWith("/slack/")) reply = await handleSlack(fake, req, u, raw);
    else if (p.startsWith("/hooks/")) reply = await handleHooks(fake, req, u, raw);
    else if (p.startsWith("/portal/") && req.method === "GET") reply = portalPage(decodeURIComponent(p.slice("/portal/".length)));
    else reply = json(404, { error: `fake server: no route for ${req.method} ${p}` });
    if (reply) send(res, reply);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error("[fake] handler error", err);
      send(res, json(500, { error: String(err) }));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : port}`;
  fake.url = url;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
