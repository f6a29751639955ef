/**
 * @module trial-ending
 * The trial ends in a few days. Engaged trials (a payment method on file) hear what continues and when the
 * first charge happens; lapsed trials (no payment method) get one gentle invitation to add one. Never
 * pressure: no deadlines beyond the trial's own end date, no "final", no "suspend".
 */
import { CtaButton, EmailLayout, EmpathyParagraph, Greeting, Paragraph, formatAmount, formatDate, oneLine, planPhrase } from "./layout.tsx";
import { Closing } from "./parts.tsx";
import type { EmailBase } from "./layout.tsx";

export interface TrialEndingEmailProps extends EmailBase {
  /** When the trial ends (epoch ms). */
  trialEndsAt: number;
  /** True when a payment method is on file (the subscription continues by itself). */
  engaged: boolean;
  /** Where to add a payment method (our signed card-update link or the billing portal). */
  updateUrl: string;
}

export function trialEndingSubject(props: TrialEndingEmailProps): string {
  const date = formatDate(props.trialEndsAt, props.locale);
  return oneLine(props.engaged ? `Your ${props.brandName} trial becomes your plan on ${date}` : `Your ${props.brandName} trial ends on ${date}`);
}

export function TrialEndingEmail(props: TrialEndingEmailProps) {
  const { brandName, customerName, locale, empathyParagraph, planName, trialEndsAt, engaged, updateUrl } = props;
  const date = formatDate(trialEndsAt, locale);
  const amount = formatAmount(props.amount, locale);
  return (
    <EmailLayout brandName={brandName} preview={engaged ? `Nothing to do: ${planPhrase(planName)} continues on ${date}.` : `Keep ${brandName} after ${date} by adding a payment method.`}>
      <Greeting customerName={customerName} />
      {engaged ? (
        <>
          <Paragraph>
            Your trial of {brandName} ends on {date}. Your payment method is already on file, so {planPhrase(planName)} simply continues and the
            first payment of {amount} will be taken then.
          </Paragraph>
          <EmpathyParagraph text={empathyParagraph} />
          <Paragraph>If you'd like to use a different card, you can change it here.</Paragraph>
          <CtaButton href={updateUrl}>Manage payment method</CtaButton>
        </>
      ) : (
        <>
          <Paragraph>
            Your trial of {brandName} ends on {date}. If you'd like to keep going with {planPhrase(planName)} ({amount}), add a payment method and
            everything carries on as it is.
          </Paragraph>
          <EmpathyParagraph text={empathyParagraph} />
          <CtaButton href={updateUrl}>Add a payment method</CtaButton>
        </>
      )}
      <Closing brandName={brandName} />
    </EmailLayout>
  );
}

TrialEndingEmail.PreviewProps = {
  brandName: "Acme",
  customerName: "Priya",
  locale: "en-US",
  amount: { amount: 1900, currency: "usd" },
  invoiceUrl: null,
  empathyParagraph: "We hope the last few weeks have been useful. If anything got in the way, just reply to this email and a real person will help you out.",
  isTrial: true,
  isAnnual: false,
  planName: "Basic",
  trialEndsAt: Date.UTC(2026, 11, 1),
  engaged: false,
  updateUrl: "https://example.com/r/update/token",
} satisfies TrialEndingEmailProps;

export default TrialEndingEmail;
