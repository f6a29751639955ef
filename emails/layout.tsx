/**
 * @module layout
 * The shared frame of every customer email (brand header, body column, footer) plus the small
 * helpers all templates use: the catalog of the email's locale, money and date formatting, the greeting, what
 * was paid for, the payment details box, and a few inline-styled building blocks (paragraph, call-to-action
 * button, highlight box). The blocks that close an email (grace note, invoice link, "already done" note,
 * sign-off) live in `parts.tsx`; the words live in `locales/<tag>.ts`.
 *
 * Everything is inline-styled through `@react-email/components` so it survives email clients.
 */
import type { CSSProperties, ReactNode } from "react";
import { Body, Button, Column, Container, Head, Hr, Html, Link, Preview, Row, Section, Text } from "@react-email/components";
import type { FailureReason } from "../src/ingest/decline-codes.ts";
import type { Money } from "../src/ingest/money.ts";
import { firstName, formatAmount as formatAmountIn, formatDate as formatDateIn, formatLocale, messagesFor } from "./i18n.ts";
import type { Messages } from "./locales/index.ts";

/** Fields every template receives (the `templateId`-independent part of `EmailInput`). */
export interface EmailBase {
  /** The SaaS's name, shown in the header, subject and footer. */
  brandName: string;
  /** The customer's name as Stripe has it; only a safe first name is used ("Hi there" otherwise). */
  customerName: string | null;
  /** BCP 47 tag chosen by `chooseLocale` ("fr-FR"): the catalog language and the number/date format. `null` -> English. */
  locale: string | null;
  /** IANA zone for dates (the customer's calendar day); null -> UTC. */
  timeZone?: string | null;
  /** Minor units + ISO currency. */
  amount: Money;
  /** Hosted invoice page. */
  invoiceUrl: string | null;
  /** One short paragraph supplied by the caller (generated or `fallbackEmpathyParagraph`), in the email's language. */
  empathyParagraph: string;
  /** Trial customers get no pressure copy: no "final", no deadlines, no service interruption. */
  isTrial: boolean;
  /** Annual subscribers are told they keep access during a grace period. */
  isAnnual: boolean;
  /** What was paid for: the plan/product name of a renewal, the description of a one-off payment. */
  planName: string | null;
  /** A subscription renewal (default) or a one-off payment, which is never called a subscription. */
  payment?: "renewal" | "one_off";
  /** The decline reason, for the reason-family wording. */
  reason?: FailureReason | null;
  /** Brand and last 4 digits of the card, when known. */
  card?: { brand: string; last4: string } | null;
  /** The invoice's due date (epoch ms), when it has one. */
  dueAt?: number | null;
  /** Support address shown in the footer (also the Reply-To). */
  supportEmail?: string | null;
  /** The sender's postal address, shown in the footer. */
  companyAddress?: string | null;
}

export const DEFAULT_LOCALE = "en-US";

/** Sample data shared by every template's `PreviewProps`. */
export const PREVIEW_BASE = {
  brandName: "Acme",
  customerName: "Jane",
  locale: "en-US",
  amount: { amount: 4900, currency: "usd" },
  invoiceUrl: "https://invoice.example.com/i/in_123",
  card: { brand: "visa", last4: "4242" },
  supportEmail: "support@acme.example",
  companyAddress: "Acme Inc., 1 Main Street, Springfield, USA",
} satisfies Partial<EmailBase>;

/** The email's catalog. */
export const messagesOf = (b: Pick<EmailBase, "locale">): Messages => messagesFor(b.locale);

/** The Intl tag, or "en-US" when the caller's locale is unusable. */
export function resolveLocale(locale: string | null | undefined): string {
  return formatLocale(locale);
}

/** "$49.00", "49,00 €", "¥4,980": the currency's real exponent, the email's locale. */
export function formatAmount(money: Money, locale: string | null): string {
  return formatAmountIn(money, locale);
}

/** Epoch ms -> "March 5, 2026" / "5 mars 2026", on the customer's calendar day (UTC when the zone is unknown). */
export function formatDate(epochMs: number, locale: string | null, timeZone?: string | null): string {
  return formatDateIn(epochMs, locale, timeZone);
}

/** "Hi Jane," or "Hi there," in the email's language (never a name holding a link, an address or markup). */
export function greeting(customerName: string | null, locale: string | null = null): string {
  return messagesFor(locale).greeting(firstName(customerName));
}

