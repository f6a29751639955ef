/**
 * The outbox page shows a Slack message as a person reads it in Slack (header, fields, buttons as labels), with
 * its JSON one click away; every string escaped.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/http/app.ts";
import { deliver } from "./helpers/deliver.ts";
import { env, envWith, migrate, uid } from "./helpers/env.ts";
import { invoiceEvent } from "./helpers/stripe-events.ts";

beforeAll(migrate);

describe("GET /admin/outbox?format=html: Slack Block Kit preview", () => {
  it("renders the escalation's header, fields and buttons readably, with the JSON behind a disclosure", async () => {
    const run = uid("ob");
    const e = envWith({ DEFAULT_MODE: "live", STRIPE_SECRET_KEY: "" });
    // A decline code never seen before: the campaign hands the case to a person on day 0 (a Slack escalation, in the
    // outbox without a Slack token). The old invoice shape carries its expanded PaymentIntent's error.
    const pi = { id: `pi_${run}`, object: "payment_intent", last_payment_error: { type: "card_error", code: "card_declined", decline_code: "brand_new_issuer_code" } };
    await deliver(invoiceEvent({ eventId: `evt_${run}`, customerId: `cus_${run}`, invoiceId: `in_${run}`, amount: 4900, currency: "usd", extra: { customer_name: "Olivia <script>alert(1)</script>", payment_intent: pi } }), e);
    const res = await createApp().fetch(new Request("http://recovery.test/admin/outbox?format=html&kind=slack", { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } }), e);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('data-testid="slack-preview"');
    expect(page).toContain('<div class="sk-header" data-testid="slack-header">Payment recovery needs a person [TEST]</div>');
    expect(page).toMatch(/<div class="sk-field" data-testid="slack-field"><strong>Amount<\/strong><br>\$49\.00<\/div>/);
    expect(page).toMatch(/<span class="sk-button sk-danger" data-testid="slack-button">Mark as lost<\/span>/);
    expect(page).toContain("<details><summary>JSON</summary><pre>");
    expect(page).not.toContain("<script>alert(1)</script>");
    expect(page).toContain('<span class="sk-link" title="https://dashboard.stripe.com/test/customers/cus_');
    expect(page).toContain("Olivia &lt;script&gt;alert(1)&lt;/script&gt;</span>");
  });
});
