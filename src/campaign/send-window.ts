/**
 * @module campaign/send-window
 * When a customer may hear from us: a send window of local hours on the customer's clock, and the next instant it
 * opens. The zone is the customer's own (Stripe metadata `timezone`, when valid), else their country's, else the
 * configured default. A country over several zones gets the hours its main zones share, written on the reference
 * zone's clock (US: 12:00-19:00 New York = 09:00-16:00 Los Angeles). Pure: no I/O, `now` is passed in; every
 * conversion goes through the runtime's time zone data, so DST switch days come out right.
 */
import { canonicalZone, zonesOfCountry, type CountryZones } from "./zones.ts";

export interface SendWindow {
  /** IANA zone whose clock the hours are on. */
  zone: string;
  /** First local hour the window is open (inclusive). */
  startHour: number;
  /** Local hour the window closes (exclusive). */
  endHour: number;
  /** "09:00-19:00". */
  label: string;
}

/** standard: 09:00-19:00 local; authentication (the 3-D Secure email, a payment waiting for the customer): 08:00-21:00. */
export type WindowKind = "standard" | "authentication";

/** Local opening and closing hour of each kind of window. */
export const SEND_WINDOW_HOURS: Readonly<Record<WindowKind, { startHour: number; endHour: number }>> = {
  standard: { startHour: 9, endHour: 19 },
  authentication: { startHour: 8, endHour: 21 },
};

const HOUR_MS = 3_600_000;
const QUARTER_HOUR_MS = HOUR_MS / 4;

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall clock of `zone` at `at` (UTC ms). */
function localParts(at: number, zone: string): LocalParts {
  const out: LocalParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of formatterFor(zone).formatToParts(at)) {
    if (p.type in out) out[p.type as keyof LocalParts] = Number(p.value);
  }
  if (out.hour === 24) out.hour = 0; // some ICU versions still write midnight as 24 with h23
  return out;
}

/** The zone's offset from UTC at `at`, in ms (Berlin in summer: +2 h). */
function offsetMs(at: number, zone: string): number {
  const p = localParts(at, zone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(at / 1000) * 1000;
}

/** The UTC instant a wall-clock time in `zone` happens (the later reading when a DST switch repeats it). */
function wallToUtc(year: number, month: number, day: number, hour: number, zone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour);
  const first = wall - offsetMs(wall, zone);
  // The offset at the guess may differ from the offset at the wall time read as UTC (near a switch): once more.
  return wall - offsetMs(first, zone);
}

/** The local hour (0-23) in `zone` at `at` (UTC ms). */
export function localHour(at: number, zone: string): number {
  return localParts(at, zone).hour;
}

/** A date on the customer's clock for an email ("December 5, 2026" in `en`), in their locale when the runtime knows it. */
export function formatLocalDate(at: number, zone: string, locale = "en"): string {
  const options: Intl.DateTimeFormatOptions = { timeZone: zone, year: "numeric", month: "long", day: "numeric" };
  try {
    return new Intl.DateTimeFormat(locale, options).format(at);
  } catch {
    return new Intl.DateTimeFormat("en", options).format(at);
  }
}

/** A time on the customer's clock for the team, e.g. "Thu 5 Mar, 09:00 Europe/Berlin" (an unknown zone: ISO UTC). */
export function formatLocalTime(at: number, zone: string): string {
  try {
    return `${new Intl.DateTimeFormat("en-GB", { timeZone: zone, weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(at))} ${zone}`;
  } catch {
    return new Date(at).toISOString();
  }
}

export function isInside(now: number, w: SendWindow): boolean {
  const h = localHour(now, w.zone);
  return h >= w.startHour && h < w.endHour;
}

/** `now` itself when the window is open, else the next instant it opens (UTC ms). */
export function nextOpening(now: number, w: SendWindow): number {
  if (isInside(now, w)) return now;
  const p = localParts(now, w.zone);
  // Before the opening hour it opens today; after the closing hour, tomorrow (Date.UTC rolls the month over).
  const day = new Date(Date.UTC(p.year, p.month - 1, p.day + (p.hour < w.startHour ? 0 : 1)));
  let at = wallToUtc(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), w.startHour, w.zone);
  // An opening hour that a DST switch skips that day (none of ours; a few zones switch at 00:00) opens at the first
  // quarter hour that exists (every zone's offset is a whole number of quarter hours).
  for (let i = 0; i < 4 * 25 && (at <= now || !isInside(at, w)); i++) at += QUARTER_HOUR_MS;
  return at;
}

const pad = (h: number) => String(h).padStart(2, "0");

function windowOf(zone: string, startHour: number, endHour: number): SendWindow {
  return { zone, startHour, endHour, label: `${pad(startHour)}:00-${pad(endHour)}:00` };
}

/** Instants through one year (mid-month, noon UTC): both sides of every DST switch of the table's zones, by 2026's rules. */
const SEASON_SAMPLES = Array.from({ length: 12 }, (_, m) => Date.UTC(2026, m, 15, 12));

const countryWindows = new Map<string, SendWindow>();

/**
 * The hours every main zone of a country shares, on the reference zone's clock, whatever the season: each zone's
 * local window is shifted onto the reference clock at every sample and the windows intersected. Partial hours
 * round inwards. A country whose zones share no hour falls back to the reference zone's own window.
 */
function countryWindow(c: CountryZones, kind: WindowKind): SendWindow {
  const key = `${c.zone}|${(c.also ?? []).join(",")}|${kind}`;
  const hit = countryWindows.get(key);
  if (hit !== undefined) return hit;
  const hours = SEND_WINDOW_HOURS[kind];
  let start = hours.startHour;
  let end = hours.endHour;
  for (const other of c.also ?? []) {
    for (const at of SEASON_SAMPLES) {
      // Hours `other` is ahead of the reference (Los Angeles vs New York: -3).
      const ahead = (offsetMs(at, other) - offsetMs(at, c.zone)) / HOUR_MS;
      start = Math.max(start, hours.startHour - ahead);
      end = Math.min(end, hours.endHour - ahead);
    }
  }
  start = Math.ceil(start);
  end = Math.floor(end);
  const w = start < end ? windowOf(c.zone, start, end) : windowOf(c.zone, hours.startHour, hours.endHour);
  countryWindows.set(key, w);
  return w;
}

/**
 * The window for a customer. Zone: the metadata timezone if valid, else the country's zone (a multi-zone country:
 * the reference zone with the hours its main zones share, e.g. US -> America/New_York 12:00-19:00, so Los Angeles
 * gets 09:00-16:00), else `defaultZone` (UTC when that is not a valid zone either).
 */
export function sendWindowFor(f: { timezone?: string | null; country?: string | null }, kind: WindowKind, defaultZone: string): SendWindow {
  const hours = SEND_WINDOW_HOURS[kind];
  const own = canonicalZone(f.timezone);
  if (own !== null) return windowOf(own, hours.startHour, hours.endHour);
  const country = zonesOfCountry(f.country);
  if (country !== null) return countryWindow(country, kind);
  return windowOf(canonicalZone(defaultZone) ?? "UTC", hours.startHour, hours.endHour);
}

/** The window of the customer a context describes (its metadata zone and country). */
export function customerWindow(c: { customerTimezone?: string | null; customerCountry?: string | null }, kind: WindowKind, defaultZone: string): SendWindow {
  return sendWindowFor({ timezone: c.customerTimezone ?? null, country: c.customerCountry ?? null }, kind, defaultZone);
}
