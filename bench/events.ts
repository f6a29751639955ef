/**
 * @module bench/events
 * Signed Stripe events for the bench: copies of fixture events with fresh ids (and customers), signed with the
 * SDK's test header helper, and the demo setup's bindings and sender.
 */
import Stripe from "stripe";
import { readFileSync } from "node:fs";
import type { Obj } from "./context.ts";
import { toml } from "./workers.ts";

export const FIXTURE_FAILED = "fixtures/events/01-olivia-invoice-payment-failed-insufficient-funds.json";
const baseFailed = JSON.parse(readFileSync(FIXTURE_FAILED, "utf8")) as Obj;
/**
 * Latency run: alternates two invoice.payment_failed fixtures of different API shapes and currencies whose day 0 acts:
 * 10 (Lukas, old shape, expired card, EUR) and 28 (Chloe, current shape, AUD). A soft decline with Stripe's retry
 * scheduled (01, 13) is recorded silently on day 0: nothing to time.
 */
export const LATENCY_TEMPLATES = ["fixtures/events/10-lukas-old-shape-invoice-payment-failed-expired-card-eur.json", "fixtures/events/28-chloe-invoice-payment-failed-unknown-decline-code-aud.json"].map(
  (f) => JSON.parse(readFileSync(f, "utf8")) as Obj,
);
export const customerOf = (e: Obj) => (e.data as { object: Obj }).object.customer as string;

/**
 * A copy of an invoice.payment_failed fixture with its own event id and invoice (and customer, when given), created
 * now. Its own invoice: copies of one invoice would be one case, whose later events are Stripe's retries of it.
 */
export function failedEvent(id: string, customerId?: string, template: Obj = baseFailed): Obj {
  const e = structuredClone(template);
  e.id = id;
  e.created = Math.floor(Date.now() / 1000);
  const invoice = (e.data as { object: Obj }).object;
  invoice.id = `in_${id.replace(/^evt_/, "")}`;
  if (customerId) invoice.customer = customerId;
  return e;
}

export interface Signed {
  id: string;
  payload: string;
  header: string;
}
export function sign(event: Obj, secret: string): Signed {
  const payload = JSON.stringify(event);
  return { id: String(event.id), payload, header: Stripe.webhooks.generateTestHeaderString({ payload, secret }) };
}

export const randomHex = (n: number) => [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b.toString(16).padStart(2, "0")).join("");


export function demoBindings(secret: string, stripeKey: string, fakeUrl: string): Record<string, string> {
  // As scripts/demo.ts starts `wrangler dev`: wrangler.toml [vars] + the demo's --vars.
  return {
    ...toml.vars,
    STRIPE_WEBHOOK_SECRET: secret,
    STRIPE_SECRET_KEY: stripeKey,
    STRIPE_API_BASE: fakeUrl,
    DEFAULT_MODE: "live",
    PI_ATTRIBUTION_HOLD_SECONDS: "2",
    RETRY_BASE_DELAY_SECONDS: "1",
    APP_URL: "http://localhost:8787",
    BRAND_NAME: "Acme Analytics",
  };
}

export async function sendSigned(url: URL, s: Signed): Promise<number> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "stripe-signature": s.header }, body: s.payload });
  await res.arrayBuffer();
  return res.status;
}
