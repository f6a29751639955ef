/**
 * @module access/state
 * One state model for the product: the recovery case (open -> recovered | lost) and the subscription status
 * decide the access state. `update_customer_state` labels sit on top and never change it. Pure.
 */

export type AccessState = "active" | "grace" | "restricted";

export interface AccessFacts {
  subscriptionStatus: string | null;
  isAnnual: boolean | null;
  /** Open recovery cases, oldest first (opened_at epoch ms). */
  openCases: Array<{ id: string; openedAt: number }>;
}

export interface AccessConfig {
  graceDaysMonthly: number;
  graceDaysAnnual: number;
}

export interface Access {
  state: AccessState;
  graceUntil: number | null;
  reason: string;
  caseIds: string[];
}

const ENDED = new Set(["canceled", "unpaid", "incomplete_expired"]);

export function computeAccess(f: AccessFacts, config: AccessConfig, now: number): Access {
  const caseIds = f.openCases.map((c) => c.id);
  if (f.subscriptionStatus !== null && ENDED.has(f.subscriptionStatus)) {
    return { state: "restricted", graceUntil: null, reason: `subscription ${f.subscriptionStatus}`, caseIds };
  }
  const oldest = f.openCases[0];
  if (oldest === undefined) return { state: "active", graceUntil: null, reason: "no open payment problem", caseIds };
  const days = f.isAnnual === true ? config.graceDaysAnnual : config.graceDaysMonthly;
  const graceUntil = oldest.openedAt + days * 86400_000;
  if (now < graceUntil) return { state: "grace", graceUntil, reason: `payment recovery in progress (${days}-day grace${f.isAnnual ? ", annual" : ""})`, caseIds };
  return { state: "restricted", graceUntil, reason: "grace period over; payment still failing", caseIds };
}
