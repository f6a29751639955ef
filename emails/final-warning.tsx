/**
 * @module final-warning
 * The last reminder before the subscription ends. Honest about what happens and when.
 * Trial customers get the same request without any pressure: no "final", no deadline, no loss of service.
 * Annual subscribers are reminded they have kept access during a grace period (and when it ends).
 */
import {
  CtaButton,
  EmailLayout,
  EmpathyParagraph,
  Greeting,
  Paragraph,
  formatAmount,
  formatDate,
  oneLine,
  planPhrase,
  PREVIEW_BASE,
} from "./layout.tsx";
import { AnnualGraceNote, Closing } from "./parts.tsx";
import type { EmailBase } from "./layout.tsx";

export interface FinalWarningEmailProps extends EmailBase {
  /** Secure page where the customer updates the payment method. */
  updateUrl: string;
  /** When access ends if the payment is still outstanding (epoch ms), if known. Never shown to trial customers. */
  accessEndsAt: number | null;
}

export function finalWarningSubject(props: FinalWarningEmailProps): string {
  const amount = formatAmount(props.amount, props.locale);
  const brand = props.brandName;
  if (props.isTrial) return oneLine(`Your ${amount} payment to ${brand} still needs your attention`);
  if (props.accessEndsAt !== null) {
    return oneLine(`Final reminder: your ${amount} payment to ${brand} is due by ${formatDate(props.accessEndsAt, props.locale)}`);
  }
  return oneLine(`Final reminder: your ${amount} payment to ${brand} is still outstanding`);
}

export function FinalWarningEmail(props: FinalWarningEmailProps) {
  const { brandName, customerName, locale, invoiceUrl, empathyParagraph, isTrial, isAnnual, planName, updateUrl } =
    props;
  const amount = formatAmount(props.amount, locale);
  const endDate = !isTrial && props.accessEndsAt !== null ? formatDate(props.accessEndsAt, locale) : null;
  const plan = planPhrase(planName);

  let consequence: string;
  if (isTrial) {
    consequence = `Whenever you're ready, you can update your payment details below to keep using ${brandName}. It only takes a minute.`;
  } else if (isAnnual) {
    consequence = endDate
      ? `As an annual subscriber, you've kept full access to ${brandName} during a grace period. That grace period ends on ${endDate}: if the payment hasn't gone through by then, ${plan} will be canceled.`
      : `As an annual subscriber, you've kept full access to ${brandName} during a grace period. It ends soon: if the payment hasn't gone through by then, ${plan} will be canceled.`;
  } else {
    consequence = endDate
      ? `If the payment hasn't gone through by ${endDate}, ${plan} will be canceled and you'll lose access to ${brandName}.`
      : `If the payment doesn't go through soon, ${plan} will be canceled and you'll lose access to ${brandName}.`;
  }
  const trialAnnualNote = isTrial && isAnnual;

  return (
    <EmailLayout
      brandName={brandName}
      preview={
        isTrial
          ? `Your ${amount} payment to ${brandName} still hasn't gone through. Updating your details takes a minute.`
          : `Your ${amount} payment to ${brandName} is still outstanding. Update your payment details to keep your access.`
      }
    >
      <Greeting customerName={customerName} />
      <Paragraph>
        {isTrial
          ? `Your payment of ${amount} for ${plan} with ${brandName} still hasn't gone through.`
          : `We still haven't been able to collect your payment of ${amount} for ${plan} with ${brandName}, and this is our last reminder.`}
      </Paragraph>
      <EmpathyParagraph text={empathyParagraph} />
      <Paragraph>{consequence}</Paragraph>
      <AnnualGraceNote brandName={brandName} isAnnual={trialAnnualNote} />
      <CtaButton href={updateUrl}>Update payment details</CtaButton>
      <Closing brandName={brandName} invoiceUrl={invoiceUrl} alreadyDone="updated your details" />
    </EmailLayout>
  );
}

FinalWarningEmail.PreviewProps = {
  ...PREVIEW_BASE,
  empathyParagraph:
    "You've been with us for a long time, and we're grateful for that. We're not sure exactly what went wrong this time, and often it's something small that's easy to fix by checking your payment details.",
  isTrial: false,
  isAnnual: false,
  planName: "Pro",
  updateUrl: "https://billing.example.com/update/cus_123",
  accessEndsAt: Date.UTC(2026, 2, 15),
} satisfies FinalWarningEmailProps;

export default FinalWarningEmail;
