/**
 * @module trial-ending
 * The trial ends in a few days. Engaged trials (a payment method on file) hear what continues and when the
 * first charge happens; lapsed trials (no payment method) get one gentle invitation to add one. Nothing failed:
 * no failure wording, no tenure line, no pressure (no deadlines beyond the trial's own end date, no "final").
 */
import { CtaButton, EmailLayout, EmpathyParagraph, Greeting, Paragraph, formatAmount, formatDate, messagesOf, oneLine } from "./layout.tsx";
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
  const m = messagesOf(props).trialEnding;
  const date = formatDate(props.trialEndsAt, props.locale, props.timeZone);
  return oneLine(props.engaged ? m.subjectEngaged(props.brandName, date) : m.subjectLapsed(props.brandName, date));
}

export function TrialEndingEmail(props: TrialEndingEmailProps) {
  const { brandName, locale, empathyParagraph, trialEndsAt, engaged, updateUrl } = props;
  const m = messagesOf(props).trialEnding;
  const date = formatDate(trialEndsAt, locale, props.timeZone);
  const amount = formatAmount(props.amount, locale);
  return (
    <EmailLayout base={props} preview={engaged ? m.previewEngaged(brandName, date) : m.previewLapsed(brandName, date)}>
      <Greeting base={props} />
      <Paragraph>{engaged ? m.engaged(brandName, date, amount) : m.lapsed(brandName, date, amount)}</Paragraph>
      <EmpathyParagraph text={empathyParagraph} />
      {engaged ? <Paragraph>{m.changeCard}</Paragraph> : null}
      <CtaButton href={updateUrl} locale={locale}>
        {engaged ? m.buttonEngaged : m.buttonLapsed}
      </CtaButton>
      <Closing base={props} />
    </EmailLayout>
  );
}

TrialEndingEmail.PreviewProps = {
  brandName: "Acme",
  customerName: "Priya",
  locale: "en-US",
  amount: { amount: 1900, currency: "usd" },
  invoiceUrl: null,
  empathyParagraph:
    "We hope you've enjoyed getting to know us so far, and we'd love for you to keep exploring. Whatever you decide, everything you set up stays just where you left it, and we're always happy to help you find the plan that fits you best.",
  isTrial: true,
  isAnnual: false,
  planName: "Basic",
  supportEmail: "support@acme.example",
  trialEndsAt: Date.UTC(2026, 11, 1),
  engaged: false,
  updateUrl: "https://example.com/r/update/token",
} satisfies TrialEndingEmailProps;

export default TrialEndingEmail;
