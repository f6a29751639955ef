/**
 * @module replies/receive
 * The Worker's `email` handler: a message Email Routing delivers to REPLY_ADDRESS (any plus-tag).
 * 1. Size: above `MAX_REPLY_BYTES` the body is not read (the headers still classify it).
 * 2. Parse with postal-mime; keep the customer's own words (`text.ts`).
 * 3. Which case: the signed plus-tag of a recipient, else In-Reply-To / References naming an email we sent.
 *    A valid tag counts whoever sends from it; an unknown or forged tag is recorded and ignored (never a bounce).
 * 4. Automatic mail (`auto-reply.ts`) is recorded only. Every other message is forwarded to SUPPORT_EMAIL once,
 *    and a human reply on a case goes on the queue to be decided (`process.ts`).
 * The message is recorded once by its Message-ID, so a redelivery is neither forwarded nor decided twice.
 */
import PostalMime, { type Email } from "postal-mime";
import { MAX_REPLY_BYTES } from "../constants.ts";
import { depsOf, type Deps } from "../deps.ts";
import type { Env } from "../env.ts";
import { getCase } from "../ledger/cases.ts";
import { caseOfSentMessages, claimForward, recordReply, releaseForward, type ReplyClass } from "../ledger/replies.ts";
import { log, maskEmail } from "../log.ts";
import type { ReplyJob } from "../queue/messages.ts";
import { readReplyTag } from "./address.ts";
import { autoReplyReason } from "./auto-reply.ts";
import { firstLines, replyBody } from "./text.ts";

/** The parts of a message the handler reads (a `ForwardableEmailMessage` has them all). */
export type IncomingEmail = Pick<ForwardableEmailMessage, "from" | "to" | "headers" | "raw" | "rawSize" | "forward">;

export type ReceiveResult = { class: ReplyClass; caseId: string | null; replyId: number; duplicate: boolean; forwarded: boolean; queued: boolean; why: string };

const MESSAGE_ID = /<[^<>\s]+>/g;
const idsIn = (value: string | null | undefined): string[] => (value ? (value.match(MESSAGE_ID) ?? []) : []);

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The recipients to look for a tag in: the envelope first, then To/Cc/Delivered-To of the message. */
function recipients(message: IncomingEmail, parsed: Email | null): string[] {
  const out = [message.to];
  for (const a of [...(parsed?.to ?? []), ...(parsed?.cc ?? [])]) {
    if (a.address !== undefined) out.push(a.address);
    else for (const m of a.group) out.push(m.address);
  }
  const delivered = parsed?.deliveredTo ?? message.headers.get("delivered-to");
  if (delivered) out.push(delivered);
  return out;
}

type Target = { kind: "case"; caseId: string; customerId: string; via: string } | { kind: "forged"; why: string };

/** Which case the message answers: a valid tag, else our Message-ID in In-Reply-To / References, else none. */
async function targetOf(deps: Deps, message: IncomingEmail, parsed: Email | null): Promise<Target> {
  let forged = false;
  for (const address of recipients(message, parsed)) {
    const tag = await readReplyTag(deps.config.linkSigningSecret, address, deps.config.replyAddress);
    if (tag.kind === "valid") {
      const row = await getCase(deps.db, tag.caseId);
      if (row !== null) return { kind: "case", caseId: row.id, customerId: row.customer_id, via: "tag" };
      forged = true;
    } else if (tag.kind === "forged") forged = true;
  }
  const refs = [...idsIn(parsed?.inReplyTo ?? message.headers.get("in-reply-to")), ...idsIn(parsed?.references ?? message.headers.get("references")).reverse()];
  const sent = await caseOfSentMessages(deps.db, refs);
  if (sent !== null) return { kind: "case", caseId: sent.caseId, customerId: sent.customerId, via: "in-reply-to" };
  return { kind: "forged", why: forged ? "a tag we did not sign" : "no case tag and no reference to an email we sent" };
}

export async function receiveReply(message: IncomingEmail, env: Env, deps: Deps = depsOf(env)): Promise<ReceiveResult> {
  const now = deps.clock();
  const oversized = message.rawSize > MAX_REPLY_BYTES;
  const parsed = oversized ? null : await PostalMime.parse(message.raw);
  const header = (name: string) => message.headers.get(name);
  const subject = parsed?.subject ?? header("subject");
  const target = await targetOf(deps, message, parsed);
  const auto = autoReplyReason({ header, subject: subject ?? null, from: message.from });
  const cls: ReplyClass = auto !== null ? "auto" : target.kind === "forged" ? "forged" : "human";
  const body = parsed === null ? null : replyBody(parsed.text, parsed.html);
  const rawId = parsed?.messageId ?? header("message-id");
  // Without a Message-ID the message is named by what a redelivery repeats: sender, recipient, date, subject.
  const messageId = rawId ?? `<sha256.${(await sha256Hex(`${message.from}\n${message.to}\n${header("date") ?? ""}\n${subject ?? ""}`)).slice(0, 32)}@missing-message-id>`;
  const summary =
    cls === "auto" ? `automatic reply (${auto ?? ""})` : body === null ? `(a message of ${Math.round(message.rawSize / 1024)} KiB, too large to read here)` : maskEmail(firstLines(body, 300)) || "(no text)";
  const caseId = target.kind === "case" ? target.caseId : null;
  const { row, created } = await recordReply(
    deps.db,
    {
      caseId,
      customerId: target.kind === "case" ? target.customerId : null,
      messageId: messageId.slice(0, 500),
      eventId: `reply:${(await sha256Hex(messageId)).slice(0, 24)}`,
      class: cls,
      summary,
      action: cls === "human" ? "pending" : "ignored",
    },
    now,
  );

  // The team's inbox still sees every message a person wrote (once: the forward is claimed before it is sent).
  let forwarded = false;
  const support = deps.config.supportEmail;
  if (cls !== "auto" && support !== null && (await claimForward(deps.db, row.id, now))) {
    try {
      await message.forward(support, new Headers({ "X-Recovery-Agent-Reply": caseId === null ? `unmatched (${cls})` : `case ${caseId}` }));
      forwarded = true;
    } catch (err) {
      await releaseForward(deps.db, row.id);
      throw err; // the sender's server tries again later; the record above keeps it from being decided twice
    }
  }

  let queued = false;
  if (cls === "human" && target.kind === "case" && (created || row.action === "pending")) {
    const job: ReplyJob = { kind: "reply", replyId: row.id, caseId: target.caseId, customerId: target.customerId, receivedAt: now, subject: subject?.slice(0, 200) ?? null, text: body };
    await deps.queue.send(job);
    queued = true;
  }
  const why = cls === "auto" ? `automatic (${auto ?? ""})` : target.kind === "forged" ? target.why : `case ${target.caseId} via ${target.via}`;
  log("info", "reply.received", { replyId: row.id, class: cls, caseId, from: maskEmail(message.from), duplicate: !created, forwarded, queued, why, bytes: message.rawSize });
  return { class: cls, caseId, replyId: row.id, duplicate: !created, forwarded, queued, why };
}
