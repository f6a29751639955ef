/**
 * @module i18n
 * Which language an email is written in, and the locale-aware pieces every template uses: the catalog, the
 * tag for numbers and dates, money, dates in the customer's time zone, percentages and a safe first name.
 * Pure: no I/O, no clock.
 *
 * Language: the Stripe customer's `preferred_locales` in order (an exact catalog tag, then the language alone:
 * "pt-PT" -> "pt-BR", "fr-CA" -> "fr"), else the country of the customer's address, else English. Numbers and
 * dates use the same language with the customer's region when known ("fr-CA", "de-AT"), so the whole email
 * reads in one locale.
 */
import { formatMoney } from "../src/ingest/money.ts";
import type { Money } from "../src/ingest/money.ts";
import { CATALOGS, DEFAULT_CATALOG, type Messages } from "./locales/index.ts";

/** Countries whose customers read a catalog language when they set no preferred locale (ISO 3166-1 alpha-2). */
const COUNTRY_LANGUAGE: Readonly<Record<string, string>> = {
  DE: "de", AT: "de", LI: "de",
  FR: "fr", MC: "fr", LU: "fr", SN: "fr", CI: "fr", CM: "fr", MA: "fr", TN: "fr",
  ES: "es", MX: "es", AR: "es", CO: "es", CL: "es", PE: "es", VE: "es", EC: "es", GT: "es", CU: "es", BO: "es",
  DO: "es", HN: "es", PY: "es", SV: "es", NI: "es", CR: "es", PA: "es", UY: "es", PR: "es",
  JP: "ja",
  BR: "pt-BR", PT: "pt-BR", AO: "pt-BR", MZ: "pt-BR",
};

export interface LocaleChoice {
  messages: Messages;
  /** BCP 47 tag for Intl (amounts, dates): the catalog's language with the customer's region when known. */
  format: string;
}

function canonical(tag: string): string | null {
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}

const language = (tag: string) => tag.split("-")[0]?.toLowerCase() ?? "";
const region = (tag: string) => new Intl.Locale(tag).region ?? null;

/** The catalog for one BCP 47 tag: exact tag first, then any catalog of the same language. */
function catalogFor(tag: string): Messages | null {
  const exact = Object.values(CATALOGS).find((m) => m.tag.toLowerCase() === tag.toLowerCase());
  if (exact) return exact;
  return Object.values(CATALOGS).find((m) => language(m.tag) === language(tag)) ?? null;
}

/** Picks the email's language and formatting locale from what Stripe knows about the customer. */
export function chooseLocale(input: { preferredLocales?: readonly string[] | null | undefined; country?: string | null | undefined }): LocaleChoice {
  const country = input.country?.trim().toUpperCase() || null;
  for (const raw of input.preferredLocales ?? []) {
    const tag = canonical(raw);
    if (tag === null) continue;
    const messages = catalogFor(tag);
    if (messages === null) continue;
    const r = region(tag) ?? (country !== null && /^[A-Z]{2}$/.test(country) ? country : null);
    return { messages, format: formatTag(messages, r) };
  }
  if (country !== null) {
    const tag = COUNTRY_LANGUAGE[country];
    const messages = tag === undefined ? null : (CATALOGS[tag] ?? null);
    if (messages !== null) return { messages, format: formatTag(messages, country) };
  }
  return { messages: DEFAULT_CATALOG, format: DEFAULT_CATALOG.defaultFormatLocale };
}

/** The catalog's language with `region` when Intl accepts it, else the catalog's default. */
function formatTag(messages: Messages, r: string | null): string {
  if (r === null) return messages.defaultFormatLocale;
  return canonical(`${language(messages.tag)}-${r}`) ?? messages.defaultFormatLocale;
}

/** The catalog an already-chosen locale tag names (the email input carries the tag), English when none fits. */
export function messagesFor(locale: string | null | undefined): Messages {
  const tag = locale ? canonical(locale) : null;
  return (tag !== null ? catalogFor(tag) : null) ?? DEFAULT_CATALOG;
}

/** The Intl tag for `locale`, or the catalog's default when Intl rejects it. */
export function formatLocale(locale: string | null | undefined): string {
  const tag = locale ? canonical(locale) : null;
  return tag ?? messagesFor(locale).defaultFormatLocale;
}

/** "$49.00", "49,00 €", "￥4,980": the currency's real exponent, the email's locale. */
export function formatAmount(money: Money, locale: string | null | undefined): string {
  return formatMoney(money, formatLocale(locale));
}

function validZone(timeZone: string | null | undefined): string {
  if (!timeZone) return "UTC";
  try {
    new Intl.DateTimeFormat("en", { timeZone });
    return timeZone;
  } catch {
    return "UTC";
  }
}

/** Epoch ms -> "March 5, 2026" / "5 mars 2026" / "2026年3月5日", on the customer's calendar day (UTC when unknown). */
export function formatDate(epochMs: number, locale: string | null | undefined, timeZone?: string | null): string {
  return new Intl.DateTimeFormat(formatLocale(locale), { dateStyle: "long", timeZone: validZone(timeZone) }).format(new Date(epochMs));
}

/** "20%" / "20 %". */
export function formatPercent(percentOff: number, locale: string | null | undefined): string {
  return new Intl.NumberFormat(formatLocale(locale), { style: "percent", maximumFractionDigits: 2 }).format(percentOff / 100);
}

/** Longest name we greet by; anything longer is more likely junk (or a message) than a name. */
export const MAX_NAME_LENGTH = 40;
const URL_LIKE = /(https?:|www\.|\/\/|\.(com|net|org|io|co|ru|cn|xyz|info|biz|app|dev|me|ly|link|top|site|online)\b)/i;

/**
 * The first name to greet, or null ("Hi there"): a name holding a URL, "@", "<" or ">", or longer than 40
 * characters, is dropped, because a payment form's name field is free text anyone can fill.
 */
export function firstName(name: string | null | undefined): string | null {
  const clean = name?.replace(/\s+/g, " ").trim() ?? "";
  if (clean === "" || clean.length > MAX_NAME_LENGTH || /[@<>]/.test(clean) || URL_LIKE.test(clean)) return null;
  const first = clean.split(" ")[0] ?? "";
  return /[\p{L}]/u.test(first) ? first : null;
}
