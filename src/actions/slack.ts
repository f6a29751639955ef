/**
 * @module actions/slack
 * Posts to Slack (chat.postMessage with the bot token and channel) or, with no Slack configuration,
 * to the local outbox. One post per idempotency key.
 */
import type { Deps } from "../deps.ts";
import { putOutbox } from "../ledger/outbox.ts";
import { onceEffect } from "../ledger/side-effects.ts";

export interface SlackPost {
  text: string;
  blocks: unknown[] | null;
  eventId: string;
  caseId: string | null;
  customerId: string;
  decisionId: number | null;
  idempotencyKey: string;
  /** Post as a reply in this thread (the case's first escalation). */
  threadTs?: string | null;
}

export interface SlackPostResult {
  via: "slack" | "outbox";
  ts: string | null;
  channel: string | null;
  skipped: boolean;
}

export async function postSlack(deps: Deps, post: SlackPost): Promise<SlackPostResult> {
  const { config } = deps;
  const configured = config.slackBotToken !== null && config.slackChannel !== null;
  const done = await onceEffect(
    deps.db,
    {
      decisionId: post.decisionId,
      eventId: post.eventId,
      caseId: post.caseId,
      customerId: post.customerId,
      kind: "slack",
      provider: configured ? "slack" : "outbox",
      operation: "chat.postMessage",
      idempotencyKey: post.idempotencyKey,
    },
    deps.clock,
    async () => {
      if (!configured) {
        const id = await putOutbox(
          deps.db,
          {
            kind: "slack",
            recipient: config.slackChannel ?? "#billing (outbox)",
            subject: null,
            html: null,
            text: post.text,
            blocks: post.blocks,
            templateId: null,
            eventId: post.eventId,
            caseId: post.caseId,
            customerId: post.customerId,
            idempotencyKey: post.idempotencyKey,
          },
          deps.clock(),
        );
        return { requestId: `outbox:${id}`, detail: { via: "outbox", outboxId: id }, ts: null, channel: null };
      }
      const res = await fetch(`${config.slackApiBase}/chat.postMessage`, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8", authorization: `Bearer ${config.slackBotToken}` },
        body: JSON.stringify({ channel: config.slackChannel, text: post.text, ...(post.blocks ? { blocks: post.blocks } : {}), ...(post.threadTs ? { thread_ts: post.threadTs } : {}), unfurl_links: false }),
        signal: AbortSignal.timeout(5000),
      });
      const body = (await res.json().catch(() => ({}))) as { ok?: boolean; ts?: string; channel?: string; error?: string };
      if (!res.ok || body.ok !== true) throw new Error(`slack chat.postMessage failed: ${res.status} ${body.error ?? ""}`.trim());
      return { requestId: body.ts ?? null, detail: { via: "slack", ts: body.ts, channel: body.channel }, ts: body.ts ?? null, channel: body.channel ?? null };
    },
  );
  if (done.skipped) return { via: configured ? "slack" : "outbox", ts: done.row.request_id, channel: null, skipped: true };
  return { via: configured ? "slack" : "outbox", ts: done.result.ts, channel: done.result.channel, skipped: false };
}
