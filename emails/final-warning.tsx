/**
 * @module final-warning
 * The last reminder before the subscription ends. Honest about what happens and when.
 * Trial customers get the same request without any pressure: no "final", no deadline, no loss of service.
 * Annual subscribers are reminded they have kept access during a grace period (and when it ends).
 * A one-off payment has no plan to cancel: it is a plain reminder to complete the payment.
 */
import { CtaButton, EmailLayout, EmpathyParagraph, Greeting, Paragraph, PaymentDetails, formatAmount, formatDate, forWhat, messagesOf, oneLine, PREVIEW_BASE } from "./layout.tsx";
import { AnnualGraceNote, Closing } from "./parts.tsx";
import type { EmailBase } from "./layout.tsx";

export interface FinalWarningEmailProps extends EmailBase {
  /** Secure page where the customer updates the payment method. */
  updateUrl: string;
  /** When access ends if the payment is still outstanding (epoch ms), if known. Never shown to trial customers. */
  accessEndsAt: number | null;
}

const endDateOf = (props: FinalWarningEmailProps) =>
  !props.isTrial && props.payment !== "one_off" && props.accessEndsAt !== null ? formatDate(props.accessEndsAt, props.locale, props.timeZone) : null;

export function finalWarningSubject(props: FinalWarningEmailProps): string {
  const m = messagesOf(props).finalWarning;
  const amount = formatAmount(props.amount, props.locale);
  const brand = props.brandName;
  if (props.isTrial) return oneLine(m.subjectTrial(amount, brand));
  const end = endDateOf(props);
  return oneLine(end !== null ? m.subjectDate(amount, brand, end) : m.subject(amount, brand));
}

export function FinalWarningEmail(props: FinalWarningEmailProps) {
  const { brandName, locale, invoiceUrl, empathyParagraph, isTrial, isAnnual, updateUrl } = props;
  const m = messagesOf(props).finalWarning;
  const amount = formatAmount(props.amount, locale);
  const endDate = endDateOf(props);

  let consequence: string;
  if (isTrial) consequence = m.trial(brandName);
  else if (props.payment === "one_off") consequence = m.oneOff;
  else if (isAnnual) consequence = endDate ? m.annualDate(brandName, endDate) : m.annual(brandName);
  else consequence = endDate ? m.monthlyDate(brandName, endDate) : m.monthly(brandName);

  return (
    <EmailLayout base={props} preview={isTrial ? m.previewTrial(amount, brandName) : m.preview(amount, brandName)}>
      <Greeting base={props} />
      <Paragraph>{isTrial ? m.introTrial(amount, forWhat(props), brandName) : m.intro(amount, forWhat(props), brandName)}</Paragraph>
      <PaymentDetails base={props} />
      <EmpathyParagraph text={empathyParagraph} />
      <Paragraph>{consequence}</Paragraph>
      <AnnualGraceNote base={props} show={isTrial && isAnnual} />
      <CtaButton href={updateUrl} locale={locale}>
        {m.button}
      </CtaButton>
      <Closing base={props} invoiceUrl={invoiceUrl} alreadyDone="alreadyUpdated" />
    </EmailLayout>
  );
}

FinalWarningEmail.PreviewProps = {
  ...PREVIEW_BASE,
  empathyParagraph:
    "We're not sure exactly what went wrong this time, and often it's something small that's easy to fix by checking your payment details.",
  isTrial: false,
  isAnnual: false,
  planName: "Pro",
  reason: "do_not_honor",
  updateUrl: "https://billing.example.com/update/cus_123",
  accessEndsAt: Date.UTC(2026, 2, 15),
} satisfies FinalWarningEmailProps;

export default FinalWarningEmail;
