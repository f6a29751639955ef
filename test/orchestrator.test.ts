import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { DunningContext } from "../src/ingest/context.ts";
import { env, envWith, migrate, uid } from "./helpers/env.ts";
import { contextOf, decisionsOf, eventMessage, outboxFor, runBatch } from "./helpers/consumer.ts";
import { fakeClient, geminiFunctionCall, geminiFunctionCalls, geminiText, type GeminiScriptEntry } from "./fakes/client.ts";
import { invoiceEvent } from "./helpers/stripe-events.ts";

const fakeUrl = inject("fakeUrl");

beforeAll(migrate);

/**
 * A failure with a known reason, decided by a Gemini pointed at the fake (scope = a fresh API key). No Stripe retry
 * is scheduled (`nextPaymentAttempt: null`), so the campaign's day-0 step asks for a decision (a soft decline with a
 * retry scheduled would be recorded silently, without asking the model).
 */
async function decideWithModel(script: GeminiScriptEntry[], options: { reason?: DunningContext["failureReason"]; shadow?: boolean } = {}) {
  const scope = uid("gem");
  const fake = fakeClient(fakeUrl, scope);
  await fake.scriptGemini(script);
  const id = uid();
  const ctx: DunningContext = {
    ...contextOf(invoiceEvent({ eventId: `evt_${id}`, customerId: `cus_${id}`, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}`, email: `jane.${id}@example.com`, nextPaymentAttempt: null })),
    failureReason: options.reason ?? "insufficient_funds",
    declineCode: "insufficient_funds",
  };
  const e = envWith({ DEFAULT_MODE: "live", GEMINI_API_KEY: `gk_${scope}`, GEMINI_BASE_URL: fakeUrl, GEMINI_TIMEOUT_MS: "400", ...(options.shadow ? { SHADOW_RULES: "1" } : {}) });
  const result = await runBatch([eventMessage(ctx)], e);
  expect(result.explicitAcks).toHaveLength(1);
  const gemini = await fake.requests("gemini");
  return { ctx, fake, gemini, decisions: await decisionsOf(ctx.eventId) };
}

describe("Gemini orchestrator (real SDK against the local fake)", () => {
  it("executes one valid function call, and sends the model what it needs and nothing more", async () => {
    const { ctx, gemini, decisions } = await decideWithModel([{ body: geminiFunctionCall("send_email", { template_id: "soft_payment_reminder", variables: { tone: "gentle" } }) }]);
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({ decided_by: "model", model: "gemini-3.8-flash", tool: "send_email", template_id: "soft_payment_reminder", validation: "ok", outcome: "executed" });
    const emails = await outboxFor(ctx.customerId, "email");
    expect(emails).toHaveLength(1);
    const first = gemini[0];
    expect(first?.path).toBe("/v1beta/models/gemini-3.8-flash:generateContent");
    const body = first?.body as {
      contents: Array<{ parts: Array<{ text: string }> }>;
      systemInstruction: { parts: Array<{ text: string }> };
      tools: Array<{ functionDeclarations: Array<{ name: string; parametersJsonSchema: unknown }> }>;
      toolConfig: { functionCallingConfig: { mode: string; allowedFunctionNames: string[] } };
      generationConfig: { temperature?: number; thinkingConfig?: { thinkingLevel?: string } };
    };
    expect(body.toolConfig.functionCallingConfig.mode).toBe("ANY");
    // Gemini 3: the default temperature, low thinking for a decision.
    expect(body.generationConfig.temperature).toBeUndefined();
    expect(body.generationConfig.thinkingConfig?.thinkingLevel).toBe("LOW");
    // Only what may pass for this case: a new customer with a soft decline, and no Stripe key here: no winback, no
    // Stripe retry (coupons and retries are unavailable without a key).
    const declared = body.tools[0]?.functionDeclarations ?? [];
    expect(declared.map((d) => d.name).sort()).toEqual(["escalate_to_human", "post_slack", "send_email", "update_customer_state"]);
    expect(body.toolConfig.functionCallingConfig.allowedFunctionNames.sort()).toEqual(declared.map((d) => d.name).sort());
    const emailDecl = declared.find((d) => d.name === "send_email")?.parametersJsonSchema as { properties: { template_id: { enum: string[] } } };
    // Day 0 of a soft decline with no Stripe retry scheduled: the step offers the soft reminder or the card request
    // (no final warning before the final-warning step).
    expect(emailDecl.properties.template_id.enum.sort()).toEqual(["card_update_request", "soft_payment_reminder"]);

    expect(body.systemInstruction.parts[0]?.text).toContain("### Rule 1");
    const prompt = JSON.stringify(body.contents);
    expect(prompt).not.toContain("@");
    expect(prompt).not.toContain(ctx.customerEmail ?? "never");
    expect(prompt).toContain('\\"has_email\\": true');
  });

  const invalid: Array<[string, GeminiScriptEntry, RegExp]> = [
    ["two calls", { body: geminiFunctionCalls([{ name: "send_email", args: { template_id: "soft_payment_reminder" } }, { name: "post_slack", args: { text: "hi" } }]) }, /2 function calls/],
    ["no call (STOP with text only)", { body: geminiText("I think we should email them.") }, /no function call/],
    ["an unknown tool", { body: geminiFunctionCall("refund_everything", {}) }, /unknown tool/],
    ["a system tool the model is never offered", { body: geminiFunctionCall("retry_payment_intent", { payment_intent_id: "pi_x", failures: 1 }) }, /unknown tool/],
    ["arguments that fail the schema", { body: geminiFunctionCall("send_email", { template_id: "soft_payment_reminder", variables: { tone: "angry" } }) }, /invalid arguments/],
    ["a template the case does not offer", { body: geminiFunctionCall("send_email", { template_id: "authentication_required" }) }, /invalid arguments.*template_id/],
  ];
  for (const [name, entry, why] of invalid) {
    it(`${name}: the model's answer is recorded as rejected with its output, and the rules act through the same gate`, async () => {
      const { ctx, decisions } = await decideWithModel([entry]);
      expect(decisions).toHaveLength(2);
      expect(decisions[0]).toMatchObject({ decided_by: "model", outcome: "rejected", tool: null });
      expect(String(decisions[0]?.validation)).toMatch(why);
      expect(JSON.parse(String(decisions[0]?.model_output))).toHaveProperty("functionCalls");
      // No dead end: the rules' decision (R2: the soft reminder) was carried out.
      expect(decisions[1]).toMatchObject({ decided_by: "fallback", tool: "send_email", template_id: "soft_payment_reminder", rule: "R2", outcome: "executed" });
      expect(await outboxFor(ctx.customerId, "email")).toHaveLength(1);
    });
  }

  it("text next to one valid call: the call is carried out and the text is kept in the record", async () => {
    const body = geminiFunctionCall("send_email", { template_id: "soft_payment_reminder" });
    body.candidates[0]?.content.parts.unshift({ text: "Funds are likely back soon; a gentle reminder fits." });
    const { decisions } = await decideWithModel([{ body }]);
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({ decided_by: "model", tool: "send_email", outcome: "executed" });
    expect(JSON.parse(String(decisions[0]?.model_output))).toMatchObject({ text: "Funds are likely back soon; a gentle reminder fits." });
  });

  /** A response that ended for `finishReason`, with no usable call. */
  const finished = (finishReason: string, parts: Array<Record<string, unknown>> = []) => ({
    candidates: [{ content: { role: "model", parts }, finishReason, index: 0 }],
    usageMetadata: { promptTokenCount: 11, candidatesTokenCount: 0, totalTokenCount: 11 },
    modelVersion: "gemini-3.8-flash-001",
    responseId: `resp-${finishReason}`,
  });

  for (const reason of ["MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "MAX_TOKENS"]) {
    it(`finish reason ${reason}: asked once more; a good second answer is used`, async () => {
      const { gemini, decisions } = await decideWithModel([{ body: finished(reason) }, { body: geminiFunctionCall("send_email", { template_id: "soft_payment_reminder" }) }]);
      expect(gemini.filter((r) => r.path.includes("gemini-3.8-flash"))).toHaveLength(2);
      expect(decisions).toHaveLength(1);
      expect(decisions[0]).toMatchObject({ decided_by: "model", tool: "send_email", outcome: "executed" });
      expect(JSON.parse(String(decisions[0]?.model_output))).toMatchObject({ retried: [`finish reason ${reason}`] });
    });

    it(`finish reason ${reason} twice: the rules decide, recorded as fallback with the finish reason (no page)`, async () => {
      const { ctx, gemini, decisions } = await decideWithModel([{ body: finished(reason) }, { body: finished(reason) }]);
      expect(gemini.filter((r) => r.path.includes("gemini-3.8-flash"))).toHaveLength(2);
      expect(decisions).toHaveLength(1);
      expect(decisions[0]).toMatchObject({ decided_by: "fallback", tool: "send_email", rule: "R2", outcome: "executed" });
      expect(String(decisions[0]?.reason)).toContain(`finish reason ${reason}`);
      expect(JSON.parse(String(decisions[0]?.model_output))).toMatchObject({ finishReason: reason });
      expect(await outboxFor(ctx.customerId, "slack")).toHaveLength(0);
    });
  }

  it("no candidates at all, twice: the rules decide (fallback, NO_CANDIDATES)", async () => {
    const empty = { candidates: [], usageMetadata: { promptTokenCount: 11, totalTokenCount: 11 }, modelVersion: "gemini-3.8-flash-001" };
    const { decisions } = await decideWithModel([{ body: empty }, { body: empty }]);
    expect(decisions[0]).toMatchObject({ decided_by: "fallback", tool: "send_email", outcome: "executed" });
    expect(String(decisions[0]?.reason)).toMatch(/no candidates/);
  });

  it("a safety block (finish reason SAFETY): nothing is retried, a person decides", async () => {
    const { ctx, gemini, decisions } = await decideWithModel([{ body: finished("SAFETY") }]);
    expect(gemini.filter((r) => r.path.includes("gemini-3.8-flash"))).toHaveLength(1);
    expect(decisions[0]).toMatchObject({ decided_by: "model", outcome: "rejected", validation: "rejected: answer blocked (SAFETY)" });
    expect(decisions[1]).toMatchObject({ decided_by: "fallback", tool: "escalate_to_human", outcome: "executed" });
    expect(await outboxFor(ctx.customerId, "email")).toHaveLength(0);
    expect(String((await outboxFor(ctx.customerId, "slack"))[0]?.text)).toMatch(/blocked \(SAFETY\)/);
  });

  it("a blocked prompt (promptFeedback.blockReason): a person decides", async () => {
    const { decisions } = await decideWithModel([{ body: { promptFeedback: { blockReason: "PROHIBITED_CONTENT" }, modelVersion: "gemini-3.8-flash-001" } }]);
    expect(decisions[0]).toMatchObject({ decided_by: "model", outcome: "rejected", validation: "rejected: prompt blocked (PROHIBITED_CONTENT)" });
    expect(decisions[1]).toMatchObject({ tool: "escalate_to_human", outcome: "executed" });
  });

  it("audits each model decision: served version, response id, token usage with thinking, finish reason, hashes; shown by GET /admin/events/:id", async () => {
    const body = {
      ...geminiFunctionCall("send_email", { template_id: "soft_payment_reminder" }),
      modelVersion: "gemini-3.8-flash-002",
      responseId: "resp-audit-1",
      usageMetadata: { promptTokenCount: 1770, candidatesTokenCount: 21, thoughtsTokenCount: 64, totalTokenCount: 1855 },
    };
    const { ctx, decisions } = await decideWithModel([{ body }]);
    const audit = JSON.parse(String(decisions[0]?.model_output)).audit;
    expect(audit).toMatchObject({ modelVersion: "gemini-3.8-flash-002", responseId: "resp-audit-1", finishReason: "STOP", usage: { prompt: 1770, output: 21, thinking: 64, total: 1855 } });
    for (const h of ["systemInstruction", "declarations", "facts"]) expect(audit.hashes[h]).toMatch(/^[0-9a-f]{64}$/);
    const res = await (exports as unknown as { default: Fetcher }).default.fetch(`http://x/admin/events/${ctx.eventId}`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain("resp-audit-1");
  });

  it("HTTP 500 from the model: the rules decide, and the ledger records the fallback", async () => {
    const { ctx, decisions } = await decideWithModel([{ status: 500 }]);
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({ decided_by: "fallback", tool: "send_email", template_id: "soft_payment_reminder", rule: "R2", outcome: "executed" });
    expect(String(decisions[0]?.reason)).toMatch(/model unavailable/);
    expect(await outboxFor(ctx.customerId, "email")).toHaveLength(1);
  });

  it("a model that hangs past the timeout: the rules decide", async () => {
    const { decisions } = await decideWithModel([{ hangMs: 3000 }]);
    expect(decisions[0]).toMatchObject({ decided_by: "fallback", tool: "send_email", outcome: "executed" });
    expect(String(decisions[0]?.reason)).toMatch(/timed out/);
  });

  it("shadow mode records the rules' decision next to the model's and whether they agree", async () => {
    const agree = await decideWithModel([{ body: geminiFunctionCall("send_email", { template_id: "soft_payment_reminder" }) }], { shadow: true });
    expect(agree.decisions[0]).toMatchObject({ decided_by: "model", shadow_tool: "send_email", shadow_agree: 1 });
    const disagree = await decideWithModel([{ body: geminiFunctionCall("escalate_to_human", { reason: "I am unsure" }) }], { shadow: true });
    expect(disagree.decisions[0]).toMatchObject({ decided_by: "model", tool: "escalate_to_human", shadow_tool: "send_email", shadow_agree: 0 });
  });

  it("the email's empathy paragraph comes from the fast model when it answers well, else the fixed fallback", async () => {
    const paragraph = Array.from({ length: 50 }, (_, i) => (i === 0 ? "Sometimes" : "word")).join(" ") + ".";
    const { ctx, gemini } = await decideWithModel([{ body: geminiFunctionCall("send_email", { template_id: "soft_payment_reminder" }) }, { body: geminiText(paragraph) }]);
    expect(gemini[1]?.path).toBe("/v1beta/models/gemini-3.5-flash-lite:generateContent");
    const [email] = await outboxFor(ctx.customerId, "email");
    expect(String(email?.text)).toContain("Sometimes word word");
  });

  it("the empathy paragraph uses minimal thinking and a budget thinking cannot exhaust; an empty answer is recorded as such, then the fallback is used", async () => {
    const empty = { candidates: [{ content: { role: "model", parts: [] }, finishReason: "MAX_TOKENS", index: 0 }], usageMetadata: { promptTokenCount: 40, thoughtsTokenCount: 900, totalTokenCount: 940 }, modelVersion: "gemini-3.5-flash-lite-001" };
    const { ctx, gemini } = await decideWithModel([{ body: geminiFunctionCall("send_email", { template_id: "soft_payment_reminder" }) }, { body: empty }]);
    const asked = gemini[1]?.body as { generationConfig: { temperature?: number; maxOutputTokens?: number; thinkingConfig?: { thinkingLevel?: string } } };
    expect(asked.generationConfig.temperature).toBeUndefined();
    expect(asked.generationConfig.thinkingConfig?.thinkingLevel).toBe("MINIMAL");
    expect(asked.generationConfig.maxOutputTokens).toBeGreaterThanOrEqual(1024);
    const effect = await env.LEDGER.prepare("SELECT detail FROM side_effects WHERE customer_id = ?1 AND kind = 'email'").bind(ctx.customerId).first<{ detail: string }>();
    expect(JSON.parse(effect?.detail ?? "{}")).toMatchObject({ empathy: "fallback", empathyWhy: "empty paragraph (finish MAX_TOKENS)" });
    expect(await outboxFor(ctx.customerId, "email")).toHaveLength(1);
  });
});
