/**
 * @module money
 * Money is always minor units plus an ISO currency. Stripe's currency table decides the exponent:
 * most currencies have 2 decimals, zero-decimal ones (JPY, KRW, ...) have 0, a few have 3.
 * Source: https://docs.stripe.com/currencies
 */

/** An amount in the currency's minor unit (cents for USD, yen for JPY). */
export interface Money {
  amount: number;
  currency: string;
}

const ZERO_DECIMAL = new Set([
  "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
]);
const THREE_DECIMAL = new Set(["bhd", "jod", "kwd", "omr", "tnd"]);

/** Number of decimals of the currency's minor unit. */
export function currencyExponent(currency: string): number {
  const c = currency.toLowerCase();
  if (ZERO_DECIMAL.has(c)) return 0;
  if (THREE_DECIMAL.has(c)) return 3;
  return 2;
}

/** Minor units -> major units as a number (1999 USD -> 19.99; 1999 JPY -> 1999). */
export function toMajorUnits(money: Money): number {
  return money.amount / 10 ** currencyExponent(money.currency);
}

// Building an Intl.NumberFormat costs far more than using one; a Worker formats the same few currencies.
const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(locale: string, currency: string, digits: number): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let f = formatters.get(key);
  if (f === undefined) {
    f = new Intl.NumberFormat(locale, { style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
    if (formatters.size >= 256) formatters.clear();
    formatters.set(key, f);
  }
  return f;
}

/**
 * Formats money for people, with the currency's real exponent and the given locale
 * (`formatMoney({amount: 1999, currency: "usd"})` -> "$19.99"; `{amount: 1999, currency: "jpy"}` -> "¥1,999").
 */
export function formatMoney(money: Money, locale = "en-US"): string {
  const digits = currencyExponent(money.currency);
  const value = toMajorUnits(money);
  try {
    return formatterFor(locale, money.currency.toUpperCase(), digits).format(value);
  } catch {
    // Unknown locale or currency code: still show an honest figure.
    return `${value.toFixed(digits)} ${money.currency.toUpperCase()}`;
  }
}
