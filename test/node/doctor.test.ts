/**
 * `npm run doctor`: the local checks on real file contents (this repository's wrangler.toml and migrations), in
 * pass and fail states.
 */
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { failed, keyMode, localChecks } from "../../scripts/lib/doctor.ts";

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
