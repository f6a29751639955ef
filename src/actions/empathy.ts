/**
 * @module empathy
 * One short paragraph per email, written by a fast Gemini model (40-70 words, tone by segment, hint by reason,
 * no jargon). Any error, timeout, missing key or off-spec answer -> the fixed fallback paragraph.
 */
import { ThinkingLevel, type GoogleGenAI } from "@google/genai";
import { fallbackEmpathyParagraph } from "../../emails/index.ts";
import { visibleText, withTimeout } from "../clients/gemini.ts";
import type { Segment } from "../ingest/context.ts";
import type { FailureReason } from "../ingest/decline-codes.ts";

const JARGON = /stripe|smart retr|payment ?intent|decline code|webhook|invoice\.|api/i;

export function acceptableParagraph(text: string): boolean {
  const words = text.trim().split(/\s+/).filter(Boolean).length;
  return words >= 40 && words <= 70 && !JARGON.test(text) && !/@/.test(text);
}

export async function empathyParagraph(
  gemini: { client: GoogleGenAI; model: string; timeoutMs: number } | null,
  input: { reason: FailureReason; segment: Segment | null; tone: "gentle" | "standard" | "firm" | undefined; brandName: string },
): Promise<{ text: string; source: "model" | "fallback"; why?: string }> {
  const fallbackText = fallbackEmpathyParagraph(input.reason, input.segment);
  const fallback = (why: string) => ({ text: fallbackText, source: "fallback" as const, why });
  if (gemini === null) return fallback("no model configured");
  try {
    const response = await withTimeout(
      gemini.client.models.generateContent({
        model: gemini.model,
        contents: [
          {
            role: "user",
            parts: [
              {
                text:
                  `Write one warm paragraph of 40 to 70 words for a customer of ${input.brandName} whose subscription payment did not go through. ` +
                  `Reason category: ${input.reason.replace(/_/g, " ")}. Customer segment: ${input.segment ?? "unknown"}. Tone: ${input.tone ?? "standard"}. ` +
                  "No technical or payment-processor jargon, no names, no links, no amounts, no greeting or sign-off. Plain text only.",
              },
            ],
          },
        ],
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
    return acceptableParagraph(text) ? { text, source: "model" } : fallback(`off-spec paragraph (${text.split(/\s+/).length} words, finish ${finish})`);
  } catch (err) {
    return fallback(`model error: ${err instanceof Error ? err.message.slice(0, 120) : String(err)}`);
  }
}
