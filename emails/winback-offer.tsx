/**
 * @module winback-offer
 * A discount to keep (or bring back) a customer whose payment failed. A commercial message (US CAN-SPAM
 * primary-purpose test): its footer carries the sender's postal address and an unsubscribe link, and the sender
 * adds the List-Unsubscribe headers (RFC 8058). It is never sent without a postal address (the gate refuses).
 * Two variants:
 * - `appliesTo: "subscription"`: the discount is already applied to the next invoice; the code is shown for reference.
 * - `appliesTo: "resubscribe"`: the subscription has ended; the customer uses the code at `resubscribeUrl`.
 * Shows the promotion code, the percentage and the code's expiry date (in the customer's locale).
 */
import { Text } from "@react-email/components";
import { CtaButton, EmailLayout, EmpathyParagraph, Greeting, Highlight, Paragraph, formatAmount, formatDate, forWhat, messagesOf, oneLine, PREVIEW_BASE } from "./layout.tsx";
import { formatPercent } from "./i18n.ts";
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
  /** The signed `/r/unsubscribe/:token` link (footer). */
  unsubscribeUrl: string;
}

export function winbackOfferSubject(props: WinbackOfferEmailProps): string {
  const m = messagesOf(props).winback;
  const pct = formatPercent(props.percentOff, props.locale);
  return oneLine(props.appliesTo === "subscription" ? m.subjectApplied(pct, props.brandName, props.promoCode) : m.subjectReturn(pct, props.brandName, props.promoCode));
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
  const { brandName, locale, invoiceUrl, empathyParagraph, isAnnual, percentOff, promoCode, expiresAt, appliesTo, resubscribeUrl } = props;
  const m = messagesOf(props).winback;
  const amount = formatAmount(props.amount, locale);
  const pct = formatPercent(percentOff, locale);
  const expiry = formatDate(expiresAt, locale, props.timeZone);
  const onSubscription = appliesTo === "subscription";
  return (
    <EmailLayout
      base={props}
      purpose="offer"
      unsubscribeUrl={props.unsubscribeUrl}
      preview={onSubscription ? m.previewApplied(pct, brandName, promoCode, expiry) : m.previewReturn(pct, brandName, promoCode, expiry)}
    >
      <Greeting base={props} />
      <Paragraph>{onSubscription ? m.introApplied(amount, forWhat(props), brandName) : m.introReturn(amount, brandName)}</Paragraph>
      <EmpathyParagraph text={empathyParagraph} />
      <Paragraph>{onSubscription ? m.applied(pct, promoCode) : resubscribeUrl ? m.useAt(promoCode, pct) : m.useWhen(promoCode, pct)}</Paragraph>
      <Highlight>
        <Text style={codeStyle}>{promoCode}</Text>
        <Text style={offerDetailStyle}>{m.validUntil(pct, expiry)}</Text>
      </Highlight>
      {onSubscription ? (
        <AnnualGraceNote base={props} show={isAnnual} />
      ) : resubscribeUrl ? (
        <CtaButton href={resubscribeUrl} locale={locale}>
          {m.button(brandName)}
        </CtaButton>
      ) : null}
      <Closing base={props} invoiceUrl={onSubscription ? invoiceUrl : null} />
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
  unsubscribeUrl: "https://recovery.example.com/r/unsubscribe/token",
} satisfies WinbackOfferEmailProps;

export default WinbackOfferEmail;
