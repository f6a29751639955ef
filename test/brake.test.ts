/**
 * A brake for mass failures: a processor outage must not email every customer. Above the threshold, customer
 * emails hold (reconsidered later), the team is told once, and `POST /admin/resume-campaigns` releases it.
 */
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { brakeThreshold } from "../src/ops/brake.ts";
import { contextOf, decisionsOf, eventMessage, outboxFor, runBatch } from "./helpers/consumer.ts";
import { env, envWith, migrate, uid } from "./helpers/env.ts";
import { invoiceEvent } from "./helpers/stripe-events.ts";

beforeAll(migrate);

/** A soft decline with no Stripe retry scheduled: the campaign's day 0 sends the soft reminder (held by the brake). */
const failure = () => {
  const id = uid("brk");
  return { ...contextOf(invoiceEvent({ eventId: `evt_${id}`, customerId: `cus_${id}`, invoiceId: `in_${id}`, email: `b.${id}@example.com`, nextPaymentAttempt: null })), failureReason: "insufficient_funds" as const, declineCode: "insufficient_funds" };
};

describe("the brake's threshold", () => {
  it("is the configured value, else 5x the trailing hourly mean, at least 20", () => {
    expect(brakeThreshold(50, 100_000)).toBe(50);
    expect(brakeThreshold(null, 0)).toBe(20);
    expect(brakeThreshold(null, 167 * 10)).toBe(50); // 10 an hour over the trailing week -> 50
  });
});

describe("mass failures", () => {
  it("holds customer emails above the threshold, tells the team once, and a person resumes them", async () => {
    const e = envWith({ DEFAULT_MODE: "live", BRAKE_FAILURES_PER_HOUR: "5" });
    const now = Date.now();
    for (let i = 0; i < 8; i++) {
      const id = uid("outage");
      await env.LEDGER.prepare("INSERT INTO cases (id, customer_id, kind, invoice_id, status, failures, opened_at, updated_at) VALUES (?1, ?2, 'invoice', ?1, 'open', 1, ?3, ?3)").bind(`in_${id}`, `cus_${id}`, now - 60_000).run();
    }
    const first = failure();
    const second = failure();
    await runBatch([eventMessage(first)], e);
    await runBatch([eventMessage(second)], e);
    for (const ctx of [first, second]) {
      expect(await outboxFor(ctx.customerId, "email")).toHaveLength(0);
      const last = (await decisionsOf(ctx.eventId)).at(-1);
      expect(last).toMatchObject({ tool: "send_email", outcome: "throttled" });
      expect(String(last?.detail)).toMatch(/mass-failure brake: \d+ failures in the last hour \(threshold 5\)/);
    }
    const alerts = await outboxFor("ops", "slack");
    expect(alerts.filter((a) => String(a.text).includes("Recovery emails are on hold"))).toHaveLength(1);
    // Held, not lost: each email is reconsidered later.
    const jobs = await env.LEDGER.prepare("SELECT COUNT(*) AS n FROM scheduled_jobs WHERE id IN (?1, ?2)").bind(`reconsider:${first.eventId}`, `reconsider:${second.eventId}`).first<{ n: number }>();
    expect(jobs?.n).toBe(2);

    const res = await (exports as unknown as { default: Fetcher }).default.fetch("http://recovery.test/admin/resume-campaigns", { method: "POST", headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    const third = failure();
    await runBatch([eventMessage(third)], e);
    expect(await outboxFor(third.customerId, "email")).toHaveLength(1);
  });
});
