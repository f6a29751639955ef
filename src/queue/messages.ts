/** @module messages — what travels on the `dunning` queue. */
import type { DunningContext } from "../ingest/context.ts";

/** A verified, normalized Stripe event. `resume` marks a parked event re-enqueued by POST /admin/resume. */
export interface EventJob {
  kind: "event";
  context: DunningContext;
  /** Ingress time, epoch ms. */
  receivedAt: number;
  resume?: boolean;
}

/** A due scheduled job (a throttled email to reconsider, a one-off PaymentIntent retry, a next-day winback). */
export interface ScheduledJob {
  kind: "scheduled";
  jobId: string;
}

/** A change of a customer's access state to POST to ACCESS_WEBHOOK_URL (the `access_changes` row id). */
export interface AccessWebhookJob {
  kind: "access_webhook";
  changeId: number;
  customerId: string;
}

/** A customer's reply to a recovery email, recorded by the email handler (`replies/receive.ts`), to decide on. */
export interface ReplyJob {
  kind: "reply";
  replyId: number;
  caseId: string;
  customerId: string;
  /** Receipt time, epoch ms. */
  receivedAt: number;
  subject: string | null;
  /** The customer's own words (quoted history and signature removed, at most 2,000 characters); null: too large to read. */
  text: string | null;
}

export type DunningJob = EventJob | ScheduledJob | AccessWebhookJob | ReplyJob;
