/**
 * @module empathy
 * One short paragraph per email, written by a fast Gemini model (40-70 words, tone by segment, hint by reason,
 * no jargon). Any error, timeout, missing key or off-spec answer -> the fixed fallback paragraph.
 */
import type { GoogleGenAI } from "@google/genai";
import { fallbackEmpathyParagraph } from "../../emails/index.ts";
import { withTimeout } from "../clients/gemini.ts";
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
): Promise<{ text: string; source: "model" | "fallback" }> {
  const fallback = { text: fallbackEmpathyParagraph(input.reason, input.segment), source: "fallback" as const };
  if (gemini === null) return fallback;
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
        config: { temperature: 0.6, maxOutputTokens: 200 },
      }),
      gemini.timeoutMs,
      "empathy paragraph",
    );
    const text = (response.text ?? "").trim();
    return acceptableParagraph(text) ? { text, source: "model" } : fallback;
  } catch {
    return fallback;
  }
}
