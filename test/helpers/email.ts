/**
 * Incoming mail for the Worker's `email` handler: `.eml` fixtures (fixtures/replies/) filled in per test, and a
 * `ForwardableEmailMessage` built from the raw bytes, the way Email Routing hands it over. The binding-level stand-in
 * records each `forward()` and `setReject()`.
 */
const FIXTURES = import.meta.glob("../../fixtures/replies/*.eml", { eager: true, query: "?raw", import: "default" }) as Record<string, string>;

/** A fixture with its placeholders filled: {{TO}} (the recipient), {{RUN}} (makes the Message-ID unique), {{IN_REPLY_TO}}. */
export function replyFixture(name: string, vars: { to: string; run: string; inReplyTo?: string }): string {
  const raw = FIXTURES[`../../fixtures/replies/${name}`];
  if (raw === undefined) throw new Error(`no fixture ${name}`);
  return raw
    .replaceAll("{{TO}}", vars.to)
    .replaceAll("{{RUN}}", vars.run)
    .replaceAll("<{{IN_REPLY_TO}}>", vars.inReplyTo ?? "<unrelated@mail.example.net>");
}

function headersOf(raw: string): Headers {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? "";
  const headers = new Headers();
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return headers;
}

export interface TestEmail {
  message: ForwardableEmailMessage;
  forwards: Array<{ to: string; headers: Record<string, string> }>;
  rejects: string[];
}

export function emailMessage(raw: string | Uint8Array, envelope: { from: string; to: string }): TestEmail {
  const bytes = typeof raw === "string" ? new TextEncoder().encode(raw) : raw;
  const forwards: TestEmail["forwards"] = [];
  const rejects: string[] = [];
  const message = {
    from: envelope.from,
    to: envelope.to,
    headers: headersOf(new TextDecoder().decode(bytes.slice(0, 64 * 1024))),
    raw: new Response(bytes).body,
    rawSize: bytes.byteLength,
    canBeForwarded: true,
    setReject(reason: string) {
      rejects.push(reason);
    },
    async forward(to: string, headers?: Headers) {
      forwards.push({ to, headers: Object.fromEntries(headers?.entries() ?? []) });
      return { messageId: `<fwd-${forwards.length}@example.com>` };
    },
    async reply() {
      throw new Error("the agent never replies to a customer's email");
    },
  };
  return { message: message as unknown as ForwardableEmailMessage, forwards, rejects };
}
