/**
 * /r/unsubscribe/:token, the opt-out of offer emails: GET only shows a confirm page (a link scanner changes
 * nothing), POST (the button, or a mail client's RFC 8058 one-click) sets the `no_offers` label from source
 * `unsubscribe`, which then blocks offers and never the transactional recovery emails.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { checkCall, type GuardFacts } from "../src/dunning/guards.ts";
import { createApp } from "../src/http/app.ts";
import { blankContext } from "../src/ingest/context.ts";
import { labelsOf } from "../src/ledger/labels.ts";
import { signUnsubscribeToken, verifyUnsubscribeToken } from "../src/links/unsubscribe-token.ts";
import { signUpdateToken } from "../src/links/update-token.ts";
import { env, migrate, uid } from "./helpers/env.ts";

const app = createApp();
/** The LINK_SIGNING_SECRET binding of vitest.config.ts. */
const LINK_SECRET = "test-link-secret";
beforeAll(migrate);

const url = (token: string) => `http://recovery.test/r/unsubscribe/${token}`;
const tokenFor = (customerId: string, locale = "en-US", expiresAt = Date.now() + 86400_000) => signUnsubscribeToken(LINK_SECRET, { c: customerId, l: locale, e: expiresAt });

describe("/r/unsubscribe/:token", () => {
  it("GET shows a confirm page with a button and changes nothing", async () => {
    const customerId = `cus_${uid()}`;
    const token = await tokenFor(customerId);
    const res = await app.fetch(new Request(url(token)), env);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await res.text();
    expect(html).toContain('<form method="post" action="/r/unsubscribe/');
    expect(html).toContain("Unsubscribe</button>");
    expect(html).toContain("You will still get the emails about your payments");
    expect(await labelsOf(env.LEDGER, customerId)).toEqual([]);
  });

  it("the confirm page is in the email's language", async () => {
    const res = await app.fetch(new Request(url(await tokenFor(`cus_${uid()}`, "de-DE"))), env);
    const html = await res.text();
    expect(html).toContain('lang="de"');
    expect(html).toContain("Abmelden</button>");
  });

  it("POST (the button) sets no_offers from the unsubscribe source; twice is the same as once", async () => {
    const customerId = `cus_${uid()}`;
    const token = await tokenFor(customerId, "fr-FR");
    const res = await app.fetch(new Request(url(token), { method: "POST" }), env);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Vous êtes désinscrit");
    const again = await app.fetch(new Request(url(token), { method: "POST" }), env);
    expect(again.status).toBe(200);
    expect(await labelsOf(env.LEDGER, customerId)).toEqual([expect.objectContaining({ label: "no_offers", setBy: "unsubscribe" })]);
  });

  it("POST List-Unsubscribe=One-Click (RFC 8058, from the mail client) unsubscribes too", async () => {
    const customerId = `cus_${uid()}`;
    const res = await app.fetch(
      new Request(url(await tokenFor(customerId)), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" }),
      env,
    );
    expect(res.status).toBe(200);
    expect(await labelsOf(env.LEDGER, customerId)).toEqual([expect.objectContaining({ label: "no_offers", setBy: "unsubscribe", note: "one-click unsubscribe (mail client)" })]);
  });

  it("an expired but genuine link still opts out (an opt-out must keep working)", async () => {
    const customerId = `cus_${uid()}`;
    const res = await app.fetch(new Request(url(await tokenFor(customerId, "en-US", Date.now() - 1000)), { method: "POST" }), env);
    expect(res.status).toBe(200);
    expect((await labelsOf(env.LEDGER, customerId)).map((l) => l.label)).toEqual(["no_offers"]);
  });

  it("a forged, malformed or card-update token gets a 400 page and changes nothing", async () => {
    const customerId = `cus_${uid()}`;
    const forged = await signUnsubscribeToken("another-secret", { c: customerId, l: "en", e: Date.now() + 86400_000 });
    const updateToken = await signUpdateToken(LINK_SECRET, { c: customerId, k: "in_1", e: Date.now() + 86400_000 });
    for (const token of [forged, "garbage", "a.b.c", updateToken]) {
      const res = await app.fetch(new Request(url(token), { method: "POST" }), env);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("This link is not valid");
    }
    expect(await labelsOf(env.LEDGER, customerId)).toEqual([]);
  });

  it("a body past the size limit is refused", async () => {
    const res = await app.fetch(new Request(url(await tokenFor(`cus_${uid()}`)), { method: "POST", body: "x".repeat(5000) }), env);
    expect(res.status).toBe(413);
  });

  it("no_offers blocks the winback offer and never a recovery email", () => {
    const config = loadConfig({ COMPANY_ADDRESS: "Acme Inc.", LINK_SIGNING_SECRET: "s" });
    const ctx = { ...blankContext({ eventId: "evt_u", eventType: "invoice.payment_failed", livemode: false, occurredAt: 0, customerId: "cus_u" }), customerEmail: "a@example.com", failureReason: "card_expired" as const, customerSegment: "loyal" as const, lifetimeValue: { amount: 500_000, currency: "usd" } };
    const facts: GuardFacts = { ctx, actor: "human", newPaymentMethodSinceFailure: false, lastWinbackAt: null, now: 0, labels: ["no_offers"], fraudHistory: false };
    expect(checkCall({ name: "offer_winback_discount", args: { percent_off: 20, valid_days: 14 } }, facts, config)).toMatchObject({ ok: false, label: "no_offers" });
    expect(checkCall({ name: "send_email", args: { template_id: "card_update_request", variables: {} } }, facts, config)).toEqual({ ok: true });
  });
});

describe("unsubscribe tokens", () => {
  it("round-trip, and reject a tampered payload", async () => {
    const token = await signUnsubscribeToken("s", { c: "cus_1", l: "ja", e: 2_000 });
    expect(await verifyUnsubscribeToken("s", token, 1_000)).toEqual({ ok: true, payload: { c: "cus_1", l: "ja", e: 2_000 } });
    expect(await verifyUnsubscribeToken("s", token, 3_000)).toMatchObject({ ok: false, reason: "expired" });
    const [body, sig] = token.split(".");
    const other = btoa(JSON.stringify({ c: "cus_2", l: "ja", e: 2_000 })).replace(/=+$/, "");
    expect(await verifyUnsubscribeToken("s", `${other}.${sig}`, 1_000)).toMatchObject({ ok: false, reason: "bad_signature" });
    expect(body).toBeTruthy();
  });
});
