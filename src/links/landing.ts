/**
 * @module landing
 * What a verified card-update link shows and what its button would open, from the token and the case as it is
 * now. Reads the ledger only (no Stripe call: a GET must open nothing). Every link we signed lands on a page:
 * an open case gets the button; a settled one "nothing to do, thank you"; an expired link on a still-open case
 * the hosted invoice page; anything else expired a 410 with the same friendly page, never a redirect.
 */
import type { Deps } from "../deps.ts";
import { formatMoney } from "../ingest/money.ts";
import { getCase, type CaseRow } from "../ledger/cases.ts";
import type { LandingView } from "./landing-page.ts";
import { targetOf, type LinkTarget, type UpdateTokenPayload } from "./update-token.ts";

/** What the button opens: the billing portal (invoice, trial, card on file) or a Checkout setup session (one-off). */
export type LinkAction = { kind: "portal" } | { kind: "checkout"; row: CaseRow };

export type ResolvedLink =
  | { ok: true; target: LinkTarget; row: CaseRow | null; view: LandingView; action: LinkAction | null }
  /** The token names a case of another customer: not a link we sent to this customer. */
  | { ok: false; reason: "customer_mismatch" };

const amountOf = (row: CaseRow | null): string | null => (row?.amount != null && row.currency != null ? formatMoney({ amount: row.amount, currency: row.currency }) : null);

/** The page for a link that is not (or no longer) ours to act on: forged, malformed, or no secret configured. */
export function invalidView(): LandingView {
  return { status: 400, title: "This link is not valid", amount: null, paragraphs: ["Please use the link in your most recent email from us, or reply to it and we will help."], button: null, link: null };
}

function settledView(row: CaseRow, expired: boolean): LandingView {
  const what = row.status === "recovered" ? "This payment is settled." : "There is nothing left to pay on this link.";
  return { status: expired ? 410 : 200, title: "Nothing to do, thank you", amount: null, paragraphs: [what, "You don't need to do anything. Thank you!"], button: null, link: null };
}

function expiredView(): LandingView {
  return {
    status: 410,
    title: "This link has expired",
    amount: null,
    paragraphs: ["There is nothing to do on this link any more.", "If you still want to update your payment details, reply to our most recent email and we will help."],
    button: null,
    link: null,
  };
}

function openCaseView(row: CaseRow, brand: string, expired: boolean): LandingView {
  const amount = amountOf(row);
  const oneOff = row.kind === "payment_intent";
  const failed = `Your payment${amount !== null ? ` of ${amount}` : ""} to ${brand} didn't go through.`;
  if (expired) {
    const link = row.hosted_invoice_url !== null ? { href: row.hosted_invoice_url, label: "Open the invoice" } : null;
    return {
      status: 200,
      title: "Your payment is still open",
      amount,
      paragraphs: [failed, link !== null ? "This link has expired, but you can still pay on the invoice page." : "This link has expired. Reply to our most recent email and we will send you a new one."],
      button: null,
      link,
    };
  }
  return {
    status: 200,
    title: oneOff ? "Add a card to complete your payment" : "Update your payment method",
    amount,
    paragraphs: [failed, oneOff ? `Add a card on Stripe's secure page; we then charge ${amount ?? "the amount"} once with it.` : "Update your card on Stripe's secure page; we then collect the open payment once with it."],
    button: oneOff ? "Add a card" : "Update payment method",
    link: null,
  };
}

/** Resolves a verified token (valid or expired) into the page and the button's action. */
export async function resolveLink(deps: Deps, payload: UpdateTokenPayload, expired: boolean): Promise<ResolvedLink> {
  const brand = deps.config.brandName;
  const target = targetOf(payload);
  if (target === "case") {
    const found = await getCase(deps.db, payload.k);
    if (found !== null && found.customer_id !== payload.c) return { ok: false, reason: "customer_mismatch" };
    if (found !== null) {
      if (found.status !== "open") return { ok: true, target, row: found, view: settledView(found, expired), action: null };
      const view = openCaseView(found, brand, expired);
      return { ok: true, target, row: found, view, action: expired ? null : found.kind === "payment_intent" ? { kind: "checkout", row: found } : { kind: "portal" } };
    }
    // A case the ledger does not know (yet): the customer's card on file is still something they can update.
  }
  if (expired) return { ok: true, target, row: null, view: expiredView(), action: null };
  const trial = target === "trial";
  return {
    ok: true,
    target,
    row: null,
    view: {
      status: 200,
      title: trial ? "Add a payment method" : "Update your payment method",
      amount: null,
      paragraphs: [trial ? `Add a payment method so your ${brand} subscription continues without interruption when your trial ends.` : `Update the card ${brand} charges, on Stripe's secure page.`],
      button: trial ? "Add a payment method" : "Update payment method",
      link: null,
    },
    action: { kind: "portal" },
  };
}
