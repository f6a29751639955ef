/**
 * @module orchestrator
 * Asks Gemini for exactly one function call. Anything else (no call, several calls, an unknown tool, bad
 * arguments) is an invalid proposal: nothing executes and the case goes to a human with the model's output.
 * A model error or timeout is a failure: the caller falls back to the rules policy.
 */
import { FunctionCallingConfigMode, type GoogleGenAI } from "@google/genai";
import systemInstruction from "../../agents/dunning-orchestrator.md";
import { withTimeout } from "../clients/gemini.ts";
import { buildPrompt } from "./prompt.ts";
import type { DecisionInput, PolicyConfig } from "./policy.ts";
import { TOOL_NAMES, functionDeclarations, validateToolCall, type ToolCall } from "./tools.ts";

export type ModelOutcome =
  | { kind: "call"; call: ToolCall; output: unknown }
  | { kind: "invalid"; error: string; output: unknown }
  | { kind: "failed"; error: string };

export interface OrchestratorOptions {
  client: GoogleGenAI;
  model: string;
  timeoutMs: number;
}

export const SYSTEM_INSTRUCTION: string = systemInstruction;

export async function askModel(options: OrchestratorOptions, input: DecisionInput, policy: PolicyConfig): Promise<ModelOutcome> {
  let response;
  try {
    const controller = new AbortController();
    response = await withTimeout(
      options.client.models.generateContent({
        model: options.model,
        contents: [{ role: "user", parts: [{ text: buildPrompt(input, policy) }] }],
        config: {
          systemInstruction: SYSTEM_INSTRUCTION,
          temperature: 0.1,
          abortSignal: controller.signal,
          tools: [{ functionDeclarations: functionDeclarations() }],
          toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: [...TOOL_NAMES] } },
        },
      }),
      options.timeoutMs,
      "model call",
    ).catch((err: unknown) => {
      controller.abort();
      throw err;
    });
  } catch (err) {
    return { kind: "failed", error: err instanceof Error ? err.message : String(err) };
  }
  const calls = response.functionCalls ?? [];
  const output = { functionCalls: calls.map((c) => ({ name: c.name, args: c.args })), text: safeText(response) };
  if (calls.length === 0) return { kind: "invalid", error: "the model made no function call", output };
  if (calls.length > 1) return { kind: "invalid", error: `the model made ${calls.length} function calls; exactly one is allowed`, output };
  const only = calls[0];
  const valid = validateToolCall(only?.name, only?.args);
  if (!valid.ok) return { kind: "invalid", error: valid.error, output };
  return { kind: "call", call: valid.call, output };
}

function safeText(response: { text?: string | undefined }): string | null {
  try {
    const t = response.text;
    return typeof t === "string" && t.length > 0 ? t.slice(0, 2000) : null;
  } catch {
    return null;
  }
}
