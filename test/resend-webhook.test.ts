/**
 * POST /webhooks/resend: Svix signatures verified on the raw body (standardwebhooks), each svix-id acted on once,
 * a hard bounce or a complaint labels the customer `email_undeliverable` (no more emails) and tells the team once;
 * a soft bounce changes nothing. The email is found through the Resend id our send stored.
 */
import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { createApp } from "../src/http/app.ts";
import { fakeClient } from "./fakes/client.ts";
import { decisionsOf, outboxFor } from "./helpers/consumer.ts";
import { deliver } from "./helpers/deliver.ts";
import { env, envWith, migrate, uid, type TestEnv } from "./helpers/env.ts";
import { paymentIntentEvent } from "./helpers/stripe-events.ts";

const fakeUrl = inject("fakeUrl" as never) as string;
const app = createApp();
const SECRET = `whsec_${btoa("resend-webhook-test-secret-32byte")}`;

beforeAll(migrate);

interface Sent {
  customerId: string;
  caseId: string;
  emailId: string;
  env: TestEnv;
  run: string;
}

/** A failed one-off payment (expired card) whose card-update email went out through (the fake) Resend. */
async function sentEmail(): Promise<Sent> {
  const run = uid("rw");
  const e = envWith({ DEFAULT_MODE: "live", RESEND_API_KEY: `re_${run}`, RESEND_BASE_URL: `${fakeUrl}/resend`, SANDBOX_EMAIL: `sandbox.${run}@example.test`, RESEND_WEBHOOK_SECRET: SECRET, STRIPE_SECRET_KEY: "" });
  const customerId = `cus_${run}`;
  const caseId = `pi_${run}`;
  await deliver(paymentIntentEvent({ eventId: `evt_${run}`, customerId, paymentIntentId: caseId, amount: 25000, currency: "usd", declineCode: "expired_card" }), e);
  const row = await env.LEDGER.prepare(`SELECT request_id FROM side_effects WHERE customer_id = ?1 AND kind = 'email' AND status = 'succeeded'`).bind(customerId).first<{ request_id: string }>();
  if (row === null) throw new Error(`no email sent: ${JSON.stringify(await decisionsOf(`evt_${run}`))}`);
  return { customerId, caseId, emailId: row.request_id, env: e, run };
}

function signed(body: string, o: { id?: string; secret?: string; at?: Date } = {}): Request {
  const id = o.id ?? `msg_${uid()}`;
  const at = o.at ?? new Date();
  const signature = new Webhook(o.secret ?? SECRET).sign(id, at, body);
  return new Request("http://recovery.test/webhooks/resend", {
    method: "POST",
    headers: { "content-type": "application/json", "svix-id": id, "svix-timestamp": String(Math.floor(at.getTime() / 1000)), "svix-signature": signature },
    body,
  });
}

const bounced = (emailId: string, type: "Permanent" | "Transient" | "Undetermined", subType = "General") =>
  JSON.stringify({ type: "email.bounced", created_at: new Date().toISOString(), data: { email_id: emailId, to: ["someone@example.test"], subject: "Your payment", bounce: { type, subType, message: "mailbox said no" } } });

const labelsOf = async (customerId: string) => (await env.LEDGER.prepare(`SELECT label, set_by FROM customer_labels WHERE customer_id = ?1`).bind(customerId).all<{ label: string; set_by: string }>()).results;
const notes = async (customerId: string) => (await outboxFor(customerId, "slack")).filter((n) => String(n.text).includes("reach them another way"));

