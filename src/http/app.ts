/**
 * @module app
 * The Hono app: routes only, no business logic. Importable and runnable in plain Node with bindings
 * passed in (no `cloudflare:workers` import), so the bench can drive the ingress directly.
 */
import { Hono } from "hono";
import { VERSION } from "../constants.ts";
import type { Env } from "../env.ts";
import { log } from "../log.ts";
import { registerAdminRoutes } from "./admin.ts";
import { handleAccess } from "./access.ts";
import { handleCardUpdate, handleCardUpdatePost, handleCardUpdated } from "./card-update.ts";
import { handleSlackInteractions } from "./slack-interactions.ts";
import { handleStripeWebhook } from "./stripe-webhook.ts";
import { handleResendWebhook } from "./resend-webhook.ts";
import { handleUnsubscribe, handleUnsubscribePage } from "./unsubscribe.ts";

export type AppEnv = { Bindings: Env };

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/healthz", (c) => c.json({ ok: true, version: VERSION }));
  app.all("/webhooks/stripe", handleStripeWebhook);
  app.post("/slack/interactions", handleSlackInteractions);
  app.post("/webhooks/resend", handleResendWebhook);
  app.get("/r/update/:token", handleCardUpdate);
  app.post("/r/update/:token", handleCardUpdatePost);
  app.get("/r/updated", handleCardUpdated);
  app.get("/r/unsubscribe/:token", handleUnsubscribePage);
  app.post("/r/unsubscribe/:token", handleUnsubscribe);
  app.get("/v1/access/:customerId", handleAccess);
  registerAdminRoutes(app);
  app.notFound((c) => c.json({ error: "not_found" }, 404));
  app.onError((err, c) => {
    log("error", "http.error", { path: new URL(c.req.url).pathname, error: err instanceof Error ? err.message : String(err) });
    return c.json({ error: "internal_error" }, 500);
  });
  return app;
}
