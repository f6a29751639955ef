/**
 * @module parts
 * The blocks that close a customer email, written once: the annual grace note, the link to the hosted invoice,
 * the "already done? ignore this" note and the sign-off, and `Closing`, which puts the last three in their
 * fixed order. Templates keep their own copy above these; the closing reads the same in every email.
 */
import { InlineLink, Paragraph } from "./layout.tsx";

/** Sign-off. */
export function SignOff({ brandName }: { brandName: string }) {
  return (
    <Paragraph>
      Thank you,
      <br />
      {`The ${brandName} team`}
    </Paragraph>
  );
}

/** Annual subscribers keep access while the payment is sorted out. */
export function AnnualGraceNote({ brandName, isAnnual }: { brandName: string; isAnnual: boolean }) {
  if (!isAnnual) return null;
  return (
    <Paragraph>
      {`As an annual subscriber, you keep full access to ${brandName} during a grace period while this gets sorted out.`}
    </Paragraph>
  );
}

/** Optional secondary link to the hosted invoice page. */
export function InvoiceLink({ invoiceUrl }: { invoiceUrl: string | null }) {
  if (!invoiceUrl) return null;
  return (
    <Paragraph>
      You can also <InlineLink href={invoiceUrl}>view the invoice</InlineLink> at any time.
    </Paragraph>
  );
}

/** "If you've already updated your details, thank you, and please ignore this email." */
export function AlreadyDoneNote({ done }: { done: string }) {
  // One text node (a template string), so the HTML carries no React text separators.
  return <Paragraph>{`If you've already ${done}, thank you, and please ignore this email.`}</Paragraph>;
}

export interface ClosingProps {
  brandName: string;
  /** Shown as "You can also view the invoice" when given and not null. */
  invoiceUrl?: string | null;
  /** What the customer may already have done ("updated your details"); no note when absent. */
  alreadyDone?: string;
}

/** The end of every email: invoice link (optional), "already done" note (optional), sign-off. */
export function Closing({ brandName, invoiceUrl = null, alreadyDone }: ClosingProps) {
  return (
    <>
      <InvoiceLink invoiceUrl={invoiceUrl} />
      {alreadyDone ? <AlreadyDoneNote done={alreadyDone} /> : null}
      <SignOff brandName={brandName} />
    </>
  );
}