describe("POST /webhooks/resend", () => {
  it("a hard bounce with a valid signature labels the customer email_undeliverable and tells the team once; a replay of the svix-id acts once", async () => {
    const s = await sentEmail();
    const body = bounced(s.emailId, "Permanent", "Suppressed");
    const res = await app.fetch(signed(body, { id: `msg_${s.run}` }), s.env);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ customerId: s.customerId });
    expect(await labelsOf(s.customerId)).toEqual([{ label: "email_undeliverable", set_by: "bounce" }]);
    const n = await notes(s.customerId);
    expect(n).toHaveLength(1);
    expect(String(n[0]?.text)).toContain(s.caseId);
    expect(String(n[0]?.text)).not.toContain("@");

    const again = await app.fetch(signed(body, { id: `msg_${s.run}` }), s.env);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true });
    // A second bounce (its own svix-id) keeps the label and pages nobody again.
    expect((await app.fetch(signed(body), s.env)).status).toBe(200);
    expect(await notes(s.customerId)).toHaveLength(1);

    // No more emails: the next failure of this customer is skipped for the label.
    await deliver(paymentIntentEvent({ eventId: `evt_${s.run}_2`, customerId: s.customerId, paymentIntentId: `pi_${s.run}_2`, amount: 25000, currency: "usd", declineCode: "expired_card" }), s.env);
    expect((await decisionsOf(`evt_${s.run}_2`)).some((d) => String(d.validation).includes("label email_undeliverable"))).toBe(true);
  });

  it("a delivery that failed to tell the team (Slack down) tells it on Resend's retry, once", async () => {
    const s = await sentEmail();
    const e = envWith({ ...s.env, SLACK_BOT_TOKEN: `xoxb-${s.run}`, SLACK_CHANNEL: "#billing", SLACK_API_BASE: `${fakeUrl}/slack/api` });
    const fake = fakeClient(fakeUrl, s.run);
    await fake.fail({ provider: "slack", status: 500, count: 1 });
    const body = bounced(s.emailId, "Permanent");
    const first = await app.fetch(signed(body, { id: `msg_retry_${s.run}` }), e);
    expect(first.status).toBe(500);
    expect(await labelsOf(s.customerId)).toEqual([{ label: "email_undeliverable", set_by: "bounce" }]);
    expect((await app.fetch(signed(body, { id: `msg_retry_${s.run}` }), e)).status).toBe(200);
    expect((await app.fetch(signed(body, { id: `msg_retry_${s.run}` }), e)).status).toBe(200);
    const posted = (await fake.requests("slack")).filter((r) => r.path.endsWith("chat.postMessage") && r.status === 200);
    expect(posted).toHaveLength(1);
  });

  it("a complaint labels the customer too", async () => {
    const s = await sentEmail();
    const body = JSON.stringify({ type: "email.complained", created_at: new Date().toISOString(), data: { email_id: s.emailId } });
    expect((await app.fetch(signed(body), s.env)).status).toBe(200);
    expect(await labelsOf(s.customerId)).toEqual([{ label: "email_undeliverable", set_by: "bounce" }]);
    expect(String((await notes(s.customerId))[0]?.text)).toContain("marked our recovery email as spam");
  });

  it("a soft bounce does not label and tells no one", async () => {
    const s = await sentEmail();
    for (const type of ["Transient", "Undetermined"] as const) {
      const res = await app.fetch(signed(bounced(s.emailId, type, "MailboxFull")), s.env);
      expect(res.status).toBe(200);
    }
    expect(await labelsOf(s.customerId)).toEqual([]);
    expect(await notes(s.customerId)).toEqual([]);
  });

  it("refuses a bad signature (401), a stale timestamp (401), missing headers (400) and an oversized body (413), acting on none", async () => {
    const s = await sentEmail();
    const body = bounced(s.emailId, "Permanent");
    const forged = signed(body, { secret: `whsec_${btoa("someone-elses-secret-0123456789ab")}` });
    expect((await app.fetch(forged, s.env)).status).toBe(401);
    const tampered = signed(body);
    expect((await app.fetch(new Request(tampered.url, { method: "POST", headers: tampered.headers, body: body.replace("Permanent", "Transient") }), s.env)).status).toBe(401);
    expect((await app.fetch(signed(body, { at: new Date(Date.now() - 3600_000) }), s.env)).status).toBe(401);
    expect((await app.fetch(new Request("http://recovery.test/webhooks/resend", { method: "POST", body }), s.env)).status).toBe(400);
    expect((await app.fetch(signed("x".repeat(70_000)), s.env)).status).toBe(413);
    expect(await labelsOf(s.customerId)).toEqual([]);
    expect((await app.fetch(signed(body), envWith({ RESEND_WEBHOOK_SECRET: "" }))).status).toBe(503);
  });

  it("an event about an email we did not send is acknowledged and changes nothing", async () => {
    const s = await sentEmail();
    const res = await app.fetch(signed(bounced("00000000-0000-0000-0000-000000000000", "Permanent")), s.env);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ matched: false });
    const delivered = await app.fetch(signed(JSON.stringify({ type: "email.delivered", data: { email_id: s.emailId } })), s.env);
    expect(await delivered.json()).toMatchObject({ ignored: "email.delivered" });
    expect(await labelsOf(s.customerId)).toEqual([]);
  });
});
