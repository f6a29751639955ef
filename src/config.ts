/**
 * @module config
 * Every variable and secret parsed and validated once, with defaults. A bad value fails loudly
 * (ConfigError) rather than silently falling back.
 */
import { z } from "zod";
import { MODES, type Mode } from "./constants.ts";
import { PLAN_TIERS, type PlanTier } from "./ingest/context.ts";
import { DEFAULT_CAMPAIGN, parseCampaign, type CampaignStep } from "./campaign/plan.ts";
import { canonicalZone } from "./campaign/zones.ts";

export class ConfigError extends Error {
  override name = "ConfigError";
}

const TOOL_NAMES = [
  "send_email",
  "post_slack",
  "update_customer_state",
  "request_stripe_smart_retry",
  "offer_winback_discount",
  "escalate_to_human",
] as const;

const csv = (s: string | undefined) =>
  (s ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

const intOr = (name: string, s: string | undefined, dflt: number, min = 0) => {
  if (s === undefined || s.trim() === "") return dflt;
  const n = Number(s);
  if (!Number.isFinite(n) || n < min) throw new ConfigError(`${name} must be a number >= ${min}, got "${s}"`);
  return n;
};

const optional = (s: string | undefined) => (s !== undefined && s.trim() !== "" ? s.trim() : null);

/** An optional plain email address ("help@example.com"); anything else fails loudly. */
function emailAddress(name: string, raw: string | undefined): string | null {
  const v = optional(raw);
  if (v === null) return null;
  if (!/^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/.test(v)) throw new ConfigError(`${name} must be a plain email address, got "${v}"`);
  return v;
}

/** Durations like "30m", "24h", "90s", "2d" -> seconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+)\s*(s|m|h|d)?$/.exec(s.trim());
  if (!m || m[1] === undefined) throw new ConfigError(`bad duration "${s}" (use e.g. 30m, 24h)`);
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  return n * { s: 1, m: 60, h: 3600, d: 86400 }[unit as "s" | "m" | "h" | "d"];
}

const PlanTierMapSchema = z.record(z.string(), z.enum(PLAN_TIERS));
const LtvThresholdsSchema = z.record(z.string(), z.number().int().nonnegative());

function parseJson<T>(name: string, raw: string | undefined, schema: z.ZodType<T>, dflt: T): T {
  if (raw === undefined || raw.trim() === "") return dflt;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError(`${name} must be JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ConfigError(`${name}: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  return parsed.data;
}

/** Default plan-tier mapping: lookup keys / product ids containing the tier name. Overridable via PLAN_TIER_MAP. */
const DEFAULT_LTV_THRESHOLDS: Record<string, number> = { usd: 50_000, eur: 50_000, gbp: 40_000, jpy: 7_500_000 };

export interface Config {
  stripeWebhookSecrets: string[];
  stripeSecretKey: string | null;
  stripeLiveKey: boolean;
  /** http(s)://host:port for a local fake; null -> api.stripe.com. */
  stripeApiBase: string | null;
  geminiApiKey: string | null;
  geminiModel: string;
  geminiFastModel: string;
  geminiBaseUrl: string | null;
  geminiTimeoutMs: number;
  resendApiKey: string | null;
  resendBaseUrl: string | null;
  /** Signing secret of the Resend webhook (`whsec_...`, Svix format); null: POST /webhooks/resend answers 503. */
  resendWebhookSecret: string | null;
  emailFrom: string;
  brandName: string;
  sandboxEmail: string | null;
  /** Support address: the Reply-To of every customer email and shown in its footer. */
  supportEmail: string | null;
  /** The sender's postal address, in every email's footer; required before any winback (commercial) email. */
  companyAddress: string | null;
  slackBotToken: string | null;
  slackChannel: string | null;
  slackSigningSecret: string | null;
  slackApiBase: string;
  /** Slack user ids whose button clicks may act; null = anyone in the channel. */
  slackAllowedUsers: ReadonlySet<string> | null;
  adminToken: string | null;
  linkSigningSecret: string | null;
  appUrl: string;
  defaultMode: Mode;
  /** Tools allowed to execute in live mode; null = all. */
  liveTools: ReadonlySet<string> | null;
  shadowRules: boolean;
  retryBaseDelaySeconds: number;
  retryMaxDelaySeconds: number;
  decisionConcurrency: number;
  planTierMap: Record<string, PlanTier>;
  /** Lifetime value above which a customer counts as high-value, per currency, minor units. */
  ltvThresholds: Record<string, number>;
  loyalMinPaidInvoices: number;
  winbackMinPercent: number;
  winbackMaxPercent: number;
  piRetryDelaysSeconds: number[];
  piAttributionHoldSeconds: number;
  /** The agent's own payment attempts per card in 30 days (Visa allows 15 reattempts; we stay below by default). */
  maxCardRetries30d: number;
  /** Failures per hour above which customer emails hold (null: 5x the trailing 7-day hourly mean, at least 20). */
  brakeFailuresPerHour: number | null;
  /** Bench only: a simulated round trip before every D1/KV call (0 = off, the default; never set in production). */
  simulatedStorageRttMs: number;
  graceDaysMonthly: number;
  graceDaysAnnual: number;
  /** The campaign table (CAMPAIGN JSON, validated; default: day 0, day 3, final warning 48 h before the grace end, restriction). */
  campaign: readonly CampaignStep[];
  /** STRIPE_CUSTOMER_EMAILS=on: Stripe sends the failed-payment and 3-D Secure emails; the agent sends neither. */
  stripeCustomerEmails: boolean;
  /** The zone of customers whose zone we cannot tell (DEFAULT_TIMEZONE, IANA; default UTC). */
  defaultTimezone: string;
  /** SEND_WINDOWS=off sends customer emails at any hour (tests and local replays only; default on). */
  sendWindows: boolean;
  /** Where access state changes are POSTed (signed with `accessWebhookSecret`); null = not sent. */
  accessWebhookUrl: string | null;
  accessWebhookSecret: string | null;
  /** The address Email Routing sends to this Worker; recovery emails reply to it with a signed plus-tag per case. */
  replyAddress: { local: string; domain: string } | null;
}

function campaignOf(raw: string | undefined): readonly CampaignStep[] {
  if (raw === undefined || raw.trim() === "") return DEFAULT_CAMPAIGN;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError("CAMPAIGN must be JSON: a list of steps like [{\"kind\":\"notice\",\"day\":0},{\"kind\":\"notice\",\"day\":3},{\"kind\":\"final_warning\",\"hoursBeforeGrace\":48},{\"kind\":\"restrict\"}]");
  }
  try {
    return parseCampaign(value);
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
}

function onOff(name: string, raw: string | undefined, dflt: boolean): boolean {
  const v = (optional(raw) ?? (dflt ? "on" : "off")).toLowerCase();
  if (v !== "on" && v !== "off") throw new ConfigError(`${name} must be "on" or "off", got "${raw ?? ""}"`);
  return v === "on";
}


/** Parses the Worker env into a Config. Throws ConfigError on a bad value. */
export function loadConfig(env: Partial<Record<string, unknown>>): Config {
  const s = (k: string): string | undefined => {
    const v = env[k];
    return typeof v === "string" ? v : undefined;
  };
  const mode = optional(s("DEFAULT_MODE")) ?? "dry_run";
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new ConfigError(`DEFAULT_MODE must be one of ${MODES.join(", ")}, got "${mode}"`);
  }
  const liveTools = csv(s("LIVE_TOOLS"));
  for (const t of liveTools) {
    if (!(TOOL_NAMES as readonly string[]).includes(t)) throw new ConfigError(`LIVE_TOOLS: unknown tool "${t}"`);
  }
  const stripeSecretKey = optional(s("STRIPE_SECRET_KEY"));
  const winbackMin = intOr("WINBACK_MIN_PERCENT", s("WINBACK_MIN_PERCENT"), 5, 1);
  const winbackMax = intOr("WINBACK_MAX_PERCENT", s("WINBACK_MAX_PERCENT"), 30, 1);
  if (winbackMax < winbackMin || winbackMax > 100) throw new ConfigError("WINBACK_MAX_PERCENT must be within [WINBACK_MIN_PERCENT, 100]");
  const defaultTimezone = optional(s("DEFAULT_TIMEZONE")) ?? "UTC";
  const zone = canonicalZone(defaultTimezone);
  if (zone === null) throw new ConfigError(`DEFAULT_TIMEZONE must be an IANA time zone such as Europe/Berlin or America/New_York, got "${defaultTimezone}"`);
  const accessWebhook = accessWebhookOf(optional(s("ACCESS_WEBHOOK_URL")), optional(s("ACCESS_WEBHOOK_SECRET")));
  return {
    stripeWebhookSecrets: csv(s("STRIPE_WEBHOOK_SECRET")),
    stripeSecretKey,
    stripeLiveKey: stripeSecretKey !== null && /^(sk|rk)_live_/.test(stripeSecretKey),
    stripeApiBase: optional(s("STRIPE_API_BASE")),
    geminiApiKey: optional(s("GEMINI_API_KEY")),
    geminiModel: optional(s("GEMINI_MODEL")) ?? "gemini-3.8-flash",
    geminiFastModel: optional(s("GEMINI_FAST_MODEL")) ?? "gemini-3.5-flash-lite",
    geminiBaseUrl: optional(s("GEMINI_BASE_URL")),
    geminiTimeoutMs: intOr("GEMINI_TIMEOUT_MS", s("GEMINI_TIMEOUT_MS"), 10_000, 1),
    resendApiKey: optional(s("RESEND_API_KEY")),
    resendBaseUrl: optional(s("RESEND_BASE_URL")),
    resendWebhookSecret: optional(s("RESEND_WEBHOOK_SECRET")),
    emailFrom: optional(s("EMAIL_FROM")) ?? "Billing <billing@example.com>",
    brandName: optional(s("BRAND_NAME")) ?? "Acme",
    sandboxEmail: optional(s("SANDBOX_EMAIL")),
    supportEmail: emailAddress("SUPPORT_EMAIL", s("SUPPORT_EMAIL")),
    companyAddress: optional(s("COMPANY_ADDRESS"))?.replace(/\s*[\r\n]+\s*/g, ", ") ?? null,
    slackBotToken: optional(s("SLACK_BOT_TOKEN")),
    slackChannel: optional(s("SLACK_CHANNEL")),
    slackSigningSecret: optional(s("SLACK_SIGNING_SECRET")),
    slackApiBase: optional(s("SLACK_API_BASE")) ?? "https://slack.com/api",
    slackAllowedUsers: csv(s("SLACK_ALLOWED_USERS")).length > 0 ? new Set(csv(s("SLACK_ALLOWED_USERS"))) : null,
    adminToken: optional(s("ADMIN_TOKEN")),
    linkSigningSecret: optional(s("LINK_SIGNING_SECRET")),
    appUrl: (optional(s("APP_URL")) ?? "http://localhost:8787").replace(/\/$/, ""),
    defaultMode: mode as Mode,
    liveTools: liveTools.length > 0 ? new Set(liveTools) : null,
    shadowRules: ["1", "true", "yes"].includes((s("SHADOW_RULES") ?? "").toLowerCase()),
    retryBaseDelaySeconds: intOr("RETRY_BASE_DELAY_SECONDS", s("RETRY_BASE_DELAY_SECONDS"), 30),
    retryMaxDelaySeconds: intOr("RETRY_MAX_DELAY_SECONDS", s("RETRY_MAX_DELAY_SECONDS"), 3600),
    decisionConcurrency: intOr("DECISION_CONCURRENCY", s("DECISION_CONCURRENCY"), 8, 1),
    planTierMap: parseJson("PLAN_TIER_MAP", s("PLAN_TIER_MAP"), PlanTierMapSchema, {}),
    ltvThresholds: parseJson("LTV_THRESHOLDS", s("LTV_THRESHOLDS"), LtvThresholdsSchema, DEFAULT_LTV_THRESHOLDS),
    loyalMinPaidInvoices: intOr("LOYAL_MIN_PAID_INVOICES", s("LOYAL_MIN_PAID_INVOICES"), 6, 1),
    winbackMinPercent: winbackMin,
    winbackMaxPercent: winbackMax,
    piRetryDelaysSeconds: csv(s("PI_RETRY_DELAYS") ?? "30m,24h").map(parseDuration),
    piAttributionHoldSeconds: intOr("PI_ATTRIBUTION_HOLD_SECONDS", s("PI_ATTRIBUTION_HOLD_SECONDS"), 120),
    brakeFailuresPerHour: optional(s("BRAKE_FAILURES_PER_HOUR")) === null ? null : intOr("BRAKE_FAILURES_PER_HOUR", s("BRAKE_FAILURES_PER_HOUR"), 0, 1),
    simulatedStorageRttMs: intOr("SIMULATED_STORAGE_RTT_MS", s("SIMULATED_STORAGE_RTT_MS"), 0),
    maxCardRetries30d: Math.min(intOr("MAX_CARD_RETRIES_30D", s("MAX_CARD_RETRIES_30D"), 8, 1), 15),
    graceDaysMonthly: intOr("GRACE_DAYS_MONTHLY", s("GRACE_DAYS_MONTHLY"), 7),
    graceDaysAnnual: intOr("GRACE_DAYS_ANNUAL", s("GRACE_DAYS_ANNUAL"), 21),
    campaign: campaignOf(s("CAMPAIGN")),
    stripeCustomerEmails: onOff("STRIPE_CUSTOMER_EMAILS", s("STRIPE_CUSTOMER_EMAILS"), false),
    defaultTimezone: zone,
    sendWindows: onOff("SEND_WINDOWS", s("SEND_WINDOWS"), true),
    ...accessWebhook,
    replyAddress: parseReplyAddress(optional(s("REPLY_ADDRESS")), optional(s("LINK_SIGNING_SECRET"))),
  };
}

