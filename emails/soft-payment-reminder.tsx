/**
 * @module soft-payment-reminder
 * A soft decline (insufficient funds, a generic bank decline, a processing hiccup): nothing is wrong with the card.
 * With a retry scheduled (Stripe's next attempt, in the future) the email gives its date; "nothing to do" is said
 * only when the reason usually clears by itself (funds, processing), never when the bank declined (then it says
 * what helps). Without a retry it asks the customer to complete the payment, with another card when the bank
 * asked not to try this one again. Every variant links to the secure payment page.
 */
import { CtaButton, EmailLayout, EmpathyParagraph, Greeting, Paragraph, PaymentDetails, formatAmount, formatDate, forWhat, messagesOf, oneLine, PREVIEW_BASE } from "./layout.tsx";
import { AnnualGraceNote, Closing } from "./parts.tsx";
import type { EmailBase } from "./layout.tsx";

export interface SoftPaymentReminderEmailProps extends EmailBase {
  /** When the payment will be attempted again (epoch ms): only a retry that is scheduled and in the future. */
  nextRetryAt: number | null;
  /** Where to pay now: the hosted invoice page or our signed card-update link. */
  payUrl?: string | null;
  /**
   * Without a retry date: "ended" (Stripe will not retry: the customer completes it), "blocked" (the bank advised
   * not to try this card again: another card), "unknown" (default; no promise either way).
   */
  retryOutlook?: "ended" | "blocked" | "unknown";
}

const CLEARS_BY_ITSELF = new Set(["insufficient_funds", "processing_error"]);

export function softPaymentReminderSubject(props: SoftPaymentReminderEmailProps): string {
  const m = messagesOf(props).softReminder;
  const amount = formatAmount(props.amount, props.locale);
  return oneLine(props.nextRetryAt === null ? m.subject(amount, props.brandName) : m.subjectRetry(amount, props.brandName, formatDate(props.nextRetryAt, props.locale, props.timeZone)));
}

export function SoftPaymentReminderEmail(props: SoftPaymentReminderEmailProps) {
  const { brandName, locale, invoiceUrl, empathyParagraph, isAnnual, nextRetryAt } = props;
  const m = messagesOf(props).softReminder;
  const amount = formatAmount(props.amount, locale);
  const nextDate = nextRetryAt === null ? null : formatDate(nextRetryAt, locale, props.timeZone);
  const payUrl = props.payUrl ?? invoiceUrl;
  let next: string;
  if (nextDate !== null) next = CLEARS_BY_ITSELF.has(props.reason ?? "") ? m.retryNoAction(nextDate) : m.retryBank(nextDate);
  else next = props.retryOutlook === "blocked" ? m.noRetryOtherCard : props.retryOutlook === "ended" ? m.noRetry : m.completeNow;
  return (
    <EmailLayout base={props} preview={nextDate === null ? m.preview(amount, brandName) : m.previewRetry(amount, brandName, nextDate)}>
      <Greeting base={props} />
      <Paragraph>{m.intro(amount, forWhat(props), brandName)}</Paragraph>
      <PaymentDetails base={props} />
      <EmpathyParagraph text={empathyParagraph} />
      <Paragraph>{next}</Paragraph>
      {payUrl ? (
        <>
          {nextDate !== null ? <Paragraph>{m.payNowOptional}</Paragraph> : null}
          <CtaButton href={payUrl} locale={locale}>
            {m.button}
          </CtaButton>
        </>
      ) : null}
      <AnnualGraceNote base={props} show={isAnnual && props.payment !== "one_off"} />
      <Closing base={props} invoiceUrl={payUrl === invoiceUrl ? null : invoiceUrl} alreadyDone={nextDate === null ? "alreadyPaid" : undefined} />
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
  reason: "insufficient_funds",
  nextRetryAt: Date.UTC(2026, 2, 5),
} satisfies SoftPaymentReminderEmailProps;

export default SoftPaymentReminderEmail;
