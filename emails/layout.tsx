/**
 * @module layout
 * The shared frame of every customer email (brand header, body column, footer) plus the small
 * helpers all templates use: locale-aware money and date formatting, the greeting, the plan phrase,
 * and a few inline-styled building blocks (paragraph, call-to-action button, highlight box). The blocks that
 * close an email (grace note, invoice link, "already done" note, sign-off) live in `parts.tsx`.
 *
 * Everything is inline-styled through `@react-email/components` so it survives email clients;
 * the copy itself lives in the templates.
 */
import type { CSSProperties, ReactNode } from "react";
import { Body, Button, Container, Head, Hr, Html, Link, Preview, Section, Text } from "@react-email/components";
import { formatMoney } from "../src/ingest/money.ts";
import type { Money } from "../src/ingest/money.ts";

/** Fields every template receives (the `templateId`-independent part of `EmailInput`). */
export interface EmailBase {
  /** The SaaS's name, shown in the header, subject and footer. */
  brandName: string;
  /** `null` (or something that looks like an email address) -> "Hi there". */
  customerName: string | null;
  /** BCP 47 tag such as "fr-FR"; `null` or unusable -> "en-US". Only numbers and dates are localized. */
  locale: string | null;
  /** Minor units + ISO currency. */
  amount: Money;
  /** Hosted invoice page. */
  invoiceUrl: string | null;
  /** One short paragraph supplied by the caller (generated or `fallbackEmpathyParagraph`). */
  empathyParagraph: string;
  /** Trial customers get no pressure copy: no "final", no deadlines, no service interruption. */
  isTrial: boolean;
  /** Annual subscribers are told they keep access during a grace period. */
  isAnnual: boolean;
  planName: string | null;
}

export const DEFAULT_LOCALE = "en-US";

/** Sample data shared by every template's `PreviewProps`. */
export const PREVIEW_BASE = {
  brandName: "Acme",
  customerName: "Jane",
  locale: "en-US",
  amount: { amount: 4900, currency: "usd" },
  invoiceUrl: "https://invoice.example.com/i/in_123",
} satisfies Partial<EmailBase>;

/** The caller's locale if `Intl` accepts it, else "en-US". */
export function resolveLocale(locale: string | null | undefined): string {
  if (!locale) return DEFAULT_LOCALE;
  try {
    const [canonical] = Intl.getCanonicalLocales(locale);
    return canonical ?? DEFAULT_LOCALE;
  } catch {
    return DEFAULT_LOCALE;
  }
}

/** "$49.00", "49,00 €", "¥4,980": the currency's real exponent, the customer's locale. */
export function formatAmount(money: Money, locale: string | null): string {
  return formatMoney(money, resolveLocale(locale));
}

/** Epoch ms -> "March 5, 2026" / "5 mars 2026" (long date style, UTC so every reader sees the same day). */
export function formatDate(epochMs: number, locale: string | null): string {
  return new Intl.DateTimeFormat(resolveLocale(locale), { dateStyle: "long", timeZone: "UTC" }).format(new Date(epochMs));
}

/** "Hi Jane," or "Hi there," (never greets someone by their email address). */
export function greeting(customerName: string | null): string {
  const name = customerName?.trim();
  if (!name || name.includes("@")) return "Hi there,";
  return `Hi ${name},`;
}

/** "your Pro plan" or "your subscription". */
export function planPhrase(planName: string | null): string {
  const plan = planName?.trim();
  return plan ? `your ${plan} plan` : "your subscription";
}

/** Subjects are one header line: no line breaks, no runs of spaces. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
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
  footer: { color: "#4b5563", fontSize: "13px", lineHeight: "20px", margin: 0 },
} satisfies Record<string, CSSProperties>;

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

export interface EmailLayoutProps {
  brandName: string;
  /** Inbox preview line (hidden in the body, skipped in the text version). */
  preview: string;
  children: ReactNode;
}

/** Header with the brand name, the body column, and the footer. */
export function EmailLayout({ brandName, preview, children }: EmailLayoutProps) {
  return (
    <Html lang="en" dir="ltr">
      <Head>
        <meta name="color-scheme" content="light" />
        <meta name="supported-color-schemes" content="light" />
      </Head>
      <Preview>{preview}</Preview>
      <Body style={styles.body}>
        <Container style={styles.container}>
          <Text style={styles.brand}>{brandName}</Text>
          <Section>{children}</Section>
          <Hr style={styles.hr} />
          <Text style={styles.footer}>{`You are receiving this because you have a subscription with ${brandName}.`}</Text>
        </Container>
      </Body>
    </Html>
  );
}

export function Paragraph({ children }: { children: ReactNode }) {
  return <Text style={styles.paragraph}>{children}</Text>;
}

/** The main call to action, with the plain URL under it for clients that block buttons (HTML only). */
export function CtaButton({ href, children }: { href: string; children: ReactNode }) {
  return (
    <Section style={styles.buttonSection}>
      <Button href={href} style={styles.button}>
        {children}
      </Button>
      <Text style={styles.fallbackLink} data-skip-in-text="true">
        If the button doesn't work, copy this link into your browser:{" "}
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

/** "Hi Jane," */
export function Greeting({ customerName }: { customerName: string | null }) {
  return <Paragraph>{greeting(customerName)}</Paragraph>;
}

export const layoutStyles = styles;
