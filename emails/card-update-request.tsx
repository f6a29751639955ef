/**
 * @module card-update-request
 * The payment failed and the card on file needs attention (expired, declined, details wrong...):
 * ask the customer to update their payment details through the secure link.
 * Never used for `authentication_required` (that customer only has to confirm with their bank).
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

export interface CardUpdateRequestEmailProps extends EmailBase {
  /** Secure page where the customer updates the payment method. */
  updateUrl: string;
}

export function cardUpdateRequestSubject(props: CardUpdateRequestEmailProps): string {
  const amount = formatAmount(props.amount, props.locale);
  return oneLine(`Your payment of ${amount} to ${props.brandName} didn't go through`);
}

export function CardUpdateRequestEmail(props: CardUpdateRequestEmailProps) {
  const { brandName, customerName, locale, invoiceUrl, empathyParagraph, isTrial, isAnnual, planName, updateUrl } =
    props;
  const amount = formatAmount(props.amount, locale);
  return (
    <EmailLayout
      brandName={brandName}
      preview={`Your ${amount} payment to ${brandName} didn't go through. Updating your payment details takes a minute.`}
    >
      <Greeting customerName={customerName} />
      <Paragraph>
        We tried to collect {amount} for {planPhrase(planName)} with {brandName}, but the payment didn't go through.
      </Paragraph>
      <EmpathyParagraph text={empathyParagraph} />
      <Paragraph>
        {isTrial
          ? "Whenever it suits you, you can update your payment details using the secure link below. It only takes a minute."
          : "You can update your payment details using the secure link below. It only takes a minute, and we'll take care of the rest."}
      </Paragraph>
      <CtaButton href={updateUrl}>Update payment details</CtaButton>
      <AnnualGraceNote brandName={brandName} isAnnual={isAnnual} />
      <Closing brandName={brandName} invoiceUrl={invoiceUrl} alreadyDone="updated your details" />
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
  updateUrl: "https://billing.example.com/update/cus_123",
} satisfies CardUpdateRequestEmailProps;

export default CardUpdateRequestEmail;
