import { afterEach, describe, expect, it, vi } from "vitest";
import { log, maskEmail } from "../src/log.ts";

/** Logs `fields` and returns the line as written. */
function logged(fields: Record<string, unknown>): string {
  const spy = vi.spyOn(console, "log").mockImplementation(() => undefined);
  try {
    log("info", "test.scrub", fields);
    expect(spy).toHaveBeenCalledTimes(1);
    return String(spy.mock.calls[0]?.[0]);
  } finally {
    spy.mockRestore();
  }
}

/** Wraps `leaf` in `depth` levels, alternating objects and arrays. */
function nest(leaf: unknown, depth: number): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? { level: i, inner: v } : [i, v];
  return v;
}

const SECRETS = [
  "sk_live_51HxAbCdEf0123456789",
  "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
  "rk_live_51Hx0123abcdef",
  "rk_test_51Hx0123abcdef",
  "whsec_0123456789abcdefABCDEF",
  "xoxb-1234-5678-abcdef",
  "xoxa-2-abc",
  "xoxp-1111-2222",
  "xoxr-refresh-3333",
];

afterEach(() => vi.restoreAllMocks());

describe("log scrubber", () => {
  it("masks every address form", () => {
    const cases: Array<[string, string, string]> = [
      ["jane.doe@example.com", "j***@example.com", "jane.doe"],
      ["jane+billing@example.com", "j***@example.com", "billing"],
      ["jane@mail.eu.example.co.uk", "j***@mail.eu.example.co.uk", "jane"],
      ["JANE.DOE@EXAMPLE.COM", "J***@EXAMPLE.COM", "DOE"],
      ['"Jane Doe" <jane@x.io>', '"***" <j***@x.io>', "Jane"],
      ["to=jane%40x.io&x=1", "to=j***%40x.io&x=1", "jane"],
      ["to=jane%2Bvip%40x.io", "to=j***%40x.io", "vip"],
      ["mailto:jane@x.io, bob@y.org", "mailto:j***@x.io, b***@y.org", "bob"],
    ];
    for (const [input, masked, leaked] of cases) {
      expect(maskEmail(input), input).toBe(masked);
      const line = logged({ note: input });
      expect(line, input).not.toContain(leaked);
    }
  });

  it("scrubs at every depth (objects and arrays nested far deeper than 5)", () => {
    for (const depth of [5, 6, 8, 20, 100]) {
      const leaf = { email: "jane.doe@example.com", stripeKey: "key sk_live_51HxAbCdEf0123456789 end", signature: "t=1,v1=abc", fine: "kept" };
      const line = logged({ payload: nest(leaf, depth), list: nest(["Jane <jane.doe@example.com>", "whsec_0123456789abcdef"], depth) });
      expect(line, `depth ${depth}`).not.toContain("jane.doe");
      expect(line).not.toContain("sk_live_");
      expect(line).not.toContain("whsec_");
      expect(line).not.toContain("t=1,v1=abc");
      expect(line).toContain("j***@example.com");
      expect(line).toContain("key [redacted] end");
      expect(line).toContain('"fine":"kept"');
      expect(line).not.toContain('"signature"');
    }
  });

  it("survives cycles and absurd depth without writing anything unscrubbed", () => {
    const a: Record<string, unknown> = { name: "a", email: "jane.doe@example.com" };
    a.self = a;
    a.list = [a, { back: a }];
    const shared = { email: "bob.smith@example.com" };
    const line = logged({ a, one: shared, two: shared, deep: nest({ token: "xoxb-1-2", e: "jane.doe@example.com" }, 1000) });
    expect(line).toContain('"self":"[circular]"');
    expect(line).toContain('"one":{"email":"b***@example.com"},"two":{"email":"b***@example.com"}');
    expect(line).toContain("[too deep]");
    expect(line).not.toContain("jane.doe");
    expect(line).not.toContain("xoxb-");
  });

  it("drops sig/signature/token keys and redacts secret-looking values anywhere, even inside a longer string", () => {
    const line = logged({
      sig: "v1=deadbeef",
      stripe_sig: "v1=deadbeef",
      webhookSig: "v1=deadbeef",
      Signature: "v1=deadbeef",
      accessToken: "abc",
      design: "kept",
      nested: [{ header: "Bearer sk_test_4eC39HqLyjWDarjtT1zdp7dc" }],
      message: `config: ${SECRETS.join(" | ")} done`,
      [`key:${SECRETS[0]}`]: "value",
    });
    for (const s of SECRETS) expect(line, s).not.toContain(s);
    expect(line).not.toContain("deadbeef");
    expect(line).not.toContain('"accessToken"');
    expect(line).toContain('"design":"kept"');
    expect(line).toContain(`"message":"config: ${SECRETS.map(() => "[redacted]").join(" | ")} done"`);
    expect(line).toContain('"header":"Bearer [redacted]"');
    // Ordinary identifiers that merely contain the letters are left alone.
    expect(logged({ note: "risk_test_case task_live_x network_error" })).toContain("risk_test_case task_live_x network_error");
  });
});
