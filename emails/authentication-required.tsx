/**
 * @module authentication-required
 * The bank wants the customer to confirm the payment (3-D Secure / strong customer authentication).
 * The card is fine: the only action is to confirm the payment with the bank on the hosted invoice page.
 * This email must never ask the customer to change their card.
 */
import { CtaButton, EmailLayout, EmpathyParagraph, Greeting, Paragraph, PaymentDetails, formatAmount, formatDate, forWhat, messagesOf, oneLine, PREVIEW_BASE } from "./layout.tsx";
import { AnnualGraceNote, Closing } from "./parts.tsx";
import type { EmailBase } from "./layout.tsx";

export interface AuthenticationRequiredEmailProps extends EmailBase {
  /** Hosted invoice page, where the bank's confirmation step runs. Required for this template. */
  invoiceUrl: string;
  /** The campaign's last dated notice: until when access stays on. */
  accessEndsAt?: number | null;
}

export function authenticationRequiredSubject(props: AuthenticationRequiredEmailProps): string {
  const m = messagesOf(props).authRequired;
  const amount = formatAmount(props.amount, props.locale);
  return oneLine(props.isTrial ? m.subjectTrial(amount, props.brandName) : m.subject(amount, props.brandName));
}

export function AuthenticationRequiredEmail(props: AuthenticationRequiredEmailProps) {
  const { brandName, locale, invoiceUrl, empathyParagraph, isAnnual } = props;
  const m = messagesOf(props).authRequired;
  const amount = formatAmount(props.amount, locale);
  return (
    <EmailLayout base={props} preview={m.preview(amount, brandName)}>
      <Greeting base={props} />
      <Paragraph>{m.intro(amount, forWhat(props), brandName)}</Paragraph>
      <PaymentDetails base={props} />
      <EmpathyParagraph text={empathyParagraph} />
      <Paragraph>{m.how}</Paragraph>
      {props.accessEndsAt != null ? <Paragraph>{messagesOf(props).accessUntil(formatDate(props.accessEndsAt, locale, props.timeZone))}</Paragraph> : null}
      <CtaButton href={invoiceUrl} locale={locale}>
        {m.button}
      </CtaButton>
      <AnnualGraceNote base={props} show={isAnnual && props.payment !== "one_off"} />
      <Closing base={props} alreadyDone="alreadyConfirmed" />
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
  reason: "authentication_required",
} satisfies AuthenticationRequiredEmailProps;

export default AuthenticationRequiredEmail;
