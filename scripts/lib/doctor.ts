/**
 * @module scripts/lib/doctor
 * The checks behind `npm run doctor`: is this checkout (and, with `--remote`, the Cloudflare and Stripe accounts)
 * set up the way the agent needs? Each check says pass/fail and, when it fails, how to fix it. The local checks are
 * pure (they take file contents); the remote ones take a Stripe client (tests point it at the local fake).
 */
import type Stripe from "stripe";
import { HANDLED_EVENT_TYPES } from "../../src/ingest/context.ts";

export interface Check {
  name: string;
  ok: boolean;
  /** What was found. */
  detail: string;
  /** How to fix it (null when it passed). */
  fix: string | null;
  /** A warning does not fail the run. */
  warnOnly?: boolean;
}

const pass = (name: string, detail: string): Check => ({ name, ok: true, detail, fix: null });
const fail = (name: string, detail: string, fix: string, warnOnly = false): Check => ({ name, ok: false, detail, fix, warnOnly });

export const REQUIRED_SECRETS = ["STRIPE_WEBHOOK_SECRET", "ADMIN_TOKEN", "LINK_SIGNING_SECRET"] as const;
const PLACEHOLDER = /^(0+|0{8}-0{4}-0{4}-0{4}-0{12}|__.*__|)$/;

/** The ids in wrangler.toml that must be replaced by the user's own (KV namespace, D1 database). */
function tomlIds(toml: string): Array<{ what: string; value: string | null }> {
  const kv = /\[\[kv_namespaces\]\][^[]*?\bid\s*=\s*"([^"]*)"/s.exec(toml)?.[1] ?? null;
  const d1 = /\[\[d1_databases\]\][^[]*?\bdatabase_id\s*=\s*"([^"]*)"/s.exec(toml)?.[1] ?? null;
  return [
    { what: "KV namespace id (BILLING_KV)", value: kv },
    { what: "D1 database_id (LEDGER)", value: d1 },
  ];
}

