/**
 * The `npm run email:preview` matrix (every template × situation × locale), read as a customer would read it:
 * one language per email, no English left in a translated one, no failure wording in the trial email, never
 * "subscription" in a one-off payment's email, a link in every email, a retry date only when Stripe has one
 * scheduled in the future, and the unsubscribe link and List-Unsubscribe headers on the winback only.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CATALOGS, emailHeaders, renderEmail, type RenderedEmail } from "../emails/index.ts";
import { formatAmount, formatDate } from "../emails/i18n.ts";
import { PREVIEW_ADDRESS, PREVIEW_BRAND, PREVIEW_PAST_RETRY_AT, PREVIEW_RETRY_AT, PREVIEW_SUPPORT, PREVIEW_URLS, previewMatrix, type MatrixEntry } from "../emails/preview-matrix.ts";

const entries = previewMatrix();
const rendered = new Map<string, RenderedEmail>();
beforeAll(async () => {
  for (const e of entries) rendered.set(e.key, await renderEmail(e.input));
});
const emailOf = (e: MatrixEntry): RenderedEmail => {
  const r = rendered.get(e.key);
  if (!r) throw new Error(`not rendered: ${e.key}`);
  return r;
};

const norm = (s: string) => s.replace(/[\u00a0\u202f]/g, " ");
/** What the customer reads (subject + plain text), without the data that is not ours to translate. */
function readable(e: MatrixEntry, r: RenderedEmail): string {
  let text = norm(`${r.subject}\n${r.text}`);
  for (const keep of [PREVIEW_ADDRESS, PREVIEW_SUPPORT, PREVIEW_BRAND, "Ana", e.input.planName ?? "", "COMEBACK20", "Visa", "Mastercard"]) if (keep) text = text.split(keep).join(" ");
  // Amounts: Intl writes "US$" / "$US" in some locales.
  text = text.split(norm(formatAmount(e.input.amount, e.input.locale))).join(" ");
  return text.replace(/https?:\/\/\S+/g, " ");
}

/** Words that only an English sentence would leave behind. */
const ENGLISH = /\b(the|your|you|we|our|please|payment|thank|thanks|card|update|invoice|subscription|didn't|won't|hi|there|with|from|by|if|any|write|us|details|amount|due|receiving|because|ending|reply|email)\b/i;
/** Failure wording, in every catalog language. */
const FAILURE = /didn't go through|declin|fail|went wrong|nicht durchgegangen|abgelehnt|n’a pas abouti|refusé|no se ha completado|rechaz|não foi concluído|recusou|完了しませんでした|承認しませんでした/i;
/** "Subscription", in every catalog language. */
const SUBSCRIPTION = /subscri|abonnement|abonn|suscrip|assinatura|ご契約/i;

describe("email preview matrix", () => {
  it("covers every template, in every locale", () => {
    expect(new Set(entries.map((e) => e.input.templateId)).size).toBe(6);
    expect(new Set(entries.map((e) => e.locale))).toEqual(new Set(Object.keys(CATALOGS)));
    expect(entries.length).toBeGreaterThanOrEqual(6 * 15);
  });

  for (const e of entries) {
    it(`${e.key}`, () => {
      const r = emailOf(e);
      const m = CATALOGS[e.locale];
      if (!m) throw new Error(`no catalog ${e.locale}`);
      const text = norm(r.text);
      // One locale for the whole email: lang attribute, greeting, sign-off, footer.
      expect(r.html).toContain(`lang="${m.tag}"`);
      expect(text).toContain(m.greeting("Ana"));
      expect(text).toContain(m.team(PREVIEW_BRAND));
      expect(text).toContain(PREVIEW_ADDRESS);
      expect(text).toContain(m.footer.support(PREVIEW_SUPPORT));
      if (e.locale !== "en") expect(readable(e, r)).not.toMatch(ENGLISH);
      // A link in every email.
      expect(r.html).toMatch(/href="https:\/\//);
      // The trial email: nothing failed, no tenure line.
      if (e.input.templateId === "trial_ending") {
        expect(text).not.toMatch(FAILURE);
        expect(text).not.toContain(m.empathy.opening.loyal);
      }
      // A one-off payment is never a subscription.
      if (e.input.payment === "one_off") expect(readable(e, r)).not.toMatch(SUBSCRIPTION);
      // A retry date only when Stripe has one scheduled in the future.
      const future = formatDate(PREVIEW_RETRY_AT, e.input.locale, "America/New_York");
      const past = formatDate(PREVIEW_PAST_RETRY_AT, e.input.locale, "America/New_York");
      const scheduled = e.situation.ctx.nextPaymentAttempt === PREVIEW_RETRY_AT;
      if (scheduled) expect(norm(`${r.subject}\n${text}`)).toContain(norm(future));
      else expect(norm(`${r.subject}\n${text}`)).not.toContain(norm(future));
      expect(norm(`${r.subject}\n${text}`)).not.toContain(norm(past));
      // Unsubscribe link and headers on the offer only.
      const headers = emailHeaders(e.input);
      if (e.input.templateId === "winback_offer") {
        expect(r.html).toContain(`href="${PREVIEW_URLS.unsubscribe}"`);
        expect(text).toContain(m.footer.unsubscribe);
        expect(headers).toEqual({ "List-Unsubscribe": `<${PREVIEW_URLS.unsubscribe}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" });
      } else {
        expect(r.html).not.toContain("/r/unsubscribe/");
        expect(headers).toBeUndefined();
      }
    });
  }
});
