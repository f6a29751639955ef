/**
 * @module toolset
 * Ask only what may pass: the model tools and values one case offers, derived from the gate itself by trying
 * each candidate (every template and tone, each retry schedule, the winback range). Pure.
 */
import { RECOVERY_TEMPLATE_IDS } from "../../emails/index.ts";
import type { Config } from "../config.ts";
import { checkCall, type GuardFacts } from "./guards.ts";
import { EMAIL_TONES, MODEL_TOOL_NAMES, RETRY_SCHEDULES, type CaseToolset, type ModelToolName, type ToolCall } from "./tools.ts";

const passes = (call: ToolCall, facts: GuardFacts, config: Config) => checkCall(call, facts, config).ok;

export function caseToolset(facts: GuardFacts, config: Config): CaseToolset {
  const templates = RECOVERY_TEMPLATE_IDS.filter((t) => passes({ name: "send_email", args: { template_id: t, variables: {} } }, facts, config));
  // A tone is offered when every offered template accepts it (today only trial customers lose "firm").
  const tones = EMAIL_TONES.filter((tone) => templates.every((t) => passes({ name: "send_email", args: { template_id: t, variables: { tone } } }, facts, config)));
  const schedules = RETRY_SCHEDULES.filter((schedule) => passes({ name: "request_stripe_smart_retry", args: { schedule } }, facts, config));
  const { winbackMinPercent: min, winbackMaxPercent: max } = config;
  const winbackOk = passes({ name: "offer_winback_discount", args: { percent_off: min, valid_days: 14 } }, facts, config);
  const names = MODEL_TOOL_NAMES.filter((name: ModelToolName) => {
    if (name === "send_email") return templates.length > 0;
    if (name === "request_stripe_smart_retry") return schedules.length > 0;
    if (name === "offer_winback_discount") return winbackOk;
    return true;
  });
  return { names, templates, tones, schedules, winbackPercent: winbackOk ? { min, max } : null };
}
