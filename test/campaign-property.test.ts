/**
 * Property: over any sequence of Stripe events (retries at any hour, reason changes, a late payment), a customer gets
 * at most one email per 24 h (the 3-D Secure email of an incomplete subscription exempt) and none outside their send
 * window. The real consumer and jobs on the real D1, in simulated time.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { FailureReason } from "../src/ingest/decline-codes.ts";
import { CampaignSim, DAY, HOUR, hourIn } from "./helpers/campaign-sim.ts";
import { migrate } from "./helpers/env.ts";

beforeAll(migrate);
vi.setConfig({ testTimeout: 600_000 });
beforeAll(() => {
  // Hundreds of simulated decisions log a line each.
  vi.spyOn(console, "log").mockImplementation(() => undefined);
  vi.spyOn(console, "warn").mockImplementation(() => undefined);
});

const ZONES = ["Asia/Tokyo", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Australia/Sydney"] as const;
const REASONS: Array<[FailureReason, string]> = [
  ["insufficient_funds", "insufficient_funds"],
  ["card_expired", "expired_card"],
  ["do_not_honor", "do_not_honor"],
  ["authentication_required", "authentication_required"],
  ["card_unusable", "pickup_card"],
];

const scenario = fc.record({
  zone: fc.constantFrom(...ZONES),
  startHour: fc.integer({ min: 0, max: 23 }),
  first: fc.constantFrom(...REASONS),
  incomplete: fc.boolean(),
  retries: fc.array(fc.record({ afterHours: fc.integer({ min: 1, max: 60 }), reason: fc.constantFrom(...REASONS), lastOne: fc.boolean() }), { maxLength: 3 }),
  paidAfterHours: fc.option(fc.integer({ min: 12, max: 200 }), { nil: null }),
});

describe("campaign property", () => {
  it("at most one email per 24 h and none outside the customer's window, whatever Stripe sends when", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const start = Date.UTC(2026, 5, 1, s.startHour, 0, 0);
        const sim = new CampaignSim(start);
        const [reason, code] = s.first;
        const failed = sim.failure({ reason, declineCode: code, zone: s.zone, ...(s.incomplete ? { subscriptionStatus: "incomplete" } : {}) });
        await sim.deliver(failed);
        let elapsed = 0;
        for (const [i, r] of s.retries.entries()) {
          await sim.advance(r.afterHours * HOUR);
          elapsed += r.afterHours * HOUR;
          await sim.deliver(sim.failure({ reason: r.reason[0], declineCode: r.reason[1], attempt: i + 2, nextRetryInDays: r.lastOne ? null : 2, zone: s.zone }));
        }
        const horizon = 9 * DAY;
        if (s.paidAfterHours !== null && s.paidAfterHours * HOUR > elapsed) {
          await sim.advance(s.paidAfterHours * HOUR - elapsed);
          elapsed = s.paidAfterHours * HOUR;
          await sim.deliver({ ...failed, eventId: `${failed.eventId}_paid`, eventType: "invoice.paid", failureReason: null, declineCode: null });
        }
        await sim.advance(Math.max(0, horizon - elapsed), 2 * HOUR);
        const emails = await sim.emails();
        for (const m of emails) {
          const h = hourIn(m.at, s.zone);
          const [open, close] = m.template === "authentication_required" ? [8, 21] : [9, 19];
          expect(h, `${m.template} at ${new Date(m.at).toISOString()} (${s.zone} ${h}:00)`).toBeGreaterThanOrEqual(open);
          expect(h).toBeLessThan(close);
        }
        const throttled = emails.filter((m) => !(s.incomplete && m.template === "authentication_required"));
        for (let i = 1; i < throttled.length; i++) {
          const gap = (throttled[i]?.at ?? 0) - (throttled[i - 1]?.at ?? 0);
          expect(gap, `${throttled[i - 1]?.template} then ${throttled[i]?.template}`).toBeGreaterThanOrEqual(24 * HOUR);
        }
      }),
      { numRuns: 12 },
    );
  });
});
