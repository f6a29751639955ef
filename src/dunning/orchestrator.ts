/**
 * @module orchestrator
 * Asks Gemini for exactly one function call, offering only the tools and values the case allows, and reads the
 * answer by its finish reason:
 * - `STOP` with one call -> the call is validated (text beside it is kept in the record); no call or several
 *   calls -> invalid (the rules decide instead, through the same gate);
 * - `MALFORMED_FUNCTION_CALL`, `UNEXPECTED_TOOL_CALL`, `MAX_TOKENS`, no candidates and other non-final
 *   reasons -> asked once more, then a failure (the rules decide, recorded as fallback with the finish reason);
 * - a safety block (finish reason or `promptFeedback.blockReason`) -> blocked: a person decides.
 * Every answer carries its audit: served model version, response id, token usage, finish reason, and hashes of
 * the system instruction, the declarations and the facts.
 */
import { FunctionCallingConfigMode, ThinkingLevel, type GenerateContentResponse, type GoogleGenAI } from "@google/genai";
import systemInstruction from "../../agents/dunning-orchestrator.md";
import { visibleText, withTimeout } from "../clients/gemini.ts";
import { buildPrompt, caseFacts } from "./prompt.ts";
import type { DecisionInput, PolicyConfig } from "./policy.ts";
import { functionDeclarations, toolsetKey, validateModelCall, type CaseToolset, type ToolCall } from "./tools.ts";

export interface ModelAudit {
  modelVersion: string | null;
  responseId: string | null;
  finishReason: string | null;
  blockReason: string | null;
  usage: { prompt: number | null; output: number | null; thinking: number | null; total: number | null };
  hashes: { systemInstruction: string; declarations: string; facts: string };
}

export interface ModelOutput {
  functionCalls: Array<{ name: string | undefined; args: unknown }>;
  text: string | null;
  audit: ModelAudit;
  /** Answers before this one that were asked again (their finish reasons). */
  retried: string[];
}

export type ModelOutcome =
  | { kind: "call"; call: ToolCall; output: ModelOutput }
  | { kind: "invalid"; error: string; output: ModelOutput }
  | { kind: "blocked"; error: string; output: ModelOutput }
  | { kind: "failed"; error: string; finishReason: string | null; output: ModelOutput | null };

export interface OrchestratorOptions {
  client: GoogleGenAI;
  model: string;
  timeoutMs: number;
}

export const SYSTEM_INSTRUCTION: string = systemInstruction;

const SAFETY_FINISH = new Set(["SAFETY", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT"]);

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

let systemHash: Promise<string> | null = null;
const declarationHashes = new Map<string, Promise<string>>();

/** The parts of one answer: calls and visible text (thought parts left out), read without the SDK's getters. */
function readAnswer(response: GenerateContentResponse) {
  const candidate = response.candidates?.[0];
  const parts = candidate?.content?.parts ?? [];
  const functionCalls = parts.flatMap((p) => (p.functionCall ? [{ name: p.functionCall.name, args: p.functionCall.args ?? {} }] : []));
  const text = visibleText(parts);
  return {
    candidate,
    functionCalls,
    text: text.length > 0 ? text.slice(0, 2000) : null,
    finishReason: candidate?.finishReason ?? null,
    blockReason: response.promptFeedback?.blockReason ?? null,
  };
}

type Classified = { kind: "final" } | { kind: "retry"; why: string } | { kind: "blocked"; why: string };

function classify(a: ReturnType<typeof readAnswer>): Classified {
  if (a.blockReason !== null) return { kind: "blocked", why: `prompt blocked (${a.blockReason})` };
  if (a.candidate === undefined) return { kind: "retry", why: "no candidates" };
  const fr = a.finishReason;
  if (fr !== null && SAFETY_FINISH.has(fr)) return { kind: "blocked", why: `answer blocked (${fr})` };
  if (fr === "STOP" || ((fr === null || fr === "FINISH_REASON_UNSPECIFIED") && a.functionCalls.length > 0)) return { kind: "final" };
  return { kind: "retry", why: `finish reason ${fr ?? "missing"}` };
}

export async function askModel(options: OrchestratorOptions, input: DecisionInput, policy: PolicyConfig, toolset: CaseToolset): Promise<ModelOutcome> {
  const declarations = functionDeclarations(toolset);
  const facts = caseFacts(input, policy);
  const prompt = buildPrompt(input, policy);
  const key = toolsetKey(toolset);
  systemHash ??= sha256Hex(SYSTEM_INSTRUCTION);
  let declHash = declarationHashes.get(key);
  if (declHash === undefined) {
    declHash = sha256Hex(JSON.stringify(declarations));
    if (declarationHashes.size > 256) declarationHashes.clear();
    declarationHashes.set(key, declHash);
  }
  const [sys, decl, factsHash] = await Promise.all([systemHash, declHash, sha256Hex(JSON.stringify(facts))]);
  const retried: string[] = [];

  for (let attempt = 1; attempt <= 2; attempt++) {
    let response: GenerateContentResponse;
    try {
      const controller = new AbortController();
      response = await withTimeout(
        options.client.models.generateContent({
          model: options.model,
          contents: [{ role: "user", parts: [{ text: prompt }] }],
          config: {
            systemInstruction: SYSTEM_INSTRUCTION,
            // Gemini 3: keep the default temperature (lower values can loop or degrade); a decision needs little thought.
            thinkingConfig: { thinkingLevel: ThinkingLevel.LOW },
            abortSignal: controller.signal,
            tools: [{ functionDeclarations: declarations }],
            toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: declarations.map((d) => d.name) } },
          },
        }),
        options.timeoutMs,
        "model call",
      ).catch((err: unknown) => {
        controller.abort();
        throw err;
      });
    } catch (err) {
      return { kind: "failed", error: err instanceof Error ? err.message : String(err), finishReason: null, output: null };
    }
    const answer = readAnswer(response);
    const usage = response.usageMetadata;
    const output: ModelOutput = {
      functionCalls: answer.functionCalls,
      text: answer.text,
      audit: {
        modelVersion: response.modelVersion ?? null,
        responseId: response.responseId ?? null,
        finishReason: answer.finishReason,
        blockReason: answer.blockReason,
        usage: { prompt: usage?.promptTokenCount ?? null, output: usage?.candidatesTokenCount ?? null, thinking: usage?.thoughtsTokenCount ?? null, total: usage?.totalTokenCount ?? null },
        hashes: { systemInstruction: sys, declarations: decl, facts: factsHash },
      },
      retried: [...retried],
    };
    const c = classify(answer);
    if (c.kind === "blocked") return { kind: "blocked", error: c.why, output };
    if (c.kind === "retry") {
      retried.push(c.why);
      if (attempt < 2) continue;
      return { kind: "failed", error: `model answered ${retried.join(", then ")}`, finishReason: answer.finishReason ?? "NO_CANDIDATES", output };
    }
    if (answer.functionCalls.length === 0) return { kind: "invalid", error: "the model made no function call", output };
    if (answer.functionCalls.length > 1) return { kind: "invalid", error: `the model made ${answer.functionCalls.length} function calls; exactly one is allowed`, output };
    const only = answer.functionCalls[0];
    const valid = validateModelCall(only?.name, only?.args, toolset);
    if (!valid.ok) return { kind: "invalid", error: valid.error, output };
    return { kind: "call", call: valid.call, output };
  }
  return { kind: "failed", error: "unreachable", finishReason: null, output: null };
}
