/**
 * @module decline-codes
 * Every documented Stripe decline code mapped to our own small vocabulary, in one table.
 * Source: https://docs.stripe.com/declines/codes (card codes and local payment method codes).
 */

/** Our decline-reason vocabulary: what the policy and the emails speak. */
export const FAILURE_REASONS = [
  "card_expired",
  "insufficient_funds",
  "authentication_required",
  "do_not_honor",
  "invalid_card_details",
  "card_unusable",
  "fraud_suspected",
  "processing_error",
  "merchant_account_issue",
  "unknown",
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** Reasons Stripe never retries and we never ask it to (hard declines). */
export const HARD_DECLINE_REASONS: ReadonlySet<FailureReason> = new Set([
  "card_unusable",
  "fraud_suspected",
  "invalid_card_details",
  "card_expired",
]);

/** The table: raw Stripe `decline_code` (or error `code`, or charge `outcome.reason`) -> reason. */
export const DECLINE_CODE_TABLE: Readonly<Record<string, FailureReason>> = {
  // --- card decline codes (docs order) ---
  authentication_required: "authentication_required",
  authentication_not_handled: "authentication_required",
  approve_with_id: "processing_error",
  call_issuer: "do_not_honor",
  card_not_supported: "card_unusable",
  card_velocity_exceeded: "insufficient_funds",
  currency_not_supported: "card_unusable",
  do_not_honor: "do_not_honor",
  do_not_try_again: "card_unusable",
  duplicate_transaction: "processing_error",
  expired_card: "card_expired",
  fraudulent: "fraud_suspected",
  generic_decline: "do_not_honor",
  incorrect_address: "invalid_card_details",
  incorrect_cvc: "invalid_card_details",
  incorrect_number: "invalid_card_details",
  incorrect_pin: "invalid_card_details",
  incorrect_zip: "invalid_card_details",
  insufficient_funds: "insufficient_funds",
  invalid_account: "card_unusable",
  invalid_amount: "do_not_honor",
  invalid_cvc: "invalid_card_details",
  invalid_expiry_month: "invalid_card_details",
  invalid_expiry_year: "invalid_card_details",
  invalid_number: "invalid_card_details",
  invalid_pin: "invalid_card_details",
  issuer_not_available: "processing_error",
  lost_card: "card_unusable",
  merchant_blacklist: "fraud_suspected",
  new_account_information_available: "card_unusable",
  no_action_taken: "do_not_honor",
  not_permitted: "card_unusable",
  offline_pin_required: "authentication_required",
  online_or_offline_pin_required: "authentication_required",
  pickup_card: "card_unusable",
  pin_try_exceeded: "card_unusable",
  processing_error: "processing_error",
  reenter_transaction: "processing_error",
  restricted_card: "card_unusable",
  revocation_of_all_authorizations: "card_unusable",
  revocation_of_authorization: "card_unusable",
  security_violation: "fraud_suspected",
  service_not_allowed: "card_unusable",
  stolen_card: "card_unusable",
  stop_payment_order: "card_unusable",
  testmode_decline: "card_unusable",
  transaction_not_allowed: "card_unusable",
  try_again_later: "processing_error",
  withdrawal_count_limit_exceeded: "insufficient_funds",
  mobile_device_authentication_required: "authentication_required",
  // --- local payment method decline codes ---
  partner_generic_decline: "do_not_honor",
  invalid_customer_account: "invalid_card_details",
  payment_limit_exceeded: "insufficient_funds",
  invalid_billing_agreement: "card_unusable",
  // The merchant's own provider account, not the customer's card: a person on our side must act.
  invalid_business_account: "merchant_account_issue",
  partner_high_risk_customer: "fraud_suspected",
  compliance_violation: "fraud_suspected",
  payment_disputed: "fraud_suspected",
  invalid_authorization: "card_unusable",
  invalid_payment_information: "invalid_card_details",
  partner_payment_not_found: "processing_error",
  expired_payment_information: "card_expired",
  // charge.outcome.reason spellings of LPM codes
  partner_expired_card: "card_expired",
  partner_processing_error: "processing_error",
  partner_insufficient_funds: "insufficient_funds",
  partner_invalid_currency: "card_unusable",
  partner_invalid_amount: "do_not_honor",
  partner_duplicate_transaction: "processing_error",
  // API error `code`s that carry a reason when `decline_code` is absent
  card_declined: "do_not_honor",
  // Stripe blocks a card declined too often in a short time; it may be charged again after 24 hours.
  card_decline_rate_limit_exceeded: "processing_error",
  payment_intent_authentication_failure: "authentication_required",
  payment_method_unactivated: "card_unusable",
  payment_method_not_available: "processing_error",
  payment_method_provider_decline: "do_not_honor",
  // charge.outcome.reason values that are not decline codes
  highest_risk_level: "fraud_suspected",
  elevated_risk_level: "fraud_suspected",
  rule: "fraud_suspected",
};

/** Codes that say nothing about the cause (we look further before settling on them). */
const GENERIC_CODES = new Set(["card_declined"]);

export interface ReasonLookup {
  reason: FailureReason;
  /** The raw code that decided it, or null when none was given. */
  code: string | null;
  /** True when a code was given but is not in the table (the caller logs a warning). */
  unmapped: boolean;
}

/**
 * Maps the first informative code (decline_code, then error code, then the charge's codes) to a reason.
 * Pure: no logging here; the caller logs `unmapped` codes with the raw code.
 */
export function reasonFromCodes(codes: ReadonlyArray<string | null | undefined>): ReasonLookup {
  const present = codes.filter((c): c is string => typeof c === "string" && c.length > 0);
  const specific = present.find((c) => !GENERIC_CODES.has(c)) ?? present[0];
  if (specific === undefined) return { reason: "unknown", code: null, unmapped: false };
  const reason = DECLINE_CODE_TABLE[specific];
  if (reason === undefined) return { reason: "unknown", code: specific, unmapped: true };
  return { reason, code: specific, unmapped: false };
}
