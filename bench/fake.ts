/**
 * @module bench/fake
 * The local provider fake (test/fakes/server.ts) as the bench uses it: one instance for the run, its control API,
 * a scripted model, and queue messages built the way the ingress builds them.
 */
import type Stripe from "stripe";
import { readFileSync } from "node:fs";
import { geminiFunctionCall } from "../test/fakes/client.ts";
import { startFakeServer, type FakeServer, type StripeObjectStore } from "../test/fakes/server.ts";
import { N, type Obj } from "./context.ts";
import { getFake, setFake } from "./lifecycle.ts";
import { LATENCY_TEMPLATES, customerOf, failedEvent } from "./events.ts";

/** The provider fake shared by the sections (started once): fixtures plus one customer per latency event. */
export async function ensureFake(): Promise<FakeServer> {
  const existing = getFake();
  if (existing) return existing;
  // Distinct customers for the latency run (copies of a fixture customer and its paid invoices), plus the fixtures.
  const objects = JSON.parse(readFileSync("fixtures/stripe-objects.json", "utf8")) as Record<string, Record<string, unknown>>;
  const customers: Record<string, unknown> = {};
  const paidInvoices: Record<string, unknown> = {};
  for (let i = 0; i < N.latencyEvents + N.latencyIsolated; i++) {
    const template = LATENCY_TEMPLATES[i % LATENCY_TEMPLATES.length];
    if (template === undefined) continue;
    const srcCustomer = customerOf(template);
    const id = `cus_benchlat${String(i).padStart(3, "0")}`;
    customers[id] = { ...(objects.customers?.[srcCustomer] as Obj), id };
    paidInvoices[id] = objects.paid_invoices?.[srcCustomer] ?? [];
  }
  const seed: StripeObjectStore = { customers, paid_invoices: paidInvoices };
  const started = await startFakeServer(0, { stripeObjects: seed });
  setFake(started);
  return started;
}

/** A control-API call to the fake, JSON in and out. */
export async function fakeJson<T>(path: string, init?: RequestInit): Promise<T> {
  const f = await ensureFake();
  const res = await fetch(`${f.url}${path}`, init);
  if (!res.ok) throw new Error(`fake ${path} -> ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Scripts the fake model of `scope` with n answers "escalate_to_human" after delayMs each. */
export async function scriptModel(scope: string, n: number, delayMs: number): Promise<void> {
  await fakeJson(`/__fake/gemini/script?scope=${scope}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(Array.from({ length: n }, () => ({ delayMs, body: geminiFunctionCall("escalate_to_human", { reason: "bench" }) }))),
  });
}

/** n queue message bodies: a failed invoice each for n distinct customers, normalized as the ingress would. */
export async function failedEventJobs(eventPrefix: string, customerPrefix: string, n: number): Promise<Array<{ kind: string; context: unknown; receivedAt: number }>> {
  const { normalizeEvent } = await import("../src/ingest/normalize.ts");
  return Array.from({ length: n }, (_, i) => {
    const r = normalizeEvent(failedEvent(`${eventPrefix}${String(i).padStart(3, "0")}`, `${customerPrefix}${String(i).padStart(3, "0")}`) as unknown as Stripe.Event);
    if (!r.ok) throw new Error(`fixture did not normalize: ${r.reason}`);
    // An expired card: day 0 decides (a soft decline with Stripe's retry scheduled is recorded silently, unasked).
    return { kind: "event", context: { ...r.context, failureReason: "card_expired", declineCode: "expired_card" }, receivedAt: Date.now() };
  });
}
