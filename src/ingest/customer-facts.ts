/**
 * @module customer-facts
 * Where a customer lives and what they read, from Stripe objects: the country of their address, the time zone the
 * team wrote in the customer's metadata (`timezone`, kept only when it is a real IANA zone) and their
 * `preferred_locales`. One reading for the webhook payloads (normalize) and the customer fetched from the API
 * (completion). Pure.
 */
import { canonicalZone } from "../campaign/zones.ts";

/** Stripe customer metadata key for the customer's IANA time zone (e.g. `Europe/Berlin`). */
export const TIMEZONE_METADATA_KEY = "timezone";

export interface CustomerFacts {
  /** ISO 3166-1 alpha-2, upper case. */
  country: string | null;
  timezone: string | null;
  preferredLocales: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const field = (v: unknown, key: string): unknown => (isObj(v) ? v[key] : undefined);

/** A two-letter country code in upper case, or null. */
export function countryCode(v: unknown): string | null {
  if (typeof v !== "string") return null;
  const c = v.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(c) ? c : null;
}

/** Locale tags as Stripe lists them ("en", "fr-CA"), well-formed ones only, at most 10, in order. */
export function localesOf(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.filter((l): l is string => typeof l === "string" && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(l)).slice(0, 10);
}

/** The facts of a Stripe customer object (webhook payload or API answer). */
export function customerFactsOf(customer: unknown): CustomerFacts {
  return {
    country: countryCode(field(field(customer, "address"), "country")) ?? countryCode(field(field(field(customer, "shipping"), "address"), "country")),
    timezone: canonicalZone(field(field(customer, "metadata"), TIMEZONE_METADATA_KEY)),
    preferredLocales: localesOf(field(customer, "preferred_locales")),
  };
}

/** The customer's country as an invoice copies it (`customer_address`, else `customer_shipping.address`). */
export function invoiceCountryOf(invoice: unknown): string | null {
  return countryCode(field(field(invoice, "customer_address"), "country")) ?? countryCode(field(field(field(invoice, "customer_shipping"), "address"), "country"));
}
