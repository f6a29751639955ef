/**
 * @module recovered-by
 * What recovered a case: the first cause that applies, in a fixed order. Pure: the facts (times read from the
 * ledger, the payment's own facts) are passed in; no I/O, no clock.
 *
 * 1. `human`: a person's action on the case (a decision `decided_by = human` that was carried out) before the payment.
 * 2. `customer_reply`: a reply classed `human` on the case before the payment.
 * 3. `card_update_link`: a press of the card-update button of a link we sent and a new payment method, both within
 *    the 48 h before the payment, in either order.
 * 4. `pay_now_after_card_update`: the agent's pay-now after a new card paid it (or was in flight when it was paid).
 * 5. `stripe_retry_after_email`: paid on a retry after at least one email on the case.
 * 6. `stripe_retry_silent`: paid on a retry before any contact.
 * 7. `other`: anything else (the customer paid the hosted invoice, someone paid it in the Stripe Dashboard, ...).
 *
 * A retry: for an invoice, Stripe's automatic retry (its `attempt_count` only grows on automatic retries, so a
 * paid invoice whose count is above every failed attempt's was paid by one; a payment event that carries no count
 * counts as a retry when it lands at or after the retry Stripe had scheduled). For a one-off PaymentIntent, the
 * agent's own scheduled retry carried out after the last failure.
 */

export const RECOVERY_CAUSES = ["human", "customer_reply", "card_update_link", "pay_now_after_card_update", "stripe_retry_after_email", "stripe_retry_silent", "other"] as const;
export type RecoveryCause = (typeof RECOVERY_CAUSES)[number];

/** A link button press and a new payment method count for the payment when both fall within this window before it. */
export const CARD_UPDATE_LINK_WINDOW_MS = 48 * 3600 * 1000;
/**
 * Something recorded up to this long after the payment was seen still counts as before it: Stripe stamps its events in
 * whole seconds on its own clock, and a webhook can overtake the write of the action that caused it.
 */
export const PAYMENT_CLOCK_SLACK_MS = 60_000;

/** What the ledger knows about a case when its payment lands (times in epoch ms). */
export interface RecoveryFacts {
  kind: "invoice" | "payment_intent";
  /**
   * When we learned of the payment, on our clock like every other time here (the payment event's arrival, or now for
   * a payment the agent saw itself): replayed or late events keep their order against what we did.
   */
  paidAt: number;
  /** When Stripe says it was paid (Stripe's clock), compared only with the retry Stripe scheduled. */
  paidAtStripe: number;
  /** When the case opened (its first failure). */
  openedAt: number;
  /** The highest `attempt_count` among the case's failures, and the paying invoice's (null when not told). */
  failedAttempts: number | null;
  paidAttempt: number | null;
  /** The agent itself paid it (its pay-now): never a Stripe retry. */
  paidByAgent: boolean;
  /** Stripe's next scheduled retry as of the last failure, Stripe's clock (null: none, or not known). */
  nextRetryAt: number | null;
  /** When the last failure arrived (for a one-off PaymentIntent: a retry must come after it). */
  lastFailureAt: number | null;
  /** Actions a person carried out on the case (Slack). */
  humanActionsAt: readonly number[];
  /** Replies classed `human` on the case. */
  humanRepliesAt: readonly number[];
  /** Presses of the card-update button of our links for this case. */
  updateClicksAt: readonly number[];
  /** New payment methods the customer added (attached, or made default). */
  newCardsAt: readonly number[];
  /** The agent's pay-now after a card update that paid (or was in flight). */
  payNowsAt: readonly number[];
  /** The agent's own retries of a one-off PaymentIntent, carried out. */
  agentRetriesAt: readonly number[];
  /** Emails sent to the customer on the case. */
  emailsAt: readonly number[];
}

export interface Attribution {
  cause: RecoveryCause;
  /** True when we had been in touch before the payment: an email on the case, a person's action or a reply. */
  contacted: boolean;
  /** Why this cause, in words (stored on the case for the audit trail). */
  why: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Did the payment come from a retry (Stripe's for an invoice, the agent's for a one-off PaymentIntent)? */
export function paidOnRetry(f: RecoveryFacts, before: (t: number) => boolean): string | null {
  if (f.kind === "payment_intent") {
    const retry = f.agentRetriesAt.filter((t) => before(t) && (f.lastFailureAt === null || t >= f.lastFailureAt)).at(-1);
    return retry === undefined ? null : `the agent's retry at ${iso(retry)}`;
  }
  if (f.paidByAgent) return null;
  if (f.paidAttempt !== null) {
    return f.failedAttempts !== null && f.paidAttempt > f.failedAttempts ? `attempt ${f.paidAttempt} after ${f.failedAttempts} failed` : null;
  }
  return f.nextRetryAt !== null && f.paidAtStripe + PAYMENT_CLOCK_SLACK_MS >= f.nextRetryAt ? `paid at or after Stripe's retry scheduled for ${iso(f.nextRetryAt)}` : null;
}

/** The first cause that applies (see the module comment for the order and each rule). */
export function attributeRecovery(f: RecoveryFacts): Attribution {
  const before = (t: number) => t <= f.paidAt + PAYMENT_CLOCK_SLACK_MS;
  const inWindow = (t: number) => before(t) && t >= f.paidAt - CARD_UPDATE_LINK_WINDOW_MS;
  const first = (ts: readonly number[], ok: (t: number) => boolean) => ts.filter(ok).sort((a, b) => a - b)[0] ?? null;
  const human = first(f.humanActionsAt, before);
  const reply = first(f.humanRepliesAt, before);
  const email = first(f.emailsAt, before);
  const contacted = human !== null || reply !== null || email !== null;
  const out = (cause: RecoveryCause, why: string): Attribution => ({ cause, contacted, why });

  if (human !== null) return out("human", `a person acted on the case at ${iso(human)}`);
  if (reply !== null) return out("customer_reply", `the customer replied at ${iso(reply)}`);
  const click = first(f.updateClicksAt, inWindow);
  // A card added before the case opened is the one that failed, not a new one.
  const card = first(f.newCardsAt, (t) => inWindow(t) && t >= f.openedAt - PAYMENT_CLOCK_SLACK_MS);
  if (click !== null && card !== null) return out("card_update_link", `card-update button pressed at ${iso(click)}, new payment method at ${iso(card)}, paid within 48 h`);
  const payNow = first(f.payNowsAt, before);
  if (payNow !== null) return out("pay_now_after_card_update", `the agent's pay-now after a new card at ${iso(payNow)}`);
  const retry = paidOnRetry(f, before);
  if (retry !== null) {
    return email !== null ? out("stripe_retry_after_email", `paid on a retry (${retry}) after an email at ${iso(email)}`) : out("stripe_retry_silent", `paid on a retry (${retry}) before any contact`);
  }
  return out("other", email !== null ? `paid without a retry, after an email at ${iso(email)}` : "paid without a retry, before any contact");
}
