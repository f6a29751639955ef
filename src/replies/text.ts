/**
 * @module replies/text
 * The customer's own words from a reply: the text part (or the HTML part as text), without the quoted history of
 * our email, forwarded headers or the signature, at most `REPLY_TEXT_MAX` characters. Pure.
 */

export const REPLY_TEXT_MAX = 2000;

/** Lines that start the quoted history, in the six catalog locales and the common clients. */
const HISTORY_STARTS: readonly RegExp[] = [
  /^On .{4,200}wrote:?\s*$/i, // en (Gmail, Apple Mail)
  /^Am .{4,200}schrieb .{0,200}:?\s*$/i, // de
  /^Le .{4,200}a écrit\s*:?\s*$/i, // fr
  /^El .{4,200}escribió:?\s*$/i, // es
  /^Em .{4,200}escreveu:?\s*$/i, // pt-BR
  /^.{0,200}(のメッセージ|が書きました)[:：]\s*$/, // ja (Outlook, Thunderbird)
  /^.{0,120}\d.{0,120}<[^>\s]+@[^>\s]+>\s*[:：]\s*$/, // a dated attribution ending in an address (Gmail in ja and others)
  /^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|Mensagem original|元のメッセージ)\s*-{2,}\s*$/i,
  /^_{10,}\s*$/, // Outlook's rule above the quoted header block
  /^(From|Von|De|差出人|送信者)\s*[:：]\s.+$/, // a quoted header block (Outlook)
];

/** Signature and client footers: everything from here on is dropped. */
const SIGNATURE_STARTS: readonly RegExp[] = [
  /^-- ?$/, // RFC 3676 signature delimiter
  /^(Sent from my|Get Outlook for|Von meinem .{1,40} gesendet|Envoyé de mon|Enviado desde mi|Enviado do meu|.{1,20}から送信)/i,
];

/** HTML to plain text, enough for a reply: block elements become line breaks, quoted blocks are dropped. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)[\s\S]*?<\/\1>/gi, "")
    .replace(/<blockquote[\s\S]*?<\/blockquote>/gi, "\n")
    .replace(/<div[^>]*class="?(gmail_quote|gmail_extra|yahoo_quoted|moz-cite-prefix)[\s\S]*$/i, "")
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/(p|div|li|tr|h[1-6])>/gi, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, "&");
}

/** The new text of a reply: quoted lines, the history and the signature removed; whitespace tidied; capped. */
export function replyBody(text: string | null | undefined, html: string | null | undefined): string {
  const source = text !== null && text !== undefined && text.trim() !== "" ? text : html ? htmlToText(html) : "";
  const kept: string[] = [];
  for (const raw of source.replace(/\r\n?/g, "\n").split("\n")) {
    const line = raw.trimEnd();
    if (HISTORY_STARTS.some((re) => re.test(line.trim())) || SIGNATURE_STARTS.some((re) => re.test(line.trim()))) break;
    if (/^\s*>/.test(line)) continue;
    kept.push(line);
  }
  const body = kept.join("\n").replace(/\n{3,}/g, "\n\n").trim();
  return body.length > REPLY_TEXT_MAX ? `${body.slice(0, REPLY_TEXT_MAX - 1)}…` : body;
}

/** The first lines of a reply, for the team (Slack, the admin JSON). */
export function firstLines(body: string, max = 300): string {
  const oneLine = body.replace(/\s+/g, " ").trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