/** "for your Pro plan" / "for “Workshop”": what the payment was for, in the email's language. */
export function forWhat(b: Pick<EmailBase, "locale" | "planName" | "payment">): string {
  const m = messagesFor(b.locale);
  const name = b.planName?.trim() || null;
  return b.payment === "one_off" ? m.forPurchase(name) : m.forPlan(name);
}

/** Subjects are one header line: no line breaks, no runs of spaces. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

const CARD_BRANDS: Readonly<Record<string, string>> = {
  visa: "Visa",
  mastercard: "Mastercard",
  amex: "American Express",
  american_express: "American Express",
  discover: "Discover",
  diners: "Diners Club",
  jcb: "JCB",
  unionpay: "UnionPay",
  cartes_bancaires: "Cartes Bancaires",
  eftpos_au: "eftpos",
  interac: "Interac",
};

/** "visa" -> "Visa"; unknown brands are shown as given, capitalized. */
export function cardBrandName(brand: string): string {
  const key = brand.trim().toLowerCase();
  return CARD_BRANDS[key] ?? (key.charAt(0).toUpperCase() + key.slice(1));
}

// ---------------------------------------------------------------------------------------------
// Styles (inline, email-client safe; colors meet WCAG AA contrast on their backgrounds)
// ---------------------------------------------------------------------------------------------

const FONT_STACK =
  '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif';

const styles = {
  body: { backgroundColor: "#f4f4f5", margin: 0, padding: "24px 0", fontFamily: FONT_STACK },
  container: {
    backgroundColor: "#ffffff",
    borderRadius: "8px",
    margin: "0 auto",
    padding: "32px 32px 24px",
    maxWidth: "560px",
  },
  brand: { color: "#111827", fontSize: "18px", fontWeight: 700, lineHeight: "24px", margin: "0 0 24px" },
  paragraph: { color: "#1f2937", fontSize: "16px", lineHeight: "26px", margin: "0 0 16px" },
  button: {
    backgroundColor: "#1d4ed8",
    borderRadius: "6px",
    color: "#ffffff",
    display: "inline-block",
    fontSize: "16px",
    fontWeight: 600,
    lineHeight: "24px",
    padding: "12px 24px",
    textDecoration: "none",
  },
  buttonSection: { margin: "8px 0 24px" },
  fallbackLink: { color: "#4b5563", fontSize: "13px", lineHeight: "20px", margin: "12px 0 0", wordBreak: "break-all" },
  link: { color: "#1d4ed8", textDecoration: "underline" },
  highlight: {
    backgroundColor: "#f3f4f6",
    border: "1px solid #e5e7eb",
    borderRadius: "8px",
    margin: "8px 0 24px",
    padding: "20px",
    textAlign: "center",
  },
  hr: { borderColor: "#e5e7eb", margin: "24px 0 16px" },
  footer: { color: "#4b5563", fontSize: "13px", lineHeight: "20px", margin: "0 0 4px" },
  details: { backgroundColor: "#f9fafb", border: "1px solid #e5e7eb", borderRadius: "8px", margin: "0 0 16px", padding: "12px 16px" },
  detailsTitle: { color: "#111827", fontSize: "14px", fontWeight: 600, lineHeight: "20px", margin: "0 0 4px" },
  detailsLabel: { color: "#4b5563", fontSize: "14px", lineHeight: "22px", paddingRight: "12px", verticalAlign: "top", width: "35%" },
  detailsValue: { color: "#111827", fontSize: "14px", lineHeight: "22px", verticalAlign: "top" },
} satisfies Record<string, CSSProperties>;

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

export interface EmailLayoutProps {
  /** The email's common fields (brand, locale, payment kind, footer contacts). */
  base: EmailBase;
  /** Inbox preview line (hidden in the body, skipped in the text version). */
  preview: string;
  /** "offer" (commercial: the winback) adds the unsubscribe link; recovery emails are transactional. */
  purpose?: "transactional" | "offer";
  /** The signed unsubscribe link (offers only). */
  unsubscribeUrl?: string | null;
  children: ReactNode;
}

