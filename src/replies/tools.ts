/**
 * @module replies/tools
 * The reply tool set: everything a customer's reply may lead to, written once as zod schemas, and what each
 * becomes at the one gate. The model reading a reply is offered these and nothing else, and must call exactly one.
 * `check_payment_method` is resolved before the gate (`process.ts`): a new card found in Stripe becomes the
 * card-update pay-now call, no new card becomes an escalation.
 */
import { z } from "zod";
import type { ToolCall } from "../dunning/tools.ts";

const text = (what: string) => z.string().min(1).max(500).describe(what);

export const REPLY_TOOL_SCHEMAS = {
  pause_campaign: z
    .object({
      days: z.number().int().min(1).max(14).describe("Days to wait before the next reminder (1-14): the customer promised to pay by then."),
      note: text("What the customer promised, in one sentence, in English."),
    })
    .strict(),
  escalate_to_human: z.object({ summary: text("What the customer wrote and why a person should answer, in one or two sentences, in English.") }).strict(),
  note_cancel_intent: z.object({ summary: text("The customer's wish to cancel, in one sentence, in English.") }).strict(),
  check_payment_method: z.object({ note: text("What the customer said about their card, in one sentence, in English.") }).strict(),
  ignore: z.object({ reason: text("Why the reply needs nothing (for example a plain thank-you), in one sentence.") }).strict(),
} as const;

export type ReplyToolName = keyof typeof REPLY_TOOL_SCHEMAS;
export const REPLY_TOOL_NAMES = Object.keys(REPLY_TOOL_SCHEMAS) as ReplyToolName[];
export type ReplyCall = { [N in ReplyToolName]: { name: N; args: z.infer<(typeof REPLY_TOOL_SCHEMAS)[N]> } }[ReplyToolName];

export const isReplyTool = (name: string): name is ReplyToolName => Object.hasOwn(REPLY_TOOL_SCHEMAS, name);

const DESCRIPTIONS: Record<ReplyToolName, string> = {
  pause_campaign: "The customer promises to pay by a date: pause the reminders for that many days (1-14).",
  escalate_to_human: "A question, a dispute, a complaint, or anything unclear: a person answers.",
  note_cancel_intent: "The customer wants to cancel: stop the reminders and let a person decide.",
  check_payment_method: "The customer says they already updated their card: check Stripe and pay once if a new card is there.",
  ignore: "The reply needs nothing (a thank-you, an acknowledgement).",
};

export type ReplyValidation = { ok: true; call: ReplyCall } | { ok: false; error: string };

export function validateReplyCall(name: string, args: unknown): ReplyValidation {
  if (!isReplyTool(name)) return { ok: false, error: `unknown reply tool "${name}"` };
  const parsed = REPLY_TOOL_SCHEMAS[name].safeParse(args ?? {});
  if (!parsed.success) return { ok: false, error: `invalid arguments for ${name}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`).join("; ")}` };
  return { ok: true, call: { name, args: parsed.data } as ReplyCall };
}

/** Gemini function declarations of the reply tool set. */
export function replyDeclarations(): Array<{ name: ReplyToolName; description: string; parametersJsonSchema: unknown }> {
  return REPLY_TOOL_NAMES.map((name) => {
    const json = z.toJSONSchema(REPLY_TOOL_SCHEMAS[name], { io: "input", target: "draft-7" }) as Record<string, unknown>;
    delete json.$schema;
    return { name, description: DESCRIPTIONS[name], parametersJsonSchema: json };
  });
}

/** A short line for the team about what the reply asked for. */
export function replySummary(call: ReplyCall): string {
  switch (call.name) {
    case "pause_campaign":
      return call.args.note;
    case "escalate_to_human":
    case "note_cancel_intent":
      return call.args.summary;
    case "check_payment_method":
      return call.args.note;
    case "ignore":
      return call.args.reason;
  }
}

/** The call the gate sees for a reply tool (`check_payment_method` is resolved by `process.ts` first). */
export function gateCallOf(call: Exclude<ReplyCall, { name: "check_payment_method" }>): ToolCall {
  switch (call.name) {
    case "pause_campaign":
      return { name: "pause_campaign", args: call.args };
    case "escalate_to_human":
      return { name: "escalate_to_human", args: { reason: `The customer replied: ${call.args.summary}` } };
    case "note_cancel_intent":
      return { name: "note_cancel_intent", args: call.args };
    case "ignore":
      return { name: "ignore_reply", args: { reason: call.args.reason } };
  }
}