/** ACCESS_WEBHOOK_URL must be http(s) and comes with its signing secret (an unsigned notice could be forged). */
function accessWebhookOf(url: string | null, secret: string | null): Pick<Config, "accessWebhookUrl" | "accessWebhookSecret"> {
  if (url === null) return { accessWebhookUrl: null, accessWebhookSecret: secret };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`ACCESS_WEBHOOK_URL must be an http(s) URL, got "${url.slice(0, 80)}"`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new ConfigError(`ACCESS_WEBHOOK_URL must be an http(s) URL, got "${url.slice(0, 80)}"`);
  if (secret === null || secret.length < 16) throw new ConfigError("ACCESS_WEBHOOK_URL needs ACCESS_WEBHOOK_SECRET (at least 16 characters) to sign what it sends");
  return { accessWebhookUrl: url, accessWebhookSecret: secret };
}

/** REPLY_ADDRESS: a plain `local@domain` (no plus-tag of its own); its tags are signed with LINK_SIGNING_SECRET. */
function parseReplyAddress(raw: string | null, signingSecret: string | null): { local: string; domain: string } | null {
  if (raw === null) return null;
  const m = /^([A-Za-z0-9._-]{1,16})@([A-Za-z0-9.-]+\.[A-Za-z]{2,})$/.exec(raw);
  if (!m || m[1] === undefined || m[2] === undefined) throw new ConfigError(`REPLY_ADDRESS must be a plain address like billing@example.com (at most 16 characters before the @, so the case tag fits the 64-character local part; no "+"), got "${raw}"`);
  if (signingSecret === null) throw new ConfigError("REPLY_ADDRESS needs LINK_SIGNING_SECRET: it signs the tag that names the case in each Reply-To");
  return { local: m[1].toLowerCase(), domain: m[2].toLowerCase() };
}

/** The configured high-value threshold for a currency (minor units), or null when none is configured. */
export function ltvThreshold(config: Config, currency: string): number | null {
  return config.ltvThresholds[currency.toLowerCase()] ?? null;
}
