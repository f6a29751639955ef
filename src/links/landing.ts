/**
 * @module landing
 * What a verified card-update link shows and what its button would open, from the token and the case as it is
 * now. Reads the ledger only (no Stripe call: a GET must open nothing). Every link we signed lands on a page:
 * an open case gets the button; a settled one "nothing to do, thank you"; an expired link on a still-open case
 * the hosted invoice page; anything else expired a 410 with the same friendly page, never a redirect. The page
 * speaks the language of the email that carried the link (the token's `l`).
 */
import type { Deps } from "../deps.ts";
import { formatMoney } from "../ingest/money.ts";
import { getCase, type CaseRow } from "../ledger/cases.ts";
import type { LandingView } from "./landing-page.ts";
import { formatLocale, messagesFor } from "../../emails/index.ts";
import type { Messages } from "../../emails/locales/index.ts";
import { targetOf, type LinkTarget, type UpdateTokenPayload } from "./update-token.ts";

/** What the button opens: the billing portal (invoice, trial, card on file) or a Checkout setup session (one-off). */
export type LinkAction = { kind: "portal" } | { kind: "checkout"; row: CaseRow };

export type ResolvedLink =
  | { ok: true; target: LinkTarget; row: CaseRow | null; view: LandingView; action: LinkAction | null }
  /** The token names a case of another customer: not a link we sent to this customer. */
  | { ok: false; reason: "customer_mismatch" };

/** The page's words and number format: the email's locale from the token (absent or unknown: English). */
export interface PageLocale {
  m: Messages["landing"];
  lang: string;
  format: string;
}

export function pageLocale(locale: string | null | undefined): PageLocale {
  const messages = messagesFor(locale);
  return { m: messages.landing, lang: messages.tag, format: formatLocale(locale) };
}

const base = (loc: PageLocale) => ({ lang: loc.lang, secureNote: loc.m.secureNote });

const amountOf = (row: CaseRow | null, loc: PageLocale): string | null =>
  row?.amount != null && row.currency != null ? formatMoney({ amount: row.amount, currency: row.currency }, loc.format) : null;

/** The page for a link that is not (or no longer) ours to act on: forged, malformed, or no secret configured. */
export function invalidView(loc: PageLocale = pageLocale(null)): LandingView {
  return { status: 400, title: loc.m.invalidTitle, amount: null, paragraphs: [loc.m.invalidBody], button: null, link: null, ...base(loc) };
}

function settledView(row: CaseRow, expired: boolean, loc: PageLocale): LandingView {
  const what = row.status === "recovered" ? loc.m.settledPaid : loc.m.settledNothing;
  return { status: expired ? 410 : 200, title: loc.m.settledTitle, amount: null, paragraphs: [what, loc.m.settledThanks], button: null, link: null, ...base(loc) };
}

function expiredView(loc: PageLocale): LandingView {
  return { status: 410, title: loc.m.expiredTitle, amount: null, paragraphs: [loc.m.expiredNothing, loc.m.expiredReply], button: null, link: null, ...base(loc) };
}

function openCaseView(row: CaseRow, brand: string, expired: boolean, loc: PageLocale): LandingView {
  const amount = amountOf(row, loc);
  const oneOff = row.kind === "payment_intent";
  const failed = loc.m.failed(amount, brand);
  if (expired) {
    const link = row.hosted_invoice_url !== null ? { href: row.hosted_invoice_url, label: loc.m.openInvoice } : null;
    return { status: 200, title: loc.m.stillOpenTitle, amount, paragraphs: [failed, link !== null ? loc.m.expiredPayOnInvoice : loc.m.expiredNewLink], button: null, link, ...base(loc) };
  }
  return {
    status: 200,
    title: oneOff ? loc.m.addCardTitle : loc.m.updateTitle,
    amount,
    paragraphs: [failed, oneOff ? loc.m.addCardBody(amount) : loc.m.updateBody],
    button: oneOff ? loc.m.addCardButton : loc.m.updateButton,
    link: null,
    ...base(loc),
  };
}

/** Resolves a verified token (valid or expired) into the page and the button's action. */
export async function resolveLink(deps: Deps, payload: UpdateTokenPayload, expired: boolean): Promise<ResolvedLink> {
  const brand = deps.config.brandName;
  const loc = pageLocale(payload.l);
  const target = targetOf(payload);
  if (target === "case") {
    const found = await getCase(deps.db, payload.k);
    if (found !== null && found.customer_id !== payload.c) return { ok: false, reason: "customer_mismatch" };
    if (found !== null) {
      if (found.status !== "open") return { ok: true, target, row: found, view: settledView(found, expired, loc), action: null };
      const view = openCaseView(found, brand, expired, loc);
      return { ok: true, target, row: found, view, action: expired ? null : found.kind === "payment_intent" ? { kind: "checkout", row: found } : { kind: "portal" } };
    }
    // A case the ledger does not know (yet): the customer's card on file is still something they can update.
  }
  if (expired) return { ok: true, target, row: null, view: expiredView(loc), action: null };
  const trial = target === "trial";
  return {
    ok: true,
    target,
    row: null,
    view: {
      status: 200,
      title: trial ? loc.m.trialTitle : loc.m.updateTitle,
      amount: null,
      paragraphs: [trial ? loc.m.trialBody(brand) : loc.m.cardOnFileBody(brand)],
      button: trial ? loc.m.trialButton : loc.m.updateButton,
      link: null,
      ...base(loc),
    },
    action: { kind: "portal" },
  };
}
