/**
 * @module empathy-fallback
 * Fixed, hand-written empathy paragraphs for when no generated one is available (model down, output rejected),
 * in every catalog language (`locales/<tag>.ts`, `empathy`). One opening sentence sets the tone for the customer's
 * segment, two sentences hint at what went wrong for the decline reason. Every combination is 40-70 words
 * (Japanese: 80-200 characters), jargon-free, and never mentions the payment processor or automatic re-attempts.
 * Fraud and unusable-card declines stay neutral ("your bank declined the payment"): we never suggest the card was
 * stolen or flagged. The trial-ending email has its own paragraph: nothing failed, no tenure, no pressure.
 */
import type { FailureReason } from "../src/ingest/decline-codes.ts";
import { messagesFor } from "./i18n.ts";

export type EmpathySegment = "trial" | "new" | "loyal" | "winback";

/** A 40-70 word paragraph in the tone of `segment` (`null`: neutral) with a hint for `reason`, in `locale`'s language. */
export function fallbackEmpathyParagraph(reason: FailureReason, segment: EmpathySegment | null, locale: string | null = null): string {
  const e = messagesFor(locale).empathy;
  const sep = messagesFor(locale).tag === "ja" ? "" : " ";
  return `${e.opening[segment ?? "none"]}${sep}${e.hint[reason]}`;
}

/** The trial-ending paragraph (no failure, no tenure, no pressure) in `locale`'s language. */
export function trialEndingEmpathyParagraph(locale: string | null = null): string {
  return messagesFor(locale).empathy.trialEnding;
}
