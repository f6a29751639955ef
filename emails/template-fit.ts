/**
 * @module template-fit
 * The contract between decline reasons and email templates: which template may be sent for which reason.
 * Dependency-free (no React) so the policy can import it cheaply.
 *
 * - `authentication_required` template: only for reason `authentication_required` (the card is fine).
 * - `card_update_request`: any reason except `authentication_required` (never ask to change a card that works)
 *   and `fraud_suspected` (a person looks first; the customer is never told to "update your card").
 * - `soft_payment_reminder`: only soft declines that may pass on a later attempt:
 *   `insufficient_funds`, `do_not_honor`, `processing_error`, `unknown`.
 * - `winback_offer`: any reason.
 * - `final_warning`: any reason except `authentication_required` and `fraud_suspected`.
 * - `merchant_account_issue` (the merchant's own provider account failed, e.g. `invalid_business_account`): no
 *   customer email at all; a person on the merchant's side acts.
 * - `trial_ending`: never for a failure (sent by the trial lifecycle, not by a decision).
 */
import type { FailureReason } from "../src/ingest/decline-codes.ts";
import type { TemplateId } from "./index.ts";

const SOFT_REMINDER_REASONS: ReadonlySet<FailureReason> = new Set<FailureReason>([
  "insufficient_funds",
  "do_not_honor",
  "processing_error",
  "unknown",
]);

/** Templates never sent after suspected fraud (they ask for a card, warn of the end or offer a discount). */
export const FRAUD_FORBIDDEN_TEMPLATES: ReadonlySet<TemplateId> = new Set<TemplateId>(["card_update_request", "final_warning", "winback_offer", "trial_ending"]);

/** Whether `templateId` may be sent to a customer whose payment failed for `reason`. */
export function templateFitsReason(templateId: TemplateId, reason: FailureReason): boolean {
  switch (templateId) {
    case "authentication_required":
      return reason === "authentication_required";
    case "card_update_request":
      return reason !== "authentication_required" && reason !== "fraud_suspected" && reason !== "merchant_account_issue";
    case "soft_payment_reminder":
      return SOFT_REMINDER_REASONS.has(reason);
    case "winback_offer":
      return true;
    case "final_warning":
      return reason !== "authentication_required" && reason !== "fraud_suspected" && reason !== "merchant_account_issue";
    case "trial_ending":
      return false; // a lifecycle email, never an answer to a failed payment
    default: {
      const unreachable: never = templateId;
      throw new Error(`unknown template: ${String(unreachable)}`);
    }
  }
}
