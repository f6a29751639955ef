/** @module constants — names and limits others (on-call, scripts, the dashboard) rely on. */

export const VERSION = "0.1.0";

/** KV keys. */
export const KV_MODE = "dunning:mode";
export const KV_MODE_BEFORE_KILL = "dunning:mode:before-kill";
export const kvEventKey = (eventId: string) => `evt:${eventId}`;
export const kvMailThrottleKey = (customerId: string) => `mail-throttle:${customerId}`;
export const kvWinbackKey = (customerId: string) => `winback:${customerId}`;
export const kvCustomerKey = (customerId: string) => `cust:${customerId}`;

export const EVENT_DEDUP_TTL_SECONDS = 7 * 24 * 3600;
export const MAIL_THROTTLE_SECONDS = 24 * 3600;
export const WINBACK_COOLDOWN_SECONDS = 90 * 24 * 3600;

/** Stripe webhook rules. */
export const STRIPE_SIGNATURE_TOLERANCE_SECONDS = 300;
export const MAX_WEBHOOK_BODY_BYTES = 512 * 1024;
export const MAX_SLACK_BODY_BYTES = 64 * 1024;
export const MAX_ADMIN_BODY_BYTES = 16 * 1024;
export const SLACK_SIGNATURE_TOLERANCE_SECONDS = 300;
/** Resend webhook bodies (one email event) are small. */
export const MAX_RESEND_BODY_BYTES = 64 * 1024;

/** A claim on an event older than this is considered abandoned and may be taken over. */
export const CLAIM_LEASE_MS = 5 * 60 * 1000;

export const MODES = ["off", "observe", "dry_run", "live"] as const;
export type Mode = (typeof MODES)[number];

/** The escalation message's buttons (action ids in Slack's `block_actions`). */
export const SLACK_ACTION_WINBACK = "send_winback_offer";
export const SLACK_ACTION_MARK_LOST = "mark_as_lost";
/** Offered when a customer's reply says they want to cancel: stops Stripe's automatic retries of the open invoice. */
export const SLACK_ACTION_STOP_RETRIES = "stop_stripe_retries";

/** Stripe customer metadata key holding the team's label for a customer (do_not_contact, paused, no_offers). */
export const STRIPE_LABEL_METADATA_KEY = "recovery_agent_label";

/** Replies larger than this are not read (the headers still classify them; the team gets the forward). */
export const MAX_REPLY_BYTES = 1024 * 1024;
