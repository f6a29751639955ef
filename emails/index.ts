/**
 * @module emails
 * The customer email registry: template ids, the typed input of each template, and `renderEmail`,
 * which returns the subject, the HTML and the plain-text version of one email.
 *
 * Copy rules every template follows: warm and plain, one language for the whole email (`locales/<tag>.ts`, chosen
 * by `chooseLocale`), the amount in that locale with the currency's real decimals, no processor jargon, no pressure
 * for trial customers, a grace-period note for annual subscribers, never "subscription" for a one-off payment, a
 * retry promised only when one is scheduled (`facts.ts`), a link in every email, and never the customer's email
 * address in the subject. Offers (the winback) are commercial: unsubscribe link and headers (`emailHeaders`).
 */
import { createElement } from "react";
import type { ReactElement } from "react";
import { render } from "@react-email/render";
import { AuthenticationRequiredEmail, authenticationRequiredSubject } from "./authentication-required.tsx";
import type { AuthenticationRequiredEmailProps } from "./authentication-required.tsx";
import { CardUpdateRequestEmail, cardUpdateRequestSubject } from "./card-update-request.tsx";
import type { CardUpdateRequestEmailProps } from "./card-update-request.tsx";
import { FinalWarningEmail, finalWarningSubject } from "./final-warning.tsx";
import type { FinalWarningEmailProps } from "./final-warning.tsx";
import { SoftPaymentReminderEmail, softPaymentReminderSubject } from "./soft-payment-reminder.tsx";
import type { SoftPaymentReminderEmailProps } from "./soft-payment-reminder.tsx";
import { WinbackOfferEmail, winbackOfferSubject } from "./winback-offer.tsx";
import { TrialEndingEmail, trialEndingSubject } from "./trial-ending.tsx";
import type { TrialEndingEmailProps } from "./trial-ending.tsx";
import type { WinbackOfferEmailProps } from "./winback-offer.tsx";

/** Templates a recovery decision may send (the `send_email` tool's choices). */
export const RECOVERY_TEMPLATE_IDS = [
  "card_update_request",
  "soft_payment_reminder",
  "authentication_required",
  "winback_offer",
  "final_warning",
] as const;
/** Every template, including lifecycle emails sent outside a recovery decision. */
export const TEMPLATE_IDS = [...RECOVERY_TEMPLATE_IDS, "trial_ending"] as const;
export type TemplateId = (typeof TEMPLATE_IDS)[number];
export type RecoveryTemplateId = (typeof RECOVERY_TEMPLATE_IDS)[number];

export type { EmailBase } from "./layout.tsx";
export type {
  AuthenticationRequiredEmailProps,
  CardUpdateRequestEmailProps,
  FinalWarningEmailProps,
  SoftPaymentReminderEmailProps,
  WinbackOfferEmailProps,
  TrialEndingEmailProps,
};
export { FRAUD_FORBIDDEN_TEMPLATES, templateFitsReason } from "./template-fit.ts";
export { fallbackEmpathyParagraph, trialEndingEmpathyParagraph } from "./empathy-fallback.ts";
export { chooseLocale, firstName, formatLocale, messagesFor } from "./i18n.ts";
export type { LocaleChoice } from "./i18n.ts";
export { CATALOGS, LOCALE_TAGS } from "./locales/index.ts";
export type { Messages } from "./locales/index.ts";
export type { EmpathySegment } from "./empathy-fallback.ts";

export type CardUpdateRequestInput = { templateId: "card_update_request" } & CardUpdateRequestEmailProps;
export type SoftPaymentReminderInput = { templateId: "soft_payment_reminder" } & SoftPaymentReminderEmailProps;
export type AuthenticationRequiredInput = { templateId: "authentication_required" } & AuthenticationRequiredEmailProps;
export type WinbackOfferInput = { templateId: "winback_offer" } & WinbackOfferEmailProps;
export type FinalWarningInput = { templateId: "final_warning" } & FinalWarningEmailProps;
export type TrialEndingInput = { templateId: "trial_ending" } & TrialEndingEmailProps;

/** What `renderEmail` takes: the common `EmailBase` fields plus the template's own, tagged by `templateId`. */
export type EmailInput =
  | CardUpdateRequestInput
  | SoftPaymentReminderInput
  | AuthenticationRequiredInput
  | WinbackOfferInput
  | FinalWarningInput
  | TrialEndingInput;

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

function build(input: EmailInput): { subject: string; element: ReactElement } {
  switch (input.templateId) {
    case "card_update_request":
      return { subject: cardUpdateRequestSubject(input), element: createElement(CardUpdateRequestEmail, input) };
    case "soft_payment_reminder":
      return { subject: softPaymentReminderSubject(input), element: createElement(SoftPaymentReminderEmail, input) };
    case "authentication_required":
      return {
        subject: authenticationRequiredSubject(input),
        element: createElement(AuthenticationRequiredEmail, input),
      };
    case "winback_offer":
      return { subject: winbackOfferSubject(input), element: createElement(WinbackOfferEmail, input) };
    case "final_warning":
      return { subject: finalWarningSubject(input), element: createElement(FinalWarningEmail, input) };
    case "trial_ending":
      return { subject: trialEndingSubject(input), element: createElement(TrialEndingEmail, input) };
    default: {
      const unreachable: never = input;
      throw new Error(`unknown email template: ${String((unreachable as { templateId?: unknown }).templateId)}`);
    }
  }
}

/** Renders one email: subject, HTML document and plain-text alternative. */
export async function renderEmail(input: EmailInput): Promise<RenderedEmail> {
  const { subject, element } = build(input);
  const html = await render(element);
  const text = await render(element, { plainText: true });
  return { subject, html, text };
}

/**
 * Extra headers of one email: offers (the winback) carry RFC 8058 one-click unsubscribe headers pointing at their
 * signed unsubscribe link; recovery emails are transactional and carry none.
 */
export function emailHeaders(input: EmailInput): Record<string, string> | undefined {
  if (input.templateId !== "winback_offer") return undefined;
  return { "List-Unsubscribe": `<${input.unsubscribeUrl}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" };
}
