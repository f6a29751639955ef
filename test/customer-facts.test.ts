/**
 * Where a customer lives and what they read, in the context: the country from the invoice payload, else from the
 * Stripe customer; the time zone from the customer's metadata only when it is a real zone; preferred locales.
 * These decide the clock the campaign's emails keep to (the send window).
 */
import type Stripe from "stripe";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { sendWindowFor } from "../src/campaign/send-window.ts";
import { depsOf } from "../src/deps.ts";
import { completeContext } from "../src/dunning/complete.ts";
import { normalizeEvent } from "../src/ingest/normalize.ts";
import { fakeClient } from "./fakes/client.ts";
import { contextOf } from "./helpers/consumer.ts";
import { envWith, migrate, uid } from "./helpers/env.ts";
import { fixture, invoiceEvent, paymentIntentEvent } from "./helpers/stripe-events.ts";

const fakeUrl = inject("fakeUrl");
beforeAll(migrate);

type Obj = Record<string, unknown>;

const norm = (event: Obj) => {
  const r = normalizeEvent(event as unknown as Stripe.Event);
  if (!r.ok) throw new Error(`did not normalize: ${r.reason}`);
  return r.context;
};

/** The customer.updated fixture with its customer object changed. */
function customerUpdated(fields: Obj): Obj {
  const base = fixture("06-olivia-customer-updated-default-payment-method");
  const data = base.data as Obj;
  return { ...base, data: { ...data, object: { ...(data.object as Obj), ...fields } } };
}

describe("from the webhook payload (normalize)", () => {
  it.each([
    ["13-haruto-invoice-payment-failed-jpy", "JP"],
    ["10-lukas-old-shape-invoice-payment-failed-expired-card-eur", "DE"],
    ["12-amelia-invoice-payment-action-required-3ds-gbp", "GB"],
    ["01-olivia-invoice-payment-failed-insufficient-funds", "US"],
  ])("an invoice carries the customer's country: %s -> %s", (name, country) => {
    expect(norm(fixture(name)).customerCountry).toBe(country);
  });

  it("an invoice without an address but with a shipping address uses the shipping country; with neither, none", () => {
    const shipped = invoiceEvent({ eventId: "evt_ship", customerId: "cus_ship", invoiceId: "in_ship", extra: { customer_address: null, customer_shipping: { name: "X", address: { country: "fr" } } } });
    expect(norm(shipped).customerCountry).toBe("FR");
    const none = invoiceEvent({ eventId: "evt_none", customerId: "cus_none", invoiceId: "in_none", extra: { customer_address: null, customer_shipping: null } });
    expect(norm(none).customerCountry).toBeNull();
  });

  it("customer.updated carries country, a valid metadata time zone and the preferred locales in order", () => {
    const ctx = norm(customerUpdated({ address: { country: "de" }, metadata: { timezone: "Europe/Berlin" }, preferred_locales: ["de-DE", "en"] }));
    expect(ctx).toMatchObject({ customerCountry: "DE", customerTimezone: "Europe/Berlin", preferredLocales: ["de-DE", "en"], customerLocale: "de-DE" });
    expect(norm(fixture("06-olivia-customer-updated-default-payment-method"))).toMatchObject({ customerCountry: "US", customerTimezone: null, preferredLocales: ["en"] });
  });

  it.each([["Berlin"], ["+02:00"], ["Europe/Nowhere"], [""], [42]])("a metadata time zone that is not a zone (%j) is left out", (timezone) => {
    const ctx = norm(customerUpdated({ address: { country: "DE" }, metadata: { timezone } }));
    expect(ctx.customerTimezone).toBeNull();
    // ... and the window falls back to the country's clock.
    expect(sendWindowFor({ timezone: ctx.customerTimezone, country: ctx.customerCountry }, "standard", "UTC").zone).toBe("Europe/Berlin");
  });

  it("ignores junk in preferred_locales and a country that is not a code", () => {
    const ctx = norm(customerUpdated({ address: { country: "Germany" }, preferred_locales: ["fr", 7, "", "not a locale", "pt-BR"] }));
    expect(ctx.customerCountry).toBeNull();
    expect(ctx.preferredLocales).toEqual(["fr", "pt-BR"]);
  });
});

describe("from the Stripe customer (completion, with a key)", () => {
  async function world(customer: Obj) {
    const scope = uid("facts");
    const customerId = `cus_${uid("f")}`;
    const fake = fakeClient(fakeUrl, scope);
    await fake.putStripe("customers", customerId, { id: customerId, object: "customer", email: "f@example.com", name: "F", preferred_locales: [], metadata: {}, address: null, ...customer });
    await fake.putStripe("paid_invoices", customerId, []);
    const deps = depsOf(envWith({ STRIPE_SECRET_KEY: `sk_test_${scope}`, STRIPE_API_BASE: fakeUrl }));
    return { customerId, deps };
  }

  it("a one-off payment failure learns the customer's country, zone and locales from Stripe", async () => {
    const w = await world({ address: { country: "JP" }, metadata: { timezone: "Asia/Tokyo" }, preferred_locales: ["ja", "en"] });
    const ctx = contextOf(paymentIntentEvent({ eventId: `evt_${uid()}`, customerId: w.customerId, paymentIntentId: `pi_${uid()}` }));
    expect(ctx.customerCountry).toBeUndefined();
    const done = await completeContext(w.deps, ctx);
    expect(done).toMatchObject({ customerCountry: "JP", customerTimezone: "Asia/Tokyo", preferredLocales: ["ja", "en"], customerLocale: "ja" });
  });

  it("the invoice's own address wins over the customer's; an invalid metadata zone is dropped", async () => {
    const w = await world({ address: { country: "US" }, metadata: { timezone: "Pacific Time" }, preferred_locales: ["en-US"] });
    const ctx = contextOf(invoiceEvent({ eventId: `evt_${uid()}`, customerId: w.customerId, invoiceId: `in_${uid()}`, extra: { customer_address: { country: "CA" } } }));
    const done = await completeContext(w.deps, ctx);
    expect(done).toMatchObject({ customerCountry: "CA", customerTimezone: null, preferredLocales: ["en-US"] });
    expect(sendWindowFor({ timezone: done.customerTimezone, country: done.customerCountry }, "standard", "UTC")).toMatchObject({ zone: "America/Toronto", label: "12:00-19:00" });
  });

  it("without a Stripe key the context keeps what the payload said", async () => {
    const deps = depsOf(envWith({ STRIPE_SECRET_KEY: "" }));
    const ctx = contextOf(fixture("13-haruto-invoice-payment-failed-jpy"));
    const done = await completeContext(deps, { ...ctx, customerId: `cus_${uid()}` });
    expect(done.customerCountry).toBe("JP");
    expect(done.customerTimezone ?? null).toBeNull();
  });
});
