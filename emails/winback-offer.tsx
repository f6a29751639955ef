/**
 * @module winback-offer
 * A discount to keep (or bring back) a customer whose payment failed.
 * Two variants:
 * - `appliesTo: "subscription"`: the discount is already applied to the next invoice; the code is shown for reference.
 * - `appliesTo: "resubscribe"`: the subscription has ended; the customer uses the code at `resubscribeUrl`.
 * Shows the promotion code, the percentage and the code's expiry date (in the customer's locale).
 */
import { Text } from "@react-email/components";
import {
  CtaButton,
  EmailLayout,
  EmpathyParagraph,
  Greeting,
  Highlight,
  InlineLink,
  Paragraph,
  formatAmount,
  formatDate,
  oneLine,
  planPhrase,
  resolveLocale,
  PREVIEW_BASE,
} from "./layout.tsx";
import { AnnualGraceNote, Closing } from "./parts.tsx";
import type { EmailBase } from "./layout.tsx";

export interface WinbackOfferEmailProps extends EmailBase {
  /** Whole percentage, e.g. 20. */
  percentOff: number;
  promoCode: string;
  /** When the promotion code stops working (epoch ms). */
  expiresAt: number;
  appliesTo: "subscription" | "resubscribe";
  /** Where to resubscribe (used by the "resubscribe" variant). */
  resubscribeUrl: string | null;
}

/** "20%" in the customer's locale ("20 %" in French). */
function formatPercent(percentOff: number, locale: string | null): string {
  try {
    return new Intl.NumberFormat(resolveLocale(locale), { style: "percent", maximumFractionDigits: 2 }).format(
      percentOff / 100,
    );
  } catch {
    return `${percentOff}%`;
  }
}

export function winbackOfferSubject(props: WinbackOfferEmailProps): string {
  const pct = formatPercent(props.percentOff, props.locale);
  return oneLine(
    props.appliesTo === "subscription"
      ? `${pct} off your next ${props.brandName} invoice — code ${props.promoCode}`
      : `${pct} off to come back to ${props.brandName} — code ${props.promoCode}`,
  );
}

const codeStyle = {
  color: "#111827",
  fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
  fontSize: "24px",
  fontWeight: 700,
  letterSpacing: "2px",
  lineHeight: "32px",
  margin: "0 0 8px",
} as const;
const offerDetailStyle = { color: "#374151", fontSize: "15px", lineHeight: "22px", margin: 0 } as const;

export function WinbackOfferEmail(props: WinbackOfferEmailProps) {
  const {
    brandName,
    customerName,
    locale,
    invoiceUrl,
    empathyParagraph,
    isAnnual,
    planName,
    percentOff,
    promoCode,
    expiresAt,
    appliesTo,
    resubscribeUrl,
  } = props;
  const amount = formatAmount(props.amount, locale);
  const pct = formatPercent(percentOff, locale);
  const expiry = formatDate(expiresAt, locale);
  const onSubscription = appliesTo === "subscription";
  return (
    <EmailLayout
      brandName={brandName}
      preview={
        onSubscription
          ? `We've applied ${pct} off your next ${brandName} invoice. Code ${promoCode}, valid until ${expiry}.`
          : `Come back to ${brandName} with ${pct} off. Code ${promoCode}, valid until ${expiry}.`
      }
    >
      <Greeting customerName={customerName} />
      {onSubscription ? (
        <Paragraph>
          Your recent payment of {amount} for {planPhrase(planName)} with {brandName} didn't go through, and we'd like
          to make things a little easier.
        </Paragraph>
      ) : (
        <Paragraph>
          {planName ? `Your ${planName.trim()} subscription` : "Your subscription"} with {brandName} has ended because
          the payment of {amount} didn't go through. We'd love to have you back.
        </Paragraph>
      )}
      <EmpathyParagraph text={empathyParagraph} />
      {onSubscription ? (
        <Paragraph>
          We've applied {pct} off your next invoice, so there's nothing you need to do to get it. Your code, for
          reference, is {promoCode}.
        </Paragraph>
      ) : resubscribeUrl ? (
        <Paragraph>
          Use code {promoCode} at <InlineLink href={resubscribeUrl}>{resubscribeUrl}</InlineLink> to get {pct} off when
          you come back.
        </Paragraph>
      ) : (
        <Paragraph>
          Use code {promoCode} when you resubscribe to get {pct} off.
        </Paragraph>
      )}
      <Highlight>
        <Text style={codeStyle}>{promoCode}</Text>
        <Text style={offerDetailStyle}>
          {pct} off · valid until {expiry}
        </Text>
      </Highlight>
      {onSubscription ? (
        <AnnualGraceNote brandName={brandName} isAnnual={isAnnual} />
      ) : resubscribeUrl ? (
        <CtaButton href={resubscribeUrl}>Come back to {brandName}</CtaButton>
      ) : null}
      <Closing brandName={brandName} invoiceUrl={onSubscription ? invoiceUrl : null} />
    </EmailLayout>
  );
}

WinbackOfferEmail.PreviewProps = {
  ...PREVIEW_BASE,
  empathyParagraph:
    "It means a lot that you chose us, and we don't want a payment hiccup to get in the way. Banks don't always share the reason for a decline, so the simplest fix is usually a different card.",
  isTrial: false,
  isAnnual: false,
  planName: "Pro",
  percentOff: 20,
  promoCode: "COMEBACK20",
  expiresAt: Date.UTC(2026, 3, 30),
  appliesTo: "resubscribe",
  resubscribeUrl: "https://acme.example.com/resubscribe",
} satisfies WinbackOfferEmailProps;

export default WinbackOfferEmail;
