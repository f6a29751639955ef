/**
 * Email click-through and updates after a click (GET /admin/metrics `emailClickThrough`, `updatesAfterClick`),
 * on a hand-made ledger whose numbers are computed by hand below. A fixed `now` far from the other tests' rows.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/http/app.ts";
import { recordClick } from "../src/ledger/link-clicks.ts";
import { computeMetrics } from "../src/ledger/metrics.ts";
import { env, migrate, uid } from "./helpers/env.ts";

const NOW = Date.UTC(2031, 0, 15, 12);
const H = 3600_000;
const DAY = 24 * H;

async function emailed(caseId: string | null, customerId: string, template: string, at: number, status = "succeeded") {
  await env.LEDGER.prepare(
    `INSERT INTO side_effects (decision_id, event_id, case_id, customer_id, kind, provider, operation, idempotency_key, request_id, status, created_at, updated_at)
     VALUES (NULL, ?1, ?2, ?3, 'email', 'outbox', ?4, ?5, NULL, ?6, ?7, ?7)`,
  )
    .bind(`evt_${uid()}`, caseId, customerId, template, `email:${uid()}:${template}`, status, at)
    .run();
}

async function cardUpdated(customerId: string, at: number, type = "payment_method.attached") {
  await env.LEDGER.prepare(
    `INSERT INTO events (id, type, customer_id, case_id, livemode, occurred_at, received_at, status, context, updated_at) VALUES (?1, ?2, ?3, NULL, 0, ?4, ?4, 'decided', ?5, ?4)`,
  )
    .bind(`evt_${uid()}`, type, customerId, at, JSON.stringify({ newPaymentMethodId: `pm_${uid()}` }))
    .run();
}

const click = (caseId: string | null, customerId: string, template: string | null, at: number) => recordClick(env.LEDGER, { caseId, customerId, template, kind: "update" }, at);

beforeAll(async () => {
  await migrate();
  // A: two emails, pressed the final warning's link (twice).
  await emailed("in_A", "cus_A", "card_update_request", NOW - 5 * DAY);
  await emailed("in_A", "cus_A", "final_warning", NOW - 2 * DAY);
  await click("in_A", "cus_A", "final_warning", NOW - 2 * DAY + H);
  await click("in_A", "cus_A", "final_warning", NOW - 2 * DAY + 2 * H);
  // B: pressed the card-update email's link; the card was updated 10 h later.
  await emailed("in_B", "cus_B", "card_update_request", NOW - 4 * DAY);
  await click("in_B", "cus_B", "card_update_request", NOW - 4 * DAY + H);
  await cardUpdated("cus_B", NOW - 4 * DAY + 11 * H);
  // C: a reminder, never pressed.
  await emailed("in_C", "cus_C", "soft_payment_reminder", NOW - 3 * DAY);
  // T: a trial email (no case), pressed; the card came 50 h later (outside 48 h).
  await emailed(null, "cus_T", "trial_ending", NOW - 6 * DAY);
  await click(null, "cus_T", "trial_ending", NOW - 6 * DAY + H);
  await cardUpdated("cus_T", NOW - 6 * DAY + 51 * H);
  // Not counted as emailed: a winback offer, an email 40 days ago (its late click still counts as a click), a failed send.
  await emailed("in_D", "cus_D", "winback_offer", NOW - DAY);
  await emailed("in_E", "cus_E", "card_update_request", NOW - 40 * DAY);
  await click("in_E", "cus_E", "card_update_request", NOW - DAY);
  await emailed("in_F", "cus_F", "card_update_request", NOW - DAY, "failed");
});

describe("email click-through", () => {
  it("counts emailed and clicked cases overall and per template over the last 30 days", async () => {
    const m = await computeMetrics(env.LEDGER, NOW);
    // Emailed: A, B, C, T. Clicked among them: A, B, T.
    expect(m.emailClickThrough).toEqual({
      windowDays: 30,
      rate: 3 / 4,
      clicked: 3,
      emailed: 4,
      byTemplate: {
        card_update_request: { rate: 1 / 2, clicked: 1, emailed: 2 }, // A and B emailed; only B pressed this template's link
        final_warning: { rate: 1, clicked: 1, emailed: 1 },
        soft_payment_reminder: { rate: 0, clicked: 0, emailed: 1 },
        trial_ending: { rate: 1, clicked: 1, emailed: 1 },
      },
    });
    // Clicked in the window: A, B, T, E; a card updated within 48 h of the press: B only.
    expect(m.updatesAfterClick).toEqual({ windowDays: 30, windowHours: 48, count: 1, clicked: 4, rate: 1 / 4 });
  });

  it("is in GET /admin/metrics and on the dashboard (tile and chart per template)", async () => {
    const app = createApp();
    const auth = { authorization: `Bearer ${env.ADMIN_TOKEN}` };
    const json = (await (await app.fetch(new Request("http://recovery.test/admin/metrics", { headers: auth }), env)).json()) as Record<string, unknown>;
    expect(json).toHaveProperty("emailClickThrough.byTemplate");
    expect(json).toHaveProperty("updatesAfterClick.windowHours", 48);
    const html = await (await app.fetch(new Request("http://recovery.test/admin", { headers: auth }), env)).text();
    expect(html).toContain('data-testid="click-through"');
    expect(html).toContain('data-testid="updates-after-click"');
    // The page's styles are CSS, not escaped text (escaped quotes would make the browser fall back to Times).
    expect(html).not.toMatch(/<style>[^<]*&quot;/);
  });
});
