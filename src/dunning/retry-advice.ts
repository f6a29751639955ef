/**
 * @module retry-advice
 * What the issuer and the card network say about retrying a declined payment, for the retries the agent makes
 * itself (one-off PaymentIntents, the pay-now after a card update). Pure. Sources: Stripe's decline codes and
 * `advice_code` (docs.stripe.com/declines/codes), Stripe's "previously declined, do not retry" block, Mastercard
 * merchant advice codes (03/21 stop; 24-30 retry after a given time), Visa's excessive-reattempt rule.
 */

export type RetryAdvice =
  | { kind: "ok" }
  /** Never retry this card for this payment. */
  | { kind: "never"; why: string }
  /** The card data needs the customer (e.g. a new expiry or CVC): ask them, do not retry. */
  | { kind: "ask_customer"; why: string }
  /** Retry, but not before this many seconds. */
  | { kind: "not_before"; seconds: number; why: string };

export interface DeclineFacts {
  declineCode: string | null;
  adviceCode: string | null | undefined;
  networkAdviceCode: string | null | undefined;
  outcomeReason: string | null | undefined;
}

/** Mastercard merchant advice codes that give a time to wait before retrying (seconds). */
const MAC_WAIT_SECONDS: Record<string, number> = {
  "24": 3600,
  "25": 86400,
  "26": 2 * 86400,
  "27": 4 * 86400,
  "28": 6 * 86400,
  "29": 8 * 86400,
  "30": 10 * 86400,
};

/** Stripe's advice_code try_again_later gives no time: wait at least this long. */
const TRY_LATER_SECONDS = 3600;

export function retryAdvice(f: DeclineFacts): RetryAdvice {
  const mac = f.networkAdviceCode?.trim() ?? null;
  if (f.adviceCode === "do_not_try_again" || f.declineCode === "do_not_try_again") return { kind: "never", why: "the issuer advises: do not try again" };
  if (mac === "03" || mac === "21") return { kind: "never", why: `network advice code ${mac}: do not retry (payment cancelled or recurring stopped)` };
  if (f.outcomeReason === "previously_declined_do_not_retry") return { kind: "never", why: "Stripe blocked the payment after earlier declines (previously_declined_do_not_retry)" };
  if (f.adviceCode === "confirm_card_data") return { kind: "ask_customer", why: "the issuer advises: confirm the card data with the customer" };
  if (mac !== null && MAC_WAIT_SECONDS[mac] !== undefined) return { kind: "not_before", seconds: MAC_WAIT_SECONDS[mac], why: `network advice code ${mac}: retry later` };
  if (f.declineCode === "card_decline_rate_limit_exceeded") return { kind: "not_before", seconds: 86400, why: "Stripe blocks this card for 24 hours after too many declines" };
  if (f.adviceCode === "try_again_later" || f.declineCode === "try_again_later") return { kind: "not_before", seconds: TRY_LATER_SECONDS, why: "the issuer advises: try again later" };
  return { kind: "ok" };
}
