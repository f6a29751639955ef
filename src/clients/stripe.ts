/**
 * @module clients/stripe
 * The Stripe client: pinned API version, fetch HTTP client, 2 network retries, a timeout.
 * `STRIPE_API_BASE` (e.g. http://127.0.0.1:12111) points it at a local fake.
 */
import Stripe from "stripe";
import type { Config } from "../config.ts";

export const STRIPE_API_VERSION = "2026-10-28.endive" as const;

export function createStripe(config: Config): Stripe | null {
  if (config.stripeSecretKey === null) return null;
  const base = config.stripeApiBase === null ? null : new URL(config.stripeApiBase);
  return new Stripe(config.stripeSecretKey, {
    apiVersion: STRIPE_API_VERSION,
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 2,
    timeout: 10_000,
    ...(base !== null
      ? { host: base.hostname, port: Number(base.port || (base.protocol === "https:" ? 443 : 80)), protocol: base.protocol === "https:" ? "https" : "http" }
      : {}),
  });
}

/** A Stripe error we should retry the whole message for (network, 5xx, rate limit), vs a definite answer. */
export function isTransientStripeError(err: unknown): boolean {
  if (!(err instanceof Error)) return true;
  const e = err as Error & { type?: string; statusCode?: number; code?: string };
  if (e.type === "StripeConnectionError" || e.type === "StripeAPIError" || e.type === "StripeRateLimitError") return true;
  // 409: a request with the same idempotency key is still executing; its result will be stored for us.
  if (e.code === "idempotency_key_in_use") return true;
  return typeof e.statusCode === "number" ? e.statusCode >= 500 || e.statusCode === 429 : e.type === undefined;
}