/** A `[vars]` value of wrangler.toml. */
export function tomlVar(toml: string, name: string): string | null {
  const vars = /\[vars\]([\s\S]*?)(?:\n\[|$)/.exec(toml)?.[1] ?? "";
  return new RegExp(`^\\s*${name}\\s*=\\s*"([^"]*)"`, "m").exec(vars)?.[1] ?? null;
}

export type KeyMode = "test" | "live" | "none" | "unrecognized";
export function keyMode(key: string | null | undefined): KeyMode {
  if (!key) return "none";
  if (/^(sk|rk)_test_/.test(key)) return "test";
  if (/^(sk|rk)_live_/.test(key)) return "live";
  return "unrecognized";
}

export interface LocalInput {
  toml: string;
  devVars: Record<string, string>;
  /** Migration files in migrations/. */
  migrationFiles: string[];
  /** Migrations recorded as applied in the local D1 (null: could not be read). */
  appliedMigrations: string[] | null;
}

export function localChecks(input: LocalInput): Check[] {
  const checks: Check[] = [];
  for (const { what, value } of tomlIds(input.toml)) {
    checks.push(
      value !== null && !PLACEHOLDER.test(value)
        ? pass(`wrangler.toml ${what}`, value)
        : fail(`wrangler.toml ${what}`, value === null ? "missing" : `placeholder "${value}"`, what.startsWith("KV") ? "wrangler kv namespace create BILLING_KV, then put its id in wrangler.toml" : "wrangler d1 create recovery-ledger, then put its database_id in wrangler.toml", true),
    );
  }
  for (const name of REQUIRED_SECRETS) {
    const v = input.devVars[name] ?? "";
    if (v === "" || PLACEHOLDER.test(v)) checks.push(fail(`.dev.vars ${name}`, "missing", "npm run dev creates .dev.vars with fresh local values; or add it by hand"));
    else if (name === "ADMIN_TOKEN" && v.length < 32) checks.push(fail(`.dev.vars ${name}`, `${v.length} characters`, "use at least 32 characters (admin routes are disabled otherwise)"));
    else checks.push(pass(`.dev.vars ${name}`, "set"));
  }
  if (input.appliedMigrations === null) {
    checks.push(fail("D1 migrations (local)", "could not read the local D1", "npx wrangler d1 migrations apply LEDGER --local"));
  } else {
    const missing = input.migrationFiles.filter((f) => !input.appliedMigrations?.includes(f));
    checks.push(missing.length === 0 ? pass("D1 migrations (local)", `${input.migrationFiles.length} applied`) : fail("D1 migrations (local)", `not applied: ${missing.join(", ")}`, "npx wrangler d1 migrations apply LEDGER --local"));
  }
  const mode = input.devVars.DEFAULT_MODE || tomlVar(input.toml, "DEFAULT_MODE") || "dry_run";
  checks.push(pass("configured mode (DEFAULT_MODE)", `${mode} (the KV key dunning:mode overrides it at run time)`));
  const km = keyMode(input.devVars.STRIPE_SECRET_KEY);
  checks.push(
    km === "unrecognized"
      ? fail("Stripe key", "STRIPE_SECRET_KEY does not look like sk_/rk_ test or live", "copy the secret (or restricted) key from the Stripe Dashboard, Developers → API keys")
      : pass("Stripe key", km === "none" ? "not set: the agent runs keyless (no coupons, retries or portal links)" : `${km} mode`),
  );
  return checks;
}

export interface RemoteInput {
  stripe: Stripe;
  stripeKey: string;
  appUrl: string;
  defaultMode: string;
  /** Secret names `wrangler secret list` printed (null: could not be read). */
  secretNames: string[] | null;
  /** The API version our SDK pins. */
  apiVersion: string;
}

export async function remoteChecks(input: RemoteInput): Promise<Check[]> {
  const checks: Check[] = [];
  if (input.secretNames === null) checks.push(fail("Worker secrets", "could not run wrangler secret list", "wrangler login, then run the doctor again"));
  else {
    const missing = REQUIRED_SECRETS.filter((s) => !input.secretNames?.includes(s));
    checks.push(missing.length === 0 ? pass("Worker secrets", REQUIRED_SECRETS.join(", ")) : fail("Worker secrets", `missing: ${missing.join(", ")}`, missing.map((s) => `wrangler secret put ${s}`).join("; ")));
  }
  const km = keyMode(input.stripeKey);
  if (input.defaultMode === "live" && km === "test") checks.push(fail("key mode vs DEFAULT_MODE", "DEFAULT_MODE is live but the Stripe key is a test key: no real customer will ever be reached", "use the live key in production, or set DEFAULT_MODE to dry_run while testing"));
  else if (input.defaultMode !== "live" && km === "live") checks.push(fail("key mode vs DEFAULT_MODE", `a live Stripe key with DEFAULT_MODE ${input.defaultMode}: nothing reaches customers until the mode is live`, "switch to live with PUT /admin/mode when ready (or use a test key)", true));
  else checks.push(pass("key mode vs DEFAULT_MODE", `${km} key, DEFAULT_MODE ${input.defaultMode}`));

  const target = `${input.appUrl.replace(/\/$/, "")}/webhooks/stripe`;
  try {
    const endpoints = await input.stripe.webhookEndpoints.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
    const ours = endpoints.find((e) => e.url === target);
    if (ours === undefined) {
      checks.push(fail("Stripe webhook endpoint", `none points at ${target} (found: ${endpoints.map((e) => e.url).join(", ") || "none"})`, `Stripe Dashboard → Developers → Webhooks → add ${target} with the events listed in the README`));
    } else {
      const events = new Set(ours.enabled_events);
      const missing = events.has("*") ? [] : HANDLED_EVENT_TYPES.filter((t) => !events.has(t));
      checks.push(ours.status !== "enabled" ? fail("Stripe webhook endpoint", `${target} is ${ours.status}`, "enable it in the Stripe Dashboard") : pass("Stripe webhook endpoint", target));
      checks.push(missing.length === 0 ? pass("webhook events", `all ${HANDLED_EVENT_TYPES.length} handled types`) : fail("webhook events", `not subscribed: ${missing.join(", ")}`, "add them to the endpoint's events in the Stripe Dashboard"));
      const version = ours.api_version ?? null;
      checks.push(
        version === null || version === input.apiVersion
          ? pass("API version", `SDK pins ${input.apiVersion}; endpoint ${version ?? "uses the account default"}`)
          : fail("API version", `endpoint sends ${version}, the SDK pins ${input.apiVersion}`, "both shapes are handled, but create the endpoint with the pinned version to get the shapes the tests cover", true),
      );
    }
  } catch (err) {
    checks.push(fail("Stripe webhook endpoint", `could not list endpoints: ${err instanceof Error ? err.message : String(err)}`, "check the key (a restricted key needs read access to webhook endpoints)"));
  }
  try {
    const configs = await input.stripe.billingPortal.configurations.list({ limit: 100 });
    const usable = configs.data.filter((c) => c.active && c.features.payment_method_update.enabled);
    checks.push(
      usable.length > 0
        ? pass("customer portal", `${usable.length} active configuration(s) allow payment-method updates`)
        : fail("customer portal", configs.data.length === 0 ? "not configured in this mode: portal sessions will fail" : "no active configuration allows payment-method updates", "Stripe Dashboard → Settings → Billing → Customer portal: allow updating payment methods, then save (in test and live mode separately)"),
    );
  } catch (err) {
    checks.push(fail("customer portal", `could not list configurations: ${err instanceof Error ? err.message : String(err)}`, "check the key's permissions"));
  }
  return checks;
}

/** Dashboard settings no API can read: printed every run. */
export function dashboardChecklist(stripeCustomerEmails: "on" | "off"): string[] {
  return [
    "Stripe Dashboard → Settings → Billing → Revenue recovery → Retries: Smart Retries on (the agent never retries an invoice while Stripe has a retry scheduled).",
    stripeCustomerEmails === "on"
      ? "STRIPE_CUSTOMER_EMAILS=on: Stripe sends its own failed-payment and 3-D Secure emails; the agent keeps the later notices."
      : "Stripe Dashboard → Settings → Billing → Revenue recovery → Emails: turn OFF 'failed payment', '3-D Secure' and 'expiring card' customer emails (the agent sends them), or set STRIPE_CUSTOMER_EMAILS=on.",
    "Stripe Dashboard → Settings → Billing → Customer portal: payment-method update allowed and saved, in test and live mode.",
  ];
}

export function formatChecks(checks: readonly Check[]): string {
  return checks
    .map((c) => `${c.ok ? "PASS" : c.warnOnly ? "WARN" : "FAIL"}  ${c.name}: ${c.detail}${c.fix !== null ? `\n      fix: ${c.fix}` : ""}`)
    .join("\n");
}

export const failed = (checks: readonly Check[]) => checks.some((c) => !c.ok && c.warnOnly !== true);
