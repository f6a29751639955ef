import { readFileSync, readdirSync } from "node:fs";
import Stripe from "stripe";
import { createTestHarness } from "wrangler";
const server = createTestHarness({ root: process.cwd(), workers: [{ configPath: "./wrangler.toml", vars: { RETRY_BASE_DELAY_SECONDS: "0", PI_ATTRIBUTION_HOLD_SECONDS: "0" }, secrets: { ADMIN_TOKEN: "tok", STRIPE_WEBHOOK_SECRET: "whsec_x", STRIPE_SECRET_KEY: "", GEMINI_API_KEY: "", RESEND_API_KEY: "", SLACK_BOT_TOKEN: "", SLACK_CHANNEL: "", SANDBOX_EMAIL: "" } }] });
const { url } = await server.listen();
await server.getWorker().applyD1Migrations("LEDGER");
await server.fetch("/admin/mode", { method: "PUT", headers: { authorization: "Bearer tok" }, body: JSON.stringify({ mode: "live" }) });
for (const f of readdirSync("fixtures/events").sort()) {
  const payload = readFileSync("fixtures/events/" + f, "utf8");
  const r = await server.fetch("/webhooks/stripe", { method: "POST", headers: { "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_x" }) }, body: payload });
  await new Promise((r) => setTimeout(r, 50));
}
console.log("URL", url.href);
setTimeout(() => server.close().then(() => process.exit(0)), 120_000);
