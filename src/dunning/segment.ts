/** @module segment — which kind of customer this is, from the ledger's facts. Pure. */
import type { Segment } from "../ingest/context.ts";

export interface SegmentFacts {
  subscriptionStatus: string | null;
  trialEnd: number | null;
  paidInvoices: number;
  hadLostCase: boolean;
}

export interface SegmentConfig {
  loyalMinPaidInvoices: number;
}

export function segmentOf(f: SegmentFacts, config: SegmentConfig, now: number): Segment {
  if (f.subscriptionStatus === "trialing" || (f.trialEnd !== null && f.trialEnd > now && f.paidInvoices === 0)) return "trial";
  if (f.hadLostCase) return "winback";
  if (f.paidInvoices >= config.loyalMinPaidInvoices) return "loyal";
  return "new";
}
