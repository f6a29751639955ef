/**
 * @module email-routing
 * Test-mode safety, as a pure function: a customer's real address is used only when the event is live
 * AND the Stripe key is a live key. Otherwise SANDBOX_EMAIL with a [TEST] prefix, else the local outbox.
 * With no Resend key at all, everything goes to the outbox.
 */

export type EmailRoute =
  | { via: "resend"; to: string; subjectPrefix: ""; sandboxed: false }
  | { via: "resend"; to: string; subjectPrefix: "[TEST] "; sandboxed: true }
  | { via: "outbox"; to: string; subjectPrefix: "" | "[TEST] "; sandboxed: boolean };

export interface RoutingConfig {
  resendConfigured: boolean;
  stripeLiveKey: boolean;
  sandboxEmail: string | null;
}

export function routeEmail(customerEmail: string, livemode: boolean, config: RoutingConfig): EmailRoute {
  const live = livemode && config.stripeLiveKey;
  if (!config.resendConfigured) return { via: "outbox", to: customerEmail, subjectPrefix: live ? "" : "[TEST] ", sandboxed: !live };
  if (live) return { via: "resend", to: customerEmail, subjectPrefix: "", sandboxed: false };
  if (config.sandboxEmail !== null) return { via: "resend", to: config.sandboxEmail, subjectPrefix: "[TEST] ", sandboxed: true };
  return { via: "outbox", to: customerEmail, subjectPrefix: "[TEST] ", sandboxed: true };
}
