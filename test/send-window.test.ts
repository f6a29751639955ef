/**
 * Send windows on the customer's clock: the zone chosen (metadata, country, default), the hours a multi-zone
 * country shares, the next opening across DST switch days, and a property: the next opening is always inside the
 * window, never before now, and within 25 hours.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";
import { formatLocalDate, isInside, localHour, nextOpening, sendWindowFor, type SendWindow, type WindowKind } from "../src/campaign/send-window.ts";
import { canonicalZone, COUNTRY_ZONES } from "../src/campaign/zones.ts";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const inZone = (zone: string, kind: WindowKind = "standard") => sendWindowFor({ timezone: zone }, kind, "UTC");

describe("which clock", () => {
  it("uses the customer's own zone from Stripe metadata when it is a real zone", () => {
    expect(sendWindowFor({ timezone: "Asia/Tokyo", country: "US" }, "standard", "UTC")).toEqual({ zone: "Asia/Tokyo", startHour: 9, endHour: 19, label: "09:00-19:00" });
    expect(sendWindowFor({ timezone: "europe/berlin" }, "standard", "UTC").zone).toBe("Europe/Berlin");
  });

  it("falls back to the country when the metadata zone is not a zone, then to the default", () => {
    expect(sendWindowFor({ timezone: "Mars/Olympus_Mons", country: "DE" }, "standard", "UTC").zone).toBe("Europe/Berlin");
    expect(sendWindowFor({ timezone: "+02:00", country: "jp" }, "standard", "UTC").zone).toBe("Asia/Tokyo");
    expect(sendWindowFor({ timezone: "", country: null }, "standard", "America/Chicago").zone).toBe("America/Chicago");
    expect(sendWindowFor({ timezone: "Nowhere/Land", country: "XX" }, "standard", "Europe/Paris").zone).toBe("Europe/Paris");
    expect(sendWindowFor({}, "standard", "not a zone").zone).toBe("UTC");
  });

  it("gives a 3-D Secure email longer hours: 08:00-21:00", () => {
    expect(inZone("Europe/Berlin", "authentication").label).toBe("08:00-21:00");
  });

  it("knows the main zone of at least 80 countries, all of them real zones", () => {
    expect(Object.keys(COUNTRY_ZONES).length).toBeGreaterThanOrEqual(80);
    for (const [country, z] of Object.entries(COUNTRY_ZONES)) {
      for (const zone of [z.zone, ...(z.also ?? [])]) expect(canonicalZone(zone), `${country}: ${zone}`).not.toBeNull();
    }
    for (const c of ["AT", "BE", "FR", "IT", "ES", "PL", "SE", "GB", "JP", "CN", "IN", "KR", "SG", "HK", "NZ", "ZA", "NG", "EG", "AR", "CL", "CO", "PE", "AE", "SA", "IL", "TR"]) {
      expect(COUNTRY_ZONES[c], c).toBeDefined();
    }
  });
});

describe("a country over several zones gets the hours its main zones share", () => {
  it.each([
    ["US", "standard", "America/New_York", "12:00-19:00"],
    ["US", "authentication", "America/New_York", "11:00-21:00"],
    ["CA", "standard", "America/Toronto", "12:00-19:00"],
    ["AU", "standard", "Australia/Sydney", "12:00-19:00"],
    ["BR", "standard", "America/Sao_Paulo", "10:00-19:00"],
    ["MX", "standard", "America/Mexico_City", "11:00-18:00"],
    ["RU", "standard", "Europe/Moscow", "09:00-15:00"],
    ["ID", "standard", "Asia/Jakarta", "09:00-18:00"],
  ] as const)("%s (%s): %s %s", (country, kind, zone, label) => {
    const w = sendWindowFor({ country }, kind, "UTC");
    expect(w.zone).toBe(zone);
    expect(w.label).toBe(label);
  });

  it("so a customer in Los Angeles hears from us 09:00-16:00 (08:00-18:00 for a 3-D Secure email)", () => {
    const us = sendWindowFor({ country: "US" }, "standard", "UTC");
    const opens = nextOpening(at("2026-12-02T10:00:00Z"), us);
    expect(localHour(opens, "America/Los_Angeles")).toBe(9);
    expect(localHour(opens, "America/New_York")).toBe(12);
    expect(isInside(at("2026-12-02T23:59:00Z"), us)).toBe(true); // 15:59 in LA, 18:59 in New York
    expect(isInside(at("2026-12-03T00:00:00Z"), us)).toBe(false); // 16:00 in LA, 19:00 in New York
    const auth = sendWindowFor({ country: "US" }, "authentication", "UTC");
    expect(localHour(nextOpening(at("2026-12-02T10:00:00Z"), auth), "America/Los_Angeles")).toBe(8);
    expect(isInside(at("2026-12-03T01:59:00Z"), auth)).toBe(true); // 17:59 in LA, 20:59 in New York
    expect(isInside(at("2026-12-03T02:00:00Z"), auth)).toBe(false);
  });
});

describe("the next opening", () => {
  it.each([
    // zone, now, next opening
    ["Asia/Tokyo", "2026-12-02T15:00:00Z", "2026-12-03T00:00:00.000Z"], // midnight in Tokyo -> 09:00 JST
    ["Asia/Tokyo", "2026-12-02T03:00:00Z", "2026-12-02T03:00:00.000Z"], // 12:00 JST: open now
    ["Europe/Berlin", "2026-12-02T07:30:00Z", "2026-12-02T08:00:00.000Z"], // 08:30 CET -> 09:00 today
    ["America/New_York", "2026-12-02T13:59:59Z", "2026-12-02T14:00:00.000Z"],
    ["America/Los_Angeles", "2026-12-03T03:00:00Z", "2026-12-03T17:00:00.000Z"], // 19:00 PST -> tomorrow 09:00
    ["Australia/Sydney", "2026-12-02T10:00:00Z", "2026-12-02T22:00:00.000Z"], // 21:00 AEDT -> 09:00 AEDT tomorrow
    ["Australia/Sydney", "2026-06-02T10:00:00Z", "2026-06-02T23:00:00.000Z"], // 20:00 AEST (winter) -> 09:00 AEST
  ])("%s at %s opens %s", (zone, now, expected) => {
    expect(iso(nextOpening(at(now), inZone(zone)))).toBe(expected);
  });

  it("opens tomorrow morning when today's window has closed", () => {
    const berlin = inZone("Europe/Berlin");
    const now = at("2026-12-02T18:30:00Z"); // 19:30 in Berlin, Wednesday
    const opens = nextOpening(now, berlin);
    expect(iso(opens)).toBe("2026-12-03T08:00:00.000Z");
    expect(formatLocalDate(opens, "Europe/Berlin", "de")).toBe("3. Dezember 2026");
    expect(formatLocalDate(opens, "Europe/Berlin")).toBe("December 3, 2026");
  });

  it("keeps to local 09:00 across Berlin's DST switches (last Sundays of March and October)", () => {
    const berlin = inZone("Europe/Berlin");
    // Saturday 21:00 CET; Sunday 29 March 2026 02:00 jumps to 03:00: 09:00 CEST is 07:00 UTC.
    expect(iso(nextOpening(at("2026-03-28T20:00:00Z"), berlin))).toBe("2026-03-29T07:00:00.000Z");
    // The switch night itself, 01:30 CET, before the jump.
    expect(iso(nextOpening(at("2026-03-29T00:30:00Z"), berlin))).toBe("2026-03-29T07:00:00.000Z");
    // Saturday 22:00 CEST; Sunday 25 October 2026 03:00 falls back to 02:00: 09:00 CET is 08:00 UTC.
    expect(iso(nextOpening(at("2026-10-24T20:00:00Z"), berlin))).toBe("2026-10-25T08:00:00.000Z");
    // The repeated hour itself (02:30 the second time).
    expect(iso(nextOpening(at("2026-10-25T01:30:00Z"), berlin))).toBe("2026-10-25T08:00:00.000Z");
    expect(localHour(at("2026-10-25T08:00:00Z"), "Europe/Berlin")).toBe(9);
  });

  it("keeps to local 09:00 across New York's DST switches (second Sunday of March, first of November)", () => {
    const ny = inZone("America/New_York");
    expect(iso(nextOpening(at("2026-03-08T00:30:00Z"), ny))).toBe("2026-03-08T13:00:00.000Z"); // 19:30 EST -> 09:00 EDT
    expect(iso(nextOpening(at("2026-10-31T23:30:00Z"), ny))).toBe("2026-11-01T14:00:00.000Z"); // 19:30 EDT -> 09:00 EST
    // The country window too: the US window opens at 12:00 New York on the switch day.
    expect(iso(nextOpening(at("2026-03-08T05:00:00Z"), sendWindowFor({ country: "US" }, "standard", "UTC")))).toBe("2026-03-08T16:00:00.000Z");
  });

  const zones = ["Asia/Tokyo", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Australia/Sydney", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham", "America/Santiago", "Europe/London", "UTC"];
  const arbWindow: fc.Arbitrary<SendWindow> = fc.oneof(
    fc.record({ timezone: fc.constantFrom(...zones), kind: fc.constantFrom<WindowKind>("standard", "authentication") }).map((x) => sendWindowFor({ timezone: x.timezone }, x.kind, "UTC")),
    fc.record({ country: fc.constantFrom(...Object.keys(COUNTRY_ZONES)), kind: fc.constantFrom<WindowKind>("standard", "authentication") }).map((x) => sendWindowFor({ country: x.country }, x.kind, "UTC")),
  );

  it("is always inside the window, never before now, and less than 25 hours away (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: at("2020-01-01T00:00:00Z"), max: at("2035-12-31T00:00:00Z") }), arbWindow, (now, w) => {
        const next = nextOpening(now, w);
        expect(next).toBeGreaterThanOrEqual(now);
        expect(next).toBeLessThan(now + 25 * 3_600_000);
        expect(isInside(next, w)).toBe(true);
        // It is the opening: a minute earlier the window was still closed, unless it was open at `now` already.
        if (next > now) expect(isInside(next - 60_000, w)).toBe(false);
      }),
      { numRuns: 400 },
    );
  });
});

describe("DEFAULT_TIMEZONE", () => {
  it("defaults to UTC and takes a real zone", () => {
    expect(loadConfig({}).defaultTimezone).toBe("UTC");
    expect(loadConfig({ DEFAULT_TIMEZONE: "Europe/Berlin" }).defaultTimezone).toBe("Europe/Berlin");
  });

  it("refuses anything else at start, naming the variable", () => {
    expect(() => loadConfig({ DEFAULT_TIMEZONE: "Berlin" })).toThrow(ConfigError);
    expect(() => loadConfig({ DEFAULT_TIMEZONE: "CET+1" })).toThrow(/DEFAULT_TIMEZONE must be an IANA time zone/);
  });
});
