/**
 * @module parts
 * The blocks that close a customer email, written once: the annual grace note, the link to the hosted invoice,
 * the "already done? ignore this" note, the reply hint and the sign-off, and `Closing`, which puts them in their
 * fixed order. Templates keep their own copy above these; the closing reads the same in every email.
 */
import { InlineLink, Paragraph, messagesOf } from "./layout.tsx";
import type { EmailBase } from "./layout.tsx";
import type { Messages } from "./locales/index.ts";

type Base = Pick<EmailBase, "brandName" | "locale">;

/** Sign-off. */
export function SignOff({ base }: { base: Base }) {
  const m = messagesOf(base);
  return (
    <Paragraph>
      {m.signOff}
      <br />
      {m.team(base.brandName)}
    </Paragraph>
  );
}

/** Annual subscribers keep access while the payment is sorted out. */
export function AnnualGraceNote({ base, show }: { base: Base; show: boolean }) {
  if (!show) return null;
  return <Paragraph>{messagesOf(base).annualGrace(base.brandName)}</Paragraph>;
}

/** Optional secondary link to the hosted invoice page. */
export function InvoiceLink({ base, invoiceUrl }: { base: Base; invoiceUrl: string | null }) {
  if (!invoiceUrl) return null;
  return (
    <Paragraph>
      <InlineLink href={invoiceUrl}>{messagesOf(base).viewInvoice}</InlineLink>
    </Paragraph>
  );
}

export type AlreadyDone = "alreadyUpdated" | "alreadyConfirmed" | "alreadyPaid";

export interface ClosingProps {
  base: Base & Pick<EmailBase, "supportEmail">;
  /** Shown as "View the invoice" when given and not null. */
  invoiceUrl?: string | null;
  /** What the customer may already have done; no note when absent. */
  alreadyDone?: AlreadyDone;
}

/** The end of every email: invoice link (optional), "already done" note (optional), reply hint (with a support address), sign-off. */
export function Closing({ base, invoiceUrl = null, alreadyDone }: ClosingProps) {
  const m: Messages = messagesOf(base);
  return (
    <>
      <InvoiceLink base={base} invoiceUrl={invoiceUrl} />
      {alreadyDone ? <Paragraph>{m[alreadyDone]}</Paragraph> : null}
      {base.supportEmail ? <Paragraph>{m.replyHelp}</Paragraph> : null}
      <SignOff base={base} />
    </>
  );
}
