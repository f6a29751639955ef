/**
 * The demo tells the truth: replayed events are re-stamped to now with every time in them moved alike (a trial end
 * or next retry stays in the future), and the fake Stripe answers with each object's state at each event's moment.
 */
import { describe, expect, it } from "vitest";
import { restamp } from "../../scripts/replay.ts";
import { statesBeforeEach } from "../../scripts/lib/stripe-timeline.ts";

describe("restamp", () => {
  it("moves every time in the object with created, so a future trial end or retry stays in the future", () => {
    const original = 1_700_000_000;
    const [f] = restamp(
      [{ file: "x.json", event: { id: "evt_1", created: original, data: { object: { id: "sub_1", trial_end: original + 3 * 86400, items: { data: [{ current_period_end: original + 86400 }] }, amount: 4900 } } } }],
      { now: 1_800_000_000 },
    );
    const obj = (f?.event.data as { object: { trial_end: number; amount: number; items: { data: Array<{ current_period_end: number }> } } }).object;
    expect(f?.event.created).toBe(1_800_000_000);
    expect(obj.trial_end).toBe(1_800_000_000 + 3 * 86400);
    expect(obj.items.data[0]?.current_period_end).toBe(1_800_000_000 + 86400);
    expect(obj.amount).toBe(4900);
  });
});

describe("the fake Stripe's timeline", () => {
  it("a PaymentIntent reads as failed from the first event until its success event, then as succeeded", () => {
    const failed = { id: "pi_1", status: "requires_payment_method", last_payment_error: { decline_code: "expired_card" } };
    const succeeded = { id: "pi_1", status: "succeeded", last_payment_error: null };
    const invoice = { id: "in_1", status: "open" };
    const puts = statesBeforeEach([
      { created: 100, object: invoice }, // invoice.payment_failed arrives first
      { created: 101, object: failed }, // then its PaymentIntent's failure
      { created: 200, object: succeeded }, // later the retry succeeds
    ]);
    // Before the invoice event, the PaymentIntent already reads as failed (its first known state), not succeeded.
    expect(puts[0]).toEqual(expect.arrayContaining([{ collection: "payment_intents", id: "pi_1", object: failed }]));
    expect(puts[1]?.find((p) => p.id === "pi_1")).toBeUndefined(); // unchanged
    expect(puts[2]).toEqual([{ collection: "payment_intents", id: "pi_1", object: succeeded }]);
  });
});
