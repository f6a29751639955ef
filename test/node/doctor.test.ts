/**
 * `npm run doctor`: the local checks on real file contents (this repository's wrangler.toml and migrations), in
 * pass and fail states.
 */
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failed, keyMode, localChecks, remoteChecks } from "../../scripts/lib/doctor.ts";
import { STRIPE_API_VERSION } from "../../src/clients/stripe.ts";
import { HANDLED_EVENT_TYPES } from "../../src/ingest/context.ts";
import { fakeClient } from "../fakes/client.ts";
import { startFakeServer, type FakeServer } from "../fakes/server.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const toml = readFileSync(resolve(ROOT, "wrangler.toml"), "utf8");
const migrationFiles = readdirSync(resolve(ROOT, "migrations")).filter((f) => f.endsWith(".sql")).sort();
const goodVars = { STRIPE_WEBHOOK_SECRET: "whsec_local", ADMIN_TOKEN: "a".repeat(40), LINK_SIGNING_SECRET: "link-secret" };

describe("npm run doctor (local checks)", () => {
  it("a fresh clone: placeholder ids are warnings, missing secrets and unapplied migrations fail, each with a fix", () => {
    const checks = localChecks({ toml, devVars: {}, migrationFiles, appliedMigrations: [] });
    expect(failed(checks)).toBe(true);
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
    expect(byName["wrangler.toml KV namespace id (BILLING_KV)"]).toMatchObject({ ok: false, warnOnly: true });
    expect(byName[".dev.vars ADMIN_TOKEN"]).toMatchObject({ ok: false });
    expect(byName["D1 migrations (local)"]?.detail).toContain(migrationFiles[0]);
    for (const c of checks.filter((x) => !x.ok)) expect(c.fix?.length ?? 0).toBeGreaterThan(10);
  });

  it("set up: secrets present, migrations applied, real ids -> no failure", () => {
    const realToml = toml.replace(/id = "0{32}"/, 'id = "3f1c2a9b8e7d4c6a5b4e3d2c1b0a9f8e"').replace(/database_id = "0{8}-0{4}-0{4}-0{4}-0{12}"/, 'database_id = "5b3f0c1e-2d4a-4b6c-8e9f-0a1b2c3d4e5f"');
    const checks = localChecks({ toml: realToml, devVars: { ...goodVars, STRIPE_SECRET_KEY: "sk_test_abc" }, migrationFiles, appliedMigrations: migrationFiles });
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.find((c) => c.name === "Stripe key")?.detail).toBe("test mode");
  });

  it("a short admin token and an unrecognized key fail with the reason", () => {
    const checks = localChecks({ toml, devVars: { ...goodVars, ADMIN_TOKEN: "short", STRIPE_SECRET_KEY: "pk_test_oops" }, migrationFiles, appliedMigrations: migrationFiles });
    expect(checks.find((c) => c.name === ".dev.vars ADMIN_TOKEN")).toMatchObject({ ok: false, detail: "5 characters" });
    expect(checks.find((c) => c.name === "Stripe key")).toMatchObject({ ok: false });
    expect(keyMode("rk_live_x")).toBe("live");
  });
});

describe("npm run doctor -- --remote (against the fake Stripe account)", () => {
  let server: FakeServer;
  beforeAll(async () => {
    server = await startFakeServer(0);
  });
  afterAll(async () => {
    await server.close();
  });

  const url = () => new URL(server.url);
  const stripeFor = (scope: string) => new Stripe(`sk_test_${scope}`, { host: url().hostname, port: Number(url().port), protocol: "http", apiVersion: STRIPE_API_VERSION });
  const everyEvent = [...HANDLED_EVENT_TYPES];
  const input = (scope: string, over: Partial<Parameters<typeof remoteChecks>[0]> = {}) => ({
    stripe: stripeFor(scope),
    stripeKey: `sk_test_${scope}`,
    appUrl: "https://billing.example.com",
    defaultMode: "dry_run",
    secretNames: ["STRIPE_WEBHOOK_SECRET", "ADMIN_TOKEN", "LINK_SIGNING_SECRET"],
    apiVersion: STRIPE_API_VERSION,
    ...over,
  });

  it("a set-up account passes: the endpoint points at APP_URL with every event, the portal allows payment-method updates", async () => {
    const fake = fakeClient(server.url, "docok");
    await fake.putStripe("webhook_endpoints", "we_ok", { id: "we_ok", object: "webhook_endpoint", url: "https://billing.example.com/webhooks/stripe", enabled_events: everyEvent, status: "enabled", api_version: STRIPE_API_VERSION, created: 1 });
    const checks = await remoteChecks(input("docok"));
    expect(checks.filter((c) => !c.ok)).toEqual([]);
  });

  it("a half set-up account fails each check with its fix: missing events, no portal, a missing secret, live mode with a test key", async () => {
    const fake = fakeClient(server.url, "docbad");
    await fake.putStripe("webhook_endpoints", "we_bad", { id: "we_bad", object: "webhook_endpoint", url: "https://billing.example.com/webhooks/stripe", enabled_events: ["invoice.payment_failed"], status: "enabled", api_version: "2024-06-20", created: 1 });
    await fake.putStripe("billing_portal_configurations", "none", {});
    const checks = await remoteChecks(input("docbad", { defaultMode: "live", secretNames: ["STRIPE_WEBHOOK_SECRET"] }));
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
    expect(byName["webhook events"]).toMatchObject({ ok: false });
    expect(byName["webhook events"]?.detail).toContain("invoice.paid");
    expect(byName["customer portal"]).toMatchObject({ ok: false });
    expect(byName["Worker secrets"]?.detail).toBe("missing: ADMIN_TOKEN, LINK_SIGNING_SECRET");
    expect(byName["key mode vs DEFAULT_MODE"]).toMatchObject({ ok: false });
    expect(byName["API version"]).toMatchObject({ ok: false, warnOnly: true });
    expect(failed(checks)).toBe(true);
  });

  it("no endpoint for this Worker's URL fails and says where to add it", async () => {
    const fake = fakeClient(server.url, "docnone");
    await fake.putStripe("webhook_endpoints", "we_other", { id: "we_other", object: "webhook_endpoint", url: "https://other.example.com/hook", enabled_events: ["*"], status: "enabled", api_version: null, created: 1 });
    const checks = await remoteChecks(input("docnone"));
    expect(checks.find((c) => c.name === "Stripe webhook endpoint")).toMatchObject({ ok: false });
    expect(checks.find((c) => c.name === "Stripe webhook endpoint")?.fix).toContain("https://billing.example.com/webhooks/stripe");
  });
});
