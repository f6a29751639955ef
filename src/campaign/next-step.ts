/**
 * @module campaign/next-step
 * A case's visible plan: what happens next, when (UTC ms), and in which send window on whose clock. Pure: built
 * from the case row and its pending jobs.
 */
import type { Config } from "../config.ts";
import type { FailureReason } from "../ingest/decline-codes.ts";
import type { CaseRow } from "../ledger/cases.ts";
import type { JobRow } from "../ledger/jobs.ts";
import { planStep, stepById } from "./plan.ts";
import { sendWindowFor, type WindowKind } from "./send-window.ts";

export interface NextStep {
  step: string;
  dueAt: number;
  action: string;
  window: string | null;
  zone: string;
}

/** The window's hours on the case's clock (the zone its campaign started with). */
const label = (kind: WindowKind, zone: string) => sendWindowFor({ timezone: zone }, kind, zone).label;

function emailStep(step: string, dueAt: number, template: string, zone: string): NextStep {
  return { step, dueAt, action: `send_email:${template}`, window: label(template === "authentication_required" ? "authentication" : "standard", zone), zone };
}

/** What one pending job will do for its case. */
function jobStep(row: CaseRow, job: JobRow, config: Config, zone: string): NextStep | null {
  const payload = JSON.parse(job.payload) as { step?: string; call?: { name?: string; args?: { template_id?: string } } };
  switch (job.kind) {
    case "campaign_step": {
      const step = payload.step === undefined ? null : stepById(config.campaign, payload.step);
      if (step === null || payload.step === undefined) return null;
      const plan = planStep(step, {
        reason: row.reason as FailureReason | null,
        declineCode: row.decline_code,
        stripeRetryScheduled: false,
        stripeCustomerEmails: config.stripeCustomerEmails,
        trial: false,
        winbackEligible: false,
      });
      if (plan.kind === "restrict") return { step: payload.step, dueAt: job.due_at, action: "restrict", window: null, zone };
      if (plan.kind === "escalate") return { step: payload.step, dueAt: job.due_at, action: "escalate", window: null, zone };
      if (plan.kind === "silent") return { step: payload.step, dueAt: job.due_at, action: "record", window: null, zone };
      return "offer" in plan.rules && plan.rules.offer ? { step: payload.step, dueAt: job.due_at, action: "decide", window: label("standard", zone), zone } : emailStep(payload.step, job.due_at, "template" in plan.rules ? plan.rules.template : "final_warning", zone);
    }
    case "reconsider": {
      const call = payload.call;
      if (call?.name === "send_email" && call.args?.template_id) return emailStep("held_email", job.due_at, call.args.template_id, zone);
      if (call?.name !== undefined) return { step: "held_email", dueAt: job.due_at, action: call.name === "offer_winback_discount" ? "send_email:winback_offer" : call.name, window: label("standard", zone), zone };
      return { step: "reconsider", dueAt: job.due_at, action: "decide", window: label("standard", zone), zone };
    }
    case "pi_retry":
      return { step: "one_off_retry", dueAt: job.due_at, action: "retry_payment_intent", window: null, zone };
    case "winback_after_loss":
      return null;
  }
}

/** The case's next step: null when it is closed or nothing is planned. */
export function nextStepOf(row: CaseRow, jobs: readonly JobRow[], config: Config): NextStep | null {
  if (row.status !== "open") return null;
  const zone = row.customer_zone ?? config.defaultTimezone;
  const mine = jobs.filter((j) => j.case_id === row.id && (j.status === "pending" || j.status === "enqueued")).sort((a, b) => a.due_at - b.due_at);
  for (const job of mine) {
    const s = jobStep(row, job, config, zone);
    if (s !== null) return s;
  }
  return null;
}
