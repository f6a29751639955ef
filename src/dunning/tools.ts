/**
 * @module tools
 * The tool contract, written once as zod schemas. From it derive:
 *  (a) the Gemini function declarations (JSON Schema),
 *  (b) the validation of a proposed call (the model's or the rules'),
 *  (c) the TypeScript types the executors take.
 * Tools carry intent only: the dispatcher fills customer, address, invoice and channel from the context.
 */
import { z } from "zod";
import { RECOVERY_TEMPLATE_IDS } from "../../emails/index.ts";

export const CUSTOMER_STATES = ["at_risk", "recovering", "recovered", "lost", "paused", "do_not_contact"] as const;

export const TOOL_SCHEMAS = {
  send_email: z
    .object({
      template_id: z.enum(RECOVERY_TEMPLATE_IDS).describe("Which email to send. Must fit the decline reason."),
      variables: z
        .object({
          tone: z.enum(["gentle", "standard", "firm"]).optional().describe("Tone of the short personal paragraph. Never 'firm' for trial customers."),
        })
        .strict()
        .default({})
        .describe("Optional hints for the email. Amount, links and names are filled in by the system."),
    })
    .strict(),
  post_slack: z
    .object({ text: z.string().min(1).max(1000).describe("A short note for the team's billing channel. No customer email addresses.") })
    .strict(),
  update_customer_state: z
    .object({
      state: z.enum(CUSTOMER_STATES).describe("The customer's recovery state label."),
      note: z.string().min(1).max(500).describe("Why, in one sentence."),
    })
    .strict(),
  request_stripe_smart_retry: z
    .object({
      schedule: z
        .enum(["continue", "retry_now"])
        .describe("'continue' lets Stripe's own retry schedule run; 'retry_now' pays the open invoice once now (only after the customer added a new card)."),
    })
    .strict(),
  offer_winback_discount: z
    .object({
      percent_off: z.number().int().min(1).max(100).describe("Percent off the next invoice (the configured cap applies, default 5-30)."),
      valid_days: z.number().int().min(1).max(30).describe("Days the promotion code stays valid (1-30)."),
    })
    .strict(),
  escalate_to_human: z
    .object({ reason: z.string().min(1).max(500).describe("Why a person should look at this case, in one or two sentences.") })
    .strict(),
} as const;

export type ToolName = keyof typeof TOOL_SCHEMAS;
export const TOOL_NAMES = Object.keys(TOOL_SCHEMAS) as ToolName[];
export type ToolArgs<N extends ToolName> = z.infer<(typeof TOOL_SCHEMAS)[N]>;

/** A validated call: exactly one tool with arguments of its schema. */
export type ToolCall = { [N in ToolName]: { name: N; args: ToolArgs<N> } }[ToolName];

const DESCRIPTIONS: Record<ToolName, string> = {
  send_email: "Send the customer one recovery email from a fixed template.",
  post_slack: "Post an informational note to the team's billing channel (no action needed from them).",
  update_customer_state: "Record the customer's recovery state and a note, without contacting anyone.",
  request_stripe_smart_retry: "Leave Stripe's retry schedule running, or pay the open invoice once now after a card update. Never for hard declines.",
  offer_winback_discount: "Offer a one-time percent-off discount with a single-use promotion code (loyal, high-value customers only).",
  escalate_to_human: "Hand the case to a person in Slack, with the reason.",
};

const isToolName = (name: string): name is ToolName => Object.hasOwn(TOOL_SCHEMAS, name);

export type CallValidation = { ok: true; call: ToolCall } | { ok: false; error: string };

/** Validates a proposed call (name + raw args) against the contract. */
export function validateToolCall(name: unknown, args: unknown): CallValidation {
  if (typeof name !== "string" || !isToolName(name)) return { ok: false, error: `unknown tool "${String(name)}"` };
  const parsed = TOOL_SCHEMAS[name].safeParse(args ?? {});
  if (!parsed.success) {
    return { ok: false, error: `invalid arguments for ${name}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`).join("; ")}` };
  }
  return { ok: true, call: { name, args: parsed.data } as ToolCall };
}

export interface FunctionDeclaration {
  name: ToolName;
  description: string;
  parametersJsonSchema: unknown;
}

let declarations: readonly FunctionDeclaration[] | null = null;

/** Gemini function declarations, derived from the schemas once per isolate (they never change at runtime). */
export function functionDeclarations(): FunctionDeclaration[] {
  declarations ??= Object.freeze(
    TOOL_NAMES.map((name) => {
      const schema = z.toJSONSchema(TOOL_SCHEMAS[name], { io: "input", target: "draft-7" }) as Record<string, unknown>;
      delete schema.$schema;
      return { name, description: DESCRIPTIONS[name], parametersJsonSchema: schema };
    }),
  );
  return [...declarations];
}