/** Header with the brand name, the body column, and the footer (why you get this, support address, postal address). */
export function EmailLayout({ base, preview, purpose = "transactional", unsubscribeUrl = null, children }: EmailLayoutProps) {
  const m = messagesOf(base);
  const brand = base.brandName;
  const why = purpose === "offer" ? m.footer.offer(brand) : base.payment === "one_off" ? m.footer.oneOff(brand) : m.footer.renewal(brand);
  return (
    <Html lang={m.tag} dir="ltr">
      <Head>
        <meta name="color-scheme" content="light" />
        <meta name="supported-color-schemes" content="light" />
      </Head>
      <Preview>{preview}</Preview>
      <Body style={styles.body}>
        <Container style={styles.container}>
          <Text style={styles.brand}>{brand}</Text>
          <Section>{children}</Section>
          <Hr style={styles.hr} />
          <Text style={styles.footer}>{why}</Text>
          {base.supportEmail ? <Text style={styles.footer}>{m.footer.support(base.supportEmail)}</Text> : null}
          {base.companyAddress ? <Text style={styles.footer}>{base.companyAddress}</Text> : null}
          {purpose === "offer" && unsubscribeUrl ? (
            <Text style={styles.footer}>
              <Link href={unsubscribeUrl} style={styles.link}>
                {m.footer.unsubscribe}
              </Link>
            </Text>
          ) : null}
        </Container>
      </Body>
    </Html>
  );
}

export function Paragraph({ children }: { children: ReactNode }) {
  return <Text style={styles.paragraph}>{children}</Text>;
}

/** The main call to action, with the plain URL under it for clients that block buttons (HTML only). */
export function CtaButton({ href, locale, children }: { href: string; locale: string | null; children: ReactNode }) {
  return (
    <Section style={styles.buttonSection}>
      <Button href={href} style={styles.button}>
        {children}
      </Button>
      <Text style={styles.fallbackLink} data-skip-in-text="true">
        {`${messagesFor(locale).buttonFallback} `}
        <Link href={href} style={styles.link}>
          {href}
        </Link>
      </Text>
    </Section>
  );
}

export function InlineLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <Link href={href} style={styles.link}>
      {children}
    </Link>
  );
}

/** A boxed block (promotion code, key figures). */
export function Highlight({ children }: { children: ReactNode }) {
  return <Section style={styles.highlight}>{children}</Section>;
}

/** The caller's empathy paragraph (plain text, React escapes it). Nothing rendered when empty. */
export function EmpathyParagraph({ text }: { text: string }) {
  const clean = text.trim();
  return clean ? <Paragraph>{clean}</Paragraph> : null;
}

/** "Hi Jane," in the email's language. */
export function Greeting({ base }: { base: Pick<EmailBase, "customerName" | "locale"> }) {
  return <Paragraph>{greeting(base.customerName, base.locale)}</Paragraph>;
}

/** The facts of the payment: amount, what it was for, the card (brand and last 4) and the due date, when known. */
export function PaymentDetails({ base }: { base: EmailBase }) {
  const m = messagesOf(base);
  const rows: Array<[string, string]> = [[m.details.amount, formatAmount(base.amount, base.locale)]];
  const item = base.planName?.trim();
  if (item) rows.push([m.details.item, item]);
  if (base.card) rows.push([m.details.card, m.details.cardValue(cardBrandName(base.card.brand), base.card.last4)]);
  if (base.dueAt != null) rows.push([m.details.dueDate, formatDate(base.dueAt, base.locale, base.timeZone)]);
  return (
    <Section style={styles.details}>
      <Text style={styles.detailsTitle}>{m.details.title}</Text>
      {rows.map(([label, value]) => (
        <Row key={label}>
          <Column style={styles.detailsLabel}>{label}</Column>
          <Column style={styles.detailsValue}>{value}</Column>
        </Row>
      ))}
    </Section>
  );
}

export const layoutStyles = styles;

/** How a decline reason reads to the customer: the card needs them, a soft decline, the bank's confirmation, or neutral. */
export type ReasonFamily = "needs_customer" | "soft" | "authentication" | "neutral";

export function reasonFamily(reason: FailureReason | null | undefined): ReasonFamily {
  switch (reason) {
    case "card_expired":
    case "invalid_card_details":
    case "card_unusable":
      return "needs_customer";
    case "authentication_required":
      return "authentication";
    case "fraud_suspected":
    case "merchant_account_issue":
      return "neutral";
    default:
      return "soft";
  }
}
