/**
 * @module replies/address
 * Where a customer's reply goes. With REPLY_ADDRESS set, each recovery email's Reply-To is that address with a
 * plus-tag naming the case: `billing+<ref><mac>@example.com`, where `ref` is the case reference in lowercase base32
 * (a Stripe id's base62 tail read as one number, so an invoice id fits in ~31 characters) and `mac` is an 80-bit
 * HMAC of the case id (16 base32 characters). Lowercase base32 survives mail systems that change the case of
 * addresses; the whole local part stays within 64 characters. Without REPLY_ADDRESS the Reply-To is SUPPORT_EMAIL.
 * Pure except for Web Crypto (no I/O, no clock).
 */
import type { Config } from "../config.ts";
import { hmacSha256, timingSafeEqualBytes } from "../signing.ts";

const B32 = "abcdefghijklmnopqrstuvwxyz234567";
const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** 80 bits of HMAC: 10 bytes, 16 base32 characters. */
const MAC_BYTES = 10;
const MAC_CHARS = 16;
/** RFC 5321: at most 64 octets before the @. */
export const MAX_LOCAL_PART = 64;

const enc = new TextEncoder();

function bytesToB32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

function b32ToBytes(s: string): Uint8Array | null {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of s) {
    const v = B32.indexOf(ch);
    if (v < 0) return null;
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  return Uint8Array.from(out);
}

function toBase(n: bigint, alphabet: string): string {
  const base = BigInt(alphabet.length);
  let out = "";
  do {
    out = alphabet[Number(n % base)] + out;
    n /= base;
  } while (n > 0n);
  return out;
}

function fromBase(s: string, alphabet: string): bigint | null {
  const base = BigInt(alphabet.length);
  let n = 0n;
  for (const ch of s) {
    const v = alphabet.indexOf(ch);
    if (v < 0) return null;
    n = n * base + BigInt(v);
  }
  return n;
}

const STRIPE_ID = /^(in|pi)_([0-9A-Za-z]{1,31})$/;

/** The case reference: `i`/`p` + tail length + the base62 tail as base32; any other id: `x` + its bytes in base32. */
export function encodeCaseRef(caseId: string): string {
  const m = STRIPE_ID.exec(caseId);
  if (m && m[1] !== undefined && m[2] !== undefined) {
    const tail = m[2];
    const n = fromBase(tail, B62) ?? 0n;
    return `${m[1] === "in" ? "i" : "p"}${B32[tail.length]}${toBase(n, B32)}`;
  }
  return `x${bytesToB32(enc.encode(caseId))}`;
}

/** The case id a reference names, or null when it is not a reference we could have written. */
export function decodeCaseRef(ref: string): string | null {
  const kind = ref[0];
  if (kind === "x") {
    const bytes = b32ToBytes(ref.slice(1));
    if (bytes === null || bytes.length === 0) return null;
    try {
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      return null;
    }
  }
  if ((kind !== "i" && kind !== "p") || ref.length < 3) return null;
  const len = B32.indexOf(ref[1] ?? "");
  const n = fromBase(ref.slice(2), B32);
  if (len < 1 || n === null) return null;
  const tail = toBase(n, B62).padStart(len, "0");
  if (tail.length !== len) return null;
  return `${kind === "i" ? "in" : "pi"}_${tail}`;
}

async function mac(secret: string, caseId: string): Promise<Uint8Array> {
  return (await hmacSha256(secret, `reply-tag:${caseId}`)).slice(0, MAC_BYTES);
}

/** The plus-tag naming a case: reference + 80-bit HMAC, lowercase base32. */
export async function replyTag(secret: string, caseId: string): Promise<string> {
  return `${encodeCaseRef(caseId)}${bytesToB32(await mac(secret, caseId))}`;
}

export type TagCheck = { kind: "valid"; caseId: string } | { kind: "forged"; tag: string } | { kind: "none" };

/** Reads the plus-tag of one recipient address: a case, a tag we did not sign, or no tag at all. */
export async function readReplyTag(secret: string | null, address: string, reply: { local: string; domain: string } | null): Promise<TagCheck> {
  const m = /^([^@+\s]+)\+([^@\s]+)@([^@\s]+)$/.exec(address.trim().toLowerCase());
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) return { kind: "none" };
  if (reply !== null && (m[1] !== reply.local || m[3] !== reply.domain)) return { kind: "none" };
  const tag = m[2];
  if (secret === null || tag.length <= MAC_CHARS) return { kind: "forged", tag };
  const caseId = decodeCaseRef(tag.slice(0, -MAC_CHARS));
  const given = b32ToBytes(tag.slice(-MAC_CHARS));
  if (caseId === null || given === null) return { kind: "forged", tag };
  return timingSafeEqualBytes(given, await mac(secret, caseId)) ? { kind: "valid", caseId } : { kind: "forged", tag };
}

/**
 * The Reply-To of a recovery email: the signed reply address of its case when REPLY_ADDRESS is set (and the tag
 * fits the local part), else SUPPORT_EMAIL, else none.
 */
export async function replyToFor(config: Pick<Config, "replyAddress" | "supportEmail" | "linkSigningSecret">, caseId: string | null): Promise<string | null> {
  const reply = config.replyAddress;
  if (reply !== null && caseId !== null && config.linkSigningSecret !== null) {
    const local = `${reply.local}+${await replyTag(config.linkSigningSecret, caseId)}`;
    if (local.length <= MAX_LOCAL_PART) return `${local}@${reply.domain}`;
  }
  return config.supportEmail;
}

/**
 * Our own Message-ID for one email, derived from its idempotency key (a retried send carries the same id), on the
 * reply domain (else the sender's). A client that drops the plus-tag still names it in In-Reply-To / References.
 */
export async function messageIdFor(config: Pick<Config, "replyAddress" | "emailFrom">, idempotencyKey: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(`message-id:${idempotencyKey}`)));
  const domain = config.replyAddress?.domain ?? /@([^>\s]+)>?\s*$/.exec(config.emailFrom)?.[1] ?? "recovery-agent.invalid";
  return `<${bytesToB32(digest.slice(0, 20))}@${domain}>`;
}
