/**
 * The recovery campaign in simulated time: which message goes out on which day and at which local hour, when access
 * is restricted, and what ends or pauses the plan. The real consumer code on the real D1; only the clock is injected.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { migrate } from "./helpers/env.ts";
import { CampaignSim, DAY, HOUR, hourIn } from "./helpers/campaign-sim.ts";
import { env } from "./helpers/env.ts";
import { createApp } from "../src/http/app.ts";

async function casesOf(customerId: string): Promise<Array<Record<string, unknown>>> {
  const res = await createApp().fetch(new Request(`http://recovery.test/admin/customers/${customerId}`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } }), env);
  expect(res.status).toBe(200);
  return ((await res.json()) as { cases: Array<Record<string, unknown>> }).cases;
}

beforeAll(migrate);
// A simulated month sweeps hour by hour: slower than most files, never timed.
vi.setConfig({ testTimeout: 240_000 });

/** 2026-03-02 (a Monday) at a given UTC hour. */
const at = (utcHour: number, day = 2) => Date.UTC(2026, 2, day, utcHour, 0, 0);
const dayOf = (sim: CampaignSim, start: number, t: number) => Math.floor((t - start) / DAY);

describe("campaign: soft decline with Stripe retries", () => {
  it("day 0 silent, day-3 reminder, final warning on day 5, restricted on day 7 and never before the warning is 48 h old", async () => {
    const start = at(14);
    const sim = new CampaignSim(start, { DEFAULT_TIMEZONE: "Europe/Berlin" });
    await sim.deliver(sim.failure({ reason: "insufficient_funds" }));
    expect(await sim.emails()).toEqual([]);
    const row = await sim.caseRow();
    expect(row).toMatchObject({ campaign_started_at: start, grace_until: start + 7 * DAY, customer_zone: "Europe/Berlin" });
    // The visible plan: the day-3 reminder, in the customer's window on their clock.
    expect((await casesOf(sim.customerId))[0]?.nextStep).toEqual({ step: "day_3_notice", dueAt: start + 3 * DAY, action: "send_email:soft_payment_reminder", window: "09:00-19:00", zone: "Europe/Berlin" });
    // The dashboard's open-cases row shows it on the customer's clock (14:00 UTC = 15:00 in Berlin in March).
    const page = await (await createApp().fetch(new Request("http://recovery.test/admin", { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } }), env)).text();
    const rowHtml = page.slice(page.indexOf(`data-case-id="${sim.invoiceId}"`), page.indexOf("</tr>", page.indexOf(`data-case-id="${sim.invoiceId}"`)));
    expect(rowHtml).toContain("day 3 notice: send_email:soft_payment_reminder");
    expect(rowHtml).toContain("Thu 5 Mar, 15:00 Europe/Berlin");

    // Stripe's retries land at night: they update the case and decide nothing.
    await sim.advance(3 * DAY - 14 * HOUR);
    await sim.deliver(sim.failure({ reason: "insufficient_funds", attempt: 2, nextRetryInDays: 5 }));
    expect(await sim.emails()).toEqual([]);
    expect((await sim.caseRow())?.attempt_count).toBe(2);

    await sim.advance(4 * DAY + 14 * HOUR);
    const emails = await sim.emails();
    expect(emails.map((m) => [m.template, dayOf(sim, start, m.at)])).toEqual([
      ["soft_payment_reminder", 3],
      ["final_warning", 5],
    ]);
    for (const m of emails) expect(hourIn(m.at, "Europe/Berlin")).toBeGreaterThanOrEqual(9);
    for (const m of emails) expect(hourIn(m.at, "Europe/Berlin")).toBeLessThan(19);
    const warnedAt = (await sim.caseRow())?.warned_at as number;
    expect(warnedAt).toBe(emails[1]?.at);
    expect((await sim.caseRow())?.restricted_at).toBeTypeOf("number");
    const access = await sim.access();
    expect(access.state).toBe("restricted");
    expect((await casesOf(sim.customerId))[0]?.nextStep).toBeNull();
    expect((await sim.caseRow())?.restricted_at as number).toBeGreaterThanOrEqual(warnedAt + 48 * HOUR);
    // The grace end the warning named is the instant the access endpoint shows.
    expect(access.graceUntil).toBe((await sim.caseRow())?.grace_until);
    expect(access.graceUntil).toBeGreaterThanOrEqual(warnedAt + 48 * HOUR);
  });

  it("with no Stripe retry scheduled, day 0 sends the reminder (held until the customer's morning when the failure lands at night)", async () => {
    const start = at(1); // 02:00 in Berlin
    const sim = new CampaignSim(start, { DEFAULT_TIMEZONE: "Europe/Berlin" });
    await sim.deliver(sim.failure({ reason: "do_not_honor", nextRetryInDays: null }));
    expect(await sim.emails()).toEqual([]);
    await sim.advance(12 * HOUR);
    const [first] = await sim.emails();
    expect(first?.template).toBe("soft_payment_reminder");
    expect(hourIn(first?.at ?? 0, "Europe/Berlin")).toBe(9);
  });
});

