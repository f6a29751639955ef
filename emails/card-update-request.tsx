/**
 * @module card-update-request
 * The payment failed and the card on file needs attention (expired, declined, details wrong...):
 * ask the customer to update their payment details through the secure link.
 * Never used for `authentication_required` (that customer only has to confirm with their bank).
 * A retry date is promised only when the caller passes one (Stripe has a retry scheduled in the future).
 */
import { CtaButton, EmailLayout, EmpathyParagraph, Greeting, Paragraph, PaymentDetails, formatAmount, formatDate, forWhat, messagesOf, oneLine, reasonFamily, PREVIEW_BASE } from "./layout.tsx";
import { AnnualGraceNote, Closing } from "./parts.tsx";
import type { EmailBase } from "./layout.tsx";

export interface CardUpdateRequestEmailProps extends EmailBase {
  /** Secure page where the customer updates the payment method. */
  updateUrl: string;
  /** Stripe's next retry of this invoice (epoch ms), only when one is scheduled in the future. */
  nextRetryAt?: number | null;
  /** The campaign's last dated notice (trials): until when access stays on. */
  accessEndsAt?: number | null;
}

export function cardUpdateRequestSubject(props: CardUpdateRequestEmailProps): string {
  return oneLine(messagesOf(props).cardUpdate.subject(formatAmount(props.amount, props.locale), props.brandName));
}

export function CardUpdateRequestEmail(props: CardUpdateRequestEmailProps) {
  const { brandName, locale, invoiceUrl, empathyParagraph, isTrial, isAnnual, updateUrl } = props;
  const m = messagesOf(props).cardUpdate;
  const amount = formatAmount(props.amount, locale);
  const ask = isTrial ? m.askTrial : reasonFamily(props.reason) === "soft" ? m.askSoft : m.askNeedsCustomer;
  const retry = props.nextRetryAt != null ? m.retryScheduled(formatDate(props.nextRetryAt, locale, props.timeZone)) : null;
  return (
    <EmailLayout base={props} preview={m.preview(amount, brandName)}>
      <Greeting base={props} />
      <Paragraph>{m.intro(amount, forWhat(props), brandName)}</Paragraph>
      <PaymentDetails base={props} />
      <EmpathyParagraph text={empathyParagraph} />
      <Paragraph>{ask}</Paragraph>
      {retry ? <Paragraph>{retry}</Paragraph> : null}
      {props.accessEndsAt != null ? <Paragraph>{messagesOf(props).accessUntil(formatDate(props.accessEndsAt, locale, props.timeZone))}</Paragraph> : null}
      <CtaButton href={updateUrl} locale={locale}>
        {m.button}
      </CtaButton>
      <AnnualGraceNote base={props} show={isAnnual && props.payment !== "one_off"} />
      <Closing base={props} invoiceUrl={invoiceUrl} alreadyDone="alreadyUpdated" />
    </EmailLayout>
  );
}

CardUpdateRequestEmail.PreviewProps = {
  ...PREVIEW_BASE,
  empathyParagraph:
    "It looks like the card on file has expired, which happens to everyone sooner or later. Adding the new expiry date or a different card usually takes less than a minute.",
  isTrial: false,
  isAnnual: false,
  planName: "Pro",
  reason: "card_expired",
  updateUrl: "https://billing.example.com/update/cus_123",
} satisfies CardUpdateRequestEmailProps;

export default CardUpdateRequestEmail;
