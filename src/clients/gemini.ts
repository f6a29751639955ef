/** @module clients/gemini — the Gemini client, from config (tests point `GEMINI_BASE_URL` at a local fake). */
import { GoogleGenAI } from "@google/genai";
import type { Config } from "../config.ts";

export function createGemini(config: Config): GoogleGenAI | null {
  if (config.geminiApiKey === null) return null;
  return new GoogleGenAI({
    apiKey: config.geminiApiKey,
    httpOptions: {
      ...(config.geminiBaseUrl !== null ? { baseUrl: config.geminiBaseUrl } : {}),
      apiVersion: "v1beta",
      timeout: config.geminiTimeoutMs,
    },
  });
}

/** Rejects after `ms` with a TimeoutError, whatever the SDK does. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The text an answer shows (thought parts left out), read from the parts instead of the SDK's `text` getter. */
export function visibleText(parts: ReadonlyArray<{ text?: string | undefined; thought?: boolean | undefined }>): string {
  return parts
    .filter((p) => typeof p.text === "string" && p.thought !== true)
    .map((p) => p.text)
    .join("")
    .trim();
}
