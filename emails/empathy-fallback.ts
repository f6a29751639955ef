/**
 * @module empathy-fallback
 * Fixed, hand-written empathy paragraphs for when no generated one is available (model down, output rejected).
 * One opening sentence sets the tone for the customer's segment, two sentences hint at what went wrong
 * for the decline reason. Every combination is 40-70 words, jargon-free, and never mentions the payment
 * processor or automatic re-attempts. Fraud and unusable-card declines stay neutral ("your bank declined
 * the payment"): we never suggest the card was stolen or flagged.
 */
import type { FailureReason } from "../src/ingest/decline-codes.ts";

export type EmpathySegment = "trial" | "new" | "loyal" | "winback";

const OPENING: Readonly<Record<EmpathySegment | "none", string>> = {
  trial: "We hope you've enjoyed getting to know us so far, and we'd love for you to keep exploring.",
  new: "You only joined us recently, so we wanted to reach out and make this as easy as possible.",
  loyal: "You've been with us for a long time, and we're truly grateful for that, so we wanted to let you know.",
  winback: "It means a lot that you came back to us, and we don't want a small payment issue to get in the way.",
  none: "We wanted to give you a quick heads-up so this doesn't catch you by surprise.",
};

const HINT: Readonly<Record<FailureReason, string>> = {
  card_expired:
    "It looks like the card we have on file has expired, which happens to everyone sooner or later. Adding the new expiry date or a different card usually takes less than a minute.",
  insufficient_funds:
    "Sometimes a payment is declined simply because of timing, like a balance that hasn't caught up yet or a spending limit. It happens to lots of people and usually sorts itself out quickly.",
  authentication_required:
    "Your bank simply wants you to confirm this payment, a standard security step for many online purchases. Nothing is wrong with your card, and approving it only takes a moment.",
  do_not_honor:
    "Your bank declined the payment without giving us a specific reason, which is more common than you might think. A quick word with your bank or using another card usually clears it up.",
  invalid_card_details:
    "It looks like some of the card details didn't match what your bank has on file, such as the number, expiry date or security code. Double-checking them usually fixes it.",
  card_unusable:
    "Your bank declined the payment with this card, and banks don't always share the reason with us. Using a different card, or checking with your bank, is usually the simplest way forward.",
  merchant_account_issue:
    "The payment didn't go through because of a problem on our side, not with your card. We're looking into it and you don't need to do anything right now.",
  fraud_suspected:
    "Your bank declined the payment, and they don't always tell us why. Checking with your bank, or choosing a different payment method, is usually the quickest way to sort it out.",
  processing_error:
    "This looks like a temporary hiccup in the payment process, not anything you did. These usually clear up on their own, and your payment details are most likely fine.",
  unknown:
    "We're not sure exactly what went wrong, and the bank didn't give us any details. Often it's something small that's easy to fix by checking your payment details.",
};

/** A 40-70 word paragraph in the tone of `segment` (`null`: neutral) with a hint for `reason`. */
export function fallbackEmpathyParagraph(reason: FailureReason, segment: EmpathySegment | null): string {
  return `${OPENING[segment ?? "none"]} ${HINT[reason]}`;
}
