/**
 * @module campaign/zones
 * Which clock a customer lives on: an IANA zone check, and a table of countries (ISO 3166-1 alpha-2) to their
 * main zone. A country spread over several zones names a reference zone plus the other zones most of its people
 * live in; the send window is the stretch of hours those zones share (`send-window.ts`). Pure: no I/O, no clock.
 */

/** A country's clock: the reference zone, and for a country over several zones the others its people mostly live in. */
export interface CountryZones {
  zone: string;
  /** Other main zones; the send window must be open in every one of them. */
  also?: readonly string[];
}

const one = (zone: string): CountryZones => ({ zone });

/**
 * Country -> main zone. Multi-zone countries list the zones most of the population lives in (not every zone:
 * Hawaii and Kamchatka would leave no shared hours); the rest get a window that is open in the reference zone.
 */
export const COUNTRY_ZONES: Readonly<Record<string, CountryZones>> = {
  // Several zones: the window is the hours all the listed zones share.
  US: { zone: "America/New_York", also: ["America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles"] },
  CA: { zone: "America/Toronto", also: ["America/Winnipeg", "America/Edmonton", "America/Vancouver"] },
  AU: { zone: "Australia/Sydney", also: ["Australia/Melbourne", "Australia/Brisbane", "Australia/Adelaide", "Australia/Perth"] },
  BR: { zone: "America/Sao_Paulo", also: ["America/Manaus"] },
  MX: { zone: "America/Mexico_City", also: ["America/Monterrey", "America/Tijuana", "America/Cancun"] },
  RU: { zone: "Europe/Moscow", also: ["Asia/Yekaterinburg", "Asia/Novosibirsk"] },
  ID: { zone: "Asia/Jakarta", also: ["Asia/Makassar"] },
  CD: { zone: "Africa/Kinshasa", also: ["Africa/Lubumbashi"] },
  KZ: { zone: "Asia/Almaty" },
  AR: one("America/Argentina/Buenos_Aires"),
  CL: one("America/Santiago"),
  // Europe
  AT: one("Europe/Vienna"),
  BE: one("Europe/Brussels"),
  BG: one("Europe/Sofia"),
  HR: one("Europe/Zagreb"),
  CY: one("Asia/Nicosia"),
  CZ: one("Europe/Prague"),
  DK: one("Europe/Copenhagen"),
  EE: one("Europe/Tallinn"),
  FI: one("Europe/Helsinki"),
  FR: one("Europe/Paris"),
  DE: one("Europe/Berlin"),
  GR: one("Europe/Athens"),
  HU: one("Europe/Budapest"),
  IE: one("Europe/Dublin"),
  IT: one("Europe/Rome"),
  LV: one("Europe/Riga"),
  LT: one("Europe/Vilnius"),
  LU: one("Europe/Luxembourg"),
  MT: one("Europe/Malta"),
  NL: one("Europe/Amsterdam"),
  PL: one("Europe/Warsaw"),
  PT: one("Europe/Lisbon"),
  RO: one("Europe/Bucharest"),
  SK: one("Europe/Bratislava"),
  SI: one("Europe/Ljubljana"),
  ES: one("Europe/Madrid"),
  SE: one("Europe/Stockholm"),
  GB: one("Europe/London"),
  UK: one("Europe/London"), // not ISO, but people type it
  NO: one("Europe/Oslo"),
  IS: one("Atlantic/Reykjavik"),
  CH: one("Europe/Zurich"),
  LI: one("Europe/Vaduz"),
  MC: one("Europe/Monaco"),
  AD: one("Europe/Andorra"),
  RS: one("Europe/Belgrade"),
  BA: one("Europe/Sarajevo"),
  ME: one("Europe/Podgorica"),
  MK: one("Europe/Skopje"),
  AL: one("Europe/Tirane"),
  UA: one("Europe/Kyiv"),
  MD: one("Europe/Chisinau"),
  BY: one("Europe/Minsk"),
  GE: one("Asia/Tbilisi"),
  AM: one("Asia/Yerevan"),
  AZ: one("Asia/Baku"),
  TR: one("Europe/Istanbul"),
  // Asia and the Pacific
  JP: one("Asia/Tokyo"),
  CN: one("Asia/Shanghai"),
  HK: one("Asia/Hong_Kong"),
  MO: one("Asia/Macau"),
  TW: one("Asia/Taipei"),
  KR: one("Asia/Seoul"),
  SG: one("Asia/Singapore"),
  MY: one("Asia/Kuala_Lumpur"),
  TH: one("Asia/Bangkok"),
  VN: one("Asia/Ho_Chi_Minh"),
  PH: one("Asia/Manila"),
  IN: one("Asia/Kolkata"),
  PK: one("Asia/Karachi"),
  BD: one("Asia/Dhaka"),
  LK: one("Asia/Colombo"),
  NP: one("Asia/Kathmandu"),
  NZ: one("Pacific/Auckland"),
  // Middle East
  AE: one("Asia/Dubai"),
  SA: one("Asia/Riyadh"),
  QA: one("Asia/Qatar"),
  KW: one("Asia/Kuwait"),
  BH: one("Asia/Bahrain"),
  OM: one("Asia/Muscat"),
  JO: one("Asia/Amman"),
  LB: one("Asia/Beirut"),
  IL: one("Asia/Jerusalem"),
  // Africa
  ZA: one("Africa/Johannesburg"),
  NG: one("Africa/Lagos"),
  EG: one("Africa/Cairo"),
  KE: one("Africa/Nairobi"),
  MA: one("Africa/Casablanca"),
  GH: one("Africa/Accra"),
  TN: one("Africa/Tunis"),
  DZ: one("Africa/Algiers"),
  ET: one("Africa/Addis_Ababa"),
  TZ: one("Africa/Dar_es_Salaam"),
  UG: one("Africa/Kampala"),
  SN: one("Africa/Dakar"),
  CI: one("Africa/Abidjan"),
  RW: one("Africa/Kigali"),
  // The Americas
  CO: one("America/Bogota"),
  PE: one("America/Lima"),
  VE: one("America/Caracas"),
  EC: one("America/Guayaquil"),
  UY: one("America/Montevideo"),
  PY: one("America/Asuncion"),
  BO: one("America/La_Paz"),
  CR: one("America/Costa_Rica"),
  PA: one("America/Panama"),
  GT: one("America/Guatemala"),
  DO: one("America/Santo_Domingo"),
  PR: one("America/Puerto_Rico"),
  JM: one("America/Jamaica"),
};

