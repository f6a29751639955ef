import { beforeAll, describe, expect, inject, it } from "vitest";
import type { DunningContext } from "../src/ingest/context.ts";
import { envWith, migrate, uid } from "./helpers/env.ts";
import { contextOf, decisionsOf, eventMessage, outboxFor, runBatch } from "./helpers/consumer.ts";
import { fakeClient, geminiFunctionCall, geminiFunctionCalls, geminiText, type GeminiScriptEntry } from "./fakes/client.ts";
import { invoiceEvent } from "./helpers/stripe-events.ts";

const fakeUrl = inject("fakeUrl");

beforeAll(migrate);

/** A failure with a known reason, decided by a Gemini pointed at the fake (scope = a fresh API key). */
async function decideWithModel(script: GeminiScriptEntry[], options: { reason?: DunningContext["failureReason"]; shadow?: boolean } = {}) {
  const scope = uid("gem");
  const fake = fakeClient(fakeUrl, scope);
  await fake.scriptGemini(script);
  const id = uid();
  const ctx: DunningContext = {
    ...contextOf(invoiceEvent({ eventId: `evt_${id}`, customerId: `cus_${id}`, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}`, email: `jane.${id}@example.com` })),
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
      toolConfig: { functionCallingConfig: { mode: string } };
      generationConfig: { temperature: number };
    };
    expect(body.toolConfig.functionCallingConfig.mode).toBe("ANY");
    expect(body.generationConfig.temperature).toBeLessThanOrEqual(0.2);
    expect(body.tools[0]?.functionDeclarations.map((d) => d.name).sort()).toEqual(
      ["escalate_to_human", "offer_winback_discount", "post_slack", "request_stripe_smart_retry", "send_email", "update_customer_state"],
    );
    expect(body.systemInstruction.parts[0]?.text).toContain("### Rule 1");
    const prompt = JSON.stringify(body.contents);
    expect(prompt).not.toContain("@");
    expect(prompt).not.toContain(ctx.customerEmail ?? "never");
    expect(prompt).toContain('\\"has_email\\": true');
  });

  const invalid: Array<[string, GeminiScriptEntry, RegExp]> = [
    ["two calls", { body: geminiFunctionCalls([{ name: "send_email", args: { template_id: "soft_payment_reminder" } }, { name: "post_slack", args: { text: "hi" } }]) }, /2 function calls/],
    ["no call", { body: geminiText("I think we should email them.") }, /no function call/],
    ["an unknown tool", { body: geminiFunctionCall("refund_everything", {}) }, /unknown tool/],
    ["arguments that fail the schema", { body: geminiFunctionCall("offer_winback_discount", { percent_off: "lots", valid_days: 14 }) }, /invalid arguments/],
  ];
  for (const [name, entry, why] of invalid) {
    it(`${name}: nothing executes; escalated to a human with the model's output, and the ledger says why`, async () => {
      const { ctx, decisions } = await decideWithModel([entry]);
      expect(decisions).toHaveLength(2);
      expect(decisions[0]).toMatchObject({ decided_by: "model", outcome: "rejected", tool: null });
      expect(String(decisions[0]?.validation)).toMatch(why);
      expect(JSON.parse(String(decisions[0]?.model_output))).toHaveProperty("functionCalls");
      expect(decisions[1]).toMatchObject({ decided_by: "guard", tool: "escalate_to_human", outcome: "executed" });
      expect(await outboxFor(ctx.customerId, "email")).toHaveLength(0);
      const slack = await outboxFor(ctx.customerId, "slack");
      expect(slack).toHaveLength(1);
      expect(String(slack[0]?.text)).toMatch(/rejected/);
      expect(String(slack[0]?.text)).toMatch(/Attempted: \{"functionCalls":/);
    });
  }

  it("a template that does not fit the reason is rejected by the dispatcher's guard and escalated", async () => {
    const { ctx, decisions } = await decideWithModel([{ body: geminiFunctionCall("send_email", { template_id: "authentication_required" }) }]);
    expect(decisions[0]).toMatchObject({ decided_by: "model", tool: "send_email", template_id: "authentication_required", outcome: "rejected" });
    expect(String(decisions[0]?.validation)).toMatch(/does not fit reason insufficient_funds/);
    expect(decisions[1]).toMatchObject({ tool: "escalate_to_human", outcome: "executed" });
    expect(await outboxFor(ctx.customerId, "email")).toHaveLength(0);
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
});
