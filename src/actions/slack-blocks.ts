/**
 * @module slack-blocks
 * Decision-ready Block Kit messages for escalations. Pure: takes the facts, returns blocks.
 * Buttons carry the case id; POST /slack/interactions runs them through the same dispatcher.
 */
import { formatMoney } from "../ingest/money.ts";

import { SLACK_ACTION_MARK_LOST, SLACK_ACTION_STOP_RETRIES, SLACK_ACTION_WINBACK } from "../constants.ts";

export { SLACK_ACTION_MARK_LOST, SLACK_ACTION_STOP_RETRIES, SLACK_ACTION_WINBACK };

export interface EscalationFacts {
  caseId: string;
  customerId: string;
  customerName: string | null;
  livemode: boolean;
  planTier: string | null;
  isAnnual: boolean | null;
  amount: number | null;
  currency: string | null;
  reason: string;
  declineCode: string | null;
  attempt: number;
  lifetimeValue: { amount: number; currency: string } | null;
  why: string;
  alreadyDone: string[];
  /** Show the "Send winback offer" button (only where a person's click may pass the gate). */
  offerWinback?: boolean;
  /** The customer's team labels, shown to the person deciding. */
  labels?: readonly string[];
  /** The customer wrote that they want to cancel (a reply): flagged in the header; no winback button. */
  wantsToCancel?: boolean;
  /** Show the "Stop Stripe's retries" button (only where a person's click may pass the gate). */
  offerStopRetries?: boolean;
}

export function stripeDashboardUrl(kind: "customers" | "invoices" | "payments", id: string, livemode: boolean): string {
  return `https://dashboard.stripe.com/${livemode ? "" : "test/"}${kind}/${id}`;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function escalationBlocks(f: EscalationFacts): { text: string; blocks: unknown[] } {
  const amount = f.amount !== null && f.currency !== null ? formatMoney({ amount: f.amount, currency: f.currency }) : "unknown amount";
  const ltv = f.lifetimeValue ? formatMoney(f.lifetimeValue) : "unknown";
  const plan = `${f.planTier ?? "unknown plan"}${f.isAnnual === null ? "" : f.isAnnual ? " (annual)" : " (monthly)"}`;
  const who = `<${stripeDashboardUrl("customers", f.customerId, f.livemode)}|${esc(f.customerName ?? f.customerId)}>`;
  const text = esc(`Escalation: ${f.customerName ?? f.customerId} — ${amount} failed (${f.reason}, attempt ${f.attempt}). ${f.why}`);
  return {
    text,
    blocks: [
      { type: "header", text: { type: "plain_text", text: `${f.wantsToCancel === true ? "Customer wants to cancel" : "Payment recovery needs a person"}${f.livemode ? "" : " [TEST]"}` } },
      {
        type: "section",
        fields: [
          { type: "mrkdwn", text: `*Customer*\n${who}` },
          { type: "mrkdwn", text: `*Plan*\n${esc(plan)}` },
          { type: "mrkdwn", text: `*Amount*\n${esc(amount)}` },
          { type: "mrkdwn", text: `*Reason*\n${esc(f.reason)}${f.declineCode ? ` (\`${esc(f.declineCode)}\`)` : ""}` },
          { type: "mrkdwn", text: `*Attempt*\n${f.attempt}` },
          { type: "mrkdwn", text: `*Lifetime value*\n${esc(ltv)}` },
        ],
      },
      { type: "section", text: { type: "mrkdwn", text: `*Why escalated*\n${esc(f.why)}` } },
      {
        type: "context",
        elements: [
          { type: "mrkdwn", text: `*Already done:* ${f.alreadyDone.length > 0 ? esc(f.alreadyDone.join("; ")) : "nothing yet"}` },
          ...(f.labels && f.labels.length > 0 ? [{ type: "mrkdwn", text: `*Team labels:* ${esc(f.labels.join(", "))}` }] : []),
        ],
      },
      {
        type: "actions",
        block_id: `case:${f.caseId}`,
        elements: [
          ...(f.offerWinback === false ? [] : [{ type: "button", action_id: SLACK_ACTION_WINBACK, text: { type: "plain_text", text: "Send winback offer" }, style: "primary", value: f.caseId }]),
          ...(f.offerStopRetries === true
            ? [
                {
                  type: "button",
                  action_id: SLACK_ACTION_STOP_RETRIES,
                  text: { type: "plain_text", text: "Stop Stripe's retries" },
                  value: f.caseId,
                  confirm: {
                    title: { type: "plain_text", text: "Stop Stripe's retries?" },
                    text: { type: "plain_text", text: "Stripe stops retrying this invoice's payment; the case stays open for you to close." },
                    confirm: { type: "plain_text", text: "Stop retries" },
                    deny: { type: "plain_text", text: "Cancel" },
                  },
                },
              ]
            : []),
          {
            type: "button",
            action_id: SLACK_ACTION_MARK_LOST,
            text: { type: "plain_text", text: "Mark as lost" },
            style: "danger",
            value: f.caseId,
            confirm: {
              title: { type: "plain_text", text: "Mark as lost?" },
              text: { type: "plain_text", text: "The agent stops all recovery for this case." },
              confirm: { type: "plain_text", text: "Mark as lost" },
              deny: { type: "plain_text", text: "Cancel" },
            },
          },
        ],
      },
    ],
  };
}
