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

/** A trial whose first invoice fails within this long after the trial ended is still a trial customer (never paid). */
const TRIAL_CONVERSION_MS = 30 * 86400_000;

export function segmentOf(f: SegmentFacts, config: SegmentConfig, now: number): Segment {
  if (f.subscriptionStatus === "trialing" || (f.trialEnd !== null && f.trialEnd > now - TRIAL_CONVERSION_MS && f.paidInvoices === 0)) return "trial";
  if (f.hadLostCase) return "winback";
  if (f.paidInvoices >= config.loyalMinPaidInvoices) return "loyal";
  return "new";
}
