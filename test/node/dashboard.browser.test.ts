/**
 * The dashboard in a real browser: the Worker runs under wrangler's local test harness (Miniflare, real
 * local KV, Queues and D1 with the migrations applied), signed fixture events go through the webhook and
 * the queue consumer, and Debian's chromium (driven by playwright-core) logs in and reads the tiles.
 * Runs in Node, not workerd. Skipped, with a message, only when chromium is not installed.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestHarness, type TestHarness } from "wrangler";
import { formatCount, formatHours, formatPercent } from "../../src/http/dashboard/format.ts";
import { formatRevenue } from "../../src/http/dashboard/recovered.ts";
import type { Metrics } from "../../src/ledger/metrics.ts";
import { signUpdateToken } from "../../src/links/update-token.ts";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAS_CHROMIUM = existsSync(CHROMIUM);
const ADMIN_TOKEN = "browser-test-admin-token-5f1c-0123456789";
const WEBHOOK_SECRET = "whsec_browser_test";
const LINK_SECRET = "browser-test-link-secret";
const FIXTURES = [
  "01-olivia-invoice-payment-failed-insufficient-funds",
  "10-lukas-old-shape-invoice-payment-failed-expired-card-eur",
  "12-amelia-invoice-payment-action-required-3ds-gbp",
  "13-haruto-invoice-payment-failed-jpy",
  "28-chloe-invoice-payment-failed-unknown-decline-code-aud",
];

if (!HAS_CHROMIUM) {
  console.warn(`[dashboard.browser] skipped: no chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
}

type MetricsJson = Metrics & { mode: { mode: string } };

/** A fixture's failed invoice as paid (`invoice.paid`), on attempt `attempt`. */
function paidCopy(name: string, attempt: number): Record<string, unknown> {
  const event = JSON.parse(readFileSync(join(ROOT, "fixtures/events", `${name}.json`), "utf8")) as Record<string, unknown> & { data: { object: Record<string, unknown> } };
  const invoice = event.data.object;
  return {
    ...event,
    id: `${event.id as string}_paid`,
    type: "invoice.paid",
    created: (event.created as number) + 3 * 86400,
    data: { object: { ...invoice, status: "paid", attempt_count: attempt, amount_paid: invoice.amount_due, amount_remaining: 0, next_payment_attempt: null } },
  };
}

