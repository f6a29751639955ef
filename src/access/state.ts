/**
 * @module access/state
 * One state model for the product: the recovery case (open -> recovered | lost) and the subscription status
 * decide the access state. `update_customer_state` labels sit on top and never change it. Pure.
 */

export type AccessState = "active" | "grace" | "restricted";

export interface AccessFacts {
  subscriptionStatus: string | null;
  isAnnual: boolean | null;
  /**
   * Open invoice cases, oldest first (opened_at epoch ms). A campaign case carries its grace end and whether its
   * restriction step restricted it; a case opened before the campaign existed has neither (grace from opened_at).
   */
  openCases: Array<{ id: string; openedAt: number; graceUntil?: number | null; restrictedAt?: number | null }>;
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
  // The campaign decides the restriction (never before its dated warning is 48 h old): its step marks the case.
  const restricted = f.openCases.find((c) => c.restrictedAt !== null && c.restrictedAt !== undefined);
  if (restricted !== undefined) return { state: "restricted", graceUntil: restricted.graceUntil ?? null, reason: "grace period over after the dated warning; payment still failing", caseIds };
  const campaign = f.openCases.filter((c) => c.graceUntil !== null && c.graceUntil !== undefined);
  if (campaign.length > 0) {
    const graceUntil = Math.min(...campaign.map((c) => c.graceUntil as number));
    return { state: "grace", graceUntil, reason: `payment recovery in progress (${days}-day grace${f.isAnnual ? ", annual" : ""}; restricted only after a dated warning)`, caseIds };
  }
  const graceUntil = oldest.openedAt + days * 86400_000;
  if (now < graceUntil) return { state: "grace", graceUntil, reason: `payment recovery in progress (${days}-day grace${f.isAnnual ? ", annual" : ""})`, caseIds };
  return { state: "restricted", graceUntil, reason: "grace period over; payment still failing", caseIds };
}
