/**
 * @module scripts/lib/reply-email
 * Sends one `.eml` reply to a running Worker's `email` handler, the way `wrangler dev` accepts test emails:
 * `POST /cdn-cgi/handler/email?from=…&to=…` with the raw message as the body. The recipient is the case's tagged
 * reply address, signed with LINK_SIGNING_SECRET from `.dev.vars` exactly as the Worker signs it.
 */
import { readFileSync } from "node:fs";
import { replyTag } from "../../src/replies/address.ts";

export interface ReplyEmailOptions {
  /** Base URL of the Worker, e.g. http://localhost:8787. */
  baseUrl: string;
  file: string;
  caseId: string;
  signingSecret: string;
  /** REPLY_ADDRESS (default billing@example.com). */
  replyAddress: string;
  from: string;
}

export interface ReplyEmailResult {
  to: string;
  status: number;
  body: string;
}

/** The fixture with its placeholders filled: {{TO}}, {{RUN}} (a fresh Message-ID), {{IN_REPLY_TO}}. */
export function fillReply(raw: string, to: string, run: string): string {
  return raw.replaceAll("{{TO}}", to).replaceAll("{{RUN}}", run).replaceAll("<{{IN_REPLY_TO}}>", "<replay@localhost>");
}

export async function sendReplyEmail(o: ReplyEmailOptions): Promise<ReplyEmailResult> {
  const [local, domain] = o.replyAddress.split("@");
  if (local === undefined || domain === undefined) throw new Error(`REPLY_ADDRESS is not an address: ${o.replyAddress}`);
  const to = `${local}+${await replyTag(o.signingSecret, o.caseId)}@${domain}`;
  const raw = fillReply(readFileSync(o.file, "utf8"), to, `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`);
  const url = new URL("/cdn-cgi/handler/email", o.baseUrl);
  url.searchParams.set("from", o.from);
  url.searchParams.set("to", to);
  const res = await fetch(url, { method: "POST", body: raw, headers: { "content-type": "message/rfc822" } });
  return { to, status: res.status, body: (await res.text()).slice(0, 500) };
}
