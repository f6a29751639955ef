/**
 * The message catalogs: every locale has every key English has (a missing key fails here, not in a customer's
 * inbox), with the same kind of value, and its empathy fallbacks keep the length and neutrality rules.
 */
import { describe, expect, it } from "vitest";
import { CATALOGS, fallbackEmpathyParagraph, trialEndingEmpathyParagraph } from "../emails/index.ts";
import { en } from "../emails/locales/en.ts";
import { acceptableParagraph } from "../src/actions/empathy.ts";
import { FAILURE_REASONS } from "../src/ingest/decline-codes.ts";

/** "path: kind" for every leaf of a catalog (kind: string or function/arity). */
function shape(value: unknown, path = ""): string[] {
  if (typeof value === "function") return [`${path}: function/${value.length}`];
  if (typeof value === "string") return [`${path}: string`];
  if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([k, v]) => shape(v, path ? `${path}.${k}` : k));
  return [`${path}: ${typeof value}`];
}

const SEGMENTS = ["trial", "new", "loyal", "winback", null] as const;

describe("message catalogs", () => {
  it("has English, German, French, Spanish, Japanese and Portuguese (Brazil)", () => {
    expect(Object.keys(CATALOGS).sort()).toEqual(["de", "en", "es", "fr", "ja", "pt-BR"]);
  });

  for (const [tag, messages] of Object.entries(CATALOGS)) {
    it(`${tag}: every key English has, same kinds, no empty string`, () => {
      expect(shape(messages).sort()).toEqual(shape(en).sort());
      for (const leaf of shape(messages)) expect(leaf).not.toMatch(/: (undefined|object)$/);
      const strings: string[] = [];
      const collect = (v: unknown) => {
        if (typeof v === "string") strings.push(v);
        else if (typeof v === "object" && v !== null) Object.values(v).forEach(collect);
      };
      collect(messages);
      for (const s of strings) expect(s.trim().length).toBeGreaterThan(0);
    });

    it(`${tag}: every empathy fallback is within length, jargon-free and neutral for fraud`, () => {
      for (const reason of FAILURE_REASONS) {
        for (const segment of SEGMENTS) {
          const p = fallbackEmpathyParagraph(reason, segment, tag);
          expect(acceptableParagraph(p, tag), `${reason}/${segment}: ${p}`).toBe(true);
        }
      }
      expect(acceptableParagraph(trialEndingEmpathyParagraph(tag), tag, "trial_ending")).toBe(true);
      expect(new Set(FAILURE_REASONS.map((r) => fallbackEmpathyParagraph(r, null, tag))).size).toBe(FAILURE_REASONS.length);
    });
  }

  it("English fraud and unusable-card paragraphs never hint at theft", () => {
    for (const reason of ["fraud_suspected", "card_unusable"] as const) expect(fallbackEmpathyParagraph(reason, "loyal")).not.toMatch(/stolen|flagged|fraud|suspicious/i);
  });
});
