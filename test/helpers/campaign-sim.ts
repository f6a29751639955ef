/**
 * A simulated month for one customer: the real queue-consumer code (`processEvent`, `processScheduledJob`) on the
 * real D1, with the clock injected, and a cron sweep driven by the moving clock (the customer's due jobs are run in
 * due order, as the sweep would put them on the queue).
 */
import { depsOf, type Deps } from "../../src/deps.ts";
import type { DunningContext } from "../../src/ingest/context.ts";
import type { FailureReason } from "../../src/ingest/decline-codes.ts";
import { processEvent } from "../../src/dunning/process.ts";
import { processScheduledJob } from "../../src/dunning/scheduled-jobs.ts";
import { claimDueJobs } from "../../src/ledger/jobs.ts";
import { contextOf } from "./consumer.ts";
import { env, envWith, uid, type TestEnv } from "./env.ts";
import { invoiceEvent } from "./stripe-events.ts";

export const HOUR = 3600_000;
export const DAY = 86400_000;

export interface SimEmail {
  at: number;
  template: string;
  subject: string;
}

export class CampaignSim {
  now: number;
  readonly deps: Deps;
  readonly customerId: string;
  readonly invoiceId: string;
  private seq = 0;

  constructor(start: number, vars: Record<string, string> = {}, readonly e: TestEnv = envWith({ DEFAULT_MODE: "live", SEND_WINDOWS: "on", ...vars })) {
    this.now = start;
    const id = uid();
    this.customerId = `cus_${id}`;
    this.invoiceId = `in_${id}`;
    const base = depsOf(this.e);
    this.deps = { ...base, clock: () => this.now };
  }

  /** A failed-invoice context as Stripe's webhook carries it (older API versions carry the charge's code). */
  failure(o: { reason?: FailureReason; declineCode?: string | null; attempt?: number; nextRetryInDays?: number | null; zone?: string | null; country?: string | null; lookupKey?: string; trialEndedAt?: number; type?: "invoice.payment_failed" | "invoice.payment_action_required"; subscriptionStatus?: string } = {}): DunningContext {
    this.seq += 1;
    const created = Math.floor(this.now / 1000);
    const next = o.nextRetryInDays === undefined ? 3 : o.nextRetryInDays;
    const ctx = contextOf(
      invoiceEvent({
        eventId: `evt_${this.invoiceId}_${this.seq}`,
        customerId: this.customerId,
        invoiceId: this.invoiceId,
        amount: 4900,
        currency: "usd",
        attempt: o.attempt ?? 1,
        created,
        nextPaymentAttempt: next === null ? null : created + Math.round(next * 86400),
        ...(o.type ? { type: o.type } : {}),
        ...(o.lookupKey ? { lookupKey: o.lookupKey } : {}),
      }),
    );
    return {
      ...ctx,
      occurredAt: this.now,
      failureReason: o.reason ?? "insufficient_funds",
      declineCode: o.declineCode === undefined ? (o.reason ?? "insufficient_funds") : o.declineCode,
      customerTimezone: o.zone ?? null,
      customerCountry: o.country ?? null,
      ...(o.trialEndedAt !== undefined ? { customerSegment: "trial" as const, trialEnd: o.trialEndedAt } : {}),
      ...(o.subscriptionStatus !== undefined ? { subscriptionStatus: o.subscriptionStatus } : {}),
    };
  }

  /** Another event about this customer (a payment, a void, a dispute), re-stamped to now. */
  async deliver(ctx: DunningContext): Promise<void> {
    this.seq += 1;
    await processEvent(this.deps, { kind: "event", context: { ...ctx, occurredAt: this.now }, receivedAt: this.now }, "live", { messageId: `msg-${ctx.eventId}-${this.seq}`, attempts: 1 });
  }

  /** Moves the clock to `until` in steps, running every due job of this customer as the cron sweep would. */
  async advance(ms: number, stepMs = HOUR): Promise<void> {
    const until = this.now + ms;
    while (this.now < until) {
      this.now = Math.min(until, this.now + stepMs);
      await this.sweep();
    }
  }

  async sweep(): Promise<void> {
    for (let round = 0; round < 5; round++) {
      const due = await this.deps.db
        .prepare(`SELECT id FROM scheduled_jobs WHERE customer_id = ?1 AND status = 'pending' AND due_at <= ?2 ORDER BY due_at`)
        .bind(this.customerId, this.now)
        .all<{ id: string }>();
      if (due.results.length === 0) return;
      for (const j of due.results) {
        await this.deps.db.prepare(`UPDATE scheduled_jobs SET status = 'enqueued', updated_at = ?2 WHERE id = ?1`).bind(j.id, this.now).run();
        await processScheduledJob(this.deps, j.id, "live");
      }
    }
  }

  async emails(): Promise<SimEmail[]> {
    const r = await env.LEDGER.prepare(`SELECT created_at, template_id, subject FROM outbox WHERE customer_id = ?1 AND kind = 'email' ORDER BY id`).bind(this.customerId).all<{ created_at: number; template_id: string; subject: string }>();
    return r.results.map((x) => ({ at: x.created_at, template: x.template_id, subject: x.subject }));
  }

  async slack(): Promise<number> {
    const r = await env.LEDGER.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE customer_id = ?1 AND kind = 'slack'`).bind(this.customerId).first<{ n: number }>();
    return r?.n ?? 0;
  }

  async access(): Promise<{ state: string; graceUntil: number | null }> {
    const { accessOf } = await import("../../src/ledger/access.ts");
    const a = await accessOf(this.deps.db, this.customerId, this.deps.config, this.now);
    return { state: a?.state ?? "active", graceUntil: a?.graceUntil ?? null };
  }

  async caseRow(): Promise<Record<string, unknown> | null> {
    return env.LEDGER.prepare(`SELECT * FROM cases WHERE id = ?1`).bind(this.invoiceId).first<Record<string, unknown>>();
  }
}

/** The local hour of `at` in `zone`. */
export function hourIn(at: number, zone: string): number {
  return Number(new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", hour: "2-digit" }).format(new Date(at))) % 24;
}

export { claimDueJobs };
