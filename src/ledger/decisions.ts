/** @module ledger/decisions — every decision, including rejected and superseded ones, with why. */
import { writeOrDefer } from "./write-behind.ts";

export type DecidedBy = "model" | "rules" | "fallback" | "guard" | "human" | "lifecycle" | "ledger";
export type DecisionOutcome =
  | "executed"
  | "dry_run"
  | "observed"
  | "throttled"
  | "superseded"
  | "rejected"
  | "failed"
  | "unclear"
  | "recorded"
  | "parked"
  | "pending"
  | "skipped";

export interface DecisionRecord {
  eventId: string;
  caseId: string | null;
  customerId: string;
  decidedBy: DecidedBy;
  model: string | null;
  tool: string | null;
  args: unknown;
  templateId: string | null;
  validation: string;
  reason: string | null;
  rule: string | null;
  mode: string;
  outcome: DecisionOutcome;
  modelOutput: unknown;
  shadow: { tool: string | null; args: unknown; agree: boolean } | null;
  latencyMs: number | null;
}

export interface DecisionRow {
  id: number;
  event_id: string;
  case_id: string | null;
  customer_id: string;
  decided_by: DecidedBy;
  model: string | null;
  tool: string | null;
  args: string | null;
  template_id: string | null;
  validation: string;
  reason: string | null;
  rule: string | null;
  mode: string;
  outcome: DecisionOutcome;
  detail: string | null;
  model_output: string | null;
  shadow_tool: string | null;
  shadow_args: string | null;
  shadow_agree: number | null;
  latency_ms: number | null;
  created_at: number;
}

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/** Records a decision (intent before effect) and returns its id. */
export async function insertDecision(db: D1Database, d: DecisionRecord, now: number): Promise<number> {
  const r = await db
    .prepare(
      `INSERT INTO decisions (event_id, case_id, customer_id, decided_by, model, tool, args, template_id, validation, reason, rule, mode, outcome,
         model_output, shadow_tool, shadow_args, shadow_agree, latency_ms, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) RETURNING id`,
    )
    .bind(
      d.eventId,
      d.caseId,
      d.customerId,
      d.decidedBy,
      d.model,
      d.tool,
      json(d.args),
      d.templateId,
      d.validation,
      d.reason,
      d.rule,
      d.mode,
      d.outcome,
      json(d.modelOutput),
      d.shadow?.tool ?? null,
      json(d.shadow?.args),
      d.shadow === null ? null : d.shadow.agree ? 1 : 0,
      d.latencyMs,
      now,
    )
    .first<{ id: number }>();
  if (!r) throw new Error("decision not recorded");
  return r.id;
}

/**
 * Records a failure the ledger decided not to act on because its case was already closed. Other events that ask
 * for no action (attributions, payments, lifecycle notes) are recorded by their event row's status and reason
 * alone: a decision row each would cost billed rows without telling more.
 */
export async function recordSuperseded(
  db: D1Database,
  n: { eventId: string; caseId: string | null; customerId: string; mode: string; reason: string },
  now: number,
): Promise<void> {
  await insertDecision(
    db,
    { eventId: n.eventId, caseId: n.caseId, customerId: n.customerId, decidedBy: "ledger", model: null, tool: null, args: null, templateId: null, validation: "ok", reason: n.reason, rule: null, mode: n.mode, outcome: "superseded", modelOutput: null, shadow: null, latencyMs: null },
    now,
  );
}

/** Records what happened when the decision was carried out: written behind (it rides on the event's next round trip; the event reads its own writes). */
export async function setDecisionOutcome(db: D1Database, id: number, outcome: DecisionOutcome, detail: string | null): Promise<void> {
  await writeOrDefer(db, db.prepare(`UPDATE decisions SET outcome = ?2, detail = ?3 WHERE id = ?1`).bind(id, outcome, detail));
}

/** An event's decisions, found within its customer's (the customer index; no per-event index is kept). */
export async function decisionsForEvent(db: D1Database, customerId: string, eventId: string): Promise<DecisionRow[]> {
  return (await db.prepare(`SELECT * FROM decisions WHERE customer_id = ?1 AND event_id = ?2 ORDER BY id`).bind(customerId, eventId).all<DecisionRow>()).results;
}

export async function decisionsForCustomer(db: D1Database, customerId: string, limit = 50): Promise<DecisionRow[]> {
  return (
    await db.prepare(`SELECT * FROM decisions WHERE customer_id = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2`).bind(customerId, limit).all<DecisionRow>()
  ).results;
}

/** A campaign step's fixed outcome (day-0 silence, a restriction): recorded without asking anyone. */
export async function recordStepOutcome(
  db: D1Database,
  n: { eventId: string; caseId: string; customerId: string; mode: string; step: string; reason: string },
  now: number,
): Promise<void> {
  await insertDecision(
    db,
    { eventId: n.eventId, caseId: n.caseId, customerId: n.customerId, decidedBy: "lifecycle", model: null, tool: null, args: null, templateId: null, validation: `campaign ${n.step}`, reason: n.reason, rule: null, mode: n.mode, outcome: "recorded", modelOutput: null, shadow: null, latencyMs: null },
    now,
  );
}
