/**
 * @module update-link
 * The card-update link an email carries: our signed `/r/update/:token`, naming what it is for and the email's
 * template. A link lives as long as the case's grace plus 7 days (`cases.grace_until` when the campaign set it,
 * else the first failure + the configured grace days), so a link in a months-old email no longer opens Stripe.
 * Without a signing secret the email carries the hosted invoice page instead.
 */
import type { Deps } from "../deps.ts";
import type { DunningContext } from "../ingest/context.ts";
import { getCase, type CaseRow } from "../ledger/cases.ts";
import { signUpdateToken, type UpdateTokenPayload } from "./update-token.ts";
import { localeOf } from "../../emails/facts.ts";

const DAY_MS = 86400_000;
/** How long a link outlives the case's grace (and a trial's end). */
export const LINK_GRACE_EXTRA_MS = 7 * DAY_MS;

/** `grace_until` (migration 0011), read without depending on who adds it to `CaseRow`. */
type CaseWithGrace = CaseRow & { grace_until?: number | null };

/** The end of a case's grace: its campaign's `grace_until`, else the first failure + the configured grace days. */
export function graceEndOf(row: CaseRow, config: Deps["config"]): number {
  const set = (row as CaseWithGrace).grace_until;
  if (typeof set === "number") return set;
  const days = row.is_annual === 1 ? config.graceDaysAnnual : config.graceDaysMonthly;
  return row.opened_at + days * DAY_MS;
}

/** Expiry of a case link: the case's grace + 7 days. */
export function caseLinkExpiry(row: CaseRow, config: Deps["config"]): number {
  return graceEndOf(row, config) + LINK_GRACE_EXTRA_MS;
}

/**
 * The token payload for an email: a case, a trial (its subscription), or the customer's card on file. `known`: the
 * case as its dispatcher read it for this email (after the decision), so the link costs no read of its own.
 */
export async function linkPayload(deps: Deps, ctx: DunningContext, caseId: string | null, templateId: string, known?: CaseRow | null): Promise<UpdateTokenPayload> {
  const now = deps.clock();
  // The landing page speaks the email's language (the same choice as the email's).
  const l = localeOf(ctx).format;
  if (caseId !== null) {
    const row = known !== undefined && known !== null && known.id === caseId ? known : await getCase(deps.db, caseId);
    const e = row !== null ? caseLinkExpiry(row, deps.config) : now + deps.config.graceDaysMonthly * DAY_MS + LINK_GRACE_EXTRA_MS;
    return { c: ctx.customerId, k: caseId, e, f: "case", m: templateId, l };
  }
  if (templateId === "trial_ending") {
    return { c: ctx.customerId, k: ctx.subscriptionId ?? ctx.customerId, e: (ctx.trialEnd ?? now) + LINK_GRACE_EXTRA_MS, f: "trial", m: templateId, l };
  }
  return { c: ctx.customerId, k: ctx.customerId, e: now + deps.config.graceDaysMonthly * DAY_MS + LINK_GRACE_EXTRA_MS, f: "customer", m: templateId, l };
}

/** The link an email carries: the signed landing page, or the hosted invoice page without a signing secret. */
export async function updateLinkUrl(deps: Deps, ctx: DunningContext, caseId: string | null, templateId: string, known?: CaseRow | null): Promise<string> {
  const secret = deps.config.linkSigningSecret;
  if (secret === null) return ctx.hostedInvoiceUrl ?? deps.config.appUrl;
  const token = await signUpdateToken(secret, await linkPayload(deps, ctx, caseId, templateId, known));
  return `${deps.config.appUrl}/r/update/${token}`;
}
