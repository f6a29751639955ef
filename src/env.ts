/**
 * @module env
 * The Worker's bindings, typed once. Vars and secrets are all optional strings here;
 * `config.ts` parses and validates them.
 */
import type { DunningJob } from "./queue/messages.ts";

export interface Bindings {
  BILLING_KV: KVNamespace;
  LEDGER: D1Database;
  DUNNING_QUEUE: Queue<DunningJob>;
}

export const CONFIG_KEYS = [
  "STRIPE_WEBHOOK_SECRET",
  "STRIPE_SECRET_KEY",
  "STRIPE_API_BASE",
  "GEMINI_API_KEY",
  "GEMINI_MODEL",
  "GEMINI_FAST_MODEL",
  "GEMINI_BASE_URL",
  "GEMINI_TIMEOUT_MS",
  "RESEND_API_KEY",
  "RESEND_BASE_URL",
  "RESEND_WEBHOOK_SECRET",
  "EMAIL_FROM",
  "BRAND_NAME",
  "SANDBOX_EMAIL",
  "SLACK_BOT_TOKEN",
  "SLACK_CHANNEL",
  "SLACK_SIGNING_SECRET",
  "SLACK_API_BASE",
  "ADMIN_TOKEN",
  "LINK_SIGNING_SECRET",
  "APP_URL",
  "DEFAULT_MODE",
  "LIVE_TOOLS",
  "SHADOW_RULES",
  "RETRY_BASE_DELAY_SECONDS",
  "RETRY_MAX_DELAY_SECONDS",
  "DECISION_CONCURRENCY",
  "PLAN_TIER_MAP",
  "LTV_THRESHOLDS",
  "LOYAL_MIN_PAID_INVOICES",
  "WINBACK_MAX_PERCENT",
  "WINBACK_MIN_PERCENT",
  "PI_RETRY_DELAYS",
  "PI_ATTRIBUTION_HOLD_SECONDS",
  "GRACE_DAYS_MONTHLY",
  "GRACE_DAYS_ANNUAL",
  "DEFAULT_TIMEZONE",
  "ACCESS_WEBHOOK_URL",
  "ACCESS_WEBHOOK_SECRET",
  "SUPPORT_EMAIL",
  "REPLY_ADDRESS",
  "BRAKE_FAILURES_PER_HOUR",
  "CAMPAIGN",
  "COMPANY_ADDRESS",
  "MAX_CARD_RETRIES_30D",
  "SEND_WINDOWS",
  "SIMULATED_STORAGE_RTT_MS",
  "SLACK_ALLOWED_USERS",
  "STRIPE_CUSTOMER_EMAILS",
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

export type Env = Bindings & Partial<Record<ConfigKey, string>>;
