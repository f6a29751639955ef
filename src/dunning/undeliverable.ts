/**
 * @module undeliverable
 * What a Resend bounce or complaint means for the customer. A hard (permanent) bounce or a spam complaint sets the
 * `email_undeliverable` team label (source `bounce`): the gate then refuses every email and offer, as it does for
 * any label. The team gets one Slack note (notifyTeam: the case's thread when there is one) so a person can reach
 * the customer another way. A soft (transient or undetermined) bounce changes nothing: the next email may arrive.
 */
import type { Deps } from "../deps.ts";
import { labelsOf, putLabel } from "../ledger/labels.ts";
import { log } from "../log.ts";
import { notifyTeam } from "./dispatch.ts";

export type DeliveryProblem = { kind: "hard_bounce"; subType: string | null } | { kind: "complaint" } | { kind: "soft_bounce"; subType: string | null; type: string | null };

export interface UndeliverableInput {
  customerId: string;
  caseId: string | null;
  /** The template of the email that bounced. */
  template: string;
  emailId: string;
  problem: DeliveryProblem;
}

/** Classifies a Resend event (`email.bounced` with `bounce.type`, `email.complained`); null for other types. */
export function deliveryProblem(type: string, bounce: { type?: string; subType?: string } | undefined): DeliveryProblem | null {
  if (type === "email.complained") return { kind: "complaint" };
  if (type !== "email.bounced") return null;
  if (bounce?.type === "Permanent") return { kind: "hard_bounce", subType: bounce.subType ?? null };
  return { kind: "soft_bounce", subType: bounce?.subType ?? null, type: bounce?.type ?? null };
}

/** Applies the problem; returns what was done, for the ledger and the response. */
export async function recordDeliveryProblem(deps: Deps, input: UndeliverableInput): Promise<string> {
  const { problem } = input;
  if (problem.kind === "soft_bounce") {
    log("info", "resend.soft_bounce", { customerId: input.customerId, caseId: input.caseId, type: problem.type, subType: problem.subType });
    return `soft bounce (${problem.type ?? "unknown"}${problem.subType ? `/${problem.subType}` : ""}): no label`;
  }
  const what = problem.kind === "complaint" ? "marked our email as spam" : `hard bounce${problem.subType ? ` (${problem.subType})` : ""}`;
  const existing = (await labelsOf(deps.db, input.customerId)).find((l) => l.label === "email_undeliverable" && l.setBy === "bounce");
  // The note is keyed by when the label was set: a retried delivery (Slack failed) posts it then, a later bounce
  // on a customer already labelled posts nothing, and a bounce after the team lifted the label is news again.
  const setAt = existing?.at ?? deps.clock();
  if (existing === undefined) await putLabel(deps.db, input.customerId, { label: "email_undeliverable", setBy: "bounce", note: `${what} on "${input.template}"` }, setAt);
  log("warn", "resend.undeliverable", { customerId: input.customerId, caseId: input.caseId, problem: problem.kind, alreadyLabelled: existing !== undefined });
  const reason = problem.kind === "complaint" ? "The customer marked our recovery email as spam" : "Our recovery email bounced permanently (the address does not accept mail)";
  await notifyTeam(deps, {
    text: `${reason}: customer ${input.customerId}${input.caseId ? ` (case ${input.caseId})` : ""}, email "${input.template}". No more emails go to this customer (label email_undeliverable). Please reach them another way (phone, in-app, their account contact) and clear the label with DELETE /admin/customers/${input.customerId}/label?source=bounce once the address is fixed.`,
    ctx: { eventId: `resend:${input.emailId}`, customerId: input.customerId },
    caseId: input.caseId,
    decisionId: null,
    idempotencyKey: `undeliverable:${input.customerId}:${setAt}`,
  });
  return existing !== undefined ? `${what}: label email_undeliverable already set` : `${what}: label email_undeliverable set; team notified`;
}
