/**
 * `npm run doctor [-- --remote]`: is this set up the way the agent needs?
 * Locally: wrangler.toml ids, the secrets in .dev.vars, the local D1 migrations, the mode, the Stripe key's mode.
 * With --remote (network and a Stripe key): the Worker's secrets, the Stripe webhook endpoint and its events, the
 * customer portal, the key's mode against DEFAULT_MODE, the pinned API version. Then the Stripe Dashboard settings
 * no API can read. Exits 1 when any check fails (warnings do not).
 * STRIPE_API_BASE (from .dev.vars or the environment) points the Stripe SDK elsewhere (the tests' fake).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createStripe, STRIPE_API_VERSION } from "../src/clients/stripe.ts";
import { loadConfig } from "../src/config.ts";
import { readDevVars } from "./lib/dev-vars.ts";
import { dashboardChecklist, failed, formatChecks, localChecks, remoteChecks, tomlVar, type Check } from "./lib/doctor.ts";
import { run } from "./lib/proc.ts";
import { d1Query, WRANGLER_ENV, wranglerBin } from "./lib/wrangler.ts";

const args = process.argv.slice(2);
const remote = args.includes("--remote");
const persistTo = (() => {
  const i = args.indexOf("--persist-to");
  return i >= 0 ? (args[i + 1] ?? ".wrangler/state") : ".wrangler/state";
})();

async function appliedMigrations(): Promise<string[] | null> {
  if (!existsSync(persistTo)) return [];
  try {
    const [rows] = await d1Query<{ name: string }>("LEDGER", persistTo, "SELECT name FROM d1_migrations");
    return (rows ?? []).map((r) => r.name);
  } catch {
    return null;
  }
}

async function secretNames(): Promise<string[] | null> {
  const r = await run(wranglerBin(), ["secret", "list", "--format", "json"], { env: WRANGLER_ENV, timeoutMs: 60_000 }).catch(() => null);
  if (r === null || r.code !== 0) return null;
  try {
    return (JSON.parse(r.stdout.slice(r.stdout.indexOf("["))) as Array<{ name: string }>).map((s) => s.name);
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const toml = readFileSync("wrangler.toml", "utf8");
  const devVars = { ...readDevVars(), ...Object.fromEntries(["STRIPE_SECRET_KEY", "STRIPE_API_BASE", "APP_URL", "DEFAULT_MODE", "STRIPE_CUSTOMER_EMAILS"].flatMap((k) => (process.env[k] ? [[k, process.env[k] ?? ""]] : []))) };
  const migrationFiles = readdirSync("migrations").filter((f) => f.endsWith(".sql")).sort();
  const checks: Check[] = localChecks({ toml, devVars, migrationFiles, appliedMigrations: await appliedMigrations() });
  if (remote) {
    const key = devVars.STRIPE_SECRET_KEY ?? "";
    if (key === "") {
      checks.push({ name: "Stripe (remote)", ok: false, detail: "no STRIPE_SECRET_KEY in .dev.vars or the environment", fix: "set STRIPE_SECRET_KEY (a test key first) and run npm run doctor -- --remote again" });
    } else {
      const config = loadConfig({ ...devVars, STRIPE_WEBHOOK_SECRET: devVars.STRIPE_WEBHOOK_SECRET || "whsec_doctor" });
      const stripe = createStripe(config);
      if (stripe === null) throw new Error("the Stripe client could not be built");
      checks.push(
        ...(await remoteChecks({
          stripe,
          stripeKey: key,
          appUrl: devVars.APP_URL || tomlVar(toml, "APP_URL") || "http://localhost:8787",
          defaultMode: devVars.DEFAULT_MODE || tomlVar(toml, "DEFAULT_MODE") || "dry_run",
          secretNames: await secretNames(),
          apiVersion: STRIPE_API_VERSION,
        })),
      );
    }
  }
  console.log(formatChecks(checks));
  console.log("\nStripe Dashboard settings no API can read (check them by hand):");
  for (const line of dashboardChecklist(devVars.STRIPE_CUSTOMER_EMAILS === "on" ? "on" : "off")) console.log(`  [ ] ${line}`);
  if (!remote) console.log("\nRun `npm run doctor -- --remote` to check the Cloudflare and Stripe accounts too.");
  const bad = failed(checks);
  console.log(`\n${bad ? "Some checks failed." : "All checks passed."}`);
  return bad ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  },
);