describe("campaign: every reason family", () => {
  it("needs-customer (expired card): card-update email on day 0 and day 3, then the final warning", async () => {
    const start = at(10);
    const sim = new CampaignSim(start);
    await sim.deliver(sim.failure({ reason: "card_expired", declineCode: "expired_card" }));
    await sim.advance(6 * DAY);
    expect((await sim.emails()).map((m) => [m.template, dayOf(sim, start, m.at)])).toEqual([
      ["card_update_request", 0],
      ["card_update_request", 3],
      ["final_warning", 5],
    ]);
  });

  it("3-D Secure: its own email on day 0 and day 3 and a dated one at the end, never 'update your card' or a final warning", async () => {
    const start = at(10);
    const sim = new CampaignSim(start);
    await sim.deliver(sim.failure({ reason: "authentication_required", declineCode: "authentication_required", type: "invoice.payment_action_required" }));
    await sim.advance(8 * DAY);
    const templates = (await sim.emails()).map((m) => m.template);
    expect(templates).toEqual(["authentication_required", "authentication_required", "authentication_required"]);
    const row = await sim.caseRow();
    expect(row?.warned_at).toBeTypeOf("number");
    expect(row?.restricted_at as number).toBeGreaterThanOrEqual((row?.warned_at as number) + 48 * HOUR);
  });

  it("trial: no final warning; the last notice is the dated card-update email", async () => {
    const start = at(10);
    const sim = new CampaignSim(start);
    await sim.deliver(sim.failure({ reason: "insufficient_funds", nextRetryInDays: null, trialEndedAt: start - HOUR }));
    await sim.advance(8 * DAY);
    const templates = (await sim.emails()).map((m) => m.template);
    expect(templates).not.toContain("final_warning");
    expect(templates.at(-1)).toBe("card_update_request");
    expect((await sim.caseRow())?.warned_at).toBeTypeOf("number");
    // The last notice names the day access pauses (the frozen grace end), without pressure wording.
    const last = await env.LEDGER.prepare(`SELECT text FROM outbox WHERE customer_id = ?1 AND kind = 'email' ORDER BY id DESC LIMIT 1`).bind(sim.customerId).first<{ text: string }>();
    expect(last?.text).toMatch(/Your access stays on until .+2026\. After that it pauses until the payment goes through\./);
    const earlier = await env.LEDGER.prepare(`SELECT text FROM outbox WHERE customer_id = ?1 AND kind = 'email' ORDER BY id LIMIT 1`).bind(sim.customerId).first<{ text: string }>();
    expect(earlier?.text).not.toContain("Your access stays on until");
  });

  it("annual: the grace is 21 days, so the final warning comes on day 19", { timeout: 180_000 }, async () => {
    const start = at(10);
    const sim = new CampaignSim(start);
    await sim.deliver(sim.failure({ reason: "card_expired", declineCode: "expired_card", lookupKey: "pro_annual" }));
    await sim.advance(18 * DAY);
    expect((await sim.emails()).map((m) => m.template)).not.toContain("final_warning");
    expect((await sim.access()).state).toBe("grace");
    await sim.advance(4 * DAY);
    const warning = (await sim.emails()).find((m) => m.template === "final_warning");
    expect(dayOf(sim, start, warning?.at ?? 0)).toBe(19);
  });

  it("suspected fraud: a person is told on day 0, the customer gets nothing, access is restricted at the grace end without a warning", async () => {
    const start = at(10);
    const sim = new CampaignSim(start);
    await sim.deliver(sim.failure({ reason: "fraud_suspected", declineCode: "stolen_card" }));
    expect(await sim.slack()).toBe(1);
    await sim.advance(8 * DAY);
    expect(await sim.emails()).toEqual([]);
    const row = await sim.caseRow();
    expect(row?.warned_at).toBeNull();
    expect(row?.restricted_at).toBe(start + 7 * DAY);
    expect((await sim.access()).state).toBe("restricted");
  });

  it("a decline code we have never seen is escalated on day 0, and the customer is not emailed", async () => {
    const sim = new CampaignSim(at(10));
    await sim.deliver(sim.failure({ reason: "unknown", declineCode: "brand_new_issuer_code" }));
    expect(await sim.slack()).toBe(1);
    await sim.advance(4 * DAY);
    expect(await sim.emails()).toEqual([]);
  });
});

describe("campaign: send windows on the customer's clock", () => {
  for (const zone of ["Asia/Tokyo", "Europe/Berlin", "America/New_York", "America/Los_Angeles"]) {
    it(`a customer in ${zone} is never emailed at night, whenever Stripe's webhooks land`, async () => {
      const sim = new CampaignSim(at(3));
      await sim.deliver(sim.failure({ reason: "card_expired", declineCode: "expired_card", zone }));
      await sim.advance(8 * DAY, 30 * 60_000);
      const emails = await sim.emails();
      expect(emails.length).toBeGreaterThanOrEqual(3);
      if (emails.length < 3) {
        const d = await sim.deps.db.prepare(`SELECT event_id, decided_by, tool, template_id, outcome, detail, reason, created_at FROM decisions WHERE customer_id = ?1 ORDER BY id`).bind(sim.customerId).all();
        console.error(JSON.stringify(d.results, null, 1));
      }
      for (const m of emails) {
        const h = hourIn(m.at, zone);
        expect(h, `${m.template} at ${new Date(m.at).toISOString()}`).toBeGreaterThanOrEqual(9);
        expect(h).toBeLessThan(19);
      }
    });
  }
});

