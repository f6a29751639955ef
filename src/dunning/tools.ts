/**
 * @module tools
 * The tool contract, written once as zod schemas. From it derive:
 *  (a) the Gemini function declarations (JSON Schema), narrowed per case to what may pass the gate (`toolset.ts`),
 *  (b) the validation of a proposed call (the model's, the rules', a job's or a person's),
 *  (c) the TypeScript types the executors take.
 * Model tools are what the model may be offered. System tools are side effects that other proposers (lifecycle
 * jobs, a person's Slack click) request; the model is never offered them, but they pass the same gate and the
 * same dispatcher. Tools carry intent only: the dispatcher fills customer, address, invoice and channel.
 */
import { z } from "zod";
import { RECOVERY_TEMPLATE_IDS } from "../../emails/index.ts";

/** The agent's own recovery state. Team labels (do_not_contact, paused, ...) are not states: the agent never writes them. */
export const AGENT_STATES = ["at_risk", "recovering", "recovered", "lost"] as const;
export const EMAIL_TONES = ["gentle", "standard", "firm"] as const;
export const RETRY_SCHEDULES = ["continue", "retry_now"] as const;

const sendEmail = <T extends readonly [string, ...string[]], U extends readonly [string, ...string[]]>(templates: T, tones: U) =>
  z
    .object({
      template_id: z.enum(templates).describe("Which email to send. Must fit the decline reason."),
      variables: z
        .object({
          tone: z.enum(tones).optional().describe("Tone of the short personal paragraph. Never 'firm' for trial customers."),
        })
        .strict()
        .default({})
        .describe("Optional hints for the email. Amount, links and names are filled in by the system."),
    })
    .strict();

const stripeRetry = <T extends readonly [string, ...string[]]>(schedules: T) =>
  z
    .object({
      schedule: z
        .enum(schedules)
        .describe("'continue' lets Stripe's own retry schedule run; 'retry_now' pays the open invoice once now (only after the customer added a new card)."),
    })
    .strict();

const winback = (min: number, max: number) =>
  z
    .object({
      percent_off: z.number().int().min(min).max(max).describe(`Percent off the next invoice (${min}-${max}).`),
      valid_days: z.number().int().min(1).max(30).describe("Days the promotion code stays valid (1-30)."),
    })
    .strict();

export const MODEL_TOOL_SCHEMAS = {
  send_email: sendEmail(RECOVERY_TEMPLATE_IDS, EMAIL_TONES),
  post_slack: z
    .object({ text: z.string().min(1).max(1000).describe("A short note for the team's billing channel. No customer email addresses.") })
    .strict(),
  update_customer_state: z
    .object({
      state: z.enum(AGENT_STATES).describe("The agent's recovery state for the customer (team labels are not states and cannot be changed)."),
      note: z.string().min(1).max(500).describe("Why, in one sentence."),
    })
    .strict(),
  request_stripe_smart_retry: stripeRetry(RETRY_SCHEDULES),
  offer_winback_discount: winback(1, 100),
  escalate_to_human: z
    .object({ reason: z.string().min(1).max(500).describe("Why a person should look at this case, in one or two sentences.") })
    .strict(),
} as const;

export const SYSTEM_TOOL_SCHEMAS = {
  /** The trial-ending nudge (customer.subscription.trial_will_end). */
  send_trial_email: z.object({ engaged: z.boolean() }).strict(),
  /** The agent's own retry of a one-off PaymentIntent (no Smart Retries for those). */
  retry_payment_intent: z
    .object({
      payment_intent_id: z.string().min(1),
      failures: z.number().int().min(1),
      /** The card the customer just saved for this payment (card-update link); absent: the payment's own card. */
      payment_method_id: z.string().min(1).optional(),
    })
    .strict(),
  /** A person closes the case as lost (Slack "Mark as lost"). */
  mark_case_lost: z.object({ note: z.string().min(1).max(500) }).strict(),
  /** A customer's reply promised to pay: the campaign's customer steps wait `days`, the access grace moves with them. */
  pause_campaign: z.object({ days: z.number().int().min(1).max(14), note: z.string().min(1).max(500) }).strict(),
  /** A customer's reply asked to cancel: reminders stop and a person decides (with a "stop Stripe's retries" button). */
  note_cancel_intent: z.object({ summary: z.string().min(1).max(500) }).strict(),
  /** A person stops Stripe's automatic retries of the open invoice (Slack, after a customer asked to cancel). */
  stop_stripe_retries: z.object({ note: z.string().min(1).max(500) }).strict(),
  /** A customer's reply needs nothing (a thank-you): recorded only. */
  ignore_reply: z.object({ reason: z.string().min(1).max(500) }).strict(),
} as const;

export const TOOL_SCHEMAS = { ...MODEL_TOOL_SCHEMAS, ...SYSTEM_TOOL_SCHEMAS } as const;

export type ToolName = keyof typeof TOOL_SCHEMAS;
export type ModelToolName = keyof typeof MODEL_TOOL_SCHEMAS;
export type SystemToolName = keyof typeof SYSTEM_TOOL_SCHEMAS;
export const TOOL_NAMES = Object.keys(TOOL_SCHEMAS) as ToolName[];
export const MODEL_TOOL_NAMES = Object.keys(MODEL_TOOL_SCHEMAS) as ModelToolName[];
export type ToolArgs<N extends ToolName> = z.infer<(typeof TOOL_SCHEMAS)[N]>;

