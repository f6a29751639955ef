/**
 * Retries that respect the issuer, for the payments the agent retries itself (one-off PaymentIntents, the pay-now
 * after a card update): the issuer's advice code, Mastercard merchant advice codes, Stripe's "previously declined,
 * do not retry" block, a cap per card over 30 days, and only the payment method the customer chose.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { planOneOff } from "../src/dunning/one-off.ts";
import { retryAdvice } from "../src/dunning/retry-advice.ts";
import { sweepDueJobs } from "../src/scheduled.ts";
import { fakeClient } from "./fakes/client.ts";
import { decisionsOf, outboxFor } from "./helpers/consumer.ts";
import { deliver, runDueJobs } from "./helpers/deliver.ts";
import { env, envWith, migrate, uid } from "./helpers/env.ts";
import { paymentIntentEvent } from "./helpers/stripe-events.ts";

const fakeUrl = inject("fakeUrl");
beforeAll(migrate);

describe("retry advice (pure)", () => {
  const f = (over: Partial<Parameters<typeof retryAdvice>[0]>) => retryAdvice({ declineCode: "insufficient_funds", adviceCode: null, networkAdviceCode: null, outcomeReason: null, ...over });
  it.each([
    [{ adviceCode: "do_not_try_again" }, "never"],
    [{ declineCode: "do_not_try_again" }, "never"],
    [{ networkAdviceCode: "03" }, "never"],
    [{ networkAdviceCode: "21" }, "never"],
    [{ declineCode: "generic_decline", outcomeReason: "previously_declined_do_not_retry" }, "never"],
    [{ adviceCode: "confirm_card_data" }, "ask_customer"],
    [{ adviceCode: "try_again_later" }, "not_before"],
    [{ networkAdviceCode: "25" }, "not_before"],
    [{}, "ok"],
  ] as const)("%o -> %s", (over, kind) => {
    expect(f(over).kind).toBe(kind);
  });

  it("bounds the one-off plan: never -> no retry; a network wait -> the retry waits at least that long; confirm_card_data -> ask the customer", () => {
    const delays = [1800, 86400];
    expect(planOneOff("insufficient_funds", 1, delays).retryAfterSeconds).toBe(1800);
    expect(planOneOff("insufficient_funds", 1, delays, f({ adviceCode: "do_not_try_again" })).retryAfterSeconds).toBeNull();
    expect(planOneOff("insufficient_funds", 1, delays, f({ networkAdviceCode: "26" })).retryAfterSeconds).toBe(2 * 86400);
    const ask = planOneOff("insufficient_funds", 1, delays, f({ adviceCode: "confirm_card_data" }));
    expect(ask).toMatchObject({ retryAfterSeconds: null, call: { name: "send_email", args: { template_id: "card_update_request" } } });
  });
});

async function world() {
  const scope = uid("adv");
  const run = uid("a");
  const customerId = `cus_${run}`;
  const fake = fakeClient(fakeUrl, scope);
  await fake.putStripe("customers", customerId, { id: customerId, object: "customer", email: `r.${run}@example.com`, name: "R", preferred_locales: [], invoice_settings: { default_payment_method: `pm_default_${run}` } });
  const e = envWith({ DEFAULT_MODE: "live", STRIPE_SECRET_KEY: `sk_test_${scope}`, STRIPE_API_BASE: fakeUrl, PI_RETRY_DELAYS: "1s,1s" });
  return { scope, run, customerId, fake, e };
}

function failure(w: Awaited<ReturnType<typeof world>>, lastError: Record<string, unknown>) {
  const ev = paymentIntentEvent({ eventId: `evt_${w.run}`, customerId: w.customerId, paymentIntentId: `pi_${w.run}`, declineCode: "insufficient_funds", amount: 25000 });
  const pi = (ev.data as { object: Record<string, unknown> }).object;
  pi.last_payment_error = { ...(pi.last_payment_error as Record<string, unknown>), ...lastError };
  return ev;
}

const retryJobs = (customerId: string) => env.LEDGER.prepare("SELECT id, due_at FROM scheduled_jobs WHERE customer_id = ?1 AND kind = 'pi_retry'").bind(customerId).all<{ id: string; due_at: number }>();

describe("one-off retries follow the issuer's advice (end to end)", () => {
  it("advice_code do_not_try_again: the customer is told, and no retry is ever scheduled", async () => {
    const w = await world();
    await deliver(failure(w, { advice_code: "do_not_try_again" }), w.e);
    expect((await retryJobs(w.customerId)).results).toHaveLength(0);
    expect(await outboxFor(w.customerId, "email")).toHaveLength(1);
  });

  it("Mastercard advice 25 (retry after 24 h): the retry is scheduled no sooner", async () => {
    const w = await world();
    const before = Date.now();
    await deliver(failure(w, { network_advice_code: "25" }), w.e);
    const [job] = (await retryJobs(w.customerId)).results;
    expect(job?.due_at).toBeGreaterThanOrEqual(before + 86400_000);
  });

  it("confirm_card_data: ask the customer for the card (card-update email), no retry", async () => {
    const w = await world();
    await deliver(failure(w, { advice_code: "confirm_card_data" }), w.e);
    expect((await retryJobs(w.customerId)).results).toHaveLength(0);
    expect((await decisionsOf(`evt_${w.run}`)).at(-1)).toMatchObject({ tool: "send_email", template_id: "card_update_request" });
  });

  it("a retry uses only the payment method the customer chose for the payment, never the default card on file", async () => {
    const w = await world();
    const pi = `pi_${w.run}`;
    await w.fake.putStripe("payment_intents", pi, { id: pi, object: "payment_intent", customer: w.customerId, amount: 25000, currency: "usd", status: "requires_payment_method", payment_method: null, last_payment_error: null });
    await deliver(failure(w, {}), w.e);
    await new Promise((r) => setTimeout(r, 1100));
    await runDueJobs(w.e, sweepDueJobs);
    expect((await w.fake.requests("stripe")).filter((r) => r.path.endsWith("/confirm"))).toHaveLength(0);
    expect((await decisionsOf(`evt_${w.run}~retry1`)).at(-1)).toMatchObject({ tool: "retry_payment_intent", outcome: "superseded" });
  });

  it("at most MAX_CARD_RETRIES_30D attempts per card in 30 days: the next retry is refused before Stripe is called", async () => {
    const w = await world();
    const pi = `pi_${w.run}`;
    const pm = `pm_${w.run}`;
    await w.fake.putStripe("payment_intents", pi, { id: pi, object: "payment_intent", customer: w.customerId, amount: 25000, currency: "usd", status: "requires_payment_method", payment_method: pm });
    const e = envWith({ ...w.e, MAX_CARD_RETRIES_30D: "2" });
    for (let i = 0; i < 2; i++) {
      await env.LEDGER.prepare("INSERT INTO card_retries (idempotency_key, payment_method_id, customer_id, at) VALUES (?1, ?2, ?3, ?4)").bind(`earlier-${w.run}-${i}`, pm, w.customerId, Date.now() - 86400_000).run();
    }
    await deliver(failure(w, {}), e);
    await new Promise((r) => setTimeout(r, 1100));
    await runDueJobs(e, sweepDueJobs);
    expect((await w.fake.requests("stripe")).filter((r) => r.path.endsWith("/confirm"))).toHaveLength(0);
    const last = (await decisionsOf(`evt_${w.run}~retry1`)).at(-1);
    expect(last).toMatchObject({ tool: "retry_payment_intent", outcome: "rejected" });
    expect(String(last?.detail)).toMatch(/already had 2 attempts by the agent in 30 days \(cap 2\)/);
  });
});
