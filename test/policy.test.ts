import { describe, expect, it } from "vitest";
import agentFile from "../agents/dunning-orchestrator.md";
import { loadConfig } from "../src/config.ts";
import { checkCall, type GuardFacts } from "../src/dunning/guards.ts";
import { decideByRules, RULE_IDS } from "../src/dunning/policy.ts";
import { describeAction, finalCall, isAcceptable, scenarioConfig, scenarioInput, scenarioPolicy, ScenarioSchema } from "../src/dunning/scenario.ts";
import { fullToolset, functionDeclarations, MODEL_TOOL_NAMES, validateToolCall, type ToolCall } from "../src/dunning/tools.ts";

const scenarios = import.meta.glob("../fixtures/scenarios/*.json", { eager: true, import: "default" }) as Record<string, unknown>;

describe("agent file and rules code", () => {
  it("carry the same numbered rules, both ways", () => {
    const inFile = [...agentFile.matchAll(/^### Rule (\d+)\s*$/gm)].map((m) => Number(m[1])).sort((a, b) => a - b);
    expect(inFile).toEqual([...RULE_IDS].sort((a, b) => a - b));
  });

  it("names every tool the code declares", () => {
    for (const name of MODEL_TOOL_NAMES) expect(agentFile).toContain(`\`${name}(`);
  });
});

describe("scenario eval (rules)", () => {
  const config = scenarioConfig();
  const entries = Object.entries(scenarios);
  it("has at least 30 scenarios covering every rule", () => {
    expect(entries.length).toBeGreaterThanOrEqual(30);
    const rules = new Set(entries.map(([, raw]) => {
      const input = scenarioInput(ScenarioSchema.parse(raw));
      return decideByRules(input, scenarioPolicy(config, input.context)).rule;
    }));
    expect([...rules].sort()).toEqual([...RULE_IDS].sort());
  });
  it.each(entries.map(([path, raw]) => [path.split("/").pop() ?? path, raw] as const))("%s", (_name, raw) => {
    const scenario = ScenarioSchema.parse(raw);
    const input = scenarioInput(scenario);
    const proposal = decideByRules(input, scenarioPolicy(config, input.context)).call;
    const final = finalCall(proposal, input, config);
    expect(isAcceptable(final, scenario.acceptable), `${describeAction(final)} not in ${JSON.stringify(scenario.acceptable)}`).toBe(true);
  });
});

describe("tool contract", () => {
  it("derives one function declaration per tool from the zod schemas", () => {
    const decls = functionDeclarations(fullToolset({ min: 5, max: 30 }));
    expect(decls.map((d) => d.name)).toEqual(MODEL_TOOL_NAMES);
    const email = decls.find((d) => d.name === "send_email")?.parametersJsonSchema as { properties: Record<string, { enum?: string[] }>; required: string[]; additionalProperties: boolean };
    expect(email.properties.template_id?.enum).toContain("card_update_request");
    expect(email.required).toContain("template_id");
    expect(email.additionalProperties).toBe(false);
  });

  it("validates calls against the same schemas", () => {
    expect(validateToolCall("send_email", { template_id: "card_update_request" })).toMatchObject({ ok: true });
    expect(validateToolCall("send_email", { template_id: "nope" })).toMatchObject({ ok: false });
    expect(validateToolCall("send_email", { template_id: "card_update_request", customer_email: "x@y.z" })).toMatchObject({ ok: false });
    expect(validateToolCall("offer_winback_discount", { percent_off: 20, valid_days: 45 })).toMatchObject({ ok: false });
    expect(validateToolCall("drop_database", {})).toEqual({ ok: false, error: 'unknown tool "drop_database"' });
  });
});

describe("guards", () => {
  const config = loadConfig({ COMPANY_ADDRESS: "Acme Inc., 1 Main St", LINK_SIGNING_SECRET: "s" });
  const raw = Object.values(scenarios)[0];
  const base = scenarioInput(ScenarioSchema.parse(raw));
  const facts = (over: Partial<typeof base.context> = {}, extra: Partial<GuardFacts> = {}): GuardFacts => ({
    ctx: { ...base.context, ...over },
    actor: "agent",
    newPaymentMethodSinceFailure: false,
    lastWinbackAt: null,
    now: base.now,
    labels: [],
    fraudHistory: false,
    ...extra,
  });
  const email = (template_id: "card_update_request" | "authentication_required" | "final_warning" | "soft_payment_reminder"): ToolCall => ({ name: "send_email", args: { template_id, variables: {} } });

  it("never asks a 3-D Secure customer to update their card, and sends 3-D Secure mail only for that reason", () => {
    expect(checkCall(email("card_update_request"), facts({ failureReason: "authentication_required" }), config)).toMatchObject({ ok: false, replacement: { name: "escalate_to_human" } });
    expect(checkCall(email("authentication_required"), facts({ failureReason: "insufficient_funds" }), config)).toMatchObject({ ok: false });
  });

  it("never retries a hard decline unless a new payment method arrived", () => {
    const retry: ToolCall = { name: "request_stripe_smart_retry", args: { schedule: "retry_now" } };
    expect(checkCall(retry, facts({ failureReason: "card_unusable" }), config)).toMatchObject({ ok: false });
    expect(checkCall(retry, facts({ failureReason: "card_unusable" }, { newPaymentMethodSinceFailure: true }), config)).toEqual({ ok: true });
    expect(checkCall({ name: "request_stripe_smart_retry", args: { schedule: "continue" } }, facts({ failureReason: "fraud_suspected" }), config)).toMatchObject({ ok: false });
  });

  it("keeps winbacks within the percent cap, 90-day cap, loyal segment and value threshold", () => {
    const wb = (p: number): ToolCall => ({ name: "offer_winback_discount", args: { percent_off: p, valid_days: 14 } });
    const loyal = { customerSegment: "loyal" as const, lifetimeValue: { amount: 120000, currency: "usd" } };
    expect(checkCall(wb(20), facts(loyal), config)).toEqual({ ok: true });
    expect(checkCall(wb(40), facts(loyal), config)).toMatchObject({ ok: false });
    expect(checkCall(wb(20), facts(loyal, { lastWinbackAt: base.now - 10 * 86400_000 }), config)).toMatchObject({ ok: false });
    expect(checkCall(wb(20), facts({ ...loyal, customerSegment: "new" }), config)).toMatchObject({ ok: false });
    // A person may offer one outside the loyal segment, never past the caps.
    expect(checkCall(wb(20), facts({ ...loyal, customerSegment: "new" }, { actor: "human" }), config)).toEqual({ ok: true });
    expect(checkCall(wb(20), facts(loyal, { actor: "human", lastWinbackAt: base.now - 10 * 86400_000 }), config)).toMatchObject({ ok: false, replacement: null });
  });

  it("never a winback (a commercial email) without the sender's postal address or a way to unsubscribe, whoever asks", () => {
    const wb: ToolCall = { name: "offer_winback_discount", args: { percent_off: 20, valid_days: 14 } };
    const loyal = { customerSegment: "loyal" as const, lifetimeValue: { amount: 120000, currency: "usd" } };
    for (const actor of ["agent", "human"] as const) {
      expect(checkCall(wb, facts(loyal, { actor }), loadConfig({ LINK_SIGNING_SECRET: "s" }))).toMatchObject({ ok: false, reason: expect.stringContaining("COMPANY_ADDRESS") });
      expect(checkCall(wb, facts(loyal, { actor }), loadConfig({ COMPANY_ADDRESS: "Acme Inc." }))).toMatchObject({ ok: false, reason: expect.stringContaining("LINK_SIGNING_SECRET") });
    }
  });

  it("suspected fraud: never 'update your card', never a final warning, never a winback from the agent", () => {
    const fraud = { failureReason: "fraud_suspected" as const, customerSegment: "loyal" as const, lifetimeValue: { amount: 120000, currency: "usd" } };
    expect(checkCall(email("card_update_request"), facts(fraud), config)).toMatchObject({ ok: false, replacement: { name: "escalate_to_human" } });
    expect(checkCall(email("final_warning"), facts(fraud), config)).toMatchObject({ ok: false });
    expect(checkCall({ name: "offer_winback_discount", args: { percent_off: 20, valid_days: 14 } }, facts(fraud), config)).toMatchObject({ ok: false });
  });

  it("a customer labelled do_not_contact gets no email and no winback; 3-D Secure is never answered with a retry", () => {
    expect(checkCall(email("soft_payment_reminder"), facts({}, { labels: ["do_not_contact"] }), config)).toMatchObject({ ok: false, replacement: null, label: "do_not_contact" });
    expect(checkCall({ name: "offer_winback_discount", args: { percent_off: 20, valid_days: 14 } }, facts({ customerSegment: "loyal", lifetimeValue: { amount: 120000, currency: "usd" } }, { labels: ["do_not_contact"], actor: "human" }), config)).toMatchObject({ ok: false, replacement: null, label: "do_not_contact" });
    expect(checkCall({ name: "request_stripe_smart_retry", args: { schedule: "continue" } }, facts({ failureReason: "authentication_required" }), config)).toMatchObject({
      ok: false,
      replacement: { name: "send_email", args: { template_id: "authentication_required" } },
    });
  });

  it("no pressure copy for trial customers", () => {
    expect(checkCall(email("final_warning"), facts({ customerSegment: "trial" }), config)).toMatchObject({ ok: false });
  });
});
