/**
 * @module authentication-required
 * The bank wants the customer to confirm the payment (3-D Secure / strong customer authentication).
 * The card is fine: the only action is to confirm the payment with the bank on the hosted invoice page.
 * This email must never ask the customer to change their card.
 */
import {
  CtaButton,
  EmailLayout,
  EmpathyParagraph,
  Greeting,
  Paragraph,
  formatAmount,
  oneLine,
  planPhrase,
  PREVIEW_BASE,
} from "./layout.tsx";
import { AnnualGraceNote, Closing } from "./parts.tsx";
import type { EmailBase } from "./layout.tsx";

export interface AuthenticationRequiredEmailProps extends EmailBase {
  /** Hosted invoice page, where the bank's confirmation step runs. Required for this template. */
  invoiceUrl: string;
}

export function authenticationRequiredSubject(props: AuthenticationRequiredEmailProps): string {
  const amount = formatAmount(props.amount, props.locale);
  const prefix = props.isTrial ? "Please confirm" : "Action needed: confirm";
  return oneLine(`${prefix} your ${amount} payment to ${props.brandName} with your bank`);
}

export function AuthenticationRequiredEmail(props: AuthenticationRequiredEmailProps) {
  const { brandName, customerName, locale, invoiceUrl, empathyParagraph, isAnnual, planName } = props;
  const amount = formatAmount(props.amount, locale);
  return (
    <EmailLayout
      brandName={brandName}
      preview={`Your bank would like you to confirm your ${amount} payment to ${brandName}. It only takes a moment.`}
    >
      <Greeting customerName={customerName} />
      <Paragraph>
        Your bank has asked you to confirm your payment of {amount} for {planPhrase(planName)} with {brandName}. This
        is a routine security check that many banks use for online payments, and your payment details are fine.
      </Paragraph>
      <EmpathyParagraph text={empathyParagraph} />
      <Paragraph>
        To confirm the payment with your bank, open the secure payment page below and follow your bank's prompt. It
        is usually a code sent by text message or a quick approval in your banking app.
      </Paragraph>
      <CtaButton href={invoiceUrl}>Confirm payment</CtaButton>
      <AnnualGraceNote brandName={brandName} isAnnual={isAnnual} />
      <Closing brandName={brandName} alreadyDone="confirmed it" />
    </EmailLayout>
  );
}

AuthenticationRequiredEmail.PreviewProps = {
  ...PREVIEW_BASE,
  empathyParagraph:
    "Your bank simply wants you to confirm this payment, a standard security step for many online purchases. Nothing is wrong with your card, and approving it only takes a moment.",
  isTrial: false,
  isAnnual: false,
  planName: "Pro",
} satisfies AuthenticationRequiredEmailProps;

export default AuthenticationRequiredEmail;
