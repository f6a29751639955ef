/** A failed invoice recorded the way the consumer records it: the event (with its context) and an open case. */
import type Stripe from "stripe";
import { normalizeEvent } from "../../src/ingest/normalize.ts";
import type { DunningContext } from "../../src/ingest/context.ts";
import { recordFailure, type CaseRow } from "../../src/ledger/cases.ts";
import { claimEvent, finishEvent } from "../../src/ledger/events.ts";
import { env } from "./env.ts";
import { invoiceEvent } from "./stripe-events.ts";

export interface RecordedCase {
  ctx: DunningContext;
  row: CaseRow;
  hostedUrl: string;
  subscriptionId: string;
}

export async function recordOpenInvoiceCase(id: string, statusReason: string): Promise<RecordedCase> {
  const hostedUrl = `https://invoice.stripe.test/i/${id}`;
  const subscriptionId = `sub_${id}`;
  const ev = invoiceEvent({
    eventId: `evt_${id}`,
    customerId: `cus_${id}`,
    invoiceId: `in_${id}`,
    paymentIntentId: `pi_${id}`,
    amount: 4900,
    currency: "usd",
    extra: { hosted_invoice_url: hostedUrl, parent: { subscription_details: { subscription: subscriptionId } } },
  });
  const normalized = normalizeEvent(ev as unknown as Stripe.Event);
  if (!normalized.ok) throw new Error(`fixture did not normalize: ${normalized.reason}`);
  const ctx = normalized.context;
  const now = Date.now();
  await claimEvent(env.LEDGER, ctx, now, `test-${id}`, now);
  const row = await recordFailure(env.LEDGER, ctx, now);
  await finishEvent(env.LEDGER, ctx.eventId, "decided", statusReason, row.id, now);
  return { ctx, row, hostedUrl, subscriptionId };
}