const validity = new Map<string, string | null>();

/**
 * The canonical IANA name of a time zone the runtime knows (e.g. "europe/berlin" -> "Europe/Berlin"), or null
 * for anything else (not a string, empty, unknown, an offset such as "+02:00").
 */
export function canonicalZone(zone: unknown): string | null {
  if (typeof zone !== "string") return null;
  const z = zone.trim();
  if (z === "" || z.length > 64 || /^[+-]/.test(z)) return null;
  const hit = validity.get(z);
  if (hit !== undefined) return hit;
  let canonical: string | null;
  try {
    const resolved = new Intl.DateTimeFormat(undefined, { timeZone: z }).resolvedOptions().timeZone;
    // The runtime may map a current name to an older alias (Asia/Kolkata -> Asia/Calcutta): keep what was given
    // then, and take the runtime's spelling only to fix letter case.
    canonical = resolved.toLowerCase() === z.toLowerCase() ? resolved : z;
  } catch {
    canonical = null;
  }
  validity.set(z, canonical);
  return canonical;
}

/** The country's zones, or null for a country not in the table. Accepts any letter case. */
export function zonesOfCountry(country: string | null | undefined): CountryZones | null {
  if (typeof country !== "string") return null;
  return COUNTRY_ZONES[country.trim().toUpperCase()] ?? null;
}
