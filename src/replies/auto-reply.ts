/**
 * @module replies/auto-reply
 * Recognises automatic mail without the model: the standard headers (RFC 3834 `Auto-Submitted`, `X-Autoreply`,
 * `X-Autorespond`, `Precedence: bulk | auto_reply | list | junk`), delivery reports from mailer daemons, and the
 * common out-of-office subjects in the six catalog locales (en, de, fr, es, ja, pt-BR). Pure.
 */

/** Out-of-office and auto-reply subjects, per locale. Matched case-insensitively anywhere in the subject. */
const AUTO_SUBJECTS: readonly RegExp[] = [
  // en
  /out of (the )?office/i,
  /auto(matic)?[- ]?reply/i,
  /\bautoreply\b/i,
  /\bon (annual |parental )?leave\b/i,
  /\bon vacation\b/i,
  /\baway from (the office|my desk)\b/i,
  /^undeliverable:/i,
  /delivery status notification/i,
  // de
  /abwesenheitsnotiz/i,
  /automatische antwort/i,
  /\babwesend\b/i,
  /\bnicht im büro\b/i,
  // fr
  /absence du bureau/i,
  /r[ée]ponse automatique/i,
  /\bmessage d'absence\b/i,
  /\bje suis absent/i,
  // es
  /fuera de la oficina/i,
  /respuesta autom[áa]tica/i,
  /\bausente\b/i,
  // ja
  /不在/,
  /自動返信/,
  /自動応答/,
  // pt-BR
  /fora do escrit[óo]rio/i,
  /resposta autom[áa]tica/i,
  /\bausência\b/i,
];

export interface AutoCheckInput {
  /** Header lookup (lowercase names). */
  header: (name: string) => string | null;
  subject: string | null;
  from: string | null;
}

/** Why the message is automatic, or null when a person wrote it. */
export function autoReplyReason(m: AutoCheckInput): string | null {
  const autoSubmitted = m.header("auto-submitted");
  if (autoSubmitted !== null && autoSubmitted.trim().toLowerCase() !== "no") return `Auto-Submitted: ${autoSubmitted.trim().slice(0, 40)}`;
  if (m.header("x-autoreply") !== null || m.header("x-autorespond") !== null) return "X-Autoreply";
  const precedence = m.header("precedence")?.trim().toLowerCase() ?? null;
  if (precedence !== null && ["bulk", "auto_reply", "list", "junk"].includes(precedence)) return `Precedence: ${precedence}`;
  if (m.header("x-auto-response-suppress")?.toLowerCase().includes("all") === true && m.header("x-ms-exchange-generated-message-source") !== null) return "Exchange auto-response";
  if (m.header("list-id") !== null || m.header("list-unsubscribe") !== null) return "mailing list";
  const from = (m.from ?? "").toLowerCase();
  if (/^(mailer-daemon|postmaster)@/.test(from) || from === "") return "delivery report";
  const subject = m.subject ?? "";
  const hit = AUTO_SUBJECTS.find((re) => re.test(subject));
  return hit === undefined ? null : "out-of-office subject";
}