/** A validated call: exactly one tool with arguments of its schema. */
export type ToolCall = { [N in ToolName]: { name: N; args: ToolArgs<N> } }[ToolName];
export type ModelToolCall = Extract<ToolCall, { name: ModelToolName }>;

export const isModelTool = (name: string): name is ModelToolName => Object.hasOwn(MODEL_TOOL_SCHEMAS, name);
const isToolName = (name: string): name is ToolName => Object.hasOwn(TOOL_SCHEMAS, name);

export type CallValidation = { ok: true; call: ToolCall } | { ok: false; error: string };

const issues = (name: string, error: z.ZodError) => `invalid arguments for ${name}: ${error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`).join("; ")}`;

/** Validates a proposed call (name + raw args) against the whole contract (any proposer but the model). */
export function validateToolCall(name: unknown, args: unknown): CallValidation {
  if (typeof name !== "string" || !isToolName(name)) return { ok: false, error: `unknown tool "${String(name)}"` };
  const parsed = TOOL_SCHEMAS[name].safeParse(args ?? {});
  if (!parsed.success) return { ok: false, error: issues(name, parsed.error) };
  return { ok: true, call: { name, args: parsed.data } as ToolCall };
}

/**
 * What one case may ask the model for: the model tools allowed and, for the narrowed ones, the values allowed.
 * Built by `toolset.ts` from the gate, so the model is only asked for what may pass.
 */
export interface CaseToolset {
  names: ModelToolName[];
  templates: (typeof RECOVERY_TEMPLATE_IDS)[number][];
  tones: (typeof EMAIL_TONES)[number][];
  schedules: (typeof RETRY_SCHEDULES)[number][];
  winbackPercent: { min: number; max: number } | null;
}

const nonEmpty = <T extends string>(xs: readonly T[]): xs is readonly [T, ...T[]] => xs.length > 0;

/** The per-case schema of one model tool (null when the case offers it no valid value). */
function caseSchema(name: ModelToolName, set: CaseToolset): z.ZodType | null {
  switch (name) {
    case "send_email":
      return nonEmpty(set.templates) ? sendEmail(set.templates, nonEmpty(set.tones) ? set.tones : ["standard"]) : null;
    case "request_stripe_smart_retry":
      return nonEmpty(set.schedules) ? stripeRetry(set.schedules) : null;
    case "offer_winback_discount":
      return set.winbackPercent === null ? null : winback(set.winbackPercent.min, set.winbackPercent.max);
    default:
      return MODEL_TOOL_SCHEMAS[name];
  }
}

/** Validates the model's call against the case's toolset: a system tool, or a value the case does not offer, is invalid. */
export function validateModelCall(name: unknown, args: unknown, set: CaseToolset): CallValidation {
  if (typeof name !== "string" || !isModelTool(name)) return { ok: false, error: `unknown tool "${String(name)}"` };
  if (!set.names.includes(name)) return { ok: false, error: `tool "${name}" is not allowed for this case` };
  const schema = caseSchema(name, set);
  if (schema === null) return { ok: false, error: `tool "${name}" is not allowed for this case` };
  const parsed = schema.safeParse(args ?? {});
  if (!parsed.success) return { ok: false, error: issues(name, parsed.error) };
  return { ok: true, call: { name, args: parsed.data } as ToolCall };
}

const DESCRIPTIONS: Record<ModelToolName, string> = {
  send_email: "Send the customer one recovery email from a fixed template.",
  post_slack: "Post an informational note to the team's billing channel (no action needed from them).",
  update_customer_state: "Record the agent's recovery state for the customer and a note, without contacting anyone.",
  request_stripe_smart_retry: "Leave Stripe's retry schedule running, or pay the open invoice once now after a card update. Never for hard declines.",
  offer_winback_discount: "Offer a one-time percent-off discount with a single-use promotion code (loyal, high-value customers only).",
  escalate_to_human: "Hand the case to a person in Slack, with the reason.",
};

export interface FunctionDeclaration {
  name: ModelToolName;
  description: string;
  parametersJsonSchema: unknown;
}

/** Declarations are cached per distinct toolset (a handful of shapes), so JSON Schema is not rebuilt per decision. */
const declarationCache = new Map<string, readonly FunctionDeclaration[]>();

export function toolsetKey(set: CaseToolset): string {
  return JSON.stringify([set.names, set.templates, set.tones, set.schedules, set.winbackPercent]);
}

/** Gemini function declarations for one case's toolset. */
export function functionDeclarations(set: CaseToolset): FunctionDeclaration[] {
  const key = toolsetKey(set);
  let found = declarationCache.get(key);
  if (found === undefined) {
    found = Object.freeze(
      set.names.flatMap((name) => {
        const schema = caseSchema(name, set);
        if (schema === null) return [];
        const json = z.toJSONSchema(schema, { io: "input", target: "draft-7" }) as Record<string, unknown>;
        delete json.$schema;
        return [{ name, description: DESCRIPTIONS[name], parametersJsonSchema: json }];
      }),
    );
    if (declarationCache.size > 256) declarationCache.clear();
    declarationCache.set(key, found);
  }
  return [...found];
}

/** The full model toolset (every template, tone and schedule; the configured winback range): for docs and tests. */
export function fullToolset(winbackPercent: { min: number; max: number }): CaseToolset {
  return { names: [...MODEL_TOOL_NAMES], templates: [...RECOVERY_TEMPLATE_IDS], tones: [...EMAIL_TONES], schedules: [...RETRY_SCHEDULES], winbackPercent };
}