describe.skipIf(!HAS_CHROMIUM)("dashboard in a browser", () => {
  let server: TestHarness;
  let baseUrl: string;
  let browser: Browser | null = null;
  const eventIds: string[] = [];

  const admin = (path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) =>
    server.fetch(`${baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...init.headers } });

  /** The local queue delivers within its batch timeout; waits until every event is decided. */
  async function decided(ids: string[]): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (const id of ids) {
      for (;;) {
        const res = await admin(`/admin/events/${id}`);
        if (res.status === 200 && ((await res.json()) as { event: { status: string } }).event.status === "decided") break;
        if (Date.now() > deadline) throw new Error(`event ${id} was not decided in time`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  beforeAll(async () => {
    server = createTestHarness({
      root: ROOT,
      workers: [
        {
          configPath: "./wrangler.toml",
          // SEND_WINDOWS off: the test runs at any hour; held emails would leave the tiles empty at night.
          vars: { RETRY_BASE_DELAY_SECONDS: "0", PI_ATTRIBUTION_HOLD_SECONDS: "0", APP_URL: "http://localhost", SEND_WINDOWS: "off" },
          // Override whatever .dev.vars holds, and leave every provider unconfigured (outbox, rules policy).
          secrets: {
            ADMIN_TOKEN,
            STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
            LINK_SIGNING_SECRET: LINK_SECRET,
            STRIPE_SECRET_KEY: "",
            GEMINI_API_KEY: "",
            RESEND_API_KEY: "",
            SLACK_BOT_TOKEN: "",
            SLACK_CHANNEL: "",
            SANDBOX_EMAIL: "",
          },
        },
      ],
    });
    const { url } = await server.listen();
    baseUrl = url.origin;
    await server.getWorker().applyD1Migrations("LEDGER");

    const mode = await admin("/admin/mode", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ mode: "live" }) });
    expect(mode.status).toBe(200);

    for (const name of FIXTURES) {
      const payload = readFileSync(join(ROOT, "fixtures/events", `${name}.json`), "utf8");
      eventIds.push((JSON.parse(payload) as { id: string }).id);
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
      const res = await server.fetch(`${baseUrl}/webhooks/stripe`, { method: "POST", headers: { "content-type": "application/json", "stripe-signature": signature }, body: payload });
      expect(res.status, name).toBe(200);
    }

    await decided(eventIds);

    // A person presses the card-update button for the first emailed case (the link signed as the email signs it;
    // the fixtures' emails link to Stripe's hosted invoice where there is one). A GET alone would not count.
    const emails = (await (await admin("/admin/outbox?kind=email")).json()) as { items: Array<{ caseId: string | null; customerId: string; templateId: string }> };
    const emailed = emails.items.find((i) => i.caseId !== null);
    if (emailed === undefined || emailed.caseId === null) throw new Error("no emailed case in the fixtures");
    const token = await signUpdateToken(LINK_SECRET, { c: emailed.customerId, k: emailed.caseId, e: Date.now() + 3600_000, f: "case", m: emailed.templateId });
    expect((await server.fetch(`${baseUrl}/r/update/${token}`)).status).toBe(200);
    const pressed = await server.fetch(`${baseUrl}/r/update/${token}`, { method: "POST", redirect: "manual" });
    expect([200, 303]).toContain(pressed.status);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("logs in with the token, shows the mode, tiles equal to GET /admin/metrics, open cases, and loads nothing external", async () => {
    if (browser === null) throw new Error("browser did not start");
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on("request", (r) => requested.push(r.url()));

    const response = await page.goto(`${baseUrl}/admin/login?token=${encodeURIComponent(ADMIN_TOKEN)}`);
    expect(response?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe("/admin");
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === "admin_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/admin" });
    expect(session?.value).not.toContain(ADMIN_TOKEN);

    const m = (await (await admin("/admin/metrics")).json()) as MetricsJson;
    expect(await page.getByTestId("mode").textContent()).toBe("live");
    expect(m.mode.mode).toBe("live");
    expect(m.failuresPerDay.total).toBe(FIXTURES.length);

    const expected: Array<[string, string, number | null]> = [
      ["recovery-rate", formatPercent(m.recovery.overall.value), m.recovery.overall.value],
      ["median-hours", formatHours(m.medianHoursToRecovery.value), m.medianHoursToRecovery.value],
      ["unknown-share", formatPercent(m.unknownShare.days7.value), m.unknownShare.days7.value],
      ["escalations", formatCount(m.escalations.total), m.escalations.total],
      ["escalations-resolved-24h", formatCount(m.escalations.resolvedWithin24h), m.escalations.resolvedWithin24h],
      ["emails-sent", formatCount(m.emailsSent.count), m.emailsSent.count],
      ["coupons", formatCount(m.couponsCreated.count), m.couponsCreated.count],
      ["shadow-agreement", formatPercent(m.shadowAgreement.value), m.shadowAgreement.value],
      ["open-cases-count", formatCount(m.openCases.count), m.openCases.count],
    ];
    for (const [testId, text, raw] of expected) {
      const tile = page.getByTestId(testId);
      expect(await tile.textContent(), testId).toBe(text);
      expect(await tile.getAttribute("data-value"), testId).toBe(raw === null ? "" : String(raw));
    }
    // Five fresh failures this week, none with a verdict yet (so no recovery rate).
    expect(m.unknownShare.days7.denominator).toBe(FIXTURES.length);
    expect(await page.getByTestId("recovery-rate").textContent()).toBe("—");

    const rows = page.getByTestId("open-case-row");
    expect(await rows.count()).toBe(m.openCases.rows.length);
    expect(await rows.count()).toBeGreaterThanOrEqual(1);
    const haruto = m.openCases.rows.find((r) => r.currency === "jpy");
    expect(haruto?.amountFormatted).toMatch(/^¥[\d,]+$/);
    expect(await page.locator(`[data-case-id="${haruto?.id}"]`).textContent()).toContain(haruto?.amountFormatted ?? "?");

    expect(await page.locator('svg[data-testid="failures-chart"]').count()).toBe(1);

    // The page renders in the sans-serif stack of its <style> (an HTML-escaped <style> fell back to Times).
    expect(String(await page.evaluate("getComputedStyle(document.body).fontFamily"))).toMatch(/sans-serif$/);
    // The click-through tile shows the one press among the emailed cases, as GET /admin/metrics computes it.
    expect(m.emailClickThrough.clicked).toBe(1);
    expect(m.emailClickThrough.emailed).toBeGreaterThanOrEqual(1);
    const ct = page.getByTestId("click-through");
    expect(await ct.textContent()).toBe(formatPercent(m.emailClickThrough.rate));
    expect(await ct.getAttribute("data-value")).toBe(String(m.emailClickThrough.rate));
    expect(await page.locator('svg[data-testid="click-through-chart"] g[data-template]').count()).toBe(Object.keys(m.emailClickThrough.byTemplate).length);
    // The recent-events table fits its card (no sideways scrolling); open cases name their customers.
    expect(await page.evaluate(`(() => { const t = document.querySelector('[data-testid="recent-events"]'); return t.scrollWidth <= t.parentElement.clientWidth; })()`)).toBe(true);
    const named = m.openCases.rows.find((r) => r.customerName !== null);
    expect(named).toBeDefined();
    expect(await page.locator(`[data-case-id="${named?.id}"] [data-testid="customer-name"]`).textContent()).toBe(named?.customerName);
    // Links from the dashboard lead to the JSON views, with the session cookie.
    const eventLink = page.locator('[data-testid="recent-events"] a[href^="/admin/events/"]').first();
    const href = await eventLink.getAttribute("href");
    const eventJson = await page.request.get(`${baseUrl}${href}`);
    expect(eventJson.status()).toBe(200);

    const foreign = requested.filter((u) => !u.startsWith(baseUrl));
    expect(foreign).toEqual([]);
    await page.close();
  });

  it("shows recovered revenue per currency, its split by cause, and the share recovered with no contact", async () => {
    if (browser === null) throw new Error("browser did not start");
    // Olivia's invoice is paid on Stripe's retry (attempt 2), Lukas's (EUR) on a retry too, Haruto (JPY) pays his
    // invoice himself (attempt count unchanged).
    const paidEvents = [
      JSON.parse(readFileSync(join(ROOT, "fixtures/events/08-olivia-invoice-paid-retry.json"), "utf8")) as Record<string, unknown>,
      paidCopy("10-lukas-old-shape-invoice-payment-failed-expired-card-eur", 2),
      paidCopy("13-haruto-invoice-payment-failed-jpy", 1),
    ];
    for (const event of paidEvents) {
      const payload = JSON.stringify(event);
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
      const res = await server.fetch(`${baseUrl}/webhooks/stripe`, { method: "POST", headers: { "content-type": "application/json", "stripe-signature": signature }, body: payload });
      expect(res.status).toBe(200);
    }
    await decided(paidEvents.map((e) => e.id as string));
    const causes = await Promise.all(
      ["cus_RiltVRG3sMWO7G", "cus_yhT4aLO029oHoV", "cus_VSZftNVlkaDA9T"].map(async (id) => ((await (await admin(`/admin/customers/${id}`)).json()) as { cases: Array<{ recoveredBy: string | null }> }).cases.map((c) => c.recoveredBy)),
    );
    // Stripe's retry paid Olivia and Lukas: after an email when the campaign's day 0 emailed them, silent otherwise;
    // Haruto paid by himself (attempt count unchanged): other.
    const emails = (await (await admin("/admin/outbox?kind=email")).json()) as { items: Array<{ customerId: string }> };
    const emailed = (id: string) => emails.items.some((i) => i.customerId === id);
    const retryCause = (id: string) => (emailed(id) ? "stripe_retry_after_email" : "stripe_retry_silent");
    expect(emailed("cus_yhT4aLO029oHoV")).toBe(true); // Lukas's expired card: the card-update email on day 0
    expect(causes).toEqual([[retryCause("cus_RiltVRG3sMWO7G")], [retryCause("cus_yhT4aLO029oHoV")], ["other"]]);
    const m = (await (await admin("/admin/metrics")).json()) as MetricsJson;
    const expected: Record<string, { cases: number; revenue: Record<string, number> }> = { human: { cases: 0, revenue: {} }, other: { cases: 1, revenue: { jpy: 4980 } } };
    for (const [id, currency, amount] of [["cus_RiltVRG3sMWO7G", "usd", 4900], ["cus_yhT4aLO029oHoV", "eur", 4500]] as const) {
      const e = (expected[retryCause(id)] ??= { cases: 0, revenue: {} });
      e.cases += 1;
      e.revenue[currency] = amount;
    }
    expect(m.recoveredBy["30d"]).toMatchObject(expected);
    expect(m.recoveredRevenue["30d"]).toEqual({ cases: 3, revenue: { usd: 4900, eur: 4500, jpy: 4980 } });
    const silent = ["cus_RiltVRG3sMWO7G", "cus_yhT4aLO029oHoV", "cus_VSZftNVlkaDA9T"].filter((id) => !emailed(id)).length;
    expect(m.recoveredWithoutContactShare["30d"]).toMatchObject({ denominator: 3, numerator: silent });

    const page = await browser.newPage();
    await page.goto(`${baseUrl}/admin/login?token=${encodeURIComponent(ADMIN_TOKEN)}`);
    const cell = (cause: string, window: string, kind: string) => page.locator(`[data-testid="recovered-by-row"][data-cause="${cause}"] td[data-window="${window}"][data-kind="${kind}"]`);
    for (const cause of [...Object.keys(m.recoveredBy["30d"]), "total"]) {
      for (const w of ["30d", "90d"] as const) {
        const t = cause === "total" ? m.recoveredRevenue[w] : (m.recoveredBy[w] as Record<string, { cases: number; revenue: Record<string, number> }>)[cause];
        expect(await cell(cause, w, "cases").textContent(), `${cause} ${w}`).toBe(String(t?.cases));
        expect(JSON.parse((await cell(cause, w, "revenue").getAttribute("data-value")) ?? "null"), `${cause} ${w}`).toEqual(t?.revenue);
        expect(await cell(cause, w, "revenue").textContent(), `${cause} ${w}`).toBe(formatRevenue(t?.revenue ?? {}));
      }
    }
    // Read as a person reads it: revenue per currency, and the split by cause.
    expect(await page.getByTestId("recovered-revenue-30d").textContent()).toBe("€45.00 · ¥4,980 · $49.00");
    const retried = ["cus_RiltVRG3sMWO7G", "cus_yhT4aLO029oHoV"].every((id) => emailed(id)) ? "stripe_retry_after_email" : null;
    if (retried !== null) expect(await cell(retried, "30d", "revenue").textContent()).toBe("€45.00 · $49.00");
    expect(await cell("other", "30d", "revenue").textContent()).toBe("¥4,980");
    expect(await cell("card_update_link", "30d", "cases").textContent()).toBe("0");
    expect(await page.getByTestId("recovered-without-contact").textContent()).toBe(formatPercent(m.recoveredWithoutContactShare["30d"].value));
    await page.close();
  });
});
