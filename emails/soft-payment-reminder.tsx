/**
 * @module soft-payment-reminder
 * A soft decline (insufficient funds, a generic bank decline, a processing hiccup): nothing is wrong
 * with the card, the payment will be attempted again automatically. Reassure, give the date, and offer
 * the invoice page for anyone who prefers to pay now or with another card.
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

export interface SoftPaymentReminderEmailProps extends EmailBase {
  /** When the payment will be attempted again (epoch ms), if known. */
  nextRetryAt: number | null;
}

export function softPaymentReminderSubject(props: SoftPaymentReminderEmailProps): string {
  const amount = formatAmount(props.amount, props.locale);
  const when = props.nextRetryAt === null ? "soon" : `on ${formatDate(props.nextRetryAt, props.locale)}`;
  return oneLine(`Your ${amount} payment to ${props.brandName} didn't go through — we'll try again ${when}`);
}

export function SoftPaymentReminderEmail(props: SoftPaymentReminderEmailProps) {
  const { brandName, customerName, locale, invoiceUrl, empathyParagraph, isAnnual, planName, nextRetryAt } = props;
  const amount = formatAmount(props.amount, locale);
  const nextDate = nextRetryAt === null ? null : formatDate(nextRetryAt, locale);
  return (
    <EmailLayout
      brandName={brandName}
      preview={`Your ${amount} payment to ${brandName} didn't go through. No action is needed right now.`}
    >
      <Greeting customerName={customerName} />
      <Paragraph>
        Your payment of {amount} for {planPhrase(planName)} with {brandName} didn't go through this time. It happens,
        and it's usually easy to sort out.
      </Paragraph>
      <EmpathyParagraph text={empathyParagraph} />
      <Paragraph>
        {nextDate
          ? `We'll try the payment again automatically on ${nextDate}, so you don't need to do anything right now.`
          : "We'll try the payment again automatically in the next few days, so you don't need to do anything right now."}
      </Paragraph>
      {invoiceUrl ? (
        <>
          <Paragraph>If you'd rather pay now, or use a different card, you can do that on your invoice page.</Paragraph>
          <CtaButton href={invoiceUrl}>View and pay invoice</CtaButton>
        </>
      ) : null}
      <AnnualGraceNote brandName={brandName} isAnnual={isAnnual} />
      <Closing brandName={brandName} />
    </EmailLayout>
  );
}

SoftPaymentReminderEmail.PreviewProps = {
  ...PREVIEW_BASE,
  empathyParagraph:
    "Sometimes a payment is declined simply because of timing, like a balance that hasn't caught up yet or a spending limit. It happens to lots of people and usually sorts itself out quickly.",
  isTrial: false,
  isAnnual: false,
  planName: "Pro",
  nextRetryAt: Date.UTC(2026, 2, 5),
} satisfies SoftPaymentReminderEmailProps;

export default SoftPaymentReminderEmail;
