/**
 * @module empathy
 * One short paragraph per email, written by a fast Gemini model in the email's language (40-70 words, or 80-200
 * characters for Japanese; tone by segment, hint by reason, no jargon). The trial-ending email asks for a
 * paragraph with no failure wording and no tenure line; a one-off payment is never called a subscription.
 * Any error, timeout, missing key or off-spec answer -> the fixed fallback paragraph of that language.
 */
import { ThinkingLevel, type GoogleGenAI } from "@google/genai";
import { fallbackEmpathyParagraph, messagesFor, trialEndingEmpathyParagraph } from "../../emails/index.ts";
import { visibleText, withTimeout } from "../clients/gemini.ts";
import type { Segment } from "../ingest/context.ts";
import type { FailureReason } from "../ingest/decline-codes.ts";

const JARGON = /stripe|smart retr|payment ?intent|decline code|webhook|invoice\.|api\b/i;
/** Words a trial-ending paragraph must not contain (nothing failed). */
const FAILURE_WORDS = /declin|fail|didn't go through|went wrong|problem|issue/i;

export type EmpathySituation = "renewal" | "one_off" | "trial_ending";

/** Within length (words; characters for scripts written without spaces), no jargon, no address, no failure talk in a trial note. */
export function acceptableParagraph(text: string, locale: string | null = null, situation: EmpathySituation = "renewal"): boolean {
  const trimmed = text.trim();
  const spaced = messagesFor(locale).tag !== "ja";
  const size = spaced ? trimmed.split(/\s+/).filter(Boolean).length : [...trimmed].length;
  const [min, max] = spaced ? [40, 70] : [80, 200];
  if (size < min || size > max || JARGON.test(trimmed) || /@|https?:/.test(trimmed)) return false;
  if (situation === "one_off" && /subscri|abonn|suscrip|assinatura|サブスク|定期/i.test(trimmed)) return false;
  if (situation === "trial_ending" && FAILURE_WORDS.test(trimmed)) return false;
  return true;
}

function prompt(input: EmpathyInput, language: string): string {
  const common =
    `Write it in ${language}. No technical or payment-processor jargon, no names, no links, no amounts, no greeting or sign-off, ` +
    "no promises about dates or automatic retries. Plain text only.";
  const length = language === "Japanese" ? "of 80 to 200 characters" : "of 40 to 70 words";
  if (input.situation === "trial_ending") {
    return (
      `Write one warm paragraph ${length} for a customer of ${input.brandName} whose free trial ends in a few days. ` +
      "Nothing went wrong: do not mention any failure, problem or decline, do not mention how long they have been a customer, and apply no pressure. " +
      common
    );
  }
  const what = input.situation === "one_off" ? "one-off payment (never call it a subscription)" : "subscription payment";
  return (
    `Write one warm paragraph ${length} for a customer of ${input.brandName} whose ${what} did not go through. ` +
    `Reason category: ${input.reason.replace(/_/g, " ")}. Customer segment: ${input.segment ?? "unknown"}. Tone: ${input.tone ?? "standard"}. ` +
    (input.reason === "fraud_suspected" ? "Stay neutral: say only that the bank declined the payment; never suggest fraud, theft or a flagged card. " : "") +
    common
  );
}

export interface EmpathyInput {
  reason: FailureReason;
  segment: Segment | null;
  tone: "gentle" | "standard" | "firm" | undefined;
  brandName: string;
  /** The email's locale (BCP 47); the paragraph is written in its catalog's language. */
  locale?: string | null;
  situation?: EmpathySituation;
}

export async function empathyParagraph(
  gemini: { client: GoogleGenAI; model: string; timeoutMs: number } | null,
  input: EmpathyInput,
): Promise<{ text: string; source: "model" | "fallback"; why?: string }> {
  const locale = input.locale ?? null;
  const situation = input.situation ?? "renewal";
  const fallbackText = situation === "trial_ending" ? trialEndingEmpathyParagraph(locale) : fallbackEmpathyParagraph(input.reason, input.segment, locale);
  const fallback = (why: string) => ({ text: fallbackText, source: "fallback" as const, why });
  if (gemini === null) return fallback("no model configured");
  try {
    const response = await withTimeout(
      gemini.client.models.generateContent({
        model: gemini.model,
        contents: [{ role: "user", parts: [{ text: prompt({ ...input, situation }, messagesFor(locale).languageName) }] }],
        // Gemini 3: default temperature; minimal thinking, and an output budget that thinking cannot exhaust.
        config: { thinkingConfig: { thinkingLevel: ThinkingLevel.MINIMAL }, maxOutputTokens: 1024 },
      }),
      gemini.timeoutMs,
      "empathy paragraph",
    );
    const text = visibleText(response.candidates?.[0]?.content?.parts ?? []);
    const finish = response.candidates?.[0]?.finishReason ?? "no candidates";
    // An empty or off-spec paragraph is visible in the record (with the finish reason), not silently replaced.
    if (text.length === 0) return fallback(`empty paragraph (finish ${finish})`);
    return acceptableParagraph(text, locale, situation) ? { text, source: "model" } : fallback(`off-spec paragraph (${text.split(/\s+/).length} words, finish ${finish})`);
  } catch (err) {
    return fallback(`model error: ${err instanceof Error ? err.message.slice(0, 120) : String(err)}`);
  }
}
