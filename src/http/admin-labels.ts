/**
 * @module admin-labels
 * `PUT /admin/customers/:id/label` and `DELETE /admin/customers/:id/label`: the team's own label on a customer.
 * PUT `{"label": "do_not_contact" | "paused" | "no_offers", "note": "..."}` sets the admin entry (for a customer
 * the ledger has not seen yet too); DELETE removes only the admin entry, or with `?source=unsubscribe` the
 * customer's own unsubscribe entry (only the team may lift it), or with `?source=bounce` the `email_undeliverable`
 * entry a Resend bounce or complaint set (once the address is fixed). The Stripe metadata entry follows Stripe.
 * Behind the admin auth middleware.
 */
import type { Context } from "hono";
import type { Env } from "../env.ts";
import { log } from "../log.ts";
import { LABEL_MEANING, TEAM_SETTABLE_LABELS, labelsOf, mostRestrictive, putLabel, removeLabel, type LabelEntry, type TeamLabel } from "../ledger/labels.ts";
import { badRequest, readJsonBody } from "./admin-body.ts";

type AdminContext = Context<{ Bindings: Env }>;

const CUSTOMER_ID = /^[A-Za-z0-9_-]{1,255}$/;

/** The labels as the customer JSON shows them: the list, and the most restrictive one with what it means. */
export function labelsView(labels: readonly LabelEntry[]) {
  const label = mostRestrictive(labels);
  return { labels, label, labelMeaning: label === null ? null : LABEL_MEANING[label] };
}

function customerId(c: AdminContext): string | null {
  const id = c.req.param("id") ?? "";
  return CUSTOMER_ID.test(id) ? id : null;
}


export async function putCustomerLabel(c: AdminContext): Promise<Response> {
  const id = customerId(c);
  if (id === null) return badRequest(c, "customer id must be 1-255 letters, digits, _ or -");
  const body = await readJsonBody(c, 'body must be JSON: {"label": "do_not_contact" | "paused" | "no_offers", "note": "..."}');
  if (!body.ok) return body.response;
  const value = body.value;
  const v = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const label = v.label;
  if (typeof label !== "string" || !(TEAM_SETTABLE_LABELS as readonly string[]).includes(label)) {
    return badRequest(c, `"label" must be one of ${TEAM_SETTABLE_LABELS.join(", ")}; got ${label === undefined ? "nothing" : JSON.stringify(label)}`);
  }
  const note = v.note;
  if (note !== undefined && (typeof note !== "string" || note.length > 500)) return badRequest(c, '"note" must be a string of at most 500 characters');
  await putLabel(c.env.LEDGER, id, { label: label as TeamLabel, setBy: "admin", note: typeof note === "string" && note.trim() !== "" ? note.trim() : null }, Date.now());
  log("warn", "admin.label_set", { customerId: id, label });
  return c.json({ customerId: id, ...labelsView(await labelsOf(c.env.LEDGER, id)) });
}

export async function deleteCustomerLabel(c: AdminContext): Promise<Response> {
  const id = customerId(c);
  if (id === null) return badRequest(c, "customer id must be 1-255 letters, digits, _ or -");
  const source = c.req.query("source") ?? "admin";
  if (source === "stripe_metadata") {
    return c.json({ error: "conflict", message: "This label comes from the Stripe customer's metadata key recovery_agent_label: remove it there; the agent follows on the next customer.updated event." }, 409);
  }
  if (source !== "admin" && source !== "unsubscribe" && source !== "bounce") return badRequest(c, `"source" must be admin, unsubscribe or bounce; got ${JSON.stringify(source)}`);
  const removed = await removeLabel(c.env.LEDGER, id, source);
  log("warn", "admin.label_removed", { customerId: id, source, removed });
  return c.json({ customerId: id, removed, ...labelsView(await labelsOf(c.env.LEDGER, id)) }, removed ? 200 : 404);
}