describe("campaign: coexisting with Stripe's own emails", () => {
  it("STRIPE_CUSTOMER_EMAILS=on: no day-0 email and no 3-D Secure email; the day-3 notice and the final warning stay", async () => {
    const start = at(10);
    const sim = new CampaignSim(start, { STRIPE_CUSTOMER_EMAILS: "on" });
    await sim.deliver(sim.failure({ reason: "card_expired", declineCode: "expired_card" }));
    await sim.advance(6 * DAY);
    expect((await sim.emails()).map((m) => [m.template, dayOf(sim, start, m.at)])).toEqual([
      ["card_update_request", 3],
      ["final_warning", 5],
    ]);
    const sca = new CampaignSim(start, { STRIPE_CUSTOMER_EMAILS: "on" });
    await sca.deliver(sca.failure({ reason: "authentication_required", declineCode: "authentication_required" }));
    await sca.advance(6 * DAY);
    expect((await sca.emails()).map((m) => m.template)).not.toContain("authentication_required");
  });
});

describe("campaign: events that end or pause the plan", () => {
  it("a payment ends the plan: no step runs after it and access is active", async () => {
    const sim = new CampaignSim(at(10));
    const failed = sim.failure({ reason: "card_expired", declineCode: "expired_card" });
    await sim.deliver(failed);
    await sim.advance(DAY);
    await sim.deliver({ ...failed, eventId: `${failed.eventId}_paid`, eventType: "invoice.paid", failureReason: null, declineCode: null });
    await sim.advance(10 * DAY);
    expect((await sim.emails()).map((m) => m.template)).toEqual(["card_update_request"]);
    expect((await sim.access()).state).toBe("active");
    const pending = await sim.deps.db.prepare(`SELECT COUNT(*) AS n FROM scheduled_jobs WHERE case_id = ?1 AND status = 'pending'`).bind(sim.invoiceId).first<{ n: number }>();
    expect(pending?.n).toBe(0);
  });

  it("a voided invoice ends the plan", async () => {
    const sim = new CampaignSim(at(10));
    const failed = sim.failure({ reason: "insufficient_funds" });
    await sim.deliver(failed);
    await sim.deliver({ ...failed, eventId: `${failed.eventId}_void`, eventType: "invoice.voided", failureReason: null, declineCode: null });
    await sim.advance(10 * DAY);
    expect(await sim.emails()).toEqual([]);
    expect((await sim.caseRow())?.status).toBe("voided");
    expect((await sim.access()).state).toBe("active");
  });

  it("a paused campaign (a promise to pay) sends nothing until it resumes, and the grace moves with it", async () => {
    const start = at(10);
    const sim = new CampaignSim(start);
    await sim.deliver(sim.failure({ reason: "card_expired", declineCode: "expired_card" }));
    // As a customer's reply would: paused for 5 days from day 1, the grace end moved by the same.
    await sim.advance(DAY);
    await sim.deps.db.prepare(`UPDATE cases SET paused_until = ?2, grace_until = grace_until + ?3 WHERE id = ?1`).bind(sim.invoiceId, sim.now + 5 * DAY, 5 * DAY).run();
    await sim.advance(5 * DAY - HOUR);
    expect((await sim.emails()).map((m) => m.template)).toEqual(["card_update_request"]);
    expect((await sim.access()).state).toBe("grace");
    await sim.advance(8 * DAY);
    // Resumed where it stopped: the day-3 notice when the pause ends, the warning 48 h before the moved grace end.
    expect((await sim.emails()).map((m) => [m.template, dayOf(sim, start, m.at)])).toEqual([
      ["card_update_request", 0],
      ["card_update_request", 6],
      ["final_warning", 10],
    ]);
  });
});

describe("campaign: one-off payments keep their own plan", () => {
  it("a one-off PaymentIntent case is never part of the access state", async () => {
    const sim = new CampaignSim(at(10));
    const failed = sim.failure({ reason: "insufficient_funds" });
    await sim.deliver({ ...failed, invoiceId: null, subscriptionId: null, eventType: "payment_intent.payment_failed", paymentIntentId: `pi_${sim.invoiceId}`, invoicePaymentIntentIds: [] });
    await sim.advance(10 * DAY);
    expect((await sim.access()).state).toBe("active");
    const row = await sim.deps.db.prepare(`SELECT campaign_started_at FROM cases WHERE id = ?1`).bind(`pi_${sim.invoiceId}`).first<{ campaign_started_at: number | null }>();
    expect(row?.campaign_started_at).toBeNull();
  });
});
